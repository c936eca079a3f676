import { describeLimit, formatCount, type Limits } from '#evidence';
import type { Problem } from '#kernel';
import { CsvDialectRules } from './csv-dialect.ts';
import { type CsvRow, type TableHeader, tableHeader, tableRow } from './record-rows.ts';

/**
 * The CSV reader: the RFC 4180 state machine over text pushed in pieces
 * (comma-separated, or semicolon-separated when the header line says so);
 * its rows become raw records through record-rows.ts (the header, and each
 * data row for validateRecord, with its problems; cells in Russian Excel's
 * dialect converted or refused by csv-dialect.ts).
 */

const State = { FIELD_START: 0, UNQUOTED: 1, QUOTED: 2, QUOTE_IN_QUOTED: 3 } as const;

/**
 * The RFC 4180 state machine. Text is pushed in pieces of any size; complete
 * rows come out as they end. It holds only the current row, and no more of it
 * than LIMITS.recordBytes (cells beyond LIMITS.fieldChars are not kept).
 */
export class CsvReader {
  readonly #limits: Limits;
  #header: string[] | undefined;
  #table: TableHeader | undefined;
  #state: number = State.FIELD_START;
  /** Line the reader is on (1-based). */
  #line = 1;
  /** Line the current row started on. */
  #rowLine = 1;
  #cells: string[] = [];
  #cell = '';
  /** Characters of the current cell, counted to its end even when it is not kept. */
  #cellChars = 0;
  #cellTooLong = false;
  #rowBytes = 0;
  #rowHasText = false;
  #rowProblems: Problem[] = [];
  /** A CR outside quotes, waiting to see whether LF follows. */
  #pendingCR = false;
  /** A CR inside quotes, waiting to see whether LF follows (CRLF in a cell becomes LF). */
  #quotedCR = false;
  #dataRows = 0;
  /** The separator's code: undecided until the first line with text has been seen (held in #head meanwhile). */
  #separator: number | undefined;
  #head = '';
  readonly rules = new CsvDialectRules();
  stopped = false;

  constructor(limits: Limits) {
    this.#limits = limits;
  }

  get line(): number {
    return this.#line;
  }

