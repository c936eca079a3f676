import type { ContractProfile } from '#contracts';
import { type EvidenceInput, STATUSES, type StoredRecord } from '#evidence';
import { dayNumber, isoDay, monthDays, sha256, toHex, utf8 } from '#kernel';
import { mulberry32 } from './synthetic-cohort.ts';

/**
 * Evidence for the two other programmes of the seed (DOMAIN.md 2.2 and 2.3),
 * for the `--scenario antares` and `--scenario qarmet` runs and their tests.
 * Pure and deterministic, like scenarios/synthetic-cohort.ts: operator codes
 * (`AA-000123`, `QR-000012`), invented provider and institution codes, no
 * names, no national IDs.
 *
 * - Antares A (East Kazakhstan, 2017): NOT random. The records are
 *   constructed so that counting them gives every figure of the fund's
 *   report: the 257 "participants of the project" by sex, age band and social
 *   status, the 68 in the pilot, and the services per type as the report's
 *   text lists them. `antaresPublished` holds the report's figures as
 *   published, and `antaresFlags` the arithmetic showing where they do not
 *   add up (the listed services sum to 210, not the 188 reported).
 * - Qarmet (Karaganda, 2026): a small seeded cohort of convicts put to work
 *   at the employer's sites for the three-month pilot.
 */

// ---- Shared helpers

/** Event ids `aa-000123-01` for a participant's drafts, in the order given; records sorted by date. */
type Draft = Record<string, unknown> & { readonly type: string; readonly day: number };

function participantRecords(code: string, drafts: readonly Draft[]): EvidenceInput[] {
  const ordered = drafts.map((d, i) => ({ d, i })).sort((a, b) => a.d.day - b.d.day || a.i - b.i);
  const prefix = code.toLowerCase();
  return ordered.map(({ d }, i) => {
    const { day, type, ...rest } = d;
    return {
      eventId: `${prefix}-${String(i + 1).padStart(2, '0')}`,
      participant: code,
      type,
      date: isoDay(day),
      ...rest,
    } as unknown as EvidenceInput;
  });
}

/** All participants' records in time order (same day: participant number, then the participant's own order). */
function inTimeOrder(perParticipant: readonly EvidenceInput[][]): EvidenceInput[] {
  const all = perParticipant.flatMap((records, n) => records.map((record, pos) => ({ record, n, pos })));
  all.sort((a, b) =>
    a.record.date < b.record.date ? -1 : a.record.date > b.record.date ? 1 : a.n - b.n || a.pos - b.pos,
  );
  return all.map((a) => a.record);
}

const consentHash = (contract: string, code: string): string =>
  toHex(sha256(utf8(`consent form of ${code} for ${contract}`)));

/**
 * Interleaves groups: a sequence of `sum(counts)` keys holding each key
 * `counts[key]` times, spread evenly (at each step the key furthest behind
 * its share; ties to the earlier key). Deterministic.
 */
export function interleave<K extends string>(counts: Readonly<Partial<Record<K, number>>>): K[] {
  const entries = Object.entries(counts).filter(([, n]) => (n as number) > 0) as [K, number][];
  const total = entries.reduce((s, [, n]) => s + n, 0);
  const given = new Map<K, number>(entries.map(([k]) => [k, 0]));
  const out: K[] = [];
  for (let step = 1; step <= total; step++) {
    let best: K | undefined;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    for (const [k, n] of entries) {
      const have = given.get(k) ?? 0;
      if (have >= n) continue;
      const deficit = (step * n) / total - have;
      if (deficit > bestDeficit) {
        best = k;
        bestDeficit = deficit;
      }
    }
    const chosen = best as K;
    given.set(chosen, (given.get(chosen) ?? 0) + 1);
    out.push(chosen);
  }
  return out;
}

const sum = (values: Iterable<number>): number => {
  let s = 0;
  for (const v of values) s += v;
  return s;
};

// ---- Antares A: the report as published

/** The Antares contract's service types (contracts/antares-vko-2017.json), in the report's order. */
export const ANTARES_SERVICES = [
  'social-package',
  'medical-referral',
  'addiction-treatment',
  'medical-exam',
  'id-documents',
  'education',
  'legal-aid',
  'psychological-help',
  'leisure',
] as const;
export type AntaresService = (typeof ANTARES_SERVICES)[number];

