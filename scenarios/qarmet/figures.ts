import type { EvidenceInput, StoredRecord } from '#evidence';
import { dayNumber, monthDays } from '#kernel';

/**
 * The Qarmet figures counted straight from records (enrolled, withdrawn,
 * days worked, wages, incidents): an independent recomputation, apart from
 * the evaluation, to check the ledger's figures against.
 */

/** The Qarmet figures counted straight from records, for a cutoff: what the evaluation must reproduce. */
export interface QarmetFigures {
  readonly enrolled: number;
  /** Withdrawn on or before the cutoff: left out of the days, wages and incidents (the contract's `withdrawals: exclude`). */
  readonly withdrawn: number;
  /** Days worked (employment spells, both ends included) up to the cutoff, inside each participant's window. */
  readonly daysWorked: number;
  /** Monthly wage times the months confirmed, in minor units. */
  readonly wages: bigint;
  /** Probation violations and reconvictions. */
  readonly incidents: number;
}

type AnyRecord = EvidenceInput | StoredRecord;

/** One participant's days worked, wages and incidents inside their window. */
interface Counted {
  readonly daysWorked: number;
  readonly wages: bigint;
  readonly incidents: number;
}

/**
 * Counts the Qarmet figures from the records (no corrections: the generator
 * makes none) as of `cutoff` (YYYY-MM-DD), each participant's window
 * `windowDays` long from enrolment (the contract's 90): an independent
 * recomputation to check the ledger's evaluation against.
 */
export function qarmetFigures(records: readonly AnyRecord[], cutoff: string, windowDays = 90): QarmetFigures {
  const until = dayNumber(cutoff);
  let enrolled = 0;
  let withdrawn = 0;
  let daysWorked = 0;
  let wages = 0n;
  let incidents = 0;
  for (const list of byParticipantUntil(records, until).values()) {
    const enrolment = list.find((r) => r.type === 'enrolment');
    if (enrolment === undefined) continue;
    enrolled++;
    if (list.some((r) => r.type === 'withdrawal')) {
      withdrawn++;
      continue;
    }
    const from = dayNumber(enrolment.date);
    const counted = countWindow(list, from, Math.min(from + windowDays - 1, until));
    daysWorked += counted.daysWorked;
    wages += counted.wages;
    incidents += counted.incidents;
  }
  return { enrolled, withdrawn, daysWorked, wages, incidents };
}

/** Each participant's records dated on or before `until`. */
function byParticipantUntil(records: readonly AnyRecord[], until: number): Map<string, AnyRecord[]> {
  const byParticipant = new Map<string, AnyRecord[]>();
  for (const r of records) {
    if (dayNumber(r.date) > until) continue;
    const list = byParticipant.get(r.participant) ?? [];
    list.push(r);
    byParticipant.set(r.participant, list);
  }
  return byParticipant;
}

/** Days worked from `from` to `to`, wages of the months confirmed that overlap it (at the last wage), incidents in it. */
function countWindow(list: readonly AnyRecord[], from: number, to: number): Counted {
  let daysWorked = 0;
  let wages = 0n;
  let incidents = 0;
  let wage = 0n;
  for (const r of list) {
    if (r.type === 'employment-started') {
      wage = BigInt(r.monthlyWage);
      const end = list.find(
        (e) => e.type === 'employment-ended' && e.employerId === r.employerId && e.date >= r.date,
      )?.date;
      const a = Math.max(dayNumber(r.date), from);
      const b = Math.min(end === undefined ? to : dayNumber(end), to);
      if (b >= a) daysWorked += b - a + 1;
    }
  }
  for (const r of list) {
    if (r.type === 'employment-confirmed') {
      const { first, last } = monthDays(r.month);
      if (last >= from && first <= to) wages += wage;
    }
    if (
      (r.type === 'probation-violation' || r.type === 'reconviction') &&
      dayNumber(r.date) >= from &&
      dayNumber(r.date) <= to
    ) {
      incidents++;
    }
  }
  return { daysWorked, wages, incidents };
}
