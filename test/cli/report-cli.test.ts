import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { lines, REPO, sib, useDataDir } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

/**
 * `sib report …` and the report `sib payment approve` issues, as processes
 * against the shared test stack: a Second Chance copy under a fresh id with a
 * per-outcome rule added (a price for each participant employed), so that a
 * batch of three pays in y1. The payment (entry 2) is calculated, attested
 * and approved by three subjects; the approval issues the report. Steps run
 * in order: each test builds on the log and the reports the one before left.
 */
const data = useDataDir({ withStack: true });
const client = dynamoClient();
const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: testStack().tables });
afterAll(() => client.destroy());

const logSize = async (contract: string) => (await store.head(contract)).size;
const contractsDir = () => join(data.path, 'contracts');
const run = (args: string[]) => sib(data.path, args, undefined, { SIB_CONTRACTS_DIR: contractsDir() });
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let contract = '';
const pay = (command: string, payment: string | number, ...rest: string[]) =>
  run(['payment', command, '--contract', contract, '--payment', String(payment), ...rest]);

/** The report issued on approval: its id (SHA-256). */
let sha = '';
const short = () => sha.slice(0, 12);
const base = (size: number, id = sha) => `reports/${contract}/y1/p2-s${size}-${id}`;

beforeAll(async () => {
  contract = `cli-report-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(await readFile(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
    payments: unknown[];
  };
  await mkdir(contractsDir(), { recursive: true });
  await writeFile(
    join(contractsDir(), `${contract}.json`),
    JSON.stringify({
      ...spec,
      id: contract,
      payments: [...spec.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' }],
    }),
  );
  const batchFile = join(data.path, 'batch.json');
  await writeFile(
    batchFile,
    JSON.stringify({
      batchId: 'b-1',
      records: [
        { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
        job('j1', 'OP-1', '2024-02-01'),
        { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'released' },
        job('j2', 'OP-2', '2024-03-01'),
        enrol('e3', 'OP-3', '2024-02-01'),
      ],
    }),
  );
  for (const args of [
    ['contract', 'register', '--contract', contract],
    ['evidence', 'submit', '--contract', contract, batchFile],
    ['evaluate', '--contract', contract, '--period', 'y1', '--as', 'calc-evaluator'],
    ['payment', 'attest', '--contract', contract, '--payment', '2', '--as', 'field-evaluator'],
  ]) {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(0);
  }
  expect(await logSize(contract)).toBe(4);
});

describe('sib payment approve issues the audit report', () => {
  it('--lang de is a usage error (exit 2) before anything is approved', async () => {
    const result = await pay('approve', 2, '--as', 'ministry-head', '--lang', 'de');

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: option '--lang <lang>' argument 'de' is invalid\. must be ru or en\./);
    expect(await logSize(contract)).toBe(4);
  });

  it('a --witness that is not a verifier key is a usage error (exit 2); a bad SIB_WITNESS_KEYS is refused (exit 1)', async () => {
    const option = await pay('approve', 2, '--as', 'ministry-head', '--witness', 'not-a-key');
    const env = await sib(
      data.path,
      ['payment', 'approve', '--contract', contract, '--payment', '2', '--as', 'ministry-head'],
      undefined,
      { SIB_CONTRACTS_DIR: contractsDir(), SIB_WITNESS_KEYS: 'not-a-key' },
    );

    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(
      /^error: option '--witness <verifier-key>' argument 'not-a-key' is invalid\. invalid verifier key "not-a-key"/,
    );
    expect(env.code).toBe(1);
    expect(env.stdout).toBe('');
    expect(lines(env.stderr)).toEqual([
      'error: SIB_WITNESS_KEYS: invalid verifier key "not-a-key": expected <name>+<keyid>+<key>',
    ]);
    expect(await logSize(contract)).toBe(4);
  });

  it('approve prints the receipt, then "Report issued: <sha>" and where the JSON and the PDF are', async () => {
    const result = await pay('approve', 2, '--as', 'ministry-head');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    const out = lines(result.stdout);
    expect(out[0]).toMatch(new RegExp(`^Approved: payment ${contract}/2 \\(period y1, 100,000\\.00 RUB\\)$`));
    expect(out[1]).toMatch(/^ {2}by ministry-head \(ministry\), entry seq 4 /);
    const issued = /^Report issued: ([0-9a-f]{64})$/.exec(out[2] ?? '');
    expect(issued, result.stdout).not.toBeNull();
    sha = issued?.[1] as string;
    expect(out.slice(3)).toEqual([
      '  payment 2 (y1), state approved, checkpoint 5',
      `  JSON ${base(5)}.json`,
      `  PDF (ru) ${base(5)}.ru.pdf`,
      `  download: sib report download --contract ${contract} --report ${short()}`,
    ]);
    expect(await logSize(contract)).toBe(5);
  });
});

describe('sib report', () => {
  const outDir = () => join(data.path, 'downloads');

  it('list shows the report: id, period, payment, checkpoint and PDF languages', async () => {
    const result = await run(['report', 'list', '--contract', contract]);
    const json = await run(['report', 'list', '--contract', contract, '--json']);

    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^report\s+period\s+payment\s+checkpoint\s+PDF$/);
    expect(out.slice(2)).toEqual([expect.stringMatching(new RegExp(`^${short()}\\s+y1\\s+2\\s+5\\s+ru$`))]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        contract,
        period: 'y1',
        payment: 2,
        size: 5,
        sha256: sha,
        jsonKey: `${base(5)}.json`,
        pdfKeys: { ru: `${base(5)}.ru.pdf` },
      },
    ]);
  });

  it('download by a 12-hex id writes the JSON (hashing to the id) and the Russian PDF', async () => {
    const result = await run(['report', 'download', '--contract', contract, '--report', short(), '-o', outDir()]);

    expect(result.code, result.stderr).toBe(0);
    const json = join(outDir(), `report-${contract}-y1-${short()}.json`);
    const pdf = join(outDir(), `report-${contract}-y1-${short()}.ru.pdf`);
    expect(lines(result.stdout)).toEqual([`wrote ${json}`, `wrote ${pdf}`, `verify it: sib report verify ${json}`]);
    expect(sha256Hex(await readFile(json))).toBe(sha);
    expect((await readFile(pdf)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect((await readFile(json, 'utf8')).match(/p-[0-9a-f]{32}/)).toBeNull();
  });

  it("verify accepts the downloaded JSON with the log's key from sib keys show: exit 0", async () => {
    const keys = await run(['keys', 'show']);
    expect(keys.code).toBe(0);
    const logKey = keys.stdout.trim();
    const json = join(outDir(), `report-${contract}-y1-${short()}.json`);

    const result = await run(['report', 'verify', json, '--key', logKey]);
    const byDefault = await run(['report', 'verify', json]);

    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(lines(result.stdout)[0]).toMatch(
      new RegExp(`^OK: the report of ${contract} period y1 verifies: all \\d+ checks hold$`),
    );
    expect(byDefault.code).toBe(0);
    expect(byDefault.stdout).toBe(result.stdout);
  });

  it('issue --lang en at the same checkpoint adds the English PDF to the same report', async () => {
    const result = await run(['report', 'issue', '--contract', contract, '--payment', '2', '--lang', 'en']);
    const list = await run(['report', 'list', '--contract', contract]);
    const download = await run(['report', 'download', '--contract', contract, '--report', sha, '-o', outDir()]);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`Report already issued: ${sha}`);
    expect(out).toContain(`  PDF (en) ${base(5)}.en.pdf`);
    expect(out).toContain(`  PDF (ru) ${base(5)}.ru.pdf`);
    expect(list.code).toBe(0);
    expect(lines(list.stdout).slice(2)).toEqual([
      expect.stringMatching(new RegExp(`^${short()}\\s+y1\\s+2\\s+5\\s+(en, ru|ru, en)$`)),
    ]);
    expect(download.code, download.stderr).toBe(0);
    const en = join(outDir(), `report-${contract}-y1-${short()}.en.pdf`);
    expect(download.stdout).toContain(`wrote ${en}\n`);
    expect((await readFile(en)).subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(await logSize(contract)).toBe(5);
  });

  it('after mark-paid, issue --json issues a new report at the new checkpoint', async () => {
    const paid = await pay('mark-paid', 2, '--order', '000123', '--date', '2024-09-30', '--as', 'ministry-treasury');
    expect(paid.code, paid.stderr).toBe(0);

    const result = await run(['report', 'issue', '--contract', contract, '--payment', `${contract}/2`, '--json']);

    expect(result.code, result.stderr).toBe(0);
    const issued = JSON.parse(result.stdout) as { sha256: string; size: number; reused: boolean; jsonKey: string };
    expect(issued).toMatchObject({ contract, period: 'y1', payment: 2, size: 6, reused: false });
    expect(issued.sha256).not.toBe(sha);
    expect(issued.jsonKey).toBe(`${base(6, issued.sha256)}.json`);
    const list = await run(['report', 'list', '--contract', contract, '--json']);
    expect((JSON.parse(list.stdout) as { size: number }[]).map((r) => r.size).sort()).toEqual([5, 6]);
  });

  it('approve --no-report --json prints the receipt alone and issues no report', async () => {
    const evaluate = await run(['evaluate', '--contract', contract, '--period', 'y2', '--as', 'calc-evaluator']);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(evaluate.stdout).toContain('evaluation entry seq 6');
    expect((await pay('attest', 6, '--as', 'field-evaluator')).code).toBe(0);

    const result = await pay('approve', 6, '--as', 'ministry-head', '--no-report', '--json');

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toMatchObject({ contract, payment: 6, step: 'approved', replayed: false });
    expect(await logSize(contract)).toBe(9);
    const list = await run(['report', 'list', '--contract', contract, '--json']);
    expect((JSON.parse(list.stdout) as { payment: number }[]).every((r) => r.payment === 2)).toBe(true);
  });

  it('download of an unknown report: exit 1 with one line, nothing written', async () => {
    const unknown = (sha.startsWith('f') ? '0' : 'f').repeat(12);
    const before = await readdir(outDir());

    const result = await run(['report', 'download', '--contract', contract, '--report', unknown, '-o', outDir()]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([`error: no report ${unknown} of ${contract}`]);
    expect(await readdir(outDir())).toEqual(before);
  });

  it('issue for an entry that is not an evaluation: exit 1 with one line', async () => {
    const result = await run(['report', 'issue', '--contract', contract, '--payment', '1']);

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([`error: entry 1 of ${contract} is not an evaluation (a payment)`]);
  });

  it('issue --lang de is a usage error: exit 2, no stack trace', async () => {
    const result = await run(['report', 'issue', '--contract', contract, '--payment', '2', '--lang', 'de']);

    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: option '--lang <lang>' argument 'de' is invalid\. must be ru or en\./);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const witness = await run(['report', 'issue', '--contract', contract, '--payment', '2', '--witness', 'x+y+z']);
    expect(witness.code).toBe(2);
    expect(witness.stderr).toMatch(/^error: option '--witness <verifier-key>' argument 'x\+y\+z' is invalid\./);
  });
});
