/**
 * verifyReport: the offline verifier of audit reports. A real report
 * (test/support/audit-report.ts) verifies; every kind of tampering is
 * detected and named, whether or not the report was signed again after the
 * change (as the holder of the log key could); the amounts of every kind of
 * payment rule are recomputed from the report's figures.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ContractSpec, specHash } from '#contracts';
import { fixed, wilsonInterval } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { canonicalize, Decimal } from '#kernel';
import { logSigner, parseVerifierKey, verifierKey } from '#ledger';
import type { AuditReport } from '#reports';
import { encodeReport, type ReportVerification, verifyReport } from '#reports';
import { copyOf, type ReportFixture, reportOfLedger, resigned, secondChanceReport } from '../support/audit-report.ts';
import {
  addDays,
  type FixtureLedger,
  ledgerFor,
  loadSpec,
  pseudonym,
  Records,
  specWith,
} from '../support/evaluation-fixtures.ts';
import { memorySigner } from '../support/signer.ts';

/**
 * The failed checks besides `public summary`: a report whose figures were
 * changed fails that check too (tests of it are in the forgery suite); these
 * tests show that each recomputation catches the change on its own.
 */
const failed = (r: ReportVerification) =>
  r.checks.filter((c) => !c.ok && c.name !== 'public summary').map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message;
const bytesOf = (report: AuditReport) => encodeReport(report).bytes;
/** A metric of a report copy, to change. */
const metricOf = (report: AuditReport, id: string) =>
  report.evaluation.metrics.find((m) => m.id === id) as unknown as Record<string, unknown>;

const CHECKS = [
  'format',
  'canonical form',
  'keys',
  'report signature',
  'checkpoint signature',
  'checkpoint witnesses',
  'contract hash',
  'proof: registration',
  'proof: evaluation',
  'proof: attested step',
  'proof: approved step',
  'proof: paid step',
  'evaluation entry',
  'public summary',
  'period',
  'workflow',
  'separation of duties',
  'party signatures',
  'aggregates only',
  'earlier payments',
  'metrics',
  'indicators',
  'comparisons',
  'triggers',
  'payment lines',
  'total',
  'caps',
  'allocation',
];

let f: ReportFixture;
let keys: string[];
beforeAll(async () => {
  f = await secondChanceReport();
  keys = [f.logKey, f.witnessKey];
});

/** Verifies a changed copy of the report, as changed (`signed: false`) or signed again with the log key. */
async function tampered(change: (r: AuditReport) => void, signed = true): Promise<ReportVerification> {
  const report = copyOf(f.report);
  change(report);
  return verifyReport(signed ? await resigned(report, f.logSigner) : bytesOf(report), keys);
}

describe('a report as issued', () => {
  it('verifies: every check holds, each named', () => {
    // Act
    const result = verifyReport(f.bytes, keys);

    // Assess
    expect(failed(result)).toEqual([]);
    expect(result).toMatchObject({ ok: true, contract: 'second-chance-kamchatka', period: 'y2' });
    expect(result.checks.map((c) => c.name)).toEqual(CHECKS);
    expect(messageOf(result, 'checkpoint witnesses')).toBe('cosigned by test.witness');
    expect(messageOf(result, 'workflow')).toBe(
      'calculated -> attested (entry 7) -> approved (entry 8) -> paid (entry 9): paid',
    );
    expect(messageOf(result, 'separation of duties')).toBe(
      'calculated by evaluator-calc, attested by evaluator-anna, approved by ministry-boris, paid by treasury-vera',
    );
  });

  it('with the log key alone, the witness it names cannot be checked: that fails', () => {
    const result = verifyReport(f.bytes, [f.logKey]);
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe(
      'the report names test.witness as a witness, but no verifier key of test.witness was given: its cosignature cannot be checked',
    );
  });
});

