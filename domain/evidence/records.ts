import * as z from 'zod';
import type { ContractProfile } from '#contracts';
import type { Problem } from '#kernel';

/**
 * The evidence model: events on a participant's timeline, as the operator
 * submits them (EvidenceInput: `participant` is the raw reference, a national
 * ID or operator code) and as they are stored (StoredRecord: `participant` is
 * the keyed pseudonym from domain/intake/pseudonym.ts). Documented, with an example of
 * each type, in docs/evidence.md.
 *
 * Two layers of checks:
 * - validateRecord: one record on its own (schema, dates in the contract term
 *   and not in the future, the contract's cohorts and service types, free
 *   text without personal data);
 * - checkBatch / BatchChecker: rules across records (enrolled participants,
 *   unique event ids, employment ended after it started, corrections of known
 *   records), given what the ledger already holds (KnownState).
 *
 * Problem messages never repeat a submitted value: the participant reference
 * and free text may be personal data, and problems are logged.
 */

/** Bounds on operator input. Every message about a bound names it as `LIMITS.<name>`. */
export const LIMITS = {
  /** Longest CSV cell, in characters (UTF-16 code units). */
  fieldChars: 1_000,
  /** Longest free-text field (FREE_TEXT_FIELDS), in characters. */
  freeTextChars: 500,
  /** Largest record: a CSV row or a JSON record object, in UTF-8 bytes as written in the file. */
  recordBytes: 8 * 1024,
  /** Most records in one batch. */
  batchRecords: 1_000_000,
  /** Largest CSV file (the streaming S3 path). */
  fileBytes: 2 * 1024 ** 3,
  /** Largest JSON batch: the API path, below Lambda's 6,291,456-byte invocation payload with room for the event around the body. */
  jsonBytes: 6_000_000,
  /** Deepest nesting of JSON arrays and objects (a batch needs 3). */
  jsonDepth: 16,
} as const;
export type Limits = { readonly [K in keyof typeof LIMITS]: number };

/** `1000000` -> `1,000,000`. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `the limit is 8,192 bytes (LIMITS.recordBytes)`-style phrase for messages. */
export function describeLimit(name: keyof Limits, value: number): string {
  const unit =
    name === 'fieldChars' || name === 'freeTextChars'
      ? ' characters'
      : name === 'batchRecords'
        ? ' records'
        : name === 'jsonDepth'
          ? ' levels'
          : ' bytes';
  return `${formatCount(value)}${unit} (LIMITS.${name})`;
}

export const EVIDENCE_TYPES = [
  'enrolment',
  'release',
  'service',
  'employment-started',
  'employment-ended',
  'employment-confirmed',
  'reconviction',
  'probation-violation',
  'custody-spell',
  'withdrawal',
  'correction',
] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

export const SOURCES = [
  'operator',
  'employer',
  'probation-service',
  'employment-centre',
  'tax-records',
  'pension-records',
  'court',
] as const;
export type Source = (typeof SOURCES)[number];

export const CATEGORIES = ['serving-sentence', 'probation', 'released'] as const;
/** Social status at enrolment, as the Antares report tabulates participants (DOMAIN.md 2.2). */
export const STATUSES = [
  'youth',
  'civil-servant',
  'public-sector',
  'disabled',
  'aged-50-plus',
  'unemployed',
  'ngo',
  'business',
  'other',
] as const;
export const SEXES = ['male', 'female'] as const;
export const CONTRACT_TYPES = ['permanent', 'fixed-term', 'temporary'] as const;
export const EMPLOYMENT_END_REASONS = ['resigned', 'dismissed', 'contract-ended', 'other'] as const;
export const WITHDRAWAL_REASONS = ['moved-away', 'died', 'refused'] as const;
/** Who may confirm a month of employment. */
export const CONFIRMATION_SOURCES = ['employer', 'tax-records', 'pension-records'] as const;
/** Keys rejected anywhere in a record: they reach object prototypes in careless JavaScript. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Age bounds (years, at the record's date) of a participant at enrolment. */
export const WORKING_AGE = { min: 14, max: 80 } as const;

