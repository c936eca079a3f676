import type { Problem } from '#kernel';

/**
 * The rules a participant's timeline must keep across records: what a new
 * record may not contradict in the records before it (in the ledger, or
 * earlier in the same batch). Each refusal names the earlier record.
 *
 * - A release is not dated before the enrolment of someone enrolled while
 *   serving a sentence (they were released after enrolling).
 * - Custody spells do not overlap (custody-days would count the shared days twice).
 * - Nothing is dated after a withdrawal for death.
 *
 * The facts are folded per participant by `noteTimelineFact`, from the
 * ledger's records (by the evidence store) and then from each accepted
 * record of the batch (by the batch checks), so a streamed batch is checked
 * in one pass without holding its records.
 */

/** Where an earlier record is: in the ledger (its event id) or in this batch (its position). */
export type EarlierRecord = { readonly ledger: string } | { readonly batch: number };

/** What the consistency rules need of one record. */
export interface TimelineFactInput {
  readonly type: string;
  readonly date: string;
  /** enrolment */
  readonly category?: string;
  /** custody-spell: the last day in custody */
  readonly to?: string;
  /** withdrawal */
  readonly reason?: string;
}

/** What a participant's earlier records say, as far as the rules need it. */
export interface TimelineFacts {
  enrolment?: { readonly date: string; readonly category: string; readonly where: EarlierRecord };
  readonly custody: { readonly from: string; readonly to: string; readonly where: EarlierRecord }[];
  death?: { readonly date: string; readonly where: EarlierRecord };
}

export const emptyTimelineFacts = (): TimelineFacts => ({ custody: [] });

/** Adds what `record` (at `where`) says to `facts`. */
export function noteTimelineFact(facts: TimelineFacts, record: TimelineFactInput, where: EarlierRecord): void {
  if (record.type === 'enrolment' && record.category !== undefined && facts.enrolment === undefined) {
    facts.enrolment = { date: record.date, category: record.category, where };
  } else if (record.type === 'custody-spell' && record.to !== undefined) {
    facts.custody.push({ from: record.date, to: record.to, where });
  } else if (record.type === 'withdrawal' && record.reason === 'died') {
    if (facts.death === undefined || record.date < facts.death.date) facts.death = { date: record.date, where };
  }
}

/** The problems of `record` against the participant's earlier records; `unit` names batch positions. */
export function timelineContradictions(
  facts: TimelineFacts | undefined,
  record: TimelineFactInput,
  unit: 'record' | 'line' | 'row',
): Omit<Problem, 'at'>[] {
  if (facts === undefined) return [];
  const name = (where: EarlierRecord) =>
    'ledger' in where ? `event ${where.ledger} in the ledger` : `${unit} ${where.batch} of this batch`;
  const problems: Omit<Problem, 'at'>[] = [];
  const { enrolment, death } = facts;
  if (record.type === 'release' && enrolment?.category === 'serving-sentence' && record.date < enrolment.date) {
    problems.push({
      field: 'date',
      message: `release on ${record.date} is before the enrolment on ${enrolment.date} of a participant enrolled while serving a sentence (${name(enrolment.where)})`,
    });
  }
  if (record.type === 'custody-spell' && record.to !== undefined) {
    const to = record.to;
    const overlapping = facts.custody.find((c) => c.from <= to && record.date <= c.to);
    if (overlapping !== undefined) {
      problems.push({
        field: 'date',
        message: `custody spell ${record.date}..${to} overlaps the custody spell ${overlapping.from}..${overlapping.to} (${name(overlapping.where)}): its days would count twice`,
      });
    }
  }
  if (death !== undefined && record.type !== 'correction' && record.date > death.date) {
    problems.push({
      field: 'date',
      message: `${record.type} on ${record.date} is dated after the participant's withdrawal for death on ${death.date} (${name(death.where)})`,
    });
  }
  return problems;
}
