import type { ContractProfile } from '#contracts';
import type { EvidenceInput, EvidenceType, StoredRecord } from '#evidence';
import { EVIDENCE_TYPES } from '#evidence';
import { normaliseReference } from '#intake';
import { sha256, toHex, utf8 } from '#kernel';

/**
 * A synthetic Second Chance cohort (DOMAIN.md 2.1): operator-side evidence
 * records for a few hundred made-up participants, for the demo and tests.
 *
 * Pure and deterministic: the seed is injected, and every participant draws
 * from their own PRNG (mulberry32, seeded from the cohort seed and the
 * participant's number), so participant 42 is the same person whether 100 or
 * 1,000 participants are generated, and a range starting elsewhere
 * (`firstParticipant`) gives more people of the same population with
 * disjoint codes and event ids.
 *
 * Nothing here is personal data: participants are operator codes `SC-000123`
 * (never national IDs), there are no names, and employer, provider and
 * institution codes are invented.
 */

/**
 * The seed's baseline (DOMAIN.md 2.1): among ex-convicts in Kamchatka WITHOUT
 * the programme, employment is below 30% and permanent employment about 5%.
 * Not used to generate anything: the figure the programme's rates are set
 * against, and what the demo prints beside them.
 */
export const BASELINE_RATES = {
  /** Share of ex-convicts employed: "below 30%". */
  employed: 0.3,
  /** Share in permanent employment: "about 5%". */
  permanent: 0.05,
} as const;

/**
 * What the generator aims at for the programme cohort: somewhat above the
 * baseline (the programme helps), as shares of all participants over the
 * whole term. The realised shares differ by sampling noise (and reconviction
 * a little lower: late enrolees have too little time left to reoffend and be
 * convicted inside the term).
 */
export const PROGRAMME_RATES = {
  /** Ever in a job (at least one employment-started) during the term. */
  employed: 0.4,
  /** Ever in a permanent job: a quarter of those employed. */
  permanent: 0.1,
  /**
   * Drawn for every participant: convicted of a new offence inside the term.
   * Realised a few points lower: those still serving their sentence, and late
   * enrolees without time to offend and be convicted before the term ends, are not.
   */
  reconvicted: 0.15,
  /** Of those reconvicted: held in custody from arrest to conviction (a custody-spell). */
  custodyAfterArrest: 0.7,
  /** Of participants on probation at enrolment: a probation violation. */
  probationViolation: 0.2,
  /** Leave the programme (moved away, refused, died); not combined with a reconviction. */
  withdrawn: 0.04,
  /** Of those serving a sentence at enrolment and not to be employed: released inside the term. */
  released: 0.7,
} as const;

/** Category at enrolment (DOMAIN.md 2.1: serving a sentence, on probation, or released). */
export const CATEGORY_MIX = { 'serving-sentence': 0.3, probation: 0.3, released: 0.4 } as const;
/** Share of men (Russian prison and probation populations are mostly male). */
export const MALE_SHARE = 0.86;

/**
 * Gross monthly wages in RUB, drawn uniformly in steps of 500 RUB per contract
 * type. Kamchatka's average wage is above 100,000 RUB (northern coefficients);
 * entry jobs for ex-convicts pay less, seasonal fish processing pays well.
 */
export const WAGES_RUB = {
  permanent: { min: 55_000, max: 100_000 },
  'fixed-term': { min: 45_000, max: 90_000 },
  temporary: { min: 50_000, max: 120_000 },
} as const;

/** The shortest term (to `until`) a cohort is generated for: room for a release, a job and its end. */
export const MIN_TERM_DAYS = 60;

/** Prefix of participant codes (`SC-000123`) and event ids (`sc-000123-04`). */
export const PARTICIPANT_PREFIX = 'SC';

/** Invented employer codes: Kamchatka's sectors (fish processing, port, building, utilities, ...). */
const EMPLOYERS = [
  'EMP-FISH-PROC-01',
  'EMP-FISH-PROC-02',
  'EMP-FISH-PROC-03',
  'EMP-SEAPORT-01',
  'EMP-BUILD-01',
  'EMP-BUILD-02',
  'EMP-ROADS-01',
  'EMP-UTILITIES-01',
  'EMP-HOUSING-01',
  'EMP-RETAIL-01',
  'EMP-TRANSPORT-01',
  'EMP-FARM-01',
] as const;
const INSTITUTIONS = ['IK-5', 'IK-6', 'KP-1'] as const;
/** Providers per service type (invented codes); others get DEFAULT_PROVIDERS. */
const PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  'employment-assistance': ['CZN-PETROPAVLOVSK', 'CZN-ELIZOVO', 'NKO-RABOTA'],
  'job-retention-support': ['NKO-RABOTA'],
  're-socialisation': ['NKO-VTOROY-SHANS'],
  'legal-aid': ['NKO-PRAVO'],
  'psychological-help': ['NKO-DOVERIE', 'PSY-CENTRE-PK'],
  education: ['COLLEGE-PK', 'CZN-PETROPAVLOVSK'],
};
const DEFAULT_PROVIDERS = ['NKO-PARTNER'] as const;
/** Relative frequency of service types (others weigh 1); job-retention-support goes to the employed only. */
const SERVICE_WEIGHTS: Readonly<Record<string, number>> = {
  'employment-assistance': 4,
  're-socialisation': 2,
  'legal-aid': 2,
  'psychological-help': 2,
  education: 1,
};
const JOB_RETENTION = 'job-retention-support';

