/**
 * The payment workflow (domain/payments/workflow.ts) on an in-memory contract log
 * (test/support/workflow-fixtures.ts): calculated -> attested -> approved or
 * rejected -> paid, every refusal with nothing written, the state rebuilt
 * from the log, and the recalculation of a rejected payment through real
 * evaluations. Money is in minor units (100 = 1.00 RUB).
 */
import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '#contracts';
import { ConflictError, ForbiddenError, IntegrityError, NotFoundError, ValidationError } from '#kernel';
import type { Actor, Entry } from '#ledger';
import { PAYMENT_ATTESTED_KIND, PAYMENT_PAID_KIND } from '#ledger';
import { parsePaymentId, paymentIdempotencyKey, paymentStates } from '#payments';
import {
  approvePayment,
  attestPayment,
  markPaid,
  readPayment,
  readPayments,
  readVerifiedEntries,
  rejectPayment,
} from '#services';
import { loadSpec, pseudonym, Records, specWith } from '../support/evaluation-fixtures.ts';
import { cohort } from '../support/settlement.ts';
import { CALCULATOR, MemoryContractLog, WorkflowLedger } from '../support/workflow-fixtures.ts';

const EVALUATOR: Actor = { sub: 'attesting-evaluator', role: 'evaluator' };
const APPROVER: Actor = { sub: 'ministry-approver', role: 'ministry' };
const TREASURY: Actor = { sub: 'ministry-treasury', role: 'ministry' };
const OTHER_MINISTRY: Actor = { sub: 'ministry-deputy', role: 'ministry' };
const OTHER_EVALUATOR: Actor = { sub: 'second-evaluator', role: 'evaluator' };

const SPEC = loadSpec('second-chance-kamchatka');

/** The shipped Second Chance spec with other caps (and no return cap unless given). */
function specWithCaps(caps: ContractSpec['caps'], returnCap?: ContractSpec['returnCap']): ContractSpec {
  return specWith('second-chance-kamchatka', (raw) => {
    raw.caps = caps;
    if (returnCap === undefined) delete raw.returnCap;
    else raw.returnCap = returnCap;
  });
}

/** Expects the promise to reject with `type`, with no append tried (the log as long as before). */
async function refused<T extends Error>(
  ledger: WorkflowLedger,
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
  message?: RegExp,
): Promise<T> {
  const before = ledger.entries().length;
  const calls = ledger.log.appendCalls;
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  if (message !== undefined) expect((error as Error).message).toMatch(message);
  expect(await ledger.size()).toBe(before);
  expect(ledger.log.appendCalls, 'no append was even tried').toBe(calls);
  return error as T;
}

/** The result hash an evaluation entry cites. */
const resultSha = (entry: Entry | undefined) => (entry?.body.result as { sha256: string } | undefined)?.sha256 ?? '';

const req = (ledger: WorkflowLedger, payment: number, actor: Actor) => ({ contract: ledger.contract, payment, actor });

/** Attested by EVALUATOR. */
async function attested(ledger: WorkflowLedger, payment: number): Promise<void> {
  await attestPayment(ledger.ports, req(ledger, payment, EVALUATOR));
}

/** Attested by EVALUATOR, approved by APPROVER. */
async function approved(ledger: WorkflowLedger, payment: number): Promise<void> {
  await attested(ledger, payment);
  await approvePayment(ledger.ports, req(ledger, payment, APPROVER));
}

