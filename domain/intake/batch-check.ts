import {
  emptyTimelineFacts,
  noteTimelineFact,
  type StoredRecord,
  type TimelineFactInput,
  type TimelineFacts,
  timelineContradictions,
} from '#evidence';
import type { Problem } from '#kernel';

/**
 * The rules across the records of a batch, checked against what the ledger
 * already holds (KnownState): enrolled participants, unique event ids,
 * employment ended after it started, corrections of known records, and a
 * timeline that contradicts no earlier record (#evidence timeline-consistency). Run on
 * pseudonymised records, after each has passed validateRecord on its own.
 * Messages name positions, never submitted values.
 */

/** What the ledger already holds for a contract, as far as a batch's checks need it. Keys are pseudonyms. */
export interface KnownState {
  /** Participants with an enrolment in the ledger. */
  readonly enrolled: ReadonlySet<string>;
  /** Event ids of the batch (and the `supersedes` ids of its corrections) that are already in the ledger. */
  readonly eventIds: ReadonlySet<string>;
  /** employment-started records in the ledger, per participant. */
  readonly employments: ReadonlyMap<string, readonly { employerId: string; date: string }[]>;
  /** What the ledger's records of the batch's participants say for the timeline rules (absent: nothing). */
  readonly timelines?: ReadonlyMap<string, TimelineFacts>;
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
  /** How positions are named in messages ("record 3", "line 12" of a CSV file, "row 7" of a sheet); default `record`. */
  readonly unit?: 'record' | 'line' | 'row';
}

/**
 * The cross-record rules, one record at a time in batch order, so a streamed
 * batch is checked in one pass. Holds the batch's event ids, enrolments and
 * employment starts (not the records).
 */
export class BatchChecker {
  readonly #known: KnownState;
  readonly #unit: 'record' | 'line' | 'row';
  /** eventId -> position of its first record in this batch. */
  readonly #eventIds = new Map<string, number>();
  /** pseudonym -> position of its enrolment in this batch. */
  readonly #enrolled = new Map<string, number>();
  /** `pseudonym NUL employerId` -> start dates in this batch. */
  readonly #starts = new Map<string, string[]>();
  /** pseudonym -> timeline facts: the ledger's, then this batch's records (copied on first use). */
  readonly #facts = new Map<string, TimelineFacts>();

  constructor(known: KnownState, options: BatchCheckOptions = {}) {
    this.#known = known;
    this.#unit = options.unit ?? 'record';
  }

  /** Problems of `record` given the records checked before it; `at` is its position (index or CSV line). */
  check(record: StoredRecord, at: number): Problem[] {
    return [
      ...this.#eventIdProblems(record, at),
      ...this.#enrolmentProblems(record, at),
      ...this.#employmentProblems(record, at),
      ...this.#correctionProblems(record, at),
      ...this.#timelineProblems(record, at),
    ];
  }

  /** The record contradicts none of the participant's earlier records (ledger, then batch); then it is noted. */
  #timelineProblems(record: StoredRecord, at: number): Problem[] {
    let facts = this.#facts.get(record.participant);
    if (facts === undefined) {
      const known = this.#known.timelines?.get(record.participant);
      facts = known === undefined ? emptyTimelineFacts() : { ...known, custody: [...known.custody] };
      this.#facts.set(record.participant, facts);
    }
    const input = record as unknown as TimelineFactInput;
    const problems = timelineContradictions(facts, input, this.#unit).map((p) => ({ ...p, at }));
    if (problems.length === 0) noteTimelineFact(facts, input, { batch: at });
    return problems;
  }

  /** The event id is new: neither earlier in this batch nor in the ledger. Notes its first position. */
  #eventIdProblems(record: StoredRecord, at: number): Problem[] {
    const first = this.#eventIds.get(record.eventId);
    if (first !== undefined) {
      return [{ at, field: 'eventId', message: `duplicate eventId: ${this.#unit} ${first} of this batch has it too` }];
    }
    this.#eventIds.set(record.eventId, at);
    if (this.#known.eventIds.has(record.eventId)) {
      return [{ at, field: 'eventId', message: 'duplicate eventId: it is already in the ledger' }];
    }
    return [];
  }

  /** An enrolment enrols someone not enrolled yet (and is noted); any other record is of someone enrolled. */
  #enrolmentProblems(record: StoredRecord, at: number): Problem[] {
    const { participant } = record;
    const inLedger = this.#known.enrolled.has(participant);
    const enrolledAt = this.#enrolled.get(participant);
    if (record.type !== 'enrolment') {
      if (inLedger || enrolledAt !== undefined) return [];
      return [
        {
          at,
          field: 'participant',
          message: 'participant is not enrolled: no enrolment in the ledger or earlier in this batch',
        },
      ];
    }
    if (inLedger) return [{ at, field: 'participant', message: 'participant is already enrolled (in the ledger)' }];
    if (enrolledAt !== undefined) {
      return [
        {
          at,
          field: 'participant',
          message: `participant is already enrolled (by ${this.#unit} ${enrolledAt} of this batch)`,
        },
      ];
    }
    this.#enrolled.set(participant, at);
    return [];
  }

  /** Notes each employment start; an employment ends after a start with the same employer. */
  #employmentProblems(record: StoredRecord, at: number): Problem[] {
    const { participant } = record;
    if (record.type === 'employment-started') {
      const key = `${participant}\u0000${record.employerId}`;
      const dates = this.#starts.get(key);
      if (dates === undefined) this.#starts.set(key, [record.date]);
      else dates.push(record.date);
    }
    if (record.type !== 'employment-ended') return [];
    const starts = [
      ...(this.#known.employments.get(participant) ?? [])
        .filter((e) => e.employerId === record.employerId)
        .map((e) => e.date),
      ...(this.#starts.get(`${participant}\u0000${record.employerId}`) ?? []),
    ];
    if (starts.length === 0) {
      return [
        {
          at,
          field: 'employerId',
          message: 'no employment-started for this participant and employer in the ledger or earlier in this batch',
        },
      ];
    }
    if (starts.some((d) => d <= record.date)) return [];
    const earliest = starts.reduce((a, b) => (b < a ? b : a));
    return [{ at, field: 'date', message: `employment ends before it started (employment-started on ${earliest})` }];
  }

  /** A correction supersedes a record in the ledger or earlier in this batch. */
  #correctionProblems(record: StoredRecord, at: number): Problem[] {
    if (record.type !== 'correction') return [];
    const s = record.supersedes;
    if (this.#known.eventIds.has(s) || (this.#eventIds.has(s) && s !== record.eventId)) return [];
    return [
      {
        at,
        field: 'supersedes',
        message: 'supersedes an eventId that is neither in the ledger nor earlier in this batch',
      },
    ];
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
