import type { ContractProfile } from '#contracts';
import type { EvidenceInput } from '#evidence';
import { dayNumber, isoDay, monthDays } from '#kernel';
import { consentHash, type Draft, inTimeOrder, participantRecords } from '../participant-records.ts';
import { mixSeed, mulberry32 } from '../random.ts';

/**
 * A seeded Qarmet pilot cohort (Karaganda, 2026): convicts serving a
 * sentence put to work at the employer's sites for the three-month pilot.
 * Who is in which story (late start, never at work, withdrawn, an incident)
 * is drawn from the seed; each participant's dates and wage from their own
 * PRNG.
 */

/** Prefix of Qarmet participant codes (`QR-000012`) and event ids. */
export const QARMET_PREFIX = 'QR';
/** The employer's code in employment records. */
export const QARMET_EMPLOYER = 'QARMET';
/** The penal service (DUIS) of Karaganda and Ulytau regions: round-the-clock supervision. */
const QARMET_SUPERVISOR = 'DUIS-KARAGANDA';
const QARMET_TRAINING = 'QARMET-TRAINING';
/** Default cohort size: a pilot group. */
export const QARMET_PARTICIPANTS = 40;
/** Monthly wages in KZT, drawn in steps of 5,000 KZT. */
export const QARMET_WAGES_KZT = { min: 200_000, max: 350_000, step: 5_000 } as const;
/** Arrivals at the sites: three groups, a week apart, from this day. */
const QARMET_FIRST_ARRIVAL = '2026-02-02';
const VIOLATION_NOTES = [
  'нарушение трудовой дисциплины на объекте',
  'самовольно покинул место проживания',
  'употребление алкоголя на объекте',
] as const;

export interface QarmetOptions {
  /** How many convicts (default 40; at least 10). */
  readonly participants?: number;
  /** Last date any record may carry (default the end of the term): today, while the pilot runs. */
  readonly until?: string;
}

export function qarmetCode(n: number): string {
  return `${QARMET_PREFIX}-${String(n).padStart(6, '0')}`;
}

/** What every participant's records need to know about the contract and the run. */
interface QarmetFrame {
  readonly contract: string;
  readonly cohort: string;
  /** Last day any record may carry. */
  readonly horizon: number;
  readonly firstArrival: number;
  /** Whether the contract has a service type. */
  readonly has: (type: string) => boolean;
}

/** Who is in which story (participant indexes, 0-based). */
interface Stories {
  readonly late: ReadonlySet<number>;
  readonly never: number;
  readonly withdrawn: readonly [number, number];
  readonly dismissed: number;
  readonly incidents: ReadonlySet<number>;
}

/** A participant's own draws, in the order they are drawn. */
interface Draws {
  readonly age: number;
  readonly wageKzt: number;
  readonly lateDays: number;
  readonly exitDay: number;
  readonly violationDay: number;
  readonly trains: boolean;
  readonly trainingDay: number;
}

/**
 * A seeded Qarmet pilot cohort: convicts serving a sentence (low public
 * danger, a good reference, ready to work), arriving at the sites in three
 * groups in February 2026 (cohort pilot-2026, all men). The penal service
 * supervises from arrival; most start work for QARMET on the day they arrive
 * (fixed-term, a monthly wage), a few after some days, one never (found unfit
 * at the medical check), and the employer gives them housing, meals and
 * workwear. The employer confirms each month worked. Three commit a violation
 * (one is taken off the work for it), two leave the pilot (withdrawals), some
 * take skills training in March.
 *
 * Deterministic for a seed; which participants are in which story is drawn
 * from the seed. Every record is dated inside the term and not after
 * `until`; the list, in order, passes validateRecord and checkBatch.
 */
export function qarmetEvidence(profile: ContractProfile, seed: number, options: QarmetOptions = {}): EvidenceInput[] {
  const n = options.participants ?? QARMET_PARTICIPANTS;
  const frame = qarmetFrame(profile, seed, n, options.until);
  const stories = drawStories(seed, n);
  const perParticipant = Array.from({ length: n }, (_, i) =>
    participantRecords(qarmetCode(i + 1), participantDrafts(frame, stories, seed, n, i)),
  );
  return inTimeOrder(perParticipant);
}

