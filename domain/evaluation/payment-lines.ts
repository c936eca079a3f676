import type { ContractSpec, Metric, PaymentRule, RoundingMode } from '#contracts';
import { METRIC_UNITS } from '#contracts';
import { Decimal, type DecimalValue, dayNumber, isoDay, type Rounding } from '#kernel';
import type { ExactComparison, TriggerResult } from './comparisons.ts';
import type { DayRange, MetricValue, ParticipantOutcome } from './metrics.ts';

/**
 * The payment engine: from metric values, comparisons and triggers to
 * payment lines, exactly (bigint minor units; decimal.js where a price meets
 * a ratio), with no outcome paid twice.
 *
 * Every payable outcome has a key (who: a participant pseudonym, a cohort
 * group or the contract; the payment rule; the window). An evaluation works
 * out each key's entitlement to date, and pays only the part not paid by the
 * evaluations of earlier periods. An outcome paid before and no longer
 * achieved (a correction removed it) becomes a negative adjustment.
 * Effect-based payments (tiered, per-effect) are never clawed back: a later
 * period pays any increase. Caps and the return cap limit new payments, not
 * adjustments.
 */

export interface OutcomeKey {
  /** A participant pseudonym, `group:<cohort or all>`, or `contract`. */
  readonly subject: string;
  /** The payment rule. */
  readonly rule: string;
  /** `YYYY-MM-DD..YYYY-MM-DD`. */
  readonly window: string;
}

/** One key's account in an evaluation (the evaluator's detail; investors never see it). */
export interface OutcomeLine extends OutcomeKey {
  /** What the key is owed to date (minor units). */
  readonly entitled: string;
  readonly paidBefore: string;
  /** Paid (or, negative, taken back) by this evaluation. */
  readonly paidNow: string;
}

export interface PaymentLine {
  readonly rule: string;
  readonly kind: PaymentRule['kind'];
  readonly type: 'payment' | 'adjustment';
  /** Keys paid (or adjusted) by this line. */
  readonly outcomes: number;
  /** Signed minor units. */
  readonly amount: string;
  /** How the amount follows from the numbers, in words and figures. */
  readonly formula: string;
}

export interface CapUse {
  readonly cap: string;
  readonly limit: string;
  readonly before: string;
  readonly after: string;
  /** Whether the cap cut a payment in this evaluation. */
  readonly binding: boolean;
}

export interface Allocation {
  readonly investor: string;
  readonly share: string;
  readonly amount: string;
}

export interface PaymentsResult {
  readonly currency: string;
  readonly minorUnit: number;
  readonly lines: readonly PaymentLine[];
  /** This evaluation's total: the sum of the lines (minor units, may be negative). */
  readonly total: string;
  /** Paid by the evaluations of earlier periods. */
  readonly paidBefore: string;
  /** paidBefore + total. */
  readonly cumulative: string;
  readonly caps: readonly CapUse[];
  /** The total split among investors by share, largest remainder: the parts sum exactly to the total. */
  readonly allocation: readonly Allocation[];
}

/** Indicator checks of all-or-nothing rules, for the report. */
export interface IndicatorCheck {
  readonly rule: string;
  readonly metric: string;
  readonly value: string;
  readonly target: string;
  readonly direction: 'at-least' | 'at-most';
  /** The value the indicator must reach: tolerance × target (at-least) or target ÷ tolerance (at-most). */
  readonly threshold: string;
  /** Whether the value reaches the threshold; never for a rate or mean with no participant counted yet. */
  readonly met: boolean;
}

/** What earlier periods paid, from their evaluation results. */
export interface PriorPayments {
  /** Net paid per key (sum of paidNow over earlier evaluations). */
  readonly byKey: ReadonlyMap<string, { readonly key: OutcomeKey; readonly paid: bigint }>;
  readonly total: bigint;
}

export const NO_PRIOR: PriorPayments = { byKey: new Map(), total: 0n };

/** Folds earlier results' outcome lines into net paid per key. */
export function priorPayments(results: readonly { readonly outcomes: readonly OutcomeLine[] }[]): PriorPayments {
  const byKey = new Map<string, { key: OutcomeKey; paid: bigint }>();
  let total = 0n;
  for (const r of results) {
    for (const o of r.outcomes) {
      const id = keyId(o);
      const now = BigInt(o.paidNow);
      total += now;
      const held = byKey.get(id);
      if (held === undefined) byKey.set(id, { key: { subject: o.subject, rule: o.rule, window: o.window }, paid: now });
      else held.paid += now;
    }
  }
  return { byKey, total };
}

