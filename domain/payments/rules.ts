import * as z from 'zod';
import { type ContractSpec, perPeriodCap, registeredVersions } from '#contracts';
import { formatMoney, returnCapLimit } from '#evaluation';
import { freeTextProblems } from '#evidence';
import { ConflictError, ForbiddenError, IntegrityError, NotFoundError, type Problem, ValidationError } from '#kernel';
import { ContractIdSchema, type Entry, type PaymentState, type PaymentStep, type PaymentStepBody } from '#ledger';
import { FROM, type PaymentStatus } from './workflow.ts';

/**
 * What each payment step must satisfy before it is written: the lifecycle's
 * order, separation of duties, the step's own fields, and for an approval the
 * caps and "an outcome is paid once". Each check throws the error a refusal
 * answers with (ValidationError, ForbiddenError, ConflictError, NotFoundError)
 * and writes nothing; the use cases (the services context) run them, then append.
 */

export type Extra = Pick<PaymentStepBody, 'reason' | 'paymentOrder' | 'paidOn'>;

/** `attest payment c/5`, `record payment c/5 as paid`: what a step does to `what`. */
export function act(step: PaymentStep, what: string): string {
  const verb = { attested: 'attest', approved: 'approve', rejected: 'reject', paid: 'record' }[step];
  return step === 'paid' ? `${verb} ${what} as paid` : `${verb} ${what}`;
}

export const PAYMENT_ORDER = /^[\p{L}\p{N}][\p{L}\p{N} ./#№_-]{0,63}$/u;

export const IsoDate = z.iso.date();

export function checkContractId(contract: string): void {
  if (!ContractIdSchema.safeParse(contract).success) {
    throw new ValidationError(`not a contract id: ${contract}`, [
      { field: 'contract', message: 'lower-case letters, digits and inner hyphens, at most 64' },
    ]);
  }
}

export function definedOf(extra: Extra): Extra {
  return Object.fromEntries(Object.entries(extra).filter(([, v]) => v !== undefined)) as Extra;
}

export function findPayment(
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
      ? `there is no payment ${contract}/${payment}: the log of ${contract} has ${entries.length} entries (sib ministry payments --contract ${contract})`
      : `entry ${payment} of ${contract} is not a payment: its kind is ${entry.kind}, a payment is an evaluation.recorded entry (sib ministry payments --contract ${contract})`,
  );
}

export function extraProblems(step: PaymentStep, extra: Extra): Problem[] {
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

export function describeLast(status: PaymentStatus): string {
  const last = status.steps.at(-1);
  return last === undefined ? '' : ` by ${last.actor.sub} (entry ${last.seq})`;
}

/** Refuses a step out of order, saying what must happen first. */
export function checkOrder(id: string, status: PaymentStatus, step: PaymentStep): void {
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

export const DID: Readonly<Record<PaymentState, string>> = {
  calculated: 'calculated',
  attested: 'attested',
  approved: 'approved',
  rejected: 'rejected',
  paid: 'marked as paid',
};

/** Separation of duties: each step of a payment (its calculation included) by another subject. */
export function checkSeparation(id: string, status: PaymentStatus, step: PaymentStep, sub: string): void {
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

export const SETTLED: ReadonlySet<PaymentState> = new Set(['approved', 'paid']);

/** What an approval must not do: exceed a cap, or pay an outcome twice. */
export function checkApproval(
  contract: string,
  entries: readonly Entry[],
  states: readonly PaymentStatus[],
  status: PaymentStatus,
): void {
  const version = registeredVersions(entries).find(
    (v) => v.spec.version === status.contract.version && v.hash === status.contract.hash,
  );
  if (version === undefined) throw new IntegrityError('the contract version the evaluation cites is not registered');
  const refuse = approvalRefusal(contract, status);
  checkPaidOnce(contract, states, status, refuse);
  checkEarlierPeriods(contract, version.spec, states, status, refuse);
  checkCaps(version.spec, states, status, refuse);
}

/** The ConflictError refusing an approval, saying why. */
type Refuse = (why: string, details?: Record<string, string | number>) => ConflictError;

function approvalRefusal(contract: string, status: PaymentStatus): Refuse {
  const id = `${contract}/${status.payment}`;
  return (why, details = {}) =>
    new ConflictError(`cannot approve payment ${id} (period ${status.period}): ${why}`, {
      payment: status.payment,
      ...details,
    });
}

/** Paid twice: another payment of the period is settled already. */
function checkPaidOnce(
  contract: string,
  states: readonly PaymentStatus[],
  status: PaymentStatus,
  refuse: Refuse,
): void {
  const twin = states.find((s) => s.period === status.period && s.payment !== status.payment && SETTLED.has(s.state));
  if (twin !== undefined) {
    throw refuse(
      `payment ${contract}/${twin.payment} of the same period is already ${twin.state}; an outcome is paid once (corrections are settled in the next period)`,
      { other: twin.payment },
    );
  }
}

/** The earlier periods' payments are the "paid before" this one builds on: settled, and the ones it read. */
function checkEarlierPeriods(
  contract: string,
  spec: ContractSpec,
  states: readonly PaymentStatus[],
  status: PaymentStatus,
  refuse: Refuse,
): void {
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
}

/** Caps: what is approved or paid so far, plus this payment, within each cap of the spec. */
function checkCaps(spec: ContractSpec, states: readonly PaymentStatus[], status: PaymentStatus, refuse: Refuse): void {
  const money = (v: bigint) => `${formatMoney(v, status.minorUnit)} ${status.currency}`;
  const total = BigInt(status.total);
  for (const cap of capsOf(spec, states, status)) {
    if (total > 0n && cap.before + total > cap.limit) {
      throw refuse(
        `its ${money(total)} on top of ${money(cap.before)} approved or paid would exceed ${cap.name} of ${money(cap.limit)}`,
        { cap: cap.name, limit: cap.limit.toString(), before: cap.before.toString(), total: status.total },
      );
    }
  }
}

/** The spec's caps that bind this payment, in order, with what was settled before it under each. */
function capsOf(
  spec: ContractSpec,
  states: readonly PaymentStatus[],
  status: PaymentStatus,
): { name: string; limit: bigint; before: bigint }[] {
  const settled = states.filter((s) => SETTLED.has(s.state));
  const sum = (list: readonly PaymentStatus[]) => list.reduce((n, s) => n + BigInt(s.total), 0n);
  const overall = sum(settled);
  const period = sum(settled.filter((s) => s.period === status.period));
  const caps: { name: string; limit: bigint; before: bigint }[] = [];
  if (spec.caps.overall !== undefined)
    caps.push({ name: 'the overall cap', limit: BigInt(spec.caps.overall), before: overall });
  const perPeriod = perPeriodCap(spec, status.period);
  if (perPeriod !== undefined) caps.push({ name: 'the per-period cap', limit: perPeriod, before: period });
  const periodDef = spec.periods.find((p) => p.id === status.period);
  if (spec.returnCap !== undefined && periodDef !== undefined) {
    caps.push({
      name: `the return cap at ${periodDef.paymentDate}`,
      limit: returnCapLimit(spec.returnCap, periodDef.paymentDate),
      before: overall,
    });
  }
  return caps;
}