/** Free-text notes: circumstances, never identities (no names, no numbers). */
const NOTES = {
  seasonEnded: 'окончание путины, срочный договор завершён',
  contractEnded: 'срок договора истёк',
  resigned: 'уволился по собственному желанию',
  otherJob: 'перешёл на другую работу',
  dismissed: 'уволен за прогулы',
  custody: 'заключён под стражу',
  movedAway: 'переезд в другой регион',
  violations: [
    'не явился на регистрацию в инспекцию',
    'сменил место жительства без уведомления инспекции',
    'нарушил запрет покидать жилище в ночное время',
  ],
  correction: 'услуга записана на другого поставщика, верная запись внесена отдельно',
} as const;

// ---- PRNG

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Mixes integers into one 32-bit seed (murmur3's finaliser per part). */
function mix(...parts: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const part of parts) {
    for (const word of [part >>> 0, Math.floor(part / 4_294_967_296) >>> 0]) {
      h = Math.imul(h ^ word, 0x85ebca6b);
      h ^= h >>> 13;
      h = Math.imul(h, 0xc2b2ae35);
      h ^= h >>> 16;
    }
  }
  return h >>> 0;
}

class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** A whole number from min to max, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.#next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)] as T;
  }
  weighted<T extends string>(weights: Readonly<Record<T, number>>): T {
    const entries = Object.entries(weights) as [T, number][];
    const total = entries.reduce((s, [, w]) => s + w, 0);
    let u = this.#next() * total;
    for (const [value, w] of entries) {
      u -= w;
      if (u < 0) return value;
    }
    return (entries[entries.length - 1] as [T, number])[0];
  }
}

// ---- Dates (whole days since 1970-01-01, UTC)

const DAY_MS = 86_400_000;
const toDays = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
const toIso = (days: number): string => new Date(days * DAY_MS).toISOString().slice(0, 10);
const monthOf = (days: number): string => toIso(days).slice(0, 7);
/** The first day of the month after the month of `days`. */
function nextMonthStart(days: number): number {
  const [y, m] = toIso(days).split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1) / DAY_MS;
}
/** The last day of the month `months` before the month of `days`. */
function endOfMonthBefore(days: number, months: number): number {
  const [y, m] = toIso(days).split('-').map(Number) as [number, number];
  return Date.UTC(y, m - months, 1) / DAY_MS - 1;
}

// ---- The cohort

export interface CohortOptions {
  /** The seed: the same seed (and options) gives the same records. */
  readonly seed: number;
  /** How many participants. */
  readonly participants: number;
  /** The contract: its term, cohorts and service types. */
  readonly profile: ContractProfile;
  /** Number of the first participant (default 1: `SC-000001`). */
  readonly firstParticipant?: number;
  /** Last date any record may carry (default: the end of the term); e.g. today while the term runs. */
  readonly until?: string;
}

/** What every participant's timeline needs to know about the contract. */
interface Frame {
  readonly seed: number;
  readonly profile: ContractProfile;
  /** Last day any event may carry. */
  readonly horizon: number;
  /** Enrolments happen from..to (whole days). */
  readonly enrolFrom: number;
  readonly enrolTo: number;
  readonly cohortOf: (days: number) => string;
  readonly serviceWeights: Readonly<Record<string, number>>;
}

/** Zero-padded participant number: `SC-000123`. */
export function participantCode(n: number): string {
  return `${PARTICIPANT_PREFIX}-${String(n).padStart(6, '0')}`;
}

/**
 * Generates the operator-side records of `participants` participants,
 * numbered from `firstParticipant`: enrolments spread over the term (up to the
 * end of the month three months before its end: 2023-08..2025-12 for Second
 * Chance) and each participant's events up to the end of the term (or
 * `until`), in time order (each participant's enrolment first), ready to split
 * into batches. Exactly one participant has a correction (a service recorded
 * with the wrong provider, superseded, and recorded again).
 *
 * Every record passes validateRecord for the profile with any `today` on or
 * after the last date, and the whole list, in order, passes the cross-record
 * rules (checkBatch).
 */
