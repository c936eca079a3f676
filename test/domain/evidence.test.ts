import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractProfile, ContractProfileSchema } from '#contracts';
import {
  ALL_FIELDS,
  EVIDENCE_TYPES,
  type EvidenceInput,
  EvidenceInputSchema,
  FIELDS_BY_TYPE,
  FREE_TEXT_FIELDS,
  freeTextProblems,
  LIMITS,
  SOURCES,
  type StoredRecord,
  StoredRecordSchema,
  type TimelineFacts,
  toStoredRecord,
  validateRecord,
} from '#evidence';
import { BatchChecker, checkBatch, type KnownState, knownStateQueries } from '#intake';

const profileOf = (name: string): ContractProfile =>
  ContractProfileSchema.parse(
    JSON.parse(readFileSync(new URL(`../../contracts/${name}.json`, import.meta.url), 'utf8')),
  );
const KAMCHATKA = profileOf('second-chance-kamchatka');
const ANTARES = profileOf('antares-vko-2017');
const TODAY = '2025-06-30';
const CTX = { profile: KAMCHATKA, today: TODAY };
const HASH_A = 'a'.repeat(64);
const HASH_B = '0123456789abcdef'.repeat(4);

/** One valid input record of each type, for the Second Chance contract (the timeline of one participant). */
const VALID: Record<(typeof EVIDENCE_TYPES)[number], Record<string, unknown>> = {
  enrolment: {
    eventId: 'e-1',
    participant: 'SC-2023-0042',
    type: 'enrolment',
    date: '2023-09-04',
    source: 'operator',
    cohort: '2023',
    category: 'serving-sentence',
    sex: 'female',
    birthYear: 1990,
    consentSha256: HASH_A,
  },
  release: {
    eventId: 'e-2',
    participant: 'SC-2023-0042',
    type: 'release',
    date: '2023-10-16',
    source: 'probation-service',
    institution: 'IK-6',
  },
  service: {
    eventId: 'e-3',
    participant: 'SC-2023-0042',
    type: 'service',
    date: '2023-10-20',
    source: 'operator',
    serviceType: 'legal-aid',
    provider: 'NKO-PRAVO',
    documentSha256: HASH_B,
  },
  'employment-started': {
    eventId: 'e-4',
    participant: 'SC-2023-0042',
    type: 'employment-started',
    date: '2023-11-01',
    source: 'employer',
    employerId: 'KAMRYBPROM',
    contractType: 'permanent',
    monthlyWage: '6500000',
  },
  'employment-confirmed': {
    eventId: 'e-5',
    participant: 'SC-2023-0042',
    type: 'employment-confirmed',
    date: '2023-12-05',
    source: 'pension-records',
    employerId: 'KAMRYBPROM',
    month: '2023-11',
  },
  'employment-ended': {
    eventId: 'e-6',
    participant: 'SC-2023-0042',
    type: 'employment-ended',
    date: '2024-03-15',
    source: 'employer',
    employerId: 'KAMRYBPROM',
    reason: 'resigned',
    note: 'уволилась по собственному желанию',
  },
  'probation-violation': {
    eventId: 'e-7',
    participant: 'SC-2023-0042',
    type: 'probation-violation',
    date: '2024-04-02',
    source: 'probation-service',
  },
  'custody-spell': {
    eventId: 'e-8',
    participant: 'SC-2023-0042',
    type: 'custody-spell',
    date: '2024-04-21',
    source: 'court',
    to: '2024-06-10',
  },
  reconviction: {
    eventId: 'e-9',
    participant: 'SC-2023-0042',
    type: 'reconviction',
    date: '2024-06-10',
    source: 'court',
    offenceDate: '2024-04-20',
  },
  withdrawal: {
    eventId: 'e-10',
    participant: 'SC-2023-0042',
    type: 'withdrawal',
    date: '2024-07-01',
    source: 'operator',
    reason: 'moved-away',
  },
  correction: {
    eventId: 'e-11',
    participant: 'SC-2023-0042',
    type: 'correction',
    date: '2024-07-02',
    source: 'operator',
    supersedes: 'e-3',
    reason: 'запись внесена ошибочно',
  },
};

/** `VALID[type]` with some fields replaced (`undefined` deletes one). */
function variant(type: keyof typeof VALID, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...VALID[type] };
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  return out;
}

const P1 = `p-${'1'.repeat(32)}`;
const P2 = `p-${'2'.repeat(32)}`;
const P3 = `p-${'3'.repeat(32)}`;
const NOTHING_KNOWN: KnownState = { enrolled: new Set(), eventIds: new Set(), employments: new Map() };

