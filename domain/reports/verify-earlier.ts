import { EVALUATION_RECORDED_KIND, PAYMENT_STEP_KINDS, type PaymentState, PaymentStepBodySchema } from '#ledger';
import { FROM, STEP_ROLES } from '#payments';
import { earlierFigures, SETTLED_STATES } from './earlier.ts';
import type { EarlierPayment, ProvenStep } from './types.ts';
import { type Fail, type ReportContext, sumOf } from './verify-context.ts';
import { checkProof } from './verify-entries.ts';
import { checkPaidBeforeByRule } from './verify-payments.ts';

/**
 * The report verifier's check of the earlier periods' payments this one
 * builds on, derived from their entries alone: each earlier period's
 * evaluation entry and its payment steps, proved into the checkpoint, of this
 * contract and of the period it claims, in the log prefix the evaluation
 * read, approved (and maybe paid), never rejected; every period before this
 * one exactly once; and their totals summing to `payments.paidBefore`. That
 * each is the latest calculation of its period is what the evaluation
 * committed to (its public summary names the entries: check 'public summary').
 */

export function checkEarlier(ctx: ReportContext, fail: Fail): string | undefined {
  const r = ctx.report;
  const counted = new Map<string, number>();
  const found: string[] = [];
  const totals: bigint[] = [];
  for (const e of r.earlier) {
    const total = earlierPayment(ctx, fail, e);
    if (total === undefined) continue;
    const before = counted.get(e.period);
    if (before !== undefined) {
      fail(`period ${e.period} is counted twice: the payments of entries ${before} and ${e.evaluation.seq}`);
    }
    counted.set(e.period, e.evaluation.seq);
    totals.push(total);
    found.push(`${e.period}: ${ctx.money(total)} (entry ${e.evaluation.seq})`);
  }
  checkPeriods(ctx, fail);
  const sum = sumOf(totals);
  const paidBefore = BigInt(r.payments.paidBefore);
  if (sum !== paidBefore) {
    fail(
      `the earlier payments' entries total ${ctx.money(sum)} (${found.join(', ') || 'none approved'}), but payments.paidBefore is ${ctx.money(paidBefore)}`,
    );
  }
  checkPaidBeforeByRule(ctx, fail, paidBefore);
  return found.join(', ') || 'none';
}

/** The earlier payments are of exactly the periods before this one, in order. */
function checkPeriods(ctx: ReportContext, fail: Fail): void {
  const r = ctx.report;
  const order = ctx.spec.periods.map((p) => p.id);
  const mine = order.indexOf(r.period.id);
  const expected = mine < 0 ? [] : order.slice(0, mine);
  const got = r.earlier.map((e) => e.period);
  const before = `the periods before ${r.period.id} are ${expected.join(', ') || 'none'}`;
  for (const p of expected.filter((x) => !got.includes(x))) {
    fail(`the earlier payments leave out period ${p}: ${before}`);
  }
  for (const p of new Set(got.filter((x) => !expected.includes(x)))) {
    fail(`the earlier payments include period ${p}, but ${before}`);
  }
  const listed = [...new Set(got)];
  const same = [...listed].sort().join(',') === [...expected].sort().join(',');
  if (same && listed.join(',') !== expected.join(',')) {
    fail(
      `the earlier payments are listed as ${listed.join(', ')}, not in the contract's order (${expected.join(', ')})`,
    );
  }
}

/** One earlier payment: its entries proved and of the period it claims; its total if approved, else undefined. */
function earlierPayment(ctx: ReportContext, fail: Fail, e: EarlierPayment): bigint | undefined {
  const r = ctx.report;
  const seq = e.evaluation.seq;
  const at = `the payment of ${e.period} (entry ${seq})`;
  const failAt: Fail = (m) => fail(`${at}: ${m}`);
  checkProof(ctx, failAt, e.evaluation, EVALUATION_RECORDED_KIND);
  const { body, state } = earlierFigures(e);
  if (body === undefined) {
    failAt('the entry is not an evaluation entry');
    return undefined;
  }
  if (body.period !== e.period) {
    failAt(
      `the entry is the evaluation of period ${body.period}, not of ${e.period} (a total of ${ctx.money(body.total)})`,
    );
  }
  if (seq >= r.evaluation.evaluatedAt.size) {
    failAt(`the entry is not in the log prefix this evaluation read (size ${r.evaluation.evaluatedAt.size})`);
  }
  let last = seq;
  let now: PaymentState = 'calculated';
  for (const s of e.steps) {
    checkStep(ctx, failAt, s, { seq, period: body.period, result: body.result.sha256, total: body.total });
    if (s.entry.seq <= last) failAt(`the ${s.step} step (entry ${s.entry.seq}) is not after entry ${last}`);
    if (FROM[s.step] !== now) failAt(`the ${s.step} step (entry ${s.entry.seq}) follows ${now}`);
    last = Math.max(last, s.entry.seq);
    now = s.step;
  }
  if (!SETTLED_STATES.has(state)) {
    const rejected = e.steps.find((s) => s.step === 'rejected');
    failAt(
      rejected !== undefined
        ? `the calculation of ${body.period} (a total of ${ctx.money(body.total)}) was rejected (entry ${rejected.entry.seq}): a rejected calculation is not paid before`
        : `the calculation of ${body.period} (a total of ${ctx.money(body.total)}) is ${state}, not approved: what it would pay is not paid before`,
    );
    return undefined;
  }
  return BigInt(body.total);
}

/** A step entry is proved, of the payment it is listed under, and taken by its step's role. */
function checkStep(
  ctx: ReportContext,
  fail: Fail,
  s: ProvenStep,
  payment: { seq: number; period: string; result: string; total: string },
): void {
  checkProof(ctx, fail, s.entry, PAYMENT_STEP_KINDS[s.step]);
  const entry = ctx.entry(s.entry);
  const parsed = PaymentStepBodySchema.safeParse(entry?.body);
  if (entry === undefined || !parsed.success) {
    fail(`the ${s.step} step (entry ${s.entry.seq}) has no payment step body`);
    return;
  }
  const b = parsed.data;
  if (
    b.payment !== payment.seq ||
    b.period !== payment.period ||
    b.result !== payment.result ||
    b.total !== payment.total
  ) {
    fail(
      `the ${s.step} step (entry ${s.entry.seq}) is a step of payment ${b.payment} (period ${b.period}, a total of ${ctx.money(b.total)}), not of payment ${payment.seq} (period ${payment.period}, a total of ${ctx.money(payment.total)})`,
    );
  }
  if (entry.actor.role !== STEP_ROLES[s.step]) {
    fail(
      `the ${s.step} step (entry ${s.entry.seq}) is by ${entry.actor.role}: only the ${STEP_ROLES[s.step]} takes it`,
    );
  }
}