/** The report's social statuses, as the enrolment field `status` records them (children apart: there were none). */
export const ANTARES_STATUSES = STATUSES;
export type AntaresStatus = (typeof ANTARES_STATUSES)[number];

/** The report's age bands (the contract's, plus 13-16, which the report lists with nobody in it). */
export const ANTARES_AGE_BANDS = [
  { id: '13-16', from: 13, to: 16 },
  { id: '17-22', from: 17, to: 22 },
  { id: '23-27', from: 23, to: 27 },
  { id: '28-32', from: 28, to: 32 },
  { id: '33-45', from: 33, to: 45 },
  { id: '46-58', from: 46, to: 58 },
  { id: '59+', from: 59, to: undefined },
] as const;
export type AntaresAgeBand = (typeof ANTARES_AGE_BANDS)[number]['id'];

const ANTARES_SERVICE_COUNTS: Readonly<Record<AntaresService, number>> = {
  'social-package': 45,
  'medical-referral': 20,
  'addiction-treatment': 15,
  'medical-exam': 5,
  'id-documents': 4,
  education: 8,
  'legal-aid': 45,
  'psychological-help': 60,
  leisure: 8,
};

/** The report's figures, as numbers. */
export interface AntaresFigures {
  readonly source: string;
  readonly term: { readonly from: string; readonly to: string };
  readonly grantKzt: number;
  readonly survey: { readonly staff: number; readonly released: number; readonly total: number };
  readonly meetings: { readonly first: number; readonly second: number; readonly total: number };
  readonly appliedMoreThan: number;
  readonly pilot: { readonly enrolled: number; readonly planned: number; readonly services: number };
  readonly services: Readonly<Record<AntaresService, number>>;
  readonly servicesPlanned: Readonly<Partial<Record<AntaresService, number>>>;
  readonly socialPackageRefused: {
    readonly notInHardship: number;
    readonly outOfStock: number;
    readonly total: number;
  };
  readonly addictionTreatment: { readonly asked: number; readonly didNotFollowThrough: number };
  readonly education: {
    readonly trainingCompany: number;
    readonly employmentCentre: number;
    readonly industrialPractice: number;
  };
  readonly participants: {
    readonly total: number;
    readonly bySex: Readonly<Record<'male' | 'female', number>>;
    readonly children: number;
    readonly byStatus: Readonly<Record<AntaresStatus, number>>;
    readonly byAgeBand: Readonly<Record<AntaresAgeBand, number>>;
  };
}

const PUBLISHED: AntaresFigures = {
  source:
    'ОФ «Антарес А», отчёт о реализации социального проекта по государственному гранту, 2017 (seed 001; DOMAIN.md 2.2)',
  term: { from: '2017-07-21', to: '2017-11-21' },
  grantKzt: 2_485_260,
  /** Event 1: the survey (July-August 2017). */
  survey: { staff: 100, released: 50, total: 150 },
  /** Events 2 and 4: the working meetings of 15 September and 15 November 2017. */
  meetings: { first: 22, second: 17, total: 39 },
  /** "За помощью обратилось свыше 90 человек." */
  appliedMoreThan: 90,
  /** Event 3: "охвачено 68 человек (заявлено 30 человек) ... количество услуг ... составило 188". */
  pilot: { enrolled: 68, planned: 30, services: 188 },
  /** The services as the report's text lists them (people served per type). */
  services: ANTARES_SERVICE_COUNTS,
  servicesPlanned: { leisure: 30 },
  /** "Получили отказ в данной услуге 13 человек: 11 ... 2 ...". */
  socialPackageRefused: { notInHardship: 11, outOfStock: 2, total: 13 },
  /** "обратилось 26 человек. 6 человек ... так и не получили услугу". */
  addictionTreatment: { asked: 26, didNotFollowThrough: 6 },
  /** "6 человек обучаются в ТОО «Практикум», 1 ... Центр занятости и 1 ... производственную практику". */
  education: { trainingCompany: 6, employmentCentre: 1, industrialPractice: 1 },
  /** The three tables "Количество участников проекта всего". */
  participants: {
    total: 257,
    bySex: { male: 197, female: 60 },
    /** "Дети (в том числе дети-инвалиды)": 0; no status of the evidence model. */
    children: 0,
    byStatus: {
      youth: 31,
      'civil-servant': 63,
      'public-sector': 27,
      disabled: 2,
      'aged-50-plus': 17,
      unemployed: 48,
      ngo: 12,
      business: 18,
      other: 39,
    },
    byAgeBand: {
      '13-16': 0,
      '17-22': 34,
      '23-27': 47,
      '28-32': 71,
      '33-45': 52,
      '46-58': 36,
      '59+': 17,
    },
  },
};

