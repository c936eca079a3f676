import type { ContractSpec, Metric, PaymentRule } from '#contracts';
import { METRIC_UNITS } from '#contracts';
import { Decimal } from '#kernel';
import type { ExactComparison, TriggerResult } from './comparisons.ts';
import type { EffectFigure, LineFigures, TierFigure } from './formula.ts';
import type { MetricValue, ParticipantOutcome } from './metrics.ts';
import { roundToStep } from './money.ts';
import {
  compareKeys,
  groupKey,
  keyId,
  type OutcomeKey,
  type PriorPayments,
  paidBeforeUnder,
  termWindow,
  windowText,
} from './outcome-keys.ts';
import { indicatorChecks } from './targets.ts';

/**
 * Entitlements: what each payment rule owes each key to date, from the
 * metric values, comparisons and triggers (per-outcome: each participant's
 * outcome at the rule's price; tiered: the highest tier the effect reaches;
 * per-effect: the units of effect at the price, less what deducted rules
 * paid; all-or-nothing: the amount if every indicator is met), and the
 * deltas against what earlier periods paid. Effect-based entitlements
 * (tiered, per-effect) never go down: a later period pays any increase.
 */

export interface PaymentInputs {
  readonly spec: ContractSpec;
  readonly period: ContractSpec['periods'][number];
  readonly metricValues: ReadonlyMap<string, MetricValue>;
  readonly outcomes: ReadonlyMap<string, readonly ParticipantOutcome[]>;
  readonly comparisons: readonly ExactComparison[];
  readonly triggers: readonly TriggerResult[];
  readonly prior: PriorPayments;
}

type Tier = Extract<PaymentRule, { kind: 'tiered' }>['tiers'][number];

/** The figures an entitlement follows from (the report verifier words its findings from them). */
export type ClaimBasis =
  | { readonly kind: 'tier'; readonly group: string; readonly effect: Decimal; readonly tier: Tier | undefined }
  | {
      readonly kind: 'effect';
      readonly group: string;
      readonly units: Decimal;
      readonly gross: bigint;
      readonly deducted: bigint;
    }
  | { readonly kind: 'indicators'; readonly failed: readonly string[] };

export interface Claim {
  readonly key: OutcomeKey;
  /** Owed to date. */
  readonly entitled: bigint;
  readonly basis?: ClaimBasis;
}

export interface RuleClaims {
  readonly claims: Claim[];
  /** The figures of the payment line (its formula text is made from them: formula.ts), given the keys due. */
  readonly figures: (due: readonly Delta[]) => LineFigures;
  /** Keys of this rule paid before that the rule no longer claims: kept (true) or taken back (false). */
  readonly keepUnclaimed: boolean;
  /** False when the rule has no payment period here (it then gets no line unless something is due). */
  readonly inPeriod?: false;
}

/** One key's entitlement against what was paid before: delta is new (positive) or taken back (negative). */
export interface Delta {
  readonly key: OutcomeKey;
  readonly entitled: bigint;
  readonly before: bigint;
  readonly delta: bigint;
  /** Forfeited in earlier evaluations (`caps.capped: forfeit`): never paid again. */
  readonly forfeited: bigint;
}

const sumDeltas = (ds: readonly Delta[]) => ds.reduce((a, d) => a + d.delta, 0n).toString();

/** Whether a trigger is met for a group (a rule with no trigger always is). */
export function triggerMet(triggers: readonly TriggerResult[], id: string | undefined, group = 'all'): boolean {
  return id === undefined || triggers.some((t) => t.id === id && t.group === group && t.met);
}

/** A per-outcome entitlement: the price of `units` units, rounded to the step. */
export function outcomeAmount(rule: { readonly price: string }, units: number, spec: ContractSpec): bigint {
  return roundToStep(new Decimal(rule.price).times(units), spec);
}

/** The highest tier an effect reaches (none unless significant when the rule asks for it). */
export function tierReached(tiers: readonly Tier[], effect: Decimal, significant: boolean): Tier | undefined {
  let tier: Tier | undefined;
  for (const t of tiers) if (significant && effect.gte(t.effectAtLeast)) tier = t;
  return tier;
}

/**
 * Units of effect: (c − t) × n, as c × n − the treatment's sum when it is
 * known: exact, where t = sum ÷ n may not be (1.55 − 7/6 over 6 is 2.3, not
 * 2.2999…, which the `down` rounding mode would pay one unit short).
 */
export function effectUnits(row: Pick<ExactComparison, 'result' | 't' | 'n'>, c: Decimal): Decimal {
  const sum = row.result.treatment.numerator;
  return sum === undefined ? c.minus(row.t).times(row.n) : c.times(row.n).minus(sum);
}

