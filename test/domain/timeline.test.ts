import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from '#evidence';
import { TimelineBuilder } from '#evidence';
import { dayNumber, daysInclusive, isoDay, monthDays } from '#kernel';
import { buildTimelines, day, pseudonym, RecordLog } from '../support/timeline-fixtures.ts';

/** The only timeline of a one-participant log (or of its records). */
function only(log: RecordLog | readonly StoredRecord[], cutoff: string) {
  const timelines = buildTimelines(log instanceof RecordLog ? log.records : log, cutoff);
  expect(timelines).toHaveLength(1);
  return timelines[0] as NonNullable<(typeof timelines)[0]>;
}

describe('TimelineBuilder: folding records', () => {
  it('folds enrolment, releases, spells, confirmations, reconvictions, custody, services, violations and withdrawal', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({
      date: '2026-02-02',
      cohort: 'pilot-2026',
      category: 'serving-sentence',
      sex: 'female',
      birthYear: 1990,
    });
    a.release('2026-02-10');
    a.job('2026-02-11', '2026-03-20', { employer: 'QARMET', wage: '30000000', contract: 'permanent' });
    a.confirmed('2026-02', 'QARMET', '2026-03-01');
    a.reconviction('2026-04-01', '2026-03-25');
    a.custody('2026-04-02', '2026-04-10');
    a.service('2026-02-03', 'housing');
    a.violation('2026-02-20');
    a.withdrawal('2026-04-15');

    // Act
    const t = only(log, '2026-04-30');

    // Assess
    expect(t.participant).toBe(pseudonym(1));
    expect(t.enrolment).toEqual({
      day: day('2026-02-02'),
      cohort: 'pilot-2026',
      category: 'serving-sentence',
      sex: 'female',
      birthYear: 1990,
    });
    expect(t.releases).toEqual([day('2026-02-10')]);
    expect(t.spells).toEqual([
      { employerId: 'QARMET', start: day('2026-02-11'), end: day('2026-03-20'), permanent: true, wage: 30000000n },
    ]);
    // 2026-02: first 2026-02-01, last 2026-02-28 (not a leap year).
    expect(t.confirmations).toEqual([{ employerId: 'QARMET', first: day('2026-02-01'), last: day('2026-02-28') }]);
    expect(t.reconvictions).toEqual([{ day: day('2026-04-01'), offenceDay: day('2026-03-25') }]);
    expect(t.custody).toEqual([{ from: day('2026-04-02'), to: day('2026-04-10') }]);
    expect(t.services).toEqual([{ type: 'housing', day: day('2026-02-03') }]);
    expect(t.violations).toEqual([day('2026-02-20')]);
    expect(t.withdrawal).toBe(day('2026-04-15'));
  });

  it('sorts timelines by pseudonym and keeps a participant without enrolment (enrolment undefined)', () => {
    // Arrange: participant 2 is logged first and never enrolled.
    const log = new RecordLog();
    const one = log.participant(undefined);
    const two = log.participant(undefined);
    two.enrol({ date: '2026-02-01' });
    one.service('2026-02-05', 'meals');

    // Act
    const timelines = log.timelines('2026-02-28');

    // Assess
    expect(timelines.map((t) => t.participant)).toEqual([pseudonym(1), pseudonym(2)]);
    expect(timelines[0]?.enrolment).toBeUndefined();
    expect(timelines[1]?.enrolment?.day).toBe(day('2026-02-01'));
  });

  it('reads records by date, not log order: the first enrolment and the earliest withdrawal win, releases ascend', () => {
    // Arrange: logged out of date order.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-10', cohort: 'late' });
    a.enrol({ date: '2026-02-03', cohort: 'early' });
    a.release('2026-03-01');
    a.release('2026-02-15');
    a.withdrawal('2026-04-01');
    a.withdrawal('2026-03-20');

    // Act
    const t = only(log, '2026-04-30');

    // Assess
    expect(t.enrolment?.cohort).toBe('early');
    expect(t.releases).toEqual([day('2026-02-15'), day('2026-03-01')]);
    expect(t.withdrawal).toBe(day('2026-03-20'));
  });

  it('ends the latest open spell with the same employer that started on or before the end date', () => {
    // Arrange: two spells with A (02-01 and 02-10, both open), one with B; A ends 02-20 and 03-10.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.started('2026-02-01', { employer: 'EMPLOYER-A' });
    a.started('2026-02-05', { employer: 'EMPLOYER-B', wage: '5000000' });
    a.started('2026-02-10', { employer: 'EMPLOYER-A' });
    a.ended('2026-02-20', 'EMPLOYER-A'); // closes the A spell of 02-10 (the latest open one)
    a.ended('2026-03-10', 'EMPLOYER-A'); // then the A spell of 02-01
    a.ended('2026-03-15', 'EMPLOYER-C'); // no spell with C: ignored

    // Act
    const t = only(log, '2026-04-30');

    // Assess: B is still open (end undefined: runs to whatever day is observed).
    expect(t.spells.map((s) => [s.employerId, s.start, s.end])).toEqual([
      ['EMPLOYER-A', day('2026-02-01'), day('2026-03-10')],
      ['EMPLOYER-B', day('2026-02-05'), undefined],
      ['EMPLOYER-A', day('2026-02-10'), day('2026-02-20')],
    ]);
    expect(t.spells[1]?.wage).toBe(5000000n);
    expect(t.spells[1]?.permanent).toBe(false);
  });

  it('does not end a spell that starts after the end date', () => {
    // Arrange: the end (02-10) is logged after a start dated 02-15 with the same employer.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.started('2026-02-15');
    a.ended('2026-02-10');

    // Act
    const t = only(log, '2026-04-30');

    // Assess
    expect(t.spells.map((s) => [s.start, s.end])).toEqual([[day('2026-02-15'), undefined]]);
  });

  it('keeps each confirmed month of an employer once, sorted by month then employer', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.confirmed('2026-03', 'EMPLOYER-B', '2026-04-02');
    a.confirmed('2026-03', 'EMPLOYER-A', '2026-04-01');
    a.confirmed('2026-02', 'EMPLOYER-A', '2026-03-01');
    a.confirmed('2026-03', 'EMPLOYER-A', '2026-04-03'); // repeat: kept once

    // Act
    const t = only(log, '2026-04-30');

    // Assess
    expect(t.confirmations).toEqual([
      { employerId: 'EMPLOYER-A', first: day('2026-02-01'), last: day('2026-02-28') },
      { employerId: 'EMPLOYER-A', first: day('2026-03-01'), last: day('2026-03-31') },
      { employerId: 'EMPLOYER-B', first: day('2026-03-01'), last: day('2026-03-31') },
    ]);
  });
});

