import type { ContractSpec, PaymentRule } from '#contracts';
import { type CapState, capsOf, payDue, type RulePayment, useCaps } from './caps.ts';
import { claimsOf, type Delta, deltasOf, type PaymentInputs, type RuleClaims } from './claims.ts';
import { formulaText, type LineFigures } from './formula.ts';
import { type Allocation, allocateToInvestors } from './money.ts';
import { keyId, type OutcomeLine } from './outcome-keys.ts';

/**
 * The payment engine: from metric values, comparisons and triggers to
 * payment lines, exactly (bigint minor units; decimal.js where a price meets
 * a ratio), with no outcome paid twice.
 *
 * An evaluation works out each key's entitlement to date (claims.ts), and
 * pays only the part not paid by the evaluations of earlier periods. An
 * outcome paid before and no longer achieved (a correction removed it)
 * becomes a negative adjustment, paid first. Effect-based payments (tiered,
 * per-effect) are never clawed back: a later period pays any increase. Caps
 * and the return cap limit new payments, not adjustments (caps.ts); what they
 * cut is carried forward, or forfeited when the contract says so.
 */

export interface PaymentLine {
  readonly rule: string;
  readonly kind: PaymentRule['kind'];
  readonly type: 'payment' | 'adjustment';
  /** Keys paid (or adjusted) by this line. */
  readonly outcomes: number;
  /** Signed minor units. */
  readonly amount: string;
  /** Due before any cap (minor units): the amount, unless a cap cut it. */
  readonly due: string;
  /** The caps that cut the payment, in the order they cut it. */
  readonly cappedBy: readonly string[];
  /** What the amount follows from (formula.ts). */
  readonly figures: LineFigures;
  /** How the amount follows from the figures, in words: formulaText of the line. */
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

/** Rules in contract order, except that a rule deducting others comes after them (a cycle keeps contract order). */
export function paymentOrder<T extends { readonly rule: PaymentRule }>(rules: readonly T[]): T[] {
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

/** Whether a rule gets a payment line: something is due, or it pays by the figures (not per outcome) in this period. */
export function getsLine(rule: PaymentRule, rc: RuleClaims, dueKeys: number): boolean {
  return dueKeys > 0 || (rule.kind !== 'per-outcome' && rc.inPeriod !== false);
}

interface Planned {
  readonly rule: PaymentRule;
  readonly rc: RuleClaims;
  readonly deltas: Delta[];
}

const addTo = (map: Map<string, bigint>, id: string, amount: bigint) => map.set(id, (map.get(id) ?? 0n) + amount);

export function computePayments(inputs: PaymentInputs): { payments: PaymentsResult; outcomes: OutcomeLine[] } {
  const { spec, prior } = inputs;
  const caps = capsOf(spec, inputs.period, prior);
  const lines: PaymentLine[] = [];
  const outcomeLines: OutcomeLine[] = [];
  const paidNowByRule = new Map<string, bigint>();
  const plan = (rule: PaymentRule): Planned => {
    const rc = claimsOf(rule, inputs, paidNowByRule);
    return { rule, rc, deltas: deltasOf(rule, rc, prior) };
  };
  const perRule = spec.payments.map(plan);

  // Adjustments first: they free room under the caps.
  for (const { rule, deltas } of perRule) {
    const line = adjustmentLine(rule, deltas, spec);
    if (line === undefined) continue;
    useCaps(caps, rule.id, BigInt(line.amount));
    addTo(paidNowByRule, rule.id, BigInt(line.amount));
    lines.push(line);
  }

  // New payments, rule by rule in contract order, keys in key order, each within the room left under every cap.
  // A rule that deducts others (per-effect `deduct`) is paid after them, its claims worked out again net of
  // what they pay in this evaluation too (an early payment and the final one can fall in the same period).
  for (const planned of paymentOrder(perRule)) {
    const { rule, rc, deltas } =
      planned.rule.kind === 'per-effect' && planned.rule.deduct !== undefined ? plan(planned.rule) : planned;
    const paying = payDue(caps, rule.id, deltas, spec);
    addTo(paidNowByRule, rule.id, paying.amount);
    if (getsLine(rule, rc, paying.due.length)) lines.push(paymentLine(rule, rc, paying, spec));
    outcomeLines.push(...outcomeLinesOf(deltas, paying, spec.caps.capped === 'forfeit'));
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
      caps: caps.map(capUse),
      allocation: allocateToInvestors(spec, total),
    },
    outcomes: outcomeLines,
  };
}

/** The outcomes of a rule paid before and no longer achieved, taken back in one line (none if there are none). */
function adjustmentLine(rule: PaymentRule, deltas: readonly Delta[], spec: ContractSpec): PaymentLine | undefined {
  const taken = deltas.filter((d) => d.delta < 0n);
  if (taken.length === 0) return undefined;
  const amount = taken.reduce((s, d) => s + d.delta, 0n).toString();
  const figures = {
    outcomes: taken.length,
    amount,
    due: amount,
    cappedBy: [],
    figures: { basis: 'taken-back' },
  } as const;
  return { rule: rule.id, kind: rule.kind, type: 'adjustment', ...figures, formula: formulaText(figures, spec) };
}

function paymentLine(rule: PaymentRule, rc: RuleClaims, paying: RulePayment<Delta>, spec: ContractSpec): PaymentLine {
  const figures = {
    outcomes: paying.paidKeys,
    amount: paying.amount.toString(),
    due: paying.dueTotal.toString(),
    cappedBy: [...paying.cutBy],
    figures: rc.figures(paying.due),
  };
  return { rule: rule.id, kind: rule.kind, type: 'payment', ...figures, formula: formulaText(figures, spec) };
}

/**
 * Each key's account: what it is owed, was paid before and is paid (or taken
 * back) now, and, where the contract forfeits what a cap cuts, what was
 * forfeited before and is now; empty accounts left out.
 */
function outcomeLinesOf(deltas: readonly Delta[], paying: RulePayment<Delta>, forfeit: boolean): OutcomeLine[] {
  const out: OutcomeLine[] = [];
  for (const d of deltas) {
    const now = d.delta < 0n ? d.delta : (paying.paid.get(keyId(d.key)) ?? 0n);
    if (d.entitled === 0n && d.before === 0n && now === 0n) continue;
    const cut = forfeit && d.delta > 0n ? d.delta - now : 0n;
    out.push({
      ...d.key,
      entitled: d.entitled.toString(),
      paidBefore: d.before.toString(),
      paidNow: now.toString(),
      ...(d.forfeited > 0n ? { forfeitedBefore: d.forfeited.toString() } : {}),
      ...(cut > 0n ? { forfeitedNow: cut.toString() } : {}),
    });
  }
  return out;
}

const capUse = (c: CapState): CapUse => ({
  cap: c.name,
  limit: c.limit.toString(),
  before: c.before.toString(),
  after: c.used.toString(),
  binding: c.binding,
});
