/**
 * The bar chart of figures by period: panels of bars (earlier periods pale,
 * this period solid, green where the threshold is reached, red where not),
 * the target (solid) and threshold (dashed) lines, the figures over the bars,
 * up to three panels a row, and the legend under them. What goes into the
 * panels is the chart section's business (sections/chart.ts).
 */
import type { MetricUnit } from '#contracts';
import { Decimal } from '#kernel';
import type { Format } from './format.ts';
import { COLOR, CONTENT_WIDTH, MARGIN, SIZE } from './layout.ts';
import type { Words } from './locales/words.ts';
import type { Writer } from './writer.ts';

export interface Bar {
  readonly label: string;
  readonly value: string | undefined;
  readonly current: boolean;
}

export type Direction = 'at-least' | 'at-most';

export interface Panel {
  readonly title: string;
  readonly subtitle: string;
  readonly unit: MetricUnit;
  readonly direction: Direction;
  readonly target: string | undefined;
  readonly threshold: string | undefined;
  readonly bars: readonly Bar[];
}

const GAP = 16;
const PLOT_HEIGHT = 118;
const AXIS_WIDTH = 34;

/** Where a panel's plot is on the page, and how values map onto it. */
interface Plot {
  readonly x0: number;
  readonly left: number;
  readonly width: number;
  readonly base: number;
  readonly step: number;
  readonly max: number;
  /** Width of one bar's slot, and the centre of the i-th slot. */
  readonly slot: number;
  readonly centre: (i: number) => number;
  readonly yOf: (v: number) => number;
}

/** Draws the panels, then the legend (and, with earlier periods, a note on the bars). */
export function drawPanels(w: Writer, f: Format, t: Words, panels: readonly Panel[]): void {
  const perRow = Math.min(3, panels.length);
  const panelWidth = perRow === 1 ? CONTENT_WIDTH / 2 : (CONTENT_WIDTH - GAP * (perRow - 1)) / perRow;
  for (let start = 0; start < panels.length; start += perRow) {
    drawRow(w, f, t, panels.slice(start, start + perRow), panelWidth);
  }
  drawLegend(w, t);
  if (panels.some((p) => p.bars.length > 1)) w.note(t.chartNote);
}

/** A row of panels, their titles and subtitles aligned, kept on one page. */
function drawRow(w: Writer, f: Format, t: Words, row: readonly Panel[], panelWidth: number): void {
  w.use('bold', SIZE.table);
  const titleHeight = Math.max(...row.map((p) => w.measure(p.title, panelWidth)));
  w.use('regular', SIZE.small);
  const subtitleHeight = Math.max(...row.map((p) => w.measure(p.subtitle, panelWidth)));
  const total = titleHeight + subtitleHeight + 8 + PLOT_HEIGHT + 18;
  w.ensure(total);
  const top = w.y;
  row.forEach((p, k) => {
    const x0 = MARGIN.left + k * (panelWidth + GAP);
    w.use('bold', SIZE.table, COLOR.ink).put(p.title, x0, top, panelWidth);
    w.use('regular', SIZE.small, COLOR.muted).put(p.subtitle, x0, top + titleHeight + 2, panelWidth);
    const plot = plotOf(p, x0, top + titleHeight + subtitleHeight + 8, panelWidth);
    drawGrid(w, f, p, plot);
    drawBars(w, p, plot);
    if (p.target !== undefined) drawLine(w, plot, p.target, false);
    if (p.threshold !== undefined && p.threshold !== p.target) drawLine(w, plot, p.threshold, true);
    drawFigures(w, f, t, p, plot);
  });
  w.y = top + total;
}

/** The smallest step of 1, 2, 2.5 or 5 × 10^k that reaches `max` in at most five intervals. */
function niceStep(max: number): number {
  const power = 10 ** Math.floor(Math.log10(max / 5));
  for (const unit of [1, 2, 2.5, 5, 10]) if (Math.ceil(max / (unit * power) - 1e-9) <= 5) return unit * power;
  return 10 * power;
}

/** The plot of a panel at `x0`, from `plotTop` down: its scale reaches over every bar and line with some room. */
function plotOf(p: Panel, x0: number, plotTop: number, panelWidth: number): Plot {
  const left = x0 + AXIS_WIDTH;
  const width = panelWidth - AXIS_WIDTH - 4;
  const base = plotTop + PLOT_HEIGHT;
  const numbers = [
    ...p.bars.flatMap((b) => (b.value === undefined ? [] : [Number(b.value)])),
    ...(p.target === undefined ? [] : [Number(p.target)]),
    ...(p.threshold === undefined ? [] : [Number(p.threshold)]),
  ];
  const top0 = Math.max(...numbers, 0) * 1.18 || 1;
  const step = niceStep(top0);
  const max = Math.ceil(top0 / step) * step;
  const slot = width / Math.max(1, p.bars.length);
  return {
    x0,
    left,
    width,
    base,
    step,
    max,
    slot,
    centre: (i) => left + slot * i + slot / 2,
    yOf: (v) => base - (v / max) * PLOT_HEIGHT,
  };
}