export function generateCohort(options: CohortOptions): EvidenceInput[] {
  const { seed, participants, profile } = options;
  const first = options.firstParticipant ?? 1;
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  if (!Number.isSafeInteger(participants) || participants < 0 || participants > 999_999) {
    throw new RangeError('participants must be a whole number from 0 to 999,999');
  }
  if (!Number.isSafeInteger(first) || first < 1 || first + participants - 1 > 999_999) {
    throw new RangeError('participant numbers must stay within 1 to 999,999');
  }
  const frame = frameOf(seed, profile, options.until);
  const correctionAt =
    participants === 0 ? -1 : new Rng(mix(seed, 0xc0225, first, participants)).int(0, participants - 1);

  const all: { record: EvidenceInput; n: number; pos: number }[] = [];
  for (let i = 0; i < participants; i++) {
    const n = first + i;
    const timeline = participantTimeline(n, frame, i === correctionAt);
    for (const [pos, record] of timeline.entries()) all.push({ record, n, pos });
  }
  all.sort((a, b) =>
    a.record.date < b.record.date ? -1 : a.record.date > b.record.date ? 1 : a.n - b.n || a.pos - b.pos,
  );
  return all.map((a) => a.record);
}

function frameOf(seed: number, profile: ContractProfile, until: string | undefined): Frame {
  const termFrom = toDays(profile.term.from);
  const horizon = Math.min(toDays(profile.term.to), until === undefined ? Number.POSITIVE_INFINITY : toDays(until));
  if (!Number.isFinite(horizon)) throw new RangeError('until must be a date written YYYY-MM-DD');
  if (horizon - termFrom < MIN_TERM_DAYS) {
    throw new RangeError(`the term (up to \`until\`) must last at least ${MIN_TERM_DAYS} days`);
  }
  // Enrolments end three months before the last month (a short pilot: in its first third).
  const enrolTo = Math.max(endOfMonthBefore(horizon, 3), termFrom + Math.floor((horizon - termFrom) / 3));
  const years = profile.cohorts.every((c) => /^[0-9]{4}$/.test(c)) ? profile.cohorts.map(Number) : undefined;
  const span = enrolTo - termFrom + 1;
  const cohortOf = (days: number): string => {
    if (years) {
      const year = Number(toIso(days).slice(0, 4));
      const exact = profile.cohorts[years.indexOf(year)];
      if (exact !== undefined) return exact;
      return year < Math.min(...years) ? String(Math.min(...years)) : String(Math.max(...years));
    }
    // Named cohorts: the enrolment window cut into equal parts, in the profile's order.
    const part = Math.min(profile.cohorts.length - 1, Math.floor(((days - termFrom) / span) * profile.cohorts.length));
    return profile.cohorts[part] as string;
  };
  const serviceWeights = Object.fromEntries(
    profile.serviceTypes.filter((t) => t !== JOB_RETENTION).map((t) => [t, SERVICE_WEIGHTS[t] ?? 1]),
  );
  // A profile whose only service is job retention still gets services.
  const weights = Object.keys(serviceWeights).length > 0 ? serviceWeights : { [JOB_RETENTION]: 1 };
  return { seed, profile, horizon, enrolFrom: termFrom, enrolTo, cohortOf, serviceWeights: weights };
}

const hashOf = (text: string): string => toHex(sha256(utf8(text)));

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A record before it has an id and a participant: its date as a day number. */
type Draft = DistributiveOmit<EvidenceInput, 'eventId' | 'participant' | 'date'> & { day: number };