export function keyId(k: OutcomeKey): string {
  return `${k.subject}|${k.rule}|${k.window}`;
}

const windowText = (w: DayRange): string => `${isoDay(w.from)}..${isoDay(w.to)}`;

// ---- Money

const ROUNDING: Readonly<Record<RoundingMode, Rounding>> = {
  'half-even': Decimal.ROUND_HALF_EVEN,
  'half-up': Decimal.ROUND_HALF_UP,
  down: Decimal.ROUND_DOWN,
  up: Decimal.ROUND_UP,
};

/** Rounds a decimal amount of minor units to a multiple of the contract's step. */
export function roundToStep(amount: DecimalValue, spec: Pick<ContractSpec, 'rounding'>): bigint {
  const step = new Decimal(spec.rounding.step);
  const steps = new Decimal(amount).div(step).toDecimalPlaces(0, ROUNDING[spec.rounding.mode]);
  return BigInt(steps.times(step).toFixed(0));
}

/** The largest multiple of the step not above `amount` (cap room). */
function floorToStep(amount: bigint, spec: Pick<ContractSpec, 'rounding'>): bigint {
  const step = BigInt(spec.rounding.step);
  if (amount <= 0n) return 0n;
  return (amount / step) * step;
}

/** `123456789` minor units with 2 digits -> `1,234,567.89`; negative with a minus sign. */
export function formatMoney(minor: bigint | string, minorUnit: number): string {
  const v = BigInt(minor);
  const sign = v < 0n ? '-' : '';
  const digits = (v < 0n ? -v : v).toString().padStart(minorUnit + 1, '0');
  const whole = digits.slice(0, digits.length - minorUnit).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return minorUnit === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - minorUnit)}`;
}

/**
 * Splits `total` among parties by share with the largest-remainder method:
 * each gets the floor of its exact part, and the units left over go one each
 * to the largest remainders (ties: the earlier party). The parts sum to
 * `total` exactly; a negative total is split as its absolute value, negated.
 */
export function allocateByShare(total: bigint, shares: readonly { id: string; share: string }[]): Allocation[] {
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const exact = shares.map((s) => new Decimal(abs.toString()).times(s.share));
  const floors = exact.map((e) => BigInt(e.floor().toFixed(0)));
  let left = abs - floors.reduce((a, b) => a + b, 0n);
  const order = exact
    .map((e, i) => ({ i, rem: e.minus(e.floor()) }))
    .sort((a, b) => b.rem.comparedTo(a.rem) || a.i - b.i);
  const parts = [...floors];
  for (const { i } of order) {
    if (left <= 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left--;
  }
  return shares.map((s, i) => ({
    investor: s.id,
    share: s.share,
    amount: (negative ? -(parts[i] as bigint) : (parts[i] as bigint)).toString(),
  }));
}

// ---- Entitlements

interface Claim {
  readonly key: OutcomeKey;
  /** Owed to date. */
  readonly entitled: bigint;
}

interface RuleClaims {
  readonly claims: Claim[];
  /** Words for the payment line. */
  readonly describe: (paidKeys: number, amount: bigint) => string;
  /** Keys of this rule paid before that the rule no longer claims: kept (true) or taken back (false). */
  readonly keepUnclaimed: boolean;
  /** False when the rule has no payment period here (it then gets no line unless something is due). */
  readonly inPeriod?: false;
}

export interface PaymentInputs {
  readonly spec: ContractSpec;
  readonly period: ContractSpec['periods'][number];
  readonly metricValues: ReadonlyMap<string, MetricValue>;
  readonly outcomes: ReadonlyMap<string, readonly ParticipantOutcome[]>;
  readonly comparisons: readonly ExactComparison[];
  readonly triggers: readonly TriggerResult[];
  readonly prior: PriorPayments;
}

/** A metric's exact value (rates and means as numerator ÷ denominator, not the rounded figure). */
export function exactValue(v: MetricValue | undefined): Decimal | undefined {
  if (v === undefined) return undefined;
  if (v.unit === 'rate' || v.unit === 'mean') {
    return v.denominator === undefined || v.denominator === 0
      ? new Decimal(0)
      : new Decimal(v.numerator ?? '0').div(v.denominator);
  }
  return new Decimal(v.value);
}

/** The all-or-nothing indicator checks of a rule. */
export function indicatorChecks(
  spec: ContractSpec,
  rule: Extract<PaymentRule, { kind: 'all-or-nothing' }>,
  values: ReadonlyMap<string, MetricValue>,
): IndicatorCheck[] {
  return rule.indicators.map((id) => {
    const metric = spec.metrics.find((m) => m.id === id) as Metric;
    const target = metric.target as NonNullable<Metric['target']>;
    const measured = values.get(id);
    const value = exactValue(measured) ?? new Decimal(0);
    const threshold =
      target.direction === 'at-least'
        ? new Decimal(target.value).times(rule.tolerance)
        : new Decimal(target.value).div(rule.tolerance);
    // No value, or a rate or mean over nobody (no window closed yet): it meets no target, not even an at-most one.
    const unmeasured =
      measured === undefined || ((measured.unit === 'rate' || measured.unit === 'mean') && !measured.denominator);
    const met = !unmeasured && (target.direction === 'at-least' ? value.gte(threshold) : value.lte(threshold));
    return {
      rule: rule.id,
      metric: id,
      value: values.get(id)?.value ?? '0',
      target: target.value,
      direction: target.direction,
      threshold: threshold.toDecimalPlaces(6, Decimal.ROUND_HALF_EVEN).toString(),
      met,
    };
  });
}

function claimsOf(rule: PaymentRule, inputs: PaymentInputs, paidNowByRule: ReadonlyMap<string, bigint>): RuleClaims {
  const { spec, period, prior } = inputs;
  const money = (v: bigint) => `${formatMoney(v, spec.minorUnit)} ${spec.currency}`;
  const termWindow = `${spec.term.from}..${spec.term.to}`;
  const triggerMet = (id: string | undefined, group = 'all') =>
    id === undefined || inputs.triggers.some((t) => t.id === id && t.group === group && t.met);
  const frozen = (): Claim[] => [];
  switch (rule.kind) {
    case 'per-outcome': {
      const metric = spec.metrics.find((m) => m.id === rule.metric) as Metric;
      const price = BigInt(rule.price);
      if (!triggerMet(rule.trigger)) {
        const why = inputs.triggers.find((t) => t.id === rule.trigger)?.because ?? 'not met';
        return { claims: frozen(), describe: () => `trigger ${rule.trigger} not met (${why})`, keepUnclaimed: true };
      }
      const unit = METRIC_UNITS[metric.kind];
      const claims: Claim[] = [];
      for (const o of inputs.outcomes.get(metric.id) ?? []) {
        const units = unit === 'rate' ? (o.achieved ? 1 : 0) : o.counted ? o.value : 0;
        if (units <= 0) continue;
        claims.push({
          key: { subject: o.participant, rule: rule.id, window: o.window ? windowText(o.window) : termWindow },
          entitled: roundToStep(new Decimal(price.toString()).times(units), spec),
        });
      }
      return {
        claims,
        describe: (n, amount) =>
          unit === 'rate'
            ? `${n} new ${metric.id} outcome(s) × ${money(price)} = ${money(amount)}`
            : `${n} participant(s) with new ${metric.id} units × ${money(price)} per unit = ${money(amount)}`,
        keepUnclaimed: false,
      };
    }
    case 'tiered': {
      const allowed = rule.periods === undefined || rule.periods.includes(period.id);
      const wanted = rule.group ?? 'all';
      const rows = inputs.comparisons.filter(
        (c) =>
          c.result.id === rule.comparison && (wanted === 'all' ? c.result.group === 'all' : c.result.group !== 'all'),
      );
      const claims: Claim[] = [];
      const words: string[] = [];
      for (const row of rows) {
        const key = { subject: `group:${row.result.group}`, rule: rule.id, window: termWindow };
        const before = prior.byKey.get(keyId(key))?.paid ?? 0n;
        if (!allowed || row.effect === undefined) continue;
        const significant = rule.significant !== true || row.result.test?.significant === true;
        let tier: (typeof rule.tiers)[number] | undefined;
        for (const t of rule.tiers) if (significant && row.effect.gte(t.effectAtLeast)) tier = t;
        const amount = tier === undefined ? 0n : BigInt(tier.amount);
        words.push(
          `${row.result.group}: effect ${row.result.effectSize} → ${
            tier === undefined ? 'no tier reached' : `tier ≥ ${tier.effectAtLeast} = ${money(amount)}`
          }${significant ? '' : ' (not significant)'}`,
        );
        claims.push({ key, entitled: amount > before ? amount : before });
      }
      return {
        claims,
        describe: (_n, amount) =>
          allowed
            ? `${words.join('; ') || 'no comparison figure'}; new: ${money(amount)}`
            : `not a payment period of this rule (${rule.periods?.join(', ')})`,
        keepUnclaimed: true,
        ...(allowed ? {} : { inPeriod: false as const }),
      };
    }
    case 'per-effect': {
      const trigger = spec.triggers.find((t) => t.id === rule.trigger);
      const comparisonId = trigger !== undefined && 'comparison' in trigger ? trigger.comparison : '';
      const price = new Decimal(rule.pricePerUnit);
      const claims: Claim[] = [];
      const words: string[] = [];
      let deducted = 0n;
      for (const id of rule.deduct ?? []) {
        for (const { key, paid } of prior.byKey.values()) if (key.rule === id) deducted += paid;
        deducted += paidNowByRule.get(id) ?? 0n;
      }
      for (const t of inputs.triggers.filter((x) => x.id === rule.trigger)) {
        const key = { subject: `group:${t.group}`, rule: rule.id, window: termWindow };
        const before = prior.byKey.get(keyId(key))?.paid ?? 0n;
        if (!t.met) {
          words.push(`${t.group}: trigger not met (${t.because})`);
          continue;
        }
        const row = inputs.comparisons.find((c) => c.result.id === comparisonId && c.result.group === t.group);
        if (row === undefined || row.c === undefined) continue;
        // (c − t) × n as c × n − the treatment's sum: exact, where t = sum ÷ n may not be (1.55 − 7/6 over 6 is 2.3,
        // not 2.2999…, which the `down` rounding mode would pay one unit short).
        const sum = row.result.treatment.numerator;
        const units = sum === undefined ? row.c.minus(row.t).times(row.n) : row.c.times(row.n).minus(sum);
        const gross = roundToStep(units.times(price), spec);
        const net = gross - deducted > 0n ? gross - deducted : 0n;
        words.push(
          `${t.group}: (${row.c.toDecimalPlaces(6).toString()} − ${row.t.toDecimalPlaces(6).toString()}) × ${row.n} participants = ${units
            .toDecimalPlaces(6)
            .toString()} units × ${money(BigInt(rule.pricePerUnit))} = ${money(gross)}${
            deducted > 0n ? ` − ${money(deducted)} paid under ${rule.deduct?.join(', ')}` : ''
          }`,
        );
        claims.push({ key, entitled: net > before ? net : before });
      }
      return { claims, describe: (_n, amount) => `${words.join('; ')}; new: ${money(amount)}`, keepUnclaimed: true };
    }
    case 'all-or-nothing': {
      if (!rule.periods.includes(period.id)) {
        return {
          claims: [],
          describe: () => `not a payment period of this rule (${rule.periods.join(', ')})`,
          keepUnclaimed: true,
          inPeriod: false,
        };
      }
      const checks = indicatorChecks(spec, rule, inputs.metricValues);
      const all = checks.every((c) => c.met);
      const amount = all ? BigInt(rule.amount) : 0n;
      const failed = checks.filter((c) => !c.met).map((c) => c.metric);
      return {
        claims: [
          { key: { subject: 'contract', rule: rule.id, window: `${period.from}..${period.to}` }, entitled: amount },
        ],
        describe: () =>
          all
            ? `every indicator within ${new Decimal(rule.tolerance).times(100).toString()}% of target: ${money(BigInt(rule.amount))}`
            : `not every indicator reached ${new Decimal(rule.tolerance).times(100).toString()}% of target (failed: ${failed.join(', ')}): nothing is paid`,
        keepUnclaimed: true,
      };
    }
  }
}

// ---- Caps

interface CapState {
  readonly name: string;
  readonly limit: bigint;
  used: bigint;
  readonly before: bigint;
  binding: boolean;
  readonly applies: (rule: string) => boolean;
}

/**
 * The return cap's limit at a payment date: principal × (1 + rate × days/365),
 * rounded down to the minor unit. Exact (bigint): the interest is one division,
 * floored, so a limit that is a whole number is never read as one unit less.
 */
export function returnCapLimit(cap: NonNullable<ContractSpec['returnCap']>, paymentDate: string): bigint {
  const days = BigInt(Math.max(0, dayNumber(paymentDate) - dayNumber(cap.from)));
  const [whole = '0', fraction = ''] = cap.annualRate.split('.');
  const rate = BigInt(`${whole}${fraction}`);
  const scale = 10n ** BigInt(fraction.length);
  const principal = BigInt(cap.principal);
  return principal + (principal * rate * days) / (scale * 365n);
}

function capsOf(inputs: PaymentInputs): CapState[] {
  const { spec, prior } = inputs;
  const caps: CapState[] = [];
  const all = () => true;
  if (spec.caps.overall !== undefined) {
    caps.push({
      name: 'overall',
      limit: BigInt(spec.caps.overall),
      used: prior.total,
      before: prior.total,
      binding: false,
      applies: all,
    });
  }
  if (spec.caps.perPeriod !== undefined) {
    caps.push({
      name: 'per period',
      limit: BigInt(spec.caps.perPeriod),
      used: 0n,
      before: 0n,
      binding: false,
      applies: all,
    });
  }
  for (const [rule, limit] of Object.entries(spec.caps.perOutcome ?? {})) {
    let paid = 0n;
    for (const { key, paid: p } of prior.byKey.values()) if (key.rule === rule) paid += p;
    caps.push({
      name: `per outcome ${rule}`,
      limit: BigInt(limit),
      used: paid,
      before: paid,
      binding: false,
      applies: (r) => r === rule,
    });
  }
  if (spec.returnCap !== undefined) {
    caps.push({
      name: `return cap (${new Decimal(spec.returnCap.annualRate).times(100).toString()}% a year on ${formatMoney(BigInt(spec.returnCap.principal), spec.minorUnit)} to ${inputs.period.paymentDate})`,
      limit: returnCapLimit(spec.returnCap, inputs.period.paymentDate),
      used: prior.total,
      before: prior.total,
      binding: false,
      applies: all,
    });
  }
  return caps;
}

// ---- The engine

/** Rules in contract order, except that a rule deducting others comes after them (a cycle keeps contract order). */
function paymentOrder<T extends { readonly rule: PaymentRule }>(rules: readonly T[]): T[] {
  const waiting = [...rules];
  const out: T[] = [];
  while (waiting.length > 0) {
    const ready = waiting.findIndex(
      ({ rule }) =>
        rule.kind !== 'per-effect' || (rule.deduct ?? []).every((id) => !waiting.some((w) => w.rule.id === id)),
    );
    out.push(...waiting.splice(ready < 0 ? 0 : ready, 1));
  }
  return out;
}

export function computePayments(inputs: PaymentInputs): { payments: PaymentsResult; outcomes: OutcomeLine[] } {
  const { spec, prior } = inputs;
  const caps = capsOf(inputs);
  const lines: PaymentLine[] = [];
  const outcomeLines: OutcomeLine[] = [];
  const paidNowByRule = new Map<string, bigint>();
  const money = (v: bigint) => `${formatMoney(v, spec.minorUnit)} ${spec.currency}`;

  // Per rule: the entitlements, then what is new (positive) or taken back (negative).
  const build = (rule: PaymentRule) => {
    const rc = claimsOf(rule, inputs, paidNowByRule);
    const entitled = new Map(rc.claims.map((c) => [keyId(c.key), c]));
    const deltas: { key: OutcomeKey; entitled: bigint; before: bigint; delta: bigint }[] = [];
    for (const c of rc.claims) {
      const before = prior.byKey.get(keyId(c.key))?.paid ?? 0n;
      deltas.push({ key: c.key, entitled: c.entitled, before, delta: c.entitled - before });
    }
    for (const [id, { key, paid }] of prior.byKey) {
      if (key.rule !== rule.id || entitled.has(id) || paid === 0n) continue;
      const target = rc.keepUnclaimed ? paid : 0n;
      deltas.push({ key, entitled: target, before: paid, delta: target - paid });
    }
    deltas.sort((a, b) => (keyId(a.key) < keyId(b.key) ? -1 : keyId(a.key) > keyId(b.key) ? 1 : 0));
    return { rule, rc, deltas };
  };
  const perRule = spec.payments.map(build);

  // Adjustments first: they free room under the caps.
  for (const { rule, deltas } of perRule) {
    const taken = deltas.filter((d) => d.delta < 0n);
    if (taken.length === 0) continue;
    const amount = taken.reduce((s, d) => s + d.delta, 0n);
    for (const cap of caps) if (cap.applies(rule.id)) cap.used += amount;
    paidNowByRule.set(rule.id, (paidNowByRule.get(rule.id) ?? 0n) + amount);
    lines.push({
      rule: rule.id,
      kind: rule.kind,
      type: 'adjustment',
      outcomes: taken.length,
      amount: amount.toString(),
      formula: `${taken.length} outcome(s) paid in earlier periods are no longer achieved (corrected evidence): ${money(amount)}`,
    });
  }

  // New payments, rule by rule in contract order, keys in key order, each within the room left under every cap.
  // A rule that deducts others (per-effect `deduct`) is paid after them, its claims worked out again net of
  // what they pay in this evaluation too (an early payment and the final one can fall in the same period).
  for (const planned of paymentOrder(perRule)) {
    const { rule, rc, deltas } =
      planned.rule.kind === 'per-effect' && planned.rule.deduct !== undefined ? build(planned.rule) : planned;
    let amount = 0n;
    let paidKeys = 0;
    const cutBy = new Set<string>();
    const due = deltas.filter((d) => d.delta > 0n);
    const paid = new Map<string, bigint>();
    for (const d of due) {
      let pay = d.delta;
      for (const cap of caps) {
        if (!cap.applies(rule.id)) continue;
        const room = floorToStep(cap.limit - cap.used, spec);
        if (pay > room) {
          pay = room;
          cap.binding = true;
          cutBy.add(cap.name);
        }
      }
      if (pay > 0n) {
        for (const cap of caps) if (cap.applies(rule.id)) cap.used += pay;
        amount += pay;
        paidKeys++;
      }
      paid.set(keyId(d.key), pay);
    }
    paidNowByRule.set(rule.id, (paidNowByRule.get(rule.id) ?? 0n) + amount);
    const dueTotal = due.reduce((s, d) => s + d.delta, 0n);
    if (due.length > 0 || (rule.kind !== 'per-outcome' && rc.inPeriod !== false)) {
      const capped =
        cutBy.size > 0
          ? `; capped by ${[...cutBy].join(', ')}: ${money(amount)} of ${money(dueTotal)} due is paid`
          : '';
      lines.push({
        rule: rule.id,
        kind: rule.kind,
        type: 'payment',
        outcomes: paidKeys,
        amount: amount.toString(),
        formula: `${rc.describe(due.length, dueTotal)}${capped}`,
      });
    }
    for (const d of deltas) {
      const now = d.delta < 0n ? d.delta : (paid.get(keyId(d.key)) ?? 0n);
      if (d.entitled === 0n && d.before === 0n && now === 0n) continue;
      outcomeLines.push({
        ...d.key,
        entitled: d.entitled.toString(),
        paidBefore: d.before.toString(),
        paidNow: now.toString(),
      });
    }
  }

  const total = lines.reduce((s, l) => s + BigInt(l.amount), 0n);
  return {
    payments: {
      currency: spec.currency,
      minorUnit: spec.minorUnit,
      lines,
      total: total.toString(),
      paidBefore: prior.total.toString(),
      cumulative: (prior.total + total).toString(),
      caps: caps.map((c) => ({
        cap: c.name,
        limit: c.limit.toString(),
        before: c.before.toString(),
        after: c.used.toString(),
        binding: c.binding,
      })),
      allocation: allocateByShare(
        total,
        spec.parties.investors.map((i) => ({ id: i.id, share: i.share })),
      ),
    },
    outcomes: outcomeLines,
  };
}
