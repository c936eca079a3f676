import { CONTRACT_REGISTERED_KIND, EVALUATION_RECORDED_KIND, PAYMENT_STEP_KINDS, type TrustPolicy } from '#ledger';
import type { AuditReport } from './types.ts';
import { checkComparisons, checkTriggers } from './verify-comparisons.ts';
import {
  type Check,
  type Fail,
  messageOf,
  type ReportCheck,
  ReportContext,
  type ReportVerification,
  summary,
} from './verify-context.ts';
import { checkEarlier } from './verify-earlier.ts';
import {
  checkContractHash,
  checkDuties,
  checkEvaluationEntry,
  checkPeriod,
  checkProof,
  checkSummary,
  checkWorkflow,
} from './verify-entries.ts';
import { checkAggregates, checkIndicators, checkMetrics } from './verify-figures.ts';
import { parseReport } from './verify-parse.ts';
import { checkParties } from './verify-parties.ts';
import { checkAllocation, checkCaps, checkLines, checkTotal } from './verify-payments.ts';
import { checkCheckpoint, checkKeys, checkReportSignature, checkWitnesses } from './verify-signatures.ts';
import { checkTrust, keysWithPolicy } from './verify-trust.ts';

/**
 * The offline verifier of audit reports (`sib report verify`): from the
 * report's bytes and the verifier keys alone, it checks every signature (the
 * report's, the checkpoint's, the witnesses'), every inclusion proof against
 * the signed checkpoint, that the entries are this contract's and agree with
 * the report, that the workflow steps follow the lifecycle with separate
 * subjects, and recomputes every amount from the figures in the report and
 * the contract terms it carries. Each check is named; a failed one says what
 * and by how much. Never throws: a truncated file, text that is not JSON or
 * a document of another shape is a failed `format` check.
 *
 * This file owns the entry point and the list of checks, in order; each
 * check lives with its kind (verify-parse, -signatures, -entries, -figures,
 * -comparisons, -payments, and -simulation for the amounts).
 */

export type { ReportCheck, ReportVerification } from './verify-context.ts';

/** How a report is verified besides its keys. */
export interface VerifyOptions {
  /**
   * The investor's trust policy: the log key, the witnesses with their
   * quorum, and the parties' keys per role. With it, a checkpoint without a
   * quorum of the named witnesses, or a decision not signed by a key named
   * for its role, fails verification.
   */
  readonly trust?: TrustPolicy;
  /** Accept fewer cosignatures than the policy's quorum (the check passes with a warning). */
  readonly allowFewerWitnesses?: boolean;
}

/** Verifies a report's bytes against the trusted verifier keys (the log's, and any witnesses'). Never throws. */
export function verifyReport(
  bytes: Uint8Array,
  keys: readonly string[],
  options: VerifyOptions = {},
): ReportVerification {
  const checks: ReportCheck[] = [];
  let contract: string | undefined;
  let period: string | undefined;
  let warnings: readonly string[] = [];
  try {
    const parsed = parseReport(bytes, checks);
    contract = parsed.contract;
    period = parsed.period;
    const doc = parsed.document;
    if (doc !== undefined) {
      const ctx = new ReportContext(doc, keysWithPolicy(keys, options.trust, doc.report.contract.id), options);
      runChecks(ctx, checks);
      warnings = ctx.warnings;
    }
  } catch (error) {
    checks.push({ name: 'verifier', ok: false, message: `the verifier failed: ${messageOf(error)}` });
  }
  return {
    ok: checks.length > 0 && checks.every((c) => c.ok),
    ...(contract === undefined ? {} : { contract }),
    ...(period === undefined ? {} : { period }),
    checks,
    ...(warnings.length === 0 ? {} : { warnings }),
  };
}

/** The checks of a report that has the shape of one, by name, in order. */
function checksOf(r: AuditReport, options: VerifyOptions): [string, Check][] {
  const proof =
    (entry: AuditReport['contract']['registration'], kind: string): Check =>
    (ctx, fail) =>
      checkProof(ctx, fail, entry, kind);
  return [
    ['keys', checkKeys],
    ['report signature', checkReportSignature],
    ['checkpoint signature', checkCheckpoint],
    ['checkpoint witnesses', checkWitnesses],
    ...(options.trust === undefined ? [] : [['trust policy', checkTrust] as [string, Check]]),
    ['contract hash', checkContractHash],
    ['proof: registration', proof(r.contract.registration, CONTRACT_REGISTERED_KIND)],
    ['proof: evaluation', proof(r.evaluation.entry, EVALUATION_RECORDED_KIND)],
    ...r.workflow.steps.map((s): [string, Check] => [
      `proof: ${s.step} step`,
      proof(s.entry, PAYMENT_STEP_KINDS[s.step]),
    ]),
    ['evaluation entry', checkEvaluationEntry],
    ['public summary', checkSummary],
    ['period', checkPeriod],
    ['workflow', checkWorkflow],
    ['separation of duties', checkDuties],
    ['party signatures', checkParties],
    ['aggregates only', checkAggregates],
    ['earlier payments', checkEarlier],
    ['metrics', checkMetrics],
    ['indicators', checkIndicators],
    ['comparisons', checkComparisons],
    ['triggers', checkTriggers],
    ['payment lines', checkLines],
    ['total', checkTotal],
    ['caps', checkCaps],
    ['allocation', checkAllocation],
  ];
}

function runChecks(ctx: ReportContext, checks: ReportCheck[]): void {
  for (const [name, check] of checksOf(ctx.report, ctx.options))
    checks.push(runCheck(name, (fail) => check(ctx, fail)));
}

/** Runs one check: passed with what it found, or failed with its problems (an exception is one). */
function runCheck(name: string, fn: (fail: Fail) => string | undefined): ReportCheck {
  const problems: string[] = [];
  let info: string | undefined;
  try {
    info = fn((message) => problems.push(message));
  } catch (error) {
    problems.push(`cannot be checked: ${messageOf(error)}`);
  }
  return problems.length === 0
    ? { name, ok: true, ...(info === undefined ? {} : { message: info }) }
    : { name, ok: false, message: summary(problems) };
}
