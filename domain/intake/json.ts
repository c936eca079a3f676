import {
  describeLimit,
  EVENT_ID,
  FORBIDDEN_KEYS,
  formatCount,
  type Limits,
  UNPAIRED_SURROGATE_MESSAGE,
} from '#evidence';
import type { Problem } from '#kernel';
import { limitsOf, type ParsedRecord, type ParseOptions } from './parse-options.ts';
import { Utf8Chunks, utf8Length, utf8Message } from './utf8.ts';

/**
 * Strict JSON: a small RFC 8259 reader that reports what JSON.parse lets
 * through (duplicate keys, `__proto__`/`constructor`/`prototype` keys,
 * unpaired surrogate escapes, nesting beyond LIMITS.jsonDepth), and its two
 * uses: a JSON batch of records (parseJsonBatch) and a JSON request body
 * (parseStrictJson).
 */

export interface JsonBatch {
  /** The batch's id, when it is present and well formed. */
  readonly batchId?: string;
  readonly records: ParsedRecord[];
  readonly problems: Problem[];
}

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
      this.problem(path, UNPAIRED_SURROGATE_MESSAGE);
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
  const decoded = decodeUtf8(bytes);
  if ('invalid' in decoded) return { records: [], problems: [decoded.invalid] };

  const reader = new JsonReader(decoded.text, limits);
  const batch: BatchFields = { records: [], sawBatchId: false, sawRecords: false };
  try {
    reader.ws();
    if (reader.atEnd()) return { records: [], problems: [{ message: 'the batch is empty: expected a JSON object' }] };
    if (reader.peek() !== '{') {
      reader.fail('the batch must be a JSON object {"batchId": "...", "records": [...]}');
    }
    reader.members('', (key, field) => {
      if (key === 'records') readRecords(reader, batch, field, decoded.text, limits);
      else readBatchField(reader, batch, key, field);
    });
    reader.ws();
    if (!reader.atEnd()) reader.fail('unexpected text after the batch object');
  } catch (error) {
    if (!(error instanceof JsonSyntaxError)) throw error;
    // The batch id, read before the error or found in the text, names the batch the error is in.
    const batchId = batch.batchId ?? batchIdInText(decoded.text);
    const problems = [...reader.problems, syntaxProblem(reader, error, batchId)];
    return batchId === undefined ? { records: [], problems } : { batchId, records: [], problems };
  }
  const { batchId, records } = batch;
  const problems = reader.problems;
  if (!batch.sawBatchId) problems.push({ field: 'batchId', message: 'is required' });
  if (!batch.sawRecords) problems.push({ field: 'records', message: 'is required' });
  return batchId === undefined ? { records, problems } : { batchId, records, problems };
}

/** What a JSON batch's object has shown so far. */
interface BatchFields {
  batchId?: string;
  readonly records: ParsedRecord[];
  sawBatchId: boolean;
  sawRecords: boolean;
}

/** The text of valid UTF-8 bytes, or the problem with the first invalid byte. */
function decodeUtf8(bytes: Uint8Array): { text: string } | { invalid: Problem } {
  const decoded = new Utf8Chunks();
  const first = decoded.push(bytes);
  const last = first.invalidAt === undefined ? decoded.end() : first;
  return last.invalidAt === undefined ? { text: first.text } : { invalid: { message: utf8Message(last.invalidAt) } };
}

/** The problem a syntax error makes: where it is, in which record when inside one, and in which batch when known. */
function syntaxProblem(reader: JsonReader, error: JsonSyntaxError, batchId: string | undefined): Problem {
  const at = reader.record;
  const batch = batchId === undefined ? '' : ` (batch ${batchId})`;
  return {
    ...(at === undefined ? {} : { at }),
    message: `invalid JSON at ${reader.where(error.pos)}${batch}: ${error.message}; nothing after it was read`,
  };
}

/** `"batchId": "<id>"` (not inside a string), for a batch whose syntax error came before its batch id. */
const BATCH_ID_MEMBER = /(?<!\\)"batchId"\s*:\s*"([^"\\]{1,64})"/;

/** The first well-formed batch id written in `text`, if any: read without parsing, as a name only. */
function batchIdInText(text: string): string | undefined {
  const found = BATCH_ID_MEMBER.exec(text)?.[1];
  return found !== undefined && EVENT_ID.test(found) ? found : undefined;
}

/** The batch's `records` (after its key): each record read, at most LIMITS.batchRecords kept. */
function readRecords(reader: JsonReader, batch: BatchFields, field: string, text: string, limits: Limits): void {
  batch.sawRecords = true;
  reader.ws();
  if (reader.peek() !== '[') {
    reader.value(field, 1);
    reader.problem('records', 'must be an array of records');
    return;
  }
  batch.records.length = 0;
  let count = 0;
  reader.elements((index) => {
    const value = readRecord(reader, index, text, limits);
    count++;
    if (count <= limits.batchRecords) batch.records.push({ at: index, value });
    else if (count === limits.batchRecords + 1) {
      reader.problem('records', `the batch holds more than ${describeLimit('batchRecords', limits.batchRecords)}`);
    }
  });
  if (count === 0) reader.problem('records', 'is empty: a batch must hold at least one record');
}

/** One record of `records`, its problems at its index; a record over LIMITS.recordBytes is a problem. */
function readRecord(reader: JsonReader, index: number, text: string, limits: Limits): unknown {
  reader.ws();
  const start = reader.pos;
  reader.record = index;
  const value = reader.value('', 2);
  const end = reader.pos;
  if ((end - start) * 3 > limits.recordBytes) {
    const size = utf8Length(text, start, end);
    if (size > limits.recordBytes) {
      reader.problem(
        '',
        `the record is ${formatCount(size)} bytes; the limit is ${describeLimit('recordBytes', limits.recordBytes)}`,
      );
    }
  }
  reader.record = undefined;
  return value;
}

/** A batch field other than `records` (after its key): the batch id, or a forbidden or unknown key. */
function readBatchField(reader: JsonReader, batch: BatchFields, key: string, field: string): void {
  if (FORBIDDEN_KEYS.has(key)) reader.problem(field, `forbidden key "${key}": not allowed anywhere in a batch`);
  const value = reader.value(field, 1);
  if (FORBIDDEN_KEYS.has(key)) return;
  if (key === 'batchId') {
    batch.sawBatchId = true;
    if (typeof value === 'string' && EVENT_ID.test(value)) batch.batchId = value;
    else {
      reader.problem(
        'batchId',
        'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit',
      );
    }
  } else reader.problem(field, 'unknown field of a batch (a batch has batchId and records)');
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
  const decoded = decodeUtf8(bytes);
  if ('invalid' in decoded) return { problems: [decoded.invalid] };
  const reader = new JsonReader(decoded.text, limits);
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
