import type { Comparison, ContractSpec, Effect, Metric, Trigger } from '#contracts';
import { METRIC_UNITS } from '#contracts';
import type { Timeline } from '#evidence';
import { Decimal, type DecimalValue, IntegrityError } from '#kernel';
import { COMPARISON_PUBLISHED_KIND, ComparisonBodySchema, type Entry } from '#ledger';
import {
  aggregateOutcomes,
  exactRatio,
  type MetricContext,
  type ParticipantOutcome,
  participantOutcomes,
} from './metrics.ts';
import { differenceInMeansZTest, fixed, type Interval, type TestResult, twoProportionZTest } from './stats.ts';

/**
 * Comparisons (the treatment figure against a baseline, a published
 * comparison-group figure, or control cohorts with a significance test) and
 * the triggers that read them. Effects are decided on exact decimals and
 * reported to 6 decimal places.
 */

/** A comparison-group figure the evaluator published in the log (`comparison.published`). */
export interface PublishedFigure {
  readonly seq: number;
  readonly comparison: string;
  /** `all`, or a cohort. */
  readonly group: string;
  /** Rate or mean, as a decimal string. */
  readonly value: string;
  readonly denominator?: number;
  /** When set, the figure applies to this period only. */
  readonly period?: string;
}

export interface Figure {
  readonly value: string;
  readonly numerator?: string;
  readonly denominator?: number;
  readonly interval?: Interval;
}

export interface ComparisonResult {
  readonly id: string;
  readonly metric: string;
  readonly kind: Comparison['kind'];
  readonly group: string;
  readonly effect: Effect;
  readonly treatment: Figure;
  /** The figure compared against; absent while no comparison figure is published. */
  readonly comparison?: Figure & { readonly source: string };
  /** The effect size, 6 decimal places; absent when it cannot be computed (no figure, zero base, empty group). */
  readonly effectSize?: string;
  readonly test?: TestResult;
  readonly note?: string;
}

export interface TriggerResult {
  readonly id: string;
  readonly group: string;
  readonly met: boolean;
  /** Why, in words and figures. */
  readonly because: string;
}

/** Internal: a result with the exact numbers decisions are made on. */
export interface ExactComparison {
  readonly result: ComparisonResult;
  readonly effect: Decimal | undefined;
  /** Exact treatment and comparison values, and the treatment denominator (for per-effect payments). */
  readonly t: Decimal;
  readonly c: Decimal | undefined;
  readonly n: number;
}

function effectOf(kind: Effect, t: Decimal, c: Decimal): Decimal | undefined {
  switch (kind) {
    case 'difference':
      return t.minus(c);
    case 'relative-reduction':
      return c.isZero() ? undefined : c.minus(t).div(c);
    case 'relative-increase':
      return c.isZero() ? undefined : t.minus(c).div(c);
  }
}

/**
 * The effect of the treatment value `t` against the comparison value `c`:
 * none without a comparison figure, with nobody in the treatment group (or,
 * `controlN`, in the control group), or for a relative effect on a zero base.
 */
export function comparisonEffect(
  kind: Effect,
  t: Decimal,
  c: Decimal | undefined,
  n: number,
  controlN?: number,
): Decimal | undefined {
  if (c === undefined || !(n > 0) || (controlN !== undefined && !(controlN > 0))) return undefined;
  return effectOf(kind, t, c);
}

/** A figure's exact value: numerator ÷ denominator when it has them (what effects are decided on), else its value. */
export function exactFigure(f: Pick<Figure, 'value' | 'numerator' | 'denominator'>): Decimal {
  return f.numerator !== undefined && f.denominator !== undefined
    ? exactRatio(f.numerator, f.denominator)
    : new Decimal(f.value);
}

/** The figure a baseline comparison compares against. */
export function baselineFigure(c: Extract<Comparison, { kind: 'baseline' }>): Figure & { readonly source: string } {
  return { value: fixed(c.value), source: 'baseline in the contract' };
}

/** Where a control comparison's figure comes from. */
export const controlSource = (c: Extract<Comparison, { kind: 'control' }>): string =>
  `control cohorts ${c.control.join(', ')}`;

interface Stats {
  readonly figure: Figure;
  readonly exact: Decimal;
  readonly n: number;
  readonly x: number;
  readonly sum: Decimal;
  readonly sumSquares: Decimal;
}

function statsOf(metric: Metric, outcomes: readonly ParticipantOutcome[], level: string): Stats {
  const agg = aggregateOutcomes(metric, outcomes, level);
  const exact = exactRatio(agg.sum, agg.denominator);
  return {
    figure: {
      value: agg.value,
      numerator: agg.numerator,
      denominator: agg.denominator,
      ...(agg.interval === undefined ? {} : { interval: agg.interval }),
    },
    exact,
    n: agg.denominator,
    x: Number(agg.numerator),
    sum: agg.sum,
    sumSquares: agg.sumSquares,
  };
}

