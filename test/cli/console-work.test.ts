/**
 * What `npm start` leaves for the web console (cli/demo/console-work.ts),
 * through the local gateway on the shared test stack, on a copy of the
 * Antares contract: the pilot's payment attested by a reviewer whose key it
 * enrolled through the API (so the trust policy names it and the attestation
 * verifies), awaiting the akimat's decision; the sign-in's suggested subjects
 * written; a second run adds nothing; once the akimat has decided, a run says
 * so instead of attesting anything.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../cli/api-client.ts';
import { ANTARES_MINISTRY, ANTARES_REVIEWER, leaveWorkForTheMinistry } from '../../cli/demo/console-work.ts';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { SIGN_IN_FILE } from '../../functions/shared/sign-in-subjects.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
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
  contract = `antares-console-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(readFileSync(join(REPO, 'contracts', 'antares-vko-2017.json'), 'utf8'));
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

const as = async (sub: string, role: 'ministry' | 'investor') =>
  new ApiClient({
    baseUrl: gateway.url,
    token: (await issueToken({ dataDir: data.path, sub, role, contracts: [contract] })).token,
  });

describe('the work npm start leaves for the console', () => {
  it('leaves the pilot payment attested with an enrolled key, awaiting the akimat, and says whom to sign in as', async () => {
    const work = await leaveWorkForTheMinistry(data.path, gateway.url, contract);
    expect(work).toMatchObject({ contract, subject: ANTARES_MINISTRY.sub, awaiting: { currency: 'KZT' } });
    const payment = work.awaiting?.payment as number;
    const akimat = await as(ANTARES_MINISTRY.sub, 'ministry');
    const summary = (
      await akimat.call<{ status: { state: string }; signatures: { step: string; subject: string; key: string }[] }>(
        'getPaymentSummary',
        { params: { contract, payment } },
      )
    ).body;
    expect(summary.status.state).toBe('attested');
    expect(summary.signatures).toEqual([expect.objectContaining({ step: 'attested', subject: ANTARES_REVIEWER.sub })]);
    const trust = (
      await akimat.call<{ logs: { parties: { evaluator: string[] } }[] }>('getTrustPolicy', { params: { contract } })
    ).body;
    expect(trust.logs[0]?.parties.evaluator).toContain(summary.signatures[0]?.key);
    const signIn = JSON.parse(readFileSync(join(data.path, SIGN_IN_FILE), 'utf8'));
    expect(signIn.subjects[0]).toMatchObject({ subject: ANTARES_MINISTRY.sub, role: 'ministry' });
  });

  it('adds nothing when run again, and attests nothing once the akimat has decided', async () => {
    const size = (await rt.log.head(contract)).size;
    const again = await leaveWorkForTheMinistry(data.path, gateway.url, contract);
    expect((await rt.log.head(contract)).size).toBe(size);
    const payment = again.awaiting?.payment as number;
    const akimat = await as(ANTARES_MINISTRY.sub, 'ministry');
    await akimat.call('rejectPayment', { params: { contract, payment }, body: { reason: 'test: decided elsewhere' } });
    const after = await leaveWorkForTheMinistry(data.path, gateway.url, contract);
    expect(after.awaiting).toBeUndefined();
    expect(after.note).toContain('rejected in an earlier session');
    expect((await rt.log.head(contract)).size).toBe(size + 1);
  });
});