/** The arithmetic over the published figures that the flags rest on. */
export interface AntaresArithmetic {
  /** Sum of the nine service counts as listed: 210. */
  readonly servicesListed: number;
  /** The total the report states: 188. */
  readonly servicesReported: number;
  /** servicesListed - servicesReported: 22. */
  readonly servicesGap: number;
  /** Services per pilot participant on the reported total (188 / 68). */
  readonly servicesPerParticipantReported: number;
  /** Survey + meetings + pilot: 150 + 39 + 68 = 257. */
  readonly reached: number;
  readonly sexSum: number;
  readonly statusSum: number;
  readonly ageSum: number;
  /** Staff and partners among the statuses: civil servants, public-sector, NGO and business. */
  readonly staffStatuses: number;
  /** Addiction treatment asked for minus those who did not follow through: 26 - 6 = 20. */
  readonly addictionTreatmentExpected: number;
  /** Enrolled as a share of the plan: 68 / 30. */
  readonly enrolledOfPlan: number;
  /** Leisure delivered as a share of its plan: 8 / 30. */
  readonly leisureOfPlan: number;
  /** Social package given plus refused: 45 + 13 (at most the 68 enrolled). */
  readonly socialPackageAsked: number;
  /** The education breakdown: 6 + 1 + 1. */
  readonly educationSum: number;
}

export type AntaresPublished = AntaresFigures & { readonly arithmetic: AntaresArithmetic };

/** The arithmetic over a set of Antares figures. */
export function antaresArithmetic(p: AntaresFigures): AntaresArithmetic {
  const servicesListed = sum(Object.values(p.services));
  return {
    servicesListed,
    servicesReported: p.pilot.services,
    servicesGap: servicesListed - p.pilot.services,
    servicesPerParticipantReported: p.pilot.services / p.pilot.enrolled,
    reached: p.survey.total + p.meetings.total + p.pilot.enrolled,
    sexSum: sum(Object.values(p.participants.bySex)),
    statusSum: p.participants.children + sum(Object.values(p.participants.byStatus)),
    ageSum: sum(Object.values(p.participants.byAgeBand)),
    staffStatuses:
      p.participants.byStatus['civil-servant'] +
      p.participants.byStatus['public-sector'] +
      p.participants.byStatus.ngo +
      p.participants.byStatus.business,
    addictionTreatmentExpected: p.addictionTreatment.asked - p.addictionTreatment.didNotFollowThrough,
    enrolledOfPlan: p.pilot.enrolled / p.pilot.planned,
    leisureOfPlan: p.services.leisure / (p.servicesPlanned.leisure ?? 1),
    socialPackageAsked: p.services['social-package'] + p.socialPackageRefused.total,
    educationSum: p.education.trainingCompany + p.education.employmentCentre + p.education.industrialPractice,
  };
}

/** The Antares A report's figures as published (DOMAIN.md 2.2), with the arithmetic over them. */
export const antaresPublished: AntaresPublished = { ...PUBLISHED, arithmetic: antaresArithmetic(PUBLISHED) };

export interface AntaresFlag {
  readonly id: string;
  /** Plain English, with the numbers. */
  readonly message: string;
}

const pct = (share: number) => `${Math.round(share * 100)}%`;

/**
 * Where the published figures do not add up (or depart from the plan), from
 * the arithmetic alone: what a reader of the report can check without any
 * evidence.
 */