function qarmetFrame(profile: ContractProfile, seed: number, n: number, until: string | undefined): QarmetFrame {
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  if (!Number.isSafeInteger(n) || n < 10 || n > 999_999) {
    throw new RangeError('participants must be a whole number from 10 to 999,999');
  }
  const cohort = profile.cohorts[0];
  if (cohort === undefined) throw new RangeError('the profile has no cohort');
  const termFrom = dayNumber(profile.term.from);
  const horizon = Math.min(
    dayNumber(profile.term.to),
    until === undefined ? Number.POSITIVE_INFINITY : dayNumber(until),
  );
  const firstArrival = Math.max(termFrom, dayNumber(QARMET_FIRST_ARRIVAL));
  if (horizon < firstArrival + 14 + 30) {
    throw new RangeError('the term (up to `until`) must run at least six weeks past the first arrival');
  }
  const has = (type: string) => profile.serviceTypes.includes(type);
  return { contract: profile.id, cohort, horizon, firstArrival, has };
}

/** Who is in which story: a seeded shuffle of the participants. */
function drawStories(seed: number, n: number): Stories {
  const pick = mulberry32(mixSeed(seed, 0));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(pick() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const late = new Set(order.slice(0, Math.max(1, Math.round(n / 10))));
  let at = late.size;
  const never = order[at++] as number;
  const withdrawn: [number, number] = [order[at++] as number, order[at++] as number];
  const dismissed = order[at++] as number;
  const incidents = new Set([dismissed, order[at++] as number, order[at++] as number]);
  return { late, never, withdrawn, dismissed, incidents };
}

/** Participant `i`'s own draws, from their PRNG. */
function draw(seed: number, i: number, arrival: number, frame: QarmetFrame): Draws {
  const rng = mulberry32(mixSeed(seed, i + 1));
  const int = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
  const { firstArrival, horizon } = frame;
  const age = int(21, 55);
  const wageKzt =
    QARMET_WAGES_KZT.min +
    QARMET_WAGES_KZT.step * int(0, (QARMET_WAGES_KZT.max - QARMET_WAGES_KZT.min) / QARMET_WAGES_KZT.step);
  const lateDays = int(3, 10);
  const exitDay = int(firstArrival + 30, horizon - 10);
  const violationDay = int(arrival + 14, horizon - 5);
  const trains = rng() < 0.3;
  const trainingDay = int(firstArrival + 30, firstArrival + 50);
  return { age, wageKzt, lateDays, exitDay, violationDay, trains, trainingDay };
}

/** Participant `i`'s drafts: arrival, then (unless never at work) work, its end, training and months confirmed. */
function participantDrafts(frame: QarmetFrame, stories: Stories, seed: number, n: number, i: number): Draft[] {
  const arrival = Math.min(frame.horizon, frame.firstArrival + 7 * Math.floor((3 * i) / n));
  const d = draw(seed, i, arrival, frame);
  const drafts = arrivalDrafts(frame, qarmetCode(i + 1), arrival, d.age);
  if (i === stories.never) return drafts;
  const start = stories.late.has(i) ? arrival + d.lateDays : arrival;
  drafts.push(...workDrafts(frame, start, d.wageKzt));
  const ending = endingDrafts(frame, stories, i, start, d);
  drafts.push(...ending.drafts);
  const { end } = ending;
  if (
    d.trains &&
    frame.has('skills-training') &&
    d.trainingDay <= frame.horizon &&
    d.trainingDay >= start &&
    (end === undefined || d.trainingDay <= end)
  ) {
    drafts.push(employerService('skills-training', d.trainingDay, QARMET_TRAINING));
  }
  drafts.push(...confirmationDrafts(frame, start, end));
  return drafts;
}

const employerService = (serviceType: string, day: number, provider: string): Draft => ({
  type: 'service',
  day,
  source: 'employer',
  serviceType,
  provider,
});

/** The enrolment on arrival and, if the contract has it, the penal service's supervision from that day. */
function arrivalDrafts(frame: QarmetFrame, code: string, arrival: number, age: number): Draft[] {
  const drafts: Draft[] = [
    {
      type: 'enrolment',
      day: arrival,
      source: 'operator',
      cohort: frame.cohort,
      category: 'serving-sentence',
      sex: 'male',
      birthYear: Number(isoDay(arrival).slice(0, 4)) - age,
      consentSha256: consentHash(frame.contract, code),
    },
  ];
  if (frame.has('supervision')) {
    drafts.push({
      type: 'service',
      day: arrival,
      source: 'operator',
      serviceType: 'supervision',
      provider: QARMET_SUPERVISOR,
    });
  }
  return drafts;
}

/** The start of work for the employer, and the upkeep it gives (housing, meals, workwear) from that day. */
function workDrafts(frame: QarmetFrame, start: number, wageKzt: number): Draft[] {
  const drafts: Draft[] = [
    {
      type: 'employment-started',
      day: start,
      source: 'employer',
      employerId: QARMET_EMPLOYER,
      contractType: 'fixed-term',
      monthlyWage: String(wageKzt * 100),
    },
  ];
  for (const type of ['housing', 'meals', 'workwear']) {
    if (frame.has(type)) drafts.push(employerService(type, start, QARMET_EMPLOYER));
  }
  return drafts;
}

/** A withdrawal (the work ends with it), or an incident (the one dismissed is taken off the work the day after). */
function endingDrafts(
  frame: QarmetFrame,
  stories: Stories,
  i: number,
  start: number,
  d: Draws,
): { drafts: Draft[]; end: number | undefined } {
  const w = stories.withdrawn.indexOf(i);
  if (w >= 0) {
    const end = Math.max(start + 1, d.exitDay);
    const drafts: Draft[] = [
      {
        type: 'employment-ended',
        day: end,
        source: 'employer',
        employerId: QARMET_EMPLOYER,
        reason: w === 0 ? 'resigned' : 'other',
        ...(w === 0 ? {} : { note: 'переведён в другое учреждение' }),
      },
      { type: 'withdrawal', day: end, source: 'operator', reason: w === 0 ? 'refused' : 'moved-away' },
    ];
    return { drafts, end };
  }
  if (!stories.incidents.has(i)) return { drafts: [], end: undefined };
  const day = Math.max(start + 1, d.violationDay);
  const drafts: Draft[] = [
    {
      type: 'probation-violation',
      day,
      source: 'probation-service',
      note: VIOLATION_NOTES[i % VIOLATION_NOTES.length] as string,
    },
  ];
  if (i !== stories.dismissed || day + 1 > frame.horizon) return { drafts, end: undefined };
  drafts.push({
    type: 'employment-ended',
    day: day + 1,
    source: 'employer',
    employerId: QARMET_EMPLOYER,
    reason: 'dismissed',
    note: 'отстранён от работы после нарушения',
  });
  return { drafts, end: day + 1 };
}

/** The employer confirms each month worked, on its last day (or on the horizon, for the month running). */
function confirmationDrafts(frame: QarmetFrame, start: number, end: number | undefined): Draft[] {
  const drafts: Draft[] = [];
  for (let first = monthStart(start); first <= frame.horizon; first = monthDays(isoDay(first).slice(0, 7)).last + 1) {
    const last = monthDays(isoDay(first).slice(0, 7)).last;
    if (end !== undefined && end < first) break;
    drafts.push({
      type: 'employment-confirmed',
      day: Math.min(last, frame.horizon),
      source: 'employer',
      employerId: QARMET_EMPLOYER,
      month: isoDay(first).slice(0, 7),
    });
  }
  return drafts;
}

function monthStart(day: number): number {
  return monthDays(isoDay(day).slice(0, 7)).first;
}
