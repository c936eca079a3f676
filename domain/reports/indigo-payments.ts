import { type ContractSpec, METRIC_UNITS, type PaymentRule, perPeriodCap } from '#contracts';
import { allocateToInvestors } from '#evaluation';
import type { IndigoEvaluation, IndigoOutcomePayment, IndigoOutcomePricing } from './indigo-schema.ts';
import { major, majorNumber, minOf, money, percent, periodOf, v } from './indigo-values.ts';

/**
 * The INDIGO export's outcome pricings (each payment rule's price and the
 * most it can pay), the outcome payment plan (Planned payments from the
 * terms) and the Actual payments (paid evaluations, per rule and investor).
 */

/** The metric(s) a payment rule pays on; several are comma-separated (as INDIGO writes lists of references). */
function metricIdsOf(spec: ContractSpec, rule: PaymentRule): string {
  const ofComparison = (id: string) => spec.comparisons.find((c) => c.id === id)?.metric ?? id;
  switch (rule.kind) {
    case 'per-outcome':
      return rule.metric;
    case 'tiered':
      return ofComparison(rule.comparison);
    case 'per-effect': {
      const trigger = spec.triggers.find((t) => t.id === rule.trigger);
      if (trigger === undefined) return rule.trigger;
      return 'comparison' in trigger ? ofComparison(trigger.comparison) : trigger.metric;
    }
    case 'all-or-nothing':
      return rule.indicators.join(',');
  }
}

/** How many groups a tiered rule pays: each cohort, or the whole population. */
const tieredGroups = (spec: ContractSpec, rule: Extract<PaymentRule, { kind: 'tiered' }>) =>
  rule.group === 'each-cohort' ? BigInt(spec.cohorts.length) : 1n;

/** The most a rule can pay over the term under the terms alone, or undefined if the terms fix a price only. */
function maximumOf(spec: ContractSpec, rule: PaymentRule): bigint | undefined {
  const cap = spec.caps.perOutcome?.[rule.id];
  let max: bigint | undefined;
  if (rule.kind === 'all-or-nothing') max = BigInt(rule.amount) * BigInt(rule.periods.length);
  else if (rule.kind === 'tiered') {
    const top = rule.tiers.reduce((m, t) => (BigInt(t.amount) > m ? BigInt(t.amount) : m), 0n);
    max = top * tieredGroups(spec, rule);
  }
  return minOf([max, cap === undefined ? undefined : BigInt(cap)]);
}

function priceDescription(spec: ContractSpec, rule: PaymentRule): string {
  const m = (minor: string | bigint) => `${major(minor, spec.minorUnit)} ${spec.currency}`;
  const head = `${rule.id}${rule.title === undefined ? '' : ` (${rule.title})`}: `;
  switch (rule.kind) {
    case 'per-outcome': {
      const metric = spec.metrics.find((x) => x.id === rule.metric);
      const each = metric !== undefined && METRIC_UNITS[metric.kind] === 'rate' ? 'achieved outcome' : 'unit';
      return `${head}${m(rule.price)} per ${each} of ${rule.metric}${rule.trigger === undefined ? '' : `, once trigger ${rule.trigger} is met`}; no outcome is paid twice`;
    }
    case 'tiered':
      return `${head}an amount by the effect on comparison ${rule.comparison}${
        rule.group === 'each-cohort' ? ' for each cohort' : ''
      } (the highest tier reached: ${rule.tiers.map((t) => `effect at least ${t.effectAtLeast}: ${m(t.amount)}`).join('; ')})${
        rule.significant === true ? ', only when significant' : ''
      }${rule.periods === undefined ? '' : `, in ${rule.periods.join(', ')}`}`;
    case 'per-effect':
      return `${head}${m(rule.pricePerUnit)} per unit of effect (e.g. each event prevented against the comparison) once trigger ${rule.trigger} is met${
        rule.deduct === undefined ? '' : `, less what was paid under ${rule.deduct.join(', ')}`
      }`;
    case 'all-or-nothing':
      return `${head}${m(rule.amount)} ${rule.periods.length === 1 ? 'in' : 'in each of'} ${rule.periods.join(', ')}, only if every indicator (${rule.indicators.join(', ')}) reaches ${percent(rule.tolerance)} of its target; nothing for partial achievement`;
  }
}