/** The stored form of VALID[type] (participant P1 unless told), with some fields replaced. */
function stored(type: keyof typeof VALID, patch: Record<string, unknown> = {}): StoredRecord {
  return StoredRecordSchema.parse({ ...variant(type, patch), participant: patch.participant ?? P1 });
}

describe('the evidence model', () => {
  it('has a valid example of every type, and each passes validateRecord unchanged', () => {
    // Prepare
    const types = Object.keys(VALID).sort();

    // Act
    const results = EVIDENCE_TYPES.map((t) => validateRecord(VALID[t], CTX));

    // Assess
    expect(types).toEqual([...EVIDENCE_TYPES].sort());
    for (const [i, r] of results.entries()) {
      expect(r.problems, EVIDENCE_TYPES[i]).toEqual([]);
      expect(r.record).toEqual(VALID[EVIDENCE_TYPES[i] as keyof typeof VALID]);
    }
  });

  it('accepts the documented examples in docs/evidence.md, which form a valid batch in order', () => {
    // Prepare
    const doc = readFileSync(new URL('../../docs/evidence.md', import.meta.url), 'utf8');
    const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1] as string));
    const examples = blocks.filter((b) => typeof b.type === 'string');

    // Act
    const results = examples.map((e) => validateRecord(e, CTX));
    const batch = results.map((r) => toStoredRecord(r.record as EvidenceInput, P1));
    const crossProblems = checkBatch(batch, NOTHING_KNOWN);

    // Assess
    expect(new Set(examples.map((e) => e.type))).toEqual(new Set(EVIDENCE_TYPES));
    for (const r of results) expect(r.problems).toEqual([]);
    expect(crossProblems).toEqual([]);
  });

  it('lists the fields of each type, common fields first, and their union as the CSV columns', () => {
    // Assess
    expect(FIELDS_BY_TYPE['custody-spell']).toEqual([
      'eventId',
      'participant',
      'type',
      'date',
      'source',
      'documentSha256',
      'to',
    ]);
    expect(ALL_FIELDS).toEqual([
      'eventId',
      'participant',
      'type',
      'date',
      'source',
      'documentSha256',
      'cohort',
      'category',
      'sex',
      'birthYear',
      'consentSha256',
      'status',
      'institution',
      'serviceType',
      'provider',
      'employerId',
      'contractType',
      'monthlyWage',
      'reason',
      'note',
      'month',
      'offenceDate',
      'to',
      'supersedes',
    ]);
    expect(SOURCES).toContain('pension-records');
    expect(FREE_TEXT_FIELDS.correction).toEqual(['reason']);
    expect(FREE_TEXT_FIELDS.withdrawal).toEqual([]);
  });

  it('stores pseudonyms only: the stored schema refuses a raw reference, the input schema takes it', () => {
    // Prepare
    const input = VALID.release;

    // Act
    const asInput = EvidenceInputSchema.safeParse(input);
    const asStored = StoredRecordSchema.safeParse(input);
    const converted = toStoredRecord(EvidenceInputSchema.parse(input), P1);

    // Assess
    expect(asInput.success).toBe(true);
    expect(asStored.success).toBe(false);
    expect(converted).toEqual({ ...input, participant: P1 });
  });
});

