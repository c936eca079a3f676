import { monthOf, nextMonthStart } from './calendar.ts';
import { EMPLOYERS, JOB_RETENTION, NOTES, WAGES_RUB } from './population.ts';
import { hashOf, type StopReason, type Story } from './story.ts';

/**
 * A Second Chance participant's jobs: the first as drawn, then (after a
 * non-permanent job ends) sometimes another, up to three; each with its
 * start, job retention support after the first start, the months worked as
 * confirmed by the employer or the tax and pension records, and its end
 * (the contract's, a resignation, a dismissal, or the story's stop).
 */

type ContractType = keyof typeof WAGES_RUB;
type Ending = { reason: 'resigned' | 'dismissed' | 'contract-ended' | 'other'; note?: string };

export interface JobsPlan {
  /** The first job's start day. */
  readonly firstStart: number;
  /** Whether the first job is permanent. */
  readonly permanent: boolean;
  /** The day the story stops, and why (if before the horizon). */
  readonly stop: number;
  readonly stopReason: StopReason | undefined;
}

/** Drafts the participant's jobs, one after another. */
export function draftJobs(story: Story, plan: JobsPlan): void {
  const { rng } = story;
  const { stop, stopReason } = plan;
  let start = plan.firstStart;
  const employers: string[] = [];
  for (let job = 0; job < 3 && start <= stop; job++) {
    const contractType =
      job === 0 && plan.permanent ? 'permanent' : rng.weighted({ 'fixed-term': 0.55, temporary: 0.45 });
    const employerId = rng.pick(
      contractType === 'temporary' ? EMPLOYERS.slice(0, 4) : EMPLOYERS.filter((e) => !employers.includes(e)),
    );
    if (employers.includes(employerId)) break; // seasonal work at the same plant again: leave it at one spell
    employers.push(employerId);
    draftStart(story, job, start, contractType, employerId, stop);
    const { end, ending } = jobEnd(story, contractType, start + plannedDays(story, contractType), plan);
    draftConfirmations(story, employerId, start, end ?? stop);
    if (end === undefined || ending === undefined) break;
    story.drafts.push({ day: end, type: 'employment-ended', source: 'employer', employerId, ...ending });
    if (contractType === 'permanent' || !rng.chance(0.4) || (stopReason !== undefined && end >= stop)) break;
    start = end + rng.int(14, 90);
  }
}

/** The employment-started record (a wage drawn for the contract type) and, after the first start, job retention support. */
function draftStart(
  story: Story,
  job: number,
  start: number,
  contractType: ContractType,
  employerId: string,
  stop: number,
): void {
  const { rng, frame, participant } = story;
  const wage = WAGES_RUB[contractType];
  story.drafts.push({
    day: start,
    type: 'employment-started',
    source: 'employer',
    employerId,
    contractType,
    monthlyWage: String(rng.int(wage.min / 500, wage.max / 500) * 500 * 100),
    documentSha256: hashOf(`synthetic-contract/${frame.seed}/${participant}/${job}`),
  });
  if (job === 0 && frame.profile.serviceTypes.includes(JOB_RETENTION)) {
    const day = start + rng.int(7, 60);
    if (day <= stop)
      story.drafts.push({
        day,
        type: 'service',
        source: 'operator',
        serviceType: JOB_RETENTION,
        provider: 'NKO-RABOTA',
      });
  }
}

/** How long the job is meant to last: seasonal, a fixed term, or (most permanent jobs) open-ended. */
function plannedDays(story: Story, contractType: ContractType): number {
  const { rng } = story;
  if (contractType === 'temporary') return rng.int(60, 200);
  if (contractType === 'fixed-term') return rng.int(90, 365);
  return rng.chance(0.3) ? rng.int(120, 540) : Number.POSITIVE_INFINITY;
}

/** When and why the job ends: as planned if before the stop, or at the stop for custody, a move or death. */
function jobEnd(
  story: Story,
  contractType: ContractType,
  plannedEnd: number,
  plan: JobsPlan,
): { end: number | undefined; ending: Ending | undefined } {
  if (plannedEnd <= plan.stop) return { end: plannedEnd, ending: plannedEnding(story, contractType) };
  switch (plan.stopReason) {
    case 'custody':
      return { end: plan.stop, ending: { reason: 'dismissed', note: NOTES.custody } };
    case 'moved-away':
      return { end: plan.stop, ending: { reason: 'resigned', note: NOTES.movedAway } };
    case 'died':
      return { end: plan.stop, ending: { reason: 'other' } };
    default:
      return { end: undefined, ending: undefined };
  }
}

/** Why a job ended as planned. */
function plannedEnding(story: Story, contractType: ContractType): Ending {
  const { rng } = story;
  if (contractType === 'permanent') {
    return rng.pick([
      { reason: 'resigned', note: NOTES.resigned },
      { reason: 'dismissed', note: NOTES.dismissed },
    ] as const);
  }
  if (contractType === 'temporary') return { reason: 'contract-ended', note: NOTES.seasonEnded };
  return rng.pick([
    { reason: 'contract-ended', note: NOTES.contractEnded },
    { reason: 'contract-ended' },
    { reason: 'resigned', note: NOTES.otherJob },
    { reason: 'dismissed', note: NOTES.dismissed },
  ] as const);
}

/** Months worked, each confirmed early in the next month (employer, tax or pension records). */
function draftConfirmations(story: Story, employerId: string, start: number, lastWorked: number): void {
  const { rng, frame } = story;
  for (let month = start; month <= lastWorked; month = nextMonthStart(month)) {
    const day = nextMonthStart(month) + rng.int(2, 19);
    if (day > frame.horizon) break;
    story.drafts.push({
      day,
      type: 'employment-confirmed',
      source: rng.weighted({ employer: 0.5, 'tax-records': 0.35, 'pension-records': 0.15 } as const),
      employerId,
      month: monthOf(month),
    });
  }
}
