/**
 * Metric semantics on small hand-built timelines. Day arithmetic is in the
 * comments: a window of `days` from an anchor runs from the anchor (day 1) to
 * anchor + days − 1; a spell's days count both ends.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractSpec, type Metric, MetricSchema, parseContractSpec } from '#contracts';
import {
  aggregateOutcomes,
  daysEmployed,
  evaluateMetrics,
  type MetricValue,
  meanInterval,
  mergedRuns,
  type ParticipantOutcome,
  participantOutcomes,
  wilsonInterval,
  windowOf,
} from '#evaluation';
import type { Timeline } from '#evidence';
import { day, type EnrolmentFields, RecordLog } from '../support/timeline-fixtures.ts';

const CONTRACTS = new URL('../../contracts/', import.meta.url);
// biome-ignore lint/suspicious/noExplicitAny: specs are edited as plain JSON before parsing
const rawSpec = (id: string): any => JSON.parse(readFileSync(new URL(`${id}.json`, CONTRACTS), 'utf8'));

/** A parsed spec (the Qarmet contract's frame) holding `metrics`, with cohorts pilot, a and b. */
function specWith(metrics: unknown[], withdrawals: 'exclude' | 'not-achieved' = 'exclude'): ContractSpec {
  const raw = rawSpec('qarmet-karaganda-2026');
  raw.cohorts = ['pilot', 'a', 'b'];
  raw.metrics = metrics;
  delete raw.translations; // its texts name the shipped metrics
  raw.withdrawals = withdrawals;
  delete raw.illustrative;
  return parseContractSpec(raw);
}

const metric = (m: Record<string, unknown>): Metric => MetricSchema.parse({ id: 'm', title: 'metric', ...m });

/** A 10-day window from enrolment: enrolled 2025-01-01 -> 2025-01-01 to 2025-01-10. */
const W10 = { anchor: 'enrolment', days: 10 } as const;
const JAN1: EnrolmentFields = { date: '2025-01-01' };
/** Every 10-day window from 2025-01-01 has closed by this cutoff. */
const MATURE = '2025-01-31';

/** Participant outcomes and their aggregate for one metric. */
function run(
  m: Metric,
  log: RecordLog,
  cutoff: string,
  withdrawals: 'exclude' | 'not-achieved' = 'exclude',
): { outcomes: ParticipantOutcome[]; agg: ReturnType<typeof aggregateOutcomes> } {
  const spec = specWith([m], withdrawals);
  const outcomes = participantOutcomes(m, log.timelines(cutoff), { spec, cutoff: day(cutoff) });
  return { outcomes, agg: aggregateOutcomes(m, outcomes, spec.confidenceLevel) };
}

/** The index-th timeline (by pseudonym) of a log at a cutoff. */
function timelineOf(log: RecordLog, cutoff: string, index = 0): Timeline {
  const t = log.timelines(cutoff)[index];
  if (t === undefined) throw new Error(`no timeline ${index}`);
  return t;
}

/** A timeline with nothing on it. */
const EMPTY: Timeline = {
  participant: 'p-00000000000000000000000000000000',
  enrolment: undefined,
  releases: [],
  spells: [],
  confirmations: [],
  reconvictions: [],
  custody: [],
  services: [],
  violations: [],
  withdrawal: undefined,
};

/** [counted, value, achieved, excluded] of each outcome, in pseudonym order. */
const rows = (outcomes: readonly ParticipantOutcome[]) =>
  outcomes.map((o) => [o.counted, o.value, o.achieved, o.excluded]);

describe('windowOf', () => {
  it('opens on the enrolment date (day 1) and closes on day `days`', () => {
    // Arrange
    const log = new RecordLog();
    log.participant({ date: '2024-03-10' });
    const t = timelineOf(log, '2025-12-31');

    // Act / Assess: 365 days from 2024-03-10 end on 2025-03-09 (docs/contracts.md); 1 day is the anchor alone.
    expect(windowOf(t, { anchor: 'enrolment', days: 365 })).toEqual({
      from: day('2024-03-10'),
      to: day('2025-03-09'),
    });
    expect(windowOf(t, { anchor: 'enrolment', days: 1 })).toEqual({
      from: day('2024-03-10'),
      to: day('2024-03-10'),
    });
  });

  it('anchors on the first release on or after enrolment, ignoring an earlier release', () => {
    // Arrange
    const log = new RecordLog();
    const a = log.participant({ date: '2025-01-05', category: 'serving-sentence' });
    a.release('2025-01-02'); // before enrolment: not the anchor
    a.release('2025-01-20');
    a.release('2025-01-08');
    const b = log.participant({ date: '2025-01-05', category: 'serving-sentence' });
    b.release('2025-01-05'); // on the enrolment date: the anchor
    const ta = timelineOf(log, MATURE, 0);
    const tb = timelineOf(log, MATURE, 1);

    // Act / Assess: 10 days from 01-08 -> 01-17.
    expect(windowOf(ta, { anchor: 'release', days: 10 })).toEqual({
      from: day('2025-01-08'),
      to: day('2025-01-17'),
    });
    expect(windowOf(tb, { anchor: 'release', days: 10 })?.from).toBe(day('2025-01-05'));
  });

  it('anchors probation and released participants without a release on enrolment; serving a sentence, none yet', () => {
    // Arrange: the serving participant's release is dated after the cutoff, so not read yet.
    const log = new RecordLog();
    log.participant({ date: '2025-01-05', category: 'probation' });
    log.participant({ date: '2025-01-06', category: 'released' });
    log.participant({ date: '2025-01-07', category: 'serving-sentence' }).release('2025-02-01');
    log.participant(undefined).service('2025-01-03', 'housing');
    const w = { anchor: 'release', days: 10 } as const;

    // Act
    const windows = log.timelines(MATURE).map((t) => windowOf(t, w));
    const later = log.timelines('2025-02-28').map((t) => windowOf(t, w));

    // Assess
    expect(windows).toEqual([
      { from: day('2025-01-05'), to: day('2025-01-14') },
      { from: day('2025-01-06'), to: day('2025-01-15') },
      undefined,
      undefined, // never enrolled
    ]);
    expect(later[2]).toEqual({ from: day('2025-02-01'), to: day('2025-02-10') });
  });
});

