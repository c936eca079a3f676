import * as z from 'zod';
import { canonicalBytes, Decimal, sha256, toHex, ValidationError } from '#kernel';
import { ProfileFields } from './profile.ts';

/**
 * The contract spec: what a social impact bond measures and how it pays,
 * written as JSON (contracts/<id>.json, documented in docs/contracts.md),
 * checked by ContractSpecSchema, registered in the contract's log as a
 * `contract.registered` entry. Amendments are new versions registered the
 * same way, effective from a date.
 *
 * Conventions: money is a string of minor units (digits only, like evidence
 * wages); ratios and rates are decimal strings ("0.9", "0.075"); dates are
 * YYYY-MM-DD; windows count days from an anchor event, the anchor's day
 * being day 1.
 */

export const SPEC_FORMAT = 'sib-ledger/contract/v1';

const IsoDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });
const Id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be an id: lower-case letters, digits and hyphens, at most 64');
const Text = z.string().min(1).max(500);
/** Minor units: digits, no sign, no leading zeros, at most 15 digits. */
export const MONEY = /^(?:0|[1-9][0-9]{0,14})$/;
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
const Days = z.int({ error: 'must be a whole number of days' }).min(1).max(3660);

const Party = z.strictObject({ id: Id, name: Text });
const Investor = z.strictObject({
  id: Id,
  name: Text,
  /** Share of every payment, e.g. "0.6"; the shares of all investors sum to exactly 1. */
  share: PositiveFraction,
});

const Period = z.strictObject({
  id: Id,
  from: IsoDate,
  to: IsoDate,
  /** When the commissioner pays for this period. */
  paymentDate: IsoDate,
  /** The last period: final payments and end-of-contract triggers. */
  final: z.boolean().optional(),
});

export const ANCHORS = ['enrolment', 'release'] as const;
const Window = z.strictObject({
  /** The event that opens each participant's window: enrolment, or release (the first release on or after enrolment). */
  anchor: z.enum(ANCHORS, { error: 'must be enrolment or release' }),
  /** Length of the window in days; the anchor's day is day 1. */
  days: Days,
});
export type Window = z.infer<typeof Window>;

/** A participant's category at enrolment (the evidence field `category`), which populations filter on. */
export const CATEGORIES = ['serving-sentence', 'probation', 'released'] as const;
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

export const ROUNDING_MODES = ['half-even', 'half-up', 'down', 'up'] as const;
export type RoundingMode = (typeof ROUNDING_MODES)[number];

export const ContractSpecSchema = z
  .strictObject({
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
    /** Withdrawn participants: excluded from the population, or counted as not achieving what they had not achieved. */
    withdrawals: z.enum(['exclude', 'not-achieved']),
    /** Confidence level of every interval, e.g. "0.95". */
    confidenceLevel: PositiveFraction,
    metrics: z.array(MetricSchema).min(1),
    comparisons: z.array(ComparisonSchema),
    triggers: z.array(TriggerSchema),
    payments: z.array(PaymentRuleSchema),
    caps: z.strictObject({
      overall: Money.optional(),
      perPeriod: Money.optional(),
      /** Per payment rule id. */
      perOutcome: z.record(Id, Money).optional(),
    }),
    /** Total payments may not exceed principal plus simple interest at annualRate from `from` to the payment date. */
    returnCap: z.strictObject({ principal: Money, annualRate: Fraction, from: IsoDate }).optional(),
    rounding: z.strictObject({
      mode: z.enum(ROUNDING_MODES, { error: `must be one of: ${ROUNDING_MODES.join(', ')}` }),
      /** Amounts are rounded to a multiple of this many minor units. */
      step: Money.refine((v) => v !== '0', 'must be at least 1'),
    }),
    /** Paths of values that are not public and were set for illustration, with why. */
    illustrative: z.array(z.strictObject({ path: z.string().min(1), note: Text })).optional(),
    /** Where the terms come from. */
    sources: z.array(Text).optional(),
  })
  .superRefine(crossChecks);
export type ContractSpec = z.infer<typeof ContractSpecSchema>;

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
}

