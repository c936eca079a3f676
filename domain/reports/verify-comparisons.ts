import { type Comparison, METRIC_UNITS } from '#contracts';
import {
  baselineFigure,
  type ComparisonResult,
  comparisonEffect,
  comparisonGroups,
  controlSource,
  type ExactComparison,
  evaluateTriggers,
  exactFigure,
  exactMetricValues,
  fixed,
  type MetricValue,
  ratioFigure,
  type TriggerResult,
  twoProportionZTest,
  wilsonInterval,
} from '#evaluation';
import { canonicalize, Decimal } from '#kernel';
import type { ExactRows, Fail, ReportContext } from './verify-context.ts';
import { intervalText } from './verify-figures.ts';

/**
 * The report verifier's checks of the comparisons and triggers: the rows the
 * contract's comparisons give, each row's figures, effect and test
 * recomputed from the report's numbers (with the calculator's formulas), and
 * the triggers the contract gives from them.
 */

const rowId = (id: string, group: string) => `${id}\u0000${group}`;

/** The comparison rows of the report with the exact numbers decisions are made on, computed once. */
export function exactRows(ctx: ReportContext): ExactRows {
  return ctx.rows(() => {
    const rows = new Map<string, ExactComparison>();
    for (const row of ctx.report.evaluation.comparisons) rows.set(rowId(row.id, row.group), exactRow(ctx, row));
    return rows;
  });
}

function exactRow(ctx: ReportContext, row: ComparisonResult): ExactComparison {
  const c = ctx.spec.comparisons.find((x) => x.id === row.id);
  const n = row.treatment.denominator ?? 0;
  const t = exactFigure(row.treatment);
  let cValue: Decimal | undefined;
  if (c?.kind === 'baseline') cValue = new Decimal(c.value);
  else if (c?.kind === 'control') cValue = row.comparison === undefined ? undefined : exactFigure(row.comparison);
  // A published figure as the report shows it (6 places): exact for figures published with 6 places or fewer;
  // the comparison.published entry itself is not in the report.
  else if (row.comparison !== undefined) cValue = new Decimal(row.comparison.value);
  const controlN = c?.kind === 'control' ? (row.comparison?.denominator ?? 0) : undefined;
  const effect = c === undefined ? undefined : comparisonEffect(c.effect, t, cValue, n, controlN);
  return { result: row, effect, t, c: cValue, n };
}

export function checkComparisons(ctx: ReportContext, fail: Fail): string | undefined {
  const { spec } = ctx;
  const got = ctx.report.evaluation.comparisons;
  const expected = spec.comparisons.flatMap((c) =>
    comparisonGroups(spec, c, ctx.metricSpec(c.metric)).map((g) => `${c.id}/${g}`),
  );
  const rowsText = got.map((row) => `${row.id}/${row.group}`);
  if (rowsText.join(', ') !== expected.join(', ')) {
    fail(`the report compares ${rowsText.join(', ') || 'nothing'}, the contract ${expected.join(', ') || 'nothing'}`);
  }
  const rows = exactRows(ctx);
  let unchecked = 0;
  for (const row of got) {
    const c = spec.comparisons.find((x) => x.id === row.id);
    if (c === undefined) continue;
    checkFigures(ctx, fail, row, c);
    checkEffect(fail, row, c, rows.get(rowId(row.id, row.group)));
    if (!checkTest(fail, row, c)) unchecked++;
  }
  return `${got.length} comparison(s) recomputed${unchecked > 0 ? `; ${unchecked} difference-in-means test(s) as reported (sums of squares are not in the report)` : ''}`;
}

const where = (row: ComparisonResult) => `comparison ${row.id} (${row.group})`;

/** A row's kind and figures against the contract's comparison, the metric and the baseline or control. */
function checkFigures(ctx: ReportContext, fail: Fail, row: ComparisonResult, c: Comparison): void {
  const at = where(row);
  const level = ctx.spec.confidenceLevel;
  if (row.metric !== c.metric || row.kind !== c.kind || row.effect !== c.effect) {
    fail(`${at}: ${row.kind} ${row.effect} of ${row.metric}, the contract's ${c.kind} ${c.effect} of ${c.metric}`);
  }
  const unit = METRIC_UNITS[ctx.metricSpec(c.metric)?.kind ?? 'enrolled'];
  for (const p of figureProblems(row.treatment, unit, level)) fail(`${at}, treatment: ${p}`);
  const metric = ctx.reportMetric(c.metric);
  if (c.kind !== 'control' && row.group === 'all' && metric !== undefined) {
    if (row.treatment.numerator !== metric.numerator || row.treatment.denominator !== metric.denominator) {
      fail(
        `${at}: treatment ${row.treatment.numerator} / ${row.treatment.denominator}, but metric ${c.metric} is ${metric.numerator} / ${metric.denominator}`,
      );
    }
  }
  if (c.kind === 'baseline') {
    const want = baselineFigure(c);
    if (canonicalize(row.comparison ?? null) !== canonicalize(want)) {
      fail(`${at}: compared against ${row.comparison?.value ?? 'nothing'}, the contract's baseline is ${want.value}`);
    }
  } else if (c.kind === 'control') {
    if (row.comparison === undefined) fail(`${at}: no control figure`);
    else {
      for (const p of figureProblems(row.comparison, unit, level)) fail(`${at}, control: ${p}`);
      const source = controlSource(c);
      if (row.comparison.source !== source) fail(`${at}: control ${row.comparison.source}, the contract's ${source}`);
    }
  }
}

