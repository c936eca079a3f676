/**
 * The earlier periods' payments travel in the report with their entries
 * (each period's evaluation entry and its payment steps, proved into the
 * checkpoint), and the verifier derives "paid before" from them alone. Each
 * forgery below is signed again with the log key, as the log's operator
 * could; each fails the 'earlier payments' check with the entry, the period
 * and the figures named.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '#kernel';
import { entryHash } from '#ledger';
import { type AuditReport, buildReport, type ReportVerification, verifyReport } from '#reports';
import { copyOf, type ReportFixture, resigned, secondChanceReport } from '../support/audit-report.ts';

const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message ?? '';

let f: ReportFixture;
let withRejection: ReportFixture;
beforeAll(async () => {
  f = await secondChanceReport();
  withRejection = await secondChanceReport({ rejectedY1: true });
});

async function forged(fixture: ReportFixture, change: (r: AuditReport) => void): Promise<ReportVerification> {
  const report = copyOf(fixture.report);
  change(report);
  return verifyReport(await resigned(report, fixture.logSigner), [fixture.logKey, fixture.witnessKey]);
}

/** The report's proven entry of `seq` in a fixture's log (entry text, leaf hash, proof into its checkpoint). */
function provenOf(fixture: ReportFixture, seq: number) {
  const p = fixture.log.proven(seq, fixture.report.checkpoint.size);
  return {
    seq,
    entry: new TextDecoder().decode(p.bytes),
    leafHash: toHex(entryHash(p.bytes)),
    proof: p.proof.map(toHex),
  };
}

describe('the earlier payments as issued', () => {
  it('y1 travels with its evaluation entry and its steps; paid before is derived from them', () => {
    const result = verifyReport(f.bytes, [f.logKey, f.witnessKey]);
    expect(failed(result)).toEqual([]);
    expect(messageOf(result, 'earlier payments')).toBe('y1: 30,000,000.00 RUB (entry 2)');
    expect(f.report.earlier.map((e) => [e.period, e.evaluation.seq, e.steps.map((s) => s.step)])).toEqual([
      ['y1', 2, ['attested', 'approved', 'paid']],
    ]);
  });

  it('after a rejected calculation of y1, the one approved later is the one counted', () => {
    const result = verifyReport(withRejection.bytes, [withRejection.logKey, withRejection.witnessKey]);
    expect(failed(result)).toEqual([]);
    expect(messageOf(result, 'earlier payments')).toBe('y1: 30,000,000.00 RUB (entry 5)');
  });
});