/** Fields holding free text, per type: bounded, and checked for names and ID numbers. */
export const FREE_TEXT_FIELDS: Readonly<Record<EvidenceType, readonly string[]>> = {
  enrolment: [],
  release: [],
  service: [],
  'employment-started': [],
  'employment-ended': ['note'],
  'employment-confirmed': [],
  reconviction: [],
  'probation-violation': ['note'],
  'custody-spell': [],
  withdrawal: [],
  correction: ['reason'],
};

// ---- Patterns

export const EVENT_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
export const PARTICIPANT_REFERENCE = /^[A-Za-z0-9][A-Za-z0-9 -]{2,40}$/;
export const PSEUDONYM = /^p-[0-9a-f]{32}$/;
/** Institution, provider and employer codes. */
export const CODE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const MONTH = /^[0-9]{4}-(?:0[1-9]|1[0-2])$/;
/** Minor units: digits, no sign, no leading zeros, at most 15 digits (below 2^53 and far above any wage). */
const MINOR_UNITS = /^(?:0|[1-9][0-9]{0,14})$/;
const COHORT = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SERVICE_TYPE = /^[a-z][a-z0-9-]{0,63}$/;

// ---- Free text

/** Whitespace and the hyphen/dash family: what may sit between the digits of a written ID number. */
const DIGIT_SEPARATOR = '[\\s\\-\\u2010-\\u2015\\u2212]';
/** 9 or more digits, with up to 3 separator characters between consecutive digits. */
const ID_NUMBER = new RegExp(`[0-9](?:${DIGIT_SEPARATOR}{0,3}[0-9]){8,}`, 'u');
/** Dates are not ID numbers: masked before the digit-run scan (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY). */
const DATE_LIKE = /\b(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}[./][0-9]{2}[./][0-9]{4})\b/g;
const WORD = /\p{L}+(?:['’-]\p{L}+)*/gu;
const CAPITALISED = /^\p{Lu}\p{Ll}+(?:['’-]\p{Lu}?\p{Ll}+)*$/u;
const INITIAL = /^\p{Lu}$/u;
/** Russian patronymics, including the declined masculine forms (Петровича, Петровичем). */
const PATRONYMIC = /(?:[оеё]вич(?:а|у|ем|е)?|ична|[оеё]вна)$/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;

/**
 * Why a free-text value is refused, as plain-English messages (none when it is
 * fine). Free text must not identify a person: no ID-number patterns (a run of
 * 9 or more digits, spaces or hyphens allowed between them: SNILS
 * 123-456-789 01, passport 4510 123456, IIN/INN 12 digits, phone numbers), no
 * personal names (a word with a Russian patronymic ending, two or more
 * consecutive capitalised words, a capitalised word next to an initial).
 * Messages give positions (1-based characters of the NFKC form), never the text.
 */
export function freeTextProblems(text: string, maxChars: number = LIMITS.freeTextChars): string[] {
  const problems: string[] = [];
  if (text.length > maxChars) problems.push(`is longer than ${describeLimit('freeTextChars', maxChars)}`);
  if (text.trim() === '') problems.push('must not be empty or blank (leave the field out instead)');
  const normalised = text.normalize('NFKC');
  const control = [...normalised].findIndex((ch) => ch !== '\n' && ch !== '\t' && CONTROL.test(ch));
  if (control >= 0) {
    problems.push(
      `contains an invisible or control character at character ${control + 1} (only line feeds and tabs are allowed)`,
    );
  }
  const masked = normalised.replace(DATE_LIKE, (date) => 'D'.repeat(date.length));
  const id = ID_NUMBER.exec(masked);
  if (id) {
    problems.push(
      `looks like it contains an ID number (9 or more digits, at character ${id.index + 1}): free text must not hold personal data`,
    );
  }
  const name = personalNameAt(normalised);
  if (name) {
    problems.push(
      `looks like it contains a personal name (${name.why}, at character ${name.index + 1}): free text must not identify a person`,
    );
  }
  return problems;
}

function personalNameAt(text: string): { index: number; why: string } | undefined {
  const words = [...text.matchAll(WORD)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  for (const [i, w] of words.entries()) {
    if (w.word.length > 4 && PATRONYMIC.test(w.word.toLowerCase())) {
      return { index: w.start, why: 'a word with a patronymic ending -ович/-евич/-ична/-овна/-евна' };
    }
    const next = words[i + 1];
    if (next === undefined) continue;
    const gap = text.slice(w.end, next.start);
    const adjacent = /^\s+$/u.test(gap);
    if (adjacent && CAPITALISED.test(w.word) && CAPITALISED.test(next.word)) {
      return { index: w.start, why: 'two capitalised words in a row' };
    }
    const initialAfter = INITIAL.test(next.word) && text[next.end] === '.';
    if (adjacent && CAPITALISED.test(w.word) && initialAfter) {
      return { index: w.start, why: 'a capitalised word followed by an initial' };
    }
    if (INITIAL.test(w.word) && /^\.\s*$/u.test(gap) && CAPITALISED.test(next.word)) {
      return { index: w.start, why: 'an initial followed by a capitalised word' };
    }
  }
  return undefined;
}

// ---- Schemas

const IsoDateSchema = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });
const Hex64Schema = z.string().regex(HEX64, 'must be a SHA-256 hash: 64 lower-case hex digits');
const CodeSchema = z.string().regex(CODE, 'must be a code of 2 to 32 upper-case letters (A-Z), digits or hyphens');
const EventIdSchema = z
  .string()
  .regex(EVENT_ID, 'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit');
const FreeTextSchema = z.string().superRefine((text, ctx) => {
  for (const message of freeTextProblems(text)) ctx.addIssue({ code: 'custom', message, input: text });
});
const enumOf = <T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, { error: `must be one of: ${values.join(', ')}` });

/** Schema of a participant reference as the operator writes it (national ID or operator code). */
export const ParticipantReferenceSchema = z
  .string()
  .regex(
    PARTICIPANT_REFERENCE,
    "must be the participant's national ID or operator code: 3 to 41 letters (A-Z), digits, spaces or hyphens, starting with a letter or digit",
  );
/** Schema of a participant pseudonym (see domain/intake/pseudonym.ts). */
export const PseudonymSchema = z
  .string()
  .regex(PSEUDONYM, 'must be a participant pseudonym: p- and 32 lower-case hex digits');

type Raw = Record<string, unknown>;

function isIsoDate(value: unknown): value is string {
  return typeof value === 'string' && IsoDateSchema.safeParse(value).success;
}

function isMonth(value: unknown): value is string {
  return typeof value === 'string' && MONTH.test(value);
}

/**
 * Rules between fields of one record that need no context. Guarded, so they
 * can run on raw input whose other fields are broken (every problem is
 * reported, not only the schema's).
 */
function intrinsicProblems(record: Raw): Omit<Problem, 'at'>[] {
  const problems: Omit<Problem, 'at'>[] = [];
  const { type, date } = record;
  if (!isIsoDate(date)) return problems;
  if (type === 'enrolment' && Number.isSafeInteger(record.birthYear)) {
    const age = Number(date.slice(0, 4)) - (record.birthYear as number);
    if (age < WORKING_AGE.min || age > WORKING_AGE.max) {
      problems.push({
        field: 'birthYear',
        message: `gives an age outside ${WORKING_AGE.min} to ${WORKING_AGE.max} years at the record's date (working age)`,
      });
    }
  }
  if (type === 'reconviction' && isIsoDate(record.offenceDate) && record.offenceDate > date) {
    problems.push({ field: 'offenceDate', message: 'must not be after the conviction (the record date)' });
  }
  if (type === 'custody-spell' && isIsoDate(record.to) && record.to < date) {
    problems.push({ field: 'to', message: 'must not be before the record date (the first day in custody)' });
  }
  if (type === 'employment-confirmed' && isMonth(record.month) && record.month > date.slice(0, 7)) {
    problems.push({
      field: 'month',
      message: 'must not be after the month of the record date (confirm a month once it is worked)',
    });
  }
  return problems;
}

function addIntrinsic(record: Raw, ctx: z.RefinementCtx): void {
  for (const p of intrinsicProblems(record)) {
    ctx.addIssue({ code: 'custom', path: p.field === undefined ? [] : [p.field], message: p.message, input: record });
  }
}

/** The record schemas, one per type, for a given participant schema (raw reference or pseudonym). */
function recordSchemas<P extends z.ZodString>(participant: P) {
  const source = enumOf(SOURCES);
  /** The common fields, in documented order. */
  const head = <T extends EvidenceType, S extends z.ZodType = typeof source>(type: T, sourceSchema?: S) => ({
    eventId: EventIdSchema,
    participant,
    type: z.literal(type),
    date: IsoDateSchema,
    source: (sourceSchema ?? source) as S,
    documentSha256: Hex64Schema.optional(),
  });
  return {
    enrolment: z
      .strictObject({
        ...head('enrolment'),
        cohort: z.string().regex(COHORT, 'must be a cohort name: lower-case letters, digits and hyphens'),
        category: enumOf(CATEGORIES),
        sex: enumOf(SEXES),
        birthYear: z.int({ error: 'must be a whole number (a year such as 1990)' }),
        consentSha256: Hex64Schema,
        status: enumOf(STATUSES).optional(),
      })
      .superRefine(addIntrinsic),
    release: z.strictObject({
      ...head('release'),
      institution: CodeSchema,
    }),
    service: z.strictObject({
      ...head('service'),
      serviceType: z.string().regex(SERVICE_TYPE, 'must be a service type: lower-case letters, digits and hyphens'),
      provider: CodeSchema,
    }),
    'employment-started': z.strictObject({
      ...head('employment-started'),
      employerId: CodeSchema,
      contractType: enumOf(CONTRACT_TYPES),
      monthlyWage: z
        .string({
          error: (iss) =>
            iss.input === undefined ? undefined : 'must be a string of digits: money is never a JSON number',
        })
        .refine((v) => !v.trim().startsWith('-'), { message: 'must not be negative', abort: true })
        .regex(
          MINOR_UNITS,
          'must be minor units written as digits, without sign, spaces, separators or leading zeros (at most 15 digits), e.g. "4500000" for 45,000.00',
        ),
    }),
    'employment-ended': z.strictObject({
      ...head('employment-ended'),
      employerId: CodeSchema,
      reason: enumOf(EMPLOYMENT_END_REASONS),
      note: FreeTextSchema.optional(),
    }),
    'employment-confirmed': z
      .strictObject({
        ...head(
          'employment-confirmed',
          z.enum(CONFIRMATION_SOURCES, {
            error: `must be one of: ${CONFIRMATION_SOURCES.join(', ')} (who may confirm a month of employment)`,
          }),
        ),
        employerId: CodeSchema,
        month: z.string().regex(MONTH, 'must be a month written YYYY-MM'),
      })
      .superRefine(addIntrinsic),
    reconviction: z
      .strictObject({
        ...head(
          'reconviction',
          z.literal('court', { error: 'must be court: a reconviction is recorded from court records' }),
        ),
        offenceDate: IsoDateSchema,
      })
      .superRefine(addIntrinsic),
    'probation-violation': z.strictObject({
      ...head('probation-violation'),
      note: FreeTextSchema.optional(),
    }),
    'custody-spell': z
      .strictObject({
        ...head('custody-spell'),
        to: IsoDateSchema,
      })
      .superRefine(addIntrinsic),
    withdrawal: z.strictObject({
      ...head('withdrawal'),
      reason: enumOf(WITHDRAWAL_REASONS),
    }),
    correction: z.strictObject({
      ...head('correction'),
      supersedes: EventIdSchema,
      reason: FreeTextSchema,
    }),
  } as const;
}

const inputSchemas = recordSchemas(ParticipantReferenceSchema);
const storedSchemas = recordSchemas(PseudonymSchema);

/** A record as the operator submits it: `participant` is the raw reference. */
export const EvidenceInputSchema = z.discriminatedUnion(
  'type',
  EVIDENCE_TYPES.map((t) => inputSchemas[t]) as unknown as [
    (typeof inputSchemas)[EvidenceType],
    ...(typeof inputSchemas)[EvidenceType][],
  ],
);
/** A record as stored and archived: `participant` is the pseudonym. */
export const StoredRecordSchema = z.discriminatedUnion(
  'type',
  EVIDENCE_TYPES.map((t) => storedSchemas[t]) as unknown as [
    (typeof storedSchemas)[EvidenceType],
    ...(typeof storedSchemas)[EvidenceType][],
  ],
);
export type EvidenceInput = z.infer<typeof EvidenceInputSchema>;
export type StoredRecord = z.infer<typeof StoredRecordSchema>;

/** Fields common to every type, in documented order. */
export const COMMON_FIELDS = ['eventId', 'participant', 'type', 'date', 'source', 'documentSha256'] as const;
/** Every field of each type (common ones first). */
export const FIELDS_BY_TYPE: Readonly<Record<EvidenceType, readonly string[]>> = Object.fromEntries(
  EVIDENCE_TYPES.map((t) => {
    const own = Object.keys(inputSchemas[t].shape).filter((k) => !(COMMON_FIELDS as readonly string[]).includes(k));
    return [t, [...COMMON_FIELDS, ...own]];
  }),
) as unknown as Record<EvidenceType, readonly string[]>;
/** The union of all fields: the CSV columns, in documented order. */
export const ALL_FIELDS: readonly string[] = [...new Set(EVIDENCE_TYPES.flatMap((t) => FIELDS_BY_TYPE[t]))];

const fieldSets = new Map<string, ReadonlySet<string>>(EVIDENCE_TYPES.map((t) => [t, new Set(FIELDS_BY_TYPE[t])]));
const allFieldSet: ReadonlySet<string> = new Set(ALL_FIELDS);

export function isEvidenceType(value: unknown): value is EvidenceType {
  return typeof value === 'string' && fieldSets.has(value);
}

/** Whether `field` belongs to records of `type`. */
export function isFieldOf(type: EvidenceType, field: string): boolean {
  return fieldSets.get(type)?.has(field) ?? false;
}

// ---- validateRecord

export interface RecordContext {
  readonly profile: ContractProfile;
  /** Today's date, YYYY-MM-DD: evidence may not be dated after it. */
  readonly today: string;
}

export interface RecordValidation {
  /** The parsed record, when there is no problem. */
  readonly record?: EvidenceInput;
  readonly problems: Omit<Problem, 'at'>[];
}

/** The common fields alone, for a record whose type is missing or unknown. */
const CommonInputSchema = z.object({
  eventId: EventIdSchema,
  participant: ParticipantReferenceSchema,
  date: IsoDateSchema,
  source: enumOf(SOURCES),
  documentSha256: Hex64Schema.optional(),
});

/** Plain-English defaults for zod issues that no schema message covers. */
const plainEnglish: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'is required';
      return iss.expected === 'int' || iss.expected === 'number'
        ? 'must be a whole number'
        : iss.expected === 'object'
          ? 'must be a JSON object'
          : `must be a ${iss.expected}`;
    case 'invalid_value':
      return `must be one of: ${iss.values.map(String).join(', ')}`;
    case 'invalid_union':
      return `must be one of: ${EVIDENCE_TYPES.join(', ')}`;
    default:
      return undefined;
  }
};

