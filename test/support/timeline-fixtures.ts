/**
 * A small builder of stored evidence records (pseudonymised, as the ledger
 * holds them) for timeline and metric tests: one or more participants, each
 * record checked against StoredRecordSchema, event ids generated in order.
 *
 *   const log = new RecordLog();
 *   const a = log.participant({ date: '2026-02-01' });
 *   const job = a.started('2026-02-05', { employer: 'QARMET', wage: '30000000' });
 *   log.correct('2026-03-01', job);
 *   const [timeline] = log.timelines('2026-02-28');
 */

import { type STATUSES, type StoredRecord, StoredRecordSchema, type Timeline, TimelineBuilder } from '#evidence';
import { dayNumber } from '#kernel';
import { CONSENT_SHA256 } from './evidence.ts';

/** Day number of a `YYYY-MM-DD` date (days since 1970-01-01). */
export const day = (iso: string): number => dayNumber(iso);

/** The n-th test pseudonym: `p-` and 32 hex digits, sorting in the order of n. */
export const pseudonym = (n: number): string => `p-${n.toString(16).padStart(32, '0')}`;

export interface EnrolmentFields {
  readonly date: string;
  readonly cohort?: string;
  readonly category?: 'serving-sentence' | 'probation' | 'released';
  readonly sex?: 'male' | 'female';
  readonly birthYear?: number;
  readonly status?: (typeof STATUSES)[number];
}

export interface JobFields {
  readonly employer?: string;
  readonly wage?: string;
  readonly contract?: 'permanent' | 'fixed-term' | 'temporary';
}

/** The records of one participant; every method appends a record and returns its event id. */
export class ParticipantRecords {
  readonly id: string;
  readonly #log: RecordLog;

  constructor(log: RecordLog, id: string) {
    this.#log = log;
    this.id = id;
  }

  enrol(e: EnrolmentFields): string {
    return this.#add({
      type: 'enrolment',
      date: e.date,
      source: 'operator',
      cohort: e.cohort ?? 'pilot',
      category: e.category ?? 'released',
      sex: e.sex ?? 'male',
      birthYear: e.birthYear ?? 1990,
      consentSha256: CONSENT_SHA256,
      ...(e.status === undefined ? {} : { status: e.status }),
    });
  }

  release(date: string): string {
    return this.#add({ type: 'release', date, source: 'operator', institution: 'IK-1' });
  }

  started(date: string, job: JobFields = {}): string {
    return this.#add({
      type: 'employment-started',
      date,
      source: 'employer',
      employerId: job.employer ?? 'EMPLOYER-A',
      contractType: job.contract ?? 'fixed-term',
      monthlyWage: job.wage ?? '10000000',
    });
  }

  ended(date: string, employer = 'EMPLOYER-A'): string {
    return this.#add({ type: 'employment-ended', date, source: 'employer', employerId: employer, reason: 'resigned' });
  }

  /** A spell: started on `from`, ended on `to` (inclusive), or left open. Returns the start's event id. */
  job(from: string, to: string | undefined, job: JobFields = {}): string {
    const id = this.started(from, job);
    if (to !== undefined) this.ended(to, job.employer);
    return id;
  }

  /** `month` (YYYY-MM) confirmed, by a record dated `date` (default: the month's first day). */
  confirmed(month: string, employer = 'EMPLOYER-A', date = `${month}-01`): string {
    return this.#add({ type: 'employment-confirmed', date, source: 'tax-records', employerId: employer, month });
  }

  /** Convicted on `date` for an offence committed on `offenceDate` (default: the same day). */
  reconviction(date: string, offenceDate = date): string {
    return this.#add({ type: 'reconviction', date, source: 'court', offenceDate });
  }

  custody(from: string, to: string): string {
    return this.#add({ type: 'custody-spell', date: from, source: 'probation-service', to });
  }

  service(date: string, serviceType: string): string {
    return this.#add({ type: 'service', date, source: 'operator', serviceType, provider: 'PROVIDER-1' });
  }

  violation(date: string): string {
    return this.#add({ type: 'probation-violation', date, source: 'probation-service' });
  }

  withdrawal(date: string): string {
    return this.#add({ type: 'withdrawal', date, source: 'operator', reason: 'moved-away' });
  }

  #add(fields: Record<string, unknown>): string {
    return this.#log.add({ participant: this.id, ...fields });
  }
}

/** Records of any number of participants, in log order. */
export class RecordLog {
  readonly records: StoredRecord[] = [];
  #participants = 0;

  /** A new participant (pseudonym(1), pseudonym(2), …), enrolled by `enrolment` unless it is undefined. */
  participant(enrolment: EnrolmentFields | undefined): ParticipantRecords {
    const p = new ParticipantRecords(this, pseudonym(++this.#participants));
    if (enrolment !== undefined) p.enrol(enrolment);
    return p;
  }

  /** A correction, dated `date`, superseding the record `eventId`. Returns its own event id. */
  correct(date: string, eventId: string): string {
    const target = this.records.find((r) => r.eventId === eventId);
    if (target === undefined) throw new Error(`no record ${eventId} to correct`);
    return this.add({
      participant: target.participant,
      type: 'correction',
      date,
      source: 'operator',
      supersedes: eventId,
      reason: 'entered in error',
    });
  }

  /** Appends a record (checked by StoredRecordSchema) with the next event id; returns the id. */
  add(fields: Record<string, unknown>): string {
    const eventId = `ev-${String(this.records.length + 1).padStart(4, '0')}`;
    this.records.push(StoredRecordSchema.parse({ eventId, ...fields }));
    return eventId;
  }

  /** Timelines of every participant, reading records dated on or before `cutoff` (YYYY-MM-DD). */
  timelines(cutoff: string): Timeline[] {
    return buildTimelines(this.records, cutoff);
  }
}

/** Timelines of `records` (in log order) at the cutoff `cutoff` (YYYY-MM-DD). */
export function buildTimelines(records: readonly StoredRecord[], cutoff: string): Timeline[] {
  const builder = new TimelineBuilder();
  for (const r of records) builder.add(r);
  return builder.build(day(cutoff));
}