/** One participant's records, in time order; event ids numbered in that order. */
function participantTimeline(n: number, frame: Frame, withCorrection: boolean): EvidenceInput[] {
  const rng = new Rng(mix(frame.seed, n));
  const { horizon } = frame;
  const participant = participantCode(n);
  const drafts: Draft[] = [];
  const add = (draft: Draft) => drafts.push(draft);

  // Enrolment.
  const enrolled = rng.int(frame.enrolFrom, frame.enrolTo);
  const category = rng.weighted(CATEGORY_MIX);
  const age = rng.chance(0.1) ? rng.int(45, 60) : 20 + rng.int(0, 13) + rng.int(0, 13);
  add({
    day: enrolled,
    type: 'enrolment',
    source: 'operator',
    cohort: frame.cohortOf(enrolled),
    category,
    sex: rng.chance(MALE_SHARE) ? 'male' : 'female',
    birthYear: Number(toIso(enrolled).slice(0, 4)) - age,
    consentSha256: hashOf(`synthetic-consent/${frame.seed}/${participant}`),
  });

  // What happens to this participant, drawn up front so the rates hold.
  const employed = rng.chance(PROGRAMME_RATES.employed);
  const permanent = employed && rng.chance(PROGRAMME_RATES.permanent / PROGRAMME_RATES.employed);
  const reconvicted = rng.chance(PROGRAMME_RATES.reconvicted);
  const withdrawn = !reconvicted && rng.chance(PROGRAMME_RATES.withdrawn);
  const violates = category === 'probation' && rng.chance(PROGRAMME_RATES.probationViolation);

  // Free from: enrolment, or release for those serving a sentence (employed ones are always released in time).
  let free: number | undefined = enrolled;
  if (category === 'serving-sentence') {
    free = undefined;
    if (employed || rng.chance(PROGRAMME_RATES.released)) {
      const latest = horizon - (employed ? 21 : 1) - enrolled;
      free = enrolled + rng.int(Math.min(30, latest), Math.min(365, latest));
      add({ day: free, type: 'release', source: 'probation-service', institution: rng.pick(INSTITUTIONS) });
    }
  }

  // First job start (before any reconviction or withdrawal, so the employment rate holds).
  const firstStart =
    employed && free !== undefined ? free + rng.int(7, Math.max(7, Math.min(150, horizon - free - 7))) : undefined;

  // The end of the story: arrest (custody), conviction, or withdrawal.
  let stop = horizon;
  let stopReason: 'custody' | 'moved-away' | 'died' | 'refused' | undefined;
  if (reconvicted && free !== undefined) {
    const lo = Math.max(free, firstStart ?? free) + 30;
    const hi = horizon - 40;
    if (lo <= hi) {
      const offence = rng.int(lo, hi);
      const custody = rng.chance(PROGRAMME_RATES.custodyAfterArrest);
      const arrest = offence + rng.int(0, 10);
      const conviction = Math.min(horizon, arrest + rng.int(30, 150));
      if (custody) {
        add({ day: arrest, type: 'custody-spell', source: 'court', to: toIso(conviction) });
        stop = arrest;
        stopReason = 'custody';
      }
      // Without custody (a suspended sentence) life, and work, go on.
      add({
        day: conviction,
        type: 'reconviction',
        source: 'court',
        offenceDate: toIso(offence),
        documentSha256: hashOf(`synthetic-verdict/${frame.seed}/${participant}`),
      });
    }
  }
  if (withdrawn) {
    const lo = Math.max(enrolled, firstStart ?? enrolled) + 30;
    if (lo <= horizon - 1) {
      const day = rng.int(lo, horizon - 1);
      const reason = rng.weighted({ 'moved-away': 0.6, refused: 0.35, died: 0.05 } as const);
      add({ day, type: 'withdrawal', source: 'operator', reason });
      stop = day;
      stopReason = reason;
    }
  }

  // Services: one to four in the first half year, and job retention support for the employed.
  const services = rng.int(1, 4);
  const serviceDays: number[] = [];
  for (let i = 0; i < services; i++)
    serviceDays.push(enrolled + rng.int(0, Math.max(0, Math.min(180, stop - enrolled))));
  serviceDays.sort((a, b) => a - b);
  let firstService: Draft | undefined;
  for (const day of serviceDays) {
    const serviceType = rng.weighted(frame.serviceWeights);
    const provider = rng.pick(PROVIDERS[serviceType] ?? DEFAULT_PROVIDERS);
    const draft: Draft = {
      day,
      type: 'service',
      source: provider.startsWith('CZN-') ? 'employment-centre' : 'operator',
      serviceType,
      provider,
    };
    firstService ??= draft;
    add(draft);
  }

  // Jobs: the first as drawn, then (after a non-permanent job ends) sometimes another.
  if (firstStart !== undefined && firstStart <= stop) {
    let start = firstStart;
    const employers: string[] = [];
    for (let job = 0; job < 3 && start <= stop; job++) {
      const contractType = job === 0 && permanent ? 'permanent' : rng.weighted({ 'fixed-term': 0.55, temporary: 0.45 });
      const employerId = rng.pick(
        contractType === 'temporary' ? EMPLOYERS.slice(0, 4) : EMPLOYERS.filter((e) => !employers.includes(e)),
      );
      if (employers.includes(employerId)) break; // seasonal work at the same plant again: leave it at one spell
      employers.push(employerId);
      const wage = WAGES_RUB[contractType];
      add({
        day: start,
        type: 'employment-started',
        source: 'employer',
        employerId,
        contractType,
        monthlyWage: String(rng.int(wage.min / 500, wage.max / 500) * 500 * 100),
        documentSha256: hashOf(`synthetic-contract/${frame.seed}/${participant}/${job}`),
      });
      if (job === 0 && frame.profile.serviceTypes.includes(JOB_RETENTION)) {
        const day = start + rng.int(7, 60);
        if (day <= stop)
          add({ day, type: 'service', source: 'operator', serviceType: JOB_RETENTION, provider: 'NKO-RABOTA' });
      }
      const planned =
        contractType === 'temporary'
          ? rng.int(60, 200)
          : contractType === 'fixed-term'
            ? rng.int(90, 365)
            : rng.chance(0.3)
              ? rng.int(120, 540)
              : Number.POSITIVE_INFINITY;
      const plannedEnd = start + planned;
      let end: number | undefined;
      let ending: { reason: 'resigned' | 'dismissed' | 'contract-ended' | 'other'; note?: string } | undefined;
      if (plannedEnd <= stop) {
        end = plannedEnd;
        ending =
          contractType === 'permanent'
            ? rng.pick([
                { reason: 'resigned', note: NOTES.resigned },
                { reason: 'dismissed', note: NOTES.dismissed },
              ] as const)
            : contractType === 'temporary'
              ? { reason: 'contract-ended', note: NOTES.seasonEnded }
              : rng.pick([
                  { reason: 'contract-ended', note: NOTES.contractEnded },
                  { reason: 'contract-ended' },
                  { reason: 'resigned', note: NOTES.otherJob },
                  { reason: 'dismissed', note: NOTES.dismissed },
                ] as const);
      } else if (stopReason === 'custody' || stopReason === 'moved-away' || stopReason === 'died') {
        end = stop;
        ending =
          stopReason === 'custody'
            ? { reason: 'dismissed', note: NOTES.custody }
            : stopReason === 'moved-away'
              ? { reason: 'resigned', note: NOTES.movedAway }
              : { reason: 'other' };
      }
      // Months worked, each confirmed early in the next month (employer, tax or pension records).
      const lastWorked = end ?? stop;
      for (let month = start; month <= lastWorked; month = nextMonthStart(month)) {
        const day = nextMonthStart(month) + rng.int(2, 19);
        if (day > horizon) break;
        add({
          day,
          type: 'employment-confirmed',
          source: rng.weighted({ employer: 0.5, 'tax-records': 0.35, 'pension-records': 0.15 } as const),
          employerId,
          month: monthOf(month),
        });
      }
      if (end === undefined || ending === undefined) break;
      add({ day: end, type: 'employment-ended', source: 'employer', employerId, ...ending });
      if (contractType === 'permanent' || !rng.chance(0.4) || (stopReason !== undefined && end >= stop)) break;
      start = end + rng.int(14, 90);
    }
  }

  if (violates) {
    const day = enrolled + rng.int(14, Math.max(14, Math.min(300, stop - enrolled)));
    if (day <= stop) {
      const withNote = rng.chance(0.7);
      add({
        day,
        type: 'probation-violation',
        source: 'probation-service',
        ...(withNote ? { note: rng.pick(NOTES.violations) } : {}),
      });
    }
  }

  // The one correction: the first service was recorded with the wrong provider; superseded, and recorded again.
  let correction: { draft: Draft; supersedes: Draft } | undefined;
  if (withCorrection && firstService?.type === 'service') {
    const wrong = firstService;
    const providers = PROVIDERS[wrong.serviceType] ?? DEFAULT_PROVIDERS;
    const right = providers.find((p) => p !== wrong.provider) ?? `${wrong.provider}-2`;
    add({ ...wrong, provider: right });
    const draft: Draft = {
      day: Math.min(horizon, wrong.day + rng.int(3, 30)),
      type: 'correction',
      source: 'operator',
      supersedes: '',
      reason: NOTES.correction,
    };
    add(draft);
    correction = { draft, supersedes: wrong };
  }

  // Stable by day: a draft added after another on the same day stays after it (enrolment first, start before
  // end, the record made again before its correction); event ids are numbered in this order.
  const ordered = drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.day - b.d.day || a.i - b.i);
  const code = participant.toLowerCase();
  const ids = new Map<Draft, string>(ordered.map(({ d }, i) => [d, `${code}-${String(i + 1).padStart(2, '0')}`]));
  return ordered.map(({ d }) => {
    const { day, ...rest } = d;
    const record = { eventId: ids.get(d), participant, date: toIso(day), ...rest } as EvidenceInput;
    if (correction && d === correction.draft && record.type === 'correction') {
      record.supersedes = ids.get(correction.supersedes) as string;
    }
    return record;
  });
}

