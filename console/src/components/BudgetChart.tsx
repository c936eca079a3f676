/**
 * The budget chart (uPlot, decision 0012): cumulative payments approved or
 * paid, and paid, at each period's payment date, against the overall cap (a
 * horizontal line) and the period caps (a line per period), plus what each
 * period adds. The canvas is hidden from screen readers: the figure's
 * caption and the table beside it (BudgetTable) carry the same figures. Its
 * own lazy chunk: uPlot loads only with the overview.
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { type Lang, useLang } from '../i18n.tsx';
import { day, majorUnits } from '../lib/format.ts';
import type { Budget } from './budget.ts';

const LOCALE: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };

function major(minor: bigint, minorUnit: number): number {
  return Number(majorUnits(minor, minorUnit));
}

/** Axis figures, short: "45 млн ₽", "RUB 45M". */
function compactMoney(value: number, currency: string, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang], {
    style: 'currency',
    currency,
    currencyDisplay: lang === 'ru' ? 'symbol' : 'code',
    notation: 'compact',
    maximumFractionDigits: 1,
  }).format(value);
}

function isoDayOf(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 10);
}

export default function BudgetChart(props: {
  budget: Budget;
  currency: string;
  minorUnit: number;
  /** The contract's first day (YYYY-MM-DD): where the running totals start from 0. */
  start: string;
}) {
  const { t, lang } = useLang();
  const box = useRef<HTMLDivElement>(null);
  const { budget, currency, minorUnit } = props;

  useEffect(() => {
    const el = box.current;
    if (el === null || budget.rows.length === 0) return;
    const b = t.overview.budget;
    const seconds = (iso: string) => {
      const [y, m, d] = iso.split('-').map(Number);
      return Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1) / 1000;
    };
    // The contract's start comes first, where every running total is 0: the lines start there,
    // and a contract of one period still shows its caps as lines.
    const xs = [seconds(props.start), ...budget.rows.map((r) => seconds(r.paymentDate))];
    const upTo = (v: (r: (typeof budget.rows)[number]) => bigint) => [
      0,
      ...budget.rows.map((r) => (r.reached ? major(v(r), minorUnit) : null)),
    ];
    const data: uPlot.AlignedData = [
      xs,
      upTo((r) => r.cumulativeApproved),
      upTo((r) => r.cumulativePaid),
      [null, ...budget.rows.map((r) => (r.reached ? major(r.thisPeriod, minorUnit) : null))],
    ];
    const series: uPlot.Series[] = [
      { label: b.paymentDate, value: (_u, v) => (v == null ? '' : day(isoDayOf(v), lang)) },
      { label: b.approvedSeries, stroke: '#0b5cad', width: 3, points: { size: 8 } },
      { label: b.paidSeries, stroke: '#17663a', width: 2, dash: [6, 3], points: { size: 6 } },
      {
        label: b.periodSeries,
        stroke: '#6b3fa0',
        width: 1,
        points: { size: 7, fill: '#6b3fa0' },
        paths: () => null,
      },
    ];
    if (budget.overallCap !== undefined) {
      data.push(xs.map(() => major(budget.overallCap ?? 0n, minorUnit)));
      series.push({ label: b.overallCap, stroke: '#a4161a', width: 2, dash: [8, 6], points: { show: false } });
    }
    if (budget.rows.some((r) => r.periodCap !== undefined)) {
      data.push([
        budget.rows[0]?.periodCap === undefined ? null : major(budget.rows[0].periodCap, minorUnit),
        ...budget.rows.map((r) => (r.periodCap === undefined ? null : major(r.periodCap, minorUnit))),
      ]);
      series.push({ label: b.periodCap, stroke: '#7a4d00', width: 2, dash: [3, 4], points: { show: false } });
    }
    for (const s of series.slice(1)) s.value = (_u, v) => (v == null ? '—' : compactMoney(v, currency, lang));
    const width = () => Math.max(280, Math.min(el.clientWidth, 1100));
    const plot = new uPlot(
      {
        width: width(),
        height: 320,
        // Room on the right for the last date's label.
        padding: [12, 48, 0, 0],
        series,
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] } },
        axes: [
          {
            values: (_u, splits) => splits.map((v) => day(isoDayOf(v), lang)),
            splits: () => xs,
          },
          { size: 110, values: (_u, splits) => splits.map((v) => compactMoney(v, currency, lang)) },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: false },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 320 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [budget, currency, minorUnit, props.start, lang, t]);

  return <div ref={box} class="budget-chart" aria-hidden="true" />;
}
