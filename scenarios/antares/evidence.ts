import type { ContractProfile } from '#contracts';
import type { EvidenceInput } from '#evidence';
import { dayNumber, isoDay } from '#kernel';
import { consentHash, type Draft, inTimeOrder, participantRecords } from '../participant-records.ts';
import { type AntaresPerson, antaresCode, antaresPeople } from './people.ts';
import { ANTARES_SERVICES, type AntaresService, antaresPublished } from './published.ts';

/**
 * The Antares A pilot's evidence, constructed (not random) so that counting
 * it reproduces the report: an enrolment for each of the 257 people, and for
 * the 68 in the pilot the services the report's text lists, per type: who
 * got which service, from which provider, on which day.
 */

/**
 * Which pilot participants (0..67, in enrolment order) got each service: a
 * run of consecutive participants (wrapping), so that everyone gets at least
 * two services (psychological help 0-59 and legal aid 23-67 overlap, the
 * social package covers 0-44, medical referrals 48-67) and nobody gets a
 * type twice. Leisure (the table-tennis tournament) went to the earliest
 * enrolled, on the day of the tournament.
 */
const SERVICE_RUNS: Readonly<Record<AntaresService, number>> = {
  'social-package': 0,
  'medical-referral': 48,
  'addiction-treatment': 10,
  'medical-exam': 30,
  'id-documents': 40,
  education: 50,
  'legal-aid': 23,
  'psychological-help': 0,
  leisure: 0,
};
/** The order services come in over a participant's time in the pilot (leisure on its own date). */
const SERVICE_SEQUENCE: readonly AntaresService[] = [
  'social-package',
  'id-documents',
  'legal-aid',
  'psychological-help',
  'medical-referral',
  'medical-exam',
  'addiction-treatment',
  'education',
];
const LEISURE_DAY = '2017-10-21';
/** Invented provider codes. */
const ANTARES_PROVIDERS: Readonly<Record<AntaresService, readonly string[]>> = {
  'social-package': ['ANTARES-A'],
  'medical-referral': ['POLYCLINIC-UKG'],
  'addiction-treatment': ['NARCOLOGY-VKO'],
  'medical-exam': ['POLYCLINIC-UKG'],
  'id-documents': ['MIGRATION-VKO'],
  // 6 at a training company, 1 through the employment centre, 1 industrial practice (the report).
  education: [
    'TRAINING-CO-01',
    'TRAINING-CO-01',
    'TRAINING-CO-01',
    'CZN-UKG',
    'TRAINING-CO-01',
    'EMPLOYER-PRACTICE-01',
  ],
  'legal-aid': ['ANTARES-A'],
  'psychological-help': ['ANTARES-A'],
  leisure: ['ANTARES-A'],
};

/** Who got which service, and from which provider. */
interface ServicePlan {
  /** Service types per pilot participant (by position among the pilot's people). */
  readonly servicesOf: ReadonlyMap<number, AntaresService[]>;
  /** The provider of `index/type`. */
  readonly providerOf: ReadonlyMap<string, string>;
}

/**
 * The Antares pilot's evidence, constructed so that counting it reproduces
 * the report: 257 enrolments (cohort pilot-2017) whose sex, age at enrolment
 * and status give the published tables exactly, and, for the 68 pilot
 * participants (AA-000001..AA-000068), 210 service records, per type exactly
 * as the report's text lists them. All dated inside the contract's term
 * (2017-07-21..2017-11-21); the survey in July-August, the meetings on their
 * days, the pilot's enrolments July to October.
 *
 * Every record passes validateRecord for the profile (any `today` from
 * 2017-11-21), and the list, in order, passes checkBatch.
 */
export function antaresEvidence(profile: ContractProfile): EvidenceInput[] {
  const cohort = checkProfile(profile);
  const pilotTo = dayNumber(antaresPublished.term.to);
  const people = antaresPeople();
  const plan = servicePlan(people.filter((p) => p.role === 'pilot').length);
  const perParticipant = people.map((p) => {
    const code = antaresCode(p.n);
    const drafts = [enrolment(p, cohort, consentHash(profile.id, code))];
    if (p.role === 'pilot') drafts.push(...serviceDrafts(p, plan, pilotTo));
    return participantRecords(code, drafts);
  });
  return inTimeOrder(perParticipant);
}

/** The profile's first cohort, once the profile is checked to have the services and to cover the pilot's term. */
function checkProfile(profile: ContractProfile): string {
  const cohort = profile.cohorts[0];
  if (cohort === undefined) throw new RangeError('the profile has no cohort');
  const missing = ANTARES_SERVICES.filter((t) => !profile.serviceTypes.includes(t));
  if (missing.length > 0) throw new RangeError(`the profile lacks the service types ${missing.join(', ')}`);
  const termFrom = dayNumber(profile.term.from);
  const termTo = dayNumber(profile.term.to);
  const { term } = antaresPublished;
  if (termFrom > dayNumber(term.from) || termTo < dayNumber(term.to)) {
    throw new RangeError(`the profile's term must cover the pilot's, ${term.from}..${term.to}`);
  }
  return cohort;
}

/** Each service type to its run of pilot participants, with providers taken in turn. */
function servicePlan(pilotSize: number): ServicePlan {
  const servicesOf = new Map<number, AntaresService[]>();
  const providerOf = new Map<string, string>();
  for (const type of ANTARES_SERVICES) {
    const count = antaresPublished.services[type];
    for (let k = 0; k < count; k++) {
      const index = (SERVICE_RUNS[type] + k) % pilotSize;
      const list = servicesOf.get(index) ?? [];
      list.push(type);
      servicesOf.set(index, list);
      const providers = ANTARES_PROVIDERS[type];
      providerOf.set(`${index}/${type}`, providers[k % providers.length] as string);
    }
  }
  return { servicesOf, providerOf };
}

function enrolment(p: AntaresPerson, cohort: string, consentSha256: string): Draft {
  return {
    type: 'enrolment',
    day: p.day,
    source: 'operator',
    cohort,
    category: p.category,
    sex: p.sex,
    birthYear: Number(isoDay(p.day).slice(0, 4)) - p.age,
    consentSha256,
    status: p.status,
  };
}

/** A pilot participant's services: spread over their time in the pilot, in sequence; leisure on its day. */
function serviceDrafts(p: AntaresPerson, plan: ServicePlan, pilotTo: number): Draft[] {
  const types = plan.servicesOf.get(p.index) ?? [];
  const sequence = SERVICE_SEQUENCE.filter((t) => types.includes(t));
  const service = (type: AntaresService, day: number): Draft => ({
    type: 'service',
    day,
    source: 'operator',
    serviceType: type,
    provider: plan.providerOf.get(`${p.index}/${type}`) as string,
  });
  const drafts = sequence.map((type, j) =>
    service(type, p.day + Math.floor(((j + 1) * (pilotTo - p.day)) / (sequence.length + 1))),
  );
  if (types.includes('leisure')) drafts.push(service('leisure', Math.max(p.day, dayNumber(LEISURE_DAY))));
  return drafts;
}