describe('validateRecord: each rule fails with its field and a reason', () => {
  const cases: [string, Record<string, unknown>, string | undefined, RegExp][] = [
    ['an unknown field', variant('release', { colour: 'red' }), 'colour', /^unknown field$/],
    ['a field of another type', variant('enrolment', { note: 'ок' }), 'note', /not a field of type enrolment/],
    ['a missing eventId', variant('release', { eventId: undefined }), 'eventId', /^is required$/],
    ['a malformed eventId', variant('release', { eventId: ' e 1' }), 'eventId', /1 to 64 characters/],
    ['an eventId over 64 characters', variant('release', { eventId: 'e'.repeat(65) }), 'eventId', /1 to 64/],
    [
      'a malformed participant',
      variant('release', { participant: 'Иванов!' }),
      'participant',
      /national ID or operator code/,
    ],
    [
      'a participant reference over 41 characters',
      variant('release', { participant: 'A'.repeat(42) }),
      'participant',
      /3 to 41/,
    ],
    ['a missing type', variant('release', { type: undefined }), 'type', /is required \(one of: enrolment/],
    ['an unknown type', variant('release', { type: 'arrest' }), 'type', /must be one of: enrolment, release/],
    ['an impossible date', variant('release', { date: '2024-02-30' }), 'date', /real calendar date written YYYY-MM-DD/],
    ['a date with time', variant('release', { date: '2024-02-01T10:00:00Z' }), 'date', /YYYY-MM-DD/],
    [
      'a date before the term',
      variant('release', { date: '2023-07-31' }),
      'date',
      /before the contract term \(it starts on 2023-08-01\)/,
    ],
    ['a date after the term', variant('release', { date: '2026-04-01' }), 'date', /in the future/],
    [
      'a date in the future',
      variant('release', { date: '2025-07-01' }),
      'date',
      /in the future \(today is 2025-06-30\)/,
    ],
    ['an unknown source', variant('release', { source: 'neighbour' }), 'source', /must be one of: operator, employer/],
    [
      'an upper-case document hash',
      variant('release', { documentSha256: HASH_A.toUpperCase() }),
      'documentSha256',
      /64 lower-case hex/,
    ],
    [
      'a cohort not in the contract',
      variant('enrolment', { cohort: '2022' }),
      'cohort',
      /not a cohort of this contract \(2023, 2024, 2025\)/,
    ],
    [
      'an unknown category',
      variant('enrolment', { category: 'parole' }),
      'category',
      /serving-sentence, probation, released/,
    ],
    ['an unknown sex', variant('enrolment', { sex: 'x' }), 'sex', /male, female/],
    ['a fractional birth year', variant('enrolment', { birthYear: 1990.5 }), 'birthYear', /whole number/],
    ['a birth year as text', variant('enrolment', { birthYear: '1990' }), 'birthYear', /whole number/],
    ['a participant too old', variant('enrolment', { birthYear: 1942 }), 'birthYear', /outside 14 to 80 years/],
    ['a participant too young', variant('enrolment', { birthYear: 2010 }), 'birthYear', /outside 14 to 80 years/],
    ['a missing consent hash', variant('enrolment', { consentSha256: undefined }), 'consentSha256', /^is required$/],
    ['a lower-case institution code', variant('release', { institution: 'ik-6' }), 'institution', /upper-case letters/],
    [
      'a service type not in the contract',
      variant('service', { serviceType: 'leisure' }),
      'serviceType',
      /not a service type of this contract/,
    ],
    [
      'a wage as a JSON number',
      variant('employment-started', { monthlyWage: 6500000 }),
      'monthlyWage',
      /never a JSON number/,
    ],
    [
      'a negative wage',
      variant('employment-started', { monthlyWage: '-6500000' }),
      'monthlyWage',
      /^must not be negative$/,
    ],
    [
      'a wage with leading zeros',
      variant('employment-started', { monthlyWage: '06500000' }),
      'monthlyWage',
      /leading zeros/,
    ],
    [
      'a wage with a decimal point',
      variant('employment-started', { monthlyWage: '65000.00' }),
      'monthlyWage',
      /minor units/,
    ],
    [
      'an unknown contract type',
      variant('employment-started', { contractType: 'gig' }),
      'contractType',
      /permanent, fixed-term, temporary/,
    ],
    [
      'an unknown end reason',
      variant('employment-ended', { reason: 'fired' }),
      'reason',
      /resigned, dismissed, contract-ended, other/,
    ],
    [
      'a confirmation by the operator',
      variant('employment-confirmed', { source: 'operator' }),
      'source',
      /employer, tax-records, pension-records/,
    ],
    ['a malformed month', variant('employment-confirmed', { month: '2023-13' }), 'month', /YYYY-MM/],
    [
      'a month after the record date',
      variant('employment-confirmed', { month: '2024-01' }),
      'month',
      /after the month of the record date/,
    ],
    [
      'a month before the term',
      variant('employment-confirmed', { month: '2023-07' }),
      'month',
      /before the contract term/,
    ],
    ['a reconviction not from a court', variant('reconviction', { source: 'operator' }), 'source', /must be court/],
    [
      'an offence after the conviction',
      variant('reconviction', { offenceDate: '2024-06-11' }),
      'offenceDate',
      /must not be after the conviction/,
    ],
    [
      'an offence before the term',
      variant('reconviction', { offenceDate: '2023-01-01' }),
      'offenceDate',
      /before the contract term/,
    ],
    [
      'custody ending before it starts',
      variant('custody-spell', { to: '2024-04-20' }),
      'to',
      /must not be before the record date/,
    ],
    ['custody ending in the future', variant('custody-spell', { to: '2025-07-02' }), 'to', /in the future/],
    ['an unknown withdrawal reason', variant('withdrawal', { reason: 'bored' }), 'reason', /moved-away, died, refused/],
    ['a correction without a reason', variant('correction', { reason: undefined }), 'reason', /^is required$/],
    ['a correction of a malformed id', variant('correction', { supersedes: '' }), 'supersedes', /1 to 64 characters/],
    ['a name in a note', variant('employment-ended', { note: 'ушёл к Иван Петров' }), 'note', /personal name/],
    ['an ID number in a reason', variant('correction', { reason: 'СНИЛС 123-456-789 01' }), 'reason', /ID number/],
    [
      'a note over the bound',
      variant('probation-violation', { note: 'а'.repeat(501) }),
      'note',
      /longer than 500 characters \(LIMITS\.freeTextChars\)/,
    ],
    ['a blank note', variant('probation-violation', { note: '  ' }), 'note', /must not be empty/],
    [
      'a note with a control character',
      variant('probation-violation', { note: 'a\u0007b' }),
      'note',
      /control character at character 2/,
    ],
    ['a note as a number', variant('probation-violation', { note: 5 }), 'note', /must be a string/],
  ];

  it.each(cases)('rejects %s', (_name, record, field, message) => {
    // Act
    const result = validateRecord(record, CTX);

    // Assess
    expect(result.record).toBeUndefined();
    expect(result.problems).toContainEqual({ field, message: expect.stringMatching(message) });
  });

  it.each(['__proto__', 'constructor', 'prototype'])('rejects a %s key by name (as JSON.parse creates it)', (key) => {
    // Prepare
    const record = JSON.parse(`{"${key}": {"polluted": true}, ${JSON.stringify(VALID.release).slice(1)}`);

    // Act
    const result = validateRecord(record, CTX);

    // Assess
    expect(result.problems).toEqual([
      { field: key, message: `forbidden key "${key}": not allowed anywhere in a record` },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects a forbidden key nested inside a field', () => {
    // Prepare
    const record = { ...VALID.release, institution: JSON.parse('{"__proto__": 1}') };

    // Act
    const result = validateRecord(record, CTX);

    // Assess
    expect(result.problems).toContainEqual({
      field: 'institution.__proto__',
      message: 'forbidden key "__proto__": not allowed anywhere in a record',
    });
  });

  it.each([
    ['an array', []],
    ['null', null],
    ['a string', 'enrolment'],
  ])('rejects %s as a record', (_name, value) => {
    // Act
    const result = validateRecord(value, CTX);

    // Assess
    expect(result).toEqual({ problems: [{ message: 'a record must be a JSON object' }] });
  });

  it('reports every problem of a record, schema and rules together, each once', () => {
    // Prepare
    const record = variant('enrolment', {
      eventId: '',
      cohort: '1999',
      birthYear: 1930,
      sex: undefined,
      consentSha256: 'nope',
      extra: true,
      date: '2025-07-01',
    });

    // Act
    const { problems } = validateRecord(record, CTX);

    // Assess
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['birthYear', 'cohort', 'consentSha256', 'date', 'eventId', 'extra', 'sex'].sort(),
    );
  });

  it('checks the common fields and unknown keys even when the type is unknown', () => {
    // Prepare
    const record = { type: 'arrest', eventId: 'e-1', participant: '!', date: '2020-01-01', colour: 'red' };

    // Act
    const { problems } = validateRecord(record, CTX);

    // Assess
    expect(problems.map((p) => p.field).sort()).toEqual(['colour', 'date', 'participant', 'source', 'type']);
  });

  it('uses the contract of the context: Antares has leisure, Kamchatka has not', () => {
    // Prepare
    const record = variant('service', { serviceType: 'leisure', date: '2017-09-01' });

    // Act
    const antares = validateRecord(record, { profile: ANTARES, today: '2017-12-01' });

    // Assess
    expect(antares.problems).toEqual([]);
  });

  it('never repeats the participant reference or free text in a message (property)', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Z0-9][A-Z0-9 -]{5,20}$/),
        fc.string({ minLength: 6, maxLength: 600 }),
        (participant, note) => {
          // Prepare
          const record = variant('employment-ended', { participant, note, date: '2099-01-01' });

          // Act
          const { problems } = validateRecord(record, CTX);

          // Assess
          for (const p of problems) {
            expect(p.message).not.toContain(participant);
            expect(p.message).not.toContain(note);
          }
        },
      ),
    );
  });
});