function problemsOf(issues: readonly z.core.$ZodIssue[], raw: Raw): Omit<Problem, 'at'>[] {
  const type = raw.type;
  return issues.flatMap((issue): Omit<Problem, 'at'>[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        field: key,
        message: !allFieldSet.has(key)
          ? 'unknown field'
          : isEvidenceType(type)
            ? `not a field of type ${type}`
            : 'not a field of this type',
      }));
    }
    const field = issue.path.map(String).join('.');
    const top = issue.path.length === 1 ? raw[String(issue.path[0])] : 0;
    const missing = issue.path.length === 1 && top === undefined;
    if (issue.code === 'invalid_union' && field === 'type') {
      return [
        {
          field,
          message: missing
            ? `is required (one of: ${EVIDENCE_TYPES.join(', ')})`
            : `must be one of: ${EVIDENCE_TYPES.join(', ')}`,
        },
      ];
    }
    // A missing field is "required" whatever the schema's message for a wrong value.
    const message = missing && issue.code !== 'custom' ? 'is required' : issue.message;
    return [field === '' ? { message } : { field, message }];
  });
}

/** Reports forbidden keys anywhere in the value; returns a copy of the top level without them. */
function withoutForbiddenKeys(record: Raw): { clean: Raw; problems: Omit<Problem, 'at'>[] } {
  const problems: Omit<Problem, 'at'>[] = [];
  const walk = (value: unknown, path: string, depth: number): void => {
    if (typeof value !== 'object' || value === null || depth > LIMITS.jsonDepth) return;
    for (const key of Object.keys(value)) {
      const field = path === '' ? key : `${path}.${key}`;
      if (FORBIDDEN_KEYS.has(key)) {
        problems.push({ field, message: `forbidden key "${key}": not allowed anywhere in a record` });
      } else {
        walk((value as Raw)[key], field, depth + 1);
      }
    }
  };
  walk(record, '', 0);
  if (problems.length === 0) return { clean: record, problems };
  const clean: Raw = {};
  for (const [key, value] of Object.entries(record)) if (!FORBIDDEN_KEYS.has(key)) clean[key] = value;
  return { clean, problems };
}

