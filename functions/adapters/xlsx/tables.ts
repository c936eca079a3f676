/**
 * Tables (functions/shared/table-export.ts) as an XLSX workbook, a sheet
 * each, with typed cells: numbers as numbers, dates as dates, money as
 * numbers in major units with a currency number format, so Excel sums and
 * sorts them. Loaded through xlsx-batch.ts (a lazy chunk of the functions).
 */
import ExcelJS from 'exceljs';
import { type CellType, cellOf, csvText, type ExportTable, majorUnits } from '../../shared/table-export.ts';

const DATE_FORMAT = 'yyyy-mm-dd';
const DATETIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
const PERCENT_FORMAT = '0.0%';

/** A money column's number format: thousands grouped, the minor unit's digits, the currency after. */
function moneyFormat(c: CellType): string {
  const places = c.minorUnit ?? 2;
  const number = places === 0 ? '#,##0' : `#,##0.${'0'.repeat(places)}`;
  return c.currency === undefined ? number : `${number} "${c.currency}"`;
}

/** A cell's typed value; text that does not parse as its kind stays text rather than failing the export. */
function xlsxValue(cell: string | number | undefined, c: CellType): ExcelJS.CellValue {
  if (cell === undefined || cell === '') return null;
  switch (c.kind) {
    case 'number':
    case 'percent': {
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

function numFmt(c: CellType): string | undefined {
  if (c.kind === 'money') return moneyFormat(c);
  if (c.kind === 'percent') return PERCENT_FORMAT;
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
  const workbook = new ExcelJS.Workbook();
  const taken = new Set<string>();
  for (const table of tables) {
    const sheet = workbook.addWorksheet(sheetName(table.name, taken));
    sheet.addRow(table.columns.map((c) => c.label));
    sheet.getRow(1).font = { bold: true };
    sheet.views = [{ state: 'frozen', ySplit: 1 }];
    for (const [r, row] of table.rows.entries()) {
      table.columns.forEach((c, i) => {
        const { value, type } = cellOf(row[i], c);
        const cell = sheet.getCell(r + 2, i + 1);
        cell.value = xlsxValue(value, type);
        // Per cell, not per column: a column format would also restyle the header, and a cell may have its own type.
        const format = numFmt(type);
        if (format !== undefined && cell.value !== null) cell.numFmt = format;
      });
    }
    table.columns.forEach((c, i) => {
      const column = sheet.getColumn(i + 1);
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