describe('free text and personal data', () => {
  it.each([
    'уволился по собственному желанию',
    'не явился на регистрацию в инспекцию 12.03.2024',
    'договор истёк, работодатель готов продлить',
    'переехал в Елизово к родственникам',
    'на объекте с 2024-01-15 - 2024-02-01, смена 12 часов',
    'зарплата 45 000 руб., аванс 15 000',
    'left for a job in Moscow',
    'социальный пакет выдан в г. Петропавловск-Камчатский',
    'строка 1\nстрока 2\tи табуляция',
  ])('passes %j', (text) => {
    // Act
    const problems = freeTextProblems(text);

    // Assess
    expect(problems).toEqual([]);
  });

  it.each([
    ['Иванов Иван', /personal name \(two capitalised words in a row, at character 1\)/],
    ['работает у Анна-Мария Петрова', /two capitalised words/],
    ['со слов John Smith', /two capitalised words/],
    ['Серік Нұрланұлы вернулся', /two capitalised words/],
    ['звонил Петрович', /patronymic ending/],
    ['беседа с сергеем петровичем', /patronymic ending/],
    ['мать — мария ивановна', /patronymic ending/],
    ['Петров И.И. уволен', /followed by an initial/],
    ['уволен И. Петров', /an initial followed by a capitalised word/],
    ['СНИЛС 123-456-789 01', /ID number \(9 or more digits, at character 7\)/],
    ['паспорт 4510 123456', /ID number/],
    ['ИИН 990101300123', /ID number/],
    ['тел. +7 914 123-45-67', /ID number/],
    ['паспорт ４５１０１２３４５６', /ID number/], // full-width digits, NFKC
    ['Петров\u200bИван', /invisible or control character/],
  ])('rejects %j', (text, message) => {
    // Act
    const problems = freeTextProblems(text);

    // Assess
    expect(problems).toContainEqual(expect.stringMatching(message));
  });

  it('applies the free-text rules to exactly the fields FREE_TEXT_FIELDS lists', () => {
    // Prepare
    const listed = EVIDENCE_TYPES.flatMap((t) => FREE_TEXT_FIELDS[t].map((f) => [t, f] as const));

    // Act
    const results = listed.map(([t, f]) => validateRecord(variant(t, { [f]: 'звонил Иван Петров' }), CTX));

    // Assess
    expect(listed).toEqual([
      ['employment-ended', 'note'],
      ['probation-violation', 'note'],
      ['correction', 'reason'],
    ]);
    for (const [i, r] of results.entries()) {
      expect(r.problems).toEqual([{ field: listed[i]?.[1], message: expect.stringMatching(/personal name/) }]);
    }
  });

  it('rejects any 9+ digit run with spaces or hyphens between the digits (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom('', ' ', '-', ' - ', '\u2013')), {
          minLength: 9,
          maxLength: 16,
        }),
        fc.constantFrom('', 'номер ', 'документ: '),
        (digits, prefix) => {
          // Prepare
          const text = prefix + digits.map(([d, sep], i) => (i === 0 ? '' : sep) + String(d)).join('');

          // Act
          const problems = freeTextProblems(text);

          // Assess
          expect(problems).toContainEqual(expect.stringMatching(/ID number/));
        },
      ),
    );
  });

  it('rejects two adjacent capitalised words anywhere in lower-case text (property)', () => {
    const lower = fc.stringMatching(/^[а-яa-z]{1,8}$/).filter((w) => !/(?:вич|ична|вна)/.test(w));
    const capitalised = fc.tuple(fc.constantFrom('А', 'Б', 'Ж', 'Я', 'Q', 'Z'), fc.stringMatching(/^[а-яa-z]{1,8}$/));
    fc.assert(
      fc.property(
        fc.array(lower, { maxLength: 4 }),
        capitalised,
        capitalised,
        fc.array(lower, { maxLength: 4 }),
        (before, a, b, after) => {
          // Prepare
          const text = [...before, a.join(''), b.join(''), ...after].join(' ');

          // Act
          const problems = freeTextProblems(text);

          // Assess
          expect(problems).toContainEqual(expect.stringMatching(/personal name/));
        },
      ),
    );
  });

  it('passes lower-case Cyrillic words without digits (property)', () => {
    const word = fc.stringMatching(/^[абгдежзиклмнопрстуфхшщыэюя]{1,10}$/);
    fc.assert(
      fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), (words) => {
        // Act
        const problems = freeTextProblems(words.join(' ').slice(0, LIMITS.freeTextChars));

        // Assess
        expect(problems).toEqual([]);
      }),
    );
  });
});

