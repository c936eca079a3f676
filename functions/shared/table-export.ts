/**
 * Tables people read (payments, an evaluation's outcomes, evidence batches)
 * as exports: what each column holds (text, number, money, date), and the
 * CSV (RFC 4180: CRLF, quoted where needed, UTF-8 with a byte-order mark so
 * Excel reads Cyrillic). The XLSX writer, typed cells, is
 * functions/adapters/xlsx/tables.ts (exceljs, a lazy chunk: xlsx-batch.ts).
 * export-tables.ts builds the tables; the role commands and the API write them.
 */

/**
 * What a column holds: `money` cells are integer strings of minor units
 * (kopecks), written in major units; `percent` cells are fractions (0.5 is
 * 50%); `date` cells are YYYY-MM-DD; `datetime` cells are ISO 8601 instants
 * (UTC).
 */
export type ColumnKind = 'text' | 'number' | 'percent' | 'money' | 'date' | 'datetime';

/** How a value is written: its kind and, for money, the currency. */
export interface CellType {
  readonly kind: ColumnKind;
  /** money: the ISO currency code (shown in the number format) and its minor unit (digits after the point). */
  readonly currency?: string;
  readonly minorUnit?: number;
}

export interface ExportColumn extends CellType {
  readonly label: string;
}

/** A cell of its own type, in a column of mixed units (an evaluation's values: rates, counts, money). */
export interface TypedCell extends CellType {
  readonly value: string | number;
}

export type ExportCell = string | number | undefined | TypedCell;

/** A cell's value and the type it is written as: its own, else its column's. */
export function cellOf(cell: ExportCell, column: ExportColumn): { value: string | number | undefined; type: CellType } {
  return typeof cell === 'object' ? { value: cell.value, type: cell } : { value: cell, type: column };
}

export interface ExportTable {
  /** The sheet's name (at most 31 characters, no []:*?/\). */
  readonly name: string;
  readonly columns: readonly ExportColumn[];
  readonly rows: readonly (readonly ExportCell[])[];
}

export type ExportFormat = 'table' | 'xlsx' | 'csv';

/** Minor units (an integer string) as a decimal string of major units: "450000012", 2 → "4500000.12". */
export function majorUnits(minor: string, minorUnit: number): string {
  if (!/^-?\d+$/.test(minor)) throw new Error(`not an amount in minor units: ${minor}`);
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(minorUnit + 1, '0');
  const whole = digits.slice(0, digits.length - minorUnit).replace(/^0+(?=\d)/, '');
  const sign = negative ? '-' : '';
  return minorUnit === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - minorUnit)}`;
}

/** A cell as CSV text: money in major units with a point, dates and numbers as given. */
export function csvText(cell: ExportCell, column: ExportColumn): string {
  const { value, type } = cellOf(cell, column);
  if (value === undefined || value === '') return '';
  if (type.kind === 'money') return majorUnits(String(value), type.minorUnit ?? 2);
  return String(value);
}

/** RFC 4180: a field with a quote, comma or line break is quoted, its quotes doubled. */
const csvField = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);

/** The header names a money column's currency, since a CSV cell cannot. */
const csvLabel = (c: ExportColumn) =>
  c.kind === 'money' && c.currency !== undefined ? `${c.label} (${c.currency})` : c.label;

/** A table as CSV text (with the byte-order mark): the header, then one line per row, each ended by CRLF. */
export function tableCsv(table: ExportTable): string {
  const line = (fields: readonly string[]) => `${fields.map(csvField).join(',')}\r\n`;
  return `\uFEFF${line(table.columns.map(csvLabel))}${table.rows
    .map((row) => line(table.columns.map((c, i) => csvText(row[i], c))))
    .join('')}`;
}