  *push(piece: string): Generator<CsvRow> {
    const text = this.#separator === undefined ? this.#decideSeparator(piece, false) : piece;
    const separator = this.#separator ?? 0x2c;
    const n = text.length;
    let segment = 0;
    let i = 0;
    while (i < n && !this.stopped) {
      const c = text.charCodeAt(i);
      if (this.#pendingCR) {
        this.#pendingCR = false;
        if (c !== 0x0a) {
          this.#rowProblem(
            undefined,
            'a carriage return (CR) without a line feed (LF) after it: end lines with LF or CRLF',
          );
          yield* this.#endRow();
          this.#line++;
          segment = i;
          continue;
        }
      }
      this.#rowBytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
      switch (this.#state) {
        case State.FIELD_START:
          if (c === 0x22) {
            this.#state = State.QUOTED;
            this.#rowHasText = true;
            segment = i + 1;
          } else if (c === separator) {
            this.#rowHasText = true;
            this.#endCell();
          } else if (c === 0x0a || c === 0x0d) {
            this.#rowBytes--;
            if (c === 0x0d) this.#pendingCR = true;
            else {
              yield* this.#endRow();
              this.#line++;
            }
          } else {
            this.#state = State.UNQUOTED;
            this.#rowHasText = true;
            segment = i;
          }
          break;
        case State.UNQUOTED:
          if (c === separator) {
            this.#append(text, segment, i);
            this.#endCell();
            this.#state = State.FIELD_START;
          } else if (c === 0x0a || c === 0x0d) {
            // #endRow ends the last cell itself.
            this.#append(text, segment, i);
            this.#state = State.FIELD_START;
            this.#rowBytes--;
            if (c === 0x0d) this.#pendingCR = true;
            else {
              yield* this.#endRow();
              this.#line++;
            }
          } else if (c === 0x22) this.#quoteInUnquoted();
          break;
        case State.QUOTED:
          if (this.#quotedCR) {
            this.#quotedCR = false;
            // The CR before this character was held back: CRLF becomes LF, a lone CR stays.
            if (c === 0x0a) {
              this.#appendText('\n');
              this.#line++;
              segment = i + 1;
              break;
            }
            this.#appendText('\r');
            segment = i;
          }
          if (c === 0x22) {
            this.#append(text, segment, i);
            this.#state = State.QUOTE_IN_QUOTED;
          } else if (c === 0x0d) {
            this.#append(text, segment, i);
            this.#quotedCR = true;
            segment = i + 1;
          } else if (c === 0x0a) this.#line++;
          break;
        case State.QUOTE_IN_QUOTED:
          if (c === 0x22) {
            this.#state = State.QUOTED;
            segment = i; // the second quote starts the next segment: "" is one quote
          } else if (c === separator) {
            this.#endCell();
            this.#state = State.FIELD_START;
          } else if (c === 0x0a || c === 0x0d) {
            this.#rowBytes--;
            this.#state = State.FIELD_START;
            if (c === 0x0d) this.#pendingCR = true;
            else {
              yield* this.#endRow();
              this.#line++;
            }
          } else {
            this.#rowProblem(
              this.#column(),
              `text after a closing quote: a quoted field must end at a ${separator === 0x3b ? 'semicolon' : 'comma'} or line end (double a quote inside quotes)`,
            );
            this.#state = State.UNQUOTED;
            segment = i;
          }
          break;
      }
      i++;
    }
    if (this.stopped) return;
    // The rest of an unfinished cell: the next piece of text continues it.
    if (this.#state === State.UNQUOTED || this.#state === State.QUOTED) this.#append(text, segment, n);
  }

  *end(): Generator<CsvRow> {
    if (this.stopped) return;
    if (this.#separator === undefined) yield* this.push(this.#decideSeparator('', true));
    if (this.stopped) return;
    if (this.#quotedCR) {
      this.#quotedCR = false;
      this.#appendText('\r');
    }
    if (this.#pendingCR) {
      this.#pendingCR = false;
      this.#rowProblem(
        undefined,
        'a carriage return (CR) without a line feed (LF) after it: end lines with LF or CRLF',
      );
    }
    if (this.#state === State.QUOTED) {
      this.#rowProblem(this.#column(), `a quoted field is never closed (its row starts on line ${this.#rowLine})`);
    }
    if (this.#rowHasText || this.#cells.length > 0 || this.#rowProblems.length > 0) yield* this.#endRow();
    if (this.stopped) return;
    if (this.#header === undefined) {
      yield this.fatal('the file is empty: expected a header row of column names');
    } else if (this.#dataRows === 0) {
      yield this.fatal('the file has no records: an empty batch is rejected', 1);
    }
  }

  /**
   * Holds text back until the first line with text is complete (or the end,
   * or a row's worth of bytes), then chooses the separator from it: `;` when
   * it has semicolons and no comma, else `,`. Returns the text to read.
   */
  #decideSeparator(piece: string, end: boolean): string {
    this.#head += piece;
    const start = this.#head.search(/\S/);
    const lineEnd = start < 0 ? -1 : this.#head.slice(start).search(/[\r\n]/);
    if (!end && lineEnd < 0 && this.#head.length <= this.#limits.recordBytes) return '';
    const line = start < 0 ? '' : this.#head.slice(start, lineEnd < 0 ? undefined : start + lineEnd);
    const semicolons = !line.includes(',') && line.includes(';');
    this.#separator = semicolons ? 0x3b : 0x2c;
    if (semicolons) this.rules.semicolons();
    const text = this.#head;
    this.#head = '';
    return text;
  }

  /** A file-level problem that ends reading. */
  fatal(message: string, at: number = this.#line): CsvRow {
    this.stopped = true;
    return { at, problems: [{ at, message }] };
  }

  #column(): string | undefined {
    return this.#header?.[this.#cells.length];
  }

  #quoteInUnquoted(): void {
    this.#rowProblem(
      this.#column(),
      'a quote inside an unquoted field: put the whole field in quotes and double the quote (RFC 4180)',
    );
  }

  #rowProblem(field: string | undefined, message: string): void {
    const at = this.#rowLine;
    if (this.#rowProblems.some((p) => p.field === field && p.message === message)) return;
    this.#rowProblems.push(field === undefined ? { at, message } : { at, field, message });
  }

  #append(text: string, start: number, end: number): void {
    if (end > start) this.#appendText(text.slice(start, end));
  }

  #appendText(piece: string): void {
    // Counted before the row's bound: a cell over its own bound is named even in a row over LIMITS.recordBytes.
    this.#cellChars += piece.length;
    if (this.#cellChars > this.#limits.fieldChars) {
      this.#cellTooLong = true;
      this.#cell = '';
    }
    if (this.#cellTooLong || this.#rowBytes > this.#limits.recordBytes) return;
    this.#cell += piece;
  }

  #endCell(): void {
    if (this.#cellTooLong) {
      this.#rowProblem(
        this.#column() ?? `column ${this.#cells.length + 1}`,
        `the value is ${formatCount(this.#cellChars)} characters; the limit of a cell is ${describeLimit('fieldChars', this.#limits.fieldChars)}`,
      );
    }
    if (this.#rowBytes <= this.#limits.recordBytes) this.#cells.push(this.#cell);
    this.#cell = '';
    this.#cellChars = 0;
    this.#cellTooLong = false;
  }

  *#endRow(): Generator<CsvRow> {
    if (this.#state === State.QUOTED) this.#state = State.FIELD_START;
    this.#endCell();
    const cells = this.#cells;
    const problems = this.#rowProblems;
    const at = this.#rowLine;
    const tooLong = this.#rowBytes > this.#limits.recordBytes;
    const bytes = this.#rowBytes;
    this.#cells = [];
    this.#rowProblems = [];
    this.#rowBytes = 0;
    this.#rowHasText = false;
    this.#state = State.FIELD_START;
    this.#rowLine = this.#line + 1;
    if (tooLong) {
      problems.push({
        at,
        message: `the row is ${formatCount(bytes)} bytes; the limit is ${describeLimit('recordBytes', this.#limits.recordBytes)}`,
      });
    }

    if (this.#header === undefined) {
      if (problems.length === 0 && cells.every((c) => c === '')) return; // blank lines before the header
      yield* this.#readHeader(at, cells, problems);
      return;
    }
    if (problems.length === 0 && cells.every((c) => c === '')) return; // a blank line, or an empty spreadsheet row
    this.#dataRows++;
    if (this.#dataRows > this.#limits.batchRecords) {
      yield this.fatal(`the file holds more than ${describeLimit('batchRecords', this.#limits.batchRecords)}`, at);
      return;
    }
    yield this.#row(at, cells, problems, tooLong);
  }

  *#readHeader(at: number, cells: string[], problems: Problem[]): Generator<CsvRow> {
    const header = tableHeader(at, cells, problems);
    if (header === undefined) {
      this.stopped = true;
      yield { at, problems };
      return;
    }
    this.#header = header.columns as string[];
    this.#table = header;
  }

  #row(at: number, cells: string[], problems: Problem[], tooLong: boolean): CsvRow {
    return tableRow(this.#table as TableHeader, at, cells, problems, tooLong, (line, column, cell) =>
      this.rules.cell(line, column, cell),
    );
  }
}