describe('checkBatch: a timeline that contradicts an earlier record', () => {
  const enrolled = (category: string) => stored('enrolment', { category });
  /** The ledger's facts of P1: enrolled serving a sentence on 2023-09-04 (event e-1). */
  const ledgerFacts = (patch: Partial<TimelineFacts> = {}): KnownState => ({
    ...NOTHING_KNOWN,
    enrolled: new Set([P1]),
    timelines: new Map([
      [
        P1,
        {
          enrolment: { date: '2023-09-04', category: 'serving-sentence', where: { ledger: 'e-1' } },
          custody: [],
          ...patch,
        },
      ],
    ]),
  });

  it('accepts a harmless timeline: release after enrolment, spells back to back, a death last', () => {
    const batch = [
      enrolled('serving-sentence'),
      stored('release', { date: '2023-09-04' }),
      stored('custody-spell', { date: '2024-01-01', to: '2024-01-31' }),
      stored('custody-spell', { eventId: 'e-8b', date: '2024-02-01', to: '2024-02-10' }),
      stored('withdrawal', { reason: 'died', date: '2024-07-01' }),
      stored('service', { eventId: 'e-3b', date: '2024-07-01' }),
      stored('correction', { date: '2024-08-01', supersedes: 'e-3b' }),
      // Someone enrolled on probation may have been released before.
      stored('enrolment', { eventId: 'x-1', participant: P2, category: 'probation', date: '2024-03-01' }),
      stored('release', { eventId: 'x-2', participant: P2, date: '2023-01-01' }),
    ];

    expect(checkBatch(batch, NOTHING_KNOWN)).toEqual([]);
    expect(checkBatch([stored('release', { date: '2023-10-16' })], ledgerFacts())).toEqual([]);
  });

  it('refuses a release dated before the enrolment of someone serving a sentence, naming the enrolment', () => {
    const inBatch = checkBatch(
      [enrolled('serving-sentence'), stored('release', { date: '2023-09-03' })],
      NOTHING_KNOWN,
    );
    const inLedger = checkBatch([stored('release', { date: '2023-01-10' })], ledgerFacts());

    expect(inBatch).toEqual([
      {
        at: 1,
        field: 'date',
        message:
          'release on 2023-09-03 is before the enrolment on 2023-09-04 of a participant enrolled while serving a sentence (record 0 of this batch)',
      },
    ]);
    expect(inLedger).toEqual([
      {
        at: 0,
        field: 'date',
        message:
          'release on 2023-01-10 is before the enrolment on 2023-09-04 of a participant enrolled while serving a sentence (event e-1 in the ledger)',
      },
    ]);
  });

  it('refuses overlapping custody spells (custody-days would count them twice), in the batch or against the ledger', () => {
    const batch = [
      enrolled('serving-sentence'),
      stored('custody-spell', { date: '2024-04-21', to: '2024-06-10' }),
      stored('custody-spell', { eventId: 'e-8b', date: '2024-06-10', to: '2024-06-20' }),
    ];
    const known = ledgerFacts({ custody: [{ from: '2024-05-01', to: '2024-05-31', where: { ledger: 'c-7' } }] });

    const inBatch = checkBatch(batch, NOTHING_KNOWN, { unit: 'line', at: [2, 3, 4] });
    const inLedger = checkBatch([stored('custody-spell', { date: '2024-04-21', to: '2024-06-10' })], known);

    expect(inBatch).toEqual([
      {
        at: 4,
        field: 'date',
        message:
          'custody spell 2024-06-10..2024-06-20 overlaps the custody spell 2024-04-21..2024-06-10 (line 3 of this batch): its days would count twice',
      },
    ]);
    expect(inLedger).toEqual([
      {
        at: 0,
        field: 'date',
        message:
          'custody spell 2024-04-21..2024-06-10 overlaps the custody spell 2024-05-01..2024-05-31 (event c-7 in the ledger): its days would count twice',
      },
    ]);
  });

  it('refuses events dated after a withdrawal for death, naming the withdrawal; a correction is no event', () => {
    const batch = [
      enrolled('serving-sentence'),
      stored('withdrawal', { reason: 'died', date: '2024-03-01' }),
      stored('service', { date: '2024-03-02' }),
      stored('correction', { date: '2024-04-01' }),
    ];
    const known = ledgerFacts({ death: { date: '2024-03-01', where: { ledger: 'w-9' } } });

    const inBatch = checkBatch(batch, NOTHING_KNOWN);
    const inLedger = checkBatch([stored('employment-started', { date: '2024-05-01' })], known);

    expect(inBatch).toEqual([
      {
        at: 2,
        field: 'date',
        message:
          "service on 2024-03-02 is dated after the participant's withdrawal for death on 2024-03-01 (record 1 of this batch)",
      },
    ]);
    expect(inLedger).toEqual([
      {
        at: 0,
        field: 'date',
        message:
          "employment-started on 2024-05-01 is dated after the participant's withdrawal for death on 2024-03-01 (event w-9 in the ledger)",
      },
    ]);
  });
});

