import { allocateToInvestors, returnCapLimit } from '#evaluation';
import { type Fail, type ReportContext, sumOf } from './verify-context.ts';
import { formulaProblems } from './verify-formula.ts';
import { simulate } from './verify-simulation.ts';

/**
 * The report verifier's checks of the payments: what was paid before under
 * each rule (the earlier payments themselves: verify-earlier.ts), the payment lines as the contract gives them
 * (verify-simulation.ts), the total and the amount to date, the caps, and
 * the split among investors.
 */

/** paidBeforeByRule names the contract's rules (groups only of group-keyed ones) and sums to paidBefore. */
export function checkPaidBeforeByRule(ctx: ReportContext, fail: Fail, paidBefore: bigint): void {
  const byRule = ctx.report.paidBeforeByRule;
  if (byRule === undefined) {
    if (paidBefore !== 0n) fail('paidBeforeByRule is missing: the amounts paid before cannot be recomputed without it');
    return;
  }
  const rules = new Map(ctx.spec.payments.map((p) => [p.id, p]));
  for (const p of byRule) {
    const rule = rules.get(p.rule);
    if (rule === undefined) fail(`paidBeforeByRule names ${p.rule}, which is no payment rule of the contract`);
    else if (p.group !== undefined && rule.kind !== 'tiered' && rule.kind !== 'per-effect') {
      fail(`paidBeforeByRule names a group of ${p.rule}, a ${rule.kind} rule`);
    }
  }
  const sum = sumOf(byRule.map((p) => BigInt(p.amount)));
  if (sum !== paidBefore) {
    fail(`paidBeforeByRule sums to ${ctx.money(sum)}, but payments.paidBefore is ${ctx.money(paidBefore)}`);
  }
}

export function checkLines(ctx: ReportContext, fail: Fail): string | undefined {
  for (const p of simulate(ctx).problems) fail(p);
  for (const p of formulaProblems(ctx)) fail(p);
  return `${ctx.report.payments.lines.length} line(s) recomputed from the contract terms`;
}

export function checkTotal(ctx: ReportContext, fail: Fail): string | undefined {
  const p = ctx.report.payments;
  const spec = ctx.spec;
  if (p.currency !== spec.currency || p.minorUnit !== spec.minorUnit) {
    fail(`payments in ${p.currency} (${p.minorUnit} digits), the contract's ${spec.currency} (${spec.minorUnit})`);
  }
  const sum = sumOf(p.lines.map((l) => BigInt(l.amount)));
  if (BigInt(p.total) !== sum) fail(`the total is ${ctx.money(p.total)} but the lines sum to ${ctx.money(sum)}`);
  const cumulative = BigInt(p.paidBefore) + BigInt(p.total);
  if (BigInt(p.cumulative) !== cumulative) {
    fail(
      `cumulative ${ctx.money(p.cumulative)} but paid before ${ctx.money(p.paidBefore)} + total ${ctx.money(p.total)} is ${ctx.money(cumulative)}`,
    );
  }
  return `${ctx.money(p.total)}; to date ${ctx.money(p.cumulative)}`;
}

export function checkCaps(ctx: ReportContext, fail: Fail): string | undefined {
  const p = ctx.report.payments;
  const { caps: expected, maybeBinding } = simulate(ctx);
  const names = p.caps.map((c) => c.cap);
  if (names.join(' | ') !== expected.map((c) => c.name).join(' | ')) {
    fail(
      `the report's caps are ${names.join(', ') || 'none'}, the contract's ${expected.map((c) => c.name).join(', ') || 'none'}`,
    );
  }
  for (const c of p.caps) {
    const e = expected.find((x) => x.name === c.cap);
    const limit = BigInt(c.limit);
    const before = BigInt(c.before);
    const after = BigInt(c.after);
    if (e !== undefined) {
      if (limit !== e.limit)
        fail(`cap ${c.cap}: limit ${ctx.money(c.limit)} but the contract gives ${ctx.money(e.limit)}`);
      if (before !== e.before)
        fail(`cap ${c.cap}: ${ctx.money(c.before)} used before, but ${ctx.money(e.before)} was paid before`);
      if (after !== e.used)
        fail(`cap ${c.cap}: ${ctx.money(c.after)} used after, but the contract's lines give ${ctx.money(e.used)}`);
      if (c.binding !== e.binding && !maybeBinding.has(e.name)) {
        fail(`cap ${c.cap}: binding ${c.binding}, but the contract's lines give ${e.binding}`);
      }
    }
    if (after > before && after > limit)
      fail(`cap ${c.cap}: ${ctx.money(c.after)} paid to date exceeds the limit ${ctx.money(c.limit)}`);
  }
  checkCumulative(ctx, fail);
  return expected.map((c) => `${c.name}: ${ctx.money(c.used)} of ${ctx.money(c.limit)}`).join('; ') || 'no caps';
}

/** A payment never takes the amount to date past the overall cap or the return cap. */
function checkCumulative(ctx: ReportContext, fail: Fail): void {
  const p = ctx.report.payments;
  const { spec } = ctx;
  const total = BigInt(p.total);
  const cumulative = BigInt(p.cumulative);
  if (total > 0n && spec.caps.overall !== undefined && cumulative > BigInt(spec.caps.overall)) {
    fail(`cumulative ${ctx.money(p.cumulative)} exceeds the overall cap ${ctx.money(spec.caps.overall)}`);
  }
  if (total > 0n && spec.returnCap !== undefined) {
    const date = ctx.report.period.paymentDate;
    const limit = returnCapLimit(spec.returnCap, date);
    if (cumulative > limit)
      fail(`cumulative ${ctx.money(p.cumulative)} exceeds the return cap limit ${ctx.money(limit)} at ${date}`);
  }
}

export function checkAllocation(ctx: ReportContext, fail: Fail): string | undefined {
  const p = ctx.report.payments;
  const expected = allocateToInvestors(ctx.spec, BigInt(p.total));
  const who = (list: readonly { investor: string }[]) => list.map((a) => a.investor).join(', ');
  if (who(p.allocation) !== who(expected)) {
    fail(`the allocation is to ${who(p.allocation)}, the contract's investors are ${who(expected)}`);
  }
  for (const e of expected) {
    const g = p.allocation.find((a) => a.investor === e.investor);
    if (g === undefined) continue;
    if (g.share !== e.share) fail(`allocation ${e.investor}: share ${g.share}, the contract's ${e.share}`);
    if (g.amount !== e.amount)
      fail(
        `allocation ${e.investor}: amount ${ctx.money(g.amount)} but ${e.share} of ${ctx.money(p.total)} is ${ctx.money(e.amount)}`,
      );
  }
  return expected.map((a) => `${a.investor}: ${ctx.money(a.amount)}`).join(', ');
}
