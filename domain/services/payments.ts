import {
  ConflictError,
  canonicalBytes,
  ForbiddenError,
  LogMovedError,
  NotFoundError,
  toHex,
  ValidationError,
} from '#kernel';
import {
  type Actor,
  ActorSchema,
  checkSignedStatement,
  decisionStatement,
  type Entry,
  type Intent,
  PAYMENT_STEP_KINDS,
  type PaymentStep,
  type PaymentStepBody,
  type SignedStatement,
} from '#ledger';
import {
  act,
  checkApproval,
  checkContractId,
  checkOrder,
  checkSeparation,
  definedOf,
  type Extra,
  extraProblems,
  findPayment,
  type PaymentStatus,
  paymentIdempotencyKey,
  paymentStates,
  STEP_ROLES,
} from '#payments';
import { readVerifiedEntries } from './log-reader.ts';
import type { AppendedEntry, ContractPorts } from './ports.ts';

/**
 * The payment workflow's use cases: read the payments of a contract, and take
 * a step (attest, approve, reject, record as paid). Each checks with the rules
 * of the payments context, then appends one entry on the condition that the
 * log is still the one checked (settled once, enforced by the write).
 */

/** The payments of a contract as its log says now (entries checked against the stored root). */
export async function readPayments(ports: Pick<ContractPorts, 'log'>, contract: string): Promise<PaymentStatus[]> {
  checkContractId(contract);
  const size = await ports.log.size(contract);
  if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  return paymentStates(entries);
}

/** One payment of a contract, with its history. */
export async function readPayment(
  ports: Pick<ContractPorts, 'log'>,
  contract: string,
  payment: number,
): Promise<PaymentStatus> {
  checkContractId(contract);
  const size = await ports.log.size(contract);
  if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  return findPayment(contract, entries, paymentStates(entries), payment);
}

// ---- The steps

export type WorkflowPorts = Pick<ContractPorts, 'log'>;

export interface PaymentStepRequest {
  readonly contract: string;
  /** Seq of the payment's evaluation.recorded entry. */
  readonly payment: number;
  readonly actor: Actor;
  /**
   * The acting party's signature over the step's decision statement
   * (statement.ts): checked against what is about to be appended, then
   * stored in the entry. Optional here: the verifier's trust policy decides.
   */
  readonly signature?: SignedStatement;
}

export interface PaymentStepReceipt {
  readonly contract: string;
  readonly payment: number;
  readonly period: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly step: PaymentStep;
  /** The step's entry. */
  readonly seq: number;
  readonly entryHash: string;
  readonly at: string;
  /** The same step with the same content was recorded before: this is that entry. */
  readonly replayed: boolean;
}

/** The evaluator attests a calculated payment. */
export function attestPayment(ports: WorkflowPorts, request: PaymentStepRequest): Promise<PaymentStepReceipt> {
  return takeStep(ports, request, 'attested', {});
}

/**
 * The ministry approves an attested payment, unless that would exceed a cap
 * (overall, per period, the return cap at the period's payment date) or pay
 * an outcome twice (the payment is not the latest evaluation of its period,
 * another payment of the period is approved, or an earlier period's payment,
 * whose figures this one builds on, is not approved).
 */
export function approvePayment(ports: WorkflowPorts, request: PaymentStepRequest): Promise<PaymentStepReceipt> {
  return takeStep(ports, request, 'approved', {});
}

/** The ministry rejects an attested payment, saying why (no personal data); the period may then be recalculated. */
export function rejectPayment(
  ports: WorkflowPorts,
  request: PaymentStepRequest & { readonly reason: string },
): Promise<PaymentStepReceipt> {
  return takeStep(ports, request, 'rejected', { reason: request.reason });
}

/** The ministry records that an approved payment was paid: the payment order's number and the day. */
export function markPaid(
  ports: WorkflowPorts,
  request: PaymentStepRequest & { readonly paymentOrder: string; readonly paidOn: string },
): Promise<PaymentStepReceipt> {
  return takeStep(ports, request, 'paid', { paymentOrder: request.paymentOrder, paidOn: request.paidOn });
}

/** How often a step is checked again when the log moved between its checks and its append. */
const STEP_ATTEMPTS = 5;

/**
 * Checks the step against a snapshot of the log, then appends it on the
 * condition that the log is still that snapshot (its size): whatever was
 * appended meanwhile (a recalculation of the period, another decision), the
 * checks are made again on the log as it now is, so a step commits only on
 * the log its checks read.
 */