// ---- Batches

/** Participant key: the normalised reference (so `SC-000001` and `sc 000001` are one participant). */
function participantKey(reference: unknown): string {
  if (typeof reference !== 'string') return String(reference);
  try {
    return normaliseReference(reference);
  } catch {
    return reference;
  }
}

/**
 * Splits records into at most `n` batches of nearly equal size, keeping their
 * order: a batch holds the records after those of the batch before it. Each
 * participant's enrolment stays in the same or an earlier batch than their
 * other events: a record found before its participant's enrolment (in the
 * input) is moved to just after it. No batch is empty.
 */
export function splitIntoBatches<T extends { readonly participant: unknown; readonly type: unknown }>(
  records: readonly T[],
  n: number,
): T[][] {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError('n must be a whole number of at least 1');
  const enrolmentAt = new Map<string, number>();
  for (const [i, r] of records.entries()) {
    const key = participantKey(r.participant);
    if (r.type === 'enrolment' && !enrolmentAt.has(key)) enrolmentAt.set(key, i);
  }
  const ordered: T[] = [];
  const held = new Map<string, T[]>();
  for (const [i, r] of records.entries()) {
    const key = participantKey(r.participant);
    const at = enrolmentAt.get(key);
    if (r.type !== 'enrolment' && at !== undefined && at > i) {
      const list = held.get(key) ?? [];
      list.push(r);
      held.set(key, list);
      continue;
    }
    ordered.push(r);
    if (at === i) {
      ordered.push(...(held.get(key) ?? []));
      held.delete(key);
    }
  }
  const count = Math.min(n, ordered.length);
  const batches: T[][] = [];
  for (let i = 0; i < count; i++) {
    batches.push(
      ordered.slice(Math.floor((i * ordered.length) / count), Math.floor(((i + 1) * ordered.length) / count)),
    );
  }
  return batches;
}

