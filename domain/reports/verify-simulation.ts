import { METRIC_UNITS, type PaymentRule } from '#contracts';
import {
  addPaid,
  type CapState,
  type ClaimBasis,
  capRoom,
  capsOf,
  claimsOf,
  deltasOf,
  fixed,
  floorToStep,
  getsLine,
  groupKey,
  keyId,
  type MetricValue,
  type OutcomeKey,
  outcomeAmount,
  type PaymentInputs,
  type PriorPayments,
  paidBeforeUnder,
  payDue,
  paymentOrder,
  triggerMet,
  useCaps,
} from '#evaluation';
import { Decimal } from '#kernel';
import type { AuditReport } from './types.ts';
import { exactRows, expectedTriggers } from './verify-comparisons.ts';
import type { ReportContext, Simulation } from './verify-context.ts';

/**
 * The payment lines worked out from the contract terms and the report's own
 * figures, as the payment engine works them out and with its functions
 * (entitlements, deltas against what was paid before, the caps and the room
 * they leave, the order of rules): adjustments first, then rule by rule. The
 * report carries no per-participant figures, so a per-outcome line is checked
 * against bounds (never more than its outcomes at the price, never beyond
 * the caps); every other line is recomputed exactly.
 */

type Line = AuditReport['payments']['lines'][number];

/** A simulation under way: the caps as they fill, what each rule pays now, and the problems found. */
interface Run {
  readonly ctx: ReportContext;
  readonly prior: PriorPayments;
  readonly caps: CapState[];
  readonly paidNow: Map<string, bigint>;
  readonly problems: string[];
  readonly maybeBinding: Set<string>;
}

export function simulate(ctx: ReportContext): Simulation {
  return ctx.simulation(() => {
    const r = ctx.report;
    const prior = reportPrior(ctx);
    const run: Run = {
      ctx,
      prior,
      caps: capsOf(ctx.spec, r.period, prior),
      paidNow: new Map(),
      problems: [],
      maybeBinding: new Set(),
    };
    const lines = r.payments.lines;
    let i = checkAdjustments(run);
    const inputs = paymentInputs(ctx, prior);
    for (const { rule } of paymentOrder(ctx.spec.payments.map((rule) => ({ rule })))) {
      const l = lines[i];
      const line = l !== undefined && l.type === 'payment' && l.rule === rule.id ? l : undefined;
      if (line !== undefined) i++;
      if (line !== undefined && line.kind !== rule.kind) {
        run.problems.push(`payment line ${rule.id}: kind ${line.kind}, the rule is ${rule.kind}`);
      }
      if (rule.kind === 'per-outcome') checkPerOutcome(run, rule, line, inputs);
      else checkExactRule(run, rule, line, inputs);
    }
    for (; i < lines.length; i++) {
      const l = lines[i] as Line;
      run.problems.push(
        `${l.type} line ${l.rule} (amount ${ctx.money(l.amount)}) is not a line the contract gives here`,
      );
    }
    return { problems: run.problems, caps: run.caps, maybeBinding: run.maybeBinding };
  });
}

/**
 * What earlier periods paid, as the payment engine keys it, from the report's
 * paidBeforeByRule: a group's payments (and what was forfeited) under its
 * group key, a rule's other payments under one key of the rule; the total is
 * payments.paidBefore.
 */
function reportPrior(ctx: ReportContext): PriorPayments {
  const byKey = new Map<string, { key: OutcomeKey; paid: bigint }>();
  const forfeited = new Map<string, bigint>();
  for (const p of ctx.report.paidBeforeByRule ?? []) {
    const key =
      p.group === undefined ? { subject: 'rule', rule: p.rule, window: '' } : groupKey(ctx.spec, p.rule, p.group);
    addPaid(byKey, key, BigInt(p.amount));
    if (p.forfeited !== undefined) forfeited.set(keyId(key), (forfeited.get(keyId(key)) ?? 0n) + BigInt(p.forfeited));
  }
  return { byKey, total: BigInt(ctx.report.payments.paidBefore), ...(forfeited.size > 0 ? { forfeited } : {}) };
}

