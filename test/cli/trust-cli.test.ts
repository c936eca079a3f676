import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, it } from 'vitest';
import { checkpointOrigin, signCheckpoint, TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import { type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { sib, useDataDir } from '../support/cli.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';
import { memoryWitness } from '../support/signer.ts';

/** Each decision in the fixture is signed by its role's key, as the policy names them. */
const parties = memoryParties();

/**
 * `sib report verify --trust` and `sib ledger verify --file --trust` as an
 * investor runs them, offline, on files written by the test: the policy's
 * log key and a quorum of its witnesses are required; the opt-out accepts
 * fewer with a warning on standard error; a malformed policy is a usage
 * error naming the field. And `--checkpoint` with `--file`: the export must
 * extend the checkpoint kept.
 */
const data = useDataDir({ withStack: false });
let f: ReportFixture;
const file = (name: string) => join(data.path, name);
const CONTRACT = 'second-chance-kamchatka';

function policy(quorum: number, keys: string[], contract = CONTRACT): TrustPolicy {
  return {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract,
        origin: `test.log/${contract}`,
        logKey: f.logKey,
        witnesses: { quorum, keys },
        parties: partyKeysOf(parties),
      },
    ],
  };
}

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

beforeAll(async () => {
  f = await secondChanceReport({ parties });
  const other = memoryWitness('other.witness');
  await writeFile(file('report.json'), f.bytes);
  await writeFile(file('trust.json'), json(policy(1, [f.witnessKey])));
  await writeFile(file('trust-2.json'), json(policy(2, [f.witnessKey, other.key])));
  await writeFile(file('trust-other.json'), json(policy(1, [f.witnessKey], 'other-contract')));
  const bad = policy(1, [f.witnessKey]) as unknown as { logs: { witnesses: { quorum: unknown } }[] };
  (bad.logs[0] as { witnesses: { quorum: unknown } }).witnesses.quorum = 'all';
  await writeFile(file('trust-bad.json'), json(bad));
  // The export of the fixture's log: its entries, then the report's checkpoint (of the whole log).
  const entries = f.log.leaves.map((l) => new TextDecoder().decode(l));
  await writeFile(
    file('log.jsonl'),
    `${[...entries, JSON.stringify({ checkpoint: f.report.checkpoint.note })].join('\n')}\n`,
  );
  await writeFile(file('kept.checkpoint'), f.earlierCheckpoint.note);
  const forged = await signCheckpoint(
    {
      origin: checkpointOrigin('test.log', CONTRACT),
      size: f.earlierCheckpoint.size,
      root: new Uint8Array(32).fill(7),
    },
    [f.logSigner],
  );
  await writeFile(file('forged.checkpoint'), forged);
});

