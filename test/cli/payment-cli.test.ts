import { randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { lines, REPO, sib, useDataDir } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

/**
 * `sib payment …` as processes against the shared test stack: a copy of the
 * Second Chance contract under a fresh id, one batch, y1 evaluated by
 * calc-evaluator (payment = entry 2), then attested, approved and paid; y2
 * evaluated, attested, rejected and recalculated. Steps run in order: each
 * test builds on the log the one before left.
 */
const data = useDataDir({ withStack: true });
const client = dynamoClient();
const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: testStack().tables });
afterAll(() => client.destroy());

const logSize = async (contract: string) => (await store.head(contract)).size;
const contractsDir = () => join(data.path, 'contracts');
const run = (args: string[]) => sib(data.path, args, undefined, { SIB_CONTRACTS_DIR: contractsDir() });

let contract = '';
const pay = (command: string, payment: string | number, ...rest: string[]) =>
  run(['payment', command, '--contract', contract, '--payment', String(payment), ...rest]);

beforeAll(async () => {
  contract = `cli-pay-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(await readFile(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as object;
  await mkdir(contractsDir(), { recursive: true });
  await writeFile(join(contractsDir(), `${contract}.json`), JSON.stringify({ ...spec, id: contract }));
  const batchFile = join(data.path, 'batch.json');
  await writeFile(
    batchFile,
    JSON.stringify({
      batchId: 'b-1',
      records: [
        { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
        job('j1', 'OP-1', '2024-02-01'),
        enrol('e2', 'OP-2', '2024-02-01'),
      ],
    }),
  );
  for (const args of [
    ['contract', 'register', '--contract', contract],
    ['evidence', 'submit', '--contract', contract, batchFile],
    ['evaluate', '--contract', contract, '--period', 'y1', '--as', 'calc-evaluator'],
  ]) {
    const result = await run(args);
    expect(result.code, result.stderr).toBe(0);
  }
  expect(await logSize(contract)).toBe(3);
});

describe('sib payment', () => {
  it('list: each evaluation is a payment, calculated, with who calculated it and when', async () => {
    const result = await run(['payment', 'list', '--contract', contract]);

    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(/^payment\s+period\s+total\s+state\s+last step\s+by\s+when$/);
    expect(out[2]).toMatch(
      new RegExp(
        `^${contract}/2\\s+y1\\s+0\\.00 RUB\\s+calculated\\s+calculated \\(entry 2\\)\\s+calc-evaluator \\(evaluator\\)\\s+\\d{4}-\\d{2}-\\d{2}T`,
      ),
    );
    expect(out).toHaveLength(3);
  });

  it('attest by the subject who calculated the payment: refused in one line, exit 1, nothing written', async () => {
    const result = await pay('attest', 2, '--as', 'calc-evaluator');

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([
      `error: calc-evaluator may not attest payment ${contract}/2: calc-evaluator calculated it (separation of duties: each step of a payment is taken by another subject)`,
    ]);
    expect(await logSize(contract)).toBe(3);
  });

  it('approve before the attestation: refused, exit 1', async () => {
    const result = await pay('approve', 2, '--as', 'ministry-head');

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: cannot approve payment .*\/2: it is calculated; the evaluator attests it first/,
    );
    expect(await logSize(contract)).toBe(3);
  });

  it('attest, then the same again: Attested, then Already attested (one entry)', async () => {
    const first = await pay('attest', 2, '--as', 'field-evaluator');
    const again = await pay('attest', `${contract}/2`, '--as', 'field-evaluator');

    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toEqual([
      `Attested: payment ${contract}/2 (period y1, 0.00 RUB)`,
      expect.stringMatching(/^ {2}by field-evaluator \(evaluator\), entry seq 3 \([0-9a-f]{64}\) at \d{4}-/),
    ]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Already attested: payment ${contract}/2 `));
    expect(lines(again.stdout)[1]).toBe(lines(first.stdout)[1]);
    expect(await logSize(contract)).toBe(4);
  });

  it('a payment id of another contract: refused, exit 1', async () => {
    const result = await pay('approve', 'some-other-contract/2', '--as', 'ministry-head');

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      `error: payment some-other-contract/2 is a payment of contract some-other-contract, not of ${contract}`,
    ]);
    expect(await logSize(contract)).toBe(4);
  });

  it('approve, then mark-paid: a bad date is a problem table; then Recorded as paid', async () => {
    const approve = await pay('approve', 2, '--as', 'ministry-head');
    const badDate = await pay('mark-paid', 2, '--order', '000123', '--date', '2024-02-30', '--as', 'ministry-treasury');
    const paid = await pay(
      'mark-paid',
      2,
      '--order',
      '000123',
      '--date',
      '2024-09-30',
      '--as',
      'ministry-treasury',
      '--json',
    );

    expect(approve.code).toBe(0);
    expect(approve.stdout).toMatch(
      new RegExp(
        `^Approved: payment ${contract}/2 \\(period y1, 0\\.00 RUB\\)\n {2}by ministry-head \\(ministry\\), entry seq 4 `,
      ),
    );
    expect(badDate.code).toBe(1);
    expect(lines(badDate.stderr)[0]).toBe(`cannot record payment ${contract}/2 as paid`);
    expect(badDate.stderr).toMatch(/^--date\s+must be the day the money was paid, a real date written YYYY-MM-DD$/m);
    expect(paid.code).toBe(0);
    expect(JSON.parse(paid.stdout)).toMatchObject({ contract, payment: 2, step: 'paid', seq: 5, replayed: false });
    expect(await logSize(contract)).toBe(6);
  });

  it('reject: personal data in the reason is a problem table; a plain reason is recorded', async () => {
    const evaluate = await run(['evaluate', '--contract', contract, '--period', 'y2', '--as', 'calc-evaluator']);
    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect((await pay('attest', 6, '--as', 'field-evaluator')).code).toBe(0);

    const named = await pay('reject', 6, '--reason', 'ask Иванов Иван', '--as', 'ministry-head');
    const rejected = await pay(
      'reject',
      6,
      '--reason',
      'the employment records for March are missing',
      '--as',
      'ministry-head',
    );

    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/^--reason\s+looks like it contains a personal name/m);
    expect(rejected.code).toBe(0);
    expect(rejected.stdout).toMatch(new RegExp(`^Rejected: payment ${contract}/6 \\(period y2, `));
    expect(await logSize(contract)).toBe(9);
  });

  it('show: the history of a payment, with the reason of its rejection', async () => {
    const result = await pay('show', 6);
    const json = await pay('show', `${contract}/6`, '--json');

    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(new RegExp(`^Payment ${contract}/6: period y2, \\S+ RUB, rejected$`));
    expect(out[1]).toMatch(/^ {2}result [0-9a-f]{64} \(contract version 1, checkpoint 6\)$/);
    expect(out[3]).toMatch(/^step\s+entry\s+by\s+role\s+when\s+detail$/);
    expect(out[5]).toMatch(/^calculated\s+6\s+calc-evaluator\s+evaluator\s+\S+$/);
    expect(out[6]).toMatch(/^attested\s+7\s+field-evaluator\s+evaluator\s+\S+$/);
    expect(out[7]).toMatch(
      /^rejected\s+8\s+ministry-head\s+ministry\s+\S+\s+reason: the employment records for March are missing$/,
    );
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      payment: 6,
      period: 'y2',
      state: 'rejected',
      calculatedBy: { sub: 'calc-evaluator', role: 'evaluator' },
      steps: [
        { step: 'attested', seq: 7 },
        { step: 'rejected', seq: 8 },
      ],
    });
  });

  it('a rejected period is recalculated: the list shows the old payment superseded', async () => {
    const evaluate = await run(['evaluate', '--contract', contract, '--period', 'y2', '--as', 'calc-evaluator']);
    const list = await run(['payment', 'list', '--contract', contract]);
    const json = await run(['payment', 'list', '--contract', contract, '--json']);

    expect(evaluate.code, evaluate.stderr).toBe(0);
    expect(list.code).toBe(0);
    const out = lines(list.stdout);
    expect(out.slice(2).map((l) => l.split(/\s{2,}/).slice(0, 5))).toEqual([
      [`${contract}/2`, 'y1', '0.00 RUB', 'paid', 'paid (entry 5)'],
      [`${contract}/6`, 'y2', expect.stringMatching(/ RUB$/), 'rejected, superseded by 9', 'rejected (entry 8)'],
      [`${contract}/9`, 'y2', expect.stringMatching(/ RUB$/), 'calculated', 'calculated (entry 9)'],
    ]);
    expect((JSON.parse(json.stdout) as { state: string }[]).map((p) => p.state)).toEqual([
      'paid',
      'rejected',
      'calculated',
    ]);
  });

  it('--as is required for a step (usage error, exit 2); --help shows an example', async () => {
    const missing = await pay('attest', 9);
    const help = await run(['payment', 'mark-paid', '--help']);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/required option '--as <subject>' not specified/);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(
      /^Example:\n {2}sib payment mark-paid --contract \S+ --payment 5 --order \S+ --date 2024-09-30 --as \S+$/m,
    );
  });
});
