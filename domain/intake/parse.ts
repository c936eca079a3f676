import {
  ALL_FIELDS,
  describeLimit,
  EVENT_ID,
  FORBIDDEN_KEYS,
  formatCount,
  isEvidenceType,
  isFieldOf,
  LIMITS,
  type Limits,
} from '#evidence';
import type { Problem } from '#kernel';

/**
 * Operator files to raw records: bytes -> text (UTF-8), then a JSON batch or
 * a CSV file -> `{ at, value }` records for validateRecord, where `at` is the
 * record's index (JSON) or the 1-based line its row starts on (CSV). Bad input
 * never throws: it comes back as problems, each bound named (`LIMITS.x`).
 * Documented in docs/evidence.md.
 */

export { LIMITS, type Limits } from '#evidence';

export interface ParseOptions {
  /** Bounds to use instead of LIMITS (tests, or a deployment with other sizes). */
  readonly limits?: Partial<Limits>;
}

export interface ParsedRecord {
  readonly at: number;
  readonly value: unknown;
}

export interface JsonBatch {
  /** The batch's id, when it is present and well formed. */
  readonly batchId?: string;
  readonly records: ParsedRecord[];
  readonly problems: Problem[];
}

export interface CsvFile {
  readonly records: ParsedRecord[];
  readonly problems: Problem[];
}

/** One CSV data row (or a file-level finding): its line, its fields when the row could be read, its problems. */
export interface CsvRow {
  readonly at: number;
  readonly value?: Record<string, unknown>;
  readonly problems: Problem[];
}

function limitsOf(options: ParseOptions): Limits {
  return { ...LIMITS, ...options.limits };
}

// ---- UTF-8

/**
 * Byte offset of the first byte of the first ill-formed UTF-8 sequence
 * (overlong forms, surrogates, code points above U+10FFFF, stray continuation
 * bytes, truncated sequences), or undefined if the bytes are valid UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return undefined;
}

/** Length of the prefix of `bytes` that does not end inside an unfinished multi-byte sequence. */
function completePrefix(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? n - back : n;
  }
  return n;
}

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Incremental UTF-8 decoding that holds back an unfinished trailing sequence
 * until the next chunk, strips one leading BOM, and reports the byte offset
 * (from the start of the file) of the first invalid sequence.
 */
class Utf8Chunks {
  #pending: Uint8Array = new Uint8Array(0);
  /** Bytes received before the current chunk. */
  #offset = 0;
  #started = false;

  push(chunk: Uint8Array): { text: string; invalidAt?: number } {
    const data = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    const base = this.#offset - this.#pending.length;
    this.#offset += chunk.length;
    const cut = completePrefix(data);
    this.#pending = data.slice(cut);
    return this.#decode(data.subarray(0, cut), base);
  }

