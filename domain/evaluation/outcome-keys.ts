import type { ContractSpec } from '#contracts';
import { isoDay } from '#kernel';
import type { DayRange } from './metrics.ts';

/**
 * Payable outcomes and what was paid for them. Every payable outcome has a
 * key (who: a participant pseudonym, a cohort group or the contract; the
 * payment rule; the window); an evaluation pays each key only the part of
 * its entitlement not paid by the evaluations of earlier periods.
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
  /** Cut by a cap and forfeited (`caps.capped: forfeit`) in earlier evaluations; only when there is some. */
  readonly forfeitedBefore?: string;
  /** Cut by a cap and forfeited by this evaluation; only when there is some. */
  readonly forfeitedNow?: string;
}

/** What earlier periods paid, from their evaluation results. */
export interface PriorPayments {
  /** Net paid per key (sum of paidNow over earlier evaluations). */
  readonly byKey: ReadonlyMap<string, { readonly key: OutcomeKey; readonly paid: bigint }>;
  readonly total: bigint;
  /** Forfeited per key (sum of forfeitedNow over earlier evaluations), where any was. */
  readonly forfeited?: ReadonlyMap<string, bigint>;
}

export const NO_PRIOR: PriorPayments = { byKey: new Map(), total: 0n };

export function keyId(k: OutcomeKey): string {
  return `${k.subject}|${k.rule}|${k.window}`;
}

/** Orders keys by keyId (the order a rule's keys are paid in). */
export function compareKeys(a: OutcomeKey, b: OutcomeKey): number {
  const x = keyId(a);
  const y = keyId(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders keys oldest first: by the end of the window (the day the outcome
 * was due), then its start, then keyId. Keys with the term's window (cohort
 * groups) keep key order among themselves.
 */
export function compareAge(a: OutcomeKey, b: OutcomeKey): number {
  const [aFrom = '', aTo = ''] = a.window.split('..');
  const [bFrom = '', bTo = ''] = b.window.split('..');
  if (aTo !== bTo) return aTo < bTo ? -1 : 1;
  if (aFrom !== bFrom) return aFrom < bFrom ? -1 : 1;
  return compareKeys(a, b);
}

/** Folds earlier results' outcome lines into net paid per key (and forfeited per key). */
export function priorPayments(results: readonly { readonly outcomes: readonly OutcomeLine[] }[]): PriorPayments {
  const byKey = new Map<string, { key: OutcomeKey; paid: bigint }>();
  const forfeited = new Map<string, bigint>();
  let total = 0n;
  for (const r of results) {
    for (const o of r.outcomes) {
      const now = BigInt(o.paidNow);
      total += now;
      const key = { subject: o.subject, rule: o.rule, window: o.window };
      addPaid(byKey, key, now);
      if (o.forfeitedNow !== undefined) {
        forfeited.set(keyId(key), (forfeited.get(keyId(key)) ?? 0n) + BigInt(o.forfeitedNow));
      }
    }
  }
  return { byKey, total, ...(forfeited.size > 0 ? { forfeited } : {}) };
}

/** Adds `paid` to a key's net paid. */
export function addPaid(byKey: Map<string, { key: OutcomeKey; paid: bigint }>, key: OutcomeKey, paid: bigint): void {
  const held = byKey.get(keyId(key));
  if (held === undefined) byKey.set(keyId(key), { key, paid });
  else held.paid += paid;
}

/** Net paid before under a rule, over all its keys. */
export function paidBeforeUnder(prior: PriorPayments, rule: string): bigint {
  let paid = 0n;
  for (const { key, paid: p } of prior.byKey.values()) if (key.rule === rule) paid += p;
  return paid;
}

export const windowText = (w: DayRange): string => `${isoDay(w.from)}..${isoDay(w.to)}`;

/** The contract term as a key window (keys of rules paid over the whole term). */
export const termWindow = (spec: Pick<ContractSpec, 'term'>): string => `${spec.term.from}..${spec.term.to}`;

const GROUP = 'group:';

/** The key of a group-keyed rule (tiered, per-effect) for a cohort or `all`. */
export function groupKey(spec: Pick<ContractSpec, 'term'>, rule: string, group: string): OutcomeKey {
  return { subject: `${GROUP}${group}`, rule, window: termWindow(spec) };
}

/** The group a key's subject names, or undefined for a participant or the contract. */
export function groupOfSubject(subject: string): string | undefined {
  return subject.startsWith(GROUP) ? subject.slice(GROUP.length) : undefined;
}
