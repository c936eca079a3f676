import * as z from 'zod';
import {
  CATEGORIES,
  COHORT_PATTERN as COHORT,
  type ContractProfile,
  MONEY,
  SERVICE_TYPE_PATTERN as SERVICE_TYPE,
  WITHDRAWAL_REASONS,
} from '#contracts';
import type { Problem } from '#kernel';
import { freeTextProblems } from './free-text.ts';
import {
  CODE,
  CONFIRMATION_SOURCES,
  CONTRACT_TYPES,
  EMPLOYMENT_END_REASONS,
  EVENT_ID,
  EVIDENCE_TYPES,
  type EvidenceType,
  FORBIDDEN_KEYS,
  LIMITS,
  PARTICIPANT_REFERENCE,
  PSEUDONYM,
  SEXES,
  SOURCES,
  STATUSES,
  WORKING_AGE,
} from './vocabulary.ts';
import { unpairedSurrogateProblems } from './well-formed.ts';

/**
 * The evidence records: events on a participant's timeline, as the operator
 * submits them (EvidenceInput: `participant` is the raw reference, a national
 * ID or operator code) and as they are stored (StoredRecord: `participant` is
 * the keyed pseudonym from domain/intake/pseudonym.ts). Documented, with an example of
 * each type, in docs/evidence.md.
 *
 * validateRecord checks one record on its own (schema, dates in the contract
 * term and not in the future, the contract's cohorts and service types, free
 * text without personal data). The rules across the records of a batch are
 * part of submitting evidence (domain/intake/batch-check.ts).
 *
 * Problem messages never repeat a submitted value: the participant reference
 * and free text may be personal data, and problems are logged.
 */

// Field patterns only the schemas and the record rules use.
const HEX64 = /^[0-9a-f]{64}$/;
const MONTH = /^[0-9]{4}-(?:0[1-9]|1[0-2])$/;

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

/** Each type's own fields (after the common ones), in documented order; the same for input and stored records. */
const OWN_FIELDS = {
  enrolment: {
    cohort: z.string().regex(COHORT, 'must be a cohort name: lower-case letters, digits and hyphens'),
    category: enumOf(CATEGORIES),
    sex: enumOf(SEXES),
    birthYear: z.int({ error: 'must be a whole number (a year such as 1990)' }),
    consentSha256: Hex64Schema,
    status: enumOf(STATUSES).optional(),
  },
  release: {
    institution: CodeSchema,
  },
  service: {
    serviceType: z.string().regex(SERVICE_TYPE, 'must be a service type: lower-case letters, digits and hyphens'),
    provider: CodeSchema,
  },
  'employment-started': {
    employerId: CodeSchema,
    contractType: enumOf(CONTRACT_TYPES),
    monthlyWage: z
      .string({
        error: (iss) =>
          iss.input === undefined ? undefined : 'must be a string of digits: money is never a JSON number',
      })
      .refine((v) => !v.trim().startsWith('-'), { message: 'must not be negative', abort: true })
      .regex(
        MONEY,
        'must be minor units written as digits, without sign, spaces, separators or leading zeros (at most 15 digits), e.g. "4500000" for 45,000.00',
      ),
  },
  'employment-ended': {
    employerId: CodeSchema,
    reason: enumOf(EMPLOYMENT_END_REASONS),
    note: FreeTextSchema.optional(),
  },
  'employment-confirmed': {
    employerId: CodeSchema,
    month: z.string().regex(MONTH, 'must be a month written YYYY-MM'),
  },
  reconviction: {
    offenceDate: IsoDateSchema,
  },
  'probation-violation': {
    note: FreeTextSchema.optional(),
  },
  'custody-spell': {
    to: IsoDateSchema,
  },
  withdrawal: {
    reason: enumOf(WITHDRAWAL_REASONS),
  },
  correction: {
    supersedes: EventIdSchema,
    reason: FreeTextSchema,
  },
};

/** The sources of the types that narrow them: who may confirm a month of employment, and who records a reconviction. */
const ConfirmationSourceSchema = z.enum(CONFIRMATION_SOURCES, {
  error: `must be one of: ${CONFIRMATION_SOURCES.join(', ')} (who may confirm a month of employment)`,
});
const CourtSourceSchema = z.literal('court', { error: 'must be court: a reconviction is recorded from court records' });

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
    enrolment: z.strictObject({ ...head('enrolment'), ...OWN_FIELDS.enrolment }).superRefine(addIntrinsic),
    release: z.strictObject({ ...head('release'), ...OWN_FIELDS.release }),
    service: z.strictObject({ ...head('service'), ...OWN_FIELDS.service }),
    'employment-started': z.strictObject({ ...head('employment-started'), ...OWN_FIELDS['employment-started'] }),
    'employment-ended': z.strictObject({ ...head('employment-ended'), ...OWN_FIELDS['employment-ended'] }),
    'employment-confirmed': z
      .strictObject({
        ...head('employment-confirmed', ConfirmationSourceSchema),
        ...OWN_FIELDS['employment-confirmed'],
      })
      .superRefine(addIntrinsic),
    reconviction: z
      .strictObject({ ...head('reconviction', CourtSourceSchema), ...OWN_FIELDS.reconviction })
      .superRefine(addIntrinsic),
    'probation-violation': z.strictObject({ ...head('probation-violation'), ...OWN_FIELDS['probation-violation'] }),
    'custody-spell': z
      .strictObject({ ...head('custody-spell'), ...OWN_FIELDS['custody-spell'] })
      .superRefine(addIntrinsic),
    withdrawal: z.strictObject({ ...head('withdrawal'), ...OWN_FIELDS.withdrawal }),
    correction: z.strictObject({ ...head('correction'), ...OWN_FIELDS.correction }),
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
  // Text that is not valid Unicode cannot be stored (canonical JSON refuses it): named here, never a record.
  const malformed = unpairedSurrogateProblems(value);
  const { clean, problems } = withoutForbiddenKeys(value);
  problems.push(...malformed);
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
  return parsed.success && unique.length === 0 && malformed.length === 0
    ? { record: parsed.data, problems: [] }
    : { problems: unique };
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