  end(): { text: string; invalidAt?: number } {
    if (this.#pending.length === 0) return { text: '' };
    const base = this.#offset - this.#pending.length;
    const pending = this.#pending;
    this.#pending = new Uint8Array(0);
    const result = this.#decode(pending, base);
    return result.invalidAt === undefined ? { text: result.text, invalidAt: base } : result;
  }

  #decode(bytes: Uint8Array, base: number): { text: string; invalidAt?: number } {
    let text: string;
    let invalidAt: number | undefined;
    try {
      text = fatalDecoder.decode(bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes) ?? 0;
      text = fatalDecoder.decode(bytes.subarray(0, bad));
      invalidAt = base + bad;
    }
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return invalidAt === undefined ? { text } : { text, invalidAt };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function utf8Message(offset: number): string {
  return `invalid UTF-8 at byte offset ${formatCount(offset)}: the file must be UTF-8 text`;
}

/** UTF-8 bytes of `s[start, end)`, counting surrogate pairs as 4. */
function utf8Length(s: string, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}

// ---- JSON batch

class JsonSyntaxError extends Error {
  readonly pos: number;
  constructor(message: string, pos: number) {
    super(message);
    this.pos = pos;
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * A small RFC 8259 parser that, unlike JSON.parse, reports duplicate keys,
 * drops and reports `__proto__`/`constructor`/`prototype` keys, unpaired
 * surrogate escapes and nesting beyond LIMITS.jsonDepth, with the record index
 * and field path of each.
 */
class JsonReader {
  readonly #s: string;
  readonly #limits: Limits;
  readonly problems: Problem[] = [];
  #pos = 0;
  /** Index of the record being read, while inside `records`. */
  #record: number | undefined;

  constructor(text: string, limits: Limits) {
    this.#s = text;
    this.#limits = limits;
  }

  get pos(): number {
    return this.#pos;
  }

  set record(index: number | undefined) {
    this.#record = index;
  }

  get record(): number | undefined {
    return this.#record;
  }

  problem(field: string, message: string): void {
    const at = this.#record;
    this.problems.push({
      ...(at === undefined ? {} : { at }),
      ...(field === '' ? {} : { field }),
      message,
    });
  }

  ws(): void {
    const s = this.#s;
    let c = s.charCodeAt(this.#pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = s.charCodeAt(++this.#pos);
  }

  peek(): string {
    return this.#s[this.#pos] ?? '';
  }

  expect(ch: string, what: string): void {
    if (this.#s[this.#pos] !== ch) throw new JsonSyntaxError(`expected ${what}`, this.#pos);
    this.#pos++;
  }

  atEnd(): boolean {
    return this.#pos >= this.#s.length;
  }

  fail(what: string): never {
    throw new JsonSyntaxError(what, this.#pos);
  }

  /** Any JSON value; `path` names it in problems (relative to the record inside `records`). */
  value(path: string, depth: number): unknown {
    this.ws();
    const ch = this.#s[this.#pos];
    if (ch === '{' || ch === '[') {
      if (depth >= this.#limits.jsonDepth) {
        throw new JsonSyntaxError(
          `nesting is deeper than ${describeLimit('jsonDepth', this.#limits.jsonDepth)}`,
          this.#pos,
        );
      }
      return ch === '{' ? this.object(path, depth + 1) : this.array(path, depth + 1);
    }
    if (ch === '"') return this.string(path);
    if (ch === 't' || ch === 'f' || ch === 'n') {
      for (const [word, v] of [
        ['true', true],
        ['false', false],
        ['null', null],
      ] as const) {
        if (this.#s.startsWith(word, this.#pos)) {
          this.#pos += word.length;
          return v;
        }
      }
      this.fail('expected a JSON value');
    }
    NUMBER.lastIndex = this.#pos;
    const m = NUMBER.exec(this.#s);
    if (m === null) this.fail(ch === undefined ? 'unexpected end of input' : 'expected a JSON value');
    this.#pos += m[0].length;
    return Number(m[0]);
  }

  /** Reads an object member by member, calling `member` for each key after the colon. */
  members(path: string, member: (key: string, field: string) => void): void {
    this.expect('{', "'{'");
    this.ws();
    if (this.peek() === '}') {
      this.#pos++;
      return;
    }
    const seen = new Set<string>();
    for (;;) {
      this.ws();
      if (this.peek() !== '"') this.fail('expected a key in double quotes');
      const key = this.string(path);
      const field = path === '' ? key : `${path}.${key}`;
      this.ws();
      this.expect(':', "':' after a key");
      if (seen.has(key)) this.problem(field, 'duplicate key: each field may appear only once in an object');
      seen.add(key);
      member(key, field);
      this.ws();
      if (this.peek() === ',') {
        this.#pos++;
        continue;
      }
      this.expect('}', "',' or '}'");
      return;
    }
  }

  object(path: string, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.members(path, (key, field) => {
      if (FORBIDDEN_KEYS.has(key)) {
        this.problem(field, `forbidden key "${key}": not allowed anywhere in a batch`);
        this.value(field, depth); // read and dropped
      } else out[key] = this.value(field, depth);
    });
    return out;
  }

  /** Reads an array, calling `element` for each element's start (the default reads a value). */
  elements(element: (index: number) => void): void {
    this.expect('[', "'['");
    this.ws();
    if (this.peek() === ']') {
      this.#pos++;
      return;
    }
    for (let i = 0; ; i++) {
      element(i);
      this.ws();
      if (this.peek() === ',') {
        this.#pos++;
        continue;
      }
      this.expect(']', "',' or ']'");
      return;
    }
  }

  array(path: string, depth: number): unknown[] {
    const out: unknown[] = [];
    this.elements((i) => out.push(this.value(`${path}[${i}]`, depth)));
    return out;
  }

  string(path: string): string {
    const s = this.#s;
    const start = ++this.#pos;
    let out = '';
    let segment = start;
    let loneSurrogate = false;
    for (;;) {
      const c = s.charCodeAt(this.#pos);
      if (Number.isNaN(c)) throw new JsonSyntaxError('unterminated string', start - 1);
      if (c === 0x22) {
        out += s.slice(segment, this.#pos);
        this.#pos++;
        break;
      }
      if (c < 0x20) this.fail('control character in a string (escape it)');
      if (c !== 0x5c) {
        this.#pos++;
        continue;
      }
      out += s.slice(segment, this.#pos);
      const e = s[this.#pos + 1] ?? '';
      if (e === 'u') {
        const hex = s.slice(this.#pos + 2, this.#pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape');
        out += String.fromCharCode(Number.parseInt(hex, 16));
        this.#pos += 6;
      } else {
        const r = ESCAPES[e];
        if (r === undefined) this.fail('invalid escape in a string');
        out += r;
        this.#pos += 2;
      }
      segment = this.#pos;
      loneSurrogate = true; // checked below, only for strings with escapes
    }
    if (loneSurrogate && !out.isWellFormed()) {
      this.problem(path, 'contains an unpaired surrogate (\\uD800-\\uDFFF escape): not valid Unicode text');
    }
    return out;
  }

  /** Line and column (1-based) of a character position, for syntax errors. */
  where(pos: number): string {
    let line = 1;
    let lineStart = 0;
    for (let i = this.#s.indexOf('\n'); i !== -1 && i < pos; i = this.#s.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return `line ${line}, column ${pos - lineStart + 1}`;
  }
}

/**
 * Parses a JSON batch `{ "batchId": "...", "records": [ {...}, ... ] }`.
 * `at` of a record (and of its problems) is its index in `records`, from 0.
 * Reports every problem it can: invalid UTF-8 (byte offset), syntax errors
 * (line, column; reading stops there and no records are returned), unknown
 * or missing batch fields, duplicate and forbidden keys, records over
 * LIMITS.recordBytes, more than LIMITS.batchRecords records, an empty batch,
 * and a body over LIMITS.jsonBytes (checked first).
 */
export function parseJsonBatch(bytes: Uint8Array, options: ParseOptions = {}): JsonBatch {
  const limits = limitsOf(options);
  if (bytes.length > limits.jsonBytes) {
    return {
      records: [],
      problems: [
        {
          message: `the JSON batch is ${formatCount(bytes.length)} bytes; the limit is ${describeLimit('jsonBytes', limits.jsonBytes)} (send larger batches as CSV through the upload path)`,
        },
      ],
    };
  }
  const decoded = new Utf8Chunks();
  const first = decoded.push(bytes);
  const last = first.invalidAt === undefined ? decoded.end() : first;
  if (last.invalidAt !== undefined) return { records: [], problems: [{ message: utf8Message(last.invalidAt) }] };

  const reader = new JsonReader(first.text, limits);
  const records: ParsedRecord[] = [];
  let batchId: string | undefined;
  let sawBatchId = false;
  let sawRecords = false;
  try {
    reader.ws();
    if (reader.atEnd()) return { records: [], problems: [{ message: 'the batch is empty: expected a JSON object' }] };
    if (reader.peek() !== '{') {
      reader.fail('the batch must be a JSON object {"batchId": "...", "records": [...]}');
    }
    reader.members('', (key, field) => {
      if (key === 'records') {
        sawRecords = true;
        reader.ws();
        if (reader.peek() !== '[') {
          reader.value(field, 1);
          reader.problem('records', 'must be an array of records');
          return;
        }
        records.length = 0;
        let count = 0;
        reader.elements((index) => {
          reader.ws();
          const start = reader.pos;
          reader.record = index;
          const value = reader.value('', 2);
          const end = reader.pos;
          if ((end - start) * 3 > limits.recordBytes) {
            const size = utf8Length(first.text, start, end);
            if (size > limits.recordBytes) {
              reader.problem(
                '',
                `the record is ${formatCount(size)} bytes; the limit is ${describeLimit('recordBytes', limits.recordBytes)}`,
              );
            }
          }
          reader.record = undefined;
          count++;
          if (count <= limits.batchRecords) records.push({ at: index, value });
          else if (count === limits.batchRecords + 1) {
            reader.problem(
              'records',
              `the batch holds more than ${describeLimit('batchRecords', limits.batchRecords)}`,
            );
          }
        });
        if (count === 0) reader.problem('records', 'is empty: a batch must hold at least one record');
        return;
      }
      if (FORBIDDEN_KEYS.has(key)) reader.problem(field, `forbidden key "${key}": not allowed anywhere in a batch`);
      const value = reader.value(field, 1);
      if (FORBIDDEN_KEYS.has(key)) return;
      if (key === 'batchId') {
        sawBatchId = true;
        if (typeof value === 'string' && EVENT_ID.test(value)) batchId = value;
        else {
          reader.problem(
            'batchId',
            'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit',
          );
        }
      } else reader.problem(field, 'unknown field of a batch (a batch has batchId and records)');
    });
    reader.ws();
    if (!reader.atEnd()) reader.fail('unexpected text after the batch object');
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    const at = reader.record;
    return {
      records: [],
      problems: [
        ...reader.problems,
        {
          ...(at === undefined ? {} : { at }),
          message: `invalid JSON at ${reader.where(error.pos)}: ${error.message}`,
        },
      ],
    };
  }
  const problems = reader.problems;
  if (!sawBatchId) problems.push({ field: 'batchId', message: 'is required' });
  if (!sawRecords) problems.push({ field: 'records', message: 'is required' });
  return batchId === undefined ? { records, problems } : { batchId, records, problems };
}

// ---- CSV

/** Columns every CSV file must have. */
const REQUIRED_COLUMNS = ['eventId', 'participant', 'type', 'date', 'source'] as const;
const COLUMN_SET: ReadonlySet<string> = new Set(ALL_FIELDS);
const INTEGER_CELL = /^-?[0-9]{1,9}$/;

const State = { FIELD_START: 0, UNQUOTED: 1, QUOTED: 2, QUOTE_IN_QUOTED: 3 } as const;

/**
 * The RFC 4180 state machine. Text is pushed in pieces of any size; complete
 * rows come out as they end. It holds only the current row, and no more of it
 * than LIMITS.recordBytes (cells beyond LIMITS.fieldChars are not kept).
 */
class CsvReader {
  readonly #limits: Limits;
  #header: string[] | undefined;
  #typeColumn = -1;
  #state: number = State.FIELD_START;
  /** Line the reader is on (1-based). */
  #line = 1;
  /** Line the current row started on. */
  #rowLine = 1;
  #cells: string[] = [];
  #cell = '';
  #cellTooLong = false;
  #rowBytes = 0;
  #rowHasText = false;
  #rowProblems: Problem[] = [];
  /** A CR outside quotes, waiting to see whether LF follows. */
  #pendingCR = false;
  /** A CR inside quotes, waiting to see whether LF follows (CRLF in a cell becomes LF). */
  #quotedCR = false;
  #dataRows = 0;
  stopped = false;

  constructor(limits: Limits) {
    this.#limits = limits;
  }

  get line(): number {
    return this.#line;
  }

  *push(text: string): Generator<CsvRow> {
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
          } else if (c === 0x2c) {
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
          if (c === 0x2c) {
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
          } else if (c === 0x2c) {
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
              'text after a closing quote: a quoted field must end at a comma or line end (double a quote inside quotes)',
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
    if (this.#cellTooLong || this.#rowBytes > this.#limits.recordBytes) return;
    if (this.#cell.length + piece.length > this.#limits.fieldChars) {
      this.#cellTooLong = true;
      this.#cell = '';
      return;
    }
    this.#cell += piece;
  }

  #endCell(): void {
    if (this.#cellTooLong) {
      this.#rowProblem(
        this.#column() ?? `column ${this.#cells.length + 1}`,
        `the value is longer than ${describeLimit('fieldChars', this.#limits.fieldChars)}`,
      );
    }
    if (this.#rowBytes <= this.#limits.recordBytes) this.#cells.push(this.#cell);
    this.#cell = '';
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
    const header = cells.map((c) => c.trim());
    const seen = new Set<string>();
    for (const [i, name] of header.entries()) {
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
    if (problems.length > 0) {
      this.stopped = true;
      yield { at, problems };
      return;
    }
    this.#header = header;
    this.#typeColumn = header.indexOf('type');
  }

  #row(at: number, cells: string[], problems: Problem[], tooLong: boolean): CsvRow {
    const header = this.#header as string[];
    if (!tooLong && cells.length !== header.length) {
      problems.push({ at, message: `the row has ${cells.length} cells; the header has ${header.length} columns` });
    }
    if (problems.length > 0) return { at, problems };
    const type = cells[this.#typeColumn];
    const typed = isEvidenceType(type) ? type : undefined;
    const value: Record<string, unknown> = {};
    for (const [i, column] of header.entries()) {
      const cell = cells[i] as string;
      if (cell === '') continue;
      if (typed !== undefined && !isFieldOf(typed, column)) {
        problems.push({ at, field: column, message: `not a field of type ${typed}` });
        continue;
      }
      value[column] = column === 'birthYear' && INTEGER_CELL.test(cell) ? Number(cell) : cell;
    }
    return { at, value, problems };
  }
}

/**
 * Drives the UTF-8 decoder and the CSV reader with one chunk of bytes.
 * Shared by parseCsv (one chunk) and parseCsvStream (many), so both give the
 * same rows for the same bytes.
 */
class CsvRun {
  readonly #limits: Limits;
  readonly #utf8 = new Utf8Chunks();
  readonly #reader: CsvReader;
  #bytes = 0;

  constructor(limits: Limits) {
    this.#limits = limits;
    this.#reader = new CsvReader(limits);
  }

  get stopped(): boolean {
    return this.#reader.stopped;
  }

  *push(chunk: Uint8Array): Generator<CsvRow> {
    if (this.stopped) return;
    this.#bytes += chunk.length;
    if (this.#bytes > this.#limits.fileBytes) {
      yield this.#reader.fatal(`the file is larger than ${describeLimit('fileBytes', this.#limits.fileBytes)}`);
      return;
    }
    const { text, invalidAt } = this.#utf8.push(chunk);
    yield* this.#reader.push(text);
    if (invalidAt !== undefined && !this.stopped) yield this.#reader.fatal(utf8Message(invalidAt));
  }

  *end(): Generator<CsvRow> {
    if (this.stopped) return;
    const { text, invalidAt } = this.#utf8.end();
    yield* this.#reader.push(text);
    if (invalidAt !== undefined) {
      if (!this.stopped) yield this.#reader.fatal(utf8Message(invalidAt));
      return;
    }
    yield* this.#reader.end();
  }
}

/**
 * Parses a whole CSV file (RFC 4180; UTF-8, BOM stripped, LF or CRLF). The
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
  const run = new CsvRun(limitsOf(options));
  const collect = (row: CsvRow) => {
    problems.push(...row.problems);
    if (row.value !== undefined) records.push({ at: row.at, value: row.value });
  };
  for (const row of run.push(bytes)) collect(row);
  for (const row of run.end()) collect(row);
  return { records, problems };
}

/**
 * The same as parseCsv, row by row, over chunks of any size (multi-byte
 * characters and quoted line breaks may be split between chunks). Holds only
 * the current chunk and the current row; stops reading the source (and
 * returns) after a file-level problem: bad header, invalid UTF-8, a bound
 * exceeded.
 */
export async function* parseCsvStream(
  chunks: AsyncIterable<Uint8Array>,
  options: ParseOptions = {},
): AsyncGenerator<CsvRow> {
  const run = new CsvRun(limitsOf(options));
  for await (const chunk of chunks) {
    yield* run.push(chunk);
    if (run.stopped) return;
  }
  yield* run.end();
}

/**
 * Parses a JSON request body strictly, as batches are parsed: valid UTF-8,
 * RFC 8259 syntax (line and column of the first error), no duplicate keys,
 * no `__proto__`/`constructor`/`prototype` keys, nesting within
 * LIMITS.jsonDepth. The value only when there is no problem.
 */
export function parseStrictJson(
  bytes: Uint8Array,
  options: ParseOptions = {},
): { value?: unknown; problems: Problem[] } {
  const limits = limitsOf(options);
  const decoded = new Utf8Chunks();
  const first = decoded.push(bytes);
  const last = first.invalidAt === undefined ? decoded.end() : first;
  if (last.invalidAt !== undefined) return { problems: [{ message: utf8Message(last.invalidAt) }] };
  const reader = new JsonReader(first.text, limits);
  try {
    reader.ws();
    if (reader.atEnd()) return { problems: [{ message: 'the body is empty: expected JSON' }] };
    const value = reader.value('', 1);
    reader.ws();
    if (!reader.atEnd()) reader.fail('unexpected text after the JSON value');
    return reader.problems.length > 0 ? { problems: reader.problems } : { value, problems: [] };
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    return {
      problems: [...reader.problems, { message: `invalid JSON at ${reader.where(error.pos)}: ${error.message}` }],
    };
  }
}