function dateRuleProblems(field: string, value: string, ctx: RecordContext): Omit<Problem, 'at'>[] {
  const { from, to } = ctx.profile.term;
  if (value < from) return [{ field, message: `is before the contract term (it starts on ${from})` }];
  if (value > ctx.today) return [{ field, message: `is in the future (today is ${ctx.today})` }];
  if (value > to) return [{ field, message: `is after the contract term (it ends on ${to})` }];
  return [];
}

function monthRuleProblems(field: string, month: string, ctx: RecordContext): Omit<Problem, 'at'>[] {
  const { from, to } = ctx.profile.term;
  if (month < from.slice(0, 7)) return [{ field, message: `is before the contract term (it starts on ${from})` }];
  if (month > ctx.today.slice(0, 7)) return [{ field, message: `is in the future (today is ${ctx.today})` }];
  if (month > to.slice(0, 7)) return [{ field, message: `is after the contract term (it ends on ${to})` }];
  return [];
}

/** Rules that need the contract and today's date. Guarded like intrinsicProblems. */
function contextProblems(record: Raw, ctx: RecordContext): Omit<Problem, 'at'>[] {
  const problems: Omit<Problem, 'at'>[] = [];
  const { type } = record;
  const dateFields = ['date'];
  if (type === 'reconviction') dateFields.push('offenceDate');
  if (type === 'custody-spell') dateFields.push('to');
  for (const field of dateFields) {
    const value = record[field];
    if (isIsoDate(value)) problems.push(...dateRuleProblems(field, value, ctx));
  }
  if (type === 'employment-confirmed' && isMonth(record.month)) {
    problems.push(...monthRuleProblems('month', record.month, ctx));
  }
  if (type === 'enrolment' && typeof record.cohort === 'string' && COHORT.test(record.cohort)) {
    if (!ctx.profile.cohorts.includes(record.cohort)) {
      problems.push({
        field: 'cohort',
        message: `is not a cohort of this contract (${ctx.profile.cohorts.join(', ')})`,
      });
    }
  }
  if (type === 'service' && typeof record.serviceType === 'string' && SERVICE_TYPE.test(record.serviceType)) {
    if (!ctx.profile.serviceTypes.includes(record.serviceType)) {
      problems.push({
        field: 'serviceType',
        message: `is not a service type of this contract (${ctx.profile.serviceTypes.join(', ')})`,
      });
    }
  }
  return problems;
}

function isPlainRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks one input record: every schema problem (field path and reason), then
 * the rules (dates inside the contract term and not after `today`, the
 * contract's cohorts and service types, working age, offence before
 * conviction, custody ends after it starts, free text without personal data,
 * no `__proto__`/`constructor`/`prototype` keys). Never throws on bad input.
 */
export function validateRecord(value: unknown, ctx: RecordContext): RecordValidation {
  if (!isPlainRecord(value)) return { problems: [{ message: 'a record must be a JSON object' }] };
  const { clean, problems } = withoutForbiddenKeys(value);
  const parsed = EvidenceInputSchema.safeParse(clean, { error: plainEnglish });
  if (!parsed.success) {
    problems.push(...problemsOf(parsed.error.issues, clean));
    if (!isEvidenceType(clean.type)) {
      // No type, no type schema: still check the common fields and flag keys no type has.
      const common = CommonInputSchema.safeParse(clean, { error: plainEnglish });
      if (!common.success) problems.push(...problemsOf(common.error.issues, clean));
      for (const key of Object.keys(clean)) {
        if (!allFieldSet.has(key)) problems.push({ field: key, message: 'unknown field' });
      }
    }
    problems.push(...intrinsicProblems(clean));
  }
  problems.push(...contextProblems(clean, ctx));
  const unique = dedupe(problems);
  return parsed.success && unique.length === 0 ? { record: parsed.data, problems: [] } : { problems: unique };
}

