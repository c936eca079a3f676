/**
 * The comparisons (the programme's figure against a comparison group or the
 * contract's baseline, the effect and, where tested, the test) and the
 * payment triggers with whether each was met and why.
 */
import type { MetricUnit } from '#contracts';
import type { ComparisonResult } from '#evaluation';
import type { ReportContext } from '../context.ts';
import type { Format } from '../format.ts';
import { COLOR, widths } from '../layout.ts';
import type { Words } from '../locales/words.ts';
import { table } from '../table.ts';
import type { CellInput } from '../writer.ts';

export function comparisons({ w, t, f, report, unitOf }: ReportContext): void {
  const list = report.evaluation.comparisons;
  if (list.length === 0) return;
  w.heading(t.comparisons);
  const tested = list.some((c) => c.test !== undefined);
  const [k1, k2, k3, k4, k5, k6] = tested ? widths(23, 10, 14, 19, 13, 21) : widths(30, 10, 17, 27, 16, 0);
  table(
    w,
    [
      { header: t.comparison, width: k1 },
      { header: t.group, width: k2 },
      { header: t.treatment, width: k3, align: 'right' },
      { header: t.against, width: k4 },
      { header: t.effect, width: k5, align: 'right' },
      ...(tested ? [{ header: t.test, width: k6 }] : []),
    ],
    list.map((c) => comparisonCells(c, unitOf(c.metric), f, t).slice(0, tested ? 6 : 5)),
  );
}

function comparisonCells(c: ComparisonResult, unit: MetricUnit, f: Format, t: Words): CellInput[] {
  const fig = (v: string) => f.figure(unit, v);
  const against =
    c.comparison === undefined
      ? '—'
      : {
          text: fig(c.comparison.value),
          sub: c.comparison.source === 'baseline in the contract' ? t.baseline : c.comparison.source,
        };
  return [
    { text: c.id, sub: c.metric },
    c.group,
    {
      text: fig(c.treatment.value),
      ...(c.treatment.denominator === undefined ? {} : { sub: `n = ${f.int(c.treatment.denominator)}` }),
    },
    against,
    { text: effectOf(c, unit, f), align: 'right' },
    c.test === undefined
      ? ''
      : `z = ${f.decimal(c.test.statistic, 2)}, p = ${f.decimal(c.test.pValue, 3)}; ${c.test.significant ? t.significant : t.notSignificant}`,
  ];
}

/** The effect: a difference (in points for rates) or a ratio as a percentage; without one, the comparison's note. */
function effectOf(c: ComparisonResult, unit: MetricUnit, f: Format): string {
  if (c.effectSize === undefined) return c.note ?? '';
  if (c.effect !== 'difference') return f.percent(c.effectSize);
  return unit === 'rate' ? f.points(c.effectSize) : f.decimal(c.effectSize, 3);
}

export function triggers({ w, t, report }: ReportContext): void {
  const list = report.evaluation.triggers;
  if (list.length === 0) return;
  w.heading(t.triggers);
  const [r1, r2, r3, r4] = widths(22, 12, 10, 56);
  table(
    w,
    [
      { header: t.trigger, width: r1 },
      { header: t.group, width: r2 },
      { header: t.met, width: r3, align: 'center' },
      { header: t.because, width: r4 },
    ],
    list.map((tr) => [
      tr.id,
      tr.group,
      { text: tr.met ? t.yes : t.no, font: 'bold', color: tr.met ? COLOR.good : COLOR.bad },
      tr.because,
    ]),
  );
}
