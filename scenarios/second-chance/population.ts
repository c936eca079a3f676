/**
 * The synthetic Second Chance population (Kamchatka): the rates the
 * generator aims at, the baseline they are set against, the mix of
 * categories, wages, participant codes and the invented employer, provider
 * and institution codes and notes the records carry.
 *
 * Nothing here is personal data: participants are operator codes `SC-000123`
 * (never national IDs), there are no names, and employer, provider and
 * institution codes are invented.
 */

/**
 * The seed's baseline: among ex-convicts in Kamchatka WITHOUT
 * the programme, employment is below 30% and permanent employment about 5%.
 * Not used to generate anything: the figure the programme's rates are set
 * against, and what the demo prints beside them.
 */
export const BASELINE_RATES = {
  /** Share of ex-convicts employed: "below 30%". */
  employed: 0.3,
  /** Share in permanent employment: "about 5%". */
  permanent: 0.05,
} as const;

/**
 * What the generator aims at for the programme cohort: somewhat above the
 * baseline (the programme helps), as shares of all participants over the
 * whole term. The realised shares differ by sampling noise (and reconviction
 * a little lower: late enrolees have too little time left to reoffend and be
 * convicted inside the term).
 */
export const PROGRAMME_RATES = {
  /** Ever in a job (at least one employment-started) during the term. */
  employed: 0.4,
  /** Ever in a permanent job: a quarter of those employed. */
  permanent: 0.1,
  /**
   * Drawn for every participant: convicted of a new offence inside the term.
   * Realised a few points lower: those still serving their sentence, and late
   * enrolees without time to offend and be convicted before the term ends, are not.
   */
  reconvicted: 0.15,
  /** Of those reconvicted: held in custody from arrest to conviction (a custody-spell). */
  custodyAfterArrest: 0.7,
  /** Of participants on probation at enrolment: a probation violation. */
  probationViolation: 0.2,
  /** Leave the programme (moved away, refused, died); not combined with a reconviction. */
  withdrawn: 0.04,
  /** Of those serving a sentence at enrolment and not to be employed: released inside the term. */
  released: 0.7,
} as const;

/** Category at enrolment (serving a sentence, on probation, or released). */
export const CATEGORY_MIX = { 'serving-sentence': 0.3, probation: 0.3, released: 0.4 } as const;
/** Share of men (Russian prison and probation populations are mostly male). */
export const MALE_SHARE = 0.86;

/**
 * Gross monthly wages in RUB, drawn uniformly in steps of 500 RUB per contract
 * type. Kamchatka's average wage is above 100,000 RUB (northern coefficients);
 * entry jobs for ex-convicts pay less, seasonal fish processing pays well.
 */
export const WAGES_RUB = {
  permanent: { min: 55_000, max: 100_000 },
  'fixed-term': { min: 45_000, max: 90_000 },
  temporary: { min: 50_000, max: 120_000 },
} as const;

/** The shortest term (to `until`) a cohort is generated for: room for a release, a job and its end. */
export const MIN_TERM_DAYS = 60;

/** Prefix of participant codes (`SC-000123`) and event ids (`sc-000123-04`). */
export const PARTICIPANT_PREFIX = 'SC';

/** Zero-padded participant number: `SC-000123`. */
export function participantCode(n: number): string {
  return `${PARTICIPANT_PREFIX}-${String(n).padStart(6, '0')}`;
}

/** Invented employer codes: Kamchatka's sectors (fish processing, port, building, utilities, ...). */
export const EMPLOYERS = [
  'EMP-FISH-PROC-01',
  'EMP-FISH-PROC-02',
  'EMP-FISH-PROC-03',
  'EMP-SEAPORT-01',
  'EMP-BUILD-01',
  'EMP-BUILD-02',
  'EMP-ROADS-01',
  'EMP-UTILITIES-01',
  'EMP-HOUSING-01',
  'EMP-RETAIL-01',
  'EMP-TRANSPORT-01',
  'EMP-FARM-01',
] as const;
export const INSTITUTIONS = ['IK-5', 'IK-6', 'KP-1'] as const;
/** Providers per service type (invented codes); others get DEFAULT_PROVIDERS. */
export const PROVIDERS: Readonly<Record<string, readonly string[]>> = {
  'employment-assistance': ['CZN-PETROPAVLOVSK', 'CZN-ELIZOVO', 'NKO-RABOTA'],
  'job-retention-support': ['NKO-RABOTA'],
  're-socialisation': ['NKO-VTOROY-SHANS'],
  'legal-aid': ['NKO-PRAVO'],
  'psychological-help': ['NKO-DOVERIE', 'PSY-CENTRE-PK'],
  education: ['COLLEGE-PK', 'CZN-PETROPAVLOVSK'],
};
export const DEFAULT_PROVIDERS = ['NKO-PARTNER'] as const;
/** Relative frequency of service types (others weigh 1); job-retention-support goes to the employed only. */
export const SERVICE_WEIGHTS: Readonly<Record<string, number>> = {
  'employment-assistance': 4,
  're-socialisation': 2,
  'legal-aid': 2,
  'psychological-help': 2,
  education: 1,
};
export const JOB_RETENTION = 'job-retention-support';

/** Free-text notes: circumstances, never identities (no names, no numbers). */
export const NOTES = {
  seasonEnded: 'окончание путины, срочный договор завершён',
  contractEnded: 'срок договора истёк',
  resigned: 'уволился по собственному желанию',
  otherJob: 'перешёл на другую работу',
  dismissed: 'уволен за прогулы',
  custody: 'заключён под стражу',
  movedAway: 'переезд в другой регион',
  violations: [
    'не явился на регистрацию в инспекцию',
    'сменил место жительства без уведомления инспекции',
    'нарушил запрет покидать жилище в ночное время',
  ],
  correction: 'услуга записана на другого поставщика, верная запись внесена отдельно',
} as const;
