/**
 * The evidence files `npm start` leaves for the console's operator
 * (cli/demo/console-files.ts), through the local gateway on the shared test
 * stack, on a copy of the Qarmet contract: the contract registered with no
 * evidence; one CSV a month and the first month's with two mistakes; the
 * file with mistakes refused with both problems named (line and field) and
 * nothing written; each month's file accepted whole; a second run rewrites
 * the same files and registers nothing new.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, ApiError } from '../../cli/api-client.ts';
import { consoleFilesGuide, leaveFilesForTheOperator } from '../../cli/demo/console-files.ts';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { PROGRAMME_SUBJECTS } from '../../scenarios/programmes.ts';
import { REPO, useDataDir } from '../support/cli.ts';
import { saveEnv } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

const data = useDataDir({ withStack: true });
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED']);
let gateway: Gateway;
let rt: Runtime;
let contract = '';

beforeAll(async () => {
  const contracts = join(data.path, 'contracts');
  mkdirSync(contracts, { recursive: true });
  process.env.SIB_DATA_DIR = data.path;
  process.env.SIB_CONTRACTS_DIR = contracts;
  process.env.POWERTOOLS_LOG_LEVEL = 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  contract = `qarmet-console-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(readFileSync(join(REPO, 'contracts', 'qarmet-karaganda-2026.json'), 'utf8'));
  delete spec.translations;
  writeFileSync(join(contracts, `${contract}.json`), JSON.stringify({ ...spec, id: contract }));
  rt = await localRuntime(data.path, testStack());
  setRuntime(rt);
  gateway = await startGateway({ dataDir: data.path, port: 0, consoleDir: false });
});
afterAll(async () => {
  await gateway?.close();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  resetRuntime();
  saved.restore();
});

const operator = async () =>
  new ApiClient({
    baseUrl: gateway.url,
    token: (
      await issueToken({
        dataDir: data.path,
        sub: PROGRAMME_SUBJECTS.qarmet.operator,
        role: 'operator',
        contracts: [contract],
      })
    ).token,
  });

const submit = async (api: ApiClient, file: string) =>
  api.call<{ recordCount: number; replayed: boolean }>('submitBatch', {
    params: { contract },
    query: { batchId: basename(file, '.csv') },
    body: new Uint8Array(readFileSync(file)),
    contentType: 'text/csv',
  });

const logSize = async () => (await rt.log.head(contract)).size;

describe('the evidence files npm start leaves for the console', () => {
  it('registers the pilot with no evidence and writes a CSV a month and one with two mistakes', async () => {
    const files = await leaveFilesForTheOperator(data.path, gateway.url, contract, '2026-12-06');
    expect(files.months.map((f) => basename(f))).toEqual([
      'qarmet-2026-02.csv',
      'qarmet-2026-03.csv',
      'qarmet-2026-04.csv',
    ]);
    expect(basename(files.withMistakes)).toBe('qarmet-2026-02-with-mistakes.csv');
    expect(await logSize()).toBe(1);
    const text = readFileSync(files.months[0] as string, 'utf8');
    expect(text.split('\r\n')[0]).toMatch(/^eventId,participant,type,date,/);
    // Codes of the cohort, never names.
    expect(text).toMatch(/QR-000001/);
    const guide = consoleFilesGuide(files).join('\n');
    expect(guide).toContain(PROGRAMME_SUBJECTS.qarmet.operator);
    expect(guide).toContain(files.withMistakes);
  });

  it('the file with mistakes is refused naming both, nothing written; each month is accepted whole', async () => {
    const files = await leaveFilesForTheOperator(data.path, gateway.url, contract, '2026-12-06');
    const api = await operator();
    const refused = await submit(api, files.withMistakes).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    const problem = (refused as ApiError).problem as { errors?: { at?: string; field?: string; message: string }[] };
    expect((refused as ApiError).status).toBe(422);
    expect(problem.errors?.map((e) => e.field)).toEqual(expect.arrayContaining(['date', 'sex']));
    expect(await logSize()).toBe(1);
    let records = 0;
    for (const file of files.months) records += (await submit(api, file)).body.recordCount;
    expect(records).toBe(files.records);
    expect(await logSize()).toBe(1 + files.months.length);
    // A second run registers nothing new and writes the same files.
    const again = await leaveFilesForTheOperator(data.path, gateway.url, contract, '2026-12-06');
    expect(again).toEqual(files);
    expect(await logSize()).toBe(1 + files.months.length);
  });
});