/** Grid lines at each step of the scale, labelled on the axis. */
function drawGrid(w: Writer, f: Format, p: Panel, plot: Plot): void {
  const tickStep = new Decimal(plot.step).toSignificantDigits(6);
  const places = new Decimal(tickStep).times(p.unit === 'rate' ? 100 : 1).decimalPlaces();
  for (let k = 0; k * plot.step <= plot.max + plot.step / 2; k++) {
    const v = tickStep.times(k).toString();
    const y = plot.yOf(Number(v));
    w.doc
      .moveTo(plot.left, y)
      .lineTo(plot.left + plot.width, y)
      .lineWidth(0.4)
      .strokeColor(k === 0 ? COLOR.muted : COLOR.rule)
      .stroke();
    const label = p.unit === 'rate' ? f.percent(v, places) : f.decimal(v, places);
    w.use('regular', 6.5, COLOR.muted).put(label, plot.x0, y - 3.5, AXIS_WIDTH - 4, 'right');
  }
}

function reaches(value: string, bound: string, direction: Direction): boolean {
  return direction === 'at-least' ? new Decimal(value).gte(bound) : new Decimal(value).lte(bound);
}

/** The bars with their period labels under the axis; the current period solid, earlier ones pale. */
function drawBars(w: Writer, p: Panel, plot: Plot): void {
  const barWidth = Math.min(plot.slot * 0.62, 42);
  p.bars.forEach((b, i) => {
    const cx = plot.centre(i);
    w.use(b.current ? 'bold' : 'regular', 7, COLOR.ink).put(
      b.label,
      cx - plot.slot / 2,
      plot.base + 3,
      plot.slot,
      'center',
    );
    if (b.value === undefined) return;
    const bound = p.threshold ?? p.target;
    const good = bound === undefined || reaches(b.value, bound, p.direction);
    const y = plot.yOf(Number(b.value));
    w.doc
      .rect(cx - barWidth / 2, y, barWidth, plot.base - y)
      .fillOpacity(b.current ? 1 : 0.45)
      .fill(good ? COLOR.barGood : COLOR.barBad);
    w.doc.fillOpacity(1);
  });
}

/** A horizontal line across the plot at `v`: solid for a target, dashed for a threshold. */
function drawLine(w: Writer, plot: Plot, v: string, dashed: boolean): void {
  const y = plot.yOf(Number(v));
  w.doc
    .moveTo(plot.left, y)
    .lineTo(plot.left + plot.width, y)
    .lineWidth(dashed ? 0.9 : 1.2)
    .strokeColor(COLOR.ink);
  if (dashed) w.doc.dash(3, { space: 2 });
  w.doc.stroke();
  w.doc.undash();
}

/** Each bar's figure on a white label over its top (over the lines too), or "no figure" where it has none. */
function drawFigures(w: Writer, f: Format, t: Words, p: Panel, plot: Plot): void {
  p.bars.forEach((b, i) => {
    const cx = plot.centre(i);
    if (b.value === undefined) {
      w.use('regular', 6.5, COLOR.faint).put(t.noFigure, cx - plot.slot / 2, plot.base - 12, plot.slot, 'center');
      return;
    }
    const y = plot.yOf(Number(b.value));
    const label = f.figure(p.unit, b.value);
    w.use('bold', 6.5, COLOR.ink);
    const labelWidth = w.doc.widthOfString(label) + 6;
    w.doc.roundedRect(cx - labelWidth / 2, y - 11, labelWidth, 9.5, 1.5).fill('#ffffff');
    w.use('bold', 6.5, COLOR.ink).put(label, cx - plot.slot / 2, y - 9.5, plot.slot, 'center');
  });
}

/** The legend: the two bar colours, then the target and threshold lines. */
function drawLegend(w: Writer, t: Words): void {
  const { doc } = w;
  w.ensure(14);
  let x = MARGIN.left;
  const y = w.y + 2;
  const swatch = (color: string, label: string) => {
    doc.rect(x, y, 9, 7).fill(color);
    w.use('regular', SIZE.small, COLOR.ink);
    doc.text(label, x + 12, y - 0.5, { lineBreak: false });
    x += 12 + doc.widthOfString(label) + 14;
  };
  const stroke = (dashed: boolean, label: string) => {
    doc
      .moveTo(x, y + 3.5)
      .lineTo(x + 18, y + 3.5)
      .lineWidth(dashed ? 0.9 : 1.2)
      .strokeColor(COLOR.ink);
    if (dashed) doc.dash(3, { space: 2 });
    doc.stroke();
    doc.undash();
    w.use('regular', SIZE.small, COLOR.ink);
    doc.text(label, x + 22, y - 0.5, { lineBreak: false });
    x += 22 + doc.widthOfString(label) + 14;
  };
  swatch(COLOR.barGood, t.legendMet);
  swatch(COLOR.barBad, t.legendNotMet);
  stroke(false, t.legendTarget);
  stroke(true, t.legendThreshold);
  w.y += 13;
}
