/**
 * The payment lines of the period: each rule's line (payment or adjustment),
 * its outcomes, the formula as the payment engine recorded it, and the amount.
 */
import type { ReportContext } from '../context.ts';
import { widths } from '../layout.ts';
import { table } from '../table.ts';

export function paymentLines({ w, t, f, report }: ReportContext): void {
  const pay = report.payments;
  w.heading(t.payments);
  if (pay.lines.length === 0) {
    w.paragraph(t.noLines);
    return;
  }
  const [l1, l2, l3, l4, l5] = widths(22, 15, 12, 31, 20);
  table(
    w,
    [
      { header: t.rule, width: l1 },
      { header: t.kind, width: l2 },
      { header: t.outcomesCount, width: l3, align: 'right' },
      { header: t.formula, width: l4 },
      { header: `${t.amount}, ${pay.currency}`, width: l5, align: 'right' },
    ],
    pay.lines.map((l) => {
      const title = report.contract.spec.payments.find((r) => r.id === l.rule)?.title;
      return [
        { text: l.rule, font: 'bold', ...(title === undefined ? {} : { sub: title }) },
        { text: l.type === 'payment' ? t.payment : t.adjustment, sub: l.kind },
        f.int(l.outcomes),
        l.formula,
        { text: f.amount(l.amount), font: 'bold' },
      ];
    }),
  );
  if (t.formulaNote !== '') w.note(t.formulaNote);
}
