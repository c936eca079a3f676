/**
 * An evaluation result as the evaluator reads it before and after recording
 * it: the outcome and money tables of the ministry's payment page
 * (payment-outcomes.tsx, payment-money.tsx, over the result's public
 * summary, the same aggregates a report carries), and a chart of each
 * rate against its target (uPlot; the canvas is hidden from screen readers,
 * the metrics table beside it carries the same figures).
 */
import 'uplot/dist/uPlot.min.css';
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { publicSummary } from '#reports';
import { useSession } from '../../app.tsx';
import { type Lang, useLang } from '../../i18n.tsx';
import { metricTitle } from '../ministry/data.ts';
import type { Loaded } from '../ministry/payment-load.ts';
import { MoneyTables } from '../ministry/payment-money.tsx';
import { OutcomeTables } from '../ministry/payment-outcomes.tsx';
import { paymentView } from '../ministry/payment-view.tsx';
import type { ContractItem, ContractVersion, EvaluationResult, PaymentStatus } from './eval-data.ts';

/** The facts a result's tables rest on: the result, what its entry names (or would), and the contract's context. */
export interface ResultFacts {
  readonly contract: string;
  readonly item?: ContractItem;
  readonly version: ContractVersion;
  readonly result: EvaluationResult;
  readonly sha256: string;
  readonly summary: string;
  /** The payment's id: the entry's seq (recorded), or the checkpoint's size (what a recording would get). */
  readonly payment: number;
  readonly payments: readonly PaymentStatus[];
}

/** The result as a payment page's view (payment-view.tsx) reads it: its public summary and the status its entry gives. */
function asLoaded(f: ResultFacts, subject: string): Loaded {
  const { result } = f;
  const status: PaymentStatus = {
    payment: f.payment,
    period: result.period.id,
    result: f.sha256,
    summary: f.summary,
    total: result.payments.total,
    currency: result.payments.currency,
    minorUnit: result.payments.minorUnit,
    contract: { version: result.contract.version, hash: result.contract.hash },
    checkpoint: result.checkpoint.size,
    state: 'calculated',
    steps: [],
    calculatedBy: { sub: subject, role: 'evaluator' },
    calculatedAt: new Date().toISOString(),
    latest: true,
  };
  return {
    answer: {
      status,
      summary: publicSummary(result),
      contract: { version: f.version.version, hash: f.version.hash, spec: f.version.spec },
      signatures: [],
    },
    payments: f.payments.filter((p) => p.payment !== f.payment),
    ...(f.item === undefined ? {} : { contract: f.item }),
  };
}

export function ResultTables(props: { facts: ResultFacts }) {
  const { t, lang } = useLang();
  const session = useSession();
  const loaded = useMemo(() => asLoaded(props.facts, session?.subject ?? ''), [props.facts, session?.subject]);
  const v = paymentView(loaded, props.facts.contract, t, lang);
  return (
    <>
      <RatesChart loaded={loaded} lang={lang} />
      <OutcomeTables v={v} />
      <MoneyTables v={v} />
    </>
  );
}

/** Each rate metric's value and its target, as bars and marks: the chart the tables below spell out. */
function RatesChart(props: { loaded: Loaded; lang: Lang }) {
  const { t } = useLang();
  const e = t.evaluator.chart;
  const box = useRef<HTMLDivElement>(null);
  const { summary, contract } = props.loaded.answer;
  const rates = summary.metrics.filter((m) => m.unit === 'rate');
  useEffect(() => {
    const el = box.current;
    if (el === null || rates.length === 0) return;
    const names = rates.map((m) => metricTitle(contract.spec, props.lang, m.id));
    const short = (s: string) => (s.length > 28 ? `${s.slice(0, 27)}…` : s);
    const pct = (v: number) =>
      new Intl.NumberFormat(props.lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 0 }).format(v * 100) +
      '%';
    const xs = rates.map((_, i) => i);
    const data: uPlot.AlignedData = [
      xs,
      rates.map((m) => Number(m.value)),
      rates.map((m) => (m.target === undefined ? null : Number(m.target.value))),
    ];
    const bars = uPlot.paths.bars?.({ size: [0.5, 80] });
    const width = () => Math.max(280, Math.min(el.clientWidth, 1100));
    const plot = new uPlot(
      {
        width: width(),
        height: 260,
        padding: [12, 24, 0, 8],
        series: [
          { label: e.metric, value: (_u, v) => (v == null ? '' : (names[v] ?? '')) },
          {
            label: e.value,
            stroke: '#0b5cad',
            fill: 'rgba(11, 92, 173, 0.35)',
            width: 2,
            ...(bars === undefined ? {} : { paths: bars }),
            points: { show: false },
            value: (_u, v) => (v == null ? '—' : pct(v)),
          },
          {
            label: e.target,
            stroke: '#a4161a',
            width: 0,
            paths: () => null,
            points: { show: true, size: 14, width: 3, fill: '#ffffff', stroke: '#a4161a' },
            value: (_u, v) => (v == null ? '—' : pct(v)),
          },
        ],
        scales: {
          x: { time: false, range: () => [-0.5, rates.length - 0.5] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [
          { splits: () => xs, values: (_u, splits) => splits.map((v) => short(names[v] ?? '')) },
          { size: 60, values: (_u, splits) => splits.map(pct) },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: false },
      },
      data,
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: width(), height: 260 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [summary, contract, props.lang, t]);
  if (rates.length === 0) return null;
  return (
    <figure class="eval-chart">
      <div ref={box} aria-hidden="true" />
      <figcaption class="muted small">{e.caption}</figcaption>
    </figure>
  );
}
