/**
 * Hostile input on the intake side: strings that are not valid Unicode,
 * problem lists too long to answer, JSON syntax errors, cells over their
 * limit, and personal data written the ways people write it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type ContractProfile, ContractProfileSchema } from '#contracts';
import { freeTextProblems, validateRecord } from '#evidence';
import { MAX_LISTED_PROBLEMS, ProblemLog, parseCsv, parseJsonBatch, rejectBatch, rejectProblemLogs } from '#intake';
import { type Problem, ValidationError } from '#kernel';
import { enrol, job } from '../support/evidence.ts';

const profileOf = (name: string): ContractProfile =>
  ContractProfileSchema.parse(
    JSON.parse(readFileSync(new URL(`../../contracts/${name}.json`, import.meta.url), 'utf8')),
  );
const violation = (eventId: string, participant: string, note: string) => ({
  eventId,
  participant,
  type: 'probation-violation',
  date: '2024-05-01',
  source: 'probation-service',
  note,
});
const CTX = { profile: profileOf('second-chance-kamchatka'), today: '2025-06-30' };

describe('strings that are not valid Unicode', () => {
  it.each([
    ['a lone high surrogate in a note', violation('e1', 'OP-1', 'visit \ud83d'), 'note'],
    ['a lone low surrogate in the participant', enrol('e1', 'OP-1\udc00'), 'participant'],
    ['a lone surrogate in the event id', enrol('e\ud800', 'OP-1'), 'eventId'],
    ['a reversed pair in the employer', { ...job('e1', 'OP-1'), employerId: '\udc00\ud800' }, 'employerId'],
    [
      'a lone surrogate in an unknown nested field',
      { ...enrol('e1', 'OP-1'), extra: { a: ['ok', '\ud800'] } },
      'extra.a[1]',
    ],
  ])('refuses %s, naming the field', (_name, record, field) => {
    const result = validateRecord(record, CTX);

    expect(result.record).toBeUndefined();
    expect(result.problems).toContainEqual({ field, message: expect.stringMatching(/unpaired surrogate/) });
  });

  it('refuses a lone surrogate in a key, naming the record', () => {
    const result = validateRecord({ ...enrol('e1', 'OP-1'), 'sex\ud800': 'x' }, CTX);

    expect(result.record).toBeUndefined();
    expect(result.problems).toContainEqual({
      message: expect.stringMatching(/^a key of this object .*unpaired surrogate/),
    });
  });

  it('accepts surrogate pairs (emoji) where free text may hold them', () => {
    const result = validateRecord(violation('e1', 'OP-1', 'missed a visit 🙂'), CTX);

    expect(result.problems).toEqual([]);
    expect(result.record).toBeDefined();
  });
});

describe('long problem lists', () => {
  const many = (n: number, field?: string): Problem[] =>
    Array.from({ length: n }, (_, at) => ({ at, ...(field === undefined ? {} : { field }), message: 'is required' }));
  const thrown = (f: () => never): ValidationError => {
    try {
      f();
    } catch (error) {
      if (error instanceof ValidationError) return error;
      throw error;
    }
  };

  it('lists the first MAX_LISTED_PROBLEMS in batch order, with the count of all and per field', () => {
    const problems = [...many(3_000, 'eventId'), ...many(2_000, 'type'), ...many(10), { message: 'batch-wide' }];

    const error = thrown(() => rejectBatch(problems));

    expect(MAX_LISTED_PROBLEMS).toBe(1_000);
    expect(error.problems).toHaveLength(1_000);
    expect(error.problems[0]).toEqual({ message: 'batch-wide' });
    const ats = error.problems.slice(1).map((p) => p.at as number);
    expect(ats).toEqual([...ats].sort((x, y) => x - y));
    expect(ats.at(-1)).toBe(494); // 10 records with 3 problems, then 2 a record
    expect(error.summary).toEqual({
      total: 5_011,
      byField: { '(batch)': 1, '(record)': 10, eventId: 3_000, type: 2_000 },
    });
    expect(error.message).toBe(
      'batch rejected: 5011 problems in 3000 records; nothing was written; the first 1000 are listed',
    );
  });

  it('merges two problem logs (record checks, cross-record checks) the same way', () => {
    const a = new ProblemLog();
    const b = new ProblemLog();
    for (const p of many(1_500, 'note')) a.add(p);
    for (const p of many(700, 'participant')) b.add(p);

    const error = thrown(() => rejectProblemLogs(a, b));

    expect(error.problems).toHaveLength(1_000);
    expect(error.summary).toEqual({ total: 2_200, byField: { note: 1_500, participant: 700 } });
  });
});

describe('JSON syntax errors', () => {
  const parse = (text: string) => parseJsonBatch(new TextEncoder().encode(text));

  it('names line, column and the batch id read before the error', () => {
    const batch = parse('{"batchId": "b-7",\n "records": [\n  {"eventId": "e1",}\n]}');

    expect(batch.batchId).toBe('b-7');
    expect(batch.problems).toEqual([
      {
        at: 0,
        message:
          'invalid JSON at line 3, column 20 (batch b-7): expected a key in double quotes; nothing after it was read',
      },
    ]);
  });

  it('finds a batch id written after the error', () => {
    const batch = parse('{"records": [{"eventId": "e1" "type": "x"}],\n "batchId": "b-8"}');

    expect(batch.batchId).toBe('b-8');
    expect(batch.problems).toEqual([
      {
        at: 0,
        message: "invalid JSON at line 1, column 31 (batch b-8): expected ',' or '}'; nothing after it was read",
      },
    ]);
  });

  it('takes no batch id from inside a string, nor a malformed one', () => {
    const quoted = parse('{"records": [{"note": "see \\"batchId\\": \\"b-9\\"" oops}]}');
    const malformed = parse('{"batchId": "../etc", "records": [}');

    expect(quoted.batchId).toBeUndefined();
    expect(quoted.problems[0]?.message).toMatch(/^invalid JSON at line 1, column 50: /);
    expect(malformed.batchId).toBeUndefined();
  });
});

describe('the bound of a cell', () => {
  const HEADER = 'eventId,participant,type,date,source,note';

  it('names the cell and LIMITS.fieldChars for a 30,000-character note, beside the row size', () => {
    const text = `${HEADER}\ne-1,SC 1,probation-violation,2024-05-01,probation-service,"${'a'.repeat(30_000)}"\n`;

    const csv = parseCsv(new TextEncoder().encode(text));

    expect(csv.records).toEqual([]);
    expect(csv.problems).toEqual([
      {
        at: 2,
        field: 'note',
        message: 'the value is 30,000 characters; the limit of a cell is 1,000 characters (LIMITS.fieldChars)',
      },
      { at: 2, message: expect.stringMatching(/^the row is 30,0\d\d bytes; the limit is 8,192 bytes/) },
    ]);
  });

  it('names each long cell of a row with its length', () => {
    const text = `${HEADER}\ne-1,${'b'.repeat(1_200)},probation-violation,2024-05-01,probation-service,"${'я'.repeat(3_000)}"\n`;
    const reader = new TextEncoder().encode(text);

    const csv = parseCsv(reader);

    expect(csv.problems.filter((p) => p.field !== undefined)).toEqual([
      { at: 2, field: 'participant', message: expect.stringMatching(/^the value is 1,200 characters; the limit/) },
      { at: 2, field: 'note', message: expect.stringMatching(/^the value is 3,000 characters; the limit/) },
    ]);
  });

  it('names the field and LIMITS.freeTextChars for a 30,000-character note in a JSON record', () => {
    const record = violation('e1', 'OP-1', 'a'.repeat(30_000));

    const batch = parseJsonBatch(new TextEncoder().encode(JSON.stringify({ batchId: 'b', records: [record] })));
    const result = validateRecord(batch.records[0]?.value, CTX);

    expect(batch.problems).toEqual([
      { at: 0, message: expect.stringMatching(/^the record is 30,\d+ bytes; the limit/) },
    ]);
    expect(result.problems).toContainEqual({
      field: 'note',
      message: 'is longer than 500 characters (LIMITS.freeTextChars)',
    });
  });
});

describe('personal data in free text: a corpus of real formats (synthetic values)', () => {
  const corpus = JSON.parse(readFileSync(new URL('../fixtures/free-text/corpus.json', import.meta.url), 'utf8')) as {
    personal: { text: string; kind: string }[];
    harmless: string[];
  };

  it.each(corpus.personal.map((c) => [c.text, c.kind]))('refuses %j (%s)', (text, kind) => {
    const problems = freeTextProblems(text);

    expect(problems).toContainEqual(
      expect.stringContaining(`looks like it contains a${kind === 'ID number' ? 'n' : ''} ${kind}`),
    );
    expect(problems.join('\n')).not.toContain(text);
  });

  it.each(corpus.harmless)('passes %j', (text) => {
    expect(freeTextProblems(text)).toEqual([]);
  });

  it('holds enough of each kind', () => {
    expect(corpus.personal.filter((c) => c.kind === 'ID number').length).toBeGreaterThanOrEqual(20);
    expect(corpus.personal.filter((c) => c.kind === 'personal name').length).toBeGreaterThanOrEqual(15);
    expect(corpus.harmless.length).toBeGreaterThanOrEqual(25);
  });
});
