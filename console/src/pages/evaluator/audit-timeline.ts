/**
 * The participant timeline of the evaluator's timelines page, without the
 * DOM (tested under Node): what the records route gives, what counts as a
 * pseudonym, and the records in date order with the corrections that
 * supersede each.
 */

/** A stored evidence record as the records route gives it (the fields the timeline shows). */
export interface TimelineRecord {
  readonly batchId: string;
  readonly index: number;
  readonly record: {
    readonly eventId: string;
    readonly participant: string;
    readonly type: string;
    readonly date: string;
    readonly supersedes?: string;
    readonly reason?: string;
    readonly month?: string;
    readonly offenceDate?: string;
    readonly to?: string;
    readonly [k: string]: unknown;
  };
}

const PSEUDONYM = /^p-[0-9a-f]{32}$/;
export const isPseudonym = (text: string) => PSEUDONYM.test(text);

/** One line of a timeline: the record and how corrections touch it. */
export interface TimelineLine extends TimelineRecord {
  /** The eventIds of the corrections that supersede this record. */
  readonly supersededBy: readonly string[];
}

/**
 * The records in date order (then batch and position, which is log order
 * within a day), each with the corrections that supersede it: a correction
 * names the record it corrects in `supersedes` (docs/evidence.md), and the
 * record itself never changes.
 */
export function timeline(records: readonly TimelineRecord[]): TimelineLine[] {
  const by = new Map<string, string[]>();
  for (const r of records) {
    if (r.record.type === 'correction' && r.record.supersedes !== undefined) {
      by.set(r.record.supersedes, [...(by.get(r.record.supersedes) ?? []), r.record.eventId]);
    }
  }
  return [...records]
    .sort((a, b) =>
      a.record.date !== b.record.date
        ? a.record.date < b.record.date
          ? -1
          : 1
        : a.batchId !== b.batchId
          ? a.batchId < b.batchId
            ? -1
            : 1
          : a.index - b.index,
    )
    .map((r) => ({ ...r, supersededBy: by.get(r.record.eventId) ?? [] }));
}
