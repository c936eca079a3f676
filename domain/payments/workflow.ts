import { registeredVersions } from '#contracts';
import { ForbiddenError, IntegrityError, ValidationError } from '#kernel';
import {
  type Actor,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EvaluationEntryBodySchema,
  type PaymentState,
  type PaymentStep,
  PaymentStepBodySchema,
  type Role,
  STEP_OF_KIND,
} from '#ledger';

/**
 * The payment workflow: each recorded evaluation (an `evaluation.recorded`
 * entry, the payment's `calculated` step; the payment's id is its seq) goes
 * calculated -> attested (by the evaluator) -> approved or rejected (by the
 * ministry, a rejection with its reason) -> paid (the ministry records the
 * payment order and the day). Each step is one ledger entry naming the
 * acting subject and role, so the state of every payment is a function of the
 * log (paymentStates) and can be rebuilt from it at any time.
 *
 * Every use case checks, then appends one entry; a refusal throws
 * (ValidationError, ForbiddenError, ConflictError, NotFoundError) and writes
 * nothing. Idempotency keys make concurrent steps safe: `payment:<seq>:attest`,
 * `payment:<seq>:decision` (approve and reject share it, so only one decision
 * can win) and `payment:<seq>:paid`; the same step with the same content again
 * answers with the original entry (replayed). And each step is appended only
 * on the log its checks read (its expected size), so what it relied on (the
 * latest calculation, nothing settled in the period) still holds when it
 * commits.
 */

// ---- The state, from the log

/** One step of a payment after its calculation. */
export interface PaymentStepRecord {
  readonly step: PaymentStep;
  /** Seq of the step's entry. */
  readonly seq: number;
  readonly actor: Actor;
  /** The entry's time (ISO 8601). */
  readonly at: string;
  readonly reason?: string;
  readonly paymentOrder?: string;
  readonly paidOn?: string;
}

/** A payment as the log says it is now. */
export interface PaymentStatus {
  /** Seq of the payment's evaluation.recorded entry: the payment's id. */
  readonly payment: number;
  readonly period: string;
  /** SHA-256 of the evaluation result. */
  readonly result: string;
  /** SHA-256 of the public summary reports carry (the evaluation entry's `summary`): a decision statement names it. */
  readonly summary: string;
  /** This payment's total, minor units (negative for a net adjustment). */
  readonly total: string;
  readonly currency: string;
  /** Digits after the decimal point of the currency (from the contract version the evaluation cites). */
  readonly minorUnit: number;
  /** The contract version the evaluation cites. */
  readonly contract: { readonly version: number; readonly hash: string };
  /** Tree size of the log prefix the evaluation read. */
  readonly checkpoint: number;
  readonly state: PaymentState;
  /** Steps after the calculation, in log order. */
  readonly steps: readonly PaymentStepRecord[];
  /** The evaluation entry's actor: the calculation's subject. */
  readonly calculatedBy: Actor;
  readonly calculatedAt: string;
  /** Whether this is the latest evaluation of its period (a later one supersedes it). */
  readonly latest: boolean;
}

/** The state each step must follow. */
export const FROM: Readonly<Record<PaymentStep, PaymentState>> = {
  attested: 'calculated',
  approved: 'attested',
  rejected: 'attested',
  paid: 'approved',
};

/** The role that takes each step. */
export const STEP_ROLES: Readonly<Record<PaymentStep, Role>> = {
  attested: 'evaluator',
  approved: 'ministry',
  rejected: 'ministry',
  paid: 'ministry',
};

/** `payment:<seq>:attest`, `payment:<seq>:decision` (approve and reject), `payment:<seq>:paid`. */
export function paymentIdempotencyKey(payment: number, step: PaymentStep): string {
  const slot = step === 'attested' ? 'attest' : step === 'paid' ? 'paid' : 'decision';
  return `payment:${payment}:${slot}`;
}

type MutableStatus = Omit<PaymentStatus, 'state' | 'steps' | 'latest'> & {
  state: PaymentState;
  steps: PaymentStepRecord[];
  latest: boolean;
};

