import type { ContractProfile } from '#contracts';
import type { EvidenceInput } from '#evidence';
import { inTimeOrder } from '../participant-records.ts';
import { mix, Rng } from '../random.ts';
import { frameOf } from './frame.ts';
import { participantTimeline } from './timeline.ts';

/**
 * A synthetic Second Chance cohort: operator-side evidence records for a few
 * hundred made-up participants, for the demo and tests.
 *
 * Pure and deterministic: the seed is injected, and every participant draws
 * from their own PRNG (mulberry32, seeded from the cohort seed and the
 * participant's number), so participant 42 is the same person whether 100 or
 * 1,000 participants are generated, and a range starting elsewhere
 * (`firstParticipant`) gives more people of the same population with
 * disjoint codes and event ids. The population it is drawn from is in
 * population.ts, a participant's timeline in timeline.ts.
 */

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
  checkOptions(seed, participants, first);
  const frame = frameOf(seed, profile, options.until);
  const correctionAt =
    participants === 0 ? -1 : new Rng(mix(seed, 0xc0225, first, participants)).int(0, participants - 1);
  const timelines = Array.from({ length: participants }, (_, i) =>
    participantTimeline(first + i, frame, i === correctionAt),
  );
  return inTimeOrder(timelines);
}

function checkOptions(seed: number, participants: number, first: number): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  if (!Number.isSafeInteger(participants) || participants < 0 || participants > 999_999) {
    throw new RangeError('participants must be a whole number from 0 to 999,999');
  }
  if (!Number.isSafeInteger(first) || first < 1 || first + participants - 1 > 999_999) {
    throw new RangeError('participant numbers must stay within 1 to 999,999');
  }
}
