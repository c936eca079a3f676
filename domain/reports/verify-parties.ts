import {
  decisionProblem,
  type Entry,
  evaluationDecision,
  type SignedDecision,
  signedBy,
  stepDecision,
  trustForContract,
} from '#ledger';
import type { ProvenEntry } from './types.ts';
import type { Fail, ReportContext } from './verify-context.ts';

/**
 * The report verifier's check of the parties' signatures: the evaluation
 * entry (`calculated`, by the analyst) and each workflow step (attested by
 * the evaluator, approved or rejected by the ministry, paid by the treasury)
 * must carry a signature over the statement rebuilt from the entries, by a
 * key the trust policy names for the role; without a policy, the signatures
 * present must verify, and are reported.
 */
export function checkParties(ctx: ReportContext, fail: Fail): string | undefined {
  const contract = ctx.report.contract.id;
  const policy = ctx.options.trust;
  const trust = policy === undefined ? undefined : trustForContract(policy, contract);
  if (policy !== undefined && trust === undefined) {
    fail(`the trust policy names no log for contract ${contract}: no party key to check the decisions against`);
    return undefined;
  }
  const decisions = reportDecisions(ctx);
  for (const d of decisions) {
    const problem = decisionProblem(d, trust?.parties[d.role], ctx.keys);
    if (problem !== undefined) fail(problem);
  }
  const signed = decisions.filter((d) => d.signature !== undefined);
  return `${signed.length} of ${decisions.length} decisions signed${signed.length === 0 ? '' : `: ${byPayment(decisions)}`}${trust === undefined ? ' (no trust policy: not required)' : ''}`;
}

/** The decisions, one payment after another: `payment 6: calculated by …, attested by …; payment 10: …`. */
function byPayment(decisions: readonly SignedDecision[]): string {
  const groups: SignedDecision[][] = [];
  for (const d of decisions) {
    if (d.step === 'calculated' || groups.length === 0) groups.push([]);
    groups.at(-1)?.push(d);
  }
  return groups.map((g) => `payment ${g[0]?.seq ?? ''}: ${g.map(signedBy).join(', ')}`).join('; ');
}

/**
 * The decisions the report carries: each earlier period's evaluation entry
 * and steps (what "paid before" rests on), then its own evaluation entry and
 * each workflow step.
 */
function reportDecisions(ctx: ReportContext): SignedDecision[] {
  const earlier = ctx.report.earlier.flatMap((e) =>
    paymentDecisions(
      ctx,
      e.evaluation,
      e.steps.map((s) => ({ entry: s.entry, what: `period ${e.period}'s ${s.step} step` })),
    ),
  );
  const own = paymentDecisions(
    ctx,
    ctx.report.evaluation.entry,
    ctx.report.workflow.steps.map((s) => ({ entry: s.entry, what: `the ${s.step} step` })),
  );
  return [...earlier, ...own];
}

/** A payment's decisions: its evaluation entry (calculated), then its steps. */
function paymentDecisions(
  ctx: ReportContext,
  evaluationEntry: ProvenEntry,
  steps: readonly { readonly entry: ProvenEntry; readonly what: string }[],
): SignedDecision[] {
  const contract = ctx.report.contract.id;
  const minorUnit = ctx.spec.minorUnit;
  const evaluation = ctx.entry(evaluationEntry);
  if (evaluation === undefined) throw new Error(`the evaluation entry ${evaluationEntry.seq} does not decode`);
  return [
    evaluationDecision(contract, evaluation, minorUnit),
    ...steps.map((s) => {
      const entry: Entry | undefined = ctx.entry(s.entry);
      if (entry === undefined) throw new Error(`${s.what}'s entry does not decode`);
      return stepDecision(contract, entry, evaluation, minorUnit);
    }),
  ];
}