/** What a rule owes each key to date. `paidNowByRule`: what this evaluation paid so far (per-effect deductions). */
export function claimsOf(
  rule: PaymentRule,
  inputs: PaymentInputs,
  paidNowByRule: ReadonlyMap<string, bigint>,
): RuleClaims {
  switch (rule.kind) {
    case 'per-outcome':
      return perOutcomeClaims(rule, inputs);
    case 'tiered':
      return tieredClaims(rule, inputs);
    case 'per-effect':
      return perEffectClaims(rule, inputs, paidNowByRule);
    case 'all-or-nothing':
      return allOrNothingClaims(rule, inputs);
  }
}

function perOutcomeClaims(rule: Extract<PaymentRule, { kind: 'per-outcome' }>, inputs: PaymentInputs): RuleClaims {
  const { spec } = inputs;
  const metric = spec.metrics.find((m) => m.id === rule.metric) as Metric;
  const price = BigInt(rule.price);
  if (!triggerMet(inputs.triggers, rule.trigger)) {
    const why = inputs.triggers.find((t) => t.id === rule.trigger)?.because ?? 'not met';
    return {
      claims: [],
      figures: () => ({ basis: 'trigger', trigger: rule.trigger ?? '', because: why }),
      keepUnclaimed: true,
    };
  }
  const unit = METRIC_UNITS[metric.kind];
  const claims: Claim[] = [];
  for (const o of inputs.outcomes.get(metric.id) ?? []) {
    const units = unit === 'rate' ? (o.achieved ? 1 : 0) : o.counted ? o.value : 0;
    if (units <= 0) continue;
    claims.push({
      key: { subject: o.participant, rule: rule.id, window: o.window ? windowText(o.window) : termWindow(spec) },
      entitled: outcomeAmount(rule, units, spec),
    });
  }
  return {
    claims,
    figures: (due) => {
      const fresh = due.filter((d) => d.before === 0n);
      const carried = due.filter((d) => d.before !== 0n);
      return {
        basis: 'outcomes',
        metric: metric.id,
        per: unit === 'rate' ? 'outcome' : 'unit',
        // One outcome is paid at the price rounded to the step, so that the text's arithmetic holds.
        price: (unit === 'rate' ? outcomeAmount(rule, 1, spec) : price).toString(),
        new: fresh.length,
        newAmount: sumDeltas(fresh),
        carried: carried.length,
        carriedAmount: sumDeltas(carried),
      };
    },
    keepUnclaimed: false,
  };
}

/** The comparison rows a group-keyed rule reads: `all`, or each cohort. */
const rowsFor = (comparisons: readonly ExactComparison[], id: string, group: string | undefined) =>
  comparisons.filter(
    (c) => c.result.id === id && ((group ?? 'all') === 'all' ? c.result.group === 'all' : c.result.group !== 'all'),
  );

function tieredClaims(rule: Extract<PaymentRule, { kind: 'tiered' }>, inputs: PaymentInputs): RuleClaims {
  const { spec, period, prior } = inputs;
  const allowed = rule.periods === undefined || rule.periods.includes(period.id);
  const claims: Claim[] = [];
  const groups: TierFigure[] = [];
  for (const row of rowsFor(inputs.comparisons, rule.comparison, rule.group)) {
    const key = groupKey(spec, rule.id, row.result.group);
    const before = prior.byKey.get(keyId(key))?.paid ?? 0n;
    if (!allowed || row.effect === undefined) continue;
    const significant = rule.significant !== true || row.result.test?.significant === true;
    const tier = tierReached(rule.tiers, row.effect, significant);
    const amount = tier === undefined ? 0n : BigInt(tier.amount);
    groups.push({
      group: row.result.group,
      effect: String(row.result.effectSize),
      ...(tier === undefined ? {} : { tier: { at: String(tier.effectAtLeast), amount: amount.toString() } }),
      significant,
    });
    const basis = { kind: 'tier' as const, group: row.result.group, effect: row.effect, tier };
    claims.push({ key, entitled: amount > before ? amount : before, basis });
  }
  return {
    claims,
    figures: () => (allowed ? { basis: 'tiers', groups } : { basis: 'period', periods: rule.periods ?? [] }),
    keepUnclaimed: true,
    ...(allowed ? {} : { inPeriod: false as const }),
  };
}

