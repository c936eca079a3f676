import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContractProfileSchema } from '#contracts';
import { ALL_FIELDS, EVIDENCE_TYPES, isFieldOf, LIMITS, validateRecord } from '#evidence';
import { type CsvRow, firstInvalidUtf8, type ParseOptions, parseCsv, parseCsvStream, parseJsonBatch } from '#intake';

const enc = (text: string): Uint8Array => new TextEncoder().encode(text);
const bytesOf = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...enc(p)] : p)));
const BOM = [0xef, 0xbb, 0xbf];

const KAMCHATKA = ContractProfileSchema.parse(
  JSON.parse(readFileSync(new URL('../../contracts/second-chance-kamchatka.json', import.meta.url), 'utf8')),
);

const RELEASE = {
  eventId: 'e-2',
  participant: 'SC-2023-0042',
  type: 'release',
  date: '2023-10-16',
  source: 'probation-service',
  institution: 'IK-6',
};

async function* chunksOf(bytes: Uint8Array, cuts: readonly number[]): AsyncGenerator<Uint8Array> {
  let start = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    yield bytes.subarray(start, cut);
    start = cut;
  }
  yield bytes.subarray(start);
}

async function collect(rows: AsyncIterable<CsvRow>): Promise<CsvRow[]> {
  const out: CsvRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** The parseCsv result assembled from streamed rows. */
function flatten(rows: readonly CsvRow[]) {
  return {
    records: rows.flatMap((r) => (r.value === undefined ? [] : [{ at: r.at, value: r.value }])),
    problems: rows.flatMap((r) => r.problems),
  };
}

describe('firstInvalidUtf8', () => {
  it.each([
    ['a stray continuation byte', [0x41, 0x80], 1],
    ['an overlong form', [0x41, 0x42, 0xc0, 0xaf], 2],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 0],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 0],
    ['a truncated sequence at the end', [0x41, 0xd0], 1],
    ['a truncated sequence before ASCII', [0xe2, 0x82, 0x41], 0],
    ['0xFF', [0x41, 0x42, 0x43, 0xff], 3],
  ])('finds %s', (_name, bytes, offset) => {
    // Act
    const found = firstInvalidUtf8(Uint8Array.from(bytes));

    // Assess
    expect(found).toBe(offset);
  });

  it('agrees with the WHATWG decoder on random bytes, and the prefix before the offset is valid (property)', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 10 }), (noise, text) => {
        // Prepare
        const bytes = bytesOf(text, [...noise]);

        // Act
        const offset = firstInvalidUtf8(bytes);

        // Assess
        let valid = true;
        try {
          fatal.decode(bytes);
        } catch {
          valid = false;
        }
        expect(offset === undefined).toBe(valid);
        if (offset !== undefined) expect(() => fatal.decode(bytes.subarray(0, offset))).not.toThrow();
      }),
    );
  });
});