// ---- A batch with mistakes

export const MISTAKE_KINDS = [
  'future-date',
  'ended-before-start',
  'non-string-wage',
  'negative-wage',
  'unknown-service-type',
  'not-enrolled',
  'duplicate-event-id',
  'name-in-note',
] as const;
export type MistakeKind = (typeof MISTAKE_KINDS)[number];

export interface InjectedMistake {
  /** Index of the faulty record in `records`. */
  readonly at: number;
  readonly kind: MistakeKind;
  /** What was done, in plain English (no personal data: codes and field names only). */
  readonly description: string;
}

export interface BatchWithErrors {
  /** The batch with its mistakes: raw JSON-like records, not all of them valid. */
  readonly records: Record<string, unknown>[];
  /** One entry per mistake, in `records` order. */
  readonly mistakes: InjectedMistake[];
}

/** A service type no contract of the seed uses (the operator's own word for help with housing). */
export const UNKNOWN_SERVICE_TYPE = 'housing-assistance';
/** A personal name in a note, as a careless operator might write it: two capitalised words (the name is made up). */
export const NOTES_WITH_NAME = {
  'employment-ended': 'по словам мастера Кузнецов Андрей не выходил на смену с понедельника',
  'probation-violation': 'со слов соседей Кузнецов Андрей не ночевал дома',
} as const;

/** `2025-03-14` -> `2052-03-14`: the year's last two digits swapped (ten years on if that is not later). */
function yearTypo(date: string): string {
  const year = date.slice(0, 4);
  const swapped = `${year.slice(0, 2)}${year[3]}${year[2]}`;
  const typo = Number(swapped) > Number(year) ? swapped : String(Number(year) + 10);
  return `${typo}${date.slice(4)}`;
}

/** `SC-000305` -> `SC-O00305`: a zero typed as the letter O (a code nobody is enrolled under). */
function codeTypo(reference: string): string {
  const i = reference.indexOf('0');
  return i < 0 ? `${reference}X` : `${reference.slice(0, i)}O${reference.slice(i + 1)}`;
}

const daysBefore = (date: string, days: number): string => toIso(toDays(date) - days);

/**
 * A copy of `batch` with a handful of deliberate, realistic mistakes, one
 * record each (others are left as they were): a date with its year's digits
 * swapped (in the future), an employment-ended dated before its start, a wage
 * as a JSON number and a negative wage, a service type the contract does not
 * have, an event under a mistyped participant code (not enrolled), an event id
 * copied from the record before, and a personal name in a note.
 *
 * Faulty records are picked so that the mistake does not spill over to other
 * records (no record another refers to is broken); where the batch has no
 * suitable record, a faulty one is added after the batch's first enrolment
 * (or first record). The input is not changed. Throws on an empty batch.
 */
