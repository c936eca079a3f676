/**
 * The schema of the contract spec language: what a social impact bond
 * measures and how it pays, written as JSON (contracts/<id>.json, documented
 * in docs/contracts.md). The value types, the metric, comparison, trigger and
 * payment-rule schemas, the unit of each metric kind, and the shape of a
 * whole spec field by field. The rules across fields are in spec-checks.ts;
 * spec.ts joins the two into ContractSpecSchema.
 *
 * Conventions: money is a string of minor units (digits only, like evidence
 * wages); ratios and rates are decimal strings ("0.9", "0.075"); dates are
 * YYYY-MM-DD; windows count days from an anchor event, the anchor's day
 * being day 1.
 */
import * as z from 'zod';
import { Decimal } from '#kernel';
import { CATEGORIES, MONEY, ProfileFields, WITHDRAWAL_REASONS } from './profile.ts';
import { SHARE_FRACTION, shareRatio } from './shares.ts';

export const SPEC_FORMAT = 'sib-ledger/contract/v1';

const IsoDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });
const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an id: lower-case letters, digits and hyphens, at most 64');
const Text = z.string().min(1).max(500);
const Money = z
  .string({ error: 'must be a string of digits (minor units): money is never a JSON number' })
  .refine((v) => !v.trim().startsWith('-'), { message: 'must not be negative', abort: true })
  .regex(MONEY, {
    message: 'must be minor units written as digits, without sign, separators or leading zeros',
    // abort: later refinements and the cross-field checks read the value as a number
    abort: true,
  });
const DECIMAL = /^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,12})?$/;
const Ratio = z
  .string({ error: 'must be a decimal written as a string, such as "0.9"' })
  .refine((v) => !v.trim().startsWith('-'), { message: 'must not be negative', abort: true })
  .regex(DECIMAL, { message: 'must be a non-negative decimal written as a string, such as "0.9"', abort: true });
const Fraction = Ratio.refine((v) => new Decimal(v).lte(1), 'must be at most 1');
const PositiveFraction = Fraction.refine((v) => new Decimal(v).gt(0), 'must be more than 0');
/** An investor's share: a decimal ("0.6") or an exact fraction of whole numbers ("1/3"), more than 0 and at most 1. */
const Share = z
  .string({ error: 'must be a share written as a string: a decimal such as "0.6" or a fraction such as "1/3"' })
  .regex(new RegExp(`${DECIMAL.source}|${SHARE_FRACTION.source}`), {
    message: 'must be a decimal such as "0.6" or a fraction of whole numbers such as "1/3"',
    abort: true,
  })
  .refine((v) => shareRatio(v).num > 0n, 'must be more than 0')
  .refine((v) => shareRatio(v).num <= shareRatio(v).den, 'must be at most 1');
const Days = z.int({ error: 'must be a whole number of days' }).min(1).max(3660);

const Party = z.strictObject({ id: Id, name: Text });
const Investor = z.strictObject({
  id: Id,
  name: Text,
  /** Share of every payment, e.g. "0.6" or "1/3"; the shares of all investors sum to exactly 1. */
  share: Share,
});

/**
 * The agreement the payments rest on (what a payment order and the audit
 * report cite): its number and date as registered, and the budget
 * classification code (КБК: 20 digits in Russia, 6 in Kazakhstan) the
 * payments are charged to, where the contract gives one.
 */
const LegalBasis = z.strictObject({
  agreementNumber: z.string().trim().min(1).max(100),
  agreementDate: IsoDate,
  budgetCode: z
    .string()
    .regex(/^(\d{20}|\d{6})$/, 'must be a budget classification code: 20 digits (Russia) or 6 digits (Kazakhstan)')
    .optional(),
});

const Period = z.strictObject({
  id: Id,
  from: IsoDate,
  to: IsoDate,
  /** When the commissioner pays for this period. */
  paymentDate: IsoDate,
  /** The last period: final payments and end-of-contract triggers. */
  final: z.boolean().optional(),
  /**
   * The data cut-off: the period's evaluation reads only the evidence batches
   * logged on or before this day (UTC); a batch logged later is settled in the
   * next period. Absent: every batch up to the evaluation's checkpoint.
   */
  dataCutoff: IsoDate.optional(),
});

export const ANCHORS = ['enrolment', 'release'] as const;
const Window = z.strictObject({
  /** The event that opens each participant's window: enrolment, or release (the first release on or after enrolment). */
  anchor: z.enum(ANCHORS, { error: 'must be enrolment or release' }),
  /** Length of the window in days; the anchor's day is day 1. */
  days: Days,
});
export type Window = z.infer<typeof Window>;

