/**
 * The outcomes: every metric against its target (value, target, interval,
 * met, numerator over denominator), then the metrics' figures by cohort and
 * group, with groups too small to disclose shown as "< 5".
 */
import type { ReportMetric } from '#reports';
import type { ReportContext } from '../context.ts';
import { COLOR, widths } from '../layout.ts';
import { table } from '../table.ts';
import type { CellInput } from '../writer.ts';

export function outcomes(c: ReportContext): void {
  const { w, t, f, report } = c;
  const { metrics } = report.evaluation;
  w.heading(t.outcomes);
  const level = metrics.find((m) => m.interval !== undefined)?.interval?.level ?? report.contract.spec.confidenceLevel;
  const [c1, c2, c3, c4, c5, c6] = widths(30, 16, 11, 15, 12, 12);
  table(
    w,
    [
      { header: t.metric, width: c1 },
      { header: t.value, width: c2, align: 'right' },
      { header: t.target, width: c3, align: 'right' },
      { header: t.interval(f.percent(level, 0)), width: c4, align: 'right' },
      { header: t.met, width: c5, align: 'center' },
      { header: t.n, width: c6, align: 'right' },
    ],
    metrics.map((m) => metricRow(c, m)),
  );
  if (metrics.some((m) => m.illustrative === true)) w.note(t.illustrative);
}

function metricRow({ t, f, report }: ReportContext, m: ReportMetric): CellInput[] {
  const notes = [m.id, ...(m.pending === undefined ? [] : [t.pending(f.int(m.pending))])];
  return [
    { text: `${m.title}${m.illustrative === true ? ' *' : ''}`, sub: notes.join(' · ') },
    m.unit === 'groups'
      ? { text: f.int(m.value), sub: t.total }
      : m.unit === 'money'
        ? { text: f.amount(m.value), sub: report.payments.currency }
        : f.figure(m.unit, m.value),
    m.target === undefined ? '' : f.target(m.unit, m.target),
    m.interval === undefined ? '' : f.interval(m.unit, m.interval),
    m.met === undefined
      ? ''
      : { text: m.met ? t.yes : t.no, font: 'bold', color: m.met ? COLOR.good : COLOR.bad, align: 'center' },
    m.denominator === undefined ? '' : f.fraction(m.numerator ?? '0', m.denominator),
  ];
}

/** The figures by cohort and group, one band of rows per metric (nothing if no metric has groups). */
export function groups(c: ReportContext): void {
  const { w, t } = c;
  const grouped = c.report.evaluation.metrics.filter((m) => (m.groups?.length ?? 0) > 0);
  if (grouped.length === 0) return;
  w.heading(t.byGroup);
  const [g1, g2, g3, g4, g5] = widths(38, 20, 14, 16, 12);
  const hasPlanned = grouped.some((m) => m.groups?.some((g) => 'planned' in g && g.planned !== undefined));
  const stripes = grouped.flatMap((m, k) => (m.groups ?? []).map(() => k % 2 === 1));
  table(
    w,
    [
      { header: t.metric, width: g1 + (hasPlanned ? 0 : g5 / 2) },
      { header: t.group, width: g2 + (hasPlanned ? 0 : g5 / 2) },
      { header: t.value, width: g3, align: 'right' },
      { header: t.n, width: g4, align: 'right' },
      ...(hasPlanned ? [{ header: t.planned, width: g5, align: 'right' as const }] : []),
    ],
    grouped.flatMap((m) => (m.groups ?? []).map((g, i) => groupRow(c, m, g, i === 0))),
    { stripes },
  );
  if (grouped.some((m) => m.groups?.some((g) => 'suppressed' in g))) w.note(t.suppressedNote);
}

type Group = NonNullable<ReportMetric['groups']>[number];

/** A group's row; the metric is named on its first group's row only. */
function groupRow({ t, f }: ReportContext, m: ReportMetric, g: Group, first: boolean): CellInput[] {
  const name = first ? { text: m.title, sub: m.id } : { text: '', sub: '' };
  if ('suppressed' in g) {
    return [
      name,
      g.group,
      { text: t.suppressedWord, color: COLOR.faint },
      { text: '< 5', font: 'bold', color: COLOR.muted },
      '',
    ];
  }
  return [
    name,
    g.group,
    f.figure(m.unit === 'groups' ? 'count' : m.unit, g.value),
    g.denominator === undefined ? '' : f.fraction(g.numerator ?? '0', g.denominator),
    g.planned === undefined ? '' : f.int(g.planned),
  ];
}