describe('the happy path: calculated -> attested -> approved -> paid', () => {
  it('appends one entry per step, by its subject and role, under its idempotency key', async () => {
    // Prepare
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '3000000000');

    // Act
    const attest = await attestPayment(ledger.ports, req(ledger, payment, EVALUATOR));
    const approve = await approvePayment(ledger.ports, req(ledger, payment, APPROVER));
    const paid = await markPaid(ledger.ports, {
      ...req(ledger, payment, TREASURY),
      paymentOrder: 'ПП-000123',
      paidOn: '2024-09-30',
    });

    // Assess
    expect([attest.seq, approve.seq, paid.seq]).toEqual([2, 3, 4]);
    expect(attest).toMatchObject({
      contract: ledger.contract,
      payment,
      period: 'y1',
      total: '3000000000',
      currency: 'RUB',
      minorUnit: 2,
      step: 'attested',
      replayed: false,
      entryHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(approve.step).toBe('approved');
    expect(paid.step).toBe('paid');
    const entries = ledger.entries();
    const evaluation = entries[payment];
    expect(entries.slice(2).map((e) => [e.kind, e.actor])).toEqual([
      ['payment.attested', EVALUATOR],
      ['payment.approved', APPROVER],
      ['payment.paid', TREASURY],
    ]);
    const base = {
      payment,
      period: 'y1',
      result: resultSha(evaluation),
      total: '3000000000',
    };
    expect(entries[2]?.body).toEqual(base);
    expect(entries[3]?.body).toEqual(base);
    expect(entries[4]?.body).toEqual({ ...base, paymentOrder: 'ПП-000123', paidOn: '2024-09-30' });
    const status = await readPayment(ledger.ports, ledger.contract, payment);
    expect(status).toMatchObject({
      payment,
      period: 'y1',
      state: 'paid',
      calculatedBy: CALCULATOR,
      latest: true,
      checkpoint: 1,
      contract: { version: 1 },
    });
    expect(status.steps.map((s) => [s.step, s.seq, s.actor.sub])).toEqual([
      ['attested', 2, EVALUATOR.sub],
      ['approved', 3, APPROVER.sub],
      ['paid', 4, TREASURY.sub],
    ]);
    expect(status.steps[2]).toMatchObject({ paymentOrder: 'ПП-000123', paidOn: '2024-09-30' });
  });

  it('uses payment:<seq>:attest, payment:<seq>:decision (approve and reject) and payment:<seq>:paid', () => {
    expect(paymentIdempotencyKey(7, 'attested')).toBe('payment:7:attest');
    expect(paymentIdempotencyKey(7, 'approved')).toBe('payment:7:decision');
    expect(paymentIdempotencyKey(7, 'rejected')).toBe('payment:7:decision');
    expect(paymentIdempotencyKey(7, 'paid')).toBe('payment:7:paid');
  });

  it('the same step with the same content again answers with the original entry, replayed', async () => {
    // Prepare
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    const first = await attestPayment(ledger.ports, req(ledger, payment, EVALUATOR));
    const reject = { ...req(ledger, payment, APPROVER), reason: 'the employment figures need a second check' };
    const rejected = await rejectPayment(ledger.ports, reject);
    const size = await ledger.size();

    // Act
    const again = await attestPayment(ledger.ports, req(ledger, payment, EVALUATOR));
    const rejectedAgain = await rejectPayment(ledger.ports, reject);

    // Assess
    expect(again).toEqual({ ...first, replayed: true });
    expect(rejectedAgain).toEqual({ ...rejected, replayed: true });
    expect(await ledger.size()).toBe(size);
  });
});

describe('refused, with nothing written', () => {
  it('a step out of order', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    const paid = (actor: Actor) => ({ ...req(ledger, payment, actor), paymentOrder: '17', paidOn: '2024-10-01' });

    // calculated: no decision, no payment before the attestation
    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, payment, APPROVER)),
      ConflictError,
      /^cannot approve payment second-chance-kamchatka\/1: it is calculated; the evaluator attests it first/,
    );
    await refused(
      ledger,
      rejectPayment(ledger.ports, { ...req(ledger, payment, APPROVER), reason: 'no' }),
      ConflictError,
    );
    await refused(ledger, markPaid(ledger.ports, paid(TREASURY)), ConflictError, /the ministry approves it first/);
    // attested: not twice, not paid before the decision
    await attested(ledger, payment);
    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, payment, OTHER_EVALUATOR)),
      ConflictError,
      /it is attested by attesting-evaluator \(entry 2\); it is already attested/,
    );
    await refused(ledger, markPaid(ledger.ports, paid(TREASURY)), ConflictError, /it is attested/);
    // approved: no second decision, no second attestation
    await approvePayment(ledger.ports, req(ledger, payment, APPROVER));
    await refused(
      ledger,
      rejectPayment(ledger.ports, { ...req(ledger, payment, OTHER_MINISTRY), reason: 'changed our mind' }),
      ConflictError,
      /it is approved by ministry-approver \(entry 3\); it was decided already/,
    );
    await refused(ledger, approvePayment(ledger.ports, req(ledger, payment, OTHER_MINISTRY)), ConflictError);
    await refused(ledger, attestPayment(ledger.ports, req(ledger, payment, OTHER_EVALUATOR)), ConflictError);
    // paid: once
    await markPaid(ledger.ports, paid(TREASURY));
    await refused(
      ledger,
      markPaid(ledger.ports, { ...paid(OTHER_MINISTRY), paymentOrder: '18' }),
      ConflictError,
      /it is paid by ministry-treasury \(entry 4\); it is already paid/,
    );
  });

  it('anything after a rejection: a rejected payment is closed', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    await attested(ledger, payment);
    await rejectPayment(ledger.ports, { ...req(ledger, payment, APPROVER), reason: 'figures to be checked' });

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, payment, OTHER_MINISTRY)),
      ConflictError,
      /it is rejected by ministry-approver \(entry 3\); a rejected payment is closed; recalculate period y1 instead/,
    );
    await refused(
      ledger,
      markPaid(ledger.ports, { ...req(ledger, payment, TREASURY), paymentOrder: '1', paidOn: '2024-10-01' }),
      ConflictError,
      /recalculate period y1/,
    );
  });

  it('a role doing another role’s step', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');

    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, payment, APPROVER)),
      ForbiddenError,
      /^ministry-approver acts as ministry: only the evaluator may attest a payment/,
    );
    await attested(ledger, payment);
    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, payment, OTHER_EVALUATOR)),
      ForbiddenError,
      /only the ministry may approve a payment/,
    );
    await refused(
      ledger,
      rejectPayment(ledger.ports, { ...req(ledger, payment, { sub: 'investor-1', role: 'investor' }), reason: 'no' }),
      ForbiddenError,
      /only the ministry may reject a payment/,
    );
    await approvePayment(ledger.ports, req(ledger, payment, APPROVER));
    await refused(
      ledger,
      markPaid(ledger.ports, {
        ...req(ledger, payment, { sub: 'op', role: 'operator' }),
        paymentOrder: '1',
        paidOn: '2024-10-01',
      }),
      ForbiddenError,
      /only the ministry may record a payment as paid/,
    );
  });

  it('the same subject taking two steps of one payment, the calculation included', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');

    // The calculating evaluator does not attest its own calculation.
    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, payment, CALCULATOR)),
      ForbiddenError,
      /^calc-evaluator may not attest payment .*: calc-evaluator calculated it \(separation of duties/,
    );
    await attested(ledger, payment);
    // The same subject under another role is the same subject.
    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, payment, { sub: EVALUATOR.sub, role: 'ministry' })),
      ForbiddenError,
      /attesting-evaluator attested it/,
    );
    await refused(
      ledger,
      rejectPayment(ledger.ports, { ...req(ledger, payment, { sub: CALCULATOR.sub, role: 'ministry' }), reason: 'x' }),
      ForbiddenError,
      /calc-evaluator calculated it/,
    );
    await approvePayment(ledger.ports, req(ledger, payment, APPROVER));
    // The approver does not also record the payment.
    await refused(
      ledger,
      markPaid(ledger.ports, { ...req(ledger, payment, APPROVER), paymentOrder: '1', paidOn: '2024-10-01' }),
      ForbiddenError,
      /ministry-approver approved it/,
    );
  });

  it('a rejection without a reason, or with personal data in it', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    await attested(ledger, payment);
    const reject = (reason: string) => rejectPayment(ledger.ports, { ...req(ledger, payment, APPROVER), reason });

    const missing = await refused(ledger, reject(''), ValidationError, /^cannot reject payment/);
    const blank = await refused(ledger, reject('   '), ValidationError);
    const name = await refused(ledger, reject('уточнить данные Иванов Иван'), ValidationError);
    const number = await refused(ledger, reject('see case 123 456 789 01'), ValidationError);

    expect(missing.problems).toEqual([{ field: 'reason', message: 'is required: say why the payment is rejected' }]);
    expect(blank.problems).toEqual(missing.problems);
    expect(name.problems).toEqual([{ field: 'reason', message: expect.stringMatching(/personal name/) }]);
    expect(number.problems).toEqual([{ field: 'reason', message: expect.stringMatching(/ID number/) }]);
  });

  it('a payment record without an order number or with a date that is not a day', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    await approved(ledger, payment);

    const error = await refused(
      ledger,
      markPaid(ledger.ports, { ...req(ledger, payment, TREASURY), paymentOrder: ' ', paidOn: '2024-02-30' }),
      ValidationError,
    );

    expect(error.problems.map((p) => p.field)).toEqual(['paymentOrder', 'paidOn']);
  });

  it('a payment of another contract, or an entry that is not a payment', async () => {
    // Prepare: two contracts on one log store; entry 1 is a payment of `other`, a batch of `ledger`.
    const log = new MemoryContractLog();
    const ledger = await WorkflowLedger.create(SPEC, log);
    const other = await WorkflowLedger.create({ ...SPEC, id: 'other-contract' }, log);
    await ledger.addBatch([]);
    const foreign = await other.recordPayment('y1', '100');
    expect(foreign).toBe(1);

    // Act, assess
    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, foreign, EVALUATOR)),
      NotFoundError,
      /^entry 1 of second-chance-kamchatka is not a payment: its kind is evidence\.batch, a payment is an evaluation\.recorded entry/,
    );
    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, 0, EVALUATOR)),
      NotFoundError,
      /its kind is contract\.registered/,
    );
    await refused(
      ledger,
      attestPayment(ledger.ports, req(ledger, 9, EVALUATOR)),
      NotFoundError,
      /^there is no payment second-chance-kamchatka\/9: the log of second-chance-kamchatka has 2 entries/,
    );
    expect(await other.size()).toBe(2);
  });

  it('payment ids: <seq> or <contract>/<seq>; another contract’s id is refused', () => {
    expect(parsePaymentId('kam', '12')).toBe(12);
    expect(parsePaymentId('kam', 'kam/12')).toBe(12);
    expect(() => parsePaymentId('kam', 'peterborough/12')).toThrow(ForbiddenError);
    expect(() => parsePaymentId('kam', 'peterborough/12')).toThrow(
      'payment peterborough/12 is a payment of contract peterborough, not of kam',
    );
    for (const bad of ['', 'x', '-1', '1.5', 'kam/', '01'])
      expect(() => parsePaymentId('kam', bad)).toThrow(ValidationError);
  });
});