function checkEffect(fail: Fail, row: ComparisonResult, c: Comparison, exact: ExactComparison | undefined): void {
  const effectSize = exact?.effect === undefined ? undefined : fixed(exact.effect);
  if (row.effectSize !== effectSize) {
    fail(
      `${where(row)}: effect ${row.effectSize ?? 'none'} but the ${c.effect} of ${row.treatment.value} against ${row.comparison?.value ?? 'no figure'} is ${effectSize ?? 'none'}`,
    );
  }
}

/** A control comparison's test, recomputed (two-proportion) or checked for the contract's test; false if taken as reported. */
function checkTest(fail: Fail, row: ComparisonResult, c: Comparison): boolean {
  const at = where(row);
  if (c.kind !== 'control') {
    if (row.test !== undefined) fail(`${at}: a significance test on a ${c.kind} comparison`);
    return true;
  }
  if (c.test === 'two-proportion') {
    const x1 = Number(row.treatment.numerator ?? '0');
    const x2 = Number(row.comparison?.numerator ?? '0');
    const n1 = row.treatment.denominator ?? 0;
    const test = twoProportionZTest(x1, n1, x2, row.comparison?.denominator ?? 0, c.alternative, c.significance);
    if (canonicalize(row.test ?? null) !== canonicalize(test ?? null)) {
      fail(
        `${at}: test z ${row.test?.statistic ?? 'none'} p ${row.test?.pValue ?? 'none'}, but the two-proportion z-test gives z ${test?.statistic ?? 'none'} p ${test?.pValue ?? 'none'}`,
      );
    }
    return true;
  }
  // Sums of squares are not in the report: the difference-in-means test is taken as reported.
  const t = row.test;
  if (t !== undefined && (t.test !== c.test || t.significance !== c.significance || t.alternative !== c.alternative)) {
    fail(`${at}: the test is not the contract's (${c.test}, ${c.alternative}, at ${c.significance})`);
  }
  return false;
}

/** What is wrong with a rate or mean figure (value from numerator/denominator; a rate's Wilson interval). */
function figureProblems(
  f: {
    value: string;
    numerator?: string;
    denominator?: number;
    interval?: { level: string; low: string; high: string };
  },
  unit: string,
  level: string,
): string[] {
  if (f.numerator === undefined || f.denominator === undefined) return [];
  const problems: string[] = [];
  const value = ratioFigure(f.numerator, f.denominator);
  if (f.value !== value) problems.push(`value ${f.value} but ${f.numerator} / ${f.denominator} is ${value}`);
  if (unit === 'rate') {
    const wilson = wilsonInterval(Number(f.numerator), f.denominator, level);
    if (canonicalize(f.interval ?? null) !== canonicalize(wilson ?? null)) {
      problems.push(`interval ${intervalText(f.interval)} but the Wilson interval is ${intervalText(wilson)}`);
    }
  }
  return problems;
}

/** The triggers as the contract gives them from the report's figures (the calculator's evaluateTriggers). */
export function expectedTriggers(ctx: ReportContext): TriggerResult[] {
  const metrics = ctx.report.evaluation.metrics;
  // The first figures the report gives for each metric.
  const firsts = metrics.filter((m, i) => metrics.findIndex((x) => x.id === m.id) === i);
  const values = exactMetricValues(firsts as unknown as MetricValue[]);
  return evaluateTriggers(ctx.spec, ctx.report.period.id, [...exactRows(ctx).values()], values);
}

export function checkTriggers(ctx: ReportContext, fail: Fail): string | undefined {
  const expected = expectedTriggers(ctx);
  const got = ctx.report.evaluation.triggers;
  const key = (t: { id: string; group: string }) => `${t.id}/${t.group}`;
  if (got.map(key).join(', ') !== expected.map(key).join(', ')) {
    fail(
      `the report's triggers are ${got.map(key).join(', ') || 'none'}, the contract's ${expected.map(key).join(', ') || 'none'}`,
    );
  }
  for (const e of expected) {
    const g = got.find((x) => x.id === e.id && x.group === e.group);
    if (g !== undefined && g.met !== e.met)
      fail(`trigger ${e.id} (${e.group}): met ${g.met} but the figures give ${e.met}`);
  }
  return expected.map((e) => `${key(e)}: ${e.met ? 'met' : 'not met'}`).join(', ') || 'none';
}
