import type { EvidenceInput } from '#evidence';
import { isoDay, sha256, toHex, utf8 } from '#kernel';

/**
 * From participants' drafts to one list of records, as the programme
 * cohorts (Antares, Qarmet) build them: event ids numbered per participant in
 * time order, every participant's records merged in time order, and the
 * consent hash an enrolment carries.
 */

/** A record before it has an id and a participant: its date as a day number. */
export type Draft = Record<string, unknown> & { readonly type: string; readonly day: number };

/** Event ids `aa-000123-01` for a participant's drafts, in the order given; records sorted by date. */
export function participantRecords(code: string, drafts: readonly Draft[]): EvidenceInput[] {
  const ordered = drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.day - b.d.day || a.i - b.i);
  const prefix = code.toLowerCase();
  return ordered.map(({ d }, i) => {
    const { day, type, ...rest } = d;
    return {
      eventId: `${prefix}-${String(i + 1).padStart(2, '0')}`,
      participant: code,
      type,
      date: isoDay(day),
      ...rest,
    } as unknown as EvidenceInput;
  });
}

/** All participants' records in time order (same day: participant number, then the participant's own order). */
export function inTimeOrder(perParticipant: readonly EvidenceInput[][]): EvidenceInput[] {
  const all = perParticipant.flatMap((records, n) => records.map((record, pos) => ({ record, n, pos })));
  all.sort((a, b) =>
    a.record.date < b.record.date ? -1 : a.record.date > b.record.date ? 1 : a.n - b.n || a.pos - b.pos,
  );
  return all.map((a) => a.record);
}

export const consentHash = (contract: string, code: string): string =>
  toHex(sha256(utf8(`consent form of ${code} for ${contract}`)));