/** Rules across fields, each reported at the path of the bad field. */
function crossChecks(spec: Omit<ContractSpec, never>, ctx: Ctx): void {
  if (spec.term.from > spec.term.to) issue(ctx, ['term', 'to'], 'must not be before term.from');
  if (spec.effectiveFrom < spec.term.from || spec.effectiveFrom > spec.term.to) {
    issue(ctx, ['effectiveFrom'], 'must be inside the term');
  } else if (spec.version === 1 && spec.effectiveFrom !== spec.term.from) {
    issue(ctx, ['effectiveFrom'], 'must be the start of the term for version 1');
  }
  const ids = new Map<string, string>();
  const unique = (id: string, path: Path) => {
    const seen = ids.get(id);
    if (seen !== undefined) issue(ctx, path, `duplicates the id ${id} of ${seen}`);
    else ids.set(id, path.join('.'));
  };
  for (const list of ['metrics', 'comparisons', 'triggers', 'payments'] as const) {
    spec[list].forEach((x, i) => {
      unique(x.id, [list, i, 'id']);
    });
  }

  // Shares
  const shares = spec.parties.investors.reduce((sum, inv) => sum.plus(inv.share), new Decimal(0));
  if (!shares.eq(1)) {
    issue(ctx, ['parties', 'investors'], `investor shares must sum to exactly 1 (they sum to ${shares.toString()})`);
  }
  const investorIds = new Set<string>();
  spec.parties.investors.forEach((inv, i) => {
    if (investorIds.has(inv.id)) issue(ctx, ['parties', 'investors', i, 'id'], `duplicates investor ${inv.id}`);
    investorIds.add(inv.id);
  });

  // Periods
  const periodIds = new Set<string>();
  spec.periods.forEach((p, i) => {
    if (periodIds.has(p.id)) issue(ctx, ['periods', i, 'id'], `duplicates period ${p.id}`);
    periodIds.add(p.id);
    if (p.from > p.to) issue(ctx, ['periods', i, 'to'], 'must not be before from');
    if (p.from < spec.term.from || p.to > spec.term.to) issue(ctx, ['periods', i], 'must be inside the term');
    if (p.paymentDate < p.to) issue(ctx, ['periods', i, 'paymentDate'], 'must not be before the end of the period');
    const prev = spec.periods[i - 1];
    if (prev !== undefined && p.from <= prev.to) {
      issue(ctx, ['periods', i, 'from'], `overlaps period ${prev.id} (periods must be in order and not overlap)`);
    }
    if (p.final === true && i !== spec.periods.length - 1) {
      issue(ctx, ['periods', i, 'final'], 'only the last period may be final');
    }
  });
  const checkPeriods = (list: readonly string[] | undefined, path: Path) =>
    list?.forEach((id, j) => {
      if (!periodIds.has(id)) issue(ctx, [...path, j], `unknown period ${id}`);
    });

  // Metrics
  const cohorts = new Set(spec.cohorts);
  const serviceTypes = new Set(spec.serviceTypes);
  const metrics = new Map(spec.metrics.map((m) => [m.id, m]));
  spec.metrics.forEach((m, i) => {
    m.population?.cohorts?.forEach((c, j) => {
      if (!cohorts.has(c)) issue(ctx, ['metrics', i, 'population', 'cohorts', j], `unknown cohort ${c}`);
    });
    if (m.kind === 'services') {
      m.serviceTypes?.forEach((t, j) => {
        if (!serviceTypes.has(t)) issue(ctx, ['metrics', i, 'serviceTypes', j], `unknown service type ${t}`);
      });
      for (const t of Object.keys(m.planned ?? {})) {
        if (!serviceTypes.has(t)) issue(ctx, ['metrics', i, 'planned', t], `unknown service type ${t}`);
      }
    }
    if (m.kind === 'participants-by') {
      if (m.by === 'age-band' && m.ageBands === undefined) {
        issue(ctx, ['metrics', i, 'ageBands'], 'is required when by is age-band');
      }
      if (m.by !== 'age-band' && m.ageBands !== undefined) {
        issue(ctx, ['metrics', i, 'ageBands'], 'is only for by age-band');
      }
      m.ageBands?.forEach((band, j) => {
        if (band.to !== undefined && band.to < band.from) {
          issue(ctx, ['metrics', i, 'ageBands', j, 'to'], 'must not be below from');
        }
        const prev = m.ageBands?.[j - 1];
        if (prev !== undefined && (prev.to === undefined || band.from <= prev.to)) {
          issue(ctx, ['metrics', i, 'ageBands', j, 'from'], 'age bands must be in order and not overlap');
        }
      });
    }
    if (m.kind === 'value-of') {
      const of = metrics.get(m.metric);
      if (of === undefined) issue(ctx, ['metrics', i, 'metric'], `unknown metric ${m.metric}`);
      else if (METRIC_UNITS[of.kind] !== 'count') {
        issue(ctx, ['metrics', i, 'metric'], `metric ${m.metric} is not a count (it is ${of.kind})`);
      }
    }
    if (m.target !== undefined && METRIC_UNITS[m.kind] === 'rate' && new Decimal(m.target.value).gt(1)) {
      issue(ctx, ['metrics', i, 'target', 'value'], 'a rate target must be at most 1');
    }
    if (m.target !== undefined && METRIC_UNITS[m.kind] === 'groups') {
      issue(ctx, ['metrics', i, 'target'], `a ${m.kind} metric has no single value to hold a target`);
    }
  });

  // Comparisons
  const comparisons = new Map(spec.comparisons.map((c) => [c.id, c]));
  spec.comparisons.forEach((c, i) => {
    const m = metrics.get(c.metric);
    if (m === undefined) {
      issue(ctx, ['comparisons', i, 'metric'], `unknown metric ${c.metric}`);
      return;
    }
    const unit = METRIC_UNITS[m.kind];
    if (unit !== 'rate' && unit !== 'mean') {
      issue(ctx, ['comparisons', i, 'metric'], `metric ${c.metric} is a ${unit}, not a rate or mean`);
    }
    if (c.kind === 'baseline' && unit === 'rate' && new Decimal(c.value).gt(1)) {
      issue(ctx, ['comparisons', i, 'value'], 'a baseline rate must be at most 1');
    }
    if (c.kind === 'control') {
      for (const [arm, list] of [
        ['treatment', c.treatment],
        ['control', c.control],
      ] as const) {
        list.forEach((cohort, j) => {
          if (!cohorts.has(cohort)) issue(ctx, ['comparisons', i, arm, j], `unknown cohort ${cohort}`);
        });
      }
      if (c.groupBy === 'cohort') {
        issue(
          ctx,
          ['comparisons', i, 'groupBy'],
          'a control comparison compares its two arms; it has no per-cohort groups',
        );
      }
      const overlap = c.treatment.find((x) => c.control.includes(x));
      if (overlap !== undefined) issue(ctx, ['comparisons', i, 'control'], `cohort ${overlap} is in both arms`);
      if (c.test === 'two-proportion' && unit !== 'rate') {
        issue(ctx, ['comparisons', i, 'test'], `two-proportion needs a rate metric; ${c.metric} is a ${unit}`);
      }
    }
  });

  // Triggers
  const triggers = new Map(spec.triggers.map((t) => [t.id, t]));
  spec.triggers.forEach((t, i) => {
    checkPeriods(t.periods, ['triggers', i, 'periods']);
    if ('comparison' in t) {
      const c = comparisons.get(t.comparison);
      if (c === undefined) issue(ctx, ['triggers', i, 'comparison'], `unknown comparison ${t.comparison}`);
      else if (t.significant === true && c.kind !== 'control') {
        issue(ctx, ['triggers', i, 'significant'], `comparison ${t.comparison} has no significance test`);
      }
      if (t.group === 'each-cohort' && c !== undefined && c.groupBy !== 'cohort') {
        issue(ctx, ['triggers', i, 'group'], `comparison ${t.comparison} is not computed per cohort (groupBy)`);
      }
    } else {
      if (!metrics.has(t.metric)) issue(ctx, ['triggers', i, 'metric'], `unknown metric ${t.metric}`);
      if (t.atLeast === undefined && t.atMost === undefined) {
        issue(ctx, ['triggers', i], 'needs atLeast or atMost');
      }
    }
  });

  // Payments
  const payments = new Map(spec.payments.map((p) => [p.id, p]));
  spec.payments.forEach((p, i) => {
    if ('trigger' in p && p.trigger !== undefined && !triggers.has(p.trigger)) {
      issue(ctx, ['payments', i, 'trigger'], `unknown trigger ${p.trigger}`);
    }
    switch (p.kind) {
      case 'per-outcome': {
        const m = metrics.get(p.metric);
        if (m === undefined) issue(ctx, ['payments', i, 'metric'], `unknown metric ${p.metric}`);
        else if (!['rate', 'count'].includes(METRIC_UNITS[m.kind]) || m.kind === 'enrolled') {
          if (m.kind !== 'enrolled') {
            issue(ctx, ['payments', i, 'metric'], `metric ${p.metric} (${m.kind}) has no outcome units to price`);
          }
        }
        break;
      }
      case 'tiered': {
        const c = comparisons.get(p.comparison);
        if (c === undefined) issue(ctx, ['payments', i, 'comparison'], `unknown comparison ${p.comparison}`);
        else if (p.group === 'each-cohort' && c.groupBy !== 'cohort') {
          issue(ctx, ['payments', i, 'group'], `comparison ${p.comparison} is not computed per cohort (groupBy)`);
        }
        if (p.significant === true && c !== undefined && c.kind !== 'control') {
          issue(ctx, ['payments', i, 'significant'], `comparison ${p.comparison} has no significance test`);
        }
        checkPeriods(p.periods, ['payments', i, 'periods']);
        p.tiers.forEach((tier, j) => {
          const prev = p.tiers[j - 1];
          if (prev === undefined) return;
          if (!new Decimal(tier.effectAtLeast).gt(prev.effectAtLeast)) {
            issue(ctx, ['payments', i, 'tiers', j, 'effectAtLeast'], 'tiers must be in increasing order of effect');
          }
          if (BigInt(tier.amount) < BigInt(prev.amount)) {
            issue(ctx, ['payments', i, 'tiers', j, 'amount'], 'must not be less than the amount of the tier below');
          }
        });
        break;
      }
      case 'per-effect': {
        const t = triggers.get(p.trigger);
        if (t !== undefined && !('comparison' in t)) {
          issue(ctx, ['payments', i, 'trigger'], `trigger ${p.trigger} is not on a comparison`);
        }
        p.deduct?.forEach((id, j) => {
          if (!payments.has(id)) issue(ctx, ['payments', i, 'deduct', j], `unknown payment rule ${id}`);
          else if (id === p.id) issue(ctx, ['payments', i, 'deduct', j], 'a rule cannot deduct itself');
        });
        break;
      }
      case 'all-or-nothing': {
        p.indicators.forEach((id, j) => {
          const m = metrics.get(id);
          if (m === undefined) issue(ctx, ['payments', i, 'indicators', j], `unknown metric ${id}`);
          else if (m.target === undefined) issue(ctx, ['payments', i, 'indicators', j], `metric ${id} has no target`);
        });
        checkPeriods(p.periods, ['payments', i, 'periods']);
        break;
      }
    }
  });
  for (const id of Object.keys(spec.caps.perOutcome ?? {})) {
    if (!payments.has(id)) issue(ctx, ['caps', 'perOutcome', id], `unknown payment rule ${id}`);
  }
  if (spec.returnCap !== undefined && spec.returnCap.from > spec.term.to) {
    issue(ctx, ['returnCap', 'from'], 'must not be after the term');
  }
}