describe('days', () => {
  it('numbers days from 1970-01-01 and back, and gives the first and last day of a month', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('2024-03-01') - dayNumber('2024-02-28')).toBe(2); // 2024 is a leap year
    expect(isoDay(dayNumber('2026-02-28') + 1)).toBe('2026-03-01');
    expect(monthDays('2024-02')).toEqual({ first: dayNumber('2024-02-01'), last: dayNumber('2024-02-29') });
    expect(monthDays('2025-12')).toEqual({ first: dayNumber('2025-12-01'), last: dayNumber('2025-12-31') });
    expect(daysInclusive(dayNumber('2026-02-02'), dayNumber('2026-03-31'))).toBe(58); // 27 + 31
    expect(daysInclusive(5, 4)).toBe(0);
  });

  it('agrees with the JavaScript Date (integer arithmetic, no Date) over years 0001 to 9999', () => {
    const DAY = 86_400_000;
    fc.assert(
      fc.property(fc.integer({ min: -719162, max: 2932896 }), (d) => {
        const iso = new Date(d * DAY).toISOString().slice(0, 10);
        expect(isoDay(d)).toBe(iso);
        expect(dayNumber(iso)).toBe(d);
        const { first, last } = monthDays(iso.slice(0, 7));
        expect(isoDay(first)).toBe(`${iso.slice(0, 7)}-01`);
        expect(isoDay(last + 1).endsWith('-01')).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('TimelineBuilder: the cutoff', () => {
  it('reads a record dated on the cutoff and ignores one dated the day after', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.violation('2026-02-28');
    a.violation('2026-03-01');
    a.started('2026-03-01');

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.violations).toEqual([day('2026-02-28')]);
    expect(t.spells).toEqual([]);
  });

  it('leaves a spell open when its end is dated after the cutoff', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.job('2026-02-05', '2026-03-10');

    // Act
    const february = only(log, '2026-02-28');
    const march = only(log, '2026-03-31');

    // Assess
    expect(february.spells[0]?.end).toBeUndefined();
    expect(march.spells[0]?.end).toBe(day('2026-03-10'));
  });

  it('clips a custody spell to the cutoff, and ignores a conviction dated after it', () => {
    // Arrange: custody 02-20..03-15; the offence is before the cutoff, the conviction after.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.custody('2026-02-20', '2026-03-15');
    a.reconviction('2026-03-01', '2026-02-15');

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.custody).toEqual([{ from: day('2026-02-20'), to: day('2026-02-28') }]);
    expect(t.reconvictions).toEqual([]);
  });

  it('has no enrolment when the enrolment is dated after the cutoff', () => {
    // Arrange
    const log = new RecordLog();
    log.participant({ date: '2026-03-01' });

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.enrolment).toBeUndefined();
  });

  it('builds again for another cutoff from the same records', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.violation('2026-03-10');
    const builder = new TimelineBuilder();
    for (const r of log.records) builder.add(r);

    // Act
    const before = builder.build(day('2026-02-28'));
    const after = builder.build(day('2026-03-31'));
    const againBefore = builder.build(day('2026-02-28'));

    // Assess
    expect(builder.count).toBe(2);
    expect(before[0]?.violations).toEqual([]);
    expect(after[0]?.violations).toEqual([day('2026-03-10')]);
    expect(againBefore).toEqual(before);
  });
});