describe('a changed amount', () => {
  it('a payment line: named by the signature and by the recomputation', async () => {
    // Act
    const result = await tampered((r) => {
      (r.payments.lines[0] as { amount: string }).amount = '3500000001';
    }, false);

    // Assess
    expect(result.ok).toBe(false);
    expect(failed(result)).toEqual(['report signature', 'payment lines', 'total']);
    expect(messageOf(result, 'report signature')).toMatch(
      /does not verify: the report was changed after it was signed/,
    );
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: amount 35,000,000.01 RUB but the contract gives 35,000,000.00 RUB (every indicator met); payment line subsidy-y2: 35,000,000.01 RUB of 35,000,000.00 RUB due is paid, but no cap is named that cut it',
    );
    expect(messageOf(result, 'total')).toBe('the total is 35,000,000.00 RUB but the lines sum to 35,000,000.01 RUB');
  });

  it('a line, the total, the caps and the allocation changed together and signed again', async () => {
    // Act: 40,000,000.00 instead of 35,000,000.00, every figure made to agree.
    const result = await tampered((r) => {
      const p = r.payments as unknown as Record<string, unknown> & AuditReport['payments'];
      (p.lines[0] as { amount: string }).amount = '4000000000';
      Object.assign(p, { total: '4000000000', cumulative: '7000000000' });
      for (const c of p.caps) (c as { after: string }).after = '7000000000';
      (p.allocation[0] as { amount: string }).amount = '4000000000';
    });

    // Assess: the contract gives 35,000,000.00, and the log recorded (and approved) that total.
    expect(failed(result)).toEqual(['evaluation entry', 'workflow', 'payment lines', 'caps']);
    expect(messageOf(result, 'evaluation entry')).toBe(
      "the evaluation entry records a total of 35,000,000.00 RUB, but the report's payments total 40,000,000.00 RUB",
    );
    expect(messageOf(result, 'workflow')).toContain(
      'the attested step (entry 7) is for a total of 35,000,000.00 RUB, not 40,000,000.00 RUB',
    );
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: amount 40,000,000.00 RUB but the contract gives 35,000,000.00 RUB (every indicator met); payment line subsidy-y2: 40,000,000.00 RUB of 35,000,000.00 RUB due is paid, but no cap is named that cut it',
    );
    expect(messageOf(result, 'caps')).toContain(
      "cap overall: 70,000,000.00 RUB used after, but the contract's lines give 65,000,000.00 RUB",
    );
  });

  it('the allocation', async () => {
    const result = await tampered((r) => {
      (r.payments.allocation[0] as { amount: string }).amount = '3499999999';
    });
    expect(failed(result)).toEqual(['allocation']);
    expect(messageOf(result, 'allocation')).toBe(
      'allocation veb-dv: amount 34,999,999.99 RUB but 1 of 35,000,000.00 RUB is 35,000,000.00 RUB',
    );
  });

  it('the total', async () => {
    const result = await tampered((r) => {
      Object.assign(r.payments, { total: '3600000000' });
    });
    expect(failed(result)).toEqual(['evaluation entry', 'workflow', 'total', 'allocation']);
    expect(messageOf(result, 'total')).toContain(
      'the total is 36,000,000.00 RUB but the lines sum to 35,000,000.00 RUB',
    );
  });

  it('a figure the amount rests on: fewer people employed leave the subsidy unearned', async () => {
    // Act: 60 of 213 employed (0.2817 < 0.9 × 0.35), the value and interval made to agree; the line kept.
    const result = await tampered((r) => {
      Object.assign(metricOf(r, 'employed'), {
        numerator: '60',
        value: fixed(new Decimal(60).div(213)),
        interval: wilsonInterval(60, 213, '0.95'),
      });
    });

    // Assess
    expect(failed(result)).toEqual(['metrics', 'indicators', 'comparisons', 'payment lines', 'caps']);
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: amount 35,000,000.00 RUB but the contract gives 0.00 RUB (not met: employed); payment line subsidy-y2: 1 outcome(s) paid, the contract gives 0',
    );
    expect(messageOf(result, 'indicators')).toContain(
      'indicator employed of subsidy-y2: met true but 0.281690 against the threshold 0.315 (at-least) gives false',
    );
  });

  it('a metric value that does not follow from its numerator and denominator', async () => {
    const result = await tampered((r) => {
      metricOf(r, 'permanent-employment').value = '0.100000';
    });
    expect(failed(result)).toContain('metrics');
    expect(messageOf(result, 'metrics')).toContain(
      'metric permanent-employment: value 0.100000 but 20 / 213 is 0.093897',
    );
  });

  it('an interval that is not the Wilson interval', async () => {
    const result = await tampered((r) => {
      metricOf(r, 'reoffending').interval = { level: '0.95', low: '0.100000', high: '0.200000' };
    });
    expect(failed(result)).toEqual(['metrics']);
    expect(messageOf(result, 'metrics')).toMatch(
      /^metric reoffending: interval 0\.100000–0\.200000 but the Wilson interval of 40 \/ 213 at 0\.95 is /,
    );
  });

  it('the contract terms (not the hash)', async () => {
    const result = await tampered((r) => {
      (r.contract.spec.payments[1] as { amount: string }).amount = '4000000000';
    });
    expect(failed(result)).toEqual(['contract hash', 'payment lines', 'caps']);
    expect(messageOf(result, 'contract hash')).toMatch(
      /^the hash of contract\.spec is [0-9a-f]{64}, but contract\.hash is /,
    );
    expect(messageOf(result, 'payment lines')).toContain(
      'amount 35,000,000.00 RUB but the contract gives 40,000,000.00 RUB',
    );
  });

  it('a cap limit, and what was paid before', async () => {
    const result = await tampered((r) => {
      (r.payments.caps[1] as { limit: string }).limit = '99999999999';
      (r.paidBeforeByRule?.[0] as { amount: string }).amount = '2000000000';
    });
    expect(failed(result)).toEqual(['earlier payments', 'caps']);
    expect(messageOf(result, 'caps')).toBe(
      'cap return cap (6% a year on 100,000,000.00 to 2025-09-30): limit 999,999,999.99 RUB but the contract gives 113,002,739.72 RUB',
    );
    expect(messageOf(result, 'earlier payments')).toBe(
      'paidBeforeByRule sums to 20,000,000.00 RUB, but payments.paidBefore is 30,000,000.00 RUB',
    );
  });
});

