import type { ContractSpec, Metric, MetricUnit, Population, Window } from '#contracts';
import { METRIC_UNITS, withdrawalRule } from '#contracts';
import type { Timeline } from '#evidence';
import { Decimal, type DecimalValue, dayNumber } from '#kernel';
import { fixed, type Interval, meanInterval, wilsonInterval } from './stats.ts';

/**
 * Outcome metrics over participant timelines (semantics in docs/contracts.md):
 * per participant first (participantOutcomes: what payments key on), then
 * aggregated over a group of participants (aggregate: what reports show).
 *
 * Windows: day 1 is the anchor's day. A participant counts in a rate or mean
 * once their window has closed by the cutoff (matured); positive outcomes
 * (employment) are known, and payable, as soon as they happen.
 */

/** An inclusive range of day numbers. */
export interface DayRange {
  readonly from: number;
  readonly to: number;
}

export interface MetricContext {
  readonly spec: ContractSpec;
  /** Last day of the period evaluated: nothing later is read. */
  readonly cutoff: number;
}

/** One participant's part in a metric. */
export interface ParticipantOutcome {
  readonly participant: string;
  readonly cohort: string;
  /** The participant's window (windowed metrics). */
  readonly window: DayRange | undefined;
  /** In the denominator (rates, means) or the total (counts, money): matured and not excluded. */
  readonly counted: boolean;
  /** Rates: 1 if the event happened (employed, reconvicted), else 0. Means and counts: the participant's number. Money: minor units. */
  readonly value: number;
  /** Rates: whether the desired outcome is reached (employed; not reconvicted), known early for positive outcomes. */
  readonly achieved: boolean;
  /** Withdrawn and excluded by the contract's withdrawal rule. */
  readonly excluded: boolean;
}

export interface GroupValue {
  readonly group: string;
  readonly value: string;
  readonly numerator?: string;
  readonly denominator?: number;
  readonly interval?: Interval;
  readonly planned?: number;
}

export interface MetricValue {
  readonly id: string;
  readonly title: string;
  readonly kind: Metric['kind'];
  readonly unit: MetricUnit;
  /** Rates and means: 6 decimal places; counts and money (minor units): whole numbers. Groups: the total. */
  readonly value: string;
  readonly numerator?: string;
  readonly denominator?: number;
  readonly interval?: Interval;
  /** Participants whose window is still open at the cutoff. */
  readonly pending?: number;
  /** Withdrawn participants left out under `withdrawals: exclude`. */
  readonly excluded?: number;
  /** Per group: service type, sex, age band or category; or per cohort. */
  readonly groups?: readonly GroupValue[];
  readonly illustrative?: boolean;
}

/** Rate metrics whose event is bad (the desired outcome is its absence). */
const NEGATIVE = new Set<Metric['kind']>(['reconviction']);

/** Whether a participant's enrolment puts them in a population (and in `cohorts`, when given). */
export function inPopulation(
  t: Timeline,
  population: Population | undefined,
  cutoff: number,
  cohorts?: readonly string[],
): boolean {
  const e = t.enrolment;
  if (e === undefined || e.day > cutoff) return false;
  if (population?.cohorts !== undefined && !population.cohorts.includes(e.cohort)) return false;
  if (population?.categories !== undefined && !population.categories.includes(e.category)) return false;
  if (cohorts !== undefined && !cohorts.includes(e.cohort)) return false;
  return true;
}

/**
 * The participant's window: from the anchor (enrolment; or the first release
 * on or after enrolment, or enrolment itself for those not in custody at
 * enrolment), `days` long. Undefined while a participant serving a sentence
 * has not been released.
 */
export function windowOf(t: Timeline, w: Window): DayRange | undefined {
  const e = t.enrolment;
  if (e === undefined) return undefined;
  let anchor: number | undefined = e.day;
  if (w.anchor === 'release') {
    anchor = t.releases.find((d) => d >= e.day);
    if (anchor === undefined && e.category !== 'serving-sentence') anchor = e.day;
  }
  return anchor === undefined ? undefined : { from: anchor, to: anchor + w.days - 1 };
}

const overlap = (a: number, b: number, from: number, to: number): number =>
  Math.max(0, Math.min(b, to) - Math.max(a, from) + 1);

/** Days employed (any employer) inside [from, to], counting overlapping spells once. */
export function daysEmployed(t: Timeline, from: number, to: number): number {
  return mergedRuns(t, from, to, 0).reduce((sum, run) => sum + run.days, 0);
}

/**
 * Runs of employment inside [from, to]: spells clipped to the range, merged
 * where they overlap or touch, and joined across gaps of at most `maxGap`
 * days (gap days are not counted in `days`).
 */