describe('approval: no cap exceeded, no outcome paid twice', () => {
  it('refuses what would exceed the overall cap, counting what is approved or paid before', async () => {
    const ledger = await WorkflowLedger.create(specWithCaps({ overall: '5000' }));
    const y1 = await ledger.recordPayment('y1', '3000');
    await approved(ledger, y1);
    const y2 = await ledger.recordPayment('y2', '2001');
    await attested(ledger, y2);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, y2, APPROVER)),
      ConflictError,
      /^cannot approve payment .*\/4 \(period y2\): its 20\.01 RUB on top of 30\.00 RUB approved or paid would exceed the overall cap of 50\.00 RUB$/,
    );
  });

  it('approves up to the overall cap exactly', async () => {
    const ledger = await WorkflowLedger.create(specWithCaps({ overall: '5000' }));
    const y1 = await ledger.recordPayment('y1', '3000');
    await approved(ledger, y1);
    const y2 = await ledger.recordPayment('y2', '2000');
    await attested(ledger, y2);

    const receipt = await approvePayment(ledger.ports, req(ledger, y2, APPROVER));

    expect(receipt.step).toBe('approved');
  });

  it('refuses what would exceed the per-period cap', async () => {
    const ledger = await WorkflowLedger.create(specWithCaps({ perPeriod: '1000' }));
    const y1 = await ledger.recordPayment('y1', '1001');
    await attested(ledger, y1);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, y1, APPROVER)),
      ConflictError,
      /would exceed the per-period cap of 10\.00 RUB$/,
    );
  });

  it('refuses what would exceed the return cap at the period’s payment date', async () => {
    // 1000 at 6% from 2023-08-01 to 2024-09-30 (426 days): 1000 + floor(1000 × 0.06 × 426 / 365) = 1070.
    const spec = specWithCaps({}, { principal: '1000', annualRate: '0.06', from: '2023-08-01' });
    const ledger = await WorkflowLedger.create(spec);
    const over = await ledger.recordPayment('y1', '1071');
    await attested(ledger, over);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, over, APPROVER)),
      ConflictError,
      /would exceed the return cap at 2024-09-30 of 10\.70 RUB$/,
    );
    await rejectPayment(ledger.ports, { ...req(ledger, over, APPROVER), reason: 'over the return cap' });
    const within = await ledger.recordPayment('y1', '1070');
    await attested(ledger, within);
    expect((await approvePayment(ledger.ports, req(ledger, within, APPROVER))).step).toBe('approved');
  });

  it('refuses a payment that is not the latest calculation of its period', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const old = await ledger.recordPayment('y1', '100');
    await attested(ledger, old);
    const latest = await ledger.recordPayment('y1', '90');

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, old, APPROVER)),
      ConflictError,
      new RegExp(`it is not the latest calculation of period y1 \\(payment .*/${latest} is\\)`),
    );
    // Nor is a superseded calculation attested.
    const older = await ledger.recordPayment('y2', '1');
    await ledger.recordPayment('y2', '2');
    await refused(ledger, attestPayment(ledger.ports, req(ledger, older, EVALUATOR)), ConflictError, /not the latest/);
  });

  it('refuses a second payment of a period once one is approved', async () => {
    // Prepare: a second y1 calculation recorded around the evaluation's own refusal (synthetic entries).
    const ledger = await WorkflowLedger.create(SPEC);
    const first = await ledger.recordPayment('y1', '100');
    await approved(ledger, first);
    const second = await ledger.recordPayment('y1', '100');
    await attested(ledger, second);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, second, APPROVER)),
      ConflictError,
      new RegExp(`payment .*/${first} of the same period is already approved; an outcome is paid once`),
    );
  });

  it('refuses a later period while an earlier period’s payment is not approved or paid', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const y1 = await ledger.recordPayment('y1', '100');
    await attested(ledger, y1);
    const y2 = await ledger.recordPayment('y2', '100');
    await attested(ledger, y2);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, y2, APPROVER)),
      ConflictError,
      /the payment of period y1 \(.*\/1\) is attested; what it pays is the "paid before" this payment builds on: approve y1 first/,
    );
    // Once y1 is approved, y2 may be.
    await approvePayment(ledger.ports, req(ledger, y1, APPROVER));
    expect((await approvePayment(ledger.ports, req(ledger, y2, APPROVER))).step).toBe('approved');
  });

  it('refuses a payment calculated on an earlier payment that is no longer its period’s', async () => {
    // y2 read y1's first calculation; y1 was then calculated again and approved.
    const ledger = await WorkflowLedger.create(SPEC);
    const y1 = await ledger.recordPayment('y1', '100');
    const y2 = await ledger.recordPayment('y2', '100');
    const y1again = await ledger.recordPayment('y1', '90');
    await approved(ledger, y1again);
    await attested(ledger, y2);

    await refused(
      ledger,
      approvePayment(ledger.ports, req(ledger, y2, APPROVER)),
      ConflictError,
      new RegExp(`it was calculated on payment .*/${y1} of period y1, but the payment of y1 is .*/${y1again}`),
    );
  });
});

