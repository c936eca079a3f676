import type { CATEGORIES, WithdrawalReason } from '#contracts';
import { dayNumber, monthDays } from '#kernel';
import type { StoredRecord } from './records.ts';

/**
 * Participant timelines: the stored evidence records of a contract, read in
 * log order, folded into one timeline per participant pseudonym, with
 * corrections applied. Metrics (domain/evaluation/metrics.ts) read only timelines.
 *
 * Corrections never change a record: a `correction` supersedes an earlier
 * record by event id, and a superseded record is left out. A correction can
 * itself be corrected, which restores the record it had superseded. A
 * correction applies whatever its date: it says the earlier record was never
 * true. Every other record counts only if dated on or before the cutoff (the
 * last day of the period evaluated).
 */

export type Category = (typeof CATEGORIES)[number];
export type Sex = 'male' | 'female';

export interface Enrolment {
  readonly day: number;
  readonly cohort: string;
  readonly category: Category;
  readonly sex: Sex;
  readonly birthYear: number;
  /** Social status, when the operator records it. */
  readonly status?: string;
}

/** An employment from its start to its end (inclusive), or still open (end undefined). */
export interface Spell {
  readonly employerId: string;
  readonly start: number;
  readonly end: number | undefined;
  readonly permanent: boolean;
  /** Monthly wage in minor units. */
  readonly wage: bigint;
}

export interface Timeline {
  readonly participant: string;
  /** The participant's first enrolment (by date). Participants without one are in no population. */
  readonly enrolment: Enrolment | undefined;
  /** Release days, ascending. */
  readonly releases: readonly number[];
  /** Employment spells, by start. */
  readonly spells: readonly Spell[];
  /** Confirmed months of employment (employer, first and last day of the month), distinct. */
  readonly confirmations: readonly { readonly employerId: string; readonly first: number; readonly last: number }[];
  /** Reconvictions: conviction day and offence day. */
  readonly reconvictions: readonly { readonly day: number; readonly offenceDay: number }[];
  /** Custody spells (first and last day in custody). */
  readonly custody: readonly { readonly from: number; readonly to: number }[];
  readonly services: readonly { readonly type: string; readonly day: number }[];
  readonly violations: readonly number[];
  /** Day of the earliest withdrawal, if any. */
  readonly withdrawal: number | undefined;
  /** Why the participant withdrew (the earliest withdrawal's reason). */
  readonly withdrawalReason?: WithdrawalReason;
}

/**
 * A record as the builder keeps it: only what timelines read, dates as day
 * numbers, and repeated strings (cohorts, employers, service types) shared,
 * so millions of records fit in memory.
 */
type Held = {
  readonly eventId: string;
  readonly day: number;
  /** Position in the stream: orders records of the same day, and a correction after its target. */
  readonly order: number;
  superseded: boolean;
} & (
  | { readonly type: 'enrolment'; readonly enrolment: Enrolment }
  | { readonly type: 'release' | 'probation-violation' | 'other' }
  | { readonly type: 'withdrawal'; readonly reason: WithdrawalReason }
  | {
      readonly type: 'employment-started';
      readonly employerId: string;
      readonly permanent: boolean;
      readonly wage: bigint;
    }
  | { readonly type: 'employment-ended'; readonly employerId: string }
  | { readonly type: 'employment-confirmed'; readonly employerId: string; readonly month: string }
  | { readonly type: 'reconviction'; readonly offenceDay: number }
  | { readonly type: 'custody-spell'; readonly to: number }
  | { readonly type: 'service'; readonly serviceType: string }
  | { readonly type: 'correction'; target: Held | undefined; readonly supersedes: string }
);

/** Collects records in log order; `build` folds them into timelines for a cutoff day. */
export class TimelineBuilder {
  readonly #byParticipant = new Map<string, Held[]>();
  readonly #corrections: (Held & { type: 'correction' })[] = [];
  readonly #strings = new Map<string, string>();
  #count = 0;