export function antaresFlags(p: AntaresFigures = antaresPublished): AntaresFlag[] {
  const a = antaresArithmetic(p);
  const flags: AntaresFlag[] = [];
  if (a.servicesGap !== 0) {
    flags.push({
      id: 'services-total',
      message: `the nine service counts listed sum to ${a.servicesListed}, not the ${a.servicesReported} services reported (${Math.abs(a.servicesGap)} ${a.servicesGap > 0 ? 'more' : 'fewer'} listed than reported)`,
    });
  }
  if (p.participants.total !== p.pilot.enrolled) {
    flags.push({
      id: 'participants-scope',
      message:
        `the breakdowns by sex, status and age cover ${p.participants.total} "participants of the project", not the ${p.pilot.enrolled} enrolled in the pilot` +
        (a.reached === p.participants.total
          ? `: ${p.participants.total} = ${p.survey.total} surveyed + ${p.meetings.total} at the two meetings + ${p.pilot.enrolled} in the pilot`
          : '') +
        `; ${a.staffStatuses} of them are civil servants, public-sector workers, NGO and business representatives (staff and partners, not people released from prison)`,
    });
  }
  if (a.addictionTreatmentExpected !== p.services['addiction-treatment']) {
    flags.push({
      id: 'addiction-treatment',
      message: `addiction treatment: ${p.addictionTreatment.asked} asked and ${p.addictionTreatment.didNotFollowThrough} did not follow through, which leaves ${a.addictionTreatmentExpected}, but ${p.services['addiction-treatment']} are reported treated (${a.addictionTreatmentExpected} is the medical-referrals figure)`,
    });
  }
  const aged = p.participants.byStatus['aged-50-plus'];
  const oldest = p.participants.byAgeBand['59+'];
  if (aged <= oldest && a.statusSum === p.participants.total) {
    flags.push({
      id: 'aged-50-plus',
      message: `status "aged 50 and over, of which" (${aged}) is no more than the 59+ age band alone (${oldest}), though the 46-58 band holds ${p.participants.byAgeBand['46-58']} people; the status table sums to exactly ${a.statusSum}, so it counts each person once, under one status, despite "of which"`,
    });
  }
  for (const [name, total] of [
    ['sex', a.sexSum],
    ['status', a.statusSum],
    ['age', a.ageSum],
  ] as const) {
    if (total !== p.participants.total) {
      flags.push({
        id: `${name}-sum`,
        message: `the table by ${name} sums to ${total}, not the ${p.participants.total} participants it states`,
      });
    }
  }
  if (a.socialPackageAsked > p.pilot.enrolled) {
    flags.push({
      id: 'social-package',
      message: `the social package was given to ${p.services['social-package']} and refused to ${p.socialPackageRefused.total}: ${a.socialPackageAsked} people, more than the ${p.pilot.enrolled} enrolled`,
    });
  }
  if (a.educationSum !== p.services.education) {
    flags.push({
      id: 'education',
      message: `education: the breakdown sums to ${a.educationSum}, not ${p.services.education}`,
    });
  }
  if (p.pilot.enrolled !== p.pilot.planned) {
    flags.push({
      id: 'enrolled-vs-plan',
      message: `${p.pilot.enrolled} enrolled in the pilot against ${p.pilot.planned} planned (${pct(a.enrolledOfPlan)} of plan), while the report states "no deviations overall"`,
    });
  }
  for (const [type, planned] of Object.entries(p.servicesPlanned) as [AntaresService, number][]) {
    const delivered = p.services[type];
    if (delivered !== planned) {
      flags.push({
        id: `${type}-vs-plan`,
        message: `${type}: ${delivered} served against ${planned} planned (${pct(delivered / planned)} of plan); the report admits this one deviation`,
      });
    }
  }
  return flags;
}

// ---- Antares A: the evidence

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

export function antaresCode(n: number): string {
  return `${ANTARES_PREFIX}-${String(n).padStart(6, '0')}`;
}

interface AntaresPerson {
  readonly n: number;
  readonly role: AntaresRole;
  readonly index: number;
  readonly status: AntaresStatus;
  readonly sex: 'male' | 'female';
  readonly category: 'released' | 'probation';
  readonly day: number;
  age: number;
}

/** Ages of each band, spread evenly over its years (the open band up to OLDEST_AGE). */
function bandAges(band: (typeof ANTARES_AGE_BANDS)[number], count: number): number[] {
  const top = band.to ?? OLDEST_AGE;
  const years = top - band.from + 1;
  return Array.from({ length: count }, (_, k) => band.from + Math.floor((k * years) / count));
}