describe('parseJsonBatch', () => {
  it('reads the batch id and the records with their indexes', () => {
    // Prepare
    const bytes = enc(JSON.stringify({ batchId: 'b-1', records: [RELEASE, { ...RELEASE, eventId: 'e-3' }] }, null, 2));

    // Act
    const batch = parseJsonBatch(bytes);

    // Assess
    expect(batch).toEqual({
      batchId: 'b-1',
      records: [
        { at: 0, value: RELEASE },
        { at: 1, value: { ...RELEASE, eventId: 'e-3' } },
      ],
      problems: [],
    });
  });

  it('strips a BOM, accepts CRLF and Cyrillic', () => {
    // Prepare
    const text = '{\r\n"batchId":"b-1",\r\n"records":[{"note":"уволился по собственному желанию"}]\r\n}\r\n';

    // Act
    const batch = parseJsonBatch(bytesOf(BOM, text));

    // Assess
    expect(batch.problems).toEqual([]);
    expect(batch.records).toEqual([{ at: 0, value: { note: 'уволился по собственному желанию' } }]);
  });

  it('reports invalid UTF-8 with its byte offset', () => {
    // Prepare
    const before = '{"batchId":"b","records":[{"note":"ок';
    const bytes = bytesOf(before, [0xd0], '"}]}');

    // Act
    const batch = parseJsonBatch(bytes);

    // Assess
    expect(batch).toEqual({
      records: [],
      problems: [{ message: `invalid UTF-8 at byte offset ${enc(before).length}: the file must be UTF-8 text` }],
    });
  });

  it('reports a syntax error with line, column and the record index, and returns no records', () => {
    // Prepare
    const text = '{"batchId": "b",\n "records": [\n  {"eventId": "a"},\n  {"eventId": "b" "type": "x"}\n]}';

    // Act
    const batch = parseJsonBatch(enc(text));

    // Assess
    expect(batch).toEqual({
      batchId: 'b',
      records: [],
      problems: [
        {
          at: 1,
          message: "invalid JSON at line 4, column 19 (batch b): expected ',' or '}'; nothing after it was read",
        },
      ],
    });
  });

  it.each([
    ['an empty body', '', /the batch is empty/],
    ['a top-level array', '[]', /must be a JSON object/],
    ['trailing text', '{"batchId":"b","records":[{}]} x', /unexpected text after the batch object/],
    ['an unterminated string', '{"batchId":"b', /unterminated string/],
    ['a raw control character', '{"batchId":"b\u0001"}', /control character in a string/],
    ['a bad escape', '{"batchId":"\\x"}', /invalid escape/],
    ['a leading zero', '{"batchId":"b","records":[{"birthYear":01990}]}', /expected ',' or '}'/],
    ['NaN', '{"batchId":"b","records":[NaN]}', /expected a JSON value/],
  ])('rejects %s as invalid JSON', (_name, text, message) => {
    // Act
    const batch = parseJsonBatch(enc(text));

    // Assess
    expect(batch.records).toEqual([]);
    expect(batch.problems).toContainEqual(expect.objectContaining({ message: expect.stringMatching(message) }));
  });

  it('reports every batch-level problem: missing or bad fields, unknown fields, empty records', () => {
    // Act
    const missing = parseJsonBatch(enc('{}'));
    const bad = parseJsonBatch(enc('{"batchId":" x","records":[],"extra":1}'));
    const notArray = parseJsonBatch(enc('{"batchId":"b","records":{"a":1}}'));

    // Assess
    expect(missing.problems).toEqual([
      { field: 'batchId', message: 'is required' },
      { field: 'records', message: 'is required' },
    ]);
    expect(bad.problems).toEqual([
      {
        field: 'batchId',
        message: 'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit',
      },
      { field: 'records', message: 'is empty: a batch must hold at least one record' },
      { field: 'extra', message: 'unknown field of a batch (a batch has batchId and records)' },
    ]);
    expect(notArray.problems).toEqual([{ field: 'records', message: 'must be an array of records' }]);
  });

  it('reports duplicate keys (JSON.parse would keep the last silently)', () => {
    // Prepare
    const text = '{"batchId":"b","records":[{"eventId":"a"},{"eventId":"b","participant":"X1","participant":"X2"}]}';

    // Act
    const batch = parseJsonBatch(enc(text));

    // Assess
    expect(batch.problems).toEqual([
      { at: 1, field: 'participant', message: 'duplicate key: each field may appear only once in an object' },
    ]);
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'reports and drops a %s key, at any depth, without polluting prototypes',
    (key) => {
      // Prepare
      const text = `{"batchId":"b","${key}":{"polluted":1},"records":[{"${key}":{"polluted":1},"note":{"${key}":{"polluted":1}}}]}`;

      // Act
      const batch = parseJsonBatch(enc(text));

      // Assess
      const message = `forbidden key "${key}": not allowed anywhere in a batch`;
      expect(batch.problems).toEqual([
        { field: key, message },
        { at: 0, field: key, message },
        { at: 0, field: `note.${key}`, message },
      ]);
      expect(batch.records).toEqual([{ at: 0, value: { note: {} } }]);
      expect(Object.getPrototypeOf(batch.records[0]?.value)).toBe(Object.prototype);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('reports an unpaired surrogate escape', () => {
    // Prepare
    const text = '{"batchId":"b","records":[{"note":"a\\ud800b","ok":"\\ud83d\\ude00"}]}';

    // Act
    const batch = parseJsonBatch(enc(text));

    // Assess
    expect(batch.problems).toEqual([{ at: 0, field: 'note', message: expect.stringMatching(/unpaired surrogate/) }]);
    expect(batch.records[0]?.value).toEqual({ note: 'a\ud800b', ok: '😀' });
  });

  it('names LIMITS.jsonBytes for a body over the bound, before reading it', () => {
    // Prepare
    const bytes = new Uint8Array(LIMITS.jsonBytes + 1).fill(0x20);

    // Act
    const batch = parseJsonBatch(bytes);

    // Assess
    expect(batch.problems).toEqual([
      {
        message:
          'the JSON batch is 6,000,001 bytes; the limit is 6,000,000 bytes (LIMITS.jsonBytes) (send larger batches as CSV through the upload path)',
      },
    ]);
  });

  it('names LIMITS.recordBytes for a record over 8 KiB, counting UTF-8 bytes', () => {
    // Prepare: 3,000 Cyrillic letters are 6,000 bytes (fine); 4,200 are 8,400 bytes (too large).
    const text = JSON.stringify({
      batchId: 'b',
      records: [{ note: 'я'.repeat(3000) }, { note: 'я'.repeat(4200) }],
    });

    // Act
    const batch = parseJsonBatch(enc(text));

    // Assess
    expect(batch.problems).toEqual([
      { at: 1, message: 'the record is 8,411 bytes; the limit is 8,192 bytes (LIMITS.recordBytes)' },
    ]);
    expect(batch.records).toHaveLength(2);
  });

  it('names LIMITS.batchRecords for too many records', () => {
    // Prepare
    const text = JSON.stringify({ batchId: 'b', records: [{}, {}, {}, {}] });
    const options: ParseOptions = { limits: { batchRecords: 3 } };

    // Act
    const batch = parseJsonBatch(enc(text), options);

    // Assess
    expect(batch.problems).toEqual([
      { field: 'records', message: 'the batch holds more than 3 records (LIMITS.batchRecords)' },
    ]);
    expect(batch.records).toHaveLength(3);
  });

  it('names LIMITS.jsonDepth for nesting beyond the bound, and does not overflow the stack on deep input', () => {
    // Prepare
    const deep = `{"batchId":"b","records":[{"note":${'['.repeat(100_000)}${']'.repeat(100_000)}}]}`;

    // Act: levels 1-3 are the batch, `records` and the record; the 14th array is level 17.
    const batch = parseJsonBatch(enc(deep));

    // Assess
    expect(batch.records).toEqual([]);
    expect(batch.problems).toEqual([
      {
        at: 0,
        message:
          'invalid JSON at line 1, column 48 (batch b): nesting is deeper than 16 levels (LIMITS.jsonDepth); nothing after it was read',
      },
    ]);
  });

  it('reads whatever JSON.stringify writes like JSON.parse does (property)', () => {
    const safeKey = fc.string().filter((k) => !['__proto__', 'constructor', 'prototype'].includes(k));
    const value = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.string({ unit: 'binary' }).filter((s) => s.isWellFormed()),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(safeKey, tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(
        fc.array(fc.dictionary(safeKey, value, { maxKeys: 6 }), { minLength: 1, maxLength: 5 }),
        (records) => {
          // Prepare
          const text = JSON.stringify({ batchId: 'b-1', records });

          // Act
          const batch = parseJsonBatch(enc(text));

          // Assess
          expect(batch.problems).toEqual([]);
          expect(batch.records.map((r) => r.value)).toEqual(JSON.parse(text).records);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('feeds validateRecord: a batch with two bad records reports both, each at its index', () => {
    // Prepare
    const text = JSON.stringify({
      batchId: 'b-1',
      records: [
        RELEASE,
        { ...RELEASE, eventId: 'e-3', date: '2022-01-01' },
        { ...RELEASE, eventId: 'e-4', institution: 'x' },
      ],
    });

    // Act
    const batch = parseJsonBatch(enc(text));
    const problems = batch.records.flatMap(({ at, value }) =>
      validateRecord(value, { profile: KAMCHATKA, today: '2025-01-01' }).problems.map((p) => ({ at, ...p })),
    );

    // Assess
    expect(problems.map((p) => [p.at, p.field])).toEqual([
      [1, 'date'],
      [2, 'institution'],
    ]);
  });
});

const HEADER = 'eventId,participant,type,date,source,institution,note';

describe('parseCsv', () => {
  it('reads rows by header, with the line each row starts on; an empty cell is an absent field', () => {
    // Prepare
    const text = `${HEADER}\ne-2,SC-2023-0042,release,2023-10-16,probation-service,IK-6,\n`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv).toEqual({ records: [{ at: 2, value: RELEASE }], problems: [] });
  });

  it('handles a BOM, CRLF, quoted commas, quotes and line breaks, and Cyrillic', () => {
    // Prepare
    const text =
      'eventId,participant,type,date,source,note\r\n' +
      'p-1,SC 1,probation-violation,2024-04-02,probation-service,"не явился, ""по болезни""\r\nсправка есть"\r\n' +
      'p-2,SC 1,probation-violation,2024-04-03,probation-service,уволился по собственному желанию\r\n';

    // Act
    const csv = parseCsv(bytesOf(BOM, text));

    // Assess
    expect(csv.problems).toEqual([]);
    expect(csv.records).toEqual([
      {
        at: 2,
        value: {
          eventId: 'p-1',
          participant: 'SC 1',
          type: 'probation-violation',
          date: '2024-04-02',
          source: 'probation-service',
          note: 'не явился, "по болезни"\nсправка есть',
        },
      },
      {
        at: 4,
        value: {
          eventId: 'p-2',
          participant: 'SC 1',
          type: 'probation-violation',
          date: '2024-04-03',
          source: 'probation-service',
          note: 'уволился по собственному желанию',
        },
      },
    ]);
  });

  it('converts birthYear to an integer and keeps every other value a string', () => {
    // Prepare
    const text = 'eventId,participant,type,date,source,birthYear,monthlyWage\ne,SC 1,x,2024-01-01,operator,1990,0100\n';

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv.records[0]?.value).toEqual({
      eventId: 'e',
      participant: 'SC 1',
      type: 'x',
      date: '2024-01-01',
      source: 'operator',
      birthYear: 1990,
      monthlyWage: '0100',
    });
  });

  it('reports a non-empty cell in a column that is not a field of the row type, and keeps the rest of the row', () => {
    // Prepare
    const text = `${HEADER}\ne-2,SC-2023-0042,release,2023-10-16,probation-service,IK-6,оставлена записка\n`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv.problems).toEqual([{ at: 2, field: 'note', message: 'not a field of type release' }]);
    expect(csv.records).toEqual([{ at: 2, value: RELEASE }]);
  });

  it('rejects a bad header whole, naming every bad column, and reads no rows', () => {
    // Prepare
    const text = 'eventId,eventId,Participant,,type,date,__proto__\ne,SC 1,release\n';

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv).toEqual({
      records: [],
      problems: [
        { at: 1, field: 'eventId', message: 'duplicate column' },
        {
          at: 1,
          field: 'Participant',
          message: 'unknown column (the columns are the record fields in docs/evidence.md)',
        },
        { at: 1, field: 'column 4', message: 'empty column name' },
        {
          at: 1,
          field: '__proto__',
          message: 'unknown column (the columns are the record fields in docs/evidence.md)',
        },
        { at: 1, field: 'participant', message: 'missing required column' },
        { at: 1, field: 'source', message: 'missing required column' },
      ],
    });
  });

  it('accepts every documented column in the header', () => {
    // Prepare
    const text = `${ALL_FIELDS.join(',')}\n${ALL_FIELDS.map((f) => (f === 'type' ? 'release' : '')).join(',')}\n`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv).toEqual({ records: [{ at: 2, value: { type: 'release' } }], problems: [] });
  });

  it('reports every structural problem of a file, each at its line', () => {
    // Prepare
    const text = [
      HEADER,
      'a,SC 1,release,2023-10-16,operator,IK-6', // 6 cells
      'b,SC 1,release,2023-10-16,operator,IK-6,,extra', // 8 cells
      'c,SC 1,release,2023-10-16,operator,IK"6,', // quote in an unquoted field
      'd,SC 1,release,2023-10-16,operator,"IK-6"x,', // text after a closing quote
      ',,,,,,', // an empty spreadsheet row: skipped
      '',
      'e,SC 1,release,2023-10-16,operator,IK-6,',
      'f,SC 1,release,2023-10-16,operator,IK-6,"never closed\n',
    ].join('\n');

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv.problems).toEqual([
      { at: 2, message: 'the row has 6 cells; the header has 7 columns' },
      { at: 3, message: 'the row has 8 cells; the header has 7 columns' },
      {
        at: 4,
        field: 'institution',
        message: 'a quote inside an unquoted field: put the whole field in quotes and double the quote (RFC 4180)',
      },
      {
        at: 5,
        field: 'institution',
        message:
          'text after a closing quote: a quoted field must end at a comma or line end (double a quote inside quotes)',
      },
      { at: 9, field: 'note', message: 'a quoted field is never closed (its row starts on line 9)' },
    ]);
    expect(csv.records.map((r) => r.at)).toEqual([8]);
  });

  it('rejects a carriage return without a line feed', () => {
    // Prepare
    const text = `${HEADER}\re,SC 1,release,2023-10-16,operator,IK-6,\r`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv.problems).toEqual([
      {
        at: 1,
        message: 'a carriage return (CR) without a line feed (LF) after it: end lines with LF or CRLF',
      },
    ]);
  });

  it.each([
    ['an empty file', '', 'the file is empty: expected a header row of column names'],
    ['a BOM alone', '\ufeff', 'the file is empty: expected a header row of column names'],
    ['a header alone', `${HEADER}\r\n`, 'the file has no records: an empty batch is rejected'],
  ])('rejects %s', (_name, text, message) => {
    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv).toEqual({ records: [], problems: [{ at: 1, message }] });
  });

  it('reports invalid UTF-8 with its byte offset and line, after the rows before it', () => {
    // Prepare
    const good = `${HEADER}\ne-2,SC-2023-0042,release,2023-10-16,probation-service,IK-6,\n`;
    const before = 'e-3,SC 1,release,2023-10-16,operator,IK-6,ок';
    const bytes = bytesOf(BOM, good, before, [0xff], '\n');

    // Act
    const csv = parseCsv(bytes);

    // Assess
    expect(csv.records).toEqual([{ at: 2, value: RELEASE }]);
    expect(csv.problems).toEqual([
      {
        at: 3,
        message: `invalid UTF-8 at byte offset ${3 + enc(good).length + enc(before).length}: the file must be UTF-8 text`,
      },
    ]);
  });

  it('names LIMITS.fieldChars for a cell over the bound', () => {
    // Prepare
    const text = `${HEADER}\ne-2,SC 1,release,2023-10-16,operator,IK-6,"${'я'.repeat(1001)}"\n`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv).toEqual({
      records: [],
      problems: [
        {
          at: 2,
          field: 'note',
          message: 'the value is 1,001 characters; the limit of a cell is 1,000 characters (LIMITS.fieldChars)',
        },
      ],
    });
  });

  it('names LIMITS.recordBytes for a row over 8 KiB, counting UTF-8 bytes', () => {
    // Prepare
    const text = `${HEADER}\ne-2,SC 1,release,2023-10-16,operator,IK-6,"${'я,'.repeat(2800)}"\n`;

    // Act
    const csv = parseCsv(enc(text));

    // Assess
    expect(csv.problems).toContainEqual({
      at: 2,
      message: 'the row is 8,444 bytes; the limit is 8,192 bytes (LIMITS.recordBytes)',
    });
    expect(csv.records).toEqual([]);
  });

  it('names LIMITS.batchRecords and stops at the first row over it', () => {
    // Prepare
    const row = 'e,SC 1,release,2023-10-16,operator,IK-6,\n';
    const text = `${HEADER}\n${row.repeat(5)}`;

    // Act
    const csv = parseCsv(enc(text), { limits: { batchRecords: 3 } });

    // Assess
    expect(csv.records.map((r) => r.at)).toEqual([2, 3, 4]);
    expect(csv.problems).toEqual([{ at: 5, message: 'the file holds more than 3 records (LIMITS.batchRecords)' }]);
  });

  it('names LIMITS.fileBytes for a file over the bound', () => {
    // Prepare
    const text = `${HEADER}\ne-2,SC 1,release,2023-10-16,operator,IK-6,\n`;

    // Act
    const csv = parseCsv(enc(text), { limits: { fileBytes: 50 } });

    // Assess
    expect(csv).toEqual({
      records: [],
      problems: [{ at: 1, message: 'the file is larger than 50 bytes (LIMITS.fileBytes)' }],
    });
  });

  it('reads the CSV example of docs/evidence.md into records that validate', () => {
    // Prepare
    const doc = readFileSync(new URL('../../docs/evidence.md', import.meta.url), 'utf8');
    const example = /```csv\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';

    // Act
    const csv = parseCsv(enc(example));
    const problems = csv.records.flatMap(
      (r) => validateRecord(r.value, { profile: KAMCHATKA, today: '2025-01-01' }).problems,
    );

    // Assess
    expect(csv.problems).toEqual([]);
    expect(csv.records.map((r) => r.at)).toEqual([2, 3, 4]);
    expect(problems).toEqual([]);
    expect((csv.records[2]?.value as Record<string, unknown> | undefined)?.note).toMatch(
      /^сезон закончился, работодатель "готов взять снова"\nв/,
    );
  });
});

// ---- A generator of CSV files with a known expected result.

const CELL_PIECES = ['a', 'Z', '7', ' ', 'я', 'Ё', 'ж', '😀', '€', ',', '"', '\n', '\r\n', '\r', '-', '\u00a0'];
const cell = fc.array(fc.constantFrom(...CELL_PIECES), { maxLength: 6 }).map((p) => p.join(''));
const TYPES = [...EVIDENCE_TYPES.slice(0, 3), 'not-a-type', ''];

/** A CSV file (as bytes) and the records parseCsv must find in it. */
const csvFile = fc
  .record({
    extra: fc.subarray(['note', 'institution', 'reason', 'supersedes', 'monthlyWage', 'to']),
    rows: fc.array(fc.tuple(fc.constantFrom(...TYPES), fc.array(cell, { minLength: 11, maxLength: 11 })), {
      maxLength: 8,
    }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    finalNewline: fc.boolean(),
    alwaysQuote: fc.boolean(),
  })
  .map(({ extra, rows, crlf, bom, finalNewline, alwaysQuote }) => {
    const columns = ['eventId', 'participant', 'type', 'date', 'source', ...extra];
    const eol = crlf ? '\r\n' : '\n';
    const quote = (v: string) => (alwaysQuote || /[",\r\n]/.test(v) || v === '' ? `"${v.replaceAll('"', '""')}"` : v);
    const lines = [columns.join(',')];
    const expected: { at: number; value: Record<string, unknown> }[] = [];
    const problems: { at: number; field: string; message: string }[] = [];
    let line = 1;
    for (const [type, cells] of rows) {
      line++;
      const values = columns.map((c, i) => (c === 'type' ? type : (cells[i] as string)));
      const at = line;
      const text = values.map(quote).join(',');
      lines.push(text);
      line += (text.match(/\n/g) ?? []).length;
      if (values.every((v) => v === '')) continue;
      const value: Record<string, unknown> = {};
      for (const [i, c] of columns.entries()) {
        const v = (values[i] as string).replaceAll('\r\n', '\n');
        if (v === '') continue;
        const t = type as (typeof EVIDENCE_TYPES)[number];
        if ((EVIDENCE_TYPES as readonly string[]).includes(type) && !isFieldOf(t, c)) {
          problems.push({ at, field: c, message: `not a field of type ${type}` });
          continue;
        }
        value[c] = v;
      }
      expected.push({ at, value });
    }
    const body = lines.join(eol) + (finalNewline ? eol : '');
    const bytes = bytesOf(bom ? BOM : [], body);
    const empty = expected.length === 0 && problems.length === 0;
    return {
      bytes,
      expected: {
        records: expected,
        problems: empty ? [{ at: 1, message: 'the file has no records: an empty batch is rejected' }] : problems,
      },
    };
  });

/** Cut points for splitting `length` bytes into chunks. */
const cutsFor = (length: number) => fc.uniqueArray(fc.integer({ min: 0, max: length }), { maxLength: 12 });

describe('parseCsv and parseCsvStream on generated files', () => {
  it('parseCsv finds exactly the generated records (property)', () => {
    fc.assert(
      fc.property(csvFile, ({ bytes, expected }) => {
        // Act
        const csv = parseCsv(bytes);

        // Assess
        expect(csv).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same output as parseCsv for any chunking of the same file (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvFile.chain((f) => fc.tuple(fc.constant(f.bytes), cutsFor(f.bytes.length))),
        async ([bytes, cuts]) => {
          // Act
          const streamed = flatten(await collect(parseCsvStream(chunksOf(bytes, cuts))));

          // Assess
          expect(streamed).toEqual(parseCsv(bytes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives the same output as parseCsv for any chunking of malformed CSV (property)', async () => {
    const messy = fc
      .tuple(
        fc.constantFrom(HEADER, 'eventId,participant,type,date,source', 'eventId,bogus'),
        fc.array(fc.constantFrom(',', '"', '""', '\r', '\n', '\r\n', 'a', 'я', '😀', 'release', 'note'), {
          maxLength: 60,
        }),
      )
      .map(([header, pieces]) => enc(`${header}\n${pieces.join('')}`));
    await fc.assert(
      fc.asyncProperty(
        messy.chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
        async ([bytes, cuts]) => {
          // Act
          const streamed = flatten(await collect(parseCsvStream(chunksOf(bytes, cuts))));

          // Assess
          expect(streamed).toEqual(parseCsv(bytes));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same output as parseCsv for any chunking of a file with invalid bytes (property)', async () => {
    const damaged = csvFile.chain(({ bytes }) =>
      fc
        .tuple(fc.integer({ min: 0, max: bytes.length }), fc.constantFrom([0xff], [0xc0, 0xaf], [0xe2, 0x82], [0x80]))
        .map(([at, bad]) => Uint8Array.from([...bytes.subarray(0, at), ...bad, ...bytes.subarray(at)])),
    );
    await fc.assert(
      fc.asyncProperty(
        damaged.chain((bytes) => fc.tuple(fc.constant(bytes), cutsFor(bytes.length))),
        async ([bytes, cuts]) => {
          // Act
          const whole = parseCsv(bytes);
          const streamed = flatten(await collect(parseCsvStream(chunksOf(bytes, cuts))));

          // Assess
          expect(streamed).toEqual(whole);
          expect(whole.problems).toContainEqual(
            expect.objectContaining({ message: expect.stringMatching(/invalid UTF-8 at byte offset/) }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parseCsvStream', () => {
  it('reads a file one byte at a time: Cyrillic characters and a quoted CRLF split between chunks', async () => {
    // Prepare
    const bytes = bytesOf(
      BOM,
      'eventId,participant,type,date,source,note\r\n1,SC 1,x,2024-01-01,operator,"ёж\r\n😀"\r\n',
    );
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);

    // Act
    const rows = await collect(parseCsvStream(chunksOf(bytes, cuts)));

    // Assess
    expect(rows).toEqual([
      {
        at: 2,
        value: { eventId: '1', participant: 'SC 1', type: 'x', date: '2024-01-01', source: 'operator', note: 'ёж\n😀' },
        problems: [],
      },
    ]);
  });

  it('stops reading the source after a file-level problem', async () => {
    // Prepare
    let pulled = 0;
    let closed = false;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (const text of ['bogus,columns\n', 'a,b\n', 'c,d\n', 'e,f\n']) {
          pulled++;
          yield enc(text);
        }
      } finally {
        closed = true;
      }
    }

    // Act
    const rows = await collect(parseCsvStream(source()));

    // Assess
    expect(rows).toHaveLength(1);
    expect(rows[0]?.at).toBe(1);
    expect(pulled).toBe(1);
    expect(closed).toBe(true);
  });

  it('names LIMITS.fileBytes once the bytes read pass the bound', async () => {
    // Prepare
    const head = enc(`${HEADER}\n`);
    const row = enc('e,SC 1,release,2023-10-16,operator,IK-6,\n');
    async function* source(): AsyncGenerator<Uint8Array> {
      yield head;
      for (;;) yield row;
    }

    // Act
    const rows = await collect(parseCsvStream(source(), { limits: { fileBytes: head.length + 10 * row.length } }));

    // Assess
    expect(rows).toHaveLength(11);
    expect(rows.at(-1)?.problems).toEqual([
      { at: 12, message: `the file is larger than ${head.length + 10 * row.length} bytes (LIMITS.fileBytes)` },
    ]);
  });

  it('streams a large generated file row by row with a count per line', async () => {
    // Prepare: 200,000 rows, produced lazily in 64 KiB chunks.
    const rowsWanted = 200_000;
    async function* source(): AsyncGenerator<Uint8Array> {
      yield enc('eventId,participant,type,date,source,note\n');
      let buffer = '';
      for (let i = 0; i < rowsWanted; i++) {
        buffer += `ev-${i},SC ${i % 977},probation-violation,2024-04-02,probation-service,"не явился, ""${i}"""\n`;
        if (buffer.length > 32_000) {
          yield enc(buffer);
          buffer = '';
        }
      }
      yield enc(buffer);
    }

    // Act
    let count = 0;
    let lastAt = 0;
    let problems = 0;
    for await (const row of parseCsvStream(source())) {
      count++;
      lastAt = row.at;
      problems += row.problems.length;
    }

    // Assess
    expect(count).toBe(rowsWanted);
    expect(lastAt).toBe(rowsWanted + 1);
    expect(problems).toBe(0);
  });
});
