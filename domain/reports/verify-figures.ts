import { METRIC_UNITS, type Metric, type MetricUnit } from '#contracts';
import {
  type IndicatorCheck,
  type MetricValue,
  periodIndicators,
  ratioFigure,
  targetMet,
  valueOfUnits,
  wilsonInterval,
} from '#evaluation';
import { canonicalize, Decimal } from '#kernel';
import { PSEUDONYM_IN_TEXT } from './build.ts';
import { groupPeople } from './suppress.ts';
import { MIN_CELL, type ReportMetric } from './types.ts';
import { type Fail, type ReportContext, sumOf } from './verify-context.ts';

/**
 * The report verifier's checks of the metric figures: aggregates only (no
 * pseudonym, no cell under MIN_CELL people shown), each metric against the
 * contract's (kind, title, target) and recomputed from its own figures
 * (ratios, Wilson intervals, value-of amounts, group totals, targets met),
 * and the all-or-nothing indicator checks of the period.
 */

export function checkAggregates(ctx: ReportContext, fail: Fail): string | undefined {
  const found = PSEUDONYM_IN_TEXT.exec(ctx.text);
  if (found !== null) fail(`the report names a participant pseudonym (at character ${found.index})`);
  for (const m of ctx.report.evaluation.metrics) {
    const groups = m.groups ?? [];
    let suppressed = 0;
    for (const g of groups) {
      if ('suppressed' in g) {
        suppressed++;
        continue;
      }
      const people = groupPeople(g);
      if (!(people >= MIN_CELL)) {
        fail(`metric ${m.id}, group ${g.group}: ${people} people shown; groups under ${MIN_CELL} must be suppressed`);
      }
    }
    if (suppressed === 1 && groups.length > 1) {
      fail(`metric ${m.id}: one group alone is suppressed, so the total and the other groups give it away`);
    }
  }
  return undefined;
}

/** The indicator checks of the all-or-nothing rules of this period, from the report's metric figures. */
export function expectedIndicators(ctx: ReportContext): IndicatorCheck[] {
  const values = new Map(ctx.report.evaluation.metrics.map((m) => [m.id, m as unknown as MetricValue]));
  return periodIndicators(ctx.spec, ctx.report.period.id, values);
}

export function checkMetrics(ctx: ReportContext, fail: Fail): string | undefined {
  const metrics = ctx.report.evaluation.metrics;
  const ids = metrics.map((m) => m.id).join(', ');
  const wanted = ctx.spec.metrics.map((m) => m.id).join(', ');
  if (ids !== wanted) fail(`the report's metrics are ${ids || 'none'}, the contract's ${wanted}`);
  const indicators = expectedIndicators(ctx);
  for (const m of metrics) {
    const sm = ctx.metricSpec(m.id);
    if (sm !== undefined) checkMetric(ctx, fail, m, sm, indicators);
  }
  return `${metrics.length} metric(s) recomputed from their figures`;
}

function checkMetric(
  ctx: ReportContext,
  fail: Fail,
  m: ReportMetric,
  sm: Metric,
  indicators: readonly IndicatorCheck[],
): void {
  const at = `metric ${m.id}`;
  const unit = METRIC_UNITS[sm.kind];
  if (m.kind !== sm.kind || m.unit !== unit)
    fail(`${at}: kind ${m.kind} (${m.unit}), the contract's ${sm.kind} (${unit})`);
  if (m.title !== sm.title) fail(`${at}: the title differs from the contract's`);
  if ((m.illustrative === true) !== (sm.illustrative === true)) fail(`${at}: illustrative differs from the contract`);
  if (canonicalize(m.target ?? null) !== canonicalize(sm.target ?? null)) {
    fail(
      `${at}: target ${m.target?.direction ?? ''} ${m.target?.value ?? 'none'}, the contract's ${sm.target?.direction ?? ''} ${sm.target?.value ?? 'none'}`,
    );
  }
  if (unit === 'rate' || unit === 'mean') {
    if (!checkRatio(ctx, fail, m, unit)) return;
  } else if (unit === 'count' || unit === 'money') checkWhole(ctx, fail, m, sm);
  else checkGroupTotals(fail, m, sm);
  checkMet(fail, m, sm, indicators);
}

