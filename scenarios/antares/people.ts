import { dayNumber } from '#kernel';
import { interleave } from '../interleave.ts';
import { ANTARES_AGE_BANDS, type AntaresStatus, antaresPublished } from './published.ts';

/**
 * Who the Antares A report's 257 "participants of the project" were: the
 * roles its own events account for them by, how the published breakdowns
 * (sex, status, age band) are split among them, and the people that makes,
 * each with a code, an enrolment day and an age. Constructed, not random.
 */

/** Prefix of Antares participant codes (`AA-000123`) and event ids (`aa-000123-01`). */
export const ANTARES_PREFIX = 'AA';

/**
 * Who the 257 "participants of the project" were, as the report's own events
 * account for them (150 surveyed + 39 at the meetings + 68 in the pilot =
 * 257), with a split of the published breakdowns among them that is
 * consistent (youth only up to 29, "aged 50+" only from 50, agency staff and
 * partners never in the pilot). The split is this reconstruction's: the
 * report publishes totals only.
 */
export type AntaresRole = 'pilot' | 'survey-released' | 'survey-staff' | 'meeting-1' | 'meeting-2';

interface RolePlan {
  readonly role: AntaresRole;
  readonly count: number;
  readonly male: number;
  readonly statuses: Readonly<Partial<Record<AntaresStatus, number>>>;
  /** Criminal-law category at enrolment: people released from prison or on probation. */
  readonly categories: Readonly<Partial<Record<'released' | 'probation', number>>>;
  /** Enrolment dates: spread from..to, or all on one day. */
  readonly from: string;
  readonly to: string;
}

/**
 * The category recorded for agency staff and partners (surveyed or at the
 * meetings): the enrolment record requires one of serving-sentence,
 * probation, released, and none fits them. Recorded as `released`, so the
 * contract's participants-by-category figure overstates released people by
 * the number of staff (139); the scenario says so.
 */
export const STAFF_CATEGORY = 'released' as const;

export const ANTARES_ROLES: readonly RolePlan[] = [
  {
    role: 'pilot',
    count: 68,
    male: 60,
    statuses: { unemployed: 30, youth: 18, 'aged-50-plus': 8, disabled: 2, other: 10 },
    categories: { released: 40, probation: 28 },
    from: '2017-07-24',
    to: '2017-10-31',
  },
  {
    role: 'survey-released',
    count: 50,
    male: 44,
    statuses: { unemployed: 18, youth: 13, 'aged-50-plus': 9, other: 10 },
    categories: { released: 25, probation: 25 },
    from: '2017-07-24',
    to: '2017-08-31',
  },
  {
    role: 'survey-staff',
    count: 100,
    male: 62,
    statuses: { 'civil-servant': 48, 'public-sector': 22, ngo: 8, business: 8, other: 14 },
    categories: { [STAFF_CATEGORY]: 100 },
    from: '2017-07-21',
    to: '2017-08-31',
  },
  {
    role: 'meeting-1',
    count: 22,
    male: 17,
    statuses: { 'civil-servant': 9, 'public-sector': 3, ngo: 2, business: 5, other: 3 },
    categories: { [STAFF_CATEGORY]: 22 },
    from: '2017-09-15',
    to: '2017-09-15',
  },
  {
    role: 'meeting-2',
    count: 17,
    male: 14,
    statuses: { 'civil-servant': 6, 'public-sector': 2, ngo: 2, business: 5, other: 2 },
    categories: { [STAFF_CATEGORY]: 17 },
    from: '2017-11-15',
    to: '2017-11-15',
  },
];

/** Youth in Kazakhstan's youth-policy law: up to 29. */
export const YOUTH_MAX_AGE = 29;
/** The oldest age given in the open 59+ band. */
const OLDEST_AGE = 68;

export function antaresCode(n: number): string {
  return `${ANTARES_PREFIX}-${String(n).padStart(6, '0')}`;
}

/** One of the 257: their role, status, sex, category, enrolment day and age. */
export interface AntaresPerson {
  /** Participant number (`AA-000001` is 1), in role order. */
  readonly n: number;
  readonly role: AntaresRole;
  /** Position within the role. */
  readonly index: number;
  readonly status: AntaresStatus;
  readonly sex: 'male' | 'female';
  readonly category: 'released' | 'probation';
  readonly day: number;
  age: number;
}

/** The 257, role by role, with ages that give the published age bands. */
export function antaresPeople(): AntaresPerson[] {
  const people = ANTARES_ROLES.flatMap((plan, r) => peopleOfRole(plan, numberBefore(r)));
  assignAges(people);
  return people;
}

/** How many people the roles before the `r`-th hold. */
function numberBefore(r: number): number {
  return ANTARES_ROLES.slice(0, r).reduce((s, plan) => s + plan.count, 0);
}

/** A role's people (ages still 0): statuses, sexes and categories interleaved, enrolments spread over its dates. */
function peopleOfRole(plan: RolePlan, before: number): AntaresPerson[] {
  const statuses = interleave(plan.statuses);
  const sexes = interleave({ male: plan.male, female: plan.count - plan.male });
  const categories = interleave(plan.categories);
  const from = dayNumber(plan.from);
  const span = dayNumber(plan.to) - from;
  return Array.from({ length: plan.count }, (_, k) => ({
    n: before + k + 1,
    role: plan.role,
    index: k,
    status: statuses[k] as AntaresStatus,
    sex: sexes[k] as 'male' | 'female',
    category: categories[k] as 'released' | 'probation',
    day: from + Math.floor((k * (span + 1)) / plan.count),
    age: 0,
  }));
}

/** Ages of each band, spread evenly over its years (the open band up to OLDEST_AGE). */
function bandAges(band: (typeof ANTARES_AGE_BANDS)[number], count: number): number[] {
  const top = band.to ?? OLDEST_AGE;
  const years = top - band.from + 1;
  return Array.from({ length: count }, (_, k) => band.from + Math.floor((k * years) / count));
}

/** Ages: the published bands' multiset; "aged 50+" the oldest, youth the youngest, the rest spread. */
function assignAges(people: readonly AntaresPerson[]): void {
  const ages = ANTARES_AGE_BANDS.flatMap((band) =>
    bandAges(band, antaresPublished.participants.byAgeBand[band.id]),
  ).sort((a, b) => a - b);
  const aged = people.filter((p) => p.status === 'aged-50-plus');
  const youth = people.filter((p) => p.status === 'youth');
  const rest = people.filter((p) => p.status !== 'aged-50-plus' && p.status !== 'youth');
  for (const [i, p] of aged.entries()) p.age = ages[ages.length - aged.length + i] as number;
  for (const [i, p] of youth.entries()) p.age = ages[i] as number;
  if (youth.some((p) => p.age > YOUTH_MAX_AGE)) throw new Error('the age bands leave too few young ages for youth');
  const middle = ages.slice(youth.length, ages.length - aged.length);
  // A fixed stride coprime with the count: ages spread over roles and statuses, not sorted by code.
  let stride = 151;
  while (gcd(stride, rest.length) !== 1) stride++;
  for (let i = 0; i < rest.length; i++) {
    const p = rest[(i * stride) % rest.length] as AntaresPerson;
    p.age = middle[i] as number;
  }
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
