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
 * `sib contract …` and `sib evaluate` run as processes against the shared
 * test stack. Contracts are copies of the shipped specs under fresh ids in a
 * temp contracts dir (SIB_CONTRACTS_DIR), so logs do not mix.
 */
const data = useDataDir({ withStack: true });
const client = dynamoClient();
const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: testStack().tables });
afterAll(() => client.destroy());

const logSize = async (contract: string) => (await store.head(contract)).size;
const contractsDir = () => join(data.path, 'contracts');
const env = () => ({ SIB_CONTRACTS_DIR: contractsDir() });
const run = (args: string[]) => sib(data.path, args, undefined, env());

/** A shipped spec as raw JSON. */
async function shipped(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(REPO, 'contracts', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** Writes a copy of a shipped spec under a fresh id into the contracts dir; returns the id. */
async function freshContract(name: string): Promise<string> {
  const id = `cli-${name.slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  await mkdir(contractsDir(), { recursive: true });
  await writeFile(join(contractsDir(), `${id}.json`), JSON.stringify({ ...(await shipped(name)), id }, null, 2));
  return id;
}

// Independent processes: run together.
describe.concurrent('sib contract validate', () => {
  it('lists every problem of a bad spec with the dotted path of the field, exit 1', async ({ expect }) => {
    const bad = await shipped('second-chance-kamchatka');
    bad.currency = 'rub';
    (bad.parties as { investors: { share: string }[] }).investors[0] = { share: '1' } as never;
    const file = join(data.path, 'bad-spec.json');
    await writeFile(file, JSON.stringify(bad));

    const result = await run(['contract', 'validate', file]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const out = lines(result.stderr);
    expect(out[0]).toBe('contract spec second-chance-kamchatka is invalid');
    expect(out[2]).toMatch(/^field\s+problem$/);
    expect(result.stderr).toMatch(/^currency\s+must be an ISO 4217 currency code/m);
    expect(result.stderr).toMatch(/^parties\.investors\.0\.id\s+\S/m);
    expect(result.stderr).toMatch(/^parties\.investors\.0\.name\s+\S/m);
  });

  it('accepts a valid spec with OK, exit 0', async ({ expect }) => {
    const result = await run(['contract', 'validate', join(REPO, 'contracts', 'second-chance-kamchatka.json')]);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^OK: second-chance-kamchatka version 1 \(\d+ metrics, \d+ payment rules\)\n$/);
  });

  it('a file that is not JSON: exit 1 with one line', async ({ expect }) => {
    const file = join(data.path, 'not-json.json');
    await writeFile(file, '{"id": ');

    const result = await run(['contract', 'validate', file]);

    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: .*not-json\.json is not JSON/)]);
  });
});

describe('sib contract register, evidence submit, evaluate', () => {
  let contract: string;
  let batchFile: string;
  let y1Sha = '';

  beforeAll(async () => {
    contract = await freshContract('second-chance-kamchatka');
    batchFile = join(data.path, `${contract}-batch.json`);
    await writeFile(
      batchFile,
      JSON.stringify({
        batchId: 'b-1',
        records: [
          { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'serving-sentence' },
          {
            eventId: 'r1',
            participant: 'OP-1',
            type: 'release',
            date: '2024-01-20',
            source: 'operator',
            institution: 'IK-6',
          },
          job('j1', 'OP-1', '2024-02-01'),
          enrol('e2', 'OP-2', '2024-02-01'),
        ],
      }),
    );
  });

  it('register prints Registered, then Already registered', async () => {
    const first = await run(['contract', 'register', '--contract', contract]);
    const again = await run(['contract', 'register', '--contract', contract]);

    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Registered: ${contract} version 1\n  spec hash\\s+[0-9a-f]{64}\n  ledger entry\\s+seq 0 `),
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Already registered: ${contract} version 1\n`));
    expect(again.stdout.split('\n').slice(1)).toEqual(first.stdout.split('\n').slice(1));
    expect(await logSize(contract)).toBe(1);
  });

  it('evaluate y1 after a batch prints the outcome, indicator and payment tables and the result hash', async () => {
    expect((await run(['evidence', 'submit', '--contract', contract, batchFile])).code).toBe(0);
    expect(await logSize(contract)).toBe(2);

    const result = await run(['evaluate', '--contract', contract, '--period', 'y1']);

    expect(result.code).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`${contract}: period y1 (2023-08-01..2024-07-31, payment 2024-09-30)`);
    expect(out).toContain('Outcomes');
    expect(out[out.indexOf('Outcomes') + 1]).toMatch(
      /^metric\s+value\s+n\s+target\s+interval \(95%\)\s+met\?\s+pending$/,
    );
    expect(result.stdout).toMatch(/^employed \*\s+50\.0%\s+1\/2\s+≥ 35\.0%\s+\S+–\S+\s+yes/m);
    expect(out).toContain('Indicators (all-or-nothing)');
    expect(out).toContain('Payment lines');
    expect(out[2]).toMatch(/^ {2}contract version 1 \(spec hash [0-9a-f]{64}, entry 0\)$/);
    expect(out[3]).toBe('  4 records in 1 batch; 2 participants enrolled, 0 withdrawn');
    expect(result.stdout).toMatch(/^subsidy-y1\s+employed\s+0\.500000\s+≥ 0\.35\s+0\.315\s+yes$/m);
    expect(result.stdout).toMatch(/^subsidy-y1\s+payment\s+0\s+0\.00 RUB\s+not every indicator reached 90% of target/m);
    expect(result.stdout).toContain('  this period 0.00 RUB; paid before 0.00 RUB; cumulative 0.00 RUB');
    const sha = /^Result ([0-9a-f]{64})$/m.exec(result.stdout)?.[1];
    expect(sha).toBeDefined();
    y1Sha = sha as string;
    expect(result.stdout).toContain(`stored at evaluations/${contract}/y1/${y1Sha}.json; evaluation entry seq 2`);
    expect(await logSize(contract)).toBe(3);
  });

  it('--json at the same checkpoint prints the same result, its key and the entry, replayed', async () => {
    const result = await run(['evaluate', '--contract', contract, '--period', 'y1', '--checkpoint', '2', '--json']);

    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as {
      sha256: string;
      key: string;
      entry: { seq: number; replayed: boolean };
      result: { checkpoint: { size: number }; payments: { total: string; currency: string; lines: unknown[] } };
    };
    expect(json.sha256).toBe(y1Sha);
    expect(json.key).toBe(`evaluations/${contract}/y1/${y1Sha}.json`);
    expect(json.entry).toMatchObject({ seq: 2, replayed: true });
    expect(json.result.checkpoint.size).toBe(2);
    expect(json.result.payments).toMatchObject({ currency: 'RUB', total: expect.stringMatching(/^\d+$/) });
    expect(json.result.payments.lines.length).toBeGreaterThan(0);
    expect(await logSize(contract)).toBe(3);
  });

  it('--dry-run prints the evaluation but stores and records nothing', async () => {
    const result = await run(['evaluate', '--contract', contract, '--period', 'y2', '--dry-run']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Outcomes');
    expect(result.stdout).toMatch(/stored at evaluations\/.*\.json \(dry run: not stored\)/);
    expect(await logSize(contract)).toBe(3);
  });

  it('an unknown period: exit 1 with one line listing the periods', async () => {
    const result = await run(['evaluate', '--contract', contract, '--period', 'nope']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([`error: no period nope in the contract (periods: y1, y2, final)`]);
  });

  it('a checkpoint beyond the log: exit 1 with the problem', async () => {
    const result = await run(['evaluate', '--contract', contract, '--period', 'y1', '--checkpoint', '99']);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^checkpoint\s+must be a tree size from 1 to 3/m);
  });

  it('--checkpoint abc is a usage error: exit 2, no stack trace', async () => {
    const result = await run(['evaluate', '--contract', contract, '--period', 'y1', '--checkpoint', 'abc']);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: option '--checkpoint <size>' argument 'abc' is invalid/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await logSize(contract)).toBe(3);
  });
});

describe('sib contract publish-comparison', () => {
  let contract: string;

  beforeAll(async () => {
    contract = await freshContract('peterborough');
    expect((await run(['contract', 'register', '--contract', contract])).code).toBe(0);
  });

  it('publishes a figure for a cohort, and the same figure again is already published', async () => {
    const args = ['contract', 'publish-comparison', '--contract', contract, '--comparison', 'matched-group'];
    const figure = ['--group', 'cohort-1', '--value', '1.55', '--denominator', '1000'];

    const first = await run([...args, ...figure]);
    const again = await run([...args, ...figure]);

    expect(first.code).toBe(0);
    expect(first.stdout).toBe('Published: matched-group cohort-1 = 1.55 (entry seq 1)\n');
    expect(again.code).toBe(0);
    expect(again.stdout).toBe('Already published: matched-group cohort-1 = 1.55 (entry seq 1)\n');
    expect(await logSize(contract)).toBe(2);
  });

  it('a group that is not a cohort: exit 1 with the field and the groups allowed', async () => {
    const result = await run([
      'contract',
      'publish-comparison',
      '--contract',
      contract,
      '--comparison',
      'matched-group',
      '--group',
      'cohort-9',
      '--value',
      '1.55',
    ]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^comparison figure is invalid/);
    expect(result.stderr).toMatch(/^group\s+must be one of: all, cohort-1, cohort-2$/m);
    expect(await logSize(contract)).toBe(2);
  });
});

describe('sib --help', () => {
  it('lists the contract and evaluate commands', async () => {
    const result = await run(['--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\s+contract\s+contract specs/m);
    expect(result.stdout).toMatch(/^\s+evaluate \[options\]\s+evaluate a period/m);
  });
});
