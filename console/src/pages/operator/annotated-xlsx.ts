/**
 * A refused workbook given back annotated: every sheet as it was (each
 * cell's value, the rows in their order, at their row numbers), the batch's
 * sheet with a leading `problems` column saying each row's problems in the
 * page's language. Read with read-excel-file and written with
 * write-excel-file, both loaded on demand (their own chunks; see
 * docs/decisions/0012-web-console.md). `annotateRows` is pure, for the tests.
 */
import type { BatchProblem } from './batch-files.ts';

export type XlsxValue = string | number | boolean | Date | null;

export interface WorkbookSheet {
  readonly name: string;
  /** Row i is the sheet's row i + 1; null is an empty cell. */
  readonly rows: readonly (readonly XlsxValue[])[];
}

/** The text of one problem in the `problems` column: the field (or cell) and the message, said by `say`. */
function problemText(p: BatchProblem, say: (message: string) => string): string {
  const where = p.field ?? p.cell;
  return where ? `${where}: ${say(p.message)}` : say(p.message);
}

/**
 * The rows with a leading column: `problems` on the first row (then the
 * problems of no row, if any), each other row's problems (`at`, or `row`, is
 * the sheet's row number) joined by `; `. Rows past the last one that has a
 * problem keep an empty first cell; a problem of a row beyond the sheet goes
 * to the header too.
 */
export function annotateRows(
  rows: readonly (readonly XlsxValue[])[],
  problems: readonly BatchProblem[],
  say: (message: string) => string = (m) => m,
  heading = 'problems',
): XlsxValue[][] {
  const byRow = new Map<number, string[]>();
  const whole: string[] = [];
  for (const p of problems) {
    const at = Number(p.row ?? p.at);
    const text = problemText(p, say);
    if (Number.isInteger(at) && at >= 2 && at <= rows.length) byRow.set(at, [...(byRow.get(at) ?? []), text]);
    else whole.push(text);
  }
  const out: XlsxValue[][] = rows.map((row, i) => {
    const n = i + 1;
    const cell = n === 1 ? [heading, ...whole].join('; ') : (byRow.get(n) ?? []).join('; ');
    return [cell === '' ? null : cell, ...row];
  });
  if (out.length === 0) out.push([[heading, ...whole].join('; ')]);
  return out;
}

/** Which sheet the batch was read from: the one named, else the first. */
export function batchSheet(sheets: readonly WorkbookSheet[], named: string | undefined): string | undefined {
  if (named !== undefined && named !== '' && sheets.some((s) => s.name === named)) return named;
  return sheets[0]?.name;
}

/** Every sheet of the workbook, values as read-excel-file parses them (dates as Date). */
export async function readWorkbook(file: Blob): Promise<WorkbookSheet[]> {
  const { default: readXlsxFile } = await import('read-excel-file/browser');
  const sheets = await readXlsxFile(file);
  return sheets.map((s) => ({ name: s.sheet, rows: s.data as unknown as XlsxValue[][] }));
}

/** A write-excel-file cell object. */
interface Cell {
  readonly value: string | number | boolean | Date;
  readonly type: StringConstructor | NumberConstructor | BooleanConstructor | DateConstructor;
  readonly format?: string;
  readonly fontWeight?: 'bold';
}

/** A write-excel-file cell: typed, dates shown as days (the server reads them so). */
function cellOf(value: XlsxValue): Cell | null {
  if (value === null) return null;
  if (value instanceof Date) return { value, type: Date, format: 'yyyy-mm-dd' };
  if (typeof value === 'number') return { value, type: Number };
  if (typeof value === 'boolean') return { value, type: Boolean };
  return { value, type: String };
}

/**
 * The workbook annotated: the batch's sheet (`sheet`, or the first) with its
 * `problems` column (bold), the others unchanged, in their order.
 */
export async function annotatedWorkbook(
  file: Blob,
  problems: readonly BatchProblem[],
  options: { sheet?: string; say?: (message: string) => string; heading?: string },
): Promise<Blob> {
  const sheets = await readWorkbook(file);
  const target = batchSheet(sheets, options.sheet);
  const written = sheets.map((s) => {
    const rows =
      s.name === target
        ? annotateRows(s.rows, problems, options.say, options.heading).map((row) => row.map(cellOf))
        : s.rows.map((row) => row.map(cellOf));
    const header = rows[0]?.[0];
    if (s.name === target && rows[0] !== undefined && header != null) rows[0][0] = { ...header, fontWeight: 'bold' };
    // The writer wants at least one row.
    return { sheet: s.name, data: rows.length === 0 ? [[null]] : rows };
  });
  const { default: writeXlsxFile } = await import('write-excel-file/browser');
  return writeXlsxFile(written as never).toBlob();
}
