import type { EvidenceInput } from '#evidence';
import { mix, Rng } from '../random.ts';
import { toIso } from './calendar.ts';
import type { Frame } from './frame.ts';
import { draftJobs } from './jobs.ts';
import {
  CATEGORY_MIX,
  DEFAULT_PROVIDERS,
  INSTITUTIONS,
  MALE_SHARE,
  NOTES,
  PROGRAMME_RATES,
  PROVIDERS,
  participantCode,
} from './population.ts';
import { type CorrectionDraft, type Draft, hashOf, numbered, type StopReason, type Story } from './story.ts';

/**
 * One Second Chance participant's timeline: enrolment, what happens to them
 * (drawn up front so the rates hold), release, reconviction or withdrawal,
 * services, jobs (jobs.ts), a probation violation and, for one participant of
 * the cohort, a correction. Every draw comes from the participant's own PRNG,
 * in a fixed order: the same seed and number give the same person.
 */

type Category = keyof typeof CATEGORY_MIX;

/** What happens to a participant, drawn right after enrolment. */
interface Fate {
  readonly employed: boolean;
  readonly permanent: boolean;
  readonly reconvicted: boolean;
  readonly withdrawn: boolean;
  readonly violates: boolean;
}

/** Where the story stops: the horizon, or an arrest held in custody, or a withdrawal. */
interface Stop {
  readonly stop: number;
  readonly stopReason: StopReason | undefined;
}

/** One participant's records, in time order; event ids numbered in that order. */
export function participantTimeline(n: number, frame: Frame, withCorrection: boolean): EvidenceInput[] {
  const story: Story = { rng: new Rng(mix(frame.seed, n)), frame, participant: participantCode(n), drafts: [] };
  const { rng } = story;
  const { horizon } = frame;
  const { enrolled, category } = draftEnrolment(story);
  const fate = drawFate(rng, category);
  const free = draftRelease(story, enrolled, category, fate.employed);
  // First job start (before any reconviction or withdrawal, so the employment rate holds).
  const firstStart =
    fate.employed && free !== undefined ? free + rng.int(7, Math.max(7, Math.min(150, horizon - free - 7))) : undefined;
  const { stop, stopReason } = draftStop(story, fate, enrolled, free, firstStart);
  const firstService = draftServices(story, enrolled, stop);
  if (firstStart !== undefined && firstStart <= stop) {
    draftJobs(story, { firstStart, permanent: fate.permanent, stop, stopReason });
  }
  if (fate.violates) draftViolation(story, enrolled, stop);
  const correction = withCorrection ? draftCorrection(story, firstService) : undefined;
  return numbered(story, correction);
}

/** The enrolment: its day, category, sex, age and consent. */
function draftEnrolment(story: Story): { enrolled: number; category: Category } {
  const { rng, frame, participant } = story;
  const enrolled = rng.int(frame.enrolFrom, frame.enrolTo);
  const category = rng.weighted(CATEGORY_MIX);
  const age = rng.chance(0.1) ? rng.int(45, 60) : 20 + rng.int(0, 13) + rng.int(0, 13);
  story.drafts.push({
    day: enrolled,
    type: 'enrolment',
    source: 'operator',
    cohort: frame.cohortOf(enrolled),
    category,
    sex: rng.chance(MALE_SHARE) ? 'male' : 'female',
    birthYear: Number(toIso(enrolled).slice(0, 4)) - age,
    consentSha256: hashOf(`synthetic-consent/${frame.seed}/${participant}`),
  });
  return { enrolled, category };
}

function drawFate(rng: Rng, category: Category): Fate {
  const employed = rng.chance(PROGRAMME_RATES.employed);
  const permanent = employed && rng.chance(PROGRAMME_RATES.permanent / PROGRAMME_RATES.employed);
  const reconvicted = rng.chance(PROGRAMME_RATES.reconvicted);
  const withdrawn = !reconvicted && rng.chance(PROGRAMME_RATES.withdrawn);
  const violates = category === 'probation' && rng.chance(PROGRAMME_RATES.probationViolation);
  return { employed, permanent, reconvicted, withdrawn, violates };
}

/**
 * Free from: enrolment, or release for those serving a sentence (employed
 * ones are always released in time); undefined for those never released.
 */
function draftRelease(story: Story, enrolled: number, category: Category, employed: boolean): number | undefined {
  if (category !== 'serving-sentence') return enrolled;
  const { rng, frame } = story;
  if (!(employed || rng.chance(PROGRAMME_RATES.released))) return undefined;
  const latest = frame.horizon - (employed ? 21 : 1) - enrolled;
  const free = enrolled + rng.int(Math.min(30, latest), Math.min(365, latest));
  story.drafts.push({ day: free, type: 'release', source: 'probation-service', institution: rng.pick(INSTITUTIONS) });
  return free;
}