function dedupe<T extends Omit<Problem, 'at'>>(problems: readonly T[]): T[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.field ?? ''}\u0000${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The stored form of a valid input record: the same record with the participant's pseudonym. */
export function toStoredRecord(record: EvidenceInput, pseudonym: string): StoredRecord {
  return StoredRecordSchema.parse({ ...record, participant: pseudonym });
}

// ---- Cross-record rules

/** What the ledger already holds for a contract, as far as a batch's checks need it. Keys are pseudonyms. */
export interface KnownState {
  /** Participants with an enrolment in the ledger. */
  readonly enrolled: ReadonlySet<string>;
  /** Event ids of the batch (and the `supersedes` ids of its corrections) that are already in the ledger. */
  readonly eventIds: ReadonlySet<string>;
  /** employment-started records in the ledger, per participant. */
  readonly employments: ReadonlyMap<string, readonly { employerId: string; date: string }[]>;
}

/** What the ingest use case must look up in the ledger to build KnownState for a batch (sorted, distinct). */
export interface KnownStateQueries {
  /** Pseudonyms: are they enrolled, and what employment-started records do they have? */
  readonly participants: string[];
  /** Event ids of the batch: are they already in the ledger? */
  readonly eventIds: string[];
  /** `supersedes` ids of the batch's corrections: are they in the ledger? */
  readonly supersedes: string[];
}

export function knownStateQueries(records: Iterable<StoredRecord>): KnownStateQueries {
  const participants = new Set<string>();
  const eventIds = new Set<string>();
  const supersedes = new Set<string>();
  for (const r of records) {
    participants.add(r.participant);
    eventIds.add(r.eventId);
    if (r.type === 'correction') supersedes.add(r.supersedes);
  }
  const sorted = (s: Set<string>) => [...s].sort();
  return { participants: sorted(participants), eventIds: sorted(eventIds), supersedes: sorted(supersedes) };
}

export interface BatchCheckOptions {
  /** How positions are named in messages ("record 3" or "line 12"); default `record`. */
  readonly unit?: 'record' | 'line';
}

/**
 * The cross-record rules, one record at a time in batch order, so a streamed
 * batch is checked in one pass. Holds the batch's event ids, enrolments and
 * employment starts (not the records).
 */
export class BatchChecker {
  readonly #known: KnownState;
  readonly #unit: 'record' | 'line';
  /** eventId -> position of its first record in this batch. */
  readonly #eventIds = new Map<string, number>();
  /** pseudonym -> position of its enrolment in this batch. */
  readonly #enrolled = new Map<string, number>();
  /** `pseudonym NUL employerId` -> start dates in this batch. */
  readonly #starts = new Map<string, string[]>();

  constructor(known: KnownState, options: BatchCheckOptions = {}) {
    this.#known = known;
    this.#unit = options.unit ?? 'record';
  }

  /** Problems of `record` given the records checked before it; `at` is its position (index or CSV line). */
  check(record: StoredRecord, at: number): Problem[] {
    const problems: Problem[] = [];
    const known = this.#known;
    const { participant } = record;

    const first = this.#eventIds.get(record.eventId);
    if (first !== undefined) {
      problems.push({
        at,
        field: 'eventId',
        message: `duplicate eventId: ${this.#unit} ${first} of this batch has it too`,
      });
    } else {
      this.#eventIds.set(record.eventId, at);
      if (known.eventIds.has(record.eventId)) {
        problems.push({ at, field: 'eventId', message: 'duplicate eventId: it is already in the ledger' });
      }
    }

    const enrolledAt = this.#enrolled.get(participant);
    const enrolled = known.enrolled.has(participant) || enrolledAt !== undefined;
    if (record.type === 'enrolment') {
      if (known.enrolled.has(participant)) {
        problems.push({ at, field: 'participant', message: 'participant is already enrolled (in the ledger)' });
      } else if (enrolledAt !== undefined) {
        problems.push({
          at,
          field: 'participant',
          message: `participant is already enrolled (by ${this.#unit} ${enrolledAt} of this batch)`,
        });
      } else {
        this.#enrolled.set(participant, at);
      }
    } else if (!enrolled) {
      problems.push({
        at,
        field: 'participant',
        message: 'participant is not enrolled: no enrolment in the ledger or earlier in this batch',
      });
    }

    if (record.type === 'employment-started') {
      const key = `${participant}\u0000${record.employerId}`;
      const dates = this.#starts.get(key);
      if (dates === undefined) this.#starts.set(key, [record.date]);
      else dates.push(record.date);
    }
    if (record.type === 'employment-ended') {
      const starts = [
        ...(known.employments.get(participant) ?? [])
          .filter((e) => e.employerId === record.employerId)
          .map((e) => e.date),
        ...(this.#starts.get(`${participant}\u0000${record.employerId}`) ?? []),
      ];
      if (starts.length === 0) {
        problems.push({
          at,
          field: 'employerId',
          message: 'no employment-started for this participant and employer in the ledger or earlier in this batch',
        });
      } else if (!starts.some((d) => d <= record.date)) {
        const earliest = starts.reduce((a, b) => (b < a ? b : a));
        problems.push({
          at,
          field: 'date',
          message: `employment ends before it started (employment-started on ${earliest})`,
        });
      }
    }

    if (record.type === 'correction') {
      const s = record.supersedes;
      if (!known.eventIds.has(s) && !(this.#eventIds.has(s) && s !== record.eventId)) {
        problems.push({
          at,
          field: 'supersedes',
          message: 'supersedes an eventId that is neither in the ledger nor earlier in this batch',
        });
      }
    }
    return problems;
  }
}

/**
 * The cross-record rules over a pseudonymised batch, in order. `at` of each
 * problem is the record's index, or `options.at[index]` (e.g. CSV lines, or
 * original indexes when only the valid records are checked).
 */
export function checkBatch(
  records: readonly StoredRecord[],
  known: KnownState,
  options: BatchCheckOptions & { readonly at?: readonly number[] } = {},
): Problem[] {
  const checker = new BatchChecker(known, options);
  return records.flatMap((record, i) => checker.check(record, options.at?.[i] ?? i));
}
