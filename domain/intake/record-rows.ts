import { ALL_FIELDS, isEvidenceType, isFieldOf } from '#evidence';
import type { Problem } from '#kernel';

/**
 * Tables of cells as raw records: the header row (the record fields by their
 * JSON names, in any order) and each data row as a raw record for
 * validateRecord. Shared by every tabular format (the CSV reader, the XLSX
 * adapter), so a row gives the same record whatever file it came in.
 */

/** One data row (or a file-level finding): where it is, its fields when the row could be read, its problems. */
export interface CsvRow {
  readonly at: number;
  readonly value?: Record<string, unknown>;
  readonly problems: Problem[];
}

/** Reads one non-empty cell: its value as the record holds it, or the problem that refuses its spelling. */
export type CellReader = (at: number, column: string, cell: string) => { value: string } | { problem: Problem };

/** The columns of a table, as its header row names them. */
export interface TableHeader {
  readonly columns: readonly string[];
  readonly typeColumn: number;
}

/** Columns every table must have. */
export const REQUIRED_COLUMNS = ['eventId', 'participant', 'type', 'date', 'source'] as const;
const COLUMN_SET: ReadonlySet<string> = new Set(ALL_FIELDS);
const INTEGER_CELL = /^-?[0-9]{1,9}$/;

/** A labelled header cell ends with its column in brackets, e.g. `Дата / Date [date]` (the fill-in templates). */
const LABELLED = /\[([A-Za-z0-9]+)\]$/;

/** The column a header cell names: the cell itself, or the name in brackets at the end of a labelled cell. */
function columnName(cell: string): string {
  const trimmed = cell.trim();
  return LABELLED.exec(trimmed)?.[1] ?? trimmed;
}

/**
 * The header row's cells as columns (each a field's name, or a label ending
 * with the name in brackets): unknown, duplicate, empty and missing
 * required columns are pushed to `problems`; the header only when there are none.
 */
export function tableHeader(at: number, cells: readonly string[], problems: Problem[]): TableHeader | undefined {
  const columns = cells.map(columnName);
  const seen = new Set<string>();
  for (const [i, name] of columns.entries()) {
    if (name === '') problems.push({ at, field: `column ${i + 1}`, message: 'empty column name' });
    else if (!COLUMN_SET.has(name)) {
      problems.push({
        at,
        field: name,
        message: 'unknown column (the columns are the record fields in docs/evidence.md)',
      });
    } else if (seen.has(name)) problems.push({ at, field: name, message: 'duplicate column' });
    seen.add(name);
  }
  for (const name of REQUIRED_COLUMNS) {
    if (!seen.has(name)) problems.push({ at, field: name, message: 'missing required column' });
  }
  return problems.length > 0 ? undefined : { columns, typeColumn: columns.indexOf('type') };
}

/**
 * A data row's cells as a raw record: an empty cell is an absent field; a
 * non-empty cell in a column that is not a field of the row's type is a
 * problem; values stay strings except `birthYear` (an integer). Each cell is
 * read by `readCell` when given (the CSV dialect's conversions); a cell it
 * refuses leaves the row without a record. A row whose cells do not match the
 * header (unless `cut`: already reported as too long) or that has `problems`
 * gives no record.
 */
export function tableRow(
  header: TableHeader,
  at: number,
  cells: readonly string[],
  problems: Problem[],
  cut = false,
  readCell?: CellReader,
): CsvRow {
  const { columns } = header;
  if (!cut && cells.length !== columns.length) {
    problems.push({ at, message: `the row has ${cells.length} cells; the header has ${columns.length} columns` });
  }
  if (problems.length > 0) return { at, problems };
  const type = cells[header.typeColumn];
  const typed = isEvidenceType(type) ? type : undefined;
  const value: Record<string, unknown> = {};
  let refused = false;
  for (const [i, column] of columns.entries()) {
    const cell = cells[i] as string;
    if (cell === '') continue;
    if (typed !== undefined && !isFieldOf(typed, column)) {
      problems.push({ at, field: column, message: `not a field of type ${typed}` });
      continue;
    }
    const read = readCell === undefined ? { value: cell } : readCell(at, column, cell);
    if ('problem' in read) {
      problems.push(read.problem);
      refused = true;
    } else value[column] = column === 'birthYear' && INTEGER_CELL.test(read.value) ? Number(read.value) : read.value;
  }
  // A cell refused for its spelling: the row's record is not checked (its message says what to write instead).
  return refused ? { at, problems } : { at, value, problems };
}
