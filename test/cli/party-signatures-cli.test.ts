/**
 * Deciding with one's own key, as processes: `sib keys party` creates a
 * party key file (mode 0600) and prints its verifier key; the analyst's
 * evaluation, the evaluator's attestation and comparison figure, the
 * ministry's approval and the treasury's payment record each sign with
 * `--key FILE`, print what the signature covers, and the entries carry
 * signatures that verify against the party keys for their roles.
 */
import { stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALG_ED25519, decisionProblem, decisionsOfLog, parseVerifierKey } from '#ledger';
import { readVerifiedEntries } from '#services';
import { enrol, job } from '../support/evidence.ts';
import { useRoleCli } from '../support/gateway.ts';

const cli = useRoleCli();
let contract = '';
const keys: Record<string, { file: string; key: string }> = {};

async function partyKey(role: string, name: string): Promise<void> {
  const file = join(cli.path, `${role}.pem`);
  const result = await cli.run(['keys', 'party', '--name', name, '--file', file]);
  expect(result.code, result.stderr).toBe(0);
  keys[role] = { file, key: result.stdout.trim() };
}

beforeAll(async () => {
  contract = cli.freshContract('parties');
  await cli.login('ministry', 'ministry-head', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  await cli.login('evaluator', 'calc-evaluator', [contract]);
  for (const [role, name] of [
    ['analyst', 'analyst.example/ivan'],
    ['evaluator', 'evaluator.example/anna'],
    ['ministry', 'ministry.example/boris'],
    ['treasury', 'treasury.example/vera'],
  ]) {
    await partyKey(role as string, name as string);
  }
  const batch = join(cli.path, 'batch.json');
  await writeFile(
    batch,
    JSON.stringify({
      batchId: 'b-1',
      records: [
        { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
        job('j1', 'OP-1', '2024-02-01'),
        enrol('e3', 'OP-3', '2024-02-01'),
      ],
    }),
  );
  for (const args of [
    ['ministry', 'register', '--contract', contract],
    ['operator', 'submit', '--contract', contract, batch],
  ]) {
    const result = await cli.run(args);
    expect(result.code, result.stderr).toBe(0);
  }
});

describe('sib keys party', () => {
  it('creates a private key file only its user can read, prints a type 0x01 verifier key, and never overwrites', async () => {
    const { file, key } = keys.ministry as { file: string; key: string };
    expect(key).toMatch(/^ministry\.example\/boris\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    expect(parseVerifierKey(key)).toMatchObject({ name: 'ministry.example/boris', type: ALG_ED25519 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = await cli.run(['keys', 'party', '--name', 'x', '--file', file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/already exists; refusing to overwrite/);
  });
});

describe('deciding with --key', () => {
  it('signs every decision, prints what the signature covers, and the log carries signatures by the role keys', async () => {
    const k = (role: string) => (keys[role] as { file: string }).file;
    const evaluated = await cli.run([
      'evaluator',
      'evaluate',
      '--contract',
      contract,
      '--period',
      'y1',
      '--key',
      k('analyst'),
      '--json',
    ]);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const payment = (JSON.parse(evaluated.stdout) as { entry: { seq: number } }).entry.seq;
    expect(payment).toBe(2);
    expect(evaluated.stderr).toContain(`signing as ${keys.analyst?.key}:`);
    expect(evaluated.stderr).toMatch(
      new RegExp(
        `  sib-ledger/decision/v1\\n  contract ${contract}\\n  payment 2\\n  period y1\\n  step calculated\\n`,
      ),
    );
    expect(evaluated.stderr).toMatch(/\n {2}amount [0-9]+\.[0-9]{2}\n {2}currency RUB\n/);

    const fieldEvaluator = await cli.token('evaluator', 'field-evaluator', [contract]);
    const treasury = await cli.token('ministry', 'ministry-treasury', [contract]);
    const pay = ['--contract', contract, '--payment', String(payment)];
    for (const args of [
      ['evaluator', 'attest', ...pay, '--key', k('evaluator'), '--token', fieldEvaluator],
      ['ministry', 'approve', ...pay, '--key', k('ministry')],
      [
        'ministry',
        'mark-paid',
        ...pay,
        '--order',
        'PP-1',
        '--date',
        '2024-09-30',
        '--key',
        k('treasury'),
        '--token',
        treasury,
      ],
      [
        'evaluator',
        'publish-comparison',
        '--contract',
        contract,
        '--comparison',
        'reoffending-vs-comparison-group',
        '--group',
        'all',
        '--value',
        '0.42',
        '--key',
        k('evaluator'),
      ],
    ]) {
      const result = await cli.run(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
      expect(result.stderr).toContain('signing as ');
    }

    const log = cli.rt.contracts.log;
    const { entries } = await readVerifiedEntries(log, contract, await log.size(contract));
    const decisions = decisionsOfLog(contract, entries);
    expect(decisions.map((d) => d.step)).toEqual(['calculated', 'attested', 'approved', 'paid', 'comparison']);
    for (const d of decisions) {
      expect(decisionProblem(d, [keys[d.role]?.key as string]), `${d.step}`).toBeUndefined();
    }
    // The export verifier checks and reports them.
    const file = join(cli.path, 'log.jsonl');
    const exported = await cli.run(['ledger', 'export', '--contract', contract, '-o', file]);
    expect(exported.code, exported.stderr).toBe(0);
    const verified = await cli.run(['ledger', 'verify', '--file', file]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stderr).toContain('party signatures: 5 of 5 decisions signed, each verifies\n');
    // A decision signed with another role's key is not the role's.
    expect(decisionProblem(decisions[2] as never, [keys.treasury?.key as string])).toMatch(/not by a ministry key/);
  });
});