/** The end of the story: arrest (custody), conviction, or withdrawal. */
function draftStop(
  story: Story,
  fate: Fate,
  enrolled: number,
  free: number | undefined,
  firstStart: number | undefined,
): Stop {
  let stop: Stop = { stop: story.frame.horizon, stopReason: undefined };
  if (fate.reconvicted && free !== undefined) {
    const arrest = draftReconviction(story, Math.max(free, firstStart ?? free) + 30);
    if (arrest !== undefined) stop = { stop: arrest, stopReason: 'custody' };
  }
  if (fate.withdrawn) {
    const withdrawal = draftWithdrawal(story, Math.max(enrolled, firstStart ?? enrolled) + 30);
    if (withdrawal !== undefined) stop = withdrawal;
  }
  return stop;
}

/** A new offence from `lo`, its conviction and maybe custody from arrest; the arrest day if held in custody. */
function draftReconviction(story: Story, lo: number): number | undefined {
  const { rng, frame, participant } = story;
  const hi = frame.horizon - 40;
  if (lo > hi) return undefined;
  const offence = rng.int(lo, hi);
  const custody = rng.chance(PROGRAMME_RATES.custodyAfterArrest);
  const arrest = offence + rng.int(0, 10);
  const conviction = Math.min(frame.horizon, arrest + rng.int(30, 150));
  if (custody) story.drafts.push({ day: arrest, type: 'custody-spell', source: 'court', to: toIso(conviction) });
  // Without custody (a suspended sentence) life, and work, go on.
  story.drafts.push({
    day: conviction,
    type: 'reconviction',
    source: 'court',
    offenceDate: toIso(offence),
    documentSha256: hashOf(`synthetic-verdict/${frame.seed}/${participant}`),
  });
  return custody ? arrest : undefined;
}

/** Leaving the programme from `lo` on (moved away, refused, died). */
function draftWithdrawal(story: Story, lo: number): Stop | undefined {
  const { rng, frame } = story;
  if (lo > frame.horizon - 1) return undefined;
  const day = rng.int(lo, frame.horizon - 1);
  const reason = rng.weighted({ 'moved-away': 0.6, refused: 0.35, died: 0.05 } as const);
  story.drafts.push({ day, type: 'withdrawal', source: 'operator', reason });
  return { stop: day, stopReason: reason };
}

/** One to four services in the first half year; returns the first. */
function draftServices(story: Story, enrolled: number, stop: number): Draft | undefined {
  const { rng, frame } = story;
  const services = rng.int(1, 4);
  const serviceDays: number[] = [];
  for (let i = 0; i < services; i++)
    serviceDays.push(enrolled + rng.int(0, Math.max(0, Math.min(180, stop - enrolled))));
  serviceDays.sort((a, b) => a - b);
  let firstService: Draft | undefined;
  for (const day of serviceDays) {
    const serviceType = rng.weighted(frame.serviceWeights);
    const provider = rng.pick(PROVIDERS[serviceType] ?? DEFAULT_PROVIDERS);
    const draft: Draft = {
      day,
      type: 'service',
      source: provider.startsWith('CZN-') ? 'employment-centre' : 'operator',
      serviceType,
      provider,
    };
    firstService ??= draft;
    story.drafts.push(draft);
  }
  return firstService;
}

/** A probation violation inside the first ten months (most with a note). */
function draftViolation(story: Story, enrolled: number, stop: number): void {
  const { rng } = story;
  const day = enrolled + rng.int(14, Math.max(14, Math.min(300, stop - enrolled)));
  if (day > stop) return;
  const withNote = rng.chance(0.7);
  story.drafts.push({
    day,
    type: 'probation-violation',
    source: 'probation-service',
    ...(withNote ? { note: rng.pick(NOTES.violations) } : {}),
  });
}

/** The one correction: the first service was recorded with the wrong provider; superseded, and recorded again. */
function draftCorrection(story: Story, firstService: Draft | undefined): CorrectionDraft | undefined {
  if (firstService?.type !== 'service') return undefined;
  const wrong = firstService;
  const providers = PROVIDERS[wrong.serviceType] ?? DEFAULT_PROVIDERS;
  const right = providers.find((p) => p !== wrong.provider) ?? `${wrong.provider}-2`;
  story.drafts.push({ ...wrong, provider: right });
  const draft: Draft = {
    day: Math.min(story.frame.horizon, wrong.day + story.rng.int(3, 30)),
    type: 'correction',
    source: 'operator',
    supersedes: '',
    reason: NOTES.correction,
  };
  story.drafts.push(draft);
  return { draft, supersedes: wrong };
}
