/**
 * The evidence vocabulary: the evidence types, sources and the other closed
 * value lists of a record, the bounds on operator input (LIMITS) and how
 * messages name them, the patterns of identifiers, and which fields hold
 * free text. Documented in docs/evidence.md.
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

// The enrolment categories are CATEGORIES of '#contracts': populations are filtered by them.
/** Social status at enrolment, as the Antares report tabulates participants. */
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
// The withdrawal reasons are WITHDRAWAL_REASONS of '#contracts': a contract's withdrawal rule names them.
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