/** The groups a comparison is computed for: `all`, then each cohort of the metric's population (groupBy cohort). */
export function comparisonGroups(spec: ContractSpec, c: Comparison, metric: Metric | undefined): string[] {
  if (c.kind === 'control' || c.groupBy !== 'cohort') return ['all'];
  const cohorts = metric?.population?.cohorts ?? spec.cohorts;
  return ['all', ...cohorts];
}

/** The published figure for a comparison, group and period: the latest for this period, else the latest for any. */
export function publishedFigure(
  figures: readonly PublishedFigure[],
  comparison: string,
  group: string,
  period: string,
): PublishedFigure | undefined {
  let forPeriod: PublishedFigure | undefined;
  let general: PublishedFigure | undefined;
  for (const f of figures) {
    if (f.comparison !== comparison || f.group !== group) continue;
    if (f.period === period && (forPeriod === undefined || f.seq > forPeriod.seq)) forPeriod = f;
    if (f.period === undefined && (general === undefined || f.seq > general.seq)) general = f;
  }
  return forPeriod ?? general;
}

/** Each comparison's result, per group (`all`, then each cohort when grouped by cohort), in spec order. */
export function evaluateComparisons(
  spec: ContractSpec,
  period: string,
  timelines: readonly Timeline[],
  outcomes: ReadonlyMap<string, readonly ParticipantOutcome[]>,
  ctx: MetricContext,
  published: readonly PublishedFigure[],
): ExactComparison[] {
  const level = spec.confidenceLevel;
  const out: ExactComparison[] = [];
  for (const c of spec.comparisons) {
    const metric = spec.metrics.find((m) => m.id === c.metric) as Metric;
    const all = outcomes.get(metric.id) ?? participantOutcomes(metric, timelines, ctx);
    for (const group of comparisonGroups(spec, c, metric)) {
      const base = { id: c.id, metric: c.metric, kind: c.kind, group, effect: c.effect };
      if (c.kind === 'control') {
        out.push(controlComparison(c, base, metric, timelines, ctx, level));
        continue;
      }
      const members = group === 'all' ? all : all.filter((o) => o.cohort === group);
      const tr = statsOf(metric, members, level);
      const { figure, cValue } = comparisonFigure(c, group, period, published);
      const effect = comparisonEffect(c.effect, tr.exact, cValue, tr.n);
      const note =
        figure === undefined
          ? 'no comparison figure published yet'
          : tr.n === 0
            ? 'no participant has completed the window yet'
            : effect === undefined
              ? 'the comparison figure is zero: no relative effect'
              : undefined;
      out.push({
        result: {
          ...base,
          treatment: tr.figure,
          ...(figure === undefined ? {} : { comparison: figure }),
          ...(effect === undefined ? {} : { effectSize: fixed(effect) }),
          ...(note === undefined ? {} : { note }),
        },
        effect,
        t: tr.exact,
        c: cValue,
        n: tr.n,
      });
    }
  }
  return out;
}

/** The fields every comparison result starts with. */
type ComparisonBase = Pick<ComparisonResult, 'id' | 'metric' | 'kind' | 'group' | 'effect'>;

/** Treatment cohorts against control cohorts, with the comparison's significance test. */
function controlComparison(
  c: Extract<Comparison, { kind: 'control' }>,
  base: ComparisonBase,
  metric: Metric,
  timelines: readonly Timeline[],
  ctx: MetricContext,
  level: string,
): ExactComparison {
  const tr = statsOf(metric, participantOutcomes(metric, timelines, ctx, c.treatment), level);
  const co = statsOf(metric, participantOutcomes(metric, timelines, ctx, c.control), level);
  const effect = comparisonEffect(c.effect, tr.exact, co.exact, tr.n, co.n);
  const test =
    c.test === 'two-proportion'
      ? twoProportionZTest(tr.x, tr.n, co.x, co.n, c.alternative, c.significance)
      : differenceInMeansZTest(
          { n: tr.n, sum: tr.sum.toString(), sumSquares: tr.sumSquares.toString() },
          { n: co.n, sum: co.sum.toString(), sumSquares: co.sumSquares.toString() },
          c.alternative,
          c.significance,
        );
  return {
    result: {
      ...base,
      treatment: tr.figure,
      comparison: { ...co.figure, source: controlSource(c) },
      ...(effect === undefined ? {} : { effectSize: fixed(effect) }),
      ...(test === undefined ? { note: 'too few participants for the test' } : { test }),
    },
    effect,
    t: tr.exact,
    c: co.exact,
    n: tr.n,
  };
}

