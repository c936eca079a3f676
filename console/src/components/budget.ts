/**
 * The budget used, figure by figure: per period of the contract (in order),
 * the latest evaluation's state, what the period adds when approved or paid,
 * the running totals (approved or paid; paid), and the caps that apply
 * (overall; the period's). Computed once for the chart and for its table, so
 * the two always show the same figures. Exact in minor units (BigInt).
 */
import type { PaymentState, PaymentStatus, ServedSpec } from '../lib/contracts.ts';

export interface BudgetRow {
  readonly period: string;
  readonly paymentDate: string;
  /** The latest evaluation's state, if the period has one. */
  readonly state?: PaymentState;
  /** Minor units approved or paid for the period (0 otherwise). */
  readonly thisPeriod: bigint;
  readonly cumulativeApproved: bigint;
  readonly cumulativePaid: bigint;
  /** The period's cap, if any. */
  readonly periodCap?: bigint;
  /** Whether any period up to this one has a decided (approved or paid) payment, or this one has any evaluation. */
  readonly reached: boolean;
}

export interface Budget {
  readonly rows: readonly BudgetRow[];
  readonly overallCap?: bigint;
  readonly approved: bigint;
  readonly paid: bigint;
}

const DECIDED: readonly PaymentState[] = ['approved', 'paid'];

export function periodCap(spec: ServedSpec, period: string): bigint | undefined {
  const per = spec.caps.perPeriod;
  if (per === undefined) return undefined;
  if (typeof per === 'string') return BigInt(per);
  return per[period] === undefined ? undefined : BigInt(per[period]);
}

export function budget(spec: ServedSpec, payments: readonly PaymentStatus[]): Budget {
  let approved = 0n;
  let paid = 0n;
  const lastWithPayment = spec.periods.reduce(
    (last, p, i) => (payments.some((x) => x.period === p.id && x.latest) ? i : last),
    -1,
  );
  const rows = spec.periods.map((p, i): BudgetRow => {
    const latest = payments.find((x) => x.period === p.id && x.latest);
    const decided = latest !== undefined && DECIDED.includes(latest.state);
    const amount = decided ? BigInt(latest.total) : 0n;
    approved += amount;
    if (latest?.state === 'paid') paid += amount;
    const cap = periodCap(spec, p.id);
    return {
      period: p.id,
      paymentDate: p.paymentDate,
      ...(latest === undefined ? {} : { state: latest.state }),
      thisPeriod: amount,
      cumulativeApproved: approved,
      cumulativePaid: paid,
      ...(cap === undefined ? {} : { periodCap: cap }),
      reached: i <= lastWithPayment,
    };
  });
  return {
    rows,
    ...(spec.caps.overall === undefined ? {} : { overallCap: BigInt(spec.caps.overall) }),
    approved,
    paid,
  };
}