export function withErrors(batch: readonly EvidenceInput[]): BatchWithErrors {
  const first = batch[0];
  if (first === undefined) throw new RangeError('withErrors needs a batch with at least one record');
  const records: Record<string, unknown>[] = batch.map((r) => ({ ...r }));
  const faults = new Map<Record<string, unknown>, { kind: MistakeKind; description: string }>();
  const anchor = records.find((r) => r.type === 'enrolment') ?? (records[0] as Record<string, unknown>);
  const str = (r: Record<string, unknown>, field: string) => String(r[field]);
  /** Ids other records refer to (corrections): those records must stay valid. */
  const referenced = new Set(records.filter((r) => r.type === 'correction').map((r) => str(r, 'supersedes')));
  const startKey = (r: Record<string, unknown>) => `${participantKey(r.participant)}\u0000${str(r, 'employerId')}`;
  const endedKeys = new Set(records.filter((r) => r.type === 'employment-ended').map(startKey));
  /** Records that must stay valid for another mistake to show as itself. */
  const reserved = new Set<Record<string, unknown>>();
  const free = (r: Record<string, unknown>) => !faults.has(r) && !reserved.has(r) && !referenced.has(str(r, 'eventId'));
  const find = (types: readonly string[], ok: (r: Record<string, unknown>) => boolean = () => true) => {
    for (const type of types) {
      const found = records.find((r) => r.type === type && free(r) && ok(r));
      if (found) return found;
    }
    return undefined;
  };
  let synthetic = 0;
  const insertAfter = (after: Record<string, unknown>, ...added: Record<string, unknown>[]) => {
    records.splice(records.indexOf(after) + 1, 0, ...added);
  };
  /** A new valid record of the anchor's participant on the anchor's date. */
  const made = (fields: Record<string, unknown>): Record<string, unknown> => ({
    eventId: `${str(anchor, 'eventId')}-x${++synthetic}`,
    participant: anchor.participant,
    date: anchor.date,
    ...fields,
  });
  const aService = () => {
    const r = made({ type: 'service', source: 'operator', serviceType: 'legal-aid', provider: 'NKO-PRAVO' });
    insertAfter(anchor, r);
    return r;
  };
  const aStart = () => {
    const r = made({
      type: 'employment-started',
      source: 'employer',
      employerId: `EMP-X${synthetic + 1}`,
      contractType: 'temporary',
      monthlyWage: '6000000',
    });
    insertAfter(anchor, r);
    return r;
  };

  // A year typo: the date is decades in the future.
  const dated = find(['service', 'release', 'employment-confirmed']) ?? aService();
  faults.set(dated, {
    kind: 'future-date',
    description: `date with the year's digits swapped (${str(dated, 'type')})`,
  });
  dated.date = yearTypo(str(dated, 'date'));

  // A service type of the operator's own, not the contract's.
  const service = find(['service']) ?? aService();
  faults.set(service, { kind: 'unknown-service-type', description: `serviceType ${UNKNOWN_SERVICE_TYPE}` });
  service.serviceType = UNKNOWN_SERVICE_TYPE;

  // An employment-ended dated before its start.
  const startOf = (ended: Record<string, unknown>) =>
    records.find(
      (r) =>
        r.type === 'employment-started' &&
        startKey(r) === startKey(ended) &&
        records.indexOf(r) < records.indexOf(ended) &&
        !faults.has(r),
    );
  let ended = find(['employment-ended'], (r) => startOf(r) !== undefined);
  let start = ended ? startOf(ended) : undefined;
  if (!ended || !start) {
    start = find(['employment-started']) ?? aStart();
    ended = {
      eventId: `${str(start, 'eventId')}-end`,
      participant: start.participant,
      type: 'employment-ended',
      date: start.date,
      source: 'employer',
      employerId: start.employerId,
      reason: 'resigned',
    };
    insertAfter(start, ended);
  }
  reserved.add(start); // it must stay valid, or the end would have no start at all
  faults.set(ended, { kind: 'ended-before-start', description: 'employment-ended dated 10 days before its start' });
  ended.date = daysBefore(str(start, 'date'), 10);

  // Wages from a spreadsheet: a number, and a minus sign.
  const unended = (r: Record<string, unknown>) => !endedKeys.has(startKey(r));
  const numeric = find(['employment-started'], unended) ?? find(['employment-started']) ?? aStart();
  faults.set(numeric, { kind: 'non-string-wage', description: 'monthlyWage as a JSON number of roubles' });
  numeric.monthlyWage = Number(numeric.monthlyWage) / 100;
  const negative = find(['employment-started'], unended) ?? find(['employment-started']) ?? aStart();
  faults.set(negative, { kind: 'negative-wage', description: 'monthlyWage with a minus sign' });
  negative.monthlyWage = `-${str(negative, 'monthlyWage')}`;

  // A participant code with a letter O for a zero: nobody is enrolled under it.
  const stray = find(['employment-confirmed', 'service', 'release', 'probation-violation']) ?? aService();
  faults.set(stray, { kind: 'not-enrolled', description: `participant code mistyped (${str(stray, 'type')})` });
  stray.participant = codeTypo(str(stray, 'participant'));

  // A name in a note.
  const noted =
    find(['employment-ended', 'probation-violation']) ??
    made({ type: 'probation-violation', source: 'probation-service' });
  if (!records.includes(noted)) insertAfter(anchor, noted);
  faults.set(noted, { kind: 'name-in-note', description: `a personal name in the note (${str(noted, 'type')})` });
  noted.note =
    noted.type === 'employment-ended' ? NOTES_WITH_NAME['employment-ended'] : NOTES_WITH_NAME['probation-violation'];

  // An event id copied from the record before (the last suitable record, so it has one before it).
  // The record before must be valid: the cross-record checks see only valid records.
  const copyable = (r: Record<string, unknown>) => {
    const i = records.indexOf(r);
    return i > 0 && r.type !== 'enrolment' && !faults.has(records[i - 1] as Record<string, unknown>);
  };
  const candidates = records.filter((r) => free(r) && copyable(r));
  const duplicate =
    candidates.findLast((r) => r.type === 'employment-confirmed') ??
    candidates.findLast((r) => r.type === 'service') ??
    candidates.at(-1) ??
    (() => {
      const r = made({ type: 'service', source: 'operator', serviceType: 'legal-aid', provider: 'NKO-PRAVO' });
      records.push(r);
      return r;
    })();
  const before = records[records.indexOf(duplicate) - 1] as Record<string, unknown>;
  faults.set(duplicate, {
    kind: 'duplicate-event-id',
    description: `eventId copied from the record before (${str(duplicate, 'type')})`,
  });
  duplicate.eventId = before.eventId;

  const mistakes = [...faults.entries()]
    .map(([record, m]) => ({ at: records.indexOf(record), ...m }))
    .sort((a, b) => a.at - b.at);
  return { records, mistakes };
}

