/**
 * The report verifier honours the spec's optional terms: it recomputes the
 * payments from the spec the report carries, so a term the payment engine
 * reads (per-period caps by period, investor shares as fractions) is read
 * the same way there, and a report that departs from it is refused.
 */
import { describe, expect, it } from 'vitest';
import { logSigner } from '#ledger';
import { type AuditReport, encodeReport, type ReportVerification, verifyReport } from '#reports';
import { copyOf, reportOfLedger, resigned } from '../support/audit-report.ts';
import { ledgerFor, pseudonym, Records, specWith } from '../support/evaluation-fixtures.ts';
import { memorySigner } from '../support/signer.ts';

const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message ?? '';

describe('the report verifier reads the optional spec terms', () => {
  const { signer, keyFor } = memorySigner('test.log');
  const key = keyFor('second-chance-kamchatka');
  const log = logSigner(signer, 'second-chance-kamchatka');

  it("checks each period's per-period cap against its own figure, and an exact split by fractional shares", async () => {
    // Prepare: 50,000.00 per job; 125,000.00 in y1, 60,000.00 in y2; three investors of 1/3 each.
    const spec = specWith('second-chance-kamchatka', (raw) => {
      raw.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '5000000' }];
      raw.caps = { perPeriod: { y1: '12500000', y2: '6000000' } };
      (raw.parties as { investors: unknown }).investors = ['a', 'b', 'c'].map((id) => ({
        id,
        name: `Investor ${id}`,
        share: '1/3',
      }));
      delete raw.returnCap;
    });
    const people = ['a', 'b', 'c', 'd', 'e'].map((x) => pseudonym(`budget-${x}`));
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch([
      ...people.slice(0, 3).map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      ...people.slice(0, 3).map((p) => ev.job(p, '2023-09-01')),
    ]);
    // y1: 150,000.00 due, 125,000.00 paid: 41,666.67, 41,666.67, 41,666.66 (12500000 / 3 = 4166666 2/3 each:
    // floors 12499998, two units left, equal remainders -> the first two).
    const y1 = ledger.evaluatePeriod('y1');
    expect(y1.payments.total).toBe('12500000');
    expect(y1.payments.allocation.map((a) => a.amount)).toEqual(['4166667', '4166667', '4166666']);
    ledger.addBatch([
      ...people.slice(3).map((p) => ev.enrol(p, '2024-09-01', { cohort: '2024' })),
      ...people.slice(3).map((p) => ev.job(p, '2024-10-01')),
    ]);
    // y2: 25,000.00 carried + 100,000.00 new = 125,000.00 due, cut to y2's own 60,000.00 (20,000.00 each).
    const y2 = ledger.evaluatePeriod('y2');
    expect(y2.payments.total).toBe('6000000');
    expect(y2.payments.caps).toEqual([
      { cap: 'per period', limit: '6000000', before: '0', after: '6000000', binding: true },
    ]);
    expect(y2.payments.allocation.map((a) => a.amount)).toEqual(['2000000', '2000000', '2000000']);
    for (const period of ['y1', 'y2']) {
      const report = await reportOfLedger(ledger, period, signer);
      expect(failed(verifyReport(encodeReport(report).bytes, [key])), period).toEqual([]);
    }

    // A y2 report claiming y1's figure as its cap is refused.
    const forged = copyOf(await reportOfLedger(ledger, 'y2', signer));
    Object.assign(forged.payments.caps[0] as AuditReport['payments']['caps'][number], { limit: '12500000' });
    const result = verifyReport(await resigned(forged, log), [key]);
    expect(failed(result)).toContain('caps');
    expect(messageOf(result, 'caps')).toContain(
      'cap per period: limit 125,000.00 RUB but the contract gives 60,000.00 RUB',
    );
  });

  /** A tiered rule on a control comparison (cohort 2023 treated, 2024 the control), capped at 3,000.00 in y1. */
  const tieredSpec = (capped: 'carry-forward' | 'forfeit') =>
    specWith('second-chance-kamchatka', (raw) => {
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
      raw.triggers = [];
      raw.payments = [
        {
          id: 'tier',
          kind: 'tiered',
          comparison: 'ctl',
          tiers: [
            { effectAtLeast: '0.05', amount: '100000' },
            { effectAtLeast: '0.2', amount: '500000' },
          ],
        },
      ];
      raw.caps = { perPeriod: { y1: '300000' }, capped };
      delete raw.returnCap;
    });

  /** y1 and y2 of a tiered contract: 20 of 30 treated employed against 6 of 30 controls (effect 0.4667). */
  function tieredRun(capped: 'carry-forward' | 'forfeit') {
    const ledger = ledgerFor(tieredSpec(capped));
    const ev = new Records();
    const records = [];
    for (let i = 0; i < 60; i++) {
      const p = pseudonym(`tiered-${i}`);
      records.push(ev.enrol(p, '2023-08-01', { cohort: i < 30 ? '2023' : '2024' }));
      if (i < 20 || (i >= 30 && i < 36)) records.push(ev.job(p, '2023-09-01'));
    }
    ledger.addBatch(records);
    const y1 = ledger.evaluatePeriod('y1');
    const y2 = ledger.evaluatePeriod('y2');
    return { ledger, y1, y2 };
  }

  it.each([
    // The top tier (5,000.00) is reached in y1; y1's cap lets 3,000.00 through. Carried forward, y2 (no cap)
    // pays the other 2,000.00; forfeited, y2 pays nothing and the report tells the verifier 2,000.00 was forfeited.
    ['carry-forward', '200000', undefined],
    ['forfeit', '0', '200000'],
  ] as const)(
    '%s: a capped tier amount, recomputed by the verifier from the report',
    async (capped, y2Total, forfeited) => {
      const { ledger, y1, y2 } = tieredRun(capped);
      expect(y1.payments.total).toBe('300000');
      expect(y2.payments.total).toBe(y2Total);
      for (const period of ['y1', 'y2']) {
        const report = await reportOfLedger(ledger, period, signer);
        expect(failed(verifyReport(encodeReport(report).bytes, [key])), period).toEqual([]);
      }
      const report = await reportOfLedger(ledger, 'y2', signer);
      expect(report.paidBeforeByRule).toEqual([
        { rule: 'tier', group: 'all', amount: '300000', ...(forfeited === undefined ? {} : { forfeited }) },
      ]);
      if (forfeited === undefined) return;
      // A y2 report that pays the forfeited 2,000.00 after all is refused.
      const forged = copyOf(report);
      Object.assign(forged, { paidBeforeByRule: [{ rule: 'tier', group: 'all', amount: '300000' }] });
      const line = forged.payments.lines[0] as AuditReport['payments']['lines'][number];
      Object.assign(line, { amount: '200000', due: '200000' });
      const result = verifyReport(await resigned(forged, log), [key]);
      expect(failed(result)).toContain('payment lines');
    },
  );
});