describe('concurrent steps: one wins', () => {
  it('an approval and a rejection started together: one is recorded, the other refused', async () => {
    // Prepare
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    await attested(ledger, payment);
    const size = await ledger.size();
    ledger.log.holdAppends(2);

    // Act: both read the log (attested) before either writes.
    const [approve, reject] = await Promise.allSettled([
      approvePayment(ledger.ports, req(ledger, payment, APPROVER)),
      rejectPayment(ledger.ports, { ...req(ledger, payment, OTHER_MINISTRY), reason: 'needs a review' }),
    ]);

    // Assess
    expect(approve.status).toBe('fulfilled');
    expect(reject.status).toBe('rejected');
    const error = (reject as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(
      /^cannot reject payment .*: meanwhile it was approved by ministry-approver \(entry 3\); nothing was written$/,
    );
    expect(await ledger.size()).toBe(size + 1);
    expect((await readPayment(ledger.ports, ledger.contract, payment)).state).toBe('approved');
  });

  it('two attestations by two evaluators started together: one is recorded', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    ledger.log.holdAppends(2);

    const results = await Promise.allSettled([
      attestPayment(ledger.ports, req(ledger, payment, EVALUATOR)),
      attestPayment(ledger.ports, req(ledger, payment, OTHER_EVALUATOR)),
    ]);

    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(ledger.entries().filter((e) => e.kind === PAYMENT_ATTESTED_KIND)).toHaveLength(1);
  });
});

