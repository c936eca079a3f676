import {
  decisionProblem,
  type Entry,
  evaluationDecision,
  type SignedDecision,
  signedBy,
  stepDecision,
  trustForContract,
} from '#ledger';
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
  return `${signed.length} of ${decisions.length} decisions signed${signed.length === 0 ? '' : `: ${decisions.map(signedBy).join(', ')}`}${trust === undefined ? ' (no trust policy: not required)' : ''}`;
}

/** The decisions the report carries: its evaluation entry, then each workflow step. */
function reportDecisions(ctx: ReportContext): SignedDecision[] {
  const contract = ctx.report.contract.id;
  const evaluation = ctx.entry(ctx.report.evaluation.entry);
  if (evaluation === undefined) throw new Error('the evaluation entry does not decode');
  const minorUnit = ctx.spec.minorUnit;
  const steps = ctx.report.workflow.steps.map((s) => {
    const entry: Entry | undefined = ctx.entry(s.entry);
    if (entry === undefined) throw new Error(`the ${s.step} step's entry does not decode`);
    return stepDecision(contract, entry, evaluation, minorUnit);
  });
  return [evaluationDecision(contract, evaluation, minorUnit), ...steps];
}