/** The payment engine's inputs from the report's figures (no per-participant outcomes: none are in a report). */
function paymentInputs(ctx: ReportContext, prior: PriorPayments): PaymentInputs {
  return {
    spec: ctx.spec,
    period: ctx.report.period,
    metricValues: new Map(ctx.report.evaluation.metrics.map((m) => [m.id, m as unknown as MetricValue])),
    outcomes: new Map(),
    comparisons: [...exactRows(ctx).values()],
    triggers: expectedTriggers(ctx),
    prior,
  };
}

/** Counts a line's amount against the caps and what the rule pays now. */
function use(run: Run, rule: string, amount: bigint): void {
  useCaps(run.caps, rule, amount);
  run.paidNow.set(rule, (run.paidNow.get(rule) ?? 0n) + amount);
}

/** Adjustments: outcomes paid before and no longer achieved (per-outcome rules only), in contract order. */
function checkAdjustments(run: Run): number {
  const { spec, report } = run.ctx;
  const lines = report.payments.lines;
  const rules = new Map(spec.payments.map((p) => [p.id, p]));
  let i = 0;
  let lastIndex = -1;
  for (; i < lines.length && lines[i]?.type === 'adjustment'; i++) {
    const l = lines[i] as Line;
    const rule = rules.get(l.rule);
    const amount = BigInt(l.amount);
    const at = `adjustment line ${l.rule}`;
    if (rule === undefined) {
      run.problems.push(`${at}: ${l.rule} is no payment rule of the contract`);
      continue;
    }
    const index = spec.payments.indexOf(rule);
    if (index <= lastIndex) run.problems.push(`${at}: out of the contract's order of rules`);
    lastIndex = index;
    if (l.kind !== rule.kind) run.problems.push(`${at}: kind ${l.kind}, the rule is ${rule.kind}`);
    if (rule.kind !== 'per-outcome') {
      run.problems.push(`${at}: a ${rule.kind} payment is never taken back (only per-outcome payments are)`);
    }
    if (amount >= 0n) run.problems.push(`${at}: amount ${run.ctx.money(amount)} is not negative`);
    const before = paidBeforeUnder(run.prior, rule.id);
    if (-amount > before)
      run.problems.push(
        `${at}: takes back ${run.ctx.money(-amount)}, but ${run.ctx.money(before)} was paid under ${rule.id} before`,
      );
    if (l.outcomes < 1) run.problems.push(`${at}: adjusts ${l.outcomes} outcomes`);
    use(run, rule.id, amount);
  }
  return i;
}

/**
 * A per-outcome line: due only once its trigger is met; never more than its
 * outcomes at the price (a rate) or the metric's units at the price (with
 * rounding); within the caps; a rate's outcomes paid in full unless a cap
 * binds or outcomes were paid before.
 */
function checkPerOutcome(
  run: Run,
  rule: Extract<PaymentRule, { kind: 'per-outcome' }>,
  line: Line | undefined,
  inputs: PaymentInputs,
): void {
  const { ctx, problems } = run;
  const at = `payment line ${rule.id}`;
  if (!triggerMet(inputs.triggers, rule.trigger)) {
    if (line !== undefined) problems.push(`${at}: trigger ${rule.trigger} is not met, so nothing is due under it`);
    return;
  }
  if (line === undefined) return; // nothing new was due
  const amount = BigInt(line.amount);
  const room = capRoom(run.caps, rule.id, ctx.spec);
  const metric = ctx.metricSpec(rule.metric);
  const rate = metric !== undefined && METRIC_UNITS[metric.kind] === 'rate';
  const { upper, words } = perOutcomeBound(ctx, rule, line, rate);
  if (amount < 0n) problems.push(`${at}: amount ${ctx.money(amount)} is negative`);
  if (amount > upper) problems.push(`${at}: amount ${ctx.money(amount)} but ${words}: never more`);
  else if (room !== undefined && amount > room) {
    problems.push(`${at}: amount ${ctx.money(amount)} exceeds the ${ctx.money(room)} left under the caps`);
  } else if (rate && amount < upper) {
    if ((room === undefined || amount !== room) && paidBeforeUnder(run.prior, rule.id) === 0n) {
      problems.push(
        `${at}: amount ${ctx.money(amount)} but the contract gives ${ctx.money(upper)} (${words}) unless a cap binds, and the caps leave ${room === undefined ? 'no limit' : ctx.money(room)}`,
      );
    }
  }
  use(run, rule.id, amount);
  // Whether a cap cut an outcome is not in the report (the line counts the outcomes paid, not those due):
  // a cap left with less room than one outcome's price may have.
  const unitPrice = outcomeAmount(rule, 1, ctx.spec);
  for (const c of run.caps) {
    if (c.applies(rule.id) && floorToStep(c.limit - c.used, ctx.spec) < unitPrice) run.maybeBinding.add(c.name);
  }
}