const Population = z.strictObject({
  /** Cohorts counted (default: every cohort of the contract). */
  cohorts: z.array(z.string()).min(1).optional(),
  /** Enrolment categories counted (default: all). */
  categories: z.array(z.enum(CATEGORIES)).min(1).optional(),
});
export type Population = z.infer<typeof Population>;

export const DIRECTIONS = ['at-least', 'at-most'] as const;
const Target = z.strictObject({
  value: Ratio,
  /** at-least: higher is better; at-most: lower is better. */
  direction: z.enum(DIRECTIONS, { error: 'must be at-least or at-most' }),
});
export type Target = z.infer<typeof Target>;

const metricBase = {
  id: Id,
  title: Text,
  population: Population.optional(),
  target: Target.optional(),
  /** True when the figures of this metric are not public and were set for illustration. */
  illustrative: z.boolean().optional(),
};

const AgeBand = z.strictObject({
  id: z.string().min(1).max(16),
  /** Age in whole years at enrolment, inclusive bounds. */
  from: z.int().min(0).max(120),
  to: z.int().min(0).max(120).optional(),
});

export const METRIC_KINDS = [
  'enrolled',
  'employed',
  'sustained-employment',
  'permanent-employment',
  'reconviction',
  'reconviction-events',
  'custody-days',
  'services',
  'wages',
  'days-employed',
  'events',
  'participants-by',
  'value-of',
] as const;

export const MetricSchema = z.discriminatedUnion(
  'kind',
  [
    /** Participants enrolled: a count. */
    z.strictObject({ ...metricBase, kind: z.literal('enrolled') }),
    /** Share of participants employed on any day of the window. */
    z.strictObject({ ...metricBase, kind: z.literal('employed'), window: Window }),
    /** Share employed at least minDays consecutive days inside the window; spells (any employer) join across gaps of at most maxGapDays. */
    z.strictObject({
      ...metricBase,
      kind: z.literal('sustained-employment'),
      window: Window,
      minDays: Days,
      maxGapDays: z.int().min(0).max(365),
    }),
    /** Share holding one permanent contract at least minDays days inside the window. */
    z.strictObject({ ...metricBase, kind: z.literal('permanent-employment'), window: Window, minDays: Days }),
    /** Share reconvicted for an offence committed inside the window (binary). */
    z.strictObject({ ...metricBase, kind: z.literal('reconviction'), window: Window }),
    /** Reconviction events (offences inside the window) per participant: the frequency measure. */
    z.strictObject({ ...metricBase, kind: z.literal('reconviction-events'), window: Window }),
    /** Days in custody inside the window per participant (bed-days). */
    z.strictObject({ ...metricBase, kind: z.literal('custody-days'), window: Window }),
    /** Services delivered per service type (a count per type), with the planned number where the contract has one. */
    z.strictObject({
      ...metricBase,
      kind: z.literal('services'),
      serviceTypes: z.array(z.string()).min(1).optional(),
      planned: z.record(z.string(), z.int().min(0)).optional(),
    }),
    /** Wages earned: each confirmed month of employment inside the window at that employment's monthly wage (minor units). */
    z.strictObject({ ...metricBase, kind: z.literal('wages'), window: Window }),
    /** Participant-days in employment inside the window (a count). */
    z.strictObject({ ...metricBase, kind: z.literal('days-employed'), window: Window }),
    /** Records of the given types dated inside the window (incidents): a count. */
    z.strictObject({
      ...metricBase,
      kind: z.literal('events'),
      window: Window,
      eventTypes: z.array(z.enum(['probation-violation', 'reconviction', 'custody-spell'])).min(1),
    }),
    /** Participants by sex, enrolment category, social status or age band: a count per group. */
    z.strictObject({
      ...metricBase,
      kind: z.literal('participants-by'),
      by: z.enum(['sex', 'category', 'status', 'age-band']),
      ageBands: z.array(AgeBand).min(1).optional(),
    }),
    /** Another count metric's value times a unit value in minor units (e.g. upkeep avoided per participant-day). */
    z.strictObject({ ...metricBase, kind: z.literal('value-of'), metric: Id, unitValue: Money }),
  ],
  {
    error: (iss): string | undefined =>
      iss.code === 'invalid_union' ? `must be one of: ${METRIC_KINDS.join(', ')}` : undefined,
  },
);
export type Metric = z.infer<typeof MetricSchema>;
export type MetricKind = Metric['kind'];

/** What a metric's value is: a share of participants, a mean per participant, a count, money, or counts per group. */
export type MetricUnit = 'rate' | 'mean' | 'count' | 'money' | 'groups';
export const METRIC_UNITS: Readonly<Record<MetricKind, MetricUnit>> = {
  enrolled: 'count',
  employed: 'rate',
  'sustained-employment': 'rate',
  'permanent-employment': 'rate',
  reconviction: 'rate',
  'reconviction-events': 'mean',
  'custody-days': 'mean',
  services: 'groups',
  wages: 'money',
  'days-employed': 'count',
  events: 'count',
  'participants-by': 'groups',
  'value-of': 'money',
};

