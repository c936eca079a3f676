import { STATUSES } from '#evidence';

/**
 * The Antares A report (East Kazakhstan, 2017) as published: its service
 * types, statuses and age bands, every figure it states, and the arithmetic
 * over those figures that the flags (flags.ts) rest on.
 */

const sum = (values: Iterable<number>): number => {
  let s = 0;
  for (const v of values) s += v;
  return s;
};

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
    'ОФ «Антарес А», отчёт о реализации социального проекта по государственному гранту, 2017 (docs/programmes.md 2.2)',
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

/** The Antares A report's figures as published, with the arithmetic over them. */
export const antaresPublished: AntaresPublished = { ...PUBLISHED, arithmetic: antaresArithmetic(PUBLISHED) };