export function mergedRuns(t: Timeline, from: number, to: number, maxGap: number): { days: number; end: number }[] {
  const clipped = t.spells
    .map((s) => ({ start: Math.max(s.start, from), end: Math.min(s.end ?? to, to) }))
    .filter((s) => s.start <= s.end)
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const runs: { days: number; end: number }[] = [];
  let current: { days: number; end: number } | undefined;
  for (const s of clipped) {
    if (current !== undefined && s.start <= current.end + 1) {
      // Overlapping or adjacent: count only the days past the current end.
      if (s.end > current.end) {
        current.days += s.end - current.end;
        current.end = s.end;
      }
    } else if (current !== undefined && s.start - current.end - 1 <= maxGap) {
      current.days += s.end - s.start + 1;
      current.end = s.end;
    } else {
      current = { days: s.end - s.start + 1, end: s.end };
      runs.push(current);
    }
  }
  return runs;
}

/** Whether the participant was employed on any day of [from, to]. */
function employedIn(t: Timeline, from: number, to: number): boolean {
  return t.spells.some((s) => s.start <= to && (s.end ?? to) >= from);
}

/** Whether one permanent spell covers at least `minDays` days of [from, to]. */
function permanentIn(t: Timeline, from: number, to: number, minDays: number): boolean {
  return t.spells.some((s) => s.permanent && overlap(s.start, s.end ?? to, from, to) >= minDays);
}

/** Binary outcome of a rate metric observed up to `to` (inclusive). */
function happened(metric: Metric, t: Timeline, w: DayRange, to: number): boolean {
  switch (metric.kind) {
    case 'employed':
      return employedIn(t, w.from, to);
    case 'sustained-employment':
      return mergedRuns(t, w.from, to, metric.maxGapDays).some((r) => r.days >= metric.minDays);
    case 'permanent-employment':
      return permanentIn(t, w.from, to, metric.minDays);
    case 'reconviction':
      return t.reconvictions.some((r) => r.offenceDay >= w.from && r.offenceDay <= Math.min(w.to, to));
    default:
      return false;
  }
}

/** A windowed per-participant number observed up to `to`. */
function windowedNumber(metric: Metric, t: Timeline, w: DayRange, to: number): number {
  const end = Math.min(w.to, to);
  switch (metric.kind) {
    case 'reconviction-events':
      return t.reconvictions.filter((r) => r.offenceDay >= w.from && r.offenceDay <= end).length;
    case 'custody-days':
      return t.custody.reduce((sum, c) => sum + overlap(c.from, c.to, w.from, end), 0);
    case 'days-employed':
      return daysEmployed(t, w.from, end);
    case 'events': {
      let n = 0;
      const types = new Set(metric.eventTypes);
      if (types.has('probation-violation')) n += t.violations.filter((d) => d >= w.from && d <= end).length;
      if (types.has('reconviction')) n += t.reconvictions.filter((r) => r.day >= w.from && r.day <= end).length;
      if (types.has('custody-spell')) n += t.custody.filter((c) => c.from >= w.from && c.from <= end).length;
      return n;
    }
    case 'wages': {
      let total = 0;
      for (const c of t.confirmations) {
        if (c.last < w.from || c.first > end) continue;
        total += Number(wageFor(t, c.employerId, c.first, c.last));
      }
      return total;
    }
    default:
      return 0;
  }
}

/** Monthly wage of the latest spell with `employerId` active during [first, last]; 0 if none. */
function wageFor(t: Timeline, employerId: string, first: number, last: number): bigint {
  let wage = 0n;
  for (const s of t.spells) {
    if (s.employerId === employerId && s.start <= last && (s.end ?? last) >= first) wage = s.wage;
  }
  return wage;
}

/**
 * Each population member's part in a metric. `cohorts` narrows the
 * population further (comparison arms). Not for `value-of`, `services` and
 * `participants-by`, which aggregate directly.
 */
