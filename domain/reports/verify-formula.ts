import type { ContractSpec, PaymentRule } from '#contracts';
import { formulaText, type LineFigures, outcomeAmount } from '#evaluation';
import type { AuditReport } from './types.ts';
import type { ReportContext } from './verify-context.ts';

/**
 * The report verifier's check of the payment lines' words: each line's
 * formula text is written again from the figures the line carries (with the
 * payment engine's own function, formulaText) and must read the same; and
 * the figures must agree with the line and the contract terms (the rule's
 * metric and price, new and carried-over outcomes summing to what is due,
 * a cap named exactly when the amount falls short of what is due).
 */

type Line = AuditReport['payments']['lines'][number];

/** The bases each kind of rule words its lines with. */
const BASES: Readonly<Record<PaymentRule['kind'], readonly LineFigures['basis'][]>> = {
  'per-outcome': ['outcomes', 'trigger'],
  tiered: ['tiers', 'period'],
  'per-effect': ['effects'],
  'all-or-nothing': ['indicators', 'period'],
};

/** What is wrong with the lines' formula texts and figures (none if nothing). */
export function formulaProblems(ctx: ReportContext): string[] {
  const p = ctx.report.payments;
  const problems: string[] = [];
  for (const line of p.lines) {
    const name = `payment line ${line.rule}${line.type === 'adjustment' ? ' (adjustment)' : ''}`;
    const expected = formulaText(line, { ...p, caps: ctx.spec.caps });
    if (expected !== line.formula) {
      problems.push(`${name}: the formula text reads "${line.formula}", but its figures give "${expected}"`);
    }
    for (const problem of figureProblems(ctx, line)) problems.push(`${name}: ${problem}`);
  }
  return problems;
}

function figureProblems(ctx: ReportContext, line: Line): string[] {
  const out: string[] = [];
  const amount = BigInt(line.amount);
  const due = BigInt(line.due);
  const basis = line.figures.basis;
  const rule = ctx.spec.payments.find((r) => r.id === line.rule);
  const bases = line.type === 'adjustment' ? ['taken-back'] : rule === undefined ? [] : BASES[rule.kind];
  if (rule !== undefined && !bases.includes(basis)) {
    out.push(
      `its figures are of the ${basis} kind, not of a ${line.type === 'adjustment' ? 'taken-back' : rule.kind} line`,
    );
  }
  if (line.cappedBy.length === 0 && amount !== due) {
    out.push(`${ctx.money(line.amount)} of ${ctx.money(line.due)} due is paid, but no cap is named that cut it`);
  }
  if (line.cappedBy.length > 0 && amount >= due) {
    out.push(
      `capped by ${line.cappedBy.join(', ')}, but ${ctx.money(line.amount)} of ${ctx.money(line.due)} due is paid`,
    );
  }
  if (line.figures.basis === 'outcomes' && rule?.kind === 'per-outcome') {
    out.push(...outcomeProblems(line.figures, rule, line, ctx.spec));
  }
  return out;
}

/** Per-outcome figures: the rule's metric and price, and arithmetic that holds. */
function outcomeProblems(
  f: Extract<LineFigures, { basis: 'outcomes' }>,
  rule: Extract<PaymentRule, { kind: 'per-outcome' }>,
  line: Line,
  spec: ContractSpec,
): string[] {
  const out: string[] = [];
  const price = BigInt(f.price);
  if (f.metric !== rule.metric) out.push(`it pays ${f.metric} outcomes, but the rule pays ${rule.metric}`);
  const contractPrice = f.per === 'outcome' ? outcomeAmount(rule, 1, spec) : BigInt(rule.price);
  if (price !== contractPrice) out.push(`its price is ${f.price}, the contract's ${contractPrice}`);
  const sum = BigInt(f.newAmount) + BigInt(f.carriedAmount);
  if (sum !== BigInt(line.due)) {
    out.push(`new ${f.newAmount} + carried over ${f.carriedAmount} is ${sum}, but ${line.due} is due`);
  }
  if (f.new + f.carried < line.outcomes) {
    out.push(`${f.new} new + ${f.carried} carried-over outcome(s) are fewer than the ${line.outcomes} it pays`);
  }
  if (f.per === 'outcome' && BigInt(f.new) * price !== BigInt(f.newAmount)) {
    out.push(`${f.new} new outcome(s) × ${f.price} is ${BigInt(f.new) * price}, not ${f.newAmount}`);
  }
  if (f.per === 'outcome' && BigInt(f.carriedAmount) > BigInt(f.carried) * price) {
    out.push(
      `${f.carried} outcome(s) carried over cannot still be due ${f.carriedAmount}: at most ${BigInt(f.carried) * price}`,
    );
  }
  return out;
}
