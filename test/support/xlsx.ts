/** XLSX workbooks for tests, built with exceljs as Excel would save them. */
import ExcelJS from 'exceljs';

/** A cell: a value, or a value with an Excel number format (a date serial shown as a date, say). */
export type TestCell = ExcelJS.CellValue | { readonly value: ExcelJS.CellValue; readonly numFmt: string };

export interface TestSheet {
  readonly name: string;
  /** Rows from row 1; `undefined` leaves a row empty. */
  readonly rows: readonly (readonly TestCell[] | undefined)[];
}

const isFormatted = (cell: TestCell): cell is { value: ExcelJS.CellValue; numFmt: string } =>
  typeof cell === 'object' && cell !== null && !(cell instanceof Date) && 'numFmt' in cell;

/** The bytes of a workbook of these sheets, in this order. */
export async function workbookBytes(sheets: readonly TestSheet[]): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  for (const { name, rows } of sheets) {
    const sheet = workbook.addWorksheet(name);
    for (const [r, row] of rows.entries()) {
      for (const [c, cell] of (row ?? []).entries()) {
        const target = sheet.getCell(r + 1, c + 1);
        if (isFormatted(cell)) {
          target.value = cell.value;
          target.numFmt = cell.numFmt;
        } else target.value = cell as ExcelJS.CellValue;
      }
    }
  }
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

/** An Excel date serial (days since 1899-12-30) of a YYYY-MM-DD day, shown as dd.mm.yyyy as Russian Excel does. */
export function excelDate(day: string): TestCell {
  return { value: Date.parse(`${day}T00:00:00Z`) / 86_400_000 + 25_569, numFmt: 'dd.mm.yyyy' };
}