/** A rate or mean: its value from its figures, a rate's Wilson interval, its groups' values. False without figures. */
function checkRatio(ctx: ReportContext, fail: Fail, m: ReportMetric, unit: MetricUnit): boolean {
  const at = `metric ${m.id}`;
  const level = ctx.spec.confidenceLevel;
  if (m.numerator === undefined || m.denominator === undefined) {
    fail(`${at}: a ${unit} without its numerator and denominator`);
    return false;
  }
  const expected = ratioFigure(m.numerator, m.denominator);
  if (m.value !== expected) fail(`${at}: value ${m.value} but ${m.numerator} / ${m.denominator} is ${expected}`);
  if (unit === 'rate') {
    const wilson = wilsonInterval(Number(m.numerator), m.denominator, level);
    if (canonicalize(m.interval ?? null) !== canonicalize(wilson ?? null)) {
      fail(
        `${at}: interval ${intervalText(m.interval)} but the Wilson interval of ${m.numerator} / ${m.denominator} at ${level} is ${intervalText(wilson)}`,
      );
    }
  } else if (
    (m.interval !== undefined) !== m.denominator >= 2 ||
    (m.interval !== undefined && m.interval.level !== level)
  ) {
    // A mean's interval needs the sum of squares, which the report does not carry: its presence and level only.
    fail(
      `${at}: ${m.interval === undefined ? 'no interval' : `an interval at ${m.interval.level}`} over ${m.denominator} participant(s); a mean over 2 or more has one at the contract's level ${level}`,
    );
  }
  for (const g of m.groups ?? []) {
    if ('suppressed' in g || g.numerator === undefined || g.denominator === undefined) continue;
    const v = ratioFigure(g.numerator, g.denominator);
    if (g.value !== v) fail(`${at}, group ${g.group}: value ${g.value} but ${g.numerator} / ${g.denominator} is ${v}`);
  }
  return true;
}

/** A count or an amount: a whole number; a value-of metric the other metric's units times the unit value. */
function checkWhole(ctx: ReportContext, fail: Fail, m: ReportMetric, sm: Metric): void {
  const at = `metric ${m.id}`;
  if (!/^(?:0|[1-9][0-9]*)$/.test(m.value)) fail(`${at}: value ${m.value} is not a whole number`);
  if (sm.kind !== 'value-of') return;
  const of = ctx.reportMetric(sm.metric);
  if (m.numerator !== of?.value) {
    fail(`${at}: ${m.numerator ?? 'no'} units, but metric ${sm.metric} is ${of?.value ?? 'missing'}`);
  }
  const value = valueOfUnits(BigInt(m.numerator ?? '0'), sm).toString();
  if (m.value !== value) fail(`${at}: value ${m.value} but ${m.numerator} × ${sm.unitValue} is ${value}`);
}

/** Counts by group: the groups shown add up to the total (at most, when some are suppressed); services as planned. */
function checkGroupTotals(fail: Fail, m: ReportMetric, sm: Metric): void {
  const at = `metric ${m.id}`;
  const groups = m.groups ?? [];
  const shown = groups.filter((g) => !('suppressed' in g)) as { group: string; value: string; planned?: number }[];
  const sum = sumOf(shown.map((g) => BigInt(new Decimal(g.value).toFixed(0))));
  const total = BigInt(new Decimal(m.value).toFixed(0));
  if (shown.length === groups.length ? sum !== total : sum > total) {
    fail(`${at}: the groups add up to ${sum}, the total is ${m.value}`);
  }
  if (sm.kind !== 'services') return;
  for (const g of shown) {
    if (g.planned !== sm.planned?.[g.group]) {
      fail(`${at}, ${g.group}: planned ${g.planned ?? 'none'}, the contract plans ${sm.planned?.[g.group] ?? 'none'}`);
    }
  }
}

/** Whether the target is met: against the all-or-nothing threshold where one applies. */
function checkMet(fail: Fail, m: ReportMetric, sm: Metric, indicators: readonly IndicatorCheck[]): void {
  const at = `metric ${m.id}`;
  if (sm.target === undefined) {
    if (m.met !== undefined) fail(`${at}: met is given, but the metric has no target`);
    return;
  }
  const check = indicators.find((i) => i.metric === m.id);
  const met = targetMet(m as unknown as MetricValue, sm.target, indicators);
  if (m.met !== met) {
    fail(
      `${at}: met ${String(m.met)} but ${m.value} against ${check === undefined ? `the target ${sm.target.value}` : `the threshold ${check.threshold}`} (${sm.target.direction}) gives ${met}`,
    );
  }
}

export const intervalText = (i: { low: string; high: string } | undefined) =>
  i === undefined ? 'none' : `${i.low}–${i.high}`;

export function checkIndicators(ctx: ReportContext, fail: Fail): string | undefined {
  const expected = expectedIndicators(ctx);
  const got = ctx.report.evaluation.indicators;
  const key = (i: { rule: string; metric: string }) => `${i.metric} of ${i.rule}`;
  if (got.map(key).join(', ') !== expected.map(key).join(', ')) {
    fail(
      `the report checks ${got.map(key).join(', ') || 'no indicator'}, the contract's all-or-nothing rules of ${ctx.report.period.id} check ${expected.map(key).join(', ') || 'none'}`,
    );
  }
  for (const e of expected) {
    const g = got.find((x) => x.rule === e.rule && x.metric === e.metric);
    if (g === undefined) continue;
    for (const field of ['value', 'target', 'direction', 'threshold', 'met'] as const) {
      if (g[field] !== e[field]) {
        fail(
          field === 'met'
            ? `indicator ${key(e)}: met ${g.met} but ${e.value} against the threshold ${e.threshold} (${e.direction}) gives ${e.met}`
            : `indicator ${key(e)}: ${field} ${g[field]} but the contract gives ${e[field]}`,
        );
      }
    }
  }
  return expected.map((e) => `${key(e)}: ${e.met ? 'met' : 'not met'}`).join(', ') || 'none in this period';
}
