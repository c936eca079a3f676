import { type ContractSpec, perPeriodCap } from '#contracts';
import { Decimal, dayNumber } from '#kernel';
import { floorToStep, formatMoney } from './money.ts';
import { compareAge, keyId, type OutcomeKey, type PriorPayments, paidBeforeUnder } from './outcome-keys.ts';

/**
 * The caps on new payments (overall, per period, per outcome rule, and the
 * return cap: principal plus a yearly rate to the payment date) and how a
 * rule's due amounts are paid within the room each leaves, key by key.
 * Caps limit new payments, not adjustments (which free room).
 */

/** A cap while an evaluation pays: its limit, what was used before and is used so far. */
export interface CapState {
  readonly name: string;
  readonly limit: bigint;
  used: bigint;
  readonly before: bigint;
  /** Whether the cap cut a payment in this evaluation. */
  binding: boolean;
  readonly applies: (rule: string) => boolean;
}

/** What paying a rule's due keys within the caps came to. */
export interface RulePayment<D> {
  /** The keys with something new due (a positive delta). */
  readonly due: readonly D[];
  readonly dueTotal: bigint;
  /** Paid now under the rule. */
  readonly amount: bigint;
  /** Keys paid something. */
  readonly paidKeys: number;
  /** Names of the caps that cut a payment of the rule. */
  readonly cutBy: ReadonlySet<string>;
  /** What each due key is paid, by keyId. */
  readonly paid: ReadonlyMap<string, bigint>;
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

/** The return cap's name: its rate, principal and the payment date it is taken to. */
function returnCapName(spec: ContractSpec, cap: NonNullable<ContractSpec['returnCap']>, paymentDate: string): string {
  const rate = new Decimal(cap.annualRate).times(100).toString();
  return `return cap (${rate}% a year on ${formatMoney(BigInt(cap.principal), spec.minorUnit)} to ${paymentDate})`;
}

/** The contract's caps in a period (at its payment date), with what earlier periods used of each. */
export function capsOf(
  spec: ContractSpec,
  period: Pick<ContractSpec['periods'][number], 'id' | 'paymentDate'>,
  prior: PriorPayments,
): CapState[] {
  const { paymentDate } = period;
  const caps: CapState[] = [];
  const cap = (name: string, limit: bigint, before: bigint, applies: (rule: string) => boolean) =>
    caps.push({ name, limit, used: before, before, binding: false, applies });
  const all = () => true;
  if (spec.caps.overall !== undefined) cap('overall', BigInt(spec.caps.overall), prior.total, all);
  const perPeriod = perPeriodCap(spec, period.id);
  if (perPeriod !== undefined) cap('per period', perPeriod, 0n, all);
  for (const [rule, limit] of Object.entries(spec.caps.perOutcome ?? {})) {
    cap(`per outcome ${rule}`, BigInt(limit), paidBeforeUnder(prior, rule), (r) => r === rule);
  }
  if (spec.returnCap !== undefined) {
    const limit = returnCapLimit(spec.returnCap, paymentDate);
    cap(returnCapName(spec, spec.returnCap, paymentDate), limit, prior.total, all);
  }
  return caps;
}

/** The room every cap on a rule leaves (floored to the step), or undefined when no cap applies. */
export function capRoom(
  caps: readonly CapState[],
  rule: string,
  spec: Pick<ContractSpec, 'rounding'>,
): bigint | undefined {
  let room: bigint | undefined;
  for (const c of caps) {
    if (!c.applies(rule)) continue;
    const left = floorToStep(c.limit - c.used, spec);
    if (room === undefined || left < room) room = left;
  }
  return room;
}

/** Counts an amount paid (or, negative, taken back) under a rule against every cap on it. */
export function useCaps(caps: readonly CapState[], rule: string, amount: bigint): void {
  for (const c of caps) if (c.applies(rule)) c.used += amount;
}

/** An amount cut to the room of every cap on the rule; a cap that cuts it is binding. */
function cutToCaps(
  caps: readonly CapState[],
  rule: string,
  amount: bigint,
  spec: Pick<ContractSpec, 'rounding'>,
  cutBy: Set<string>,
): bigint {
  let pay = amount;
  for (const c of caps) {
    if (!c.applies(rule)) continue;
    const room = floorToStep(c.limit - c.used, spec);
    if (pay > room) {
      pay = room;
      c.binding = true;
      cutBy.add(c.name);
    }
  }
  return pay;
}

/**
 * Pays a rule's keys, each what is newly due within the room left under every
 * cap: in key order, or oldest first when the contract carries capped amounts
 * forward (`caps.capped: carry-forward`).
 */
export function payDue<D extends { readonly key: OutcomeKey; readonly delta: bigint }>(
  caps: readonly CapState[],
  rule: string,
  deltas: readonly D[],
  spec: Pick<ContractSpec, 'rounding' | 'caps'>,
): RulePayment<D> {
  const due = deltas.filter((d) => d.delta > 0n);
  if (spec.caps.capped === 'carry-forward') due.sort((a, b) => compareAge(a.key, b.key));
  const cutBy = new Set<string>();
  const paid = new Map<string, bigint>();
  let amount = 0n;
  let paidKeys = 0;
  for (const d of due) {
    const pay = cutToCaps(caps, rule, d.delta, spec, cutBy);
    if (pay > 0n) {
      useCaps(caps, rule, pay);
      amount += pay;
      paidKeys++;
    }
    paid.set(keyId(d.key), pay);
  }
  const dueTotal = due.reduce((s, d) => s + d.delta, 0n);
  return { due, dueTotal, amount, paidKeys, cutBy, paid };
}
