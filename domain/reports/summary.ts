import { type EvaluationResult, groupOfSubject } from '#evaluation';
import { canonicalBytes, sha256, toHex } from '#kernel';
import { reportMetric } from './suppress.ts';
import type { AuditReport } from './types.ts';

/**
 * The public summary of an evaluation: exactly the figures an audit report
 * carries about it (aggregates only, small groups suppressed), and its hash.
 * The `evaluation.recorded` entry commits to that hash (`summary`), the
 * parties' signed statements name it, and the report verifier hashes the
 * report's own figures and compares: no figure in a report can change
 * without breaking a signature someone other than the log's operator made.
 */
export interface PublicSummary {
  readonly period: string;
  readonly evaluatedAt: AuditReport['evaluation']['evaluatedAt'];
  readonly records: number;
  readonly batches: number;
  readonly participants: AuditReport['evaluation']['participants'];
  readonly metrics: AuditReport['evaluation']['metrics'];
  readonly comparisons: AuditReport['evaluation']['comparisons'];
  readonly triggers: AuditReport['evaluation']['triggers'];
  readonly indicators: AuditReport['evaluation']['indicators'];
  readonly payments: AuditReport['payments'];
  readonly paidBeforeByRule: NonNullable<AuditReport['paidBeforeByRule']>;
  /** The earlier payments the evaluation builds on: the latest evaluation entry of each earlier period. */
  readonly earlier: readonly { readonly period: string; readonly seq: number }[];
}

/** The public summary of an evaluation result. */
export function publicSummary(result: EvaluationResult): PublicSummary {
  return {
    period: result.period.id,
    evaluatedAt: { size: result.checkpoint.size, root: result.checkpoint.root },
    records: result.inputs.records,
    batches: result.inputs.batches,
    participants: result.participants,
    metrics: result.metrics.map(reportMetric),
    comparisons: result.comparisons,
    triggers: result.triggers,
    indicators: result.indicators,
    payments: result.payments,
    paidBeforeByRule: paidBeforeByRule(result),
    earlier: result.inputs.priorEvaluations.map((p) => ({ period: p.period, seq: p.seq })),
  };
}

/** The public summary as a report carries it (what the report's figures claim). */
export function summaryOfReport(
  report: Pick<AuditReport, 'period' | 'evaluation' | 'payments' | 'paidBeforeByRule' | 'earlier'>,
): PublicSummary {
  const e = report.evaluation;
  return {
    period: report.period.id,
    evaluatedAt: e.evaluatedAt,
    records: e.records,
    batches: e.batches,
    participants: e.participants,
    metrics: e.metrics,
    comparisons: e.comparisons,
    triggers: e.triggers,
    indicators: e.indicators,
    payments: report.payments,
    paidBeforeByRule: report.paidBeforeByRule ?? [],
    earlier: report.earlier.map((e) => ({ period: e.period, seq: e.evaluation.seq })),
  };
}

/** SHA-256 (hex) of the summary's canonical JSON (RFC 8785). */
export function summaryHash(summary: PublicSummary): string {
  return toHex(sha256(canonicalBytes(summary)));
}

/**
 * Net paid before per rule (and per group for group-keyed rules), from the
 * result's outcome lines, with what a cap cut and the contract forfeited
 * before, where there is some.
 */
function paidBeforeByRule(result: EvaluationResult): PublicSummary['paidBeforeByRule'] {
  const sums = new Map<string, { rule: string; group?: string; amount: bigint; forfeited: bigint }>();
  for (const o of result.outcomes) {
    const group = groupOfSubject(o.subject);
    const id = `${o.rule}\u0000${group ?? ''}`;
    const held = sums.get(id) ?? { rule: o.rule, ...(group === undefined ? {} : { group }), amount: 0n, forfeited: 0n };
    held.amount += BigInt(o.paidBefore);
    held.forfeited += BigInt(o.forfeitedBefore ?? '0');
    sums.set(id, held);
  }
  return [...sums.entries()]
    .filter(([, s]) => s.amount !== 0n || s.forfeited !== 0n)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, s]) => ({
      rule: s.rule,
      ...(s.group === undefined ? {} : { group: s.group }),
      amount: s.amount.toString(),
      ...(s.forfeited === 0n ? {} : { forfeited: s.forfeited.toString() }),
    }));
}