export function outcomePricings(spec: ContractSpec): IndigoOutcomePricing[] {
  return spec.payments.map((rule) => {
    const unit = rule.kind === 'per-outcome' ? rule.price : rule.kind === 'per-effect' ? rule.pricePerUnit : undefined;
    const max = maximumOf(spec, rule);
    return {
      outcome_metric_id: v(metricIdsOf(spec, rule)),
      currency: v(spec.currency),
      ...(unit === undefined ? {} : { price_per_unit: { amount: v(majorNumber(BigInt(unit), spec.minorUnit)) } }),
      ...(max === undefined
        ? {}
        : { maximum_price_if_all_targets_achieved: { amount: v(major(max, spec.minorUnit)) } }),
      price_description: v(priceDescription(spec, rule)),
      notes: `payment rule ${rule.id} (${rule.kind})`,
    };
  });
}

// ---- Payment plan and payments

export const planId = (spec: ContractSpec) => `contract-v${spec.version}`;

/** The most a rule pays in a period under the terms alone, or undefined if the terms fix a price only. */
function plannedIn(spec: ContractSpec, rule: PaymentRule, periodId: string): bigint | undefined {
  let amount: bigint | undefined;
  if (rule.kind === 'all-or-nothing') {
    if (rule.periods.includes(periodId)) amount = BigInt(rule.amount);
  } else if (rule.kind === 'tiered') {
    // Tiers are entitlements to date: the top tier is the most paid by the rule's last payment period.
    const allowed = rule.periods ?? spec.periods.map((p) => p.id);
    if (allowed.at(-1) === periodId) amount = maximumOf(spec, rule);
  }
  if (amount === undefined) return undefined;
  const cap = spec.caps.perOutcome?.[rule.id];
  return minOf([amount, cap === undefined ? undefined : BigInt(cap), perPeriodCap(spec, periodId)]);
}

/** One row per investor (its share of the amount, exactly), or one row when there is a single investor. */
function perInvestor(
  spec: ContractSpec,
  amount: bigint,
  row: (recipient: string, part: bigint, share: string) => IndigoOutcomePayment,
): IndigoOutcomePayment[] {
  return allocateToInvestors(spec, amount).map((a) => row(a.investor, BigInt(a.amount), a.share));
}

export function plannedPayments(spec: ContractSpec): IndigoOutcomePayment[] {
  const out: IndigoOutcomePayment[] = [];
  for (const period of spec.periods) {
    for (const rule of spec.payments) {
      const amount = plannedIn(spec, rule, period.id);
      if (amount === undefined || amount === 0n) continue;
      out.push(
        ...perInvestor(spec, amount, (recipient, part, share) => ({
          outcome_payment_plan_id: v(planId(spec)),
          outcome_metric_id: v(metricIdsOf(spec, rule)),
          period: periodOf(period.from, period.to),
          payer_organisation_id: v(spec.parties.commissioner.id),
          recipient_organisation_id: v(recipient),
          type: v('Planned' as const),
          money: money(spec, part),
          notes: `payment rule ${rule.id}: the most the terms pay for period ${period.id} (all targets achieved), due ${period.paymentDate}${
            spec.parties.investors.length > 1 ? `; investor share ${share}` : ''
          }`,
        })),
      );
    }
  }
  return out;
}

export function actualPayments(spec: ContractSpec, paid: readonly IndigoEvaluation[]): IndigoOutcomePayment[] {
  const out: IndigoOutcomePayment[] = [];
  for (const e of paid) {
    const { result } = e;
    const byRule = new Map<string, bigint>();
    for (const line of result.payments.lines)
      byRule.set(line.rule, (byRule.get(line.rule) ?? 0n) + BigInt(line.amount));
    for (const [ruleId, amount] of byRule) {
      if (amount === 0n) continue;
      const rule = spec.payments.find((p) => p.id === ruleId);
      const metricId = rule === undefined ? ruleId : metricIdsOf(spec, rule);
      const when = [
        e.paidOn === undefined ? undefined : `paid on ${e.paidOn}`,
        e.paymentOrder === undefined ? undefined : `payment order ${e.paymentOrder}`,
      ].filter((x) => x !== undefined);
      out.push(
        ...perInvestor(spec, amount, (recipient, part, share) => ({
          outcome_metric_id: v(metricId),
          period: periodOf(result.period.from, result.period.to),
          payer_organisation_id: v(spec.parties.commissioner.id),
          recipient_organisation_id: v(recipient),
          type: v('Actual' as const),
          money: money(spec, part),
          notes: `payment rule ${ruleId} for period ${result.period.id}: evaluation entry ${e.seq}, ${
            when.length > 0 ? when.join(', ') : 'paid'
          }${spec.parties.investors.length > 1 ? `; investor share ${share}` : ''}${amount < 0n ? '; a net adjustment (taken back)' : ''}`,
        })),
      );
    }
  }
  return out;
}
