/**
 * Exporting tables people read (payments, an evaluation's outcomes, evidence
 * batches) as a spreadsheet: XLSX with typed cells (numbers as numbers,
 * dates as dates, money as numbers in major units with a currency number
 * format, so Excel sums and sorts them) and CSV (RFC 4180: CRLF, quoted
 * where needed, UTF-8 with a byte-order mark so Excel reads Cyrillic).
 *
 * A table says what each column holds; the callers (cli/roles/*) build
 * tables, this module only writes them. exceljs (about 1.2 MB) is imported
 * on the first workbook, so a CSV or a plain table never loads it.
 */
import type ExcelJS from 'exceljs';

/**
 * What a column holds: `money` cells are integer strings of minor units
 * (kopecks), written in major units; `date` cells are YYYY-MM-DD; `datetime`
 * cells are ISO 8601 instants (UTC).
 */
export type ColumnKind = 'text' | 'number' | 'money' | 'date' | 'datetime';

export interface ExportColumn {
  readonly label: string;
  readonly kind: ColumnKind;
  /** money: the ISO currency code (shown in the number format) and its minor unit (digits after the point). */
  readonly currency?: string;
  readonly minorUnit?: number;
}

export type ExportCell = string | number | undefined;

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
function csvText(cell: ExportCell, column: ExportColumn): string {
  if (cell === undefined || cell === '') return '';
  if (column.kind === 'money') return majorUnits(String(cell), column.minorUnit ?? 2);
  return String(cell);
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

const DATE_FORMAT = 'yyyy-mm-dd';
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';

/** A money column's number format: thousands grouped, the minor unit's digits, the currency after. */
function moneyFormat(c: ExportColumn): string {
  const places = c.minorUnit ?? 2;
  const number = places === 0 ? '#,##0' : `#,##0.${'0'.repeat(places)}`;
  return c.currency === undefined ? number : `${number} "${c.currency}"`;
}

/** A cell's typed value; text that does not parse as its kind stays text rather than failing the export. */
function xlsxValue(cell: ExportCell, c: ExportColumn): ExcelJS.CellValue {
  if (cell === undefined || cell === '') return null;
  switch (c.kind) {
    case 'number': {
      const n = typeof cell === 'number' ? cell : Number(cell);
      return Number.isFinite(n) ? n : String(cell);
    }
    case 'money':
      return /^-?\d+$/.test(String(cell)) ? Number(majorUnits(String(cell), c.minorUnit ?? 2)) : String(cell);
    case 'date':
    case 'datetime': {
      const s = String(cell);
      const at = new Date(c.kind === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s);
      return Number.isNaN(at.getTime()) ? s : at;
    }
    default:
      return String(cell);
  }
}

function numFmt(c: ExportColumn): string | undefined {
  if (c.kind === 'money') return moneyFormat(c);
  if (c.kind === 'date') return DATE_FORMAT;
  if (c.kind === 'datetime') return DATETIME_FORMAT;
  return undefined;
}

/** Sheet names Excel accepts: at most 31 characters, none of []:*?/\, unique in the workbook. */
function sheetName(name: string, taken: Set<string>): string {
  const base = name.replace(/[[\]:*?/\\]/g, '-').slice(0, 31) || 'Sheet';
  let candidate = base;
  for (let i = 2; taken.has(candidate.toLowerCase()); i++) candidate = `${base.slice(0, 28)} ${i}`;
  taken.add(candidate.toLowerCase());
  return candidate;
}

/** Tables as one workbook, a sheet each: a bold frozen header, typed cells, widths fitted to the text. */
export async function tablesXlsx(tables: readonly ExportTable[]): Promise<Uint8Array> {
  const { default: Excel } = await import('exceljs');
  const workbook = new Excel.Workbook();
  const taken = new Set<string>();
  for (const table of tables) {
    const sheet = workbook.addWorksheet(sheetName(table.name, taken));
    sheet.addRow(table.columns.map((c) => c.label));
    sheet.getRow(1).font = { bold: true };
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
    for (const row of table.rows) sheet.addRow(table.columns.map((c, i) => xlsxValue(row[i], c)));
    table.columns.forEach((c, i) => {
      const column = sheet.getColumn(i + 1);
      const format = numFmt(c);
      // Per cell below the header: a column format would also restyle the header.
      if (format !== undefined) {
        for (let r = 2; r <= table.rows.length + 1; r++) sheet.getCell(r, i + 1).numFmt = format;
      }
      const widest = Math.max(
        c.label.length,
        ...table.rows.map((row) =>
          c.kind === 'datetime' ? 19 : csvText(row[i], c).length + (c.kind === 'money' ? 6 : 0),
        ),
      );
      column.width = Math.max(10, Math.min(60, widest + 2));
    });
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** One table as a workbook. */
export const tableXlsx = (table: ExportTable) => tablesXlsx([table]);