describe.concurrent('sib report verify --trust', () => {
  it('verifies with the policy alone and says what it found', async ({ expect }) => {
    const run = await sib(data.path, ['report', 'verify', file('report.json'), '--trust', file('trust.json')]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: the report of second-chance-kamchatka period y2 verifies: all 29 checks hold$/m);
    expect(run.stdout).toMatch(
      /^ {2}trust policy: test\.log\/second-chance-kamchatka signed by the policy's log key; 1 of the policy's 1 witness\(es\) cosigned the checkpoint, the quorum is 1/m,
    );
  });

  it('fails without a quorum (exit 1), naming the missing witness and how many are needed', async ({ expect }) => {
    const run = await sib(data.path, ['report', 'verify', file('report.json'), '--trust', file('trust-2.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /trust policy: not enough witnesses: 1 of the policy's 2 witness\(es\) cosigned the checkpoint, the quorum is 2: 1 more needed \(missing: other\.witness\+[0-9a-f]{8}\)/,
    );
  });

  it('with --allow-fewer-witnesses passes, with a warning on standard error', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--trust',
      file('trust-2.json'),
      '--allow-fewer-witnesses',
    ]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      /^warning: fewer witnesses than the quorum accepted: 1 of the policy's 2 witness\(es\) cosigned the checkpoint, the quorum is 2/,
    );
  });

  it('a policy without the report contract: exit 1 naming it', async ({ expect }) => {
    const run = await sib(data.path, ['report', 'verify', file('report.json'), '--trust', file('trust-other.json')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the trust policy names no log for contract second-chance-kamchatka');
  });

  it('a malformed policy: a usage error (exit 2) naming the field', async ({ expect }) => {
    const run = await sib(data.path, ['report', 'verify', file('report.json'), '--trust', file('trust-bad.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('logs.0.witnesses.quorum');
  });

  it('--allow-fewer-witnesses without --trust: a usage error', async ({ expect }) => {
    const run = await sib(data.path, [
      'report',
      'verify',
      file('report.json'),
      '--key',
      f.logKey,
      '--allow-fewer-witnesses',
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-fewer-witnesses needs --trust');
  });
});

describe.concurrent('sib ledger verify --file', () => {
  it('with --trust: the checkpoint signed by the log key and a quorum of witnesses, exit 0', async ({ expect }) => {
    const run = await sib(data.path, ['ledger', 'verify', '--file', file('log.jsonl'), '--trust', file('trust.json')]);
    expect(run.stderr).toBe(
      'party signatures: 8 of 8 decisions signed, each verifies with a key the trust policy names for its role\n',
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: \d+ entries of second-chance-kamchatka verified/);
  });

  it('with --trust and too few witnesses: exit 1 naming them; the opt-out warns', async ({ expect }) => {
    const args = ['ledger', 'verify', '--file', file('log.jsonl'), '--trust', file('trust-2.json')];
    const refused = await sib(data.path, args);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/FAILED: trust policy: not enough witnesses: .*missing: other\.witness\+/);
    const accepted = await sib(data.path, [...args, '--allow-fewer-witnesses']);
    expect(accepted.code).toBe(0);
    expect(accepted.stderr).toMatch(/^warning: fewer witnesses than the quorum accepted: 1 of the policy's 2/);
  });

  it('with --trust naming another contract: exit 1 naming the contract', async ({ expect }) => {
    const run = await sib(data.path, [
      'ledger',
      'verify',
      '--file',
      file('log.jsonl'),
      '--trust',
      file('trust-other.json'),
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the trust policy names no log for contract second-chance-kamchatka');
  });

  it('with a malformed policy: exit 2 naming the field', async ({ expect }) => {
    const run = await sib(data.path, [
      'ledger',
      'verify',
      '--file',
      file('log.jsonl'),
      '--trust',
      file('trust-bad.json'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('logs.0.witnesses.quorum');
  });

  it('--checkpoint with --file: a kept checkpoint the log extends is accepted, with --key and with --trust', async ({
    expect,
  }) => {
    const withKey = await sib(data.path, [
      'ledger',
      'verify',
      '--file',
      file('log.jsonl'),
      '--key',
      f.logKey,
      '--checkpoint',
      file('kept.checkpoint'),
    ]);
    expect(withKey.code).toBe(0);
    const withTrust = await sib(data.path, [
      'ledger',
      'verify',
      '--file',
      file('log.jsonl'),
      '--trust',
      file('trust.json'),
      '--checkpoint',
      file('kept.checkpoint'),
    ]);
    expect(withTrust.code).toBe(0);
  });

  it('--checkpoint with --file: a forged kept checkpoint (another root at its size) is refused, exit 1', async ({
    expect,
  }) => {
    for (const extra of [
      ['--key', f.logKey],
      ['--trust', file('trust.json')],
    ]) {
      const run = await sib(data.path, [
        'ledger',
        'verify',
        '--file',
        file('log.jsonl'),
        ...extra,
        '--checkpoint',
        file('forged.checkpoint'),
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^FAILED/);
      expect(run.stderr).toContain('--checkpoint');
    }
  });
});