describe('the state, from the log', () => {
  it('lists every payment with its state and history, and is rebuilt the same from the entries', async () => {
    // Prepare
    const ledger = await WorkflowLedger.create(SPEC);
    const rejected = await ledger.recordPayment('y1', '100');
    await attested(ledger, rejected);
    await rejectPayment(ledger.ports, { ...req(ledger, rejected, APPROVER), reason: 'recount needed' });
    const y1 = await ledger.recordPayment('y1', '90');
    await approved(ledger, y1);
    await markPaid(ledger.ports, { ...req(ledger, y1, TREASURY), paymentOrder: '42', paidOn: '2024-09-30' });
    const y2 = await ledger.recordPayment('y2', '-5', OTHER_EVALUATOR);

    // Act
    const states = await readPayments(ledger.ports, ledger.contract);
    const { entries } = await readVerifiedEntries(ledger.log, ledger.contract, await ledger.size());

    // Assess
    expect(states.map((s) => [s.payment, s.period, s.total, s.state, s.latest, s.calculatedBy.sub])).toEqual([
      [rejected, 'y1', '100', 'rejected', false, CALCULATOR.sub],
      [y1, 'y1', '90', 'paid', true, CALCULATOR.sub],
      [y2, 'y2', '-5', 'calculated', true, OTHER_EVALUATOR.sub],
    ]);
    expect(states[0]?.steps.map((s) => [s.step, s.actor.sub, s.reason])).toEqual([
      ['attested', EVALUATOR.sub, undefined],
      ['rejected', APPROVER.sub, 'recount needed'],
    ]);
    expect(states[1]?.steps.at(-1)).toMatchObject({ step: 'paid', paymentOrder: '42', paidOn: '2024-09-30' });
    expect(paymentStates(entries)).toEqual(states);
    expect(paymentStates(ledger.entries())).toEqual(states);
    // Any prefix of the log gives the state as it was then.
    expect(paymentStates(entries.slice(0, rejected + 2)).map((s) => s.state)).toEqual(['attested']);
  });

  it('names a step entry that does not follow the lifecycle or names no payment', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    const payment = await ledger.recordPayment('y1', '100');
    const evaluation = ledger.entries()[payment];
    const body = {
      payment,
      period: 'y1',
      result: resultSha(evaluation),
      total: '100',
      paymentOrder: '1',
      paidOn: '2024-10-01',
    };
    // Written around the use cases: paid while calculated.
    await ledger.append('raw-paid', { kind: PAYMENT_PAID_KIND, actor: TREASURY, body });
    expect(() => paymentStates(ledger.entries())).toThrow(IntegrityError);
    expect(() => paymentStates(ledger.entries())).toThrow('seq 2: payment.paid of payment 1 follows state calculated');

    const stray = await WorkflowLedger.create(SPEC);
    await stray.append('raw-attest', { kind: PAYMENT_ATTESTED_KIND, actor: EVALUATOR, body: { ...body, payment: 0 } });
    expect(() => paymentStates(stray.entries())).toThrow(
      /seq 1: payment.attested names payment 0, which is no earlier/,
    );
  });
});

