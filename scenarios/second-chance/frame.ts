import type { ContractProfile } from '#contracts';
import { endOfMonthBefore, toDays, toIso } from './calendar.ts';
import { JOB_RETENTION, MIN_TERM_DAYS, SERVICE_WEIGHTS } from './population.ts';

/**
 * What every Second Chance participant's timeline needs to know about the
 * contract: the last day events may carry, the enrolment window, the cohort
 * of an enrolment day, and the weights of the contract's service types.
 */

export interface Frame {
  readonly seed: number;
  readonly profile: ContractProfile;
  /** Last day any event may carry. */
  readonly horizon: number;
  /** Enrolments happen from..to (whole days). */
  readonly enrolFrom: number;
  readonly enrolTo: number;
  readonly cohortOf: (days: number) => string;
  readonly serviceWeights: Readonly<Record<string, number>>;
}

/** The frame of a cohort generated for `profile` up to `until` (default: the end of the term). */
export function frameOf(seed: number, profile: ContractProfile, until: string | undefined): Frame {
  const termFrom = toDays(profile.term.from);
  const horizon = Math.min(toDays(profile.term.to), until === undefined ? Number.POSITIVE_INFINITY : toDays(until));
  if (!Number.isFinite(horizon)) throw new RangeError('until must be a date written YYYY-MM-DD');
  if (horizon - termFrom < MIN_TERM_DAYS) {
    throw new RangeError(`the term (up to \`until\`) must last at least ${MIN_TERM_DAYS} days`);
  }
  // Enrolments end three months before the last month (a short pilot: in its first third).
  const enrolTo = Math.max(endOfMonthBefore(horizon, 3), termFrom + Math.floor((horizon - termFrom) / 3));
  const cohortOf = cohortOfDay(profile, termFrom, enrolTo);
  return { seed, profile, horizon, enrolFrom: termFrom, enrolTo, cohortOf, serviceWeights: serviceWeightsOf(profile) };
}

/**
 * The cohort of an enrolment day: the year's, for cohorts named by year (the
 * nearest for years outside them); otherwise the enrolment window cut into
 * equal parts, in the profile's order.
 */
function cohortOfDay(profile: ContractProfile, termFrom: number, enrolTo: number): (days: number) => string {
  const years = profile.cohorts.every((c) => /^[0-9]{4}$/.test(c)) ? profile.cohorts.map(Number) : undefined;
  const span = enrolTo - termFrom + 1;
  return (days: number): string => {
    if (years) {
      const year = Number(toIso(days).slice(0, 4));
      const exact = profile.cohorts[years.indexOf(year)];
      if (exact !== undefined) return exact;
      return year < Math.min(...years) ? String(Math.min(...years)) : String(Math.max(...years));
    }
    const part = Math.min(profile.cohorts.length - 1, Math.floor(((days - termFrom) / span) * profile.cohorts.length));
    return profile.cohorts[part] as string;
  };
}

/** The contract's service types but job retention (for the employed only), with their weights. */
function serviceWeightsOf(profile: ContractProfile): Readonly<Record<string, number>> {
  const serviceWeights = Object.fromEntries(
    profile.serviceTypes.filter((t) => t !== JOB_RETENTION).map((t) => [t, SERVICE_WEIGHTS[t] ?? 1]),
  );
  // A profile whose only service is job retention still gets services.
  return Object.keys(serviceWeights).length > 0 ? serviceWeights : { [JOB_RETENTION]: 1 };
}
