/**
 * Decisions signed by the people who make them: the statement a party signs
 * (a C2SP signed note over `sib-ledger/decision/v1` or
 * `sib-ledger/comparison/v1` text), the server-side check of a request's
 * signed note, and the report verifier's 'party signatures' check with and
 * without a trust policy, against the forgeries it must catch.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#kernel';
import {
  checkExportParties,
  checkpointOrigin,
  checkSignedStatement,
  comparisonStatement,
  decisionProblem,
  decisionStatement,
  evaluationDecision,
  majorAmount,
  openNote,
  parseVerifierKey,
  signatureVerifies,
  TRUST_POLICY_FORMAT,
  type TrustPolicy,
} from '#ledger';
import { type AuditReport, verifyReport } from '#reports';
import { copyOf, type ReportFixture, resigned, secondChanceReport } from '../support/audit-report.ts';
import { memoryParties, memoryParty, type Parties } from '../support/parties.ts';
import { memoryWitness } from '../support/signer.ts';

const FACTS = {
  contract: 'second-chance-kamchatka',
  payment: 12,
  period: 'y2',
  step: 'approved',
  result: 'a'.repeat(64),
  summary: 'b'.repeat(64),
  total: '3500000000',
  minorUnit: 2,
  currency: 'RUB',
} as const;

describe('the statement', () => {
  it('names the contract, payment, period, step, hashes, amount in major units and currency, one line each', () => {
    expect(decisionStatement(FACTS)).toBe(
      [
        'sib-ledger/decision/v1',
        'contract second-chance-kamchatka',
        'payment 12',
        'period y2',
        'step approved',
        `result ${'a'.repeat(64)}`,
        `summary ${'b'.repeat(64)}`,
        'amount 35000000.00',
        'currency RUB',
        '',
      ].join('\n'),
    );
  });

  it('adds the hash of the reason to a rejection, the order and day to a payment', () => {
    const rejected = decisionStatement({ ...FACTS, step: 'rejected', reason: 'wrong cohort' });
    expect(rejected).toMatch(/\ncurrency RUB\nreason-sha256 [0-9a-f]{64}\n$/);
    expect(rejected).not.toContain('wrong cohort');
    const paid = decisionStatement({ ...FACTS, step: 'paid', paymentOrder: '1842', paidOn: '2025-09-30' });
    expect(paid).toMatch(/\npayment-order 1842\npaid-on 2025-09-30\n$/);
  });

  it('writes amounts in major units with the currency digits', () => {
    expect(majorAmount('3500000000', 2)).toBe('35000000.00');
    expect(majorAmount('5', 2)).toBe('0.05');
    expect(majorAmount('-125', 2)).toBe('-1.25');
    expect(majorAmount('7', 0)).toBe('7');
    expect(majorAmount('0', 3)).toBe('0.000');
  });

  it('names exactly the comparison body fields for a published figure', () => {
    expect(
      comparisonStatement({
        contract: 'c',
        comparison: 'national-reoffending',
        group: 'all',
        period: 'y1',
        value: '0.42',
        denominator: 1200,
      }),
    ).toBe(
      'sib-ledger/comparison/v1\ncontract c\ncomparison national-reoffending\ngroup all\nperiod y1\nvalue 0.42\ndenominator 1200\n',
    );
    expect(comparisonStatement({ contract: 'c', comparison: 'x', group: 'all', value: '1' })).toBe(
      'sib-ledger/comparison/v1\ncontract c\ncomparison x\ngroup all\nvalue 1\n',
    );
  });

  it('refuses a value that would break its line', () => {
    expect(() => decisionStatement({ ...FACTS, period: 'y2\nstep paid' })).toThrow(ValidationError);
  });

  it('is a C2SP signed note the note package opens with the party key', () => {
    const party = memoryParty('ministry.example');
    const statement = decisionStatement(FACTS);
    const { note } = party.signed(statement);
    expect(openNote(note, [party.key]).text).toBe(statement);
    expect(signatureVerifies(statement, party.sign(statement))).toBe(true);
    expect(signatureVerifies(decisionStatement({ ...FACTS, total: '3500000001' }), party.sign(statement))).toBe(false);
  });
});

describe('checking a signed statement against what would be recorded', () => {
  const party = memoryParty('ministry.example');
  const expected = decisionStatement(FACTS);

  it('answers the key and signature line to store', () => {
    const stored = checkSignedStatement(expected, party.signed(expected));
    expect(stored.key).toBe(party.key);
    expect(stored.line).toMatch(/^\u2014 ministry\.example [A-Za-z0-9+/=]+$/);
    expect(signatureVerifies(expected, stored)).toBe(true);
  });

  it('says exactly which field differs', () => {
    const signed = party.signed(decisionStatement({ ...FACTS, total: '3600000000' }));
    try {
      checkSignedStatement(expected, signed);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).problems).toEqual([
        { field: 'signature.amount', message: 'amount: signed 36000000.00, expected 35000000.00' },
      ]);
    }
  });

  it('refuses a note that does not verify with the named key, and a witness key', () => {
    const other = memoryParty('ministry.example');
    expect(() => checkSignedStatement(expected, { key: other.key, note: party.signed(expected).note })).toThrow(
      /does not verify/,
    );
    const witness = memoryWitness('ministry.example');
    expect(() => checkSignedStatement(expected, { key: witness.key, note: party.signed(expected).note })).toThrow(
      /not a party key/,
    );
  });
});

function policyOf(f: ReportFixture, parties: Partial<Record<keyof Parties, string[]>>): TrustPolicy {
  const contract = f.spec.id;
  return {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract,
        origin: checkpointOrigin(f.logSigner.name, contract),
        logKey: f.logKey,
        witnesses: { quorum: 1, keys: [f.witnessKey] },
        parties: { analyst: [], evaluator: [], ministry: [], treasury: [], ...parties },
      },
    ],
  };
}

const keysOf = (parties: Parties) => ({
  analyst: [parties.analyst.key],
  evaluator: [parties.evaluator.key],
  ministry: [parties.ministry.key],
  treasury: [parties.treasury.key],
});

const partyCheck = (bytes: Uint8Array, f: ReportFixture, trust?: TrustPolicy) =>
  verifyReport(bytes, [f.logKey, f.witnessKey], trust === undefined ? {} : { trust }).checks.find(
    (c) => c.name === 'party signatures',
  );

describe("the report verifier's party signatures", () => {
  it('passes when every decision is signed by a key the policy names for its role', async () => {
    const parties = memoryParties();
    const f = await secondChanceReport({ parties });
    const result = verifyReport(f.bytes, [f.logKey, f.witnessKey], { trust: policyOf(f, keysOf(parties)) });
    const check = result.checks.find((c) => c.name === 'party signatures');
    expect(check).toMatchObject({ ok: true });
    expect(check?.message).toMatch(
      /^8 of 8 decisions signed: payment 2: calculated by analyst\.test\+[0-9a-f]{8}, attested by .*; payment 6: calculated by analyst\.test\+[0-9a-f]{8}, attested by/,
    );
  });

  it('fails, naming the entry, step, role and expected keys, when a decision is unsigned', async () => {
    const parties = memoryParties();
    const f = await secondChanceReport();
    const check = partyCheck(f.bytes, f, policyOf(f, keysOf(parties)));
    expect(check?.ok).toBe(false);
    expect(check?.message).toContain(
      `entry ${f.report.evaluation.entry.seq} (calculated, signed by the analyst) carries no party signature (expected ${parties.analyst.key})`,
    );
    expect(check?.message).toMatch(/\(approved, signed by the ministry\) carries no party signature/);
  });

  it('without a policy, an unsigned report passes and says so', async () => {
    const f = await secondChanceReport();
    expect(partyCheck(f.bytes, f)).toEqual({
      name: 'party signatures',
      ok: true,
      message: '0 of 8 decisions signed (no trust policy: not required)',
    });
  });

  it('catches a step signed by a key of the wrong role', async () => {
    const parties = memoryParties();
    // The evaluator's key signs the ministry's approval.
    const f = await secondChanceReport({ parties: { ...parties, ministry: parties.evaluator } });
    const check = partyCheck(f.bytes, f, policyOf(f, keysOf(parties)));
    expect(check?.ok).toBe(false);
    expect(check?.message).toMatch(
      /\(approved, signed by the ministry\) is signed by evaluator\.test\+[0-9a-f]{8}, not by a ministry key \(expected ministry\.test\+/,
    );
  });

  it('catches a changed summary, result hash or total re-signed by the log key', async () => {
    const parties = memoryParties();
    const f = await secondChanceReport({ parties });
    const forge = async (change: (body: Record<string, unknown>) => void): Promise<Uint8Array> => {
      const r: AuditReport = copyOf(f.report);
      const entry = JSON.parse(r.evaluation.entry.entry) as { body: Record<string, unknown> };
      change(entry.body);
      (r.evaluation.entry as { entry: string }).entry = JSON.stringify(entry);
      return resigned(r, f.logSigner);
    };
    for (const change of [
      (b: Record<string, unknown>) => {
        b.total = '9900000000';
      },
      (b: Record<string, unknown>) => {
        b.summary = 'c'.repeat(64);
      },
      (b: Record<string, unknown>) => {
        (b.result as { sha256: string }).sha256 = 'd'.repeat(64);
      },
    ]) {
      const bytes = await forge(change);
      for (const trust of [policyOf(f, keysOf(parties)), undefined]) {
        const check = partyCheck(bytes, f, trust);
        expect(check?.ok).toBe(false);
        expect(check?.message).toMatch(
          /\(calculated, signed by the analyst\): the signature by analyst\.test\+[0-9a-f]{8} does not verify over the entry's statement/,
        );
      }
    }
  });

  it('fails when the policy names no log for the contract', async () => {
    const f = await secondChanceReport({ parties: memoryParties() });
    const policy = policyOf(f, {});
    const other = {
      ...policy,
      logs: [{ ...(policy.logs[0] as TrustPolicy['logs'][number]), contract: 'x', origin: 'a/x' }],
    };
    expect(partyCheck(f.bytes, f, other)?.message).toMatch(/names no log for contract second-chance-kamchatka/);
  });
});

describe('decisionProblem without a policy', () => {
  it('checks a signature against the given key of the same name', () => {
    const analyst = memoryParty('analyst.test');
    const impostor = memoryParty('analyst.test');
    const statement = decisionStatement({ ...FACTS, step: 'calculated' });
    const entry = {
      v: 1,
      contract: FACTS.contract,
      seq: 12,
      kind: 'evaluation.recorded',
      at: '2025-01-01T00:00:00.000Z',
      actor: { sub: 'a', role: 'evaluator' },
      prev: '0'.repeat(64),
      body: {
        period: 'y2',
        checkpoint: { size: 12, root: 'e'.repeat(64) },
        contract: { version: 1, hash: 'f'.repeat(64) },
        result: { sha256: 'a'.repeat(64), key: 'k' },
        summary: 'b'.repeat(64),
        total: '3500000000',
        currency: 'RUB',
        signature: impostor.sign(statement),
      },
    } as const;
    const decision = evaluationDecision(FACTS.contract, entry as never, 2);
    expect(decision.statement).toBe(statement);
    expect(decisionProblem(decision, undefined, [])).toBeUndefined();
    expect(decisionProblem(decision, undefined, [parseVerifierKey(impostor.key)])).toBeUndefined();
    expect(decisionProblem(decision, undefined, [parseVerifierKey(analyst.key)])).toMatch(
      /not by the given key analyst\.test\+/,
    );
  });
});

describe('the party signatures of a log export', () => {
  const exportLines = (f: ReportFixture) => [...f.log.leaves, new TextEncoder().encode('{"checkpoint":"x"}')];

  it('passes when every decision is signed by its role key, and fails naming an unsigned one', async () => {
    const parties = memoryParties();
    const signed = await secondChanceReport({ parties });
    const ok = checkExportParties(exportLines(signed), signed.spec.id, { trust: policyOf(signed, keysOf(parties)) });
    expect(ok).toEqual({ ok: true, decisions: 8, signed: 8, required: true, problems: [] });

    const unsigned = await secondChanceReport();
    const bad = checkExportParties(exportLines(unsigned), unsigned.spec.id, {
      trust: policyOf(unsigned, keysOf(parties)),
    });
    expect(bad.ok).toBe(false);
    expect(bad.problems[0]).toMatch(/^entry 2 \(calculated, signed by the analyst\) carries no party signature/);
    expect(checkExportParties(exportLines(unsigned), unsigned.spec.id)).toMatchObject({ ok: true, signed: 0 });
  });

  it('catches a step signed by another role', async () => {
    const parties = memoryParties();
    const f = await secondChanceReport({ parties: { ...parties, treasury: parties.ministry } });
    const check = checkExportParties(exportLines(f), f.spec.id, { trust: policyOf(f, keysOf(parties)) });
    expect(check.problems).toHaveLength(2);
    expect(check.problems[0]).toMatch(
      /\(paid, signed by the treasury\) is signed by ministry\.test\+[0-9a-f]{8}, not by a treasury key/,
    );
  });
});