describe('a rejected payment is recalculated; an attested one is not', () => {
  it('rejection, then recalculation with more evidence, then approval and payment; the history stays', async () => {
    // Prepare: y1 calculated on 62 employed: nothing is due (below 90% of target).
    const ev = new Records();
    const ledger = await WorkflowLedger.create(SPEC);
    const records = cohort(ev, 200, 62);
    await ledger.addBatch(records);
    const first = await ledger.evaluatePeriod('y1');
    expect(first.result.payments.total).toBe('0');
    await attested(ledger, first.seq);

    // Attested: y1 cannot be calculated again, and y2 may be evaluated on it.
    await refused(
      ledger,
      ledger.evaluatePeriod('y1'),
      ConflictError,
      /^period y1 cannot be evaluated again: its payment \(entry 2\) is attested; it cannot be recalculated$/,
    );

    // Act: the ministry rejects it; a late job record arrives; y1 is calculated again.
    await rejectPayment(ledger.ports, {
      ...req(ledger, first.seq, APPROVER),
      reason: 'a job started in the period is missing from the evidence',
    });
    await refused(
      ledger,
      ledger.evaluatePeriod('y2'),
      ConflictError,
      /^period y2 cannot be evaluated: the payment of period y1 \(entry 2\) was rejected; recalculate y1 first$/,
    );
    await ledger.addBatch([ev.job(pseudonym('wf-62'), '2023-09-01')]);
    const second = await ledger.evaluatePeriod('y1');
    await attested(ledger, second.seq);
    await approvePayment(ledger.ports, req(ledger, second.seq, APPROVER));
    await markPaid(ledger.ports, { ...req(ledger, second.seq, TREASURY), paymentOrder: '501', paidOn: '2024-09-30' });

    // Assess
    expect(second.result.payments.total).toBe('3000000000');
    const states = await readPayments(ledger.ports, ledger.contract);
    expect(states.map((s) => [s.payment, s.total, s.state, s.latest])).toEqual([
      [first.seq, '0', 'rejected', false],
      [second.seq, '3000000000', 'paid', true],
    ]);
    // Paid: y1 cannot be calculated again; y2 is evaluated on the paid y1.
    await refused(ledger, ledger.evaluatePeriod('y1'), ConflictError, /is paid; it cannot be recalculated/);
    const y2 = await ledger.evaluatePeriod('y2');
    expect(y2.result.inputs.priorEvaluations.map((p) => p.seq)).toEqual([second.seq]);
    expect(y2.result.payments.paidBefore).toBe('3000000000');
  });

  it('a merely calculated period may be evaluated again; an approved one may not', async () => {
    const ledger = await WorkflowLedger.create(SPEC);
    await ledger.addBatch(cohort(new Records(), 200, 63));
    await ledger.evaluatePeriod('y1');
    await ledger.addBatch([]);
    const again = await ledger.evaluatePeriod('y1');
    await approved(ledger, again.seq);

    await refused(ledger, ledger.evaluatePeriod('y1'), ConflictError, /is approved; it cannot be recalculated/);
  });
});