// ---- Summary

export interface CohortSummary {
  /** Participants enrolled in these records. */
  readonly participants: number;
  /** Records per type, every type listed (superseded records included). */
  readonly eventsByType: Readonly<Record<EvidenceType, number>>;
  /** Participants with at least one employment-started (superseded records skipped). */
  readonly employed: number;
  /** Of those, with a permanent job. */
  readonly permanent: number;
  /** Participants with at least one reconviction. */
  readonly reconvicted: number;
  /** Shares of `participants` (0 when there are none). */
  readonly rates: { readonly employed: number; readonly permanent: number; readonly reconvicted: number };
}

/**
 * Counts over a cohort's records: works the same on the operator's records
 * (participant codes) and on the stored ones (pseudonyms), so the figures of
 * what was generated and of what the ledger holds can be compared.
 */
export function summariseCohort(records: readonly (EvidenceInput | StoredRecord)[]): CohortSummary {
  const superseded = new Set(records.flatMap((r) => (r.type === 'correction' ? [r.supersedes] : [])));
  const eventsByType = Object.fromEntries(EVIDENCE_TYPES.map((t) => [t, 0])) as Record<EvidenceType, number>;
  const enrolled = new Set<string>();
  const employed = new Set<string>();
  const permanent = new Set<string>();
  const reconvicted = new Set<string>();
  for (const r of records) {
    eventsByType[r.type] += 1;
    if (superseded.has(r.eventId)) continue;
    const key = participantKey(r.participant);
    if (r.type === 'enrolment') enrolled.add(key);
    if (r.type === 'employment-started') {
      employed.add(key);
      if (r.contractType === 'permanent') permanent.add(key);
    }
    if (r.type === 'reconviction') reconvicted.add(key);
  }
  const count = (s: Set<string>) => [...s].filter((p) => enrolled.has(p)).length;
  const share = (k: number) => (enrolled.size === 0 ? 0 : k / enrolled.size);
  const e = count(employed);
  const p = count(permanent);
  const c = count(reconvicted);
  return {
    participants: enrolled.size,
    eventsByType,
    employed: e,
    permanent: p,
    reconvicted: c,
    rates: { employed: share(e), permanent: share(p), reconvicted: share(c) },
  };
}
