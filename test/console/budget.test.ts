/**
 * The overview's budget figures (console/src/components/budget.ts), which
 * the chart and its table both show: per period, the latest evaluation's
 * state and what it adds once approved or paid, the running totals (exact,
 * in minor units), and the caps that apply.
 */
import { describe, expect, it } from 'vitest';
import { budget, periodCap } from '../../console/src/components/budget.ts';
import type { PaymentStatus, ServedSpec } from '../../console/src/lib/contracts.ts';

const spec = (caps: ServedSpec['caps']): ServedSpec =>
  ({
    id: 'c',
    periods: [
      { id: 'y1', from: '2023-08-01', to: '2024-07-31', paymentDate: '2024-09-30' },
      { id: 'y2', from: '2024-08-01', to: '2025-07-31', paymentDate: '2025-09-30' },
      { id: 'final', from: '2025-08-01', to: '2026-03-31', paymentDate: '2026-06-30', final: true },
    ],
    caps,
  }) as unknown as ServedSpec;

const payment = (payment: number, period: string, total: string, state: PaymentStatus['state'], latest = true) =>
  ({ payment, period, total, state, latest, currency: 'RUB', minorUnit: 2 }) as unknown as PaymentStatus;

describe('the budget used', () => {
  it('adds approved and paid payments by period, the latest evaluation only, paid apart', () => {
    const b = budget(spec({ overall: '11000000000' }), [
      payment(2, 'y1', '999999', 'calculated', false), // superseded: not counted
      payment(3, 'y1', '3000000000', 'paid'),
      payment(5, 'y2', '3500000000', 'approved'),
    ]);
    expect(
      b.rows.map((r) => [r.period, r.state, r.thisPeriod, r.cumulativeApproved, r.cumulativePaid, r.reached]),
    ).toEqual([
      ['y1', 'paid', 3000000000n, 3000000000n, 3000000000n, true],
      ['y2', 'approved', 3500000000n, 6500000000n, 3000000000n, true],
      ['final', undefined, 0n, 6500000000n, 3000000000n, false],
    ]);
    expect([b.approved, b.paid, b.overallCap]).toEqual([6500000000n, 3000000000n, 11000000000n]);
  });

  it('counts nothing for a payment not yet approved, or rejected, and takes a net adjustment back', () => {
    const b = budget(spec({}), [
      payment(3, 'y1', '1000', 'paid'),
      payment(4, 'y2', '500', 'attested'),
      payment(6, 'final', '-300', 'approved'),
    ]);
    expect(b.rows.map((r) => r.cumulativeApproved)).toEqual([1000n, 1000n, 700n]);
    expect(b.rows.map((r) => r.state)).toEqual(['paid', 'attested', 'approved']);
    expect(b.overallCap).toBeUndefined();
    const rejected = budget(spec({}), [payment(3, 'y1', '1000', 'rejected')]);
    expect(rejected.approved).toBe(0n);
  });

  it('gives each period its cap: one figure for all, or by period id', () => {
    expect(periodCap(spec({ perPeriod: '500' }), 'y2')).toBe(500n);
    const byYear = spec({ perPeriod: { y1: '100', final: '300' } });
    expect(['y1', 'y2', 'final'].map((p) => periodCap(byYear, p))).toEqual([100n, undefined, 300n]);
    expect(budget(byYear, []).rows.map((r) => r.periodCap)).toEqual([100n, undefined, 300n]);
  });
});
