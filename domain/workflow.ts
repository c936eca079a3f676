import * as z from 'zod';
import { toHex } from './bytes.ts';
import { canonicalBytes } from './canonical.ts';
import { type AppendedEntry, type ContractPorts, readVerifiedEntries } from './contract-ops.ts';
import { type Actor, ActorSchema, ContractIdSchema, type Entry, type Role } from './entry.ts';
import {
  ConflictError,
  ForbiddenError,
  IntegrityError,
  NotFoundError,
  type Problem,
  ValidationError,
} from './errors.ts';
import { EVALUATION_RECORDED_KIND, EvaluationEntryBodySchema, registeredVersions } from './evaluation.ts';
import { freeTextProblems } from './evidence.ts';
import { formatMoney, returnCapLimit } from './payments.ts';
import {
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  PAYMENT_REJECTED_KIND,
  type PaymentState,
  type PaymentStep,
  type PaymentStepBody,
} from './report-types.ts';

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
 * answers with the original entry (replayed).
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

export const PAYMENT_STEP_KINDS: Readonly<Record<PaymentStep, string>> = {
  attested: PAYMENT_ATTESTED_KIND,
  approved: PAYMENT_APPROVED_KIND,
  rejected: PAYMENT_REJECTED_KIND,
  paid: PAYMENT_PAID_KIND,
};
const STEP_OF_KIND = new Map(Object.entries(PAYMENT_STEP_KINDS).map(([step, kind]) => [kind, step as PaymentStep]));

/** The state each step must follow. */
const FROM: Readonly<Record<PaymentStep, PaymentState>> = {
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

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);
/** The body of every payment step entry (PaymentStepBody). */
export const PaymentStepBodySchema = z.strictObject({
  payment: z.int().min(0),
  period: z.string(),
  result: Hex64,
  total: z.string().regex(/^-?(?:0|[1-9][0-9]*)$/),
  reason: z.string().optional(),
  paymentOrder: z.string().optional(),
  paidOn: z.string().optional(),
});

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

/**
 * A payment id as written on a command line: `<seq>` or `<contract>/<seq>`.
 * An id of another contract is refused (ForbiddenError).
 */
export function parsePaymentId(contract: string, id: string): number {
  const m = /^(?:([^/]+)\/)?(0|[1-9][0-9]{0,14})$/.exec(id.trim());
  if (m === null) {
    throw new ValidationError(`not a payment id: ${id}`, [
      {
        field: 'payment',
        message: `must be the seq of the payment's evaluation entry, written <seq> or ${contract}/<seq> (see sib payment list --contract ${contract})`,
      },
    ]);
  }
  if (m[1] !== undefined && m[1] !== contract) {
    throw new ForbiddenError(`payment ${id} is a payment of contract ${m[1]}, not of ${contract}`);
  }
  return Number(m[2]);
}

// ---- The steps

export type WorkflowPorts = Pick<ContractPorts, 'log'>;