describe('TimelineBuilder: corrections', () => {
  it('leaves out a superseded employment start, and its end no longer matches anything', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    const start = a.job('2026-02-05', '2026-02-20');
    log.correct('2026-02-25', start);

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.spells).toEqual([]);
  });

  it('reopens a spell whose end is superseded', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    a.started('2026-02-05');
    const end = a.ended('2026-02-20');
    log.correct('2026-02-25', end);

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.spells.map((s) => [s.start, s.end])).toEqual([[day('2026-02-05'), undefined]]);
  });

  it('restores a record when the correction superseding it is itself corrected; a third correction supersedes again', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    const violation = a.violation('2026-02-10');
    const first = log.correct('2026-02-11', violation);
    const corrected = log.records.slice();
    const second = log.correct('2026-02-12', first);
    const restored = log.records.slice();
    log.correct('2026-02-13', second);

    // Act
    const cutoff = '2026-02-28';
    const gone = only(corrected, cutoff);
    const back = only(restored, cutoff);
    const goneAgain = only(log, cutoff);

    // Assess
    expect(gone.violations).toEqual([]);
    expect(back.violations).toEqual([day('2026-02-10')]);
    expect(goneAgain.violations).toEqual([]);
  });

  it('applies a correction dated after the cutoff, and so does its own correction', () => {
    // Arrange: the start is dated inside February; the corrections in April.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    const start = a.started('2026-02-05');
    const correction = log.correct('2026-04-01', start);
    const once = log.records.slice();
    log.correct('2026-04-02', correction);

    // Act
    const corrected = only(once, '2026-02-28');
    const restored = only(log, '2026-02-28');

    // Assess
    expect(corrected.spells).toEqual([]);
    expect(restored.spells.map((s) => s.start)).toEqual([day('2026-02-05')]);
  });

  it('works the corrections out afresh on each build, so records added since can restore a record', () => {
    // Arrange: build after the first correction, then add its correction and build again.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    const start = a.started('2026-02-05');
    const correction = log.correct('2026-02-10', start);
    const builder = new TimelineBuilder();
    for (const r of log.records) builder.add(r);
    const corrected = builder.build(day('2026-02-28'));
    log.correct('2026-02-11', correction);
    builder.add(log.records.at(-1) as StoredRecord);

    // Act
    const restored = builder.build(day('2026-02-28'));

    // Assess
    expect(corrected[0]?.spells).toEqual([]);
    expect(restored[0]?.spells.map((s) => s.start)).toEqual([day('2026-02-05')]);
  });

  it('drops a participant from every population when their enrolment is superseded', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant(undefined);
    const enrolment = a.enrol({ date: '2026-02-01' });
    a.violation('2026-02-10');
    log.correct('2026-02-15', enrolment);

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(t.enrolment).toBeUndefined();
    expect(t.violations).toEqual([day('2026-02-10')]);
  });

  it('keeps a record superseded while any correction of it is in force', () => {
    // Arrange: two corrections of the same violation; the first is then corrected.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    const violation = a.violation('2026-02-10');
    const first = log.correct('2026-02-11', violation);
    log.correct('2026-02-12', violation);
    log.correct('2026-02-13', first);

    // Act
    const t = only(log, '2026-02-28');

    // Assess: the second correction still stands.
    expect(t.violations).toEqual([]);
  });

  it('agrees with the definition on random chains: in force unless a later correction in force supersedes it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        // Each correction names an earlier record by a fraction of the records before it.
        fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), { maxLength: 10 }),
        (violations, picks) => {
          // Arrange: violations on 02-10, 02-11, …, then the corrections in log order.
          const log = new RecordLog();
          const a = log.participant({ date: '2026-02-01' });
          const ids = Array.from({ length: violations }, (_, i) => a.violation(`2026-02-${10 + i}`));
          const targets = new Map<string, string>(); // correction -> superseded
          for (const pick of picks) {
            const earlier = log.records.slice(1); // not the enrolment
            const target = earlier[Math.floor(pick * earlier.length)]?.eventId as string;
            targets.set(log.correct('2026-02-20', target), target);
          }
          const order = new Map(log.records.map((r, i) => [r.eventId, i]));
          const memo = new Map<string, boolean>();
          const inForce = (id: string): boolean => {
            const known = memo.get(id);
            if (known !== undefined) return known;
            const result = ![...targets].some(
              ([c, target]) => target === id && (order.get(c) ?? 0) > (order.get(id) ?? 0) && inForce(c),
            );
            memo.set(id, result);
            return result;
          };

          // Act
          const t = only(log, '2026-02-28');

          // Assess
          const expected = ids.flatMap((id, i) => (inForce(id) ? [day(`2026-02-${10 + i}`)] : []));
          expect(t.violations).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('ignores a correction of a record logged after it (a correction only reaches back)', () => {
    // Arrange: a correction naming ev-0003 before ev-0003 exists, added by hand.
    const log = new RecordLog();
    const a = log.participant({ date: '2026-02-01' });
    log.add({
      participant: a.id,
      type: 'correction',
      date: '2026-02-02',
      source: 'operator',
      supersedes: 'ev-0003',
      reason: 'entered in error',
    });
    const violation = a.violation('2026-02-10');

    // Act
    const t = only(log, '2026-02-28');

    // Assess
    expect(violation).toBe('ev-0003');
    expect(t.violations).toEqual([day('2026-02-10')]);
  });
});