/**
 * The state of every payment (every `evaluation.recorded` entry), in log
 * order, from the entries alone. A step entry that names no payment of the
 * log, repeats other figures than its payment's, or does not follow the
 * lifecycle is an IntegrityError naming its seq.
 */
export function paymentStates(entries: readonly Entry[]): PaymentStatus[] {
  const versions = registeredVersions(entries);
  const byId = new Map<number, MutableStatus>();
  for (const e of entries) {
    if (e.kind === EVALUATION_RECORDED_KIND) {
      const parsed = EvaluationEntryBodySchema.safeParse(e.body);
      if (!parsed.success) throw new IntegrityError('evaluation entry body does not parse', e.seq);
      const b = parsed.data;
      const version = versions.find((v) => v.spec.version === b.contract.version && v.hash === b.contract.hash);
      if (version === undefined || version.seq > e.seq) {
        throw new IntegrityError(
          `the evaluation cites contract version ${b.contract.version} (${b.contract.hash}), which is not registered before it`,
          e.seq,
        );
      }
      byId.set(e.seq, {
        payment: e.seq,
        period: b.period,
        result: b.result.sha256,
        summary: b.summary,
        total: b.total,
        currency: b.currency,
        minorUnit: version.spec.minorUnit,
        contract: b.contract,
        checkpoint: b.checkpoint.size,
        state: 'calculated',
        steps: [],
        calculatedBy: e.actor,
        calculatedAt: e.at,
        latest: false,
      });
      continue;
    }
    const step = STEP_OF_KIND.get(e.kind);
    if (step === undefined) continue;
    const parsed = PaymentStepBodySchema.safeParse(e.body);
    if (!parsed.success) throw new IntegrityError(`${e.kind} entry body does not parse`, e.seq);
    const b = parsed.data;
    const status = byId.get(b.payment);
    if (status === undefined) {
      throw new IntegrityError(`${e.kind} names payment ${b.payment}, which is no earlier evaluation entry`, e.seq);
    }
    if (b.period !== status.period || b.result !== status.result || b.total !== status.total) {
      throw new IntegrityError(
        `${e.kind} repeats other figures than payment ${b.payment} (period, result or total differ)`,
        e.seq,
      );
    }
    if (status.state !== FROM[step]) {
      throw new IntegrityError(`${e.kind} of payment ${b.payment} follows state ${status.state}`, e.seq);
    }
    status.steps.push({
      step,
      seq: e.seq,
      actor: e.actor,
      at: e.at,
      ...(b.reason === undefined ? {} : { reason: b.reason }),
      ...(b.paymentOrder === undefined ? {} : { paymentOrder: b.paymentOrder }),
      ...(b.paidOn === undefined ? {} : { paidOn: b.paidOn }),
    });
    status.state = step;
  }
  const all = [...byId.values()];
  const latest = new Map<string, MutableStatus>();
  for (const s of all) latest.set(s.period, s);
  for (const s of latest.values()) s.latest = true;
  return all;
}

/**
 * A payment id as written on a command line or in a path: `<seq>` or `<contract>/<seq>`, exactly.
 * An id of another contract is refused (ForbiddenError).
 */
export function parsePaymentId(contract: string, id: string): number {
  // Exact: no trimming, so ' 2' or '2\t' is no payment (a trimmed id once approved payment 2).
  const m = /^(?:([^/\s]+)\/)?(0|[1-9][0-9]{0,14})$/.exec(id);
  if (m === null) {
    throw new ValidationError(`not a payment id: ${id}`, [
      {
        field: 'payment',
        message: `must be the seq of the payment's evaluation entry, written <seq> or ${contract}/<seq> (see sib ministry payments --contract ${contract})`,
      },
    ]);
  }
  if (m[1] !== undefined && m[1] !== contract) {
    throw new ForbiddenError(`payment ${id} is a payment of contract ${m[1]}, not of ${contract}`);
  }
  return Number(m[2]);
}