function antaresPeople(): AntaresPerson[] {
  const people: AntaresPerson[] = [];
  for (const plan of ANTARES_ROLES) {
    const statuses = interleave(plan.statuses);
    const sexes = interleave({ male: plan.male, female: plan.count - plan.male });
    const categories = interleave(plan.categories);
    const from = dayNumber(plan.from);
    const span = dayNumber(plan.to) - from;
    for (let k = 0; k < plan.count; k++) {
      people.push({
        n: people.length + 1,
        role: plan.role,
        index: k,
        status: statuses[k] as AntaresStatus,
        sex: sexes[k] as 'male' | 'female',
        category: categories[k] as 'released' | 'probation',
        day: from + Math.floor((k * (span + 1)) / plan.count),
        age: 0,
      });
    }
  }
  // Ages: the published bands' multiset; "aged 50+" the oldest, youth the youngest, the rest spread.
  const ages = ANTARES_AGE_BANDS.flatMap((band) => bandAges(band, PUBLISHED.participants.byAgeBand[band.id])).sort(
    (a, b) => a - b,
  );
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
  return people;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The Antares pilot's evidence (DOMAIN.md 2.2), constructed so that counting
 * it reproduces the report: 257 enrolments (cohort pilot-2017) whose sex,
 * age at enrolment and status give the published tables exactly, and, for the
 * 68 pilot participants (AA-000001..AA-000068), 210 service records, per type
 * exactly as the report's text lists them. All dated inside the contract's
 * term (2017-07-21..2017-11-21); the survey in July-August, the meetings on
 * their days, the pilot's enrolments July to October.
 *
 * Every record passes validateRecord for the profile (any `today` from
 * 2017-11-21), and the list, in order, passes checkBatch.
 */
export function antaresEvidence(profile: ContractProfile): EvidenceInput[] {
  const cohort = profile.cohorts[0];
  if (cohort === undefined) throw new RangeError('the profile has no cohort');
  const missing = ANTARES_SERVICES.filter((t) => !profile.serviceTypes.includes(t));
  if (missing.length > 0) throw new RangeError(`the profile lacks the service types ${missing.join(', ')}`);
  const termFrom = dayNumber(profile.term.from);
  const termTo = dayNumber(profile.term.to);
  if (termFrom > dayNumber(PUBLISHED.term.from) || termTo < dayNumber(PUBLISHED.term.to)) {
    throw new RangeError(`the profile's term must cover the pilot's, ${PUBLISHED.term.from}..${PUBLISHED.term.to}`);
  }
  const pilotTo = dayNumber(PUBLISHED.term.to);
  const people = antaresPeople();
  const pilot = people.filter((p) => p.role === 'pilot');
  const servicesOf = new Map<number, AntaresService[]>();
  const educationProviders = ANTARES_PROVIDERS.education;
  const providerOf = new Map<string, string>();
  for (const type of ANTARES_SERVICES) {
    const count = PUBLISHED.services[type];
    for (let k = 0; k < count; k++) {
      const index = (SERVICE_RUNS[type] + k) % pilot.length;
      const list = servicesOf.get(index) ?? [];
      list.push(type);
      servicesOf.set(index, list);
      const providers = type === 'education' ? educationProviders : ANTARES_PROVIDERS[type];
      providerOf.set(`${index}/${type}`, providers[k % providers.length] as string);
    }
  }
  const perParticipant = people.map((p) => {
    const code = antaresCode(p.n);
    const drafts: Draft[] = [
      {
        type: 'enrolment',
        day: p.day,
        source: 'operator',
        cohort,
        category: p.category,
        sex: p.sex,
        birthYear: Number(isoDay(p.day).slice(0, 4)) - p.age,
        consentSha256: consentHash(profile.id, code),
        status: p.status,
      },
    ];
    if (p.role === 'pilot') {
      const types = servicesOf.get(p.index) ?? [];
      const sequence = SERVICE_SEQUENCE.filter((t) => types.includes(t));
      for (const [j, type] of sequence.entries()) {
        drafts.push({
          type: 'service',
          day: p.day + Math.floor(((j + 1) * (pilotTo - p.day)) / (sequence.length + 1)),
          source: 'operator',
          serviceType: type,
          provider: providerOf.get(`${p.index}/${type}`) as string,
        });
      }
      if (types.includes('leisure')) {
        drafts.push({
          type: 'service',
          day: Math.max(p.day, dayNumber(LEISURE_DAY)),
          source: 'operator',
          serviceType: 'leisure',
          provider: providerOf.get(`${p.index}/leisure`) as string,
        });
      }
    }
    return participantRecords(code, drafts);
  });
  return inTimeOrder(perParticipant);
}

/** Counts over Antares records, as the report tabulates them. */
export interface AntaresBreakdown {
  readonly participants: number;
  readonly bySex: Readonly<Record<'male' | 'female', number>>;
  readonly byAgeBand: Readonly<Record<AntaresAgeBand, number>>;
  /** Status per enrolment; `not-recorded` for enrolments without one. */
  readonly byStatus: Readonly<Record<AntaresStatus | 'not-recorded', number>>;
  readonly servicesByType: Readonly<Record<string, number>>;
  readonly services: number;
  /** Participants with at least one service: the pilot. */
  readonly served: number;
  /** Services per served participant. */
  readonly perServed: { readonly min: number; readonly max: number };
}

/**
 * The report's tables counted from records (the operator's or the stored
 * ones: participant codes or pseudonyms alike). Age in whole years at
 * enrolment (enrolment year minus birth year), as the evaluation counts it.
 */
export function antaresBreakdown(records: readonly (EvidenceInput | StoredRecord)[]): AntaresBreakdown {
  const bySex = { male: 0, female: 0 };
  const byAgeBand = Object.fromEntries(ANTARES_AGE_BANDS.map((b) => [b.id, 0])) as Record<AntaresAgeBand, number>;
  const byStatus = Object.fromEntries([...ANTARES_STATUSES, 'not-recorded'].map((s) => [s, 0])) as Record<
    AntaresStatus | 'not-recorded',
    number
  >;
  const servicesByType: Record<string, number> = Object.fromEntries(ANTARES_SERVICES.map((t) => [t, 0]));
  const perParticipant = new Map<string, number>();
  let participants = 0;
  let services = 0;
  for (const r of records) {
    if (r.type === 'enrolment') {
      participants++;
      bySex[r.sex]++;
      const age = Number(r.date.slice(0, 4)) - r.birthYear;
      const band = ANTARES_AGE_BANDS.find((b) => age >= b.from && (b.to === undefined || age <= b.to));
      if (band !== undefined) byAgeBand[band.id]++;
      const status = r.status as AntaresStatus | undefined;
      byStatus[status !== undefined && status in byStatus ? status : 'not-recorded']++;
    } else if (r.type === 'service') {
      services++;
      servicesByType[r.serviceType] = (servicesByType[r.serviceType] ?? 0) + 1;
      perParticipant.set(r.participant, (perParticipant.get(r.participant) ?? 0) + 1);
    }
  }
  const counts = [...perParticipant.values()];
  return {
    participants,
    bySex,
    byAgeBand,
    byStatus,
    servicesByType,
    services,
    served: perParticipant.size,
    perServed: {
      min: counts.length === 0 ? 0 : Math.min(...counts),
      max: counts.length === 0 ? 0 : Math.max(...counts),
    },
  };
}

// ---- Qarmet

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

/** Mixes a seed and a number into a 32-bit PRNG seed (murmur3's finaliser). */
function mixSeed(seed: number, n: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(n + 1, 0x85ebca6b)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h ^ Math.floor(seed / 4_294_967_296)) >>> 0;
}

