/**
 * The participant timeline of the evaluator's audit page
 * (console/src/pages/evaluator/audit-data.ts timeline): records in date
 * order (then batch and position), each superseded record naming the
 * corrections that supersede it; and what counts as a pseudonym.
 */
import { describe, expect, it } from 'vitest';
import { isPseudonym, type TimelineRecord, timeline } from '../../console/src/pages/evaluator/audit-timeline.ts';

const p = `p-${'a'.repeat(32)}`;
const rec = (batchId: string, index: number, record: Partial<TimelineRecord['record']>): TimelineRecord => ({
  batchId,
  index,
  record: { eventId: `e${batchId}${index}`, participant: p, type: 'service', date: '2024-01-01', ...record },
});

describe('the participant timeline', () => {
  it('orders records by date, then batch and position, and marks what corrections supersede', () => {
    // Prepare
    const records = [
      rec('b2', 0, { eventId: 'fix', type: 'correction', date: '2024-03-01', supersedes: 'job' }),
      rec('b1', 1, { eventId: 'job', type: 'employment-started', date: '2024-02-01' }),
      rec('b1', 0, { eventId: 'enrol', type: 'enrolment', date: '2024-01-01' }),
      rec('b2', 1, { eventId: 'fix2', type: 'correction', date: '2024-03-01', supersedes: 'job' }),
      rec('b0', 5, { eventId: 'first', date: '2024-01-01' }),
    ];

    // Act
    const lines = timeline(records);

    // Assess
    expect(lines.map((l) => l.record.eventId)).toEqual(['first', 'enrol', 'job', 'fix', 'fix2']);
    expect(lines.find((l) => l.record.eventId === 'job')?.supersededBy).toEqual(['fix', 'fix2']);
    expect(lines.filter((l) => l.supersededBy.length > 0)).toHaveLength(1);
  });

  it('takes p- and 32 lower-case hex digits as a pseudonym, nothing else', () => {
    expect(isPseudonym(p)).toBe(true);
    expect(isPseudonym('SC-2023-0001')).toBe(false);
    expect(isPseudonym(`p-${'A'.repeat(32)}`)).toBe(false);
    expect(isPseudonym(`${p}0`)).toBe(false);
  });
});
