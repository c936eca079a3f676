/**
 * Export of the console's tables: every table a page shows can be
 * downloaded as CSV (UTF-8 with a byte-order mark, so Excel in a Russian
 * locale reads Cyrillic right; comma-separated, RFC 4180 quoting) and as
 * XLSX (lib/download.ts saves them). The XLSX writer (write-excel-file, see docs/decisions/0012) is
 * loaded on the first XLSX download only: it is not part of the first load.
 *
 * A table states its columns' kinds, so money stays exact and typed: a money
 * cell is a decimal in major units ("45000000.00", use majorUnits() of
 * lib/format.ts), never minor units and never a formatted string.
 */

export type ColumnKind = 'text' | 'money' | 'number' | 'date';

export interface ExportColumn {
  /** The row field this column shows. */
  readonly key: string;
  /** The header, in the page's language. */
  readonly label: string;
  /** text (default); money: a decimal in major units; number: a decimal; date: YYYY-MM-DD (other text is kept as text). */
  readonly kind?: ColumnKind;
}

export interface ExportTable {
  /** The file's name without extension (and the XLSX sheet's name). */
  readonly name: string;
  readonly columns: readonly ExportColumn[];
  readonly rows: readonly Readonly<Record<string, string | number>>[];
}

const BOM = '\uFEFF';
const DECIMAL = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** A cell a spreadsheet would run as a formula (CSV injection): =, +, -, @, tab, carriage return first. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A cell's text as the CSV carries it: numbers as plain decimals, text guarded against formula injection. */
function cellText(value: string | number | undefined, kind: ColumnKind): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? numberText(value) : value;
  if ((kind === 'money' || kind === 'number') && DECIMAL.test(text)) return text;
  if (kind === 'date' && DAY.test(text)) return text;
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** A JS number as a plain decimal (never exponent notation). */
function numberText(n: number): string {
  if (!Number.isFinite(n)) return '';
  const s = String(n);
  return /e/i.test(s) ? n.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 20 }) : s;
}

/** RFC 4180: a field with a comma, a quote or a line break is quoted, its quotes doubled. */
function quoted(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** The table as CSV text: BOM, header line, one line per row, CRLF line ends (RFC 4180). */
export function toCsv(table: ExportTable): string {
  const lines = [table.columns.map((c) => quoted(cellText(c.label, 'text')))];
  for (const row of table.rows) {
    lines.push(table.columns.map((c) => quoted(cellText(row[c.key], c.kind ?? 'text'))));
  }
  return `${BOM}${lines.map((l) => l.join(',')).join('\r\n')}\r\n`;
}

/** A cell of the XLSX sheet: typed value and number format (write-excel-file's cell objects). */
export interface XlsxCell {
  readonly value?: string | number | Date;
  readonly type?: StringConstructor | NumberConstructor | DateConstructor;
  readonly format?: string;
  readonly fontWeight?: 'bold';
}

/**
 * The table as XLSX rows: a bold header, then money as numbers with two
 * decimals and grouping, numbers as numbers, days as dates (dd.mm.yyyy),
 * everything else as text. A money or number cell that is not a decimal
 * stays text rather than becoming a wrong number.
 */
export function xlsxRows(table: ExportTable): XlsxCell[][] {
  const header = table.columns.map((c) => ({ value: c.label, type: String, fontWeight: 'bold' as const }));
  const body = table.rows.map((row) =>
    table.columns.map((c): XlsxCell => {
      const v = row[c.key];
      if (v === undefined || v === '') return { type: String };
      const kind = c.kind ?? 'text';
      const text = typeof v === 'number' ? numberText(v) : v;
      if ((kind === 'money' || kind === 'number') && DECIMAL.test(text)) {
        const decimals = text.includes('.') ? (text.split('.')[1] as string).length : 0;
        const format =
          kind === 'money'
            ? `#,##0.${'0'.repeat(Math.max(decimals, 2))}`
            : decimals === 0
              ? '0'
              : `0.${'0'.repeat(decimals)}`;
        return { value: Number(text), type: Number, format };
      }
      const day = kind === 'date' ? DAY.exec(text) : null;
      if (day !== null) {
        return {
          value: new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]))),
          type: Date,
          format: 'dd.mm.yyyy',
        };
      }
      return { value: text, type: String };
    }),
  );
  return [header, ...body];
}

/** A file name from a table's name: letters, digits, dot, hyphen, underscore; others become hyphens. */
export function fileName(name: string, extension: 'csv' | 'xlsx'): string {
  const base = name.replace(/[^\p{L}\p{N}._-]+/gu, '-').replace(/^-+|-+$/g, '') || 'table';
  return `${base.slice(0, 120)}.${extension}`;
}

/** An XLSX sheet's name: at most 31 characters, none of []:*?/\. */
export function sheetName(name: string): string {
  return name.replace(/[[\]:*?/\\]/g, '-').slice(0, 31) || 'Sheet1';
}

/** Writes the XLSX with the writer loaded on demand (its own chunk). */
export async function xlsxBlob(table: ExportTable): Promise<Blob> {
  const { default: writeXlsxFile } = await import('write-excel-file/browser');
  const widths = table.columns.map((c) => {
    const longest = Math.max(c.label.length, ...table.rows.map((r) => String(r[c.key] ?? '').length));
    return { width: Math.min(Math.max(longest + 2, 10), 60) };
  });
  return writeXlsxFile(xlsxRows(table) as never, { sheet: sheetName(table.name), columns: widths }).toBlob();
}
