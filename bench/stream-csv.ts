import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import { CATEGORIES, type ContractProfile } from '#contracts';
import { ALL_FIELDS, CONTRACT_TYPES } from '#evidence';
import { loadProfile } from '../functions/shared/contracts.ts';
import { mulberry32 } from '../scenarios/random.ts';

/**
 * The batch the streaming benchmark ingests: a seeded CSV of evidence written
 * to a file as a stream (~5 records per participant: an enrolment, then a few
 * more events, all valid together), for the contract profile and the day the
 * benchmark uses. Every run writes the same file.
 */

/** The day the benchmark's batch is dated up to and ingested on. */
export const TODAY = '2026-04-01';

/** The Second Chance profile under the benchmark's own contract id. */
export const benchProfile = async (): Promise<ContractProfile> => ({
  ...(await loadProfile('second-chance-kamchatka')),
  id: 'bench-stream',
});

const DAY = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const isoOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

const CONSENT = createHash('sha256').update('consent form').digest('hex');
const EMPLOYERS = Array.from({ length: 60 }, (_, i) => `EMP-${String(i + 1).padStart(3, '0')}`);

type Row = Record<string, string | number>;

/** One participant being written: their code, the term, the shared PRNG, and the next event id. */
interface Writing {
  readonly ref: string;
  readonly termStart: number;
  readonly termEnd: number;
  readonly rnd: () => number;
  readonly profile: ContractProfile;
  readonly id: () => string;
}

/** The job a participant holds, and since when. */
type Employer = { readonly id: string; readonly since: number };

/**
 * The events of one participant, in time order: an enrolment, then up to
 * `extra` further events (services, releases, employment started / confirmed
 * / ended, reconvictions, probation violations, custody spells, corrections,
 * a withdrawal), all inside the contract term and valid together.
 */
function participantEvents(p: number, extra: number, rnd: () => number, profile: ContractProfile): Row[] {
  const ref = `KC-${String(p).padStart(7, '0')}`;
  let k = 0;
  const termStart = dayOf(profile.term.from);
  const termEnd = Math.min(dayOf(profile.term.to), dayOf(TODAY));
  const w: Writing = { ref, termStart, termEnd, rnd, profile, id: () => `${ref}-${String(k++).padStart(2, '0')}` };
  let day = termStart + Math.floor(rnd() * (termEnd - termStart - 200));
  const rows: Row[] = [enrolment(w, p, day)];
  let employer: Employer | undefined;
  for (let e = 0; e < extra; e++) {
    day += 1 + Math.floor(rnd() * 20);
    if (day > termEnd) break;
    const common = { eventId: w.id(), participant: ref, date: isoOf(day) };
    const roll = rnd();
    const row = employer ? whileEmployed(common, roll, employer, day) : whileFree(w, common, roll, day, rows);
    rows.push(row);
    if (row.type === 'employment-ended') employer = undefined;
    if (row.type === 'employment-started') employer = { id: row.employerId as string, since: day };
    if (row.type === 'withdrawal') break;
  }
  return rows;
}

function enrolment(w: Writing, p: number, day: number): Row {
  const enrolDate = isoOf(day);
  const year = enrolDate.slice(0, 4);
  const { profile, rnd } = w;
  const cohort = profile.cohorts.includes(year) ? year : (profile.cohorts[profile.cohorts.length - 1] as string);
  return {
    eventId: w.id(),
    participant: w.ref,
    type: 'enrolment',
    date: enrolDate,
    source: 'operator',
    cohort,
    category: CATEGORIES[p % 3] as string,
    sex: rnd() < 0.85 ? 'male' : 'female',
    birthYear: Number(year) - 20 - Math.floor(rnd() * 35),
    consentSha256: CONSENT,
  };
}

/** The next event of someone in a job: a month confirmed, the job's end, or job retention support. */
function whileEmployed(common: Row, roll: number, employer: Employer, day: number): Row {
  if (roll < 0.6 && day - employer.since > 35) {
    // A month worked and confirmed from tax records: the month before the record's.
    const month = isoOf(day - 31).slice(0, 7);
    return { ...common, type: 'employment-confirmed', source: 'tax-records', employerId: employer.id, month };
  }
  if (roll < 0.8) {
    return { ...common, type: 'employment-ended', source: 'employer', employerId: employer.id, reason: 'resigned' };
  }
  return {
    ...common,
    type: 'service',
    source: 'operator',
    serviceType: 'job-retention-support',
    provider: 'KAMCHATKA-CZN',
  };
}

/** The next event of someone not in a job (a withdrawal ends the participant's events). */
function whileFree(w: Writing, common: Row, roll: number, day: number, rows: readonly Row[]): Row {
  const { rnd, profile } = w;
  if (roll < 0.4) {
    const serviceType = profile.serviceTypes[Math.floor(rnd() * profile.serviceTypes.length)] as string;
    return { ...common, type: 'service', source: 'operator', serviceType, provider: 'KAMCHATKA-CZN' };
  }
  if (roll < 0.7) {
    return {
      ...common,
      type: 'employment-started',
      source: 'employer',
      employerId: EMPLOYERS[Math.floor(rnd() * EMPLOYERS.length)] as string,
      contractType: CONTRACT_TYPES[Math.floor(rnd() * 3)] as string,
      monthlyWage: String(3_500_000 + Math.floor(rnd() * 60) * 50_000),
    };
  }
  if (roll < 0.78) return { ...common, type: 'release', source: 'probation-service', institution: 'IK-6' };
  if (roll < 0.84) return { ...common, type: 'probation-violation', source: 'probation-service' };
  if (roll < 0.88) {
    const offenceDate = isoOf(Math.max(w.termStart, day - 30 - Math.floor(rnd() * 60)));
    return { ...common, type: 'reconviction', source: 'court', offenceDate };
  }
  if (roll < 0.92) {
    return { ...common, type: 'custody-spell', source: 'probation-service', to: isoOf(Math.min(day + 10, w.termEnd)) };
  }
  if (roll < 0.98 && rows.length > 1) {
    const previous = rows[rows.length - 1] as Row;
    const supersedes = previous.eventId as string;
    return { ...common, type: 'correction', source: 'operator', supersedes, reason: 'data entry error' };
  }
  return { ...common, type: 'withdrawal', source: 'operator', reason: 'moved-away' };
}

const csvLine = (row: Row) => `${ALL_FIELDS.map((f) => row[f] ?? '').join(',')}\n`;

/** Writes `records` rows of seeded evidence to `file`, streaming; returns the participant count. */
export async function writeSyntheticCsv(
  file: string,
  records: number,
  profile: ContractProfile,
  seed = 20_260_401,
): Promise<{ participants: number; bytes: number }> {
  const rnd = mulberry32(seed);
  const out = createWriteStream(file);
  let buffer = `${ALL_FIELDS.join(',')}\n`;
  let written = 0;
  let p = 0;
  while (written < records) {
    // 1 + 0..8 events: 5 per participant on average, so ~records / 5 participants.
    const rows = participantEvents(p++, Math.floor(rnd() * 9), rnd, profile).slice(0, records - written);
    for (const row of rows) buffer += csvLine(row);
    written += rows.length;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { participants: p, bytes: statSync(file).size };
}
