/** The CLI's problem tables: a cut list says how many more there were, and how many per field. */
import { describe, expect, it } from 'vitest';
import { problemCounts } from '../../cli/problems.ts';

describe('the counts after a cut problem table', () => {
  it('names how many more there were and every field with its count, largest first', () => {
    const text = problemCounts(1_000, 1_000_000, { eventId: 200_000, '(record)': 5, note: 799_995 });

    expect(text).toContain('… and 999000 more (1000000 problems in all; only the first 1000 are listed)');
    const lines = text.trim().split('\n');
    expect(lines.slice(-3).map((l) => l.split(/\s+/))).toEqual([
      ['note', '799995'],
      ['eventId', '200000'],
      ['(record)', '5'],
    ]);
  });

  it('adds nothing when the table lists every problem', () => {
    expect(problemCounts(3, 3, { note: 3 })).toBe('');
    expect(problemCounts(3)).toBe('');
  });
});