describe('forged earlier payments', () => {
  it('understated: a total changed in the entry text breaks its proof', async () => {
    const result = await forged(f, (r) => {
      const e = r.earlier[0] as AuditReport['earlier'][number];
      const entry = e.evaluation.entry.replace('"total":"3000000000"', '"total":"2000000000"');
      Object.assign(e.evaluation, { entry, leafHash: toHex(entryHash(utf8(entry))) });
    });
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toContain(
      'the payment of y1 (entry 2): the inclusion proof of entry 2 does not lead to the checkpoint root (size 10)',
    );
    expect(messageOf(result, 'earlier payments')).toContain(
      'the payment of y1 (entry 2): the attested step (entry 3) is a step of payment 2 (period y1, a total of 30,000,000.00 RUB), not of payment 2 (period y1, a total of 20,000,000.00 RUB)',
    );
  });

  it('understated: paid before lowered below what the entries total', async () => {
    const result = await forged(f, (r) => {
      Object.assign(r.payments, { paidBefore: '2000000000', cumulative: '5500000000' });
      Object.assign(r.paidBeforeByRule?.[0] ?? {}, { amount: '2000000000' });
    });
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toBe(
      "the earlier payments' entries total 30,000,000.00 RUB (y1: 30,000,000.00 RUB (entry 2)), but payments.paidBefore is 20,000,000.00 RUB",
    );
  });

  it('moved to another period', async () => {
    const result = await forged(f, (r) => {
      Object.assign(r.earlier[0] as object, { period: 'y3' });
    });
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toBe(
      'the payment of y3 (entry 2): the entry is the evaluation of period y1, not of y3 (a total of 30,000,000.00 RUB); the earlier payments leave out period y1: the periods before y2 are y1; the earlier payments include period y3, but the periods before y2 are y1',
    );
  });

  it('an earlier period left out', async () => {
    const result = await forged(f, (r) => {
      Object.assign(r, { earlier: [] });
    });
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toBe(
      "the earlier payments leave out period y1: the periods before y2 are y1; the earlier payments' entries total 0.00 RUB (none approved), but payments.paidBefore is 30,000,000.00 RUB",
    );
  });

  it("an earlier period's rejected calculation counted", async () => {
    const rejected = withRejection.rejectedY1;
    if (rejected === undefined) throw new Error('no rejected calculation');
    const result = await forged(withRejection, (r) => {
      Object.assign(r, {
        earlier: [
          {
            period: 'y1',
            evaluation: provenOf(withRejection, rejected.evaluation.seq),
            steps: [
              { step: 'attested', entry: provenOf(withRejection, rejected.steps[0]?.seq ?? -1) },
              { step: 'rejected', entry: provenOf(withRejection, rejected.steps[1]?.seq ?? -1) },
            ],
          },
        ],
      });
    });
    expect(failed(result)).toEqual(['public summary', 'earlier payments']);
    expect(messageOf(result, 'earlier payments')).toBe(
      "the payment of y1 (entry 2): the calculation of y1 (a total of 30,000,000.00 RUB) was rejected (entry 4): a rejected calculation is not paid before; the earlier payments' entries total 0.00 RUB (none approved), but payments.paidBefore is 30,000,000.00 RUB",
    );
  });

  it("an earlier period's rejected calculation counted, its rejection left out", async () => {
    const rejected = withRejection.rejectedY1;
    if (rejected === undefined) throw new Error('no rejected calculation');
    const result = await forged(withRejection, (r) => {
      Object.assign(r, {
        earlier: [
          {
            period: 'y1',
            evaluation: provenOf(withRejection, rejected.evaluation.seq),
            steps: [{ step: 'attested', entry: provenOf(withRejection, rejected.steps[0]?.seq ?? -1) }],
          },
        ],
      });
    });
    expect(failed(result)).toEqual(['public summary', 'earlier payments']);
    expect(messageOf(result, 'earlier payments')).toContain(
      'the payment of y1 (entry 2): the calculation of y1 (a total of 30,000,000.00 RUB) is attested, not approved: what it would pay is not paid before',
    );
  });

  it('an approval of another payment listed under the rejected calculation', async () => {
    const rejected = withRejection.rejectedY1;
    if (rejected === undefined) throw new Error('no rejected calculation');
    const approved = withRejection.report.earlier[0]?.steps[1];
    const result = await forged(withRejection, (r) => {
      Object.assign(r, {
        earlier: [
          {
            period: 'y1',
            evaluation: provenOf(withRejection, rejected.evaluation.seq),
            steps: [{ step: 'attested', entry: provenOf(withRejection, rejected.steps[0]?.seq ?? -1) }, approved],
          },
        ],
      });
    });
    expect(failed(result)).toContain('earlier payments');
    expect(messageOf(result, 'earlier payments')).toContain(
      'the payment of y1 (entry 2): the approved step (entry 7) is a step of payment 5 (period y1, a total of 30,000,000.00 RUB), not of payment 2 (period y1, a total of 30,000,000.00 RUB)',
    );
  });

  it('the same period counted twice', async () => {
    const result = await forged(f, (r) => {
      Object.assign(r, { earlier: [r.earlier[0], r.earlier[0]] });
    });
    expect(failed(result)).toEqual(['public summary', 'earlier payments']);
    expect(messageOf(result, 'earlier payments')).toBe(
      "period y1 is counted twice: the payments of entries 2 and 2; the earlier payments' entries total 60,000,000.00 RUB (y1: 30,000,000.00 RUB (entry 2), y1: 30,000,000.00 RUB (entry 2)), but payments.paidBefore is 30,000,000.00 RUB",
    );
  });
});

describe('building a report', () => {
  it('refuses earlier payments other than those the evaluation builds on', () => {
    expect(() => buildReport({ ...f.input, earlier: [] })).toThrow(
      'the earlier payments given are none, but the evaluation builds on y1 (entry 2)',
    );
  });

  it('refuses an earlier payment that is not approved', () => {
    const y1 = f.input.earlier[0];
    if (y1 === undefined) throw new Error('no y1');
    expect(() => buildReport({ ...f.input, earlier: [{ ...y1, steps: y1.steps.slice(0, 1) }] })).toThrow(
      'the payment of y1 (entry 2) is attested, not approved: the payment of y2 cannot count it as paid before',
    );
  });
});