/**
 * A seeded Qarmet pilot cohort (DOMAIN.md 2.3): convicts serving a sentence
 * (low public danger, a good reference, ready to work), arriving at the sites
 * in three groups in February 2026 (cohort pilot-2026, all men). The penal
 * service supervises from arrival; most start work for QARMET on the day they
 * arrive (fixed-term, a monthly wage), a few after some days, one never (found
 * unfit at the medical check), and the employer gives them housing, meals and
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
  if (!Number.isSafeInteger(seed)) throw new RangeError('seed must be a safe integer');
  if (!Number.isSafeInteger(n) || n < 10 || n > 999_999) {
    throw new RangeError('participants must be a whole number from 10 to 999,999');
  }
  const cohort = profile.cohorts[0];
  if (cohort === undefined) throw new RangeError('the profile has no cohort');
  const termFrom = dayNumber(profile.term.from);
  const horizon = Math.min(
    dayNumber(profile.term.to),
    options.until === undefined ? Number.POSITIVE_INFINITY : dayNumber(options.until),
  );
  const firstArrival = Math.max(termFrom, dayNumber(QARMET_FIRST_ARRIVAL));
  if (horizon < firstArrival + 14 + 30) {
    throw new RangeError('the term (up to `until`) must run at least six weeks past the first arrival');
  }
  const has = (type: string) => profile.serviceTypes.includes(type);

  // Who is in which story: a seeded shuffle of the participants.
  const pick = mulberry32(mixSeed(seed, 0));
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(pick() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  const late = new Set(order.slice(0, Math.max(1, Math.round(n / 10))));
  let at = late.size;
  const never = order[at++] as number;
  const withdrawn = [order[at++] as number, order[at++] as number];
  const dismissed = order[at++] as number;
  const incidents = new Set([dismissed, order[at++] as number, order[at++] as number]);

  const perParticipant: EvidenceInput[][] = [];
  for (let i = 0; i < n; i++) {
    const rng = mulberry32(mixSeed(seed, i + 1));
    const int = (min: number, max: number) => min + Math.floor(rng() * (max - min + 1));
    const code = qarmetCode(i + 1);
    const arrival = Math.min(horizon, firstArrival + 7 * Math.floor((3 * i) / n));
    const age = int(21, 55);
    const drafts: Draft[] = [
      {
        type: 'enrolment',
        day: arrival,
        source: 'operator',
        cohort,
        category: 'serving-sentence',
        sex: 'male',
        birthYear: Number(isoDay(arrival).slice(0, 4)) - age,
        consentSha256: consentHash(profile.id, code),
      },
    ];
    if (has('supervision')) {
      drafts.push({
        type: 'service',
        day: arrival,
        source: 'operator',
        serviceType: 'supervision',
        provider: QARMET_SUPERVISOR,
      });
    }
    const wageKzt =
      QARMET_WAGES_KZT.min +
      QARMET_WAGES_KZT.step * int(0, (QARMET_WAGES_KZT.max - QARMET_WAGES_KZT.min) / QARMET_WAGES_KZT.step);
    const lateDays = int(3, 10);
    const exitDay = int(firstArrival + 30, horizon - 10);
    const violationDay = int(arrival + 14, horizon - 5);
    const trains = rng() < 0.3;
    const trainingDay = int(firstArrival + 30, firstArrival + 50);
    if (i === never) {
      perParticipant.push(participantRecords(code, drafts));
      continue;
    }
    const start = late.has(i) ? arrival + lateDays : arrival;
    drafts.push({
      type: 'employment-started',
      day: start,
      source: 'employer',
      employerId: QARMET_EMPLOYER,
      contractType: 'fixed-term',
      monthlyWage: String(wageKzt * 100),
    });
    for (const type of ['housing', 'meals', 'workwear']) {
      if (has(type))
        drafts.push({ type: 'service', day: start, source: 'employer', serviceType: type, provider: QARMET_EMPLOYER });
    }
    let end: number | undefined;
    const w = withdrawn.indexOf(i);
    if (w >= 0) {
      end = Math.max(start + 1, exitDay);
      drafts.push({
        type: 'employment-ended',
        day: end,
        source: 'employer',
        employerId: QARMET_EMPLOYER,
        reason: w === 0 ? 'resigned' : 'other',
        ...(w === 0 ? {} : { note: 'переведён в другое учреждение' }),
      });
      drafts.push({ type: 'withdrawal', day: end, source: 'operator', reason: w === 0 ? 'refused' : 'moved-away' });
    } else if (incidents.has(i)) {
      const day = Math.max(start + 1, violationDay);
      drafts.push({
        type: 'probation-violation',
        day,
        source: 'probation-service',
        note: VIOLATION_NOTES[i % VIOLATION_NOTES.length] as string,
      });
      if (i === dismissed && day + 1 <= horizon) {
        end = day + 1;
        drafts.push({
          type: 'employment-ended',
          day: end,
          source: 'employer',
          employerId: QARMET_EMPLOYER,
          reason: 'dismissed',
          note: 'отстранён от работы после нарушения',
        });
      }
    }
    if (
      trains &&
      has('skills-training') &&
      trainingDay <= horizon &&
      trainingDay >= start &&
      (end === undefined || trainingDay <= end)
    ) {
      drafts.push({
        type: 'service',
        day: trainingDay,
        source: 'employer',
        serviceType: 'skills-training',
        provider: QARMET_TRAINING,
      });
    }
    // The employer confirms each month worked, on its last day (or on the horizon, for the month running).
    for (let first = monthStart(start); first <= horizon; first = monthDays(isoDay(first).slice(0, 7)).last + 1) {
      const last = monthDays(isoDay(first).slice(0, 7)).last;
      if (end !== undefined && end < first) break;
      drafts.push({
        type: 'employment-confirmed',
        day: Math.min(last, horizon),
        source: 'employer',
        employerId: QARMET_EMPLOYER,
        month: isoDay(first).slice(0, 7),
      });
    }
    perParticipant.push(participantRecords(code, drafts));
  }
  return inTimeOrder(perParticipant);
}

function monthStart(day: number): number {
  return monthDays(isoDay(day).slice(0, 7)).first;
}

/** The Qarmet figures counted straight from records, for a cutoff: what the evaluation must reproduce. */
export interface QarmetFigures {
  readonly enrolled: number;
  /** Withdrawn on or before the cutoff: left out of the days, wages and incidents (the contract's `withdrawals: exclude`). */
  readonly withdrawn: number;
  /** Days worked (employment spells, both ends included) up to the cutoff, inside each participant's window. */
  readonly daysWorked: number;
  /** Monthly wage times the months confirmed, in minor units. */
  readonly wages: bigint;
  /** Probation violations and reconvictions. */
  readonly incidents: number;
}