function perEffectClaims(
  rule: Extract<PaymentRule, { kind: 'per-effect' }>,
  inputs: PaymentInputs,
  paidNowByRule: ReadonlyMap<string, bigint>,
): RuleClaims {
  const { spec, prior } = inputs;
  const trigger = spec.triggers.find((t) => t.id === rule.trigger);
  const comparisonId = trigger !== undefined && 'comparison' in trigger ? trigger.comparison : '';
  const price = new Decimal(rule.pricePerUnit);
  const claims: Claim[] = [];
  const groups: EffectFigure[] = [];
  let deducted = 0n;
  for (const id of rule.deduct ?? []) deducted += paidBeforeUnder(prior, id) + (paidNowByRule.get(id) ?? 0n);
  for (const t of inputs.triggers.filter((x) => x.id === rule.trigger)) {
    const key = groupKey(spec, rule.id, t.group);
    const before = prior.byKey.get(keyId(key))?.paid ?? 0n;
    if (!t.met) {
      groups.push({ group: t.group, met: false, because: t.because });
      continue;
    }
    const row = inputs.comparisons.find((c) => c.result.id === comparisonId && c.result.group === t.group);
    if (row === undefined || row.c === undefined) continue;
    const units = effectUnits(row, row.c);
    const gross = roundToStep(units.times(price), spec);
    const net = gross - deducted > 0n ? gross - deducted : 0n;
    groups.push({
      group: t.group,
      met: true,
      c: row.c.toDecimalPlaces(6).toString(),
      t: row.t.toDecimalPlaces(6).toString(),
      n: row.n,
      units: units.toDecimalPlaces(6).toString(),
      price: BigInt(rule.pricePerUnit).toString(),
      gross: gross.toString(),
      deducted: deducted.toString(),
      deduct: rule.deduct ?? [],
    });
    const basis = { kind: 'effect' as const, group: t.group, units, gross, deducted };
    claims.push({ key, entitled: net > before ? net : before, basis });
  }
  return { claims, figures: () => ({ basis: 'effects', groups }), keepUnclaimed: true };
}

function allOrNothingClaims(rule: Extract<PaymentRule, { kind: 'all-or-nothing' }>, inputs: PaymentInputs): RuleClaims {
  const { spec, period } = inputs;
  if (!rule.periods.includes(period.id)) {
    return {
      claims: [],
      figures: () => ({ basis: 'period', periods: rule.periods }),
      keepUnclaimed: true,
      inPeriod: false,
    };
  }
  const checks = indicatorChecks(spec, rule, inputs.metricValues);
  const all = checks.every((c) => c.met);
  const amount = all ? BigInt(rule.amount) : 0n;
  const failed = checks.filter((c) => !c.met).map((c) => c.metric);
  const tolerance = `${new Decimal(rule.tolerance).times(100).toString()}%`;
  const key = { subject: 'contract', rule: rule.id, window: `${period.from}..${period.to}` };
  return {
    claims: [{ key, entitled: amount, basis: { kind: 'indicators', failed } }],
    figures: () => ({ basis: 'indicators', tolerance, amount: BigInt(rule.amount).toString(), failed }),
    keepUnclaimed: true,
  };
}

/**
 * A key's delta: what it is owed beyond what was paid, less what was
 * forfeited (never below nothing), or, owed less than was paid, the
 * difference taken back.
 */
function deltaOf(entitled: bigint, before: bigint, forfeited: bigint): bigint {
  if (entitled < before) return entitled - before;
  const due = entitled - before - forfeited;
  return due > 0n ? due : 0n;
}

/**
 * A rule's deltas in key order: each claim against what was paid before, and
 * each key paid before that the rule no longer claims (kept, or taken back).
 */
export function deltasOf(rule: PaymentRule, rc: RuleClaims, prior: PriorPayments): Delta[] {
  const claimed = new Set(rc.claims.map((c) => keyId(c.key)));
  const deltas: Delta[] = [];
  for (const c of rc.claims) {
    const before = prior.byKey.get(keyId(c.key))?.paid ?? 0n;
    const forfeited = prior.forfeited?.get(keyId(c.key)) ?? 0n;
    deltas.push({ key: c.key, entitled: c.entitled, before, delta: deltaOf(c.entitled, before, forfeited), forfeited });
  }
  for (const [id, { key, paid }] of prior.byKey) {
    if (key.rule !== rule.id || claimed.has(id) || paid === 0n) continue;
    const target = rc.keepUnclaimed ? paid : 0n;
    const forfeited = prior.forfeited?.get(id) ?? 0n;
    deltas.push({ key, entitled: target, before: paid, delta: target - paid, forfeited });
  }
  return deltas.sort((a, b) => compareKeys(a.key, b.key));
}
