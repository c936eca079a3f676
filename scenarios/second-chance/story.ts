import type { EvidenceInput } from '#evidence';
import { sha256, toHex, utf8 } from '#kernel';
import type { Rng } from '../random.ts';
import { toIso } from './calendar.ts';
import type { Frame } from './frame.ts';

/**
 * One Second Chance participant's story while it is drafted: the drafts so
 * far (records without an id, a participant or a date, dated by day number),
 * the participant's own PRNG, and the end of it, numbering the drafts into
 * records in time order.
 */

/** Omit over each member of a union. */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A record before it has an id and a participant: its date as a day number. */
export type Draft = DistributiveOmit<EvidenceInput, 'eventId' | 'participant' | 'date'> & { day: number };

/** How a participant's story stopped before the horizon, if it did. */
export type StopReason = 'custody' | 'moved-away' | 'died' | 'refused';

export interface Story {
  readonly rng: Rng;
  readonly frame: Frame;
  /** The participant code, `SC-000123`. */
  readonly participant: string;
  readonly drafts: Draft[];
}

/** A correction draft and the draft it supersedes (its id is known only once the drafts are numbered). */
export interface CorrectionDraft {
  readonly draft: Draft;
  readonly supersedes: Draft;
}

export const hashOf = (text: string): string => toHex(sha256(utf8(text)));

/**
 * The drafts as records, stable by day: a draft added after another on the
 * same day stays after it (enrolment first, start before end, the record
 * made again before its correction); event ids are numbered in this order.
 */
export function numbered(story: Story, correction: CorrectionDraft | undefined): EvidenceInput[] {
  const { participant } = story;
  const ordered = story.drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.day - b.d.day || a.i - b.i);
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