/**
 * Counts the Qarmet figures from the records (no corrections: the generator
 * makes none) as of `cutoff` (YYYY-MM-DD), each participant's window
 * `windowDays` long from enrolment (the contract's 90): an independent
 * recomputation to check the ledger's evaluation against.
 */
export function qarmetFigures(
  records: readonly (EvidenceInput | StoredRecord)[],
  cutoff: string,
  windowDays = 90,
): QarmetFigures {
  const until = dayNumber(cutoff);
  const byParticipant = new Map<string, (EvidenceInput | StoredRecord)[]>();
  for (const r of records) {
    if (dayNumber(r.date) > until) continue;
    const list = byParticipant.get(r.participant) ?? [];
    list.push(r);
    byParticipant.set(r.participant, list);
  }
  let enrolled = 0;
  let withdrawn = 0;
  let daysWorked = 0;
  let wages = 0n;
  let incidents = 0;
  for (const list of byParticipant.values()) {
    const enrolment = list.find((r) => r.type === 'enrolment');
    if (enrolment === undefined) continue;
    enrolled++;
    if (list.some((r) => r.type === 'withdrawal')) {
      withdrawn++;
      continue;
    }
    const from = dayNumber(enrolment.date);
    const to = Math.min(from + windowDays - 1, until);
    let wage = 0n;
    for (const r of list) {
      if (r.type === 'employment-started') {
        wage = BigInt(r.monthlyWage);
        const end = list.find(
          (e) => e.type === 'employment-ended' && e.employerId === r.employerId && e.date >= r.date,
        )?.date;
        const a = Math.max(dayNumber(r.date), from);
        const b = Math.min(end === undefined ? to : dayNumber(end), to);
        if (b >= a) daysWorked += b - a + 1;
      }
    }
    for (const r of list) {
      if (r.type === 'employment-confirmed') {
        const { first, last } = monthDays(r.month);
        if (last >= from && first <= to) wages += wage;
      }
      if (
        (r.type === 'probation-violation' || r.type === 'reconviction') &&
        dayNumber(r.date) >= from &&
        dayNumber(r.date) <= to
      ) {
        incidents++;
      }
    }
  }
  return { enrolled, withdrawn, daysWorked, wages, incidents };
}