describe('checkBatch: rules across records', () => {
  it('accepts a coherent batch: enrolment first, then the timeline', () => {
    // Prepare
    const batch = EVIDENCE_TYPES.map((t) => stored(t));

    // Act
    const problems = checkBatch(batch, NOTHING_KNOWN);

    // Assess
    expect(problems).toEqual([]);
  });

  it('rejects an event for a participant enrolled neither in the ledger nor earlier in the batch', () => {
    // Prepare
    const batch = [stored('release'), stored('enrolment'), stored('service', { participant: P2 })];

    // Act
    const problems = checkBatch(batch, NOTHING_KNOWN);

    // Assess
    expect(problems).toEqual([
      {
        at: 0,
        field: 'participant',
        message: 'participant is not enrolled: no enrolment in the ledger or earlier in this batch',
      },
      {
        at: 2,
        field: 'participant',
        message: 'participant is not enrolled: no enrolment in the ledger or earlier in this batch',
      },
    ]);
  });

  it('accepts events of a participant enrolled in the ledger', () => {
    // Prepare
    const known: KnownState = { ...NOTHING_KNOWN, enrolled: new Set([P1]) };

    // Act
    const problems = checkBatch([stored('release')], known);

    // Assess
    expect(problems).toEqual([]);
  });

  it('rejects a second enrolment, in the batch or against the ledger', () => {
    // Prepare
    const batch = [
      stored('enrolment'),
      stored('enrolment', { eventId: 'e-1b' }),
      stored('enrolment', { eventId: 'x', participant: P2 }),
    ];
    const known: KnownState = { ...NOTHING_KNOWN, enrolled: new Set([P2]) };

    // Act
    const problems = checkBatch(batch, known);

    // Assess
    expect(problems).toEqual([
      { at: 1, field: 'participant', message: 'participant is already enrolled (by record 0 of this batch)' },
      { at: 2, field: 'participant', message: 'participant is already enrolled (in the ledger)' },
    ]);
  });

  it('rejects duplicate event ids, naming both positions, and ids already in the ledger', () => {
    // Prepare
    const batch = [stored('enrolment'), stored('release'), stored('service', { eventId: 'e-2' }), stored('withdrawal')];
    const known: KnownState = { ...NOTHING_KNOWN, eventIds: new Set(['e-10']) };

    // Act
    const problems = checkBatch(batch, known);

    // Assess
    expect(problems).toEqual([
      { at: 2, field: 'eventId', message: 'duplicate eventId: record 1 of this batch has it too' },
      { at: 3, field: 'eventId', message: 'duplicate eventId: it is already in the ledger' },
    ]);
  });

  it('rejects an employment end without a start, or before its start', () => {
    // Prepare
    const batch = [
      stored('enrolment'),
      stored('employment-ended', { eventId: 'x1' }),
      stored('employment-started', { eventId: 'x2', date: '2024-05-01' }),
      stored('employment-ended', { eventId: 'x3', date: '2024-04-30' }),
      stored('employment-ended', { eventId: 'x4', date: '2024-05-01' }),
      stored('employment-ended', { eventId: 'x5', date: '2024-06-01', employerId: 'OTHER' }),
    ];

    // Act
    const problems = checkBatch(batch, NOTHING_KNOWN);

    // Assess
    expect(problems).toEqual([
      {
        at: 1,
        field: 'employerId',
        message: 'no employment-started for this participant and employer in the ledger or earlier in this batch',
      },
      { at: 3, field: 'date', message: 'employment ends before it started (employment-started on 2024-05-01)' },
      {
        at: 5,
        field: 'employerId',
        message: 'no employment-started for this participant and employer in the ledger or earlier in this batch',
      },
    ]);
  });

  it('matches an employment end with a start in the ledger', () => {
    // Prepare
    const known: KnownState = {
      enrolled: new Set([P1]),
      eventIds: new Set(),
      employments: new Map([[P1, [{ employerId: 'KAMRYBPROM', date: '2023-11-01' }]]]),
    };

    // Act
    const ok = checkBatch([stored('employment-ended')], known);
    const early = checkBatch([stored('employment-ended', { date: '2023-10-31' })], known);

    // Assess
    expect(ok).toEqual([]);
    expect(early).toEqual([
      { at: 0, field: 'date', message: 'employment ends before it started (employment-started on 2023-11-01)' },
    ]);
  });

  it('rejects a correction of a record neither in the ledger nor earlier in the batch', () => {
    // Prepare
    const batch = [
      stored('enrolment'),
      stored('correction', { eventId: 'c1', supersedes: 'e-1' }),
      stored('correction', { eventId: 'c2', supersedes: 'in-ledger' }),
      stored('correction', { eventId: 'c3', supersedes: 'later' }),
      stored('correction', { eventId: 'c4', supersedes: 'c4' }),
      stored('release', { eventId: 'later' }),
    ];
    const known: KnownState = { ...NOTHING_KNOWN, eventIds: new Set(['in-ledger']) };

    // Act
    const problems = checkBatch(batch, known);

    // Assess
    const message = 'supersedes an eventId that is neither in the ledger nor earlier in this batch';
    expect(problems).toEqual([
      { at: 3, field: 'supersedes', message },
      { at: 4, field: 'supersedes', message },
    ]);
  });

  it('reports every error of a batch, not only the first', () => {
    // Prepare
    const batch = [
      stored('release', { participant: P3 }),
      stored('enrolment'),
      stored('enrolment', { eventId: 'e-1' }),
      stored('employment-ended'),
      stored('correction', { supersedes: 'nowhere' }),
    ];

    // Act
    const problems = checkBatch(batch, NOTHING_KNOWN);

    // Assess
    expect(problems.map((p) => [p.at, p.field])).toEqual([
      [0, 'participant'],
      [2, 'eventId'],
      [2, 'participant'],
      [3, 'employerId'],
      [4, 'supersedes'],
    ]);
  });

  it('reports at given positions and names lines when the records came from a CSV file', () => {
    // Prepare
    const batch = [stored('enrolment'), stored('release', { eventId: 'e-1' })];

    // Act
    const problems = checkBatch(batch, NOTHING_KNOWN, { at: [2, 5], unit: 'line' });

    // Assess
    expect(problems).toEqual([
      { at: 5, field: 'eventId', message: 'duplicate eventId: line 2 of this batch has it too' },
    ]);
  });

  it('gives the same problems one record at a time (BatchChecker) as over the whole batch (property)', () => {
    const record = fc.record({
      type: fc.constantFrom(...EVIDENCE_TYPES),
      participant: fc.constantFrom(P1, P2, P3),
      eventId: fc.constantFrom('a', 'b', 'c', 'd', 'e-1', 'e-3'),
      date: fc.constantFrom('2023-09-01', '2024-01-01', '2024-06-01'),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (specs) => {
        // Prepare
        // Dates vary only where no other field of the example depends on them.
        const fixedDate = new Set(['reconviction', 'custody-spell', 'employment-confirmed']);
        const batch = specs.map((s) =>
          stored(s.type, {
            eventId: s.eventId,
            participant: s.participant,
            ...(fixedDate.has(s.type) ? {} : { date: s.date }),
          }),
        );
        const known: KnownState = { enrolled: new Set([P3]), eventIds: new Set(['d']), employments: new Map() };

        // Act
        const whole = checkBatch(batch, known);
        const checker = new BatchChecker(known);
        const incremental = batch.flatMap((r, i) => checker.check(r, i));

        // Assess
        expect(incremental).toEqual(whole);
      }),
    );
  });

  it('tells the ingest use case what to look up: distinct, sorted pseudonyms, event ids and superseded ids', () => {
    // Prepare
    const batch = [
      stored('enrolment', { participant: P2 }),
      stored('release', { participant: P2 }),
      stored('correction', { supersedes: 'old-1' }),
      stored('correction', { eventId: 'c-2', supersedes: 'old-1' }),
    ];

    // Act
    const queries = knownStateQueries(batch);

    // Assess
    expect(queries).toEqual({
      participants: [P1, P2],
      eventIds: ['c-2', 'e-1', 'e-11', 'e-2'],
      supersedes: ['old-1'],
    });
  });
});
