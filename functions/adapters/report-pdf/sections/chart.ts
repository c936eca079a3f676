/**
 * What the chart shows: the indicators' metrics (or, without indicators, the
 * metrics with a single-value target), at most six, each a panel of bars for
 * the earlier periods and this one, with its target and threshold.
 */
import type { Panel } from '../chart.ts';
import { drawPanels } from '../chart.ts';
import type { ReportContext } from '../context.ts';

interface Charted {
  readonly id: string;
  readonly threshold?: string;
}

export function chart(c: ReportContext): void {
  const charted = chartedMetrics(c);
  if (charted.length === 0) return;
  const panels = charted.slice(0, 6).map((m) => panelOf(c, m));
  c.w.heading(c.t.chart, 200);
  drawPanels(c.w, c.f, c.t, panels);
}

/** The indicators' metrics, once each with the first indicator's threshold; else the metrics with a plain target. */
function chartedMetrics({ report }: ReportContext): Charted[] {
  const charted: Charted[] = [];
  for (const i of report.evaluation.indicators) {
    if (!charted.some((c) => c.id === i.metric)) charted.push({ id: i.metric, threshold: i.threshold });
  }
  if (charted.length === 0) {
    for (const m of report.evaluation.metrics) {
      if (m.target !== undefined && m.unit !== 'groups' && m.unit !== 'money') charted.push({ id: m.id });
    }
  }
  return charted;
}

function panelOf(
  { t, f, report, options, metricOf, unitOf, titleOf }: ReportContext,
  { id, threshold }: Charted,
): Panel {
  const period = report.period.id;
  const history = (options.history ?? []).filter((h) => h.period !== period);
  const m = metricOf(id);
  const unit = unitOf(id);
  const target = m?.target ?? report.contract.spec.metrics.find((x) => x.id === id)?.target;
  const direction = target?.direction === 'at-most' ? 'at-most' : 'at-least';
  const parts = [
    ...(target === undefined ? [] : [`${t.legendTarget} ${f.target(unit, target)}`]),
    ...(threshold === undefined ? [] : [`${t.legendThreshold} ${f.target(unit, { value: threshold, direction })}`]),
  ];
  return {
    title: titleOf(id),
    subtitle: parts.join(' · ') || id,
    unit,
    direction,
    target: target?.value,
    threshold,
    bars: [
      ...history.map((h) => ({ label: h.period, value: h.metrics[id], current: false })),
      { label: period, value: m?.value, current: true },
    ],
  };
}
