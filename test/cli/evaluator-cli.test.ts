/**
 * Contracts and evaluations through the HTTP API, as processes: `sib
 * ministry register` (and again), `sib <role> contract`, `sib evaluator
 * evaluate` (its tables, a replay, refusals and usage errors), `sib
 * evaluator publish-comparison` and `sib evaluator cosign` (then `sib ledger
 * verify --witness` on the local stack). Steps run in order on the contracts
 * registered first.
 */
import { randomUUID } from 'node:crypto';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteSigners } from '#ledger';
import { createWitnessKey } from '../../cli/commands/keys.ts';
import { lines, REPO } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { useRoleCli } from '../support/gateway.ts';
import { memorySigner } from '../support/signer.ts';

const cli = useRoleCli();
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;
let contract = '';
let peterborough = '';

/** A copy of a shipped spec under a fresh id in the contracts dir. */
async function shippedCopy(name: string): Promise<string> {
  const id = `cli-${name.slice(0, 10)}-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(await readFile(join(REPO, 'contracts', `${name}.json`), 'utf8')) as object;
  await writeFile(join(cli.contractsDir, `${id}.json`), JSON.stringify({ ...spec, id }, null, 2));
  return id;
}

beforeAll(async () => {
  contract = cli.freshContract('evaluator');
  peterborough = await shippedCopy('peterborough');
  for (const role of ['ministry', 'operator', 'evaluator', 'investor'] as const) {
    await cli.login(role, `${role}-1`, ['*']);
  }
});

describe('sib ministry register and sib <role> contract', () => {
  it('register prints Registered, then Already registered with the same entry', async () => {
    const first = await cli.run(['ministry', 'register', '--contract', contract]);
    const again = await cli.run(['ministry', 'register', '--contract', contract]);

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^Registered: ${contract} version 1\n  spec hash\\s+[0-9a-f]{64}\n  ledger entry\\s+seq 0 `),
    );
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(new RegExp(`^Already registered: ${contract} version 1\n`));
    expect(again.stdout.split('\n').slice(1)).toEqual(first.stdout.split('\n').slice(1));
    expect(await cli.logSize(contract)).toBe(1);
  });

  it('register with neither or both of --contract and --file: usage error, exit 2', async () => {
    const neither = await cli.run(['ministry', 'register']);
    const both = await cli.run(['ministry', 'register', '--contract', contract, '--file', 'x.json']);

    for (const result of [neither, both]) {
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^error: give either --contract <id> or --file <spec\.json> \(see sib ministry register --help\)/,
      );
    }
  });

  it('contract: the registered versions as a table, or JSON; an unregistered contract is exit 1', async () => {
    const table = await cli.run(['investor', 'contract', '--contract', contract]);
    const asJson = await cli.run(['operator', 'contract', '--contract', contract, '--json']);
    const missing = await cli.run(['ministry', 'contract', '--contract', `cli-none-${randomUUID().slice(0, 8)}`]);

    expect(table.code, table.stderr).toBe(0);
    expect(lines(table.stdout)[0]).toMatch(/^version\s+effective from\s+entry\s+spec hash\s+periods$/);
    expect(lines(table.stdout)[2]).toMatch(/^1\s+\d{4}-\d{2}-\d{2}\s+0\s+[0-9a-f]{64}\s+y1, y2, final$/);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(json(asJson.stdout)).toMatchObject({ contract, versions: [{ version: 1, seq: 0 }] });
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringMatching(/^error: contract cli-none-\S+ is not registered$/)]);
  });
});