/** The figure a baseline or published comparison compares against, and its exact value; none while unpublished. */
function comparisonFigure(
  c: Exclude<Comparison, { kind: 'control' }>,
  group: string,
  period: string,
  published: readonly PublishedFigure[],
): { figure: (Figure & { source: string }) | undefined; cValue: Decimal | undefined } {
  if (c.kind === 'baseline') return { figure: baselineFigure(c), cValue: new Decimal(c.value) };
  const p = publishedFigure(published, c.id, group, period);
  if (p === undefined) return { figure: undefined, cValue: undefined };
  return {
    figure: {
      value: fixed(p.value),
      ...(p.denominator === undefined ? {} : { denominator: p.denominator }),
      source: `published by the evaluator, entry ${p.seq}`,
    },
    cValue: new Decimal(p.value),
  };
}

const pct = (d: DecimalValue): string => `${new Decimal(d).times(100).toDecimalPlaces(2).toString()}%`;

/** Each trigger's result: one per group (each cohort for `each-cohort`). */
export function evaluateTriggers(
  spec: ContractSpec,
  period: string,
  comparisons: readonly ExactComparison[],
  metricValues: ReadonlyMap<string, string>,
): TriggerResult[] {
  const out: TriggerResult[] = [];
  for (const t of spec.triggers) {
    const inPeriod = t.periods === undefined || t.periods.includes(period);
    if ('comparison' in t) {
      const wanted = t.group ?? 'all';
      const rows = comparisons.filter(
        (c) => c.result.id === t.comparison && (wanted === 'all' ? c.result.group === 'all' : c.result.group !== 'all'),
      );
      for (const row of rows) out.push(comparisonTrigger(t, row, inPeriod, period));
      continue;
    }
    const raw = metricValues.get(t.metric);
    const value = raw === undefined ? undefined : new Decimal(raw);
    const metric = spec.metrics.find((m) => m.id === t.metric);
    const unit = metric === undefined ? 'count' : METRIC_UNITS[metric.kind];
    const show = (d: DecimalValue) => (unit === 'rate' ? pct(d) : new Decimal(d).toString());
    let met = inPeriod && value !== undefined;
    const parts: string[] = [];
    if (value !== undefined && t.atLeast !== undefined) {
      met &&= value.gte(t.atLeast);
      parts.push(`${t.metric} ${show(value)} ${value.gte(t.atLeast) ? '>=' : '<'} ${show(t.atLeast)}`);
    }
    if (value !== undefined && t.atMost !== undefined) {
      met &&= value.lte(t.atMost);
      parts.push(`${t.metric} ${show(value)} ${value.lte(t.atMost) ? '<=' : '>'} ${show(t.atMost)}`);
    }
    if (!inPeriod) parts.push(`not a trigger period (${t.periods?.join(', ')})`);
    out.push({ id: t.id, group: 'all', met, because: parts.join('; ') });
  }
  return out;
}

function comparisonTrigger(
  t: Extract<Trigger, { comparison: string }>,
  row: ExactComparison,
  inPeriod: boolean,
  period: string,
): TriggerResult {
  const group = row.result.group;
  if (!inPeriod) {
    return { id: t.id, group, met: false, because: `period ${period} is not one of ${t.periods?.join(', ')}` };
  }
  if (row.effect === undefined) {
    return { id: t.id, group, met: false, because: row.result.note ?? 'no effect can be computed' };
  }
  const enough = row.effect.gte(t.effectAtLeast);
  const words = `${row.result.effect} ${pct(row.effect)} ${enough ? '>=' : '<'} ${pct(t.effectAtLeast)} (treatment ${row.result.treatment.value} vs comparison ${row.result.comparison?.value})`;
  if (t.significant === true) {
    const sig = row.result.test?.significant === true;
    return {
      id: t.id,
      group,
      met: enough && sig,
      because: `${words}; ${sig ? 'significant' : 'not significant'} (p = ${row.result.test?.pValue ?? 'n/a'})`,
    };
  }
  return { id: t.id, group, met: enough, because: words };
}

/** Comparison figures published in the entries (`comparison.published`). */
export function publishedFigures(entries: readonly Entry[]): PublishedFigure[] {
  const out: PublishedFigure[] = [];
  for (const e of entries) {
    if (e.kind !== COMPARISON_PUBLISHED_KIND) continue;
    const parsed = ComparisonBodySchema.safeParse(e.body);
    if (!parsed.success) throw new IntegrityError('comparison entry body does not parse', e.seq);
    const b = parsed.data;
    out.push({
      seq: e.seq,
      comparison: b.comparison,
      group: b.group,
      value: b.value,
      ...(b.denominator === undefined ? {} : { denominator: b.denominator }),
      ...(b.period === undefined ? {} : { period: b.period }),
    });
  }
  return out;
}