describe('mergedRuns and daysEmployed', () => {
  const from = day('2025-01-01');
  const to = day('2025-01-20');

  it('counts overlapping spells of two employers once, and merges adjacent spells', () => {
    // Arrange: A 01-01..01-05 and B 01-04..01-08 overlap (8 days, not 5 + 5); C 01-09..01-10 touches B.
    const log = new RecordLog();
    const a = log.participant(JAN1);
    a.job('2025-01-01', '2025-01-05', { employer: 'EMPLOYER-A' });
    a.job('2025-01-04', '2025-01-08', { employer: 'EMPLOYER-B' });
    a.job('2025-01-09', '2025-01-10', { employer: 'EMPLOYER-C' });
    const t = timelineOf(log, MATURE);

    // Act / Assess: one run 01-01..01-10 = 10 days.
    expect(mergedRuns(t, from, to, 0)).toEqual([{ days: 10, end: day('2025-01-10') }]);
    expect(daysEmployed(t, from, to)).toBe(10);
  });

  it('joins across a gap of exactly maxGap days, not counting them; a gap of maxGap + 1 splits the run', () => {
    // Arrange: 01-01..01-03 (3 days), gap 01-04..01-05 (2 days), 01-06..01-07 (2 days).
    const log = new RecordLog();
    const a = log.participant(JAN1);
    a.job('2025-01-01', '2025-01-03', { employer: 'EMPLOYER-A' });
    a.job('2025-01-06', '2025-01-07', { employer: 'EMPLOYER-B' });
    const t = timelineOf(log, MATURE);

    // Act / Assess: maxGap 2 -> one run of 3 + 2 = 5 days; maxGap 1 -> runs of 3 and 2; days employed 5 either way.
    expect(mergedRuns(t, from, to, 2)).toEqual([{ days: 5, end: day('2025-01-07') }]);
    expect(mergedRuns(t, from, to, 1)).toEqual([
      { days: 3, end: day('2025-01-03') },
      { days: 2, end: day('2025-01-07') },
    ]);
    expect(daysEmployed(t, from, to)).toBe(5);
  });

  it('clips spells to the range, an open spell running to the end of the range, and ignores a nested spell', () => {
    // Arrange: 2024-12-20..01-04 (4 days inside), nested 01-02..01-03, open from 01-18 (01-18..01-20 = 3 days).
    const log = new RecordLog();
    const a = log.participant(JAN1);
    a.job('2024-12-20', '2025-01-04', { employer: 'EMPLOYER-A' });
    a.job('2025-01-02', '2025-01-03', { employer: 'EMPLOYER-B' });
    a.started('2025-01-18', { employer: 'EMPLOYER-C' });
    const t = timelineOf(log, MATURE);

    // Act / Assess
    expect(mergedRuns(t, from, to, 0)).toEqual([
      { days: 4, end: day('2025-01-04') },
      { days: 3, end: day('2025-01-20') },
    ]);
    expect(daysEmployed(t, from, to)).toBe(7);
  });
});

