import { describeLimit, type Limits } from '#evidence';
import type { Problem } from '#kernel';
import type { CsvDialect } from './csv-dialect.ts';
import { CsvReader } from './csv-reader.ts';
import { type TextChunks, textChunks } from './encoding.ts';
import { limitsOf, type ParsedRecord, type ParseOptions } from './parse-options.ts';
import type { CsvRow } from './record-rows.ts';

/**
 * CSV files, whole (parseCsv) or streamed in chunks (parseCsvStream): bytes
 * through the text decoder (UTF-8, or Windows-1251 when the sender names it:
 * encoding.ts) and the CSV reader, within LIMITS.fileBytes.
 */

export interface CsvFile {
  readonly records: ParsedRecord[];
  readonly problems: Problem[];
  /** What the file used beyond the documented form (csv-dialect.ts); absent when nothing. */
  readonly dialect?: CsvDialect;
}

/**
 * Drives the text decoder and the CSV reader with one chunk of bytes.
 * Shared by parseCsv (one chunk) and parseCsvStream (many), so both give the
 * same rows for the same bytes.
 */
class CsvRun {
  readonly #limits: Limits;
  readonly #text: TextChunks;
  readonly #reader: CsvReader;
  readonly #encoding: string | undefined;
  #bytes = 0;

  constructor(options: ParseOptions) {
    this.#encoding = options.encoding;
    this.#limits = limitsOf(options);
    this.#text = textChunks(options.encoding);
    this.#reader = new CsvReader(this.#limits);
  }

  get stopped(): boolean {
    return this.#reader.stopped;
  }

  get dialect(): CsvDialect {
    return this.#reader.rules.dialect(this.#encoding);
  }

  *push(chunk: Uint8Array): Generator<CsvRow> {
    if (this.stopped) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#limits.fileBytes) {
      yield this.#reader.fatal(`the file is larger than ${describeLimit('fileBytes', this.#limits.fileBytes)}`);
      return;
    }
    const { text, error } = this.#text.push(chunk);
    yield* this.#reader.push(text);
    if (error !== undefined && !this.stopped) yield this.#reader.fatal(error);
  }

  *end(): Generator<CsvRow> {
    if (this.stopped) return;
    const { text, error } = this.#text.end();
    yield* this.#reader.push(text);
    if (error !== undefined) {
      if (!this.stopped) yield this.#reader.fatal(error);
      return;
    }
    yield* this.#reader.end();
  }
}

/**
 * Parses a whole CSV file (RFC 4180; UTF-8 with any BOM stripped, or the
 * encoding `options` names; LF or CRLF). The
 * first row is the header: the record fields by their JSON names, in any
 * order; unknown, duplicate, empty and missing required columns are
 * reported (and nothing else is read). An empty cell is an absent field; a
 * non-empty cell in a column that is not a field of the row's type is a
 * problem; values stay strings except `birthYear` (an integer). `at` is the
 * line the row starts on (the header is line 1). Blank rows are skipped.
 */
export function parseCsv(bytes: Uint8Array, options: ParseOptions = {}): CsvFile {
  const records: ParsedRecord[] = [];
  const problems: Problem[] = [];
  const run = new CsvRun(options);
  const collect = (row: CsvRow) => {
    problems.push(...row.problems);
    if (row.value !== undefined) records.push({ at: row.at, value: row.value });
  };
  for (const row of run.push(bytes)) collect(row);
  for (const row of run.end()) collect(row);
  const dialect = run.dialect;
  return Object.keys(dialect).length === 0 ? { records, problems } : { records, problems, dialect };
}

/**
 * The same as parseCsv, row by row, over chunks of any size (multi-byte
 * characters and quoted line breaks may be split between chunks). Holds only
 * the current chunk and the current row; stops reading the source (and
 * returns) after a file-level problem: bad header, invalid UTF-8, a bound
 * exceeded. `seen.dialect` is set when the rows end: what the file used.
 */
export async function* parseCsvStream(
  chunks: AsyncIterable<Uint8Array>,
  options: ParseOptions = {},
  seen: { dialect?: CsvDialect } = {},
): AsyncGenerator<CsvRow> {
  const run = new CsvRun(options);
  try {
    for await (const chunk of chunks) {
      yield* run.push(chunk);
      if (run.stopped) return;
    }
    yield* run.end();
  } finally {
    seen.dialect = run.dialect;
  }
}
