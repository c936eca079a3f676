/**
 * Tables: a shaded header row, rows of cells (each with an optional second,
 * smaller line), alternate stripes, and page breaks between rows that repeat
 * the header; a row never splits across pages.
 */
import { BOTTOM, COLOR, CONTENT_WIDTH, MARGIN, SIZE } from './layout.ts';
import { type Align, type CellInput, cellOf, type Writer } from './writer.ts';

export interface Column {
  readonly header: string;
  readonly width: number;
  readonly align?: Align;
}

export interface TableOptions {
  /** Which rows are striped; by default every second row. */
  readonly stripes?: readonly boolean[];
}

const PAD = { x: 4, y: 3.5 };

/** Draws a table at the cursor, breaking it across pages as needed. */
export function table(
  w: Writer,
  columns: readonly Column[],
  rows: readonly (readonly CellInput[])[],
  options: TableOptions = {},
): void {
  const heights = rows.map((row) => rowHeight(w, columns, row));
  w.ensure(headerHeight(w, columns) + (heights[0] ?? 0));
  drawHeader(w, columns);
  rows.forEach((row, r) => {
    const h = heights[r] ?? 0;
    if (w.y + h > BOTTOM) {
      w.newPage();
      drawHeader(w, columns);
    }
    drawRow(w, columns, row, h, options.stripes?.[r] ?? r % 2 === 1);
  });
  w.y += 4;
}

function headerHeight(w: Writer, columns: readonly Column[]): number {
  w.use('bold', SIZE.table);
  return Math.max(...columns.map((c) => w.measure(c.header, c.width - 2 * PAD.x))) + 2 * PAD.y;
}

function drawHeader(w: Writer, columns: readonly Column[]): void {
  const h = headerHeight(w, columns);
  w.doc.rect(MARGIN.left, w.y, CONTENT_WIDTH, h).fill(COLOR.headerFill);
  let x = MARGIN.left;
  w.use('bold', SIZE.table, COLOR.ink);
  for (const c of columns) {
    w.put(c.header, x + PAD.x, w.y + PAD.y, c.width - 2 * PAD.x, c.align ?? 'left');
    x += c.width;
  }
  w.y += h;
  w.rule(COLOR.muted, 0.7);
}

/** The height of a row: its tallest cell, with padding. */
function rowHeight(w: Writer, columns: readonly Column[], row: readonly CellInput[]): number {
  return columns.reduce((max, c, i) => {
    const cell = cellOf(row[i] ?? '');
    const width = c.width - 2 * PAD.x;
    w.use(cell.font ?? 'regular', SIZE.table);
    let h = w.measure(cell.text || ' ', width);
    if (cell.sub !== undefined) {
      w.use('regular', SIZE.small);
      h += w.measure(cell.sub, width) + 1;
    }
    return Math.max(max, h + 2 * PAD.y);
  }, 0);
}

function drawRow(w: Writer, columns: readonly Column[], row: readonly CellInput[], h: number, striped: boolean): void {
  if (striped) w.doc.rect(MARGIN.left, w.y, CONTENT_WIDTH, h).fill(COLOR.stripe);
  let x = MARGIN.left;
  columns.forEach((c, i) => {
    const cell = cellOf(row[i] ?? '');
    const width = c.width - 2 * PAD.x;
    const align = cell.align ?? c.align ?? 'left';
    w.use(cell.font ?? 'regular', SIZE.table, cell.color ?? COLOR.ink);
    const used = w.put(cell.text, x + PAD.x, w.y + PAD.y, width, align);
    if (cell.sub !== undefined) {
      w.use('regular', SIZE.small, COLOR.muted).put(cell.sub, x + PAD.x, w.y + PAD.y + used + 1, width, align);
    }
    x += c.width;
  });
  w.y += h;
  w.rule(COLOR.rule, 0.4);
}