/** How an effect is measured against the comparison figure c, for a treatment figure t. */
export const EFFECTS = ['relative-reduction', 'relative-increase', 'difference'] as const;
export type Effect = (typeof EFFECTS)[number];
const effect = z.enum(EFFECTS, { error: `must be one of: ${EFFECTS.join(', ')}` });
/** Groups a comparison is computed for: the whole population, or each cohort too. */
const groupBy = z.enum(['all', 'cohort']).optional();

export const ComparisonSchema = z.discriminatedUnion('kind', [
  /** Against a fixed rate or mean written in the contract (e.g. the seed's baseline). */
  z.strictObject({ id: Id, metric: Id, kind: z.literal('baseline'), value: Ratio, effect, groupBy }),
  /** Against a figure the evaluator publishes in the log (a `comparison.published` entry), e.g. a matched comparison group. */
  z.strictObject({ id: Id, metric: Id, kind: z.literal('published'), effect, groupBy }),
  /** Treatment cohorts against control cohorts, with a significance test. */
  z.strictObject({
    id: Id,
    metric: Id,
    kind: z.literal('control'),
    effect,
    treatment: z.array(z.string()).min(1),
    control: z.array(z.string()).min(1),
    /** two-proportion: a z-test for rates; difference-in-means: a z-test on the means (large samples). */
    test: z.enum(['two-proportion', 'difference-in-means']),
    /** Significance level, e.g. "0.05". */
    significance: PositiveFraction,
    /** The alternative hypothesis about treatment minus control. */
    alternative: z.enum(['greater', 'less', 'two-sided']),
    groupBy,
  }),
]);
export type Comparison = z.infer<typeof ComparisonSchema>;

export const TriggerSchema = z.union([
  z.strictObject({
    id: Id,
    title: Text.optional(),
    comparison: Id,
    /** all: the whole population; each-cohort: met separately for each cohort. */
    group: z.enum(['all', 'each-cohort']).optional(),
    effectAtLeast: Ratio,
    /** Also require the comparison's test to be significant (control comparisons only). */
    significant: z.boolean().optional(),
    /** Periods in which the trigger may fire (default: every period). */
    periods: z.array(Id).min(1).optional(),
  }),
  z.strictObject({
    id: Id,
    title: Text.optional(),
    metric: Id,
    atLeast: Ratio.optional(),
    atMost: Ratio.optional(),
    periods: z.array(Id).min(1).optional(),
  }),
]);
export type Trigger = z.infer<typeof TriggerSchema>;

const Tier = z.strictObject({ effectAtLeast: Ratio, amount: Money });

export const PaymentRuleSchema = z.discriminatedUnion('kind', [
  /** A price for each outcome unit: each achieved participant outcome (rates) or each unit of a count metric. */
  z.strictObject({
    id: Id,
    title: Text.optional(),
    kind: z.literal('per-outcome'),
    metric: Id,
    price: Money,
    trigger: Id.optional(),
  }),
  /** An amount by the effect size reached, highest tier met (NYC ABLE, Massachusetts Roca). */
  z.strictObject({
    id: Id,
    title: Text.optional(),
    kind: z.literal('tiered'),
    comparison: Id,
    group: z.enum(['all', 'each-cohort']).optional(),
    tiers: z.array(Tier).min(1),
    significant: z.boolean().optional(),
    periods: z.array(Id).min(1).optional(),
  }),
  /** A price per unit of effect (e.g. each reconviction event prevented against the comparison), once a trigger is met. */
  z.strictObject({
    id: Id,
    title: Text.optional(),
    kind: z.literal('per-effect'),
    trigger: Id,
    pricePerUnit: Money,
    /** Rules whose payments are deducted (e.g. the final payment nets out early cohort payments). */
    deduct: z.array(Id).min(1).optional(),
  }),
  /** A fixed amount only if every indicator reaches its target within the tolerance (the Russian rule: 90%). */
  z.strictObject({
    id: Id,
    title: Text.optional(),
    kind: z.literal('all-or-nothing'),
    indicators: z.array(Id).min(1),
    tolerance: PositiveFraction,
    amount: Money,
    periods: z.array(Id).min(1),
  }),
]);
export type PaymentRule = z.infer<typeof PaymentRuleSchema>;

/** Withdrawn participants: excluded from the population, or counted as not achieving what they had not achieved. */
const WithdrawalRule = z.enum(['exclude', 'not-achieved']);

/** Whether `zone` is an IANA time zone name this runtime knows (Intl), such as `Asia/Kamchatka`. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const TimeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone name, such as Asia/Kamchatka or Asia/Almaty');

/** Texts by the id of what they name (a metric, a party, a payment rule...). */
const TextsById = z.record(Id, Text);

