import type { ContractSpec, Metric, PaymentRule } from '#contracts';
import { Decimal } from '#kernel';
import { exactRatio, type MetricValue } from './metrics.ts';

/**
 * What a metric's figures decide: its exact value (rates and means as
 * numerator ÷ denominator, not the rounded figure), whether it meets its
 * target, the indicator checks of all-or-nothing rules, and the values
 * metric triggers read. A rate or mean over nobody (no window closed yet)
 * meets no target and triggers nothing.
 */

/** Indicator checks of all-or-nothing rules, for the report. */
export interface IndicatorCheck {
  readonly rule: string;
  readonly metric: string;
  readonly value: string;
  readonly target: string;
  readonly direction: 'at-least' | 'at-most';
  /** The value the indicator must reach: tolerance × target (at-least) or target ÷ tolerance (at-most). */
  readonly threshold: string;
  /** Whether the value reaches the threshold; never for a rate or mean with no participant counted yet. */
  readonly met: boolean;
}

/** A metric's target, as the contract and the result write it. */
export interface Target {
  readonly value: string;
  readonly direction: string;
}

/** A metric value with its target and whether it is met (the result's and the report's metrics). */
export type MetricWithTarget = MetricValue & { readonly target?: Target; readonly met?: boolean };

/** A metric's exact value (rates and means as numerator ÷ denominator, not the rounded figure). */
export function exactValue(v: MetricValue | undefined): Decimal | undefined {
  if (v === undefined) return undefined;
  if (v.unit === 'rate' || v.unit === 'mean') {
    return v.denominator === undefined ? new Decimal(0) : exactRatio(v.numerator ?? '0', v.denominator);
  }
  return new Decimal(v.value);
}

/** No value, or a rate or mean over nobody: it meets no target, not even an at-most one. */
export function unmeasured(v: MetricValue | undefined): boolean {
  return v === undefined || ((v.unit === 'rate' || v.unit === 'mean') && !v.denominator);
}

/** The exact values metric triggers read, by metric id (as decimal strings); none for an unmeasured metric. */
export function exactMetricValues(values: readonly MetricValue[]): Map<string, string> {
  const exact = new Map<string, string>();
  for (const v of values) {
    const x = unmeasured(v) ? undefined : exactValue(v);
    if (x !== undefined) exact.set(v.id, x.toString());
  }
  return exact;
}

/** The all-or-nothing indicator checks of a rule. */
export function indicatorChecks(
  spec: ContractSpec,
  rule: Extract<PaymentRule, { kind: 'all-or-nothing' }>,
  values: ReadonlyMap<string, MetricValue>,
): IndicatorCheck[] {
  return rule.indicators.map((id) => {
    const metric = spec.metrics.find((m) => m.id === id) as Metric;
    const target = metric.target as NonNullable<Metric['target']>;
    const measured = values.get(id);
    const value = exactValue(measured) ?? new Decimal(0);
    const threshold =
      target.direction === 'at-least'
        ? new Decimal(target.value).times(rule.tolerance)
        : new Decimal(target.value).div(rule.tolerance);
    const met =
      !unmeasured(measured) && (target.direction === 'at-least' ? value.gte(threshold) : value.lte(threshold));
    return {
      rule: rule.id,
      metric: id,
      value: values.get(id)?.value ?? '0',
      target: target.value,
      direction: target.direction,
      threshold: threshold.toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN).toString(),
      met,
    };
  });
}

/** The indicator checks of the all-or-nothing rules that pay in a period. */
export function periodIndicators(
  spec: ContractSpec,
  period: string,
  values: ReadonlyMap<string, MetricValue>,
): IndicatorCheck[] {
  return spec.payments.flatMap((p) =>
    p.kind === 'all-or-nothing' && p.periods.includes(period) ? indicatorChecks(spec, p, values) : [],
  );
}

/** Whether a metric meets its target: against the all-or-nothing threshold where one applies. */
export function targetMet(v: MetricValue, target: Target, indicators: readonly IndicatorCheck[]): boolean {
  const check = indicators.find((i) => i.metric === v.id);
  if (check !== undefined) return check.met;
  if (unmeasured(v)) return false;
  const value = exactValue(v) ?? new Decimal(0);
  return target.direction === 'at-least' ? value.gte(target.value) : value.lte(target.value);
}

/** A metric value with its target and whether it is met (as is when the metric has no target). */
export function withTarget(
  spec: ContractSpec,
  v: MetricValue,
  indicators: readonly IndicatorCheck[],
): MetricWithTarget {
  const target = spec.metrics.find((m) => m.id === v.id)?.target;
  if (target === undefined) return v;
  return { ...v, target, met: targetMet(v, target, indicators) };
}