describe('a swapped checkpoint (another signed checkpoint of the same log)', () => {
  it('as changed: the signature and every proof name it', async () => {
    const result = await tampered((r) => {
      Object.assign(r, { checkpoint: f.earlierCheckpoint });
    }, false);
    expect(failed(result)).toEqual([
      'report signature',
      'proof: registration',
      'proof: evaluation',
      'proof: attested step',
      'proof: approved step',
      'proof: paid step',
      'earlier payments',
    ]);
    expect(messageOf(result, 'proof: paid step')).toBe(
      'the inclusion proof of entry 9 does not lead to the checkpoint root (size 9): the entry is not in the log the checkpoint signs',
    );
  });

  it('signed again: the proofs still name it', async () => {
    const result = await tampered((r) => {
      Object.assign(r, { checkpoint: f.earlierCheckpoint });
    });
    expect(failed(result)).toEqual([
      'proof: registration',
      'proof: evaluation',
      'proof: attested step',
      'proof: approved step',
      'proof: paid step',
      'earlier payments',
    ]);
  });

  it('only the signed note swapped: the checkpoint check names the difference', async () => {
    const result = await tampered((r) => {
      Object.assign(r.checkpoint, { note: f.earlierCheckpoint.note });
    });
    expect(failed(result)).toEqual(['checkpoint signature']);
    expect(messageOf(result, 'checkpoint signature')).toBe(
      `the signed checkpoint is size 9 root ${f.earlierCheckpoint.root}, but the report says size 10 root ${f.report.checkpoint.root}`,
    );
  });
});