/**
 * The spec's texts in another language: each under the name of the section
 * it translates, keyed by id. Only texts: ids, figures and rules stay as the
 * spec writes them, so a translation changes nothing that is evaluated.
 */
export const SpecTranslationSchema = z.strictObject({
  /** The contract's title. */
  title: Text.optional(),
  /** Party names by party id (the commissioner, each investor, the operator, the evaluator). */
  parties: TextsById.optional(),
  /** Metric titles by metric id. */
  metrics: TextsById.optional(),
  /** Trigger titles by trigger id. */
  triggers: TextsById.optional(),
  /** Payment rule titles by rule id. */
  payments: TextsById.optional(),
  /** Period labels by period id (a spec names periods by id only). */
  periods: TextsById.optional(),
});
export type SpecTranslation = z.infer<typeof SpecTranslationSchema>;

/** A language of a translation: a lower-case ISO 639-1 code (the spec itself is written in one language). */
const Lang = z.string().regex(/^[a-z]{2}$/, 'must be a language code of two lower-case letters, such as en');

export const ROUNDING_MODES = ['half-even', 'half-up', 'down', 'up'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

/**
 * A whole spec, field by field, without the rules across fields: parse with
 * ContractSpecSchema (spec.ts), which adds them.
 */
export const ContractSpecShape = z.strictObject({
  format: z.literal(SPEC_FORMAT),
  ...ProfileFields,
  /** 1 for the original contract, +1 for each amendment. */
  version: z.int().min(1),
  /** The day this version applies from: the term's start for version 1. */
  effectiveFrom: IsoDate,
  /** Digits after the decimal point of the currency (2 for RUB, KZT, USD, GBP). */
  minorUnit: z.int().min(0).max(4),
  parties: z.strictObject({
    commissioner: Party,
    investors: z.array(Investor).min(1),
    operator: Party,
    evaluator: Party,
  }),
  /** Measurement periods, in order, not overlapping, inside the term. */
  periods: z.array(Period).min(1),
  /** The contract-wide rule for withdrawn participants (WithdrawalRule). */
  withdrawals: WithdrawalRule,
  /** The rule for withdrawals of a given reason (e.g. `died`: exclude), where it differs from `withdrawals`. */
  withdrawalsByReason: z.partialRecord(z.enum(WITHDRAWAL_REASONS), WithdrawalRule).optional(),
  /** Confidence level of every interval, e.g. "0.95". */
  confidenceLevel: PositiveFraction,
  metrics: z.array(MetricSchema).min(1),
  comparisons: z.array(ComparisonSchema),
  triggers: z.array(TriggerSchema),
  payments: z.array(PaymentRuleSchema),
  caps: z.strictObject({
    overall: Money.optional(),
    /** One amount for every period, or an amount per period id (budget years); a period not named has no per-period cap. */
    perPeriod: z.union([Money, z.record(Id, Money)]).optional(),
    /** Per payment rule id. */
    perOutcome: z.record(Id, Money).optional(),
    /**
     * What becomes of an amount a cap cuts. Absent: carried forward, paid in key order (pseudonym order).
     * `carry-forward`: carried forward, the oldest paid first. `forfeit`: never paid.
     */
    capped: z.enum(['carry-forward', 'forfeit']).optional(),
  }),
  /** Total payments may not exceed principal plus simple interest at annualRate from `from` to the payment date. */
  returnCap: z.strictObject({ principal: Money, annualRate: Fraction, from: IsoDate }).optional(),
  rounding: z.strictObject({
    mode: z.enum(ROUNDING_MODES, { error: `must be one of: ${ROUNDING_MODES.join(', ')}` }),
    /** Amounts are rounded to a multiple of this many minor units. */
    step: Money.refine((v) => v !== '0', 'must be at least 1'),
  }),
  /** The agreement the payments rest on: its number, date and budget classification code (LegalBasis). */
  legalBasis: LegalBasis.optional(),
  /** Paths of values that are not public and were set for illustration, with why. */
  illustrative: z.array(z.strictObject({ path: z.string().min(1), note: Text })).optional(),
  /** Where the terms come from. */
  sources: z.array(Text).optional(),
  /**
   * The IANA time zone the contract's days are kept in (`Asia/Kamchatka`): where dates and
   * times are shown. Absent: UTC. Evaluation reads calendar days either way.
   */
  timeZone: TimeZone.optional(),
  /** The spec's texts in other languages, by language code (`en`): SpecTranslationSchema. */
  translations: z.record(Lang, SpecTranslationSchema).optional(),
});
/** A spec as its fields describe it (ContractSpec once the rules across fields hold). */
export type ContractSpecFields = z.infer<typeof ContractSpecShape>;