  /** Records added so far. */
  get count(): number {
    return this.#count;
  }

  /** One shared instance of a repeated string. */
  #intern(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    if (this.#strings.size < 100_000) this.#strings.set(value, value);
    return value;
  }

  add(record: StoredRecord): void {
    const base = { eventId: record.eventId, day: dayNumber(record.date), order: this.#count++, superseded: false };
    let held: Held;
    switch (record.type) {
      case 'enrolment':
        held = {
          ...base,
          type: 'enrolment',
          enrolment: {
            day: base.day,
            cohort: this.#intern(record.cohort),
            category: record.category,
            sex: record.sex,
            birthYear: record.birthYear,
            ...(record.status === undefined ? {} : { status: this.#intern(record.status) }),
          },
        };
        break;
      case 'employment-started':
        held = {
          ...base,
          type: 'employment-started',
          employerId: this.#intern(record.employerId),
          permanent: record.contractType === 'permanent',
          wage: BigInt(record.monthlyWage),
        };
        break;
      case 'employment-ended':
        held = { ...base, type: 'employment-ended', employerId: this.#intern(record.employerId) };
        break;
      case 'employment-confirmed':
        held = {
          ...base,
          type: 'employment-confirmed',
          employerId: this.#intern(record.employerId),
          month: this.#intern(record.month),
        };
        break;
      case 'reconviction':
        held = { ...base, type: 'reconviction', offenceDay: dayNumber(record.offenceDate) };
        break;
      case 'custody-spell':
        held = { ...base, type: 'custody-spell', to: dayNumber(record.to) };
        break;
      case 'service':
        held = { ...base, type: 'service', serviceType: this.#intern(record.serviceType) };
        break;
      case 'correction': {
        const correction = {
          ...base,
          type: 'correction' as const,
          supersedes: record.supersedes,
          target: this.#find(record.participant, record.supersedes),
        };
        this.#corrections.push(correction);
        held = correction;
        break;
      }
      case 'release':
      case 'probation-violation':
        held = { ...base, type: record.type };
        break;
      case 'withdrawal':
        held = { ...base, type: 'withdrawal', reason: record.reason };
        break;
      default:
        held = { ...base, type: 'other' };
    }
    let list = this.#byParticipant.get(record.participant);
    if (list === undefined) {
      list = [];
      this.#byParticipant.set(record.participant, list);
    }
    list.push(held);
  }

  /**
   * The earlier record a correction supersedes: looked for among the
   * correction's own participant's records first (where it is, in practice),
   * then among everyone's. Event ids are unique per contract.
   */
  #find(participant: string, eventId: string): Held | undefined {
    const own = this.#byParticipant.get(participant);
    const hit = own?.findLast((h) => h.eventId === eventId);
    if (hit !== undefined) return hit;
    for (const [p, list] of this.#byParticipant) {
      if (p === participant) continue;
      const other = list.find((h) => h.eventId === eventId);
      if (other !== undefined) return other;
    }
    return undefined;
  }

  /** Timelines of every participant, sorted by pseudonym, reading records dated on or before `cutoff`. */
  build(cutoff: number): Timeline[] {
    this.#applyCorrections();
    const participants = [...this.#byParticipant.keys()].sort();
    return participants.map((p) => foldTimeline(p, this.#byParticipant.get(p) ?? [], cutoff));
  }

  #applyCorrections(): void {
    for (const c of this.#corrections) {
      c.superseded = false;
      if (c.target !== undefined) c.target.superseded = false;
    }
    // Latest first: whether a correction is in force depends only on later corrections.
    for (let i = this.#corrections.length - 1; i >= 0; i--) {
      const c = this.#corrections[i] as Held & { type: 'correction' };
      if (!c.superseded && c.target !== undefined && c.target.order < c.order) c.target.superseded = true;
    }
  }
}

/** One participant's timeline from their held records: live ones (not superseded, not corrections) up to `cutoff`. */
function foldTimeline(participant: string, held: readonly Held[], cutoff: number): Timeline {
  const live = held
    .filter((h) => !h.superseded && h.type !== 'correction' && h.day <= cutoff)
    .sort((a, b) => a.day - b.day || a.order - b.order);
  const fold: Fold = {
    enrolment: undefined,
    withdrawal: undefined,
    withdrawalReason: undefined,
    releases: [],
    open: [],
    confirmations: new Map(),
    reconvictions: [],
    custody: [],
    services: [],
    violations: [],
  };
  for (const h of live) foldRecord(fold, h, cutoff);
  const spells: Spell[] = fold.open.map((s) => ({
    employerId: s.employerId,
    start: s.start,
    end: s.end,
    permanent: s.permanent,
    wage: s.wage,
  }));
  return {
    participant,
    enrolment: fold.enrolment,
    releases: fold.releases,
    spells,
    confirmations: [...fold.confirmations.values()].sort(
      (a, b) => a.first - b.first || cmp(a.employerId, b.employerId),
    ),
    reconvictions: fold.reconvictions,
    custody: fold.custody,
    services: fold.services,
    violations: fold.violations,
    withdrawal: fold.withdrawal,
    ...(fold.withdrawalReason === undefined ? {} : { withdrawalReason: fold.withdrawalReason }),
  };
}

/** An employment spell while its timeline is folded: open until an employment-ended sets `end`. */
interface OpenSpell {
  employerId: string;
  start: number;
  permanent: boolean;
  wage: bigint;
  end?: number;
}

/** What foldTimeline has gathered so far, record by record in date order. */
interface Fold {
  enrolment: Enrolment | undefined;
  withdrawal: number | undefined;
  withdrawalReason: WithdrawalReason | undefined;
  readonly releases: number[];
  readonly open: OpenSpell[];
  /** `employerId NUL month` -> the confirmed month. */
  readonly confirmations: Map<string, { employerId: string; first: number; last: number }>;
  readonly reconvictions: { day: number; offenceDay: number }[];
  readonly custody: { from: number; to: number }[];
  readonly services: { type: string; day: number }[];
  readonly violations: number[];
}

/** Adds one live record to the fold. */
function foldRecord(fold: Fold, h: Held, cutoff: number): void {
  const day = h.day;
  switch (h.type) {
    case 'enrolment':
      fold.enrolment ??= h.enrolment;
      break;
    case 'release':
      fold.releases.push(day);
      break;
    case 'employment-started':
      fold.open.push({ employerId: h.employerId, start: day, permanent: h.permanent, wage: h.wage });
      break;
    case 'employment-ended':
      closeSpell(fold.open, h.employerId, day);
      break;
    case 'employment-confirmed': {
      const { first, last } = monthDays(h.month);
      fold.confirmations.set(`${h.employerId}\u0000${h.month}`, { employerId: h.employerId, first, last });
      break;
    }
    case 'reconviction':
      fold.reconvictions.push({ day, offenceDay: h.offenceDay });
      break;
    case 'custody-spell':
      fold.custody.push({ from: day, to: Math.min(h.to, cutoff) });
      break;
    case 'service':
      fold.services.push({ type: h.serviceType, day });
      break;
    case 'probation-violation':
      fold.violations.push(day);
      break;
    case 'withdrawal':
      if (fold.withdrawal === undefined) {
        fold.withdrawal = day;
        fold.withdrawalReason = h.reason;
      }
      break;
    default:
      break;
  }
}

/** Closes the latest still-open spell with this employer that started on or before `day`. */
function closeSpell(open: OpenSpell[], employerId: string, day: number): void {
  for (let i = open.length - 1; i >= 0; i--) {
    const s = open[i];
    if (s !== undefined && s.end === undefined && s.employerId === employerId && s.start <= day) {
      s.end = day;
      break;
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
