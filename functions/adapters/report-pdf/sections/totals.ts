/**
 * The totals: this period, paid before and cumulative; then, where the
 * report has them, the payments by period, the caps that applied (and
 * whether they cut a payment) and the allocation to investors.
 */
import { earlierFigures } from '#reports';
import type { ReportContext } from '../context.ts';
import { COLOR, widths } from '../layout.ts';
import { table } from '../table.ts';

export function totals(c: ReportContext): void {
  const { w, t, f } = c;
  const pay = c.report.payments;
  w.heading(t.totals);
  const [s1, s2] = widths(70, 30);
  table(
    w,
    [
      { header: '', width: s1 },
      { header: `${t.amount}, ${pay.currency}`, width: s2, align: 'right' },
    ],
    [
      [
        { text: t.thisPeriod, font: 'bold' },
        { text: f.amount(pay.total), font: 'bold' },
      ],
      [t.paidBefore, f.amount(pay.paidBefore)],
      [
        { text: t.cumulative, font: 'bold' },
        { text: f.amount(pay.cumulative), font: 'bold' },
      ],
    ],
  );
  byPeriod(c);
  caps(c);
  allocation(c);
}

/** The earlier periods' totals (from the signed report) and this one's, with their evaluation entries. */
function byPeriod({ w, t, f, report }: ReportContext): void {
  if (report.earlier.length === 0) return;
  const pay = report.payments;
  w.subheading(t.byPeriod);
  const [b1, b2, b3] = widths(35, 35, 30);
  table(
    w,
    [
      { header: t.period, width: b1 },
      { header: t.entry, width: b2 },
      { header: `${t.amount}, ${pay.currency}`, width: b3, align: 'right' },
    ],
    [
      ...report.earlier.map((e) => {
        const { seq, body } = earlierFigures(e);
        return [e.period, t.entryNo(seq), f.amount(body?.total ?? '0')];
      }),
      [
        { text: report.period.id, font: 'bold' },
        t.entryNo(report.evaluation.entry.seq),
        { text: f.amount(pay.total), font: 'bold' },
      ],
    ],
  );
}

function caps(c: ReportContext): void {
  const { w, t, f, report } = c;
  const pay = report.payments;
  if (pay.caps.length === 0) return;
  w.subheading(t.caps);
  const [a1, a2, a3, a4, a5] = widths(32, 18, 18, 17, 15);
  table(
    w,
    [
      { header: t.cap, width: a1 },
      { header: `${t.limit}, ${pay.currency}`, width: a2, align: 'right' },
      { header: t.before, width: a3, align: 'right' },
      { header: t.after, width: a4, align: 'right' },
      { header: t.binding, width: a5, align: 'center' },
    ],
    pay.caps.map((cap) => [
      capName(c, cap.cap),
      f.amount(cap.limit),
      f.amount(cap.before),
      f.amount(cap.after),
      { text: cap.binding ? t.yes : t.no, color: cap.binding ? COLOR.bad : COLOR.ink },
    ]),
  );
}

/** A cap in the reader's words (the payment engine names caps in English); an unknown cap as named. */
function capName({ t, f, report }: ReportContext, cap: string): string {
  if (cap === 'overall') return t.capOverall;
  if (cap === 'per period') return t.capPerPeriod;
  if (cap.startsWith('per outcome ')) return t.capPerOutcome(cap.slice('per outcome '.length));
  const rc = report.contract.spec.returnCap;
  if (cap.startsWith('return cap') && rc !== undefined) {
    return t.capReturn(f.share(rc.annualRate, 2), f.money(rc.principal), f.date(report.period.paymentDate));
  }
  return cap;
}

function allocation({ w, t, f, report }: ReportContext): void {
  const pay = report.payments;
  if (pay.allocation.length === 0) return;
  w.subheading(t.allocation);
  const [v1, v2, v3] = widths(55, 15, 30);
  table(
    w,
    [
      { header: t.investor, width: v1 },
      { header: t.share, width: v2, align: 'right' },
      { header: `${t.amount}, ${pay.currency}`, width: v3, align: 'right' },
    ],
    pay.allocation.map((a) => [
      {
        text: report.contract.spec.parties.investors.find((i) => i.id === a.investor)?.name ?? a.investor,
        sub: a.investor,
      },
      f.share(a.share, 2),
      f.amount(a.amount),
    ]),
  );
}