describe('a wrong key', () => {
  it('another key of the same name: neither the report nor the checkpoint verifies', () => {
    const other = memorySigner('test.log');
    const result = verifyReport(f.bytes, [other.key]);
    expect(failed(result)).toEqual(['report signature', 'checkpoint signature', 'checkpoint witnesses']);
    expect(messageOf(result, 'report signature')).toMatch(
      /^the report is signed by test\.log\/second-chance-kamchatka\+[0-9a-f]{8}, which is not among the trusted keys \(test\.log\+[0-9a-f]{8}\)$/,
    );
    expect(messageOf(result, 'checkpoint signature')).toMatch(/no verifiable signatures/);
  });

  it("the witness's key alone: the log's signatures are not checked, and that fails", () => {
    const result = verifyReport(f.bytes, [f.witnessKey]);
    expect(failed(result)).toEqual(['report signature', 'checkpoint signature']);
    expect(messageOf(result, 'checkpoint signature')).toMatch(/not signed by the log's key test\.log/);
  });

  it("a report signed with the witness's key instead of the log's", async () => {
    const report = copyOf(f.report);
    const result = verifyReport(await resigned(report, f.witnessSigner), keys);
    expect(failed(result)).toEqual(['report signature']);
    // The witness's trusted key is a cosigner key (0x04): a plain note signature by the same key is not its.
    expect(messageOf(result, 'report signature')).toMatch(/signed by test\.witness\+[0-9a-f]{8}, which is not among/);
    expect(messageOf(result, 'report signature')).toContain(
      "the report is signed by test.witness, not by the log's key (the key named test.log/second-chance-kamchatka, the checkpoint's origin)",
    );
  });

  it('a malformed key, or none', () => {
    expect(failed(verifyReport(f.bytes, ['not-a-key', ...keys]))).toEqual(['keys']);
    expect(failed(verifyReport(f.bytes, []))).toEqual([
      'keys',
      'report signature',
      'checkpoint signature',
      'checkpoint witnesses',
    ]);
  });
});

describe('the workflow', () => {
  const without = (step: string) => (r: AuditReport) => {
    Object.assign(r.workflow, { steps: r.workflow.steps.filter((s) => s.step !== step) });
  };

  it('a removed approval: paid without approval is named', async () => {
    const result = await tampered(without('approved'));
    expect(failed(result)).toEqual(['workflow']);
    expect(messageOf(result, 'workflow')).toBe(
      'the paid step (entry 9) follows attested, not an approval: a payment is paid only once approved',
    );
    // As changed, the signature names it too.
    expect(failed(await tampered(without('approved'), false))).toEqual(['report signature', 'workflow']);
  });

  it('a state the steps do not give', async () => {
    const result = await tampered(without('paid'));
    expect(failed(result)).toEqual(['workflow']);
    expect(messageOf(result, 'workflow')).toBe('the workflow state is paid, but the steps give approved');
  });

  it('the same subject attesting and approving', async () => {
    const same = await secondChanceReport({ actors: { approver: { sub: 'evaluator-anna', role: 'ministry' } } });
    const result = verifyReport(same.bytes, [same.logKey, same.witnessKey]);
    expect(failed(result)).toEqual(['separation of duties']);
    expect(messageOf(result, 'separation of duties')).toBe(
      'evaluator-anna both attested and approved the payment: each step must be taken by another subject',
    );
  });

  it('a step by the wrong role', async () => {
    const wrong = await secondChanceReport({ actors: { approver: { sub: 'someone', role: 'evaluator' } } });
    const result = verifyReport(wrong.bytes, [wrong.logKey, wrong.witnessKey]);
    expect(failed(result)).toEqual(['separation of duties']);
    expect(messageOf(result, 'separation of duties')).toBe(
      'the approved step (entry 8) is by someone acting as evaluator: only the ministry takes it',
    );
  });
});

describe('a report of another contract', () => {
  it("the entries, proofs and checkpoint of one contract under another's id", async () => {
    // Act: the terms renamed (and hashed) as contract other-contract, signed again.
    const result = await tampered((r) => {
      const spec = { ...r.contract.spec, id: 'other-contract' } as ContractSpec;
      Object.assign(r.contract, { id: 'other-contract', spec, hash: specHash(spec) });
    });

    // Assess
    expect(result.contract).toBe('other-contract');
    expect(failed(result)).toEqual([
      'checkpoint signature',
      'contract hash',
      'proof: registration',
      'proof: evaluation',
      'proof: attested step',
      'proof: approved step',
      'proof: paid step',
      'evaluation entry',
      'earlier payments',
    ]);
    expect(messageOf(result, 'earlier payments')).toBe(
      'the payment of y1 (entry 2): entry 2 is an entry of contract second-chance-kamchatka, not of other-contract; the payment of y1 (entry 2): entry 3 is an entry of contract second-chance-kamchatka, not of other-contract; the payment of y1 (entry 2): entry 4 is an entry of contract second-chance-kamchatka, not of other-contract; the payment of y1 (entry 2): entry 5 is an entry of contract second-chance-kamchatka, not of other-contract',
    );
    expect(messageOf(result, 'checkpoint signature')).toBe(
      'the checkpoint is of the log test.log/second-chance-kamchatka, not of contract other-contract',
    );
    expect(messageOf(result, 'proof: registration')).toBe(
      'entry 0 is an entry of contract second-chance-kamchatka, not of other-contract',
    );
    expect(messageOf(result, 'contract hash')).toMatch(
      /^the registration entry registers spec hash [0-9a-f]{64}, not /,
    );
  });
});

describe('aggregates only', () => {
  it('a small group shown', async () => {
    const result = await tampered((r) => {
      const groups = metricOf(r, 'employed').groups as unknown[];
      groups[1] = { group: '2024', value: '0.000000', numerator: '0', denominator: 3 };
      groups[2] = { group: '2025', value: '0.000000', numerator: '0', denominator: 10 };
    });
    expect(failed(result)).toEqual(['aggregates only']);
    expect(messageOf(result, 'aggregates only')).toBe(
      'metric employed, group 2024: 3 people shown; groups under 5 must be suppressed',
    );
  });

  it('a lone suppressed group', async () => {
    const result = await tampered((r) => {
      const groups = metricOf(r, 'employed').groups as unknown[];
      groups[2] = { group: '2025', value: '0.000000', numerator: '0', denominator: 10 };
    });
    expect(failed(result)).toEqual(['aggregates only']);
    expect(messageOf(result, 'aggregates only')).toBe(
      'metric employed: one group alone is suppressed, so the total and the other groups give it away',
    );
  });

  it('a pseudonym anywhere', async () => {
    const result = await tampered((r) => {
      (r.payments.lines[0] as { formula: string }).formula += ` (${pseudonym('someone')})`;
    });
    // The line's words no longer read as its figures give them either.
    expect(failed(result)).toEqual(['aggregates only', 'payment lines']);
    expect(messageOf(result, 'aggregates only')).toMatch(/^the report names a participant pseudonym/);
  });
});

describe('a file that is not a report', () => {
  it('a truncated file', () => {
    const result = verifyReport(f.bytes.subarray(0, Math.floor(f.bytes.byteLength / 2)), keys);
    expect(result.ok).toBe(false);
    expect(result.checks).toHaveLength(1);
    expect(result.checks[0]).toMatchObject({ name: 'format', ok: false });
    expect(result.checks[0]?.message).toMatch(/a truncated or damaged file\?$/);
  });

  it.each([0.25, 0.5, 0.75, 0.9])('a file truncated at %s of its bytes is named truncated', (share) => {
    const result = verifyReport(f.bytes.subarray(0, Math.floor(f.bytes.byteLength * share)), keys);
    expect(result.ok).toBe(false);
    expect(result.checks[0]?.message).toMatch(/a truncated or damaged file\?$/);
  });

  it.each([
    ['an empty file', '', /^the file is empty$/],
    ['not UTF-8', '\xff', /not UTF-8/],
    ['a JSON array', '[1,2]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['another document', '{"format":"sib-ledger/evaluation/v1"}', /not sib-ledger\/audit-report\/v1/],
    ['deep nesting', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /not a JSON object/],
  ])('%s: a failed format check, never a throw', (_what, text, message) => {
    const bytes = text === '\xff' ? Uint8Array.of(0xff) : new TextEncoder().encode(text);
    const result = verifyReport(bytes, keys);
    expect(result.ok).toBe(false);
    expect(result.checks.map((c) => c.name)).toEqual(['format']);
    expect(result.checks[0]?.message).toMatch(message);
  });

  it('a report with a part missing or of the wrong shape names the field', () => {
    const { payments: _, ...rest } = f.report;
    const result = verifyReport(new TextEncoder().encode(canonicalize(rest)), keys);
    expect(result).toMatchObject({ ok: false, contract: 'second-chance-kamchatka', period: 'y2' });
    expect(result.checks[0]?.message).toMatch(/^not an audit report of sib-ledger\/audit-report\/v1: payments: /);
    const bad = copyOf(f.report);
    (bad.contract.spec as { currency: string }).currency = 'rub';
    expect(verifyReport(bytesOf(bad), keys).checks[0]?.message).toMatch(
      /^the contract terms in the report are not a valid contract spec: contract\.spec\.currency: /,
    );
  });

  it('re-encoded JSON (pretty-printed) fails only the canonical form', () => {
    const pretty = new TextEncoder().encode(JSON.stringify(f.report, null, 2));
    expect(failed(verifyReport(pretty, keys))).toEqual(['canonical form']);
  });

  it('never throws on any change of any byte, and never accepts one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: f.bytes.byteLength - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bytes = f.bytes.slice();
        bytes[at] = (bytes[at] as number) ^ flip;
        expect(verifyReport(bytes, keys).ok).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const result = verifyReport(new TextEncoder().encode(JSON.stringify(value) ?? ''), keys);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });
});

describe('recomputes the amounts of every kind of payment rule', () => {
  const { signer, key: baseKey } = memorySigner('test.log');
  // The log's key for a report's contract: named by the checkpoint origin, test.log/<contract>.
  const keyOf = (r: AuditReport) => verifierKey(`test.log/${r.contract.id}`, parseVerifierKey(baseKey).publicKey);
  const resignedAs = (r: AuditReport) => resigned(r, logSigner(signer, r.contract.id));

  /** Verifies the report of `period`, then the report with its first non-zero line's amount one unit more. */
  async function check(ledger: FixtureLedger, period: string) {
    const report = await reportOfLedger(ledger, period, signer);
    const ok = verifyReport(bytesOf(report), [keyOf(report)]);
    const changed = copyOf(report);
    const line = changed.payments.lines.find((l) => l.amount !== '0') ?? changed.payments.lines[0];
    if (line === undefined) throw new Error('no payment line');
    (line as { amount: string }).amount = (BigInt(line.amount) + 1n).toString();
    const tamperedResult = verifyReport(await resignedAs(changed), [keyOf(changed)]);
    return { report, ok, tampered: tamperedResult, line: line.rule };
  }

  /** Peterborough cohorts (as in test/domain/evaluation.test.ts): `events` reconviction events over `n` people. */
  function cohort(ev: Records, name: string, n: number, events: number, enrolled: string, released: string) {
    const records: StoredRecord[] = [];
    const doubles = Math.max(0, events - n);
    for (let i = 0; i < n; i++) {
      const p = pseudonym(`${name}-${i}`);
      records.push(ev.enrol(p, enrolled, { cohort: name, category: 'serving-sentence' }), ev.release(p, released));
      const count = i < doubles ? 2 : i < events - doubles ? 1 : 0;
      for (let k = 0; k < count; k++) {
        records.push(ev.reconviction(p, addDays(released, 200), addDays(released, 50 + 100 * k)));
      }
    }
    return records;
  }

  it('per-effect payments net of an earlier period (Peterborough final)', async () => {
    // Prepare: cohort 1 paid 620,000.00 early; the final period pays 880,000.00 less that.
    const ev = new Records();
    const ledger = ledgerFor(loadSpec('peterborough'));
    ledger.addBatch(cohort(ev, 'cohort-1', 200, 279, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55' });
    ledger.evaluatePeriod('cohort-1-result');
    ledger.addBatch(cohort(ev, 'cohort-2', 100, 142, '2014-08-01', '2015-01-05'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-2', value: '1.55' });
    ledger.publish({ comparison: 'matched-group', group: 'all', value: '1.55', period: 'final' });
    ledger.evaluatePeriod('final');

    // Act
    const { report, ok, tampered: bad } = await check(ledger, 'final');

    // Assess
    expect(report.payments.lines.map((l) => [l.rule, l.amount])).toEqual([
      ['early', '0'],
      ['final', '26000000'],
    ]);
    expect(report.paidBeforeByRule).toEqual([{ rule: 'early', group: 'cohort-1', amount: '62000000' }]);
    expect(failed(ok)).toEqual([]);
    expect(failed(bad)).toEqual(['payment lines', 'total']);
    expect(messageOf(bad, 'payment lines')).toBe(
      'payment line final: amount 260,000.01 GBP but the contract gives 260,000.00 GBP (all: 44 units × 2000000 = 88000000 − 62000000 deducted); payment line final: 260,000.01 GBP of 260,000.00 GBP due is paid, but no cap is named that cut it',
    );
  });

  it('an early payment and the final one netting it out in the same evaluation (Peterborough)', async () => {
    const ev = new Records();
    const ledger = ledgerFor(loadSpec('peterborough'));
    ledger.addBatch(cohort(ev, 'cohort-1', 100, 142, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55' });
    ledger.evaluatePeriod('cohort-1-result');
    ledger.addBatch(cohort(ev, 'cohort-2', 100, 90, '2014-08-01', '2015-01-05'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-2', value: '1.00' });
    ledger.publish({ comparison: 'matched-group', group: 'all', value: '1.275' });
    ledger.evaluatePeriod('final');

    const { report, ok, tampered: bad } = await check(ledger, 'final');

    expect(report.payments.lines.map((l) => [l.rule, l.amount])).toEqual([
      ['early', '20000000'],
      ['final', '26000000'],
    ]);
    expect(failed(ok)).toEqual([]);
    // One unit more paid early leaves one unit less for the final payment, which the report did not change.
    expect(failed(bad)).toEqual(['payment lines', 'total']);
    expect(messageOf(bad, 'payment lines')).toMatch(
      /^payment line early: amount 200,000\.01 GBP but the contract gives 200,000\.00 GBP/,
    );
  });

  it.each([
    [90, '960000000'],
    [80, '1171200000'],
    [92, '0'],
  ])('tiers by the effect (NYC ABLE, mean bed-days %i against 100)', async (days, amount) => {
    const ev = new Records();
    const ledger = ledgerFor(loadSpec('nyc-able'));
    ledger.addBatch(
      Array.from({ length: 10 }, (_, i) => {
        const p = pseudonym(`able-${i}`);
        return [
          ev.enrol(p, '2012-10-01', { cohort: 'adolescents', category: 'serving-sentence' }),
          ev.release(p, '2013-01-01'),
          ev.custody(p, '2013-03-01', days),
        ];
      }).flat(),
    );
    ledger.publish({ comparison: 'matched-historical', group: 'all', value: '100' });
    ledger.evaluatePeriod('final');

    const { report, ok, tampered: bad } = await check(ledger, 'final');

    expect(report.payments.total).toBe(amount);
    expect(failed(ok)).toEqual([]);
    expect(failed(bad)).toContain('payment lines');
    expect(messageOf(bad, 'payment lines')).toMatch(
      /^payment line success-payment: amount [\d,]+\.\d\d USD but the contract gives [\d,]+\.\d\d USD/,
    );
  });

  it('per-outcome payments and a correction taken back (never more than outcomes × price)', async () => {
    const spec = specWith('second-chance-kamchatka', (raw) => {
      raw.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '5000000' }];
      raw.caps = {};
      delete raw.returnCap;
    });
    const [a, b, c, d, e, g] = ['a', 'b', 'c', 'd', 'e', 'g'].map((x) => pseudonym(`once-${x}`)) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const ev = new Records();
    const ledger = ledgerFor(spec);
    const aJob = ev.job(a, '2023-09-01');
    ledger.addBatch([
      ...[a, b, c, d].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      aJob,
      ev.job(b, '2023-09-01'),
      ev.job(c, '2023-10-01'),
    ]);
    ledger.evaluatePeriod('y1');
    ledger.addBatch([
      ev.enrol(e, '2024-09-01', { cohort: '2024' }),
      ev.enrol(g, '2024-09-01', { cohort: '2024' }),
      ev.job(e, '2024-10-01'),
      ev.job(g, '2024-10-01'),
      ev.correction(aJob, '2024-10-15'),
    ]);
    ledger.evaluatePeriod('y2');

    const { report, ok, tampered: bad } = await check(ledger, 'y2');

    expect(report.payments.lines.map((l) => [l.type, l.outcomes, l.amount])).toEqual([
      ['adjustment', 1, '-5000000'],
      ['payment', 2, '10000000'],
    ]);
    expect(failed(ok)).toEqual([]);
    // The changed line is the adjustment (−4,999,999): it still takes back no more than was paid; the
    // total no longer adds up, and the line's words (taking back 5,000,000) no longer match its amount.
    expect(failed(bad)).toEqual(['payment lines', 'total']);
    const more = copyOf(report);
    (more.payments.lines[1] as { amount: string }).amount = '10000001';
    Object.assign(more.payments, { total: '5000001', cumulative: '20000001' });
    (more.payments.allocation[0] as { amount: string }).amount = '5000001';
    const result = verifyReport(await resignedAs(more), [keyOf(more)]);
    expect(failed(result)).toEqual(['evaluation entry', 'payment lines']);
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line job: amount 100,000.01 RUB but 2 outcome(s) × 50,000.00 RUB = 100,000.00 RUB: never more; payment line job: 100,000.01 RUB of 100,000.00 RUB due is paid, but no cap is named that cut it',
    );
  });

  it('control cohorts with a z-test, tiers, a capped per-outcome rule and a deduction (two periods)', async () => {
    // Prepare: a made-up contract on Second Chance's metrics: cohort 2023 treated, 2024 the control.
    const spec = specWith('second-chance-kamchatka', (raw) => {
      raw.comparisons = [
        {
          id: 'ctl',
          metric: 'employed',
          kind: 'control',
          effect: 'difference',
          treatment: ['2023'],
          control: ['2024'],
          test: 'two-proportion',
          significance: '0.05',
          alternative: 'greater',
        },
      ];
      raw.triggers = [
        { id: 'sig', comparison: 'ctl', effectAtLeast: '0.05', significant: true },
        { id: 'rate', metric: 'employed', atLeast: '0.2' },
      ];
      raw.payments = [
        {
          id: 'tier',
          kind: 'tiered',
          comparison: 'ctl',
          significant: true,
          tiers: [
            { effectAtLeast: '0.05', amount: '100000' },
            { effectAtLeast: '0.2', amount: '500000' },
          ],
        },
        { id: 'per', kind: 'per-outcome', metric: 'employed', price: '333', trigger: 'rate' },
        { id: 'eff', kind: 'per-effect', trigger: 'sig', pricePerUnit: '1000', deduct: ['tier'] },
      ];
      raw.caps = { perOutcome: { per: '10000' }, perPeriod: '100000000' };
      delete raw.returnCap;
      raw.rounding = { mode: 'up', step: '100' };
    });
    const ev = new Records();
    const ledger = ledgerFor(spec);
    const records: StoredRecord[] = [];
    for (let i = 0; i < 60; i++) {
      const p = pseudonym(`control-${i}`);
      records.push(ev.enrol(p, '2023-08-01', { cohort: i < 30 ? '2023' : '2024' }));
      if (i < 20 || (i >= 30 && i < 36)) records.push(ev.job(p, '2023-09-01'));
    }
    ledger.addBatch(records);
    ledger.evaluatePeriod('y1');
    ledger.addBatch([
      ev.enrol(pseudonym('late'), '2024-09-01', { cohort: '2023' }),
      ev.job(pseudonym('late'), '2024-10-01'),
    ]);
    ledger.evaluatePeriod('y2');

    // Act
    const y1 = await check(ledger, 'y1');
    const y2 = await check(ledger, 'y2');

    // Assess: y1 pays the top tier and 25 of the 26 outcomes (4.00 each, rounded up) within the 100.00 cap.
    expect(y1.report.payments.lines.map((l) => [l.rule, l.outcomes, l.amount])).toEqual([
      ['tier', 1, '500000'],
      ['per', 25, '10000'],
      ['eff', 0, '0'],
    ]);
    expect(y1.report.evaluation.comparisons[0]?.test).toMatchObject({ statistic: '3.647351', significant: true });
    expect(failed(y1.ok)).toEqual([]);
    expect(failed(y1.tampered)).toEqual(['payment lines', 'total']);
    expect(messageOf(y1.tampered, 'payment lines')).toMatch(
      /^payment line tier: amount 5,000\.01 RUB but the contract gives 5,000\.00 RUB/,
    );
    // y2: nothing new (the tier was paid, the cap is used up).
    expect(y2.report.paidBeforeByRule).toEqual([
      { rule: 'per', amount: '10000' },
      { rule: 'tier', group: 'all', amount: '500000' },
    ]);
    expect(failed(y2.ok)).toEqual([]);
    // A test statistic that is not the data's.
    const z = copyOf(y1.report);
    (z.evaluation.comparisons[0]?.test as { statistic: string }).statistic = '1.000000';
    const result = verifyReport(await resignedAs(z), [keyOf(z)]);
    expect(failed(result)).toEqual(['comparisons']);
    expect(messageOf(result, 'comparisons')).toBe(
      'comparison ctl (all): test z 1.000000 p 0.000132, but the two-proportion z-test gives z 3.647351 p 0.000132',
    );
  });

  it('a payment cut by the return cap (Second Chance, 20,000,000.00 invested)', async () => {
    const capped = specWith('second-chance-kamchatka', (raw) => {
      (raw.returnCap as { principal: string }).principal = '2000000000';
    });
    const fixture = await secondChanceReport({ spec: capped });
    expect(fixture.report.payments.total).toBe('120000000');
    expect(fixture.report.payments.caps.map((c) => [c.cap, c.binding])).toEqual([
      ['overall', false],
      ['return cap (6% a year on 20,000,000.00 to 2025-09-30)', true],
    ]);
    expect(failed(verifyReport(fixture.bytes, [fixture.logKey, fixture.witnessKey]))).toEqual([]);

    // The whole subsidy, as if no cap bound.
    const full = copyOf(fixture.report);
    (full.payments.lines[0] as { amount: string }).amount = '3500000000';
    const result = verifyReport(await resigned(full, fixture.logSigner), [fixture.logKey, fixture.witnessKey]);
    expect(messageOf(result, 'payment lines')).toBe(
      'payment line subsidy-y2: amount 35,000,000.00 RUB but the contract gives 1,200,000.00 RUB (every indicator met; capped by return cap (6% a year on 20,000,000.00 to 2025-09-30): 35,000,000.00 RUB due); ' +
        'payment line subsidy-y2: the formula text reads "every indicator within 90% of target: 35,000,000.00 RUB; capped by return cap (6% a year on 20,000,000.00 to 2025-09-30): 1,200,000.00 RUB of 35,000,000.00 RUB due is paid", but its figures give "every indicator within 90% of target: 35,000,000.00 RUB; capped by return cap (6% a year on 20,000,000.00 to 2025-09-30): 35,000,000.00 RUB of 35,000,000.00 RUB due is paid"; ' +
        'payment line subsidy-y2: capped by return cap (6% a year on 20,000,000.00 to 2025-09-30), but 35,000,000.00 RUB of 35,000,000.00 RUB due is paid',
    );
  });
});