/** The most a per-outcome line can pay, in figures and words. */
function perOutcomeBound(
  ctx: ReportContext,
  rule: Extract<PaymentRule, { kind: 'per-outcome' }>,
  line: Line,
  rate: boolean,
): { upper: bigint; words: string } {
  if (rate) {
    const unitPrice = outcomeAmount(rule, 1, ctx.spec);
    const upper = BigInt(line.outcomes) * unitPrice;
    return { upper, words: `${line.outcomes} outcome(s) × ${ctx.money(unitPrice)} = ${ctx.money(upper)}` };
  }
  const price = BigInt(rule.price);
  const units = BigInt(new Decimal(ctx.reportMetric(rule.metric)?.value ?? '0').toFixed(0));
  const upper = price * units + BigInt(line.outcomes) * BigInt(ctx.spec.rounding.step);
  return { upper, words: `${units} unit(s) × ${ctx.money(price)} (with rounding) = at most ${ctx.money(upper)}` };
}

/** A tiered, per-effect or all-or-nothing line: recomputed exactly, as the payment engine pays it. */
function checkExactRule(run: Run, rule: PaymentRule, line: Line | undefined, inputs: PaymentInputs): void {
  const { ctx, problems } = run;
  const at = `payment line ${rule.id}`;
  const rc = claimsOf(rule, inputs, run.paidNow);
  const paying = payDue(run.caps, rule.id, deltasOf(rule, rc, run.prior), ctx.spec);
  const { amount, paidKeys, cutBy, dueTotal } = paying;
  run.paidNow.set(rule.id, (run.paidNow.get(rule.id) ?? 0n) + amount);
  const expected = getsLine(rule, rc, paying.due.length);
  if (line === undefined) {
    if (expected) {
      problems.push(
        `the contract gives a payment line for ${rule.id} (${rule.kind}) of ${ctx.money(amount)}, the report has none`,
      );
    }
    return;
  }
  if (!expected) {
    problems.push(`${at}: ${rule.id} pays nothing in period ${ctx.report.period.id}, so it has no line`);
    return;
  }
  const why = rc.claims.flatMap((c) => (c.basis === undefined ? [] : [basisWords(c.basis, rule)])).join('; ');
  const capped = cutBy.size > 0 ? `; capped by ${[...cutBy].join(', ')}: ${ctx.money(dueTotal)} due` : '';
  if (BigInt(line.amount) !== amount) {
    problems.push(
      `${at}: amount ${ctx.money(line.amount)} but the contract gives ${ctx.money(amount)}${why === '' ? '' : ` (${why}${capped})`}`,
    );
  }
  if (line.outcomes !== paidKeys)
    problems.push(`${at}: ${line.outcomes} outcome(s) paid, the contract gives ${paidKeys}`);
}

/** How an entitlement follows from the figures, in the verifier's words. */
function basisWords(basis: ClaimBasis, rule: PaymentRule): string {
  switch (basis.kind) {
    case 'tier':
      return `${basis.group}: effect ${fixed(basis.effect)} → ${basis.tier === undefined ? 'no tier' : `tier ≥ ${basis.tier.effectAtLeast}`}`;
    case 'effect': {
      const price = rule.kind === 'per-effect' ? rule.pricePerUnit : '';
      const deducted = basis.deducted > 0n ? ` − ${basis.deducted} deducted` : '';
      return `${basis.group}: ${basis.units.toDecimalPlaces(6).toString()} units × ${price} = ${basis.gross}${deducted}`;
    }
    case 'indicators':
      return basis.failed.length === 0 ? 'every indicator met' : `not met: ${basis.failed.join(', ')}`;
  }
}