describe('mergedRuns against a day-by-day count', () => {
  it('agrees on random spells, ranges and gaps', () => {
    const spellArb = fc.record({
      start: fc.integer({ min: 0, max: 40 }),
      length: fc.integer({ min: 1, max: 12 }),
      open: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(spellArb, { maxLength: 6 }),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 30 }),
        fc.integer({ min: 0, max: 4 }),
        (raw, from, span, maxGap) => {
          // Arrange: a timeline holding only spells (day numbers from 0).
          const to = from + span;
          const spells = raw
            .map((s) => ({
              employerId: 'EMPLOYER-A',
              start: s.start,
              end: s.open ? undefined : s.start + s.length - 1,
              permanent: false,
              wage: 0n,
            }))
            .sort((a, b) => a.start - b.start);
          const t: Timeline = { ...EMPTY, spells };
          // Reference: the employed days of [from, to], one by one; a gap longer than maxGap starts a new run.
          const employed = [];
          for (let d = from; d <= to; d++) {
            if (spells.some((s) => s.start <= d && d <= (s.end ?? to))) employed.push(d);
          }
          const expected: { days: number; end: number }[] = [];
          for (const d of employed) {
            const last = expected.at(-1);
            if (last !== undefined && d - last.end - 1 <= maxGap) {
              last.days++;
              last.end = d;
            } else expected.push({ days: 1, end: d });
          }

          // Act / Assess
          expect(mergedRuns(t, from, to, maxGap)).toEqual(expected);
          expect(daysEmployed(t, from, to)).toBe(employed.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('participantOutcomes: rates', () => {
  it('employed: a spell must overlap the window; its last day counts, the day before it does not', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    log.participant(JAN1).job('2024-12-01', '2024-12-31'); // ends the day before the window
    log.participant(JAN1).started('2025-01-10'); // starts on the window's last day
    log.participant(JAN1).started('2025-01-11'); // the day after
    log.participant(JAN1);
    log.participant(JAN1).job('2024-12-01', '2025-01-01'); // ends on the window's first day

    // Act
    const { outcomes, agg } = run(metric({ kind: 'employed', window: W10 }), log, MATURE);

    // Assess: 2 of 5 matured participants; Wilson interval for 2/5 at 0.95.
    expect(rows(outcomes)).toEqual([
      [true, 0, false, false],
      [true, 1, true, false],
      [true, 0, false, false],
      [true, 0, false, false],
      [true, 1, true, false],
    ]);
    expect(outcomes[0]?.window).toEqual({ from: day('2025-01-01'), to: day('2025-01-10') });
    expect(agg).toMatchObject({ value: '0.400000', numerator: '2', denominator: 5, pending: 0, excluded: 0 });
    expect(agg.interval).toEqual(wilsonInterval(2, 5, '0.95'));
    // Wilson 2/5, z = 1.96, z²/n = 0.7683: centre (0.4 + 0.3841)/1.7683 = 0.4434,
    // half 1.96·√(0.24/5 + 0.7683/20)/1.7683 = 1.96·0.2940/1.7683 = 0.3258.
    expect(Number(agg.interval?.low)).toBeCloseTo(0.1176, 3);
    expect(Number(agg.interval?.high)).toBeCloseTo(0.7693, 3);
  });

  it('employed: matured on the cutoff that is the last day of the window, pending the day before', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    log.participant(JAN1).started('2025-01-02');
    log.participant(JAN1);
    const m = metric({ kind: 'employed', window: W10 });

    // Act
    const lastDay = run(m, log, '2025-01-10');
    const dayBefore = run(m, log, '2025-01-09');

    // Assess
    expect(lastDay.agg).toMatchObject({ value: '0.500000', numerator: '1', denominator: 2, pending: 0 });
    expect(dayBefore.agg).toMatchObject({ value: '0.000000', numerator: '0', denominator: 0, pending: 2 });
  });

  it('employed: achieved as soon as it happens, but in the denominator only once the window has closed', () => {
    // Arrange: cutoff 01-05, window 01-01..01-10 still open.
    const log = new RecordLog();
    log.participant(JAN1).started('2025-01-03');
    log.participant(JAN1).started('2025-01-06'); // dated after the cutoff: not read
    log.participant(JAN1);

    // Act
    const { outcomes, agg } = run(metric({ kind: 'employed', window: W10 }), log, '2025-01-05');

    // Assess: nobody matured: rate 0 of 0, no interval, 3 pending; the first is achieved (payable) already.
    expect(rows(outcomes)).toEqual([
      [false, 1, true, false],
      [false, 0, false, false],
      [false, 0, false, false],
    ]);
    expect(agg).toMatchObject({ value: '0.000000', numerator: '0', denominator: 0, pending: 3, excluded: 0 });
    expect(agg.interval).toBeUndefined();
  });

  it('sustained-employment: runs of at least minDays, joined across gaps of at most maxGapDays', () => {
    // Arrange: minDays 5, maxGapDays 2, window 20 days: 01-01..01-20.
    const log = new RecordLog();
    const p1 = log.participant(JAN1); // 3 days, gap of 2, 2 days -> run of 5: achieved
    p1.job('2025-01-01', '2025-01-03', { employer: 'EMPLOYER-A' });
    p1.job('2025-01-06', '2025-01-07', { employer: 'EMPLOYER-B' });
    const p2 = log.participant(JAN1); // 3 days, gap of 3, 2 days -> runs of 3 and 2: not
    p2.job('2025-01-01', '2025-01-03', { employer: 'EMPLOYER-A' });
    p2.job('2025-01-07', '2025-01-08', { employer: 'EMPLOYER-B' });
    const p3 = log.participant(JAN1); // 01-01..01-03 and 01-02..01-04 overlap: 4 days, not 6
    p3.job('2025-01-01', '2025-01-03', { employer: 'EMPLOYER-A' });
    p3.job('2025-01-02', '2025-01-04', { employer: 'EMPLOYER-B' });
    log.participant(JAN1).job('2024-12-20', '2025-01-04'); // 16 days, 4 of them in the window: not
    log.participant(JAN1).started('2025-01-16'); // open: 01-16..01-20 = 5 days in the window: achieved
    log.participant(JAN1).started('2025-01-17'); // open: 01-17..01-20 = 4 days: not
    const m = metric({
      kind: 'sustained-employment',
      window: { anchor: 'enrolment', days: 20 },
      minDays: 5,
      maxGapDays: 2,
    });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess
    expect(outcomes.map((o) => o.achieved)).toEqual([true, false, false, false, true, false]);
    expect(agg).toMatchObject({ value: '0.333333', numerator: '2', denominator: 6 });
    expect(agg.interval).toEqual(wilsonInterval(2, 6, '0.95'));
  });

  it('sustained-employment: an open spell runs to the cutoff, not to the end of the window', () => {
    // Arrange: minDays 5, window 01-01..01-20 open at the cutoff 01-07; job from 01-03: 01-03..01-07 = 5 days.
    const log = new RecordLog();
    log.participant(JAN1).started('2025-01-03');
    log.participant(JAN1).started('2025-01-04'); // 01-04..01-07 = 4 days
    const m = metric({
      kind: 'sustained-employment',
      window: { anchor: 'enrolment', days: 20 },
      minDays: 5,
      maxGapDays: 0,
    });

    // Act
    const { outcomes, agg } = run(m, log, '2025-01-07');

    // Assess
    expect(rows(outcomes)).toEqual([
      [false, 1, true, false],
      [false, 0, false, false],
    ]);
    expect(agg.pending).toBe(2);
  });

  it('permanent-employment: one permanent spell with minDays in the window; two shorter ones do not add up', () => {
    // Arrange: minDays 5, window 01-01..01-10.
    const log = new RecordLog();
    const p1 = log.participant(JAN1); // permanent 3 + 3 days
    p1.job('2025-01-01', '2025-01-03', { contract: 'permanent' });
    p1.job('2025-01-05', '2025-01-07', { contract: 'permanent' });
    log.participant(JAN1).started('2025-01-06', { contract: 'permanent' }); // 01-06..01-10 = 5 days: achieved
    log.participant(JAN1).job('2025-01-01', '2025-01-10', { contract: 'fixed-term' }); // 10 days, not permanent
    log.participant(JAN1).job('2024-12-28', '2025-01-04', { contract: 'permanent' }); // 8 days, 4 in the window
    const m = metric({ kind: 'permanent-employment', window: W10, minDays: 5 });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess
    expect(outcomes.map((o) => o.achieved)).toEqual([false, true, false, false]);
    expect(agg).toMatchObject({ value: '0.250000', numerator: '1', denominator: 4 });
  });

  it('reconviction: an offence inside the window, convicted by the cutoff; not reconvicted is achieved at close', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    log.participant(JAN1).reconviction('2025-01-20', '2025-01-10'); // offence on the last day: reconvicted
    log.participant(JAN1).reconviction('2025-01-20', '2025-01-11'); // the day after: not
    log.participant(JAN1).reconviction('2025-01-05', '2024-12-31'); // offence before the window: not
    log.participant(JAN1).reconviction('2025-02-01', '2025-01-05'); // convicted after the cutoff 01-31: not yet
    const m = metric({ kind: 'reconviction', window: W10 });

    // Act
    const january = run(m, log, MATURE);
    const february = run(m, log, '2025-02-28');

    // Assess: value 1 = reconvicted; achieved = not reconvicted, window closed.
    expect(rows(january.outcomes)).toEqual([
      [true, 1, false, false],
      [true, 0, true, false],
      [true, 0, true, false],
      [true, 0, true, false],
    ]);
    expect(january.agg).toMatchObject({ value: '0.250000', numerator: '1', denominator: 4 });
    expect(january.agg.interval).toBeDefined();
    expect(february.outcomes.map((o) => o.achieved)).toEqual([false, true, true, false]);
    expect(february.agg).toMatchObject({ value: '0.500000', numerator: '2', denominator: 4 });
  });

  it('reconviction: not achieved while the window is open, even with no reconviction', () => {
    // Arrange: cutoff 01-05, window open.
    const log = new RecordLog();
    log.participant(JAN1);
    log.participant(JAN1).reconviction('2025-01-04', '2025-01-02');

    // Act
    const { outcomes, agg } = run(metric({ kind: 'reconviction', window: W10 }), log, '2025-01-05');

    // Assess
    expect(rows(outcomes)).toEqual([
      [false, 0, false, false],
      [false, 1, false, false],
    ]);
    expect(agg).toMatchObject({ denominator: 0, pending: 2 });
  });

  it('leaves a serving participant without a release pending (no window), and counts them once released', () => {
    // Arrange: release window of 10 days; released 01-05 -> 01-05..01-14.
    const log = new RecordLog();
    log.participant({ date: '2025-01-01', category: 'serving-sentence' }).started('2025-01-02');
    const b = log.participant({ date: '2025-01-01', category: 'serving-sentence' });
    b.release('2025-01-05');
    b.started('2025-01-14');
    const m = metric({ kind: 'employed', window: { anchor: 'release', days: 10 } });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess: the first is employed but has no window: not achieved, pending.
    expect(outcomes[0]).toMatchObject({ window: undefined, counted: false, achieved: false, excluded: false });
    expect(outcomes[1]).toMatchObject({ window: { from: day('2025-01-05'), to: day('2025-01-14') }, achieved: true });
    expect(agg).toMatchObject({ value: '1.000000', numerator: '1', denominator: 1, pending: 1 });
  });

  it('narrows the population by cohort and category', () => {
    // Arrange
    const log = new RecordLog();
    log.participant({ date: '2025-01-01', cohort: 'a', category: 'probation' }).started('2025-01-02');
    log.participant({ date: '2025-01-01', cohort: 'a', category: 'released' });
    log.participant({ date: '2025-01-01', cohort: 'b', category: 'probation' });
    const m = metric({ kind: 'employed', window: W10, population: { cohorts: ['a'], categories: ['probation'] } });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess
    expect(outcomes.map((o) => o.cohort)).toEqual(['a']);
    expect(agg).toMatchObject({ value: '1.000000', denominator: 1 });
  });
});

describe('participantOutcomes: means, counts and money', () => {
  it('reconviction-events: offences inside the window per matured participant, with a normal interval', () => {
    // Arrange: window 01-01..01-10; the third enrolled 01-25 (window 01-25..02-03, open at 01-31).
    const log = new RecordLog();
    const p1 = log.participant(JAN1);
    p1.reconviction('2025-01-03', '2025-01-02');
    p1.reconviction('2025-01-12', '2025-01-09');
    log.participant(JAN1).reconviction('2025-01-12', '2025-01-11'); // outside
    log.participant({ date: '2025-01-25' }).reconviction('2025-01-26');
    const m = metric({ kind: 'reconviction-events', window: W10 });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess: (2 + 0)/2 = 1; s² = (4 − 2²/2)/1 = 2, half-width 1.959964·√(2/2).
    expect(rows(outcomes)).toEqual([
      [true, 2, true, false],
      [true, 0, true, false],
      [false, 1, false, false],
    ]);
    expect(agg).toMatchObject({ value: '1.000000', numerator: '2', denominator: 2, pending: 1 });
    expect(agg.interval).toEqual(meanInterval({ n: 2, sum: '2', sumSquares: '4' }, '0.95'));
    expect(agg.interval).toMatchObject({ low: '-0.959964', high: '2.959964' });
  });

  it('custody-days: days of custody inside the window, both ends included', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    const p1 = log.participant(JAN1);
    p1.custody('2024-12-28', '2025-01-03'); // 01-01..01-03 = 3 days
    p1.custody('2025-01-09', '2025-01-15'); // 01-09..01-10 = 2 days
    log.participant(JAN1);
    const m = metric({ kind: 'custody-days', window: W10 });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess: (5 + 0)/2 = 2.5.
    expect(outcomes.map((o) => o.value)).toEqual([5, 0]);
    expect(agg).toMatchObject({ value: '2.500000', numerator: '5', denominator: 2 });
  });

  it('days-employed: the union of spell days in each window, open windows included up to the cutoff', () => {
    // Arrange: windows 01-01..01-10, the third 01-25..02-03.
    const log = new RecordLog();
    const p1 = log.participant(JAN1); // A 01-01..01-05 and B 01-04..01-06: 01-01..01-06 = 6 days
    p1.job('2025-01-01', '2025-01-05', { employer: 'EMPLOYER-A' });
    p1.job('2025-01-04', '2025-01-06', { employer: 'EMPLOYER-B' });
    log.participant(JAN1).started('2025-01-08'); // open: 01-08..01-10 = 3 days
    log.participant({ date: '2025-01-25' }).started('2025-01-28'); // open, window open: 01-28..01-31 = 4 days
    const m = metric({ kind: 'days-employed', window: W10 });

    // Act
    const { outcomes, agg } = run(m, log, MATURE);

    // Assess: 6 + 3 + 4 = 13; a count has no interval.
    expect(rows(outcomes)).toEqual([
      [true, 6, true, false],
      [true, 3, true, false],
      [true, 4, true, false],
    ]);
    expect(agg).toMatchObject({ value: '13', pending: 0 });
    expect(agg.interval).toBeUndefined();
  });

  it("wages: each confirmed month overlapping the window at the wage of that employer's spell in the month", () => {
    // Arrange: window of 60 days from 01-15: 01-15..03-15.
    const log = new RecordLog();
    const p1 = log.participant({ date: '2025-01-15' });
    p1.started('2024-12-01', { employer: 'EMPLOYER-A', wage: '100000' });
    p1.job('2025-02-01', '2025-02-28', { employer: 'EMPLOYER-B', wage: '50000' });
    p1.confirmed('2024-12', 'EMPLOYER-A'); // December ends before the window: 0
    p1.confirmed('2025-01', 'EMPLOYER-A'); // 100000
    p1.confirmed('2025-02', 'EMPLOYER-B'); // 50000
    p1.confirmed('2025-03', 'EMPLOYER-A'); // 03-01..03-31 overlaps 03-01..03-15: 100000
    p1.confirmed('2025-04', 'EMPLOYER-A'); // after the window: 0
    const p2 = log.participant({ date: '2025-01-15' });
    p2.started('2025-02-10', { employer: 'EMPLOYER-A', wage: '70000' });
    p2.confirmed('2025-01', 'EMPLOYER-A'); // no A spell in January: 0
    p2.confirmed('2025-02', 'EMPLOYER-B'); // no B spell at all: 0
    p2.confirmed('2025-02', 'EMPLOYER-A'); // 70000
    const m = metric({ kind: 'wages', window: { anchor: 'enrolment', days: 60 } });

    // Act
    const { outcomes, agg } = run(m, log, '2025-04-30');

    // Assess: 100000 + 50000 + 100000 = 250000; 70000; total 320000.
    expect(outcomes.map((o) => o.value)).toEqual([250000, 70000]);
    expect(agg).toMatchObject({ value: '320000', numerator: '320000' });
  });

  it('events: records of the listed types dated inside the window (by record date, not offence date)', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    const p1 = log.participant(JAN1);
    p1.violation('2025-01-10'); // in (last day)
    p1.violation('2025-01-11'); // out
    p1.reconviction('2025-01-05', '2024-12-20'); // convicted inside the window: in
    p1.custody('2024-12-30', '2025-01-02'); // dated before the window: out
    p1.custody('2025-01-08', '2025-01-20'); // in
    const all = metric({
      kind: 'events',
      window: W10,
      eventTypes: ['probation-violation', 'reconviction', 'custody-spell'],
    });
    const violations = metric({ kind: 'events', window: W10, eventTypes: ['probation-violation'] });

    // Act / Assess
    expect(run(all, log, MATURE).agg.value).toBe('3');
    expect(run(violations, log, MATURE).agg.value).toBe('1');
  });

  it('enrolled: participants enrolled by the cutoff', () => {
    // Arrange
    const log = new RecordLog();
    log.participant(JAN1);
    log.participant({ date: '2025-01-31' });
    log.participant({ date: '2025-02-01' }); // after the cutoff
    log.participant(undefined).service('2025-01-02', 'housing'); // never enrolled

    // Act
    const { outcomes, agg } = run(metric({ kind: 'enrolled' }), log, MATURE);

    // Assess
    expect(outcomes).toHaveLength(2);
    expect(agg).toMatchObject({ value: '2', pending: 0, excluded: 0 });
  });
});

describe('participantOutcomes: withdrawals', () => {
  /** Window 01-01..01-10; withdrawals on 01-05 unless said. */
  function employedLog(): RecordLog {
    const log = new RecordLog();
    const p1 = log.participant(JAN1); // employed before withdrawing: settled, counts as achieved
    p1.started('2025-01-03');
    p1.withdrawal('2025-01-05');
    const p2 = log.participant(JAN1); // withdrew, then a job inside the window: not observed
    p2.withdrawal('2025-01-05');
    p2.started('2025-01-07');
    log.participant(JAN1).withdrawal('2025-01-15'); // after the window: an ordinary non-achiever
    log.participant(JAN1).started('2025-01-02');
    return log;
  }

  it('exclude: drops a participant withdrawn inside the window before achieving, keeps one who had achieved', () => {
    // Act
    const { outcomes, agg } = run(metric({ kind: 'employed', window: W10 }), employedLog(), MATURE, 'exclude');

    // Assess: 2 achieved of 3 counted; 1 excluded (not pending).
    expect(rows(outcomes)).toEqual([
      [true, 1, true, false],
      [false, 0, false, true],
      [true, 0, false, false],
      [true, 1, true, false],
    ]);
    expect(agg).toMatchObject({ value: '0.666667', numerator: '2', denominator: 3, pending: 0, excluded: 1 });
  });

  it('not-achieved: keeps the withdrawn participant as not achieving; nothing after the withdrawal counts', () => {
    // Act
    const { outcomes, agg } = run(metric({ kind: 'employed', window: W10 }), employedLog(), MATURE, 'not-achieved');

    // Assess: 2 of 4.
    expect(rows(outcomes)[1]).toEqual([true, 0, false, false]);
    expect(agg).toMatchObject({ value: '0.500000', numerator: '2', denominator: 4, excluded: 0 });
  });

  it('settles a withdrawal inside an open window at once (counted), under either rule', () => {
    // Arrange: cutoff 01-06, window open; p1 employed then withdrew, p2 withdrew without a job.
    const log = new RecordLog();
    const p1 = log.participant(JAN1);
    p1.started('2025-01-02');
    p1.withdrawal('2025-01-04');
    log.participant(JAN1).withdrawal('2025-01-04');
    log.participant(JAN1);
    const m = metric({ kind: 'employed', window: W10 });

    // Act
    const exclude = run(m, log, '2025-01-06', 'exclude');
    const notAchieved = run(m, log, '2025-01-06', 'not-achieved');

    // Assess
    expect(exclude.agg).toMatchObject({ numerator: '1', denominator: 1, pending: 1, excluded: 1 });
    expect(notAchieved.agg).toMatchObject({ numerator: '1', denominator: 2, pending: 1, excluded: 0 });
  });

  it('reconviction: exclude drops the withdrawn non-reconvicted; not-achieved counts them as reconvicted', () => {
    // Arrange: window 01-01..01-10.
    const log = new RecordLog();
    log.participant(JAN1).withdrawal('2025-01-05'); // no offence
    const p2 = log.participant(JAN1); // offence before withdrawing: settled, reconvicted
    p2.reconviction('2025-01-04', '2025-01-03');
    p2.withdrawal('2025-01-05');
    const p3 = log.participant(JAN1); // offence after withdrawing: not observed
    p3.withdrawal('2025-01-03');
    p3.reconviction('2025-01-07', '2025-01-06');
    log.participant(JAN1); // not reconvicted
    const m = metric({ kind: 'reconviction', window: W10 });

    // Act
    const exclude = run(m, log, MATURE, 'exclude');
    const notAchieved = run(m, log, MATURE, 'not-achieved');

    // Assess: exclude: reconvicted 1 of 2 (p2, p4), 2 excluded. not-achieved: p1, p2, p3 reconvicted: 3 of 4.
    expect(rows(exclude.outcomes)).toEqual([
      [false, 0, false, true],
      [true, 1, false, false],
      [false, 0, false, true],
      [true, 0, true, false],
    ]);
    expect(exclude.agg).toMatchObject({ value: '0.500000', numerator: '1', denominator: 2, excluded: 2 });
    expect(rows(notAchieved.outcomes)).toEqual([
      [true, 1, false, false],
      [true, 1, false, false],
      [true, 1, false, false],
      [true, 0, true, false],
    ]);
    expect(notAchieved.agg).toMatchObject({ value: '0.750000', numerator: '3', denominator: 4, excluded: 0 });
  });

  it('means and counts: exclude leaves the withdrawn out; not-achieved counts what happened up to the withdrawal', () => {
    // Arrange: window 01-01..01-10; custody and a job all through it, withdrawal on 01-04.
    const log = new RecordLog();
    const p1 = log.participant(JAN1);
    p1.custody('2025-01-01', '2025-01-10');
    p1.started('2025-01-01');
    p1.withdrawal('2025-01-04');
    log.participant(JAN1).custody('2025-01-09', '2025-01-10'); // 2 days
    const custody = metric({ kind: 'custody-days', window: W10 });
    const days = metric({ kind: 'days-employed', window: W10 });

    // Act / Assess: exclude: custody 2/1; days 0 (p1 left out).
    expect(run(custody, log, MATURE, 'exclude').agg).toMatchObject({ value: '2.000000', denominator: 1, excluded: 1 });
    expect(run(days, log, MATURE, 'exclude').agg).toMatchObject({ value: '0', excluded: 1 });
    // not-achieved: p1 observed 01-01..01-04: 4 custody days, 4 days employed; custody (4 + 2)/2 = 3.
    expect(run(custody, log, MATURE, 'not-achieved').agg).toMatchObject({ value: '3.000000', denominator: 2 });
    expect(run(days, log, MATURE, 'not-achieved').agg).toMatchObject({ value: '4', excluded: 0 });
  });

  it('enrolled: exclude leaves a withdrawn participant out of the count', () => {
    // Arrange
    const log = new RecordLog();
    log.participant(JAN1).withdrawal('2025-01-20');
    log.participant(JAN1);

    // Act / Assess
    expect(run(metric({ kind: 'enrolled' }), log, MATURE, 'exclude').agg).toMatchObject({ value: '1', excluded: 1 });
    expect(run(metric({ kind: 'enrolled' }), log, MATURE, 'not-achieved').agg).toMatchObject({ value: '2' });
  });
});

describe('participantOutcomes: corrections and the cutoff', () => {
  it('an outcome disappears when its employment start is superseded, and comes back when the correction is', () => {
    // Arrange
    const log = new RecordLog();
    const start = log.participant(JAN1).started('2025-01-03');
    const m = metric({ kind: 'employed', window: W10 });
    const before = run(m, log, MATURE).outcomes[0]?.achieved;
    const correction = log.correct('2025-01-20', start);
    const corrected = run(m, log, MATURE).outcomes[0]?.achieved;
    log.correct('2025-01-21', correction);

    // Act
    const restored = run(m, log, MATURE).outcomes[0]?.achieved;

    // Assess
    expect([before, corrected, restored]).toEqual([true, false, true]);
  });

  it('ignores a record dated the day after the cutoff', () => {
    // Arrange: window 01-01..01-10 still open on the cutoff 01-05.
    const log = new RecordLog();
    log.participant(JAN1).violation('2025-01-05');
    log.participant(JAN1).violation('2025-01-06');
    const m = metric({ kind: 'events', window: W10, eventTypes: ['probation-violation'] });

    // Act / Assess
    expect(run(m, log, '2025-01-05').outcomes.map((o) => o.value)).toEqual([1, 0]);
    expect(run(m, log, '2025-01-06').outcomes.map((o) => o.value)).toEqual([1, 1]);
  });
});

describe('evaluateMetrics', () => {
  it('gives rates and means per cohort when there is more than one cohort, each with its interval', () => {
    // Arrange: cohort a: 1 of 2 employed; cohort b: 1 of 1.
    const spec = specWith([
      { id: 'employed', title: 'employed', kind: 'employed', window: W10 },
      { id: 'custody', title: 'custody', kind: 'custody-days', window: W10 },
      { id: 'days', title: 'days', kind: 'days-employed', window: W10 },
    ]);
    const log = new RecordLog();
    log.participant({ date: '2025-01-01', cohort: 'a' }).job('2025-01-02', '2025-01-03');
    log.participant({ date: '2025-01-01', cohort: 'a' }).custody('2025-01-01', '2025-01-04');
    log.participant({ date: '2025-01-01', cohort: 'b' }).job('2025-01-09', '2025-01-12');

    // Act
    const { values, outcomes } = evaluateMetrics(spec, log.timelines(MATURE), { spec, cutoff: day(MATURE) });

    // Assess
    const [employed, custody, days] = values as [MetricValue, MetricValue, MetricValue];
    expect(employed).toMatchObject({ unit: 'rate', value: '0.666667', numerator: '2', denominator: 3 });
    expect(employed.interval).toEqual(wilsonInterval(2, 3, '0.95'));
    expect(employed.groups).toEqual([
      { group: 'a', value: '0.500000', numerator: '1', denominator: 2, interval: wilsonInterval(1, 2, '0.95') },
      { group: 'b', value: '1.000000', numerator: '1', denominator: 1, interval: wilsonInterval(1, 1, '0.95') },
    ]);
    // Custody days: a: (0 + 4)/2 = 2 (interval from n = 2); b: 0/1 (no interval with n = 1).
    expect(custody.groups).toEqual([
      {
        group: 'a',
        value: '2.000000',
        numerator: '4',
        denominator: 2,
        interval: meanInterval({ n: 2, sum: '4', sumSquares: '16' }, '0.95'),
      },
      { group: 'b', value: '0.000000', numerator: '0', denominator: 1 },
    ]);
    // Days employed: 2 + 0 + 2 (01-09..01-10) = 4: a count, without groups.
    expect(days).toMatchObject({ unit: 'count', value: '4' });
    expect(days.groups).toBeUndefined();
    expect(days.numerator).toBeUndefined();
    expect(outcomes.get('employed')?.map((o) => o.cohort)).toEqual(['a', 'a', 'b']);
  });

  describe('Qarmet Karaganda 2026 (windows from enrolment: 60 days employed, 90 days for the rest)', () => {
    const spec = parseContractSpec(rawSpec('qarmet-karaganda-2026'));

    /**
     * p1: job 02-02..03-31 at 300,000.00 KZT, Feb and Mar confirmed, a violation 03-10.
     * p2: job from 02-16 (open) at 300,000.00, Feb, Mar, Apr confirmed, reconvicted 04-20 (offence 04-10).
     * p3: enrolled 02-15 (window 02-15..05-15), no job, violations 04-30 and 05-01 (after the term).
     * p4: withdrew 02-10 without a job (withdrawals: exclude).
     */
    function qarmetLog(): { log: RecordLog; p2Start: string } {
      const log = new RecordLog();
      const enrol = (date: string): EnrolmentFields => ({
        date,
        cohort: 'pilot-2026',
        category: 'serving-sentence',
        birthYear: 1990,
      });
      const p1 = log.participant(enrol('2026-02-01'));
      p1.job('2026-02-02', '2026-03-31', { employer: 'QARMET', wage: '30000000' });
      p1.confirmed('2026-02', 'QARMET', '2026-03-01');
      p1.confirmed('2026-03', 'QARMET', '2026-04-01');
      p1.violation('2026-03-10');
      const p2 = log.participant(enrol('2026-02-01'));
      const p2Start = p2.started('2026-02-16', { employer: 'QARMET', wage: '30000000' });
      p2.confirmed('2026-02', 'QARMET', '2026-03-02');
      p2.confirmed('2026-03', 'QARMET', '2026-04-02');
      p2.confirmed('2026-04', 'QARMET', '2026-04-30');
      p2.reconviction('2026-04-20', '2026-04-10');
      const p3 = log.participant(enrol('2026-02-15'));
      p3.violation('2026-04-30');
      p3.violation('2026-05-01');
      log.participant(enrol('2026-02-01')).withdrawal('2026-02-10');
      return { log, p2Start };
    }

    const evaluateAt = (log: RecordLog, periodTo: string) =>
      new Map(
        evaluateMetrics(spec, log.timelines(periodTo), { spec, cutoff: day(periodTo) }).values.map((v) => [v.id, v]),
      );

    it('final period (cutoff 04-30): employed, days worked, wages, incidents, upkeep avoided', () => {
      // Act
      const v = evaluateAt(qarmetLog().log, '2026-04-30');

      // Assess
      // Enrolled: 4, less p4 withdrawn.
      expect(v.get('enrolled')).toMatchObject({ unit: 'count', value: '3', excluded: 1 });
      // Employed within 60 days: p1 and p2 (windows 02-01..04-01) employed, p3 (02-15..04-15) not: 2/3 matured, p4 excluded.
      expect(v.get('employed')).toMatchObject({ value: '0.666667', numerator: '2', denominator: 3 });
      expect(v.get('employed')?.pending).toBeUndefined();
      expect(v.get('employed')?.interval).toBeDefined();
      // Days worked: p1 02-02..03-31 = 27 + 31 = 58; p2 02-16..04-30 = 13 + 31 + 30 = 74; total 132.
      expect(v.get('days-worked')).toMatchObject({ unit: 'count', value: '132' });
      // Wages: p1 Feb + Mar = 2 × 30000000; p2 Feb + Mar + Apr = 3 × 30000000; total 150000000 (1,500,000.00 KZT).
      expect(v.get('wages')).toMatchObject({ unit: 'money', value: '150000000' });
      // Incidents: p1's violation, p2's reconviction, p3's violation of 04-30 (05-01 is after the cutoff) = 3.
      expect(v.get('incidents')).toMatchObject({ unit: 'count', value: '3' });
      // Upkeep avoided: 132 days × 650000 = 85800000 (858,000.00 KZT).
      expect(v.get('upkeep-avoided')).toMatchObject({
        unit: 'money',
        value: '85800000',
        numerator: '132',
        illustrative: true,
      });
    });

    it('earlier periods read only what is dated by their last day', () => {
      // Act
      const { log } = qarmetLog();
      const february = evaluateAt(log, '2026-02-28');
      const march = evaluateAt(log, '2026-03-31');

      // Assess
      // February: p1 02-02..02-28 = 27 days, p2 02-16..02-28 = 13: 40; upkeep 40 × 650000; no confirmation dated yet.
      expect(february.get('days-worked')?.value).toBe('40');
      expect(february.get('upkeep-avoided')?.value).toBe('26000000');
      expect(february.get('wages')?.value).toBe('0');
      expect(february.get('incidents')?.value).toBe('0');
      // March: p1 58 days, p2 13 + 31 = 44: 102; February confirmed for both: 60000000; p1's violation: 1.
      expect(march.get('days-worked')?.value).toBe('102');
      expect(march.get('upkeep-avoided')?.value).toBe('66300000');
      expect(march.get('wages')?.value).toBe('60000000');
      expect(march.get('incidents')?.value).toBe('1');
    });

    it("a correction of p2's employment start takes away p2's days and wages", () => {
      // Arrange
      const { log, p2Start } = qarmetLog();
      log.correct('2026-04-30', p2Start);

      // Act
      const v = evaluateAt(log, '2026-04-30');

      // Assess: only p1 left: 58 days, 60000000 wages (p2's confirmed months find no spell: 0).
      expect(v.get('days-worked')?.value).toBe('58');
      expect(v.get('upkeep-avoided')?.value).toBe('37700000');
      expect(v.get('wages')?.value).toBe('60000000');
    });
  });

  describe('Antares VKO 2017 (one period, cutoff 2017-11-21)', () => {
    const spec = parseContractSpec(rawSpec('antares-vko-2017'));
    const cutoff = '2017-11-21';

    function antaresLog(): RecordLog {
      const log = new RecordLog();
      const enrol = (e: Omit<EnrolmentFields, 'date'>, date = '2017-07-21'): EnrolmentFields => ({
        date,
        cohort: 'pilot-2017',
        ...e,
      });
      // Age = 2017 − birthYear.
      const p1 = log.participant(enrol({ sex: 'male', birthYear: 1995, category: 'released', status: 'youth' })); // 22: 17-22
      p1.service('2017-07-25', 'leisure');
      p1.service('2017-08-01', 'legal-aid');
      p1.service('2017-08-15', 'legal-aid');
      const p2 = log.participant(
        enrol({ sex: 'female', birthYear: 1994, category: 'probation', status: 'unemployed' }),
      ); // 23: 23-27
      p2.service('2017-08-01', 'leisure');
      p2.service('2017-09-01', 'psychological-help');
      const p3 = log.participant(
        enrol({ sex: 'male', birthYear: 1958, category: 'serving-sentence', status: 'aged-50-plus' }),
      ); // 59: 59+
      p3.service('2017-11-21', 'social-package'); // on the cutoff: counted
      p3.service('2017-11-22', 'leisure'); // after it: not
      log.participant(enrol({ sex: 'male', birthYear: 2001, category: 'released' })); // 16: in no band
      log.participant(enrol({ sex: 'female', birthYear: 1980 }, '2017-11-22')); // enrolled after the cutoff
      log.participant(undefined).service('2017-08-01', 'leisure'); // never enrolled: not counted
      return log;
    }

    it('counts enrolled, services planned against delivered, and participants by sex, age band and status', () => {
      // Act
      const { values } = evaluateMetrics(spec, antaresLog().timelines(cutoff), { spec, cutoff: day(cutoff) });
      const v = new Map(values.map((x) => [x.id, x]));

      // Assess
      expect(values.map((x) => x.id)).toEqual(spec.metrics.map((m) => m.id));
      expect(v.get('enrolled')).toMatchObject({ unit: 'count', value: '4' });
      // Services: leisure 2 (30 planned), legal-aid 2, psychological-help 1, social-package 1 = 6.
      expect(v.get('services')).toMatchObject({ unit: 'groups', value: '6' });
      expect(v.get('services')?.groups).toEqual([
        { group: 'social-package', value: '1' },
        { group: 'medical-referral', value: '0' },
        { group: 'addiction-treatment', value: '0' },
        { group: 'medical-exam', value: '0' },
        { group: 'id-documents', value: '0' },
        { group: 'education', value: '0' },
        { group: 'legal-aid', value: '2' },
        { group: 'psychological-help', value: '1' },
        { group: 'leisure', value: '2', planned: 30 },
      ]);
      expect(v.get('participants-by-sex')).toMatchObject({ value: '4' });
      expect(v.get('participants-by-sex')?.groups).toEqual([
        { group: 'male', value: '3' },
        { group: 'female', value: '1' },
      ]);
      expect(v.get('participants-by-age')?.groups).toEqual([
        { group: '17-22', value: '1' },
        { group: '23-27', value: '1' },
        { group: '28-32', value: '0' },
        { group: '33-45', value: '0' },
        { group: '46-58', value: '0' },
        { group: '59+', value: '1' },
        { group: 'other', value: '1' },
      ]);
      expect(v.get('participants-by-category')?.groups).toEqual([
        { group: 'serving-sentence', value: '1' },
        { group: 'probation', value: '1' },
        { group: 'released', value: '2' },
      ]);
      // Status as the report tabulates it: p1 youth, p2 unemployed, p3 aged 50+, the fourth not recorded.
      expect(v.get('participants-by-status')?.groups).toEqual([
        { group: 'youth', value: '1' },
        { group: 'civil-servant', value: '0' },
        { group: 'public-sector', value: '0' },
        { group: 'disabled', value: '0' },
        { group: 'aged-50-plus', value: '1' },
        { group: 'unemployed', value: '1' },
        { group: 'ngo', value: '0' },
        { group: 'business', value: '0' },
        { group: 'other', value: '0' },
        { group: 'not-recorded', value: '1' },
      ]);
    });
  });
});