describe('sib evaluator evaluate', () => {
  let y1Sha = '';

  beforeAll(async () => {
    const batch = join(cli.path, `${contract}-batch.json`);
    await writeFile(
      batch,
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
    const submitted = await cli.run(['operator', 'submit', '--contract', contract, batch]);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(await cli.logSize(contract)).toBe(2);
  });

  it('y1 prints the outcome, indicator and payment tables and the result hash', async () => {
    const result = await cli.run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y1']);

    expect(result.code, result.stderr).toBe(0);
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
    y1Sha = /^Result ([0-9a-f]{64})$/m.exec(result.stdout)?.[1] ?? '';
    expect(y1Sha).toMatch(/^[0-9a-f]{64}$/);
    expect(result.stdout).toContain(`stored at evaluations/${contract}/y1/${y1Sha}.json; evaluation entry seq 2`);
    expect(await cli.logSize(contract)).toBe(3);
  });

  it('--json at the same checkpoint prints the same result, its key and the entry, replayed', async () => {
    const args = ['evaluator', 'evaluate', '--contract', contract, '--period', 'y1', '--checkpoint', '2', '--json'];
    const result = await cli.run(args);

    expect(result.code, result.stderr).toBe(0);
    const run = json<{
      sha256: string;
      key: string;
      entry: { seq: number; replayed: boolean };
      result: { checkpoint: { size: number }; payments: { total: string; currency: string; lines: unknown[] } };
    }>(result.stdout);
    expect(run.sha256).toBe(y1Sha);
    expect(run.key).toBe(`evaluations/${contract}/y1/${y1Sha}.json`);
    expect(run.entry).toMatchObject({ seq: 2, replayed: true });
    expect(run.result.checkpoint.size).toBe(2);
    expect(run.result.payments).toMatchObject({ currency: 'RUB', total: expect.stringMatching(/^\d+$/) });
    expect(run.result.payments.lines.length).toBeGreaterThan(0);
    expect(await cli.logSize(contract)).toBe(3);
  });

  it('an unknown period, or a checkpoint beyond the log: exit 1 with the option at fault', async () => {
    const period = await cli.run(['evaluator', 'evaluate', '--contract', contract, '--period', 'nope']);
    const beyond = await cli.run([
      'evaluator',
      'evaluate',
      '--contract',
      contract,
      '--period',
      'y1',
      '--checkpoint',
      '99',
    ]);

    expect(period.code).toBe(1);
    expect(period.stdout).toBe('');
    expect(period.stderr).toMatch(new RegExp(`^error: cannot evaluate ${contract}\n`));
    expect(period.stderr).toMatch(/^--period\s+must be a period of .*: y1, y2, final$/m);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toMatch(/^--checkpoint\s+must be a tree size from 1 to 3/m);
    expect(await cli.logSize(contract)).toBe(3);
  });

  it('--checkpoint abc is a usage error: exit 2, no stack trace', async () => {
    const result = await cli.run([
      'evaluator',
      'evaluate',
      '--contract',
      contract,
      '--period',
      'y1',
      '--checkpoint',
      'abc',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: option '--checkpoint <size>' argument 'abc' is invalid/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(await cli.logSize(contract)).toBe(3);
  });
});

describe('sib evaluator publish-comparison', () => {
  const args = () => ['evaluator', 'publish-comparison', '--contract', peterborough, '--comparison', 'matched-group'];

  beforeAll(async () => {
    const registered = await cli.run(['ministry', 'register', '--contract', peterborough]);
    expect(registered.code, registered.stderr).toBe(0);
  });

  it('publishes a figure for a cohort, and the same figure again is already published', async () => {
    const figure = ['--group', 'cohort-1', '--value', '1.55', '--denominator', '1000'];

    const first = await cli.run([...args(), ...figure]);
    const again = await cli.run([...args(), ...figure]);

    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)).toEqual([
      'Published: comparison matched-group, group cohort-1, value 1.55',
      expect.stringMatching(/^ {2}ledger entry {3}seq 1 \([0-9a-f]{64}\)$/),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout)[0]).toBe('Already published: comparison matched-group, group cohort-1, value 1.55');
    expect(await cli.logSize(peterborough)).toBe(2);
  });

  it('a group that is not a cohort: exit 1 with the option and the groups allowed', async () => {
    const result = await cli.run([...args(), '--group', 'cohort-9', '--value', '1.55']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: comparison figure is invalid/);
    expect(result.stderr).toMatch(/^--group\s+must be one of: all, cohort-1, cohort-2$/m);
    expect(await cli.logSize(peterborough)).toBe(2);
  });
});

describe('sib evaluator cosign, then sib ledger verify --witness', () => {
  const sigLines = (note: string) => lines(note).filter((l) => l.startsWith('\u2014 '));
  let keyFile = '';
  let witnessKey = '';

  beforeAll(async () => {
    keyFile = join(cli.path, 'evaluator.pem');
    witnessKey = (await createWitnessKey(keyFile, 'evaluator.example/witness')).verifierKey;
    // The API stores only the configured witnesses' cosignatures (the handlers run in this process).
    process.env.SIB_WITNESS_KEYS = witnessKey;
  });
  afterAll(() => {
    delete process.env.SIB_WITNESS_KEYS;
  });

  it('prints the checkpoint with both signature lines; again adds nothing; verify lists the witness', async () => {
    const logKey = (await cli.run(['keys', 'show', '--contract', contract])).stdout.trim();
    const first = await cli.run(['evaluator', 'cosign', '--contract', contract, '--key', keyFile]);
    const again = await cli.run(['evaluator', 'cosign', '--contract', contract, '--key', keyFile]);
    const verified = await cli.run(['ledger', 'verify', '--contract', contract, '--witness', witnessKey]);

    expect(first.code, first.stderr).toBe(0);
    expect(lines(first.stdout)[1]).toBe('3');
    expect(sigLines(first.stdout)).toHaveLength(2);
    expect(noteSigners(first.stdout, [logKey, witnessKey])).toEqual([
      `sib-ledger.local/${contract}`,
      'evaluator.example/witness',
    ]);
    expect(first.stderr).toBe(`cosigned checkpoint size 3 of ${contract} by witness ${witnessKey}\n`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(again.stderr).toMatch(/^already cosigned checkpoint size 3/);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/; cosigned by evaluator\.example\/witness\n$/);
  });

  it('refuses another log key, a key file others can read, a missing key file and a contract without a log', async () => {
    const loose = join(cli.path, 'loose.pem');
    await createWitnessKey(loose, 'loose');
    await chmod(loose, 0o644);
    const cosign = (...rest: string[]) => cli.run(['evaluator', 'cosign', ...rest]);

    const wrongLog = await cosign(
      '--contract',
      contract,
      '--key',
      keyFile,
      '--log-key',
      memorySigner('sib-ledger.local').keyFor(contract),
    );
    const readable = await cosign('--contract', contract, '--key', loose);
    const absent = await cosign('--contract', contract, '--key', join(cli.path, 'absent.pem'));
    const noLog = await cosign('--contract', `cli-nolog-${randomUUID().slice(0, 8)}`, '--key', keyFile);

    expect(wrongLog.code).toBe(1);
    expect(wrongLog.stderr).toMatch(/^error: not cosigned: note has no verifiable signatures/);
    expect(readable.code).toBe(1);
    expect(readable.stderr).toMatch(/^error: refusing to use witness key .*chmod 600/);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toBe(`error: cannot read ${join(cli.path, 'absent.pem')}: no such file\n`);
    expect(noLog.code).toBe(1);
    expect(lines(noLog.stderr)).toHaveLength(1);
  });

  it('--help shows the options and examples', async () => {
    const help = await cli.run(['evaluator', 'cosign', '--help']);

    expect(help.code).toBe(0);
    for (const text of ['--contract', '--key', '--log-key', 'Examples:', 'sib evaluator cosign --contract']) {
      expect(help.stdout).toContain(text);
    }
  });
});
