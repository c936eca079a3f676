import ExcelJS from 'exceljs';
import { describeLimit, LIMITS, type Limits } from '#evidence';
import { type CsvRow, type ParsedRecord, type TableHeader, tableHeader, tableRow } from '#intake';
import type { Problem } from '#kernel';
import { cellText, columnLetter } from './cells.ts';

/**
 * An XLSX workbook as the records of one sheet: the first sheet, or the one
 * named. Its first non-empty row is the header (the CSV columns), every other
 * non-empty row a record, with `at` the sheet's row number. Cells become the
 * text a CSV cell would hold (cells.ts) and rows become records through the
 * same code as CSV rows (#intake tableHeader, tableRow), so every check after
 * parsing is shared. `locate` adds the sheet and the cell (column letter and
 * row) to any problem of these rows, found here or later.
 */

export interface XlsxBatch {
  /** The sheet read ('' when none could be). */
  readonly sheet: string;
  readonly records: ParsedRecord[];
  /** The problems of reading the sheet, by row (`at`) and field, as the CSV parser gives them: locate them before showing. */
  readonly problems: Problem[];
  /** Names each problem's sheet and cell (or row), `sheet Evidence, cell D7: …`: these and any found later in the rows. */
  readonly locate: (problems: readonly Problem[]) => Problem[];
}

export interface XlsxOptions {
  /** The sheet to read (default: the first). */
  readonly sheet?: string;
  readonly limits?: Partial<Limits>;
}

const failed = (message: string): XlsxBatch => ({
  sheet: '',
  records: [],
  problems: [{ message }],
  locate: (problems) => [...problems],
});

async function loadWorkbook(bytes: Uint8Array): Promise<ExcelJS.Workbook | undefined> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as never);
    return workbook;
  } catch {
    return undefined;
  }
}

/** Reads the batch of an XLSX file; never throws on bad input (problems instead). */
export async function readXlsxBatch(bytes: Uint8Array, options: XlsxOptions = {}): Promise<XlsxBatch> {
  const limits = { ...LIMITS, ...options.limits };
  if (bytes.length > limits.fileBytes)
    return failed(`the file is larger than ${describeLimit('fileBytes', limits.fileBytes)}`);
  const workbook = await loadWorkbook(bytes);
  if (workbook === undefined) {
    return failed('the file is not an XLSX workbook (Excel 2007 or later): save it as .xlsx, or as CSV UTF-8');
  }
  const sheets = workbook.worksheets.filter((s) => s !== undefined);
  const sheet = options.sheet === undefined ? sheets[0] : sheets.find((s) => s.name === options.sheet);
  if (sheet === undefined) {
    const names = sheets.map((s) => s.name).join(', ') || 'none';
    return failed(
      options.sheet === undefined
        ? 'the workbook has no sheet'
        : `the workbook has no sheet ${options.sheet} (its sheets: ${names})`,
    );
  }
  return new SheetRun(sheet, limits).read();
}

/** One pass over a sheet's rows. */
class SheetRun {
  readonly #sheet: ExcelJS.Worksheet;
  readonly #limits: Limits;
  #header: TableHeader | undefined;
  readonly records: ParsedRecord[] = [];
  readonly problems: Problem[] = [];
  #stopped = false;

  constructor(sheet: ExcelJS.Worksheet, limits: Limits) {
    this.#sheet = sheet;
    this.#limits = limits;
  }

  read(): XlsxBatch {
    this.#sheet.eachRow({ includeEmpty: false }, (row, at) => {
      if (!this.#stopped) this.#row(row, at);
    });
    if (!this.#stopped && this.#header === undefined) {
      this.problems.push({ message: 'the sheet is empty: expected a header row of column names' });
    } else if (!this.#stopped && this.records.length === 0 && this.problems.length === 0) {
      this.problems.push({ at: 1, message: 'the sheet has no records: an empty batch is rejected' });
    }
    const columns = this.#header?.columns ?? [];
    const name = this.#sheet.name;
    return { sheet: name, records: this.records, problems: this.problems, locate: (p) => locate(name, columns, p) };
  }

  /** The row's cells as text (up to the last non-empty one), with the problems of single cells. */
  #cells(row: ExcelJS.Row, at: number, problems: Problem[]): string[] {
    const cells: string[] = [];
    const names = this.#header?.columns;
    let bytes = 0;
    row.eachCell({ includeEmpty: false }, (cell, column) => {
      const field = names?.[column - 1] ?? `column ${columnLetter(column)}`;
      const read = cellText(cell.value);
      let text = 'text' in read ? read.text : '';
      if ('problem' in read) problems.push({ at, field, message: read.problem });
      if (text.length > this.#limits.fieldChars) {
        problems.push({
          at,
          field,
          message: `the value is longer than ${describeLimit('fieldChars', this.#limits.fieldChars)}`,
        });
        text = '';
      }
      bytes += Buffer.byteLength(text) + 1;
      while (cells.length < column - 1) cells.push('');
      cells[column - 1] = text;
    });
    if (bytes > this.#limits.recordBytes) {
      problems.push({
        at,
        message: `the row's cells hold more than ${describeLimit('recordBytes', this.#limits.recordBytes)}`,
      });
    }
    while (cells.length > 0 && cells.at(-1) === '') cells.pop();
    return cells;
  }

  #row(row: ExcelJS.Row, at: number): void {
    const problems: Problem[] = [];
    const cells = this.#cells(row, at, problems);
    if (cells.length === 0 && problems.length === 0) return; // formatted but empty
    if (this.#header === undefined) {
      this.#header = tableHeader(at, cells, problems);
      this.problems.push(...problems);
      this.#stopped = this.#header === undefined;
      return;
    }
    if (this.records.length >= this.#limits.batchRecords) {
      this.problems.push({
        at,
        message: `the sheet holds more than ${describeLimit('batchRecords', this.#limits.batchRecords)}`,
      });
      this.#stopped = true;
      return;
    }
    const width = this.#header.columns.length;
    if (cells.length > width) {
      problems.push({
        at,
        field: `column ${columnLetter(cells.length)}`,
        message: 'a value right of the last column of the header',
      });
    }
    while (cells.length < width) cells.push('');
    const result: CsvRow = tableRow(this.#header, at, cells.slice(0, width), problems, true);
    this.problems.push(...result.problems);
    if (result.value !== undefined && result.problems.length === 0) this.records.push({ at, value: result.value });
  }
}

/** `sheet S, cell D7: …` for a problem of a column the header names, `sheet S, row 7: …` for another of a row. */
function locate(sheet: string, columns: readonly string[], problems: readonly Problem[]): Problem[] {
  return problems.map((p) => {
    if (typeof p.at !== 'number') return { ...p, message: `sheet ${sheet}: ${p.message}` };
    const column = p.field === undefined ? -1 : columns.indexOf(p.field);
    const where = column >= 0 ? `cell ${columnLetter(column + 1)}${p.at}` : `row ${p.at}`;
    return { ...p, message: `sheet ${sheet}, ${where}: ${p.message}` };
  });
}
