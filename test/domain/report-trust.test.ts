/**
 * verifyReport with the investor's trust policy: the policy's log key and
 * witnesses are the trusted keys for the report's contract; the checkpoint
 * must be of the policy's origin, signed by its log key and cosigned by a
 * quorum of its witnesses, else the `trust policy` check fails naming what
 * is missing. The opt-out accepts fewer witnesses with a warning.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import type { ReportVerification } from '#reports';
import { verifyReport } from '#reports';
import { copyOf, type ReportFixture, resigned, secondChanceReport } from '../support/audit-report.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

/** Each decision in the fixture is signed by its role's key, as the policy names them. */
const parties = memoryParties();

let f: ReportFixture;
beforeAll(async () => {
  f = await secondChanceReport({ parties });
});

const CONTRACT = 'second-chance-kamchatka';
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message;
const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);

function policy(change: Partial<TrustPolicy['logs'][number]> = {}): TrustPolicy {
  return {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract: CONTRACT,
        origin: `test.log/${CONTRACT}`,
        logKey: f.logKey,
        witnesses: { quorum: 1, keys: [f.witnessKey] },
        parties: partyKeysOf(parties),
        ...change,
      },
    ],
  };
}

describe('a report verified against a trust policy', () => {
  it('verifies with the policy alone: its log key and a quorum of its witnesses', () => {
    const result = verifyReport(f.bytes, [], { trust: policy() });
    expect(failed(result)).toEqual([]);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).toContain('trust policy');
    expect(messageOf(result, 'trust policy')).toMatch(
      /^test\.log\/second-chance-kamchatka signed by the policy's log key; 1 of the policy's 1 witness\(es\) cosigned the checkpoint, the quorum is 1 \(test\.witness\+[0-9a-f]{8}\)$/,
    );
    expect(result.warnings).toBeUndefined();
  });

  it('fails without a quorum, naming the missing witness and how many more are needed', () => {
    const other = memoryWitness('other.witness');
    const result = verifyReport(f.bytes, [], {
      trust: policy({ witnesses: { quorum: 2, keys: [f.witnessKey, other.key] } }),
    });
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(['trust policy']);
    expect(messageOf(result, 'trust policy')).toMatch(
      /not enough witnesses: 1 of the policy's 2 witness\(es\) cosigned the checkpoint, the quorum is 2: 1 more needed \(missing: other\.witness\+[0-9a-f]{8}\)/,
    );
  });

  it('with the opt-out, passes with a warning saying how many cosigned out of the quorum', () => {
    const other = memoryWitness('other.witness');
    const result = verifyReport(f.bytes, [], {
      trust: policy({ witnesses: { quorum: 2, keys: [f.witnessKey, other.key] } }),
      allowFewerWitnesses: true,
    });
    expect(result.ok).toBe(true);
    expect(result.warnings).toHaveLength(1);
    expect(result.warnings?.[0]).toMatch(
      /^fewer witnesses than the quorum accepted: 1 of the policy's 2 witness\(es\) cosigned the checkpoint, the quorum is 2: 1 more needed/,
    );
  });

  it('a log-key holder who drops the witness line and signs again is refused', async () => {
    const report = copyOf(f.report);
    const [body, sigs] = report.checkpoint.note.split('\n\n') as [string, string];
    const kept = sigs
      .split('\n')
      .filter((l) => !l.startsWith('— test.witness '))
      .join('\n');
    (report.checkpoint as { note: string }).note = `${body}\n\n${kept}`;
    (report as unknown as { witnesses: string[] }).witnesses = [];
    const bytes = await resigned(report, f.logSigner);
    // With bare keys this passes (no witness key is given, so none is missed); with the policy it fails.
    expect(verifyReport(bytes, [f.logKey]).ok).toBe(true);
    const result = verifyReport(bytes, [], { trust: policy() });
    expect(result.ok).toBe(false);
    expect(messageOf(result, 'trust policy')).toMatch(
      /0 of the policy's 1 witness\(es\) cosigned .*missing: test\.witness/,
    );
  });

  it('fails naming the contract when the policy has no log for it', () => {
    const trust = policy({ contract: 'other-contract', origin: 'test.log/other-contract' });
    const result = verifyReport(f.bytes, [], { trust });
    expect(result.ok).toBe(false);
    expect(messageOf(result, 'trust policy')).toBe(
      'the trust policy names no log for contract second-chance-kamchatka (it names other-contract)',
    );
  });

  it('fails when the checkpoint is of another origin than the policy names', () => {
    const result = verifyReport(f.bytes, [], { trust: policy({ origin: `elsewhere.log/${CONTRACT}` }) });
    expect(result.ok).toBe(false);
    expect(messageOf(result, 'trust policy')).toContain(
      `the checkpoint is of the log test.log/${CONTRACT}, but the trust policy names elsewhere.log/${CONTRACT}`,
    );
  });

  it("fails when the log key is not the policy's", () => {
    const impostor = memorySigner('test.log');
    const result = verifyReport(f.bytes, [], { trust: policy({ logKey: impostor.key }) });
    expect(result.ok).toBe(false);
    expect(failed(result)).toContain('trust policy');
    expect(messageOf(result, 'trust policy')).toMatch(
      /the checkpoint is not signed by the policy's log key test\.log\+/,
    );
  });

  it('without a policy, nothing changes: no trust check', () => {
    const result = verifyReport(f.bytes, [f.logKey, f.witnessKey]);
    expect(result.ok).toBe(true);
    expect(result.checks.map((c) => c.name)).not.toContain('trust policy');
  });
});