async function takeStep(
  ports: WorkflowPorts,
  request: PaymentStepRequest,
  step: PaymentStep,
  extra: Extra,
): Promise<PaymentStepReceipt> {
  const actor = checkStepRequest(request, step, extra);
  const { contract, payment } = request;
  const id = `${contract}/${payment}`;
  for (let attempt = 1; ; attempt++) {
    const size = await ports.log.size(contract);
    if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
    const decision = await decide(ports, request, actor, step, extra, size);
    if ('replayed' in decision) return decision.replayed;
    let appended: AppendedEntry;
    try {
      appended = await ports.log.append(contract, paymentIdempotencyKey(payment, step), decision.intent, {
        expectedSize: size,
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      await explainLostRace(ports, request, step, size, error);
      if (attempt < STEP_ATTEMPTS) continue;
      throw new ConflictError(
        `cannot ${act(step, `payment ${id}`)}: the log of ${contract} kept growing while the step was checked (${attempt} tries); nothing was written, try again`,
        { payment, size },
        { cause: error },
      );
    }
    const at = (await readEntryAt(ports, contract, appended.seq)) ?? '';
    return decision.receipt(appended.seq, appended.replayed, appended.entryHash, at);
  }
}

/** The request's payment id, acting subject, role and step content, checked before anything is read. */
function checkStepRequest(request: PaymentStepRequest, step: PaymentStep, extra: Extra): Actor {
  const { contract, payment } = request;
  checkContractId(contract);
  if (!Number.isSafeInteger(payment) || payment < 0) {
    throw new ValidationError(`not a payment id: ${payment}`, [
      { field: 'payment', message: "must be the seq of the payment's evaluation entry (a whole number)" },
    ]);
  }
  const actor = ActorSchema.safeParse(request.actor);
  if (!actor.success) {
    throw new ValidationError(
      'the acting subject is invalid',
      actor.error.issues.map((i) => ({ field: ['actor', ...i.path].join('.'), message: i.message })),
    );
  }
  const { sub, role } = actor.data;
  const id = `${contract}/${payment}`;
  if (role !== STEP_ROLES[step]) {
    throw new ForbiddenError(
      `${sub} acts as ${role}: only the ${STEP_ROLES[step]} may ${act(step, 'a payment')} (${id})`,
    );
  }
  const problems = extraProblems(step, extra);
  if (problems.length > 0) throw new ValidationError(`cannot ${act(step, `payment ${id}`)}`, problems);
  return actor.data;
}

type Receipt = (seq: number, replayed: boolean, entryHash: string, at: string) => PaymentStepReceipt;

/**
 * The step on the log's first `size` entries: the original entry if the same
 * step with the same content is recorded (replayed), else the entry to
 * append, once every rule holds; a broken rule throws.
 */
async function decide(
  ports: WorkflowPorts,
  request: PaymentStepRequest,
  actor: Actor,
  step: PaymentStep,
  extra: Extra,
  size: number,
): Promise<{ readonly replayed: PaymentStepReceipt } | { readonly intent: Intent; readonly receipt: Receipt }> {
  const { contract, payment } = request;
  const id = `${contract}/${payment}`;
  const { entries, hashes } = await readVerifiedEntries(ports.log, contract, size);
  const states = paymentStates(entries);
  const status = findPayment(contract, entries, states, payment);
  const body: PaymentStepBody = {
    payment,
    period: status.period,
    result: status.result,
    total: status.total,
    ...definedOf(extra),
  };
  if (request.signature !== undefined) {
    const statement = decisionStatement({ ...stepFacts(contract, status, step), ...definedOf(extra) });
    body.signature = checkSignedStatement(statement, request.signature);
  }
  const receipt: Receipt = (seq, replayed, entryHash, at) => ({
    contract,
    payment,
    period: status.period,
    total: status.total,
    currency: status.currency,
    minorUnit: status.minorUnit,
    step,
    seq,
    entryHash,
    at,
    replayed,
  });

  // The same step with the same content again: the original entry.
  const intent: Intent = { kind: PAYMENT_STEP_KINDS[step], actor, body: body as unknown as Entry['body'] };
  const wanted = toHex(canonicalBytes(intent));
  for (const s of status.steps) {
    const e = entries[s.seq] as Entry;
    if (toHex(canonicalBytes({ kind: e.kind, actor: e.actor, body: e.body })) === wanted) {
      return { replayed: receipt(s.seq, true, hashes[s.seq] as string, e.at) };
    }
  }

  checkOrder(id, status, step);
  if ((step === 'attested' || step === 'approved') && !status.latest) {
    const latest = states.filter((s) => s.period === status.period).at(-1) as PaymentStatus;
    throw new ConflictError(
      `cannot ${act(step, `payment ${id}`)}: it is not the latest calculation of period ${status.period} (payment ${contract}/${latest.payment} is)`,
      { payment, latest: latest.payment },
    );
  }
  checkSeparation(id, status, step, actor.sub);
  if (step === 'approved') checkApproval(contract, entries, states, status);
  return { intent, receipt };
}

/** What a step's decision statement names, from the payment's status. */
function stepFacts(contract: string, status: PaymentStatus, step: PaymentStep) {
  return {
    contract,
    payment: status.payment,
    period: status.period,
    step,
    result: status.result,
    summary: status.summary,
    total: status.total,
    minorUnit: status.minorUnit,
    currency: status.currency,
  };
}

/**
 * A step lost its append: if the payment itself took a step after the
 * snapshot (e.g. a rejection won against this approval), says so; otherwise
 * (the log moved for another reason) returns, to check again.
 */
async function explainLostRace(
  ports: WorkflowPorts,
  request: PaymentStepRequest,
  step: PaymentStep,
  size: number,
  error: ConflictError,
): Promise<void> {
  const { contract, payment } = request;
  const now = await readPayment(ports, contract, payment).catch(() => undefined);
  const last = now?.steps.at(-1);
  if (now !== undefined && last !== undefined && last.seq >= size) {
    throw new ConflictError(
      `cannot ${act(step, `payment ${contract}/${payment}`)}: meanwhile it was ${last.step} by ${last.actor.sub} (entry ${last.seq}); nothing was written`,
      { payment, state: now.state, seq: last.seq },
      { cause: error },
    );
  }
  if (!(error instanceof LogMovedError)) throw error;
}

/** The `at` of one entry (a receipt names when the step was taken). */
async function readEntryAt(ports: WorkflowPorts, contract: string, seq: number): Promise<string | undefined> {
  for await (const bytes of ports.log.entries(contract, seq, seq + 1)) {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as { at?: unknown };
    return typeof value.at === 'string' ? value.at : undefined;
  }
  return undefined;
}