export interface PaymentStepRequest {
  readonly contract: string;
  /** Seq of the payment's evaluation.recorded entry. */
  readonly payment: number;
  readonly actor: Actor;
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

type Extra = Pick<PaymentStepBody, 'reason' | 'paymentOrder' | 'paidOn'>;

/** `attest payment c/5`, `record payment c/5 as paid`: what a step does to `what`. */
function act(step: PaymentStep, what: string): string {
  const verb = { attested: 'attest', approved: 'approve', rejected: 'reject', paid: 'record' }[step];
  return step === 'paid' ? `${verb} ${what} as paid` : `${verb} ${what}`;
}

const PAYMENT_ORDER = /^[\p{L}\p{N}][\p{L}\p{N} ./#№_-]{0,63}$/u;
const IsoDate = z.iso.date();

async function takeStep(
  ports: WorkflowPorts,
  request: PaymentStepRequest,
  step: PaymentStep,
  extra: Extra,
): Promise<PaymentStepReceipt> {
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

  const size = await ports.log.size(contract);
  if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
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
  const kind = PAYMENT_STEP_KINDS[step];
  const receipt = (seq: number, replayed: boolean, entryHash: string, at: string): PaymentStepReceipt => ({
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
  const intent = { kind, actor: actor.data, body: body as unknown as Entry['body'] };
  const wanted = toHex(canonicalBytes(intent));
  for (const s of status.steps) {
    const e = entries[s.seq] as Entry;
    if (toHex(canonicalBytes({ kind: e.kind, actor: e.actor, body: e.body })) === wanted) {
      return receipt(s.seq, true, hashes[s.seq] as string, e.at);
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
  checkSeparation(id, status, step, sub);
  if (step === 'approved') checkApproval(contract, entries, states, status);

  let appended: AppendedEntry;
  try {
    appended = await ports.log.append(contract, paymentIdempotencyKey(payment, step), intent);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // Another step under the same key won the race (e.g. a rejection against this approval).
    const now = await readPayment(ports, contract, payment).catch(() => undefined);
    const last = now?.steps.at(-1);
    if (now === undefined || last === undefined) throw error;
    throw new ConflictError(
      `cannot ${act(step, `payment ${id}`)}: meanwhile it was ${last.step} by ${last.actor.sub} (entry ${last.seq}); nothing was written`,
      { payment, state: now.state, seq: last.seq },
      { cause: error },
    );
  }
  return receipt(
    appended.seq,
    appended.replayed,
    appended.entryHash,
    (await readEntryAt(ports, contract, appended.seq)) ?? '',
  );
}

/** The `at` of one entry (a receipt names when the step was taken). */
async function readEntryAt(ports: WorkflowPorts, contract: string, seq: number): Promise<string | undefined> {
  for await (const bytes of ports.log.entries(contract, seq, seq + 1)) {
    const value = JSON.parse(new TextDecoder().decode(bytes)) as { at?: unknown };
    return typeof value.at === 'string' ? value.at : undefined;
  }
  return undefined;
}

function checkContractId(contract: string): void {
  if (!ContractIdSchema.safeParse(contract).success) {
    throw new ValidationError(`not a contract id: ${contract}`, [
      { field: 'contract', message: 'lower-case letters, digits and inner hyphens, at most 64' },
    ]);
  }
}

function definedOf(extra: Extra): Extra {
  return Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Extra;
}

function findPayment(
  contract: string,
  entries: readonly Entry[],
  states: readonly PaymentStatus[],
  payment: number,
): PaymentStatus {
  const status = states.find((s) => s.payment === payment);
  if (status !== undefined) return status;
  const entry = entries[payment];
  throw new NotFoundError(
    entry === undefined
      ? `there is no payment ${contract}/${payment}: the log of ${contract} has ${entries.length} entries (sib payment list --contract ${contract})`
      : `entry ${payment} of ${contract} is not a payment: its kind is ${entry.kind}, a payment is an evaluation.recorded entry (sib payment list --contract ${contract})`,
  );
}

function extraProblems(step: PaymentStep, extra: Extra): Problem[] {
  const problems: Problem[] = [];
  if (step === 'rejected') {
    const reason = extra.reason ?? '';
    if (reason.trim() === '') {
      problems.push({ field: 'reason', message: 'is required: say why the payment is rejected' });
    } else {
      for (const message of freeTextProblems(reason)) problems.push({ field: 'reason', message });
    }
  }
  if (step === 'paid') {
    const order = extra.paymentOrder ?? '';
    if (!PAYMENT_ORDER.test(order)) {
      problems.push({
        field: 'paymentOrder',
        message:
          "must be the payment order's number: 1 to 64 letters, digits, spaces or . / # № _ -, starting with a letter or digit",
      });
    }
    if (!IsoDate.safeParse(extra.paidOn ?? '').success) {
      problems.push({ field: 'paidOn', message: 'must be the day the money was paid, a real date written YYYY-MM-DD' });
    }
  }
  return problems;
}

function describeLast(status: PaymentStatus): string {
  const last = status.steps.at(-1);
  return last === undefined ? '' : ` by ${last.actor.sub} (entry ${last.seq})`;
}

/** Refuses a step out of order, saying what must happen first. */
function checkOrder(id: string, status: PaymentStatus, step: PaymentStep): void {
  const state = status.state;
  if (state === FROM[step]) return;
  const done = status.steps.some((s) => s.step === step);
  let hint: string;
  if (done) hint = `it is already ${step}`;
  else if (state === 'rejected') hint = `a rejected payment is closed; recalculate period ${status.period} instead`;
  else if (step === 'attested') hint = 'a payment is attested once, before the decision';
  else if (step === 'paid')
    hint = state === 'paid' ? 'it is paid once' : 'the ministry approves it first (after the attestation)';
  else hint = state === 'calculated' ? 'the evaluator attests it first' : 'it was decided already';
  throw new ConflictError(
    `cannot ${act(step, `payment ${id}`)}: it is ${state}${describeLast(status)}; ${hint} (calculated -> attested -> approved or rejected -> paid)`,
    { payment: status.payment, state },
  );
}

const DID: Readonly<Record<PaymentState, string>> = {
  calculated: 'calculated',
  attested: 'attested',
  approved: 'approved',
  rejected: 'rejected',
  paid: 'marked as paid',
};

/** Separation of duties: each step of a payment (its calculation included) by another subject. */
function checkSeparation(id: string, status: PaymentStatus, step: PaymentStep, sub: string): void {
  const done: { state: PaymentState; sub: string }[] = [
    { state: 'calculated', sub: status.calculatedBy.sub },
    ...status.steps.map((s) => ({ state: s.step as PaymentState, sub: s.actor.sub })),
  ];
  const same = done.find((d) => d.sub === sub);
  if (same !== undefined) {
    throw new ForbiddenError(
      `${sub} may not ${act(step, `payment ${id}`)}: ${sub} ${DID[same.state]} it (separation of duties: each step of a payment is taken by another subject)`,
    );
  }
}

const SETTLED: ReadonlySet<PaymentState> = new Set(['approved', 'paid']);

/** What an approval must not do: exceed a cap, or pay an outcome twice. */
function checkApproval(
  contract: string,
  entries: readonly Entry[],
  states: readonly PaymentStatus[],
  status: PaymentStatus,
): void {
  const id = `${contract}/${status.payment}`;
  const version = registeredVersions(entries).find(
    (v) => v.spec.version === status.contract.version && v.hash === status.contract.hash,
  );
  if (version === undefined) throw new IntegrityError('the contract version the evaluation cites is not registered');
  const spec = version.spec;
  const money = (v: bigint) => `${formatMoney(v, status.minorUnit)} ${status.currency}`;
  const refuse = (why: string, details: Record<string, string | number> = {}) =>
    new ConflictError(`cannot approve payment ${id} (period ${status.period}): ${why}`, {
      payment: status.payment,
      ...details,
    });

  // Paid twice: another payment of the period is settled already.
  const twin = states.find((s) => s.period === status.period && s.payment !== status.payment && SETTLED.has(s.state));
  if (twin !== undefined) {
    throw refuse(
      `payment ${contract}/${twin.payment} of the same period is already ${twin.state}; an outcome is paid once (corrections are settled in the next period)`,
      { other: twin.payment },
    );
  }
  // The earlier periods' payments are the "paid before" this one builds on: settled, and the ones it read.
  const order = spec.periods.map((p) => p.id);
  const mine = order.indexOf(status.period);
  for (const period of order.slice(0, Math.max(0, mine))) {
    const ofPeriod = states.filter((s) => s.period === period);
    const latest = ofPeriod.at(-1);
    if (latest === undefined) {
      throw refuse(`period ${period} before it has no payment; evaluate and approve ${period} first`, { period });
    }
    if (!SETTLED.has(latest.state)) {
      throw refuse(
        `the payment of period ${period} (${contract}/${latest.payment}) is ${latest.state}; what it pays is the "paid before" this payment builds on: approve ${latest.state === 'rejected' ? 'a recalculation of ' : ''}${period} first`,
        { period, other: latest.payment },
      );
    }
    const read = ofPeriod.filter((s) => s.payment < status.checkpoint).at(-1);
    if (read?.payment !== latest.payment) {
      throw refuse(
        `it was calculated on ${read === undefined ? 'no payment' : `payment ${contract}/${read.payment}`} of period ${period}, but the payment of ${period} is ${contract}/${latest.payment}; reject it and recalculate ${status.period}`,
        { period, other: latest.payment },
      );
    }
  }
  // Caps: what is approved or paid so far, plus this payment.
  const total = BigInt(status.total);
  const settled = states.filter((s) => SETTLED.has(s.state));
  const sum = (list: readonly PaymentStatus[]) => list.reduce((n, s) => n + BigInt(s.total), 0n);
  const overall = sum(settled);
  const period = sum(settled.filter((s) => s.period === status.period));
  const caps: { name: string; limit: bigint; before: bigint }[] = [];
  if (spec.caps.overall !== undefined)
    caps.push({ name: 'the overall cap', limit: BigInt(spec.caps.overall), before: overall });
  if (spec.caps.perPeriod !== undefined) {
    caps.push({ name: 'the per-period cap', limit: BigInt(spec.caps.perPeriod), before: period });
  }
  const periodDef = spec.periods.find((p) => p.id === status.period);
  if (spec.returnCap !== undefined && periodDef !== undefined) {
    caps.push({
      name: `the return cap at ${periodDef.paymentDate}`,
      limit: returnCapLimit(spec.returnCap, periodDef.paymentDate),
      before: overall,
    });
  }
  for (const cap of caps) {
    if (total > 0n && cap.before + total > cap.limit) {
      throw refuse(
        `its ${money(total)} on top of ${money(cap.before)} approved or paid would exceed ${cap.name} of ${money(cap.limit)}`,
        { cap: cap.name, limit: cap.limit.toString(), before: cap.before.toString(), total: status.total },
      );
    }
  }
}
