/**
 * Text on the page: the Writer keeps the cursor (y) of a pdfkit document,
 * picks font, size and colour, measures and places text blocks, starts new
 * pages when a block would not fit, and draws the report's recurring blocks
 * (paragraphs, notes, headings, label-value pairs). The cell shapes tables
 * and pairs are described with live here too.
 */
import type { FontName } from './fonts.ts';
import { BOTTOM, COLOR, CONTENT_WIDTH, MARGIN, SIZE } from './layout.ts';

export type Align = 'left' | 'right' | 'center';

export interface Cell {
  readonly text: string;
  /** A second, smaller grey line (ids, notes). */
  readonly sub?: string;
  readonly font?: FontName;
  readonly color?: string;
  readonly align?: Align;
}
export type CellInput = string | Cell;

export const cellOf = (c: CellInput): Cell => (typeof c === 'string' ? { text: c } : c);

export class Writer {
  readonly doc: PDFKit.PDFDocument;
  y: number = MARGIN.top;
  constructor(doc: PDFKit.PDFDocument) {
    this.doc = doc;
  }

  use(font: FontName, size: number, color: string = COLOR.ink): this {
    this.doc.font(font).fontSize(size).fillColor(color);
    return this;
  }

  newPage(): void {
    this.doc.addPage();
    this.y = MARGIN.top;
  }

  /** Starts a new page unless `height` fits below the cursor. */
  ensure(height: number): void {
    if (this.y + height > BOTTOM) this.newPage();
  }

  /** Height of a text block at the current font. */
  measure(text: string, width: number): number {
    return this.doc.heightOfString(text, { width, lineGap: 1 });
  }

  /** Writes a text block at (x, y) within `width`; returns its height. Never breaks the page itself. */
  put(text: string, x: number, y: number, width: number, align: Align = 'left'): number {
    const h = this.measure(text, width);
    this.doc.text(text, x, y, { width, align, lineGap: 1 });
    return h;
  }

  paragraph(text: string, font: FontName = 'regular', size: number = SIZE.body, color: string = COLOR.ink): void {
    this.use(font, size, color);
    const h = this.measure(text, CONTENT_WIDTH);
    this.ensure(h);
    this.put(text, MARGIN.left, this.y, CONTENT_WIDTH);
    this.y += h + 3;
  }

  /** A small grey paragraph under a table (footnotes, explanations). */
  note(text: string): void {
    this.paragraph(text, 'regular', SIZE.small, COLOR.muted);
  }

  /** A section heading, kept with at least `keep` points of what follows. */
  heading(text: string, keep = 60): void {
    this.y += 10;
    this.use('bold', SIZE.heading, COLOR.accent);
    const h = this.measure(text, CONTENT_WIDTH);
    this.ensure(h + 6 + keep);
    this.put(text, MARGIN.left, this.y, CONTENT_WIDTH);
    this.y += h + 2;
    this.rule(COLOR.accent, 0.8);
    this.y += 6;
  }

  /** A bold title over a table within a section, kept with the start of the table. */
  subheading(text: string): void {
    this.y += 4;
    this.use('bold', SIZE.body, COLOR.ink);
    this.ensure(40);
    this.y += this.put(text, MARGIN.left, this.y, CONTENT_WIDTH) + 3;
  }

  /** Label: value lines, the value wrapped in its column. */
  pairs(rows: readonly (readonly [string, CellInput])[], labelWidth = 150): void {
    for (const [label, input] of rows) this.pair(label, cellOf(input), labelWidth);
  }

  private pair(label: string, cell: Cell, labelWidth: number): void {
    const valueWidth = CONTENT_WIDTH - labelWidth;
    const x = MARGIN.left + labelWidth;
    this.use('bold', SIZE.body, COLOR.muted);
    const hl = this.measure(label, labelWidth - 8);
    this.useValue(cell);
    const hv = this.measure(cell.text, valueWidth);
    let hs = 0;
    if (cell.sub !== undefined) {
      this.use('regular', SIZE.small);
      hs = this.measure(cell.sub, valueWidth) + 1;
    }
    const h = Math.max(hl, hv + hs);
    this.ensure(h);
    this.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left, this.y, labelWidth - 8);
    this.useValue(cell);
    this.put(cell.text, x, this.y, valueWidth);
    if (cell.sub !== undefined)
      this.use('regular', SIZE.small, COLOR.muted).put(cell.sub, x, this.y + hv + 1, valueWidth);
    this.y += h + 3;
  }

  /** The font of a pair's value: its cell's, mono a half point smaller. */
  private useValue(cell: Cell): void {
    this.use(cell.font ?? 'regular', cell.font === 'mono' ? SIZE.body - 0.5 : SIZE.body, cell.color ?? COLOR.ink);
  }

  /** A horizontal line across the content width at the cursor. */
  rule(color: string, width: number): void {
    this.doc
      .moveTo(MARGIN.left, this.y)
      .lineTo(MARGIN.left + CONTENT_WIDTH, this.y)
      .lineWidth(width)
      .strokeColor(color)
      .stroke();
  }
}
