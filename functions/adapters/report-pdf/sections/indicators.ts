/**
 * The indicators of all-or-nothing payment rules: each rule's metric, its
 * value, target and threshold, whether it was met, and what a threshold is.
 */
import type { ReportContext } from '../context.ts';
import { COLOR, widths } from '../layout.ts';
import { table } from '../table.ts';

export function indicators({ w, t, f, report, unitOf, titleOf }: ReportContext): void {
  const list = report.evaluation.indicators;
  if (list.length === 0) return;
  w.heading(t.indicators);
  const [i1, i2, i3, i4, i5, i6] = widths(15, 35, 12, 12, 13, 13);
  table(
    w,
    [
      { header: t.rule, width: i1 },
      { header: t.metric, width: i2 },
      { header: t.value, width: i3, align: 'right' },
      { header: t.target, width: i4, align: 'right' },
      { header: t.threshold, width: i5, align: 'right' },
      { header: t.met, width: i6, align: 'center' },
    ],
    list.map((i) => {
      const unit = unitOf(i.metric);
      return [
        i.rule,
        { text: titleOf(i.metric), sub: i.metric },
        f.figure(unit, i.value),
        f.target(unit, { value: i.target, direction: i.direction }),
        f.target(unit, { value: i.threshold, direction: i.direction }),
        { text: i.met ? t.yes : t.no, font: 'bold', color: i.met ? COLOR.good : COLOR.bad },
      ];
    }),
  );
  w.note(t.thresholdNote);
}