export function participantOutcomes(
  metric: Metric,
  timelines: readonly Timeline[],
  ctx: MetricContext,
  cohorts?: readonly string[],
): ParticipantOutcome[] {
  const { cutoff } = ctx;
  const unit = METRIC_UNITS[metric.kind];
  const out: ParticipantOutcome[] = [];
  for (const t of timelines) {
    if (!inPopulation(t, metric.population, cutoff, cohorts)) continue;
    const e = t.enrolment;
    if (e === undefined) continue;
    const withdrawn = t.withdrawal !== undefined && t.withdrawal <= cutoff ? t.withdrawal : undefined;
    const exclude = withdrawalRule(ctx.spec, t.withdrawalReason) === 'exclude';
    const push = (window: DayRange | undefined, o: Omit<ParticipantOutcome, 'participant' | 'cohort' | 'window'>) =>
      out.push({ participant: t.participant, cohort: e.cohort, window, ...o });
    if (metric.kind === 'enrolled') {
      const excluded = exclude && withdrawn !== undefined;
      push(undefined, { counted: !excluded, value: 1, achieved: true, excluded });
      continue;
    }
    if (!('window' in metric)) continue;
    const w = windowOf(t, metric.window);
    const negative = NEGATIVE.has(metric.kind);
    if (w === undefined && withdrawn !== undefined) {
      // Withdrew before the window opened (still serving a sentence): excluded, or counted as not
      // achieving (a rate's bad value: not employed, or reconvicted; a mean's nothing observed).
      const value = unit === 'rate' && negative ? 1 : 0;
      push(undefined, { counted: !exclude, value, achieved: false, excluded: exclude });
      continue;
    }
    if (w === undefined || w.from > cutoff) {
      // Not yet released (or the window opens after the cutoff): pending, nothing observed.
      push(w, { counted: false, value: 0, achieved: false, excluded: false });
      continue;
    }
    // Observation stops at the cutoff, and at a withdrawal inside the window.
    const stop = withdrawn !== undefined && withdrawn <= w.to ? withdrawn : undefined;
    const observedTo = Math.min(w.to, cutoff, stop ?? Number.POSITIVE_INFINITY);
    const closed = w.to <= cutoff || stop !== undefined;
    if (unit === 'rate') {
      const event = happened(metric, t, w, observedTo);
      const achievedNow = negative ? false : event;
      if (stop !== undefined && !(negative ? event : achievedNow)) {
        // Withdrew inside the window before the outcome was settled: excluded, or counted as not
        // achieved (not employed, or, for reconviction, as reconvicted).
        const value = exclude || !negative ? 0 : 1;
        push(w, { counted: !exclude, value, achieved: false, excluded: exclude });
        continue;
      }
      push(w, {
        counted: closed,
        value: event ? 1 : 0,
        achieved: negative ? closed && !event : achievedNow,
        excluded: false,
      });
      continue;
    }
    // Means, counts and money.
    const excluded = exclude && stop !== undefined;
    const value = windowedNumber(metric, t, w, observedTo);
    const counted = !excluded && (unit === 'mean' ? closed : true);
    push(w, { counted, value, achieved: counted, excluded });
  }
  return out;
}

/** numerator ÷ denominator, exactly (the domain's 40 significant digits); 0 over nobody. */
export function exactRatio(numerator: DecimalValue, denominator: number): Decimal {
  return denominator === 0 ? new Decimal(0) : new Decimal(numerator).div(denominator);
}

/** A rate's or mean's figure: numerator ÷ denominator to 6 places (half-even); 0 over nobody. */
export function ratioFigure(numerator: DecimalValue, denominator: number): string {
  return fixed(exactRatio(numerator, denominator));
}

/** A value-of metric's value: the other metric's units times the unit value (minor units). */
export function valueOfUnits(units: bigint, metric: { readonly unitValue: string }): bigint {
  return units * BigInt(metric.unitValue);
}

/** Aggregates participant outcomes of one metric over one group. */
export function aggregateOutcomes(
  metric: Metric,
  outcomes: readonly ParticipantOutcome[],
  level: string,
): {
  value: string;
  numerator: string;
  denominator: number;
  interval?: Interval;
  pending: number;
  excluded: number;
  sum: Decimal;
  sumSquares: Decimal;
} {
  const unit = METRIC_UNITS[metric.kind];
  let n = 0;
  let squares = 0n;
  let total = 0n;
  let pending = 0;
  let excluded = 0;
  for (const o of outcomes) {
    if (o.excluded) excluded++;
    if (!o.counted) {
      if (!o.excluded) pending++;
      continue;
    }
    n++;
    const v = BigInt(o.value);
    total += v;
    squares += v * v;
  }
  // Participant values are whole numbers (events, days, minor units): exact sums in bigint.
  const sum = new Decimal(total.toString());
  const sumSquares = new Decimal(squares.toString());
  if (unit === 'rate' || unit === 'mean') {
    const interval =
      unit === 'rate'
        ? wilsonInterval(Number(total), n, level)
        : meanInterval({ n, sum: sum.toString(), sumSquares: sumSquares.toString() }, level);
    return {
      value: unit === 'rate' ? ratioFigure(total.toString(), n) : ratioFigure(sum, n),
      numerator: total.toString(),
      denominator: n,
      ...(interval === undefined ? {} : { interval }),
      pending,
      excluded,
      sum,
      sumSquares,
    };
  }
  return { value: total.toString(), numerator: total.toString(), denominator: n, pending, excluded, sum, sumSquares };
}

/** Day number of a period's last day. */
export function cutoffOf(period: { readonly to: string }): number {
  return dayNumber(period.to);
}