/**
 * Problems of a zod error as {field, message}, the field being the dotted path
 * of the bad value. A value that matches no option of a union (a trigger) is
 * reported by the problems of the option it came closest to (fewest issues),
 * not as a bare "Invalid input".
 */
export function specProblems(error: z.ZodError): { field: string; message: string }[] {
  const flatten = (i: z.core.$ZodIssue, prefix: PropertyKey[]): { field: string; message: string }[] => {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const closest = i.errors.reduce((a, b) => (b.length < a.length ? b : a));
      if (closest.length > 0) return closest.flatMap((inner) => flatten(inner, path));
    }
    return [{ field: path.map(String).join('.') || '(root)', message: i.message }];
  };
  return error.issues.flatMap((i) => flatten(i, []));
}

/** Parses a contract spec, or throws ValidationError naming the path of every bad field. */
export function parseContractSpec(value: unknown): ContractSpec {
  const parsed = ContractSpecSchema.safeParse(value);
  if (!parsed.success) {
    const id = typeof (value as { id?: unknown })?.id === 'string' ? ` ${(value as { id: string }).id}` : '';
    throw new ValidationError(`contract spec${id} is invalid`, specProblems(parsed.error));
  }
  return parsed.data;
}

/** SHA-256 (hex) of the spec's canonical JSON: the contract hash every evaluation cites. */
export function specHash(spec: ContractSpec): string {
  return toHex(sha256(canonicalBytes(spec)));
}

/** The period of a spec by id, or undefined. */
export function periodOf(spec: ContractSpec, id: string): ContractSpec['periods'][number] | undefined {
  return spec.periods.find((p) => p.id === id);
}
