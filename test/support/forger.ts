/**
 * The insider who holds the log key, for the forgery suite: from a real
 * report fixture (test/support/audit-report.ts), rewrite the log's entries
 * and the evaluation's figures as the insider likes, chain and hash the
 * entries again, sign a new checkpoint and a new report with the log key,
 * and build the report with fresh inclusion proofs. What the insider cannot
 * do is sign as a witness or as a party: the witness's cosignature line and
 * the parties' signature lines are either kept as they were (and no longer
 * verify) or dropped.
 */
import { type EvaluationResult, encodeResult } from '#evaluation';
import { toHex } from '#kernel';
import {
  checkpointOrigin,
  type Entry,
  type EvaluationEntryBody,
  encodeEntry,
  entryHash,
  GENESIS_PREV,
  inclusionProof,
  rootFromLeaves,
  signCheckpoint,
} from '#ledger';
import {
  type AuditReport,
  buildReport,
  type EntryWithProof,
  encodeReport,
  publicSummary,
  signReport,
  summaryHash,
} from '#reports';
import type { ReportFixture } from './audit-report.ts';

export interface Forgery {
  /** The insider's figures for the reported period: the evaluation entry and the payment's steps are rewritten to commit to them. */
  readonly result?: (result: EvaluationResult) => EvaluationResult;
  /** Any other change to the entries (bodies by seq), made before they are chained again. */
  readonly entries?: (entries: Entry[]) => void;
  /** A change to the built report, before the log key signs it. */
  readonly report?: (report: AuditReport) => void;
  /** Keep the witness's cosignature line on the new checkpoint (it no longer verifies), instead of dropping it. */
  readonly keepWitnessLine?: boolean;
  /** Keep the report's witness list as it was, instead of emptying it. */
  readonly keepWitnessList?: boolean;
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The forged report's bytes: the log rewritten, a new checkpoint and the report signed with the log key. */
export async function forgeReport(f: ReportFixture, forgery: Forgery): Promise<Uint8Array> {
  const entries = f.log.entries.map(clone);
  const evaluationSeq = f.input.evaluation.seq;
  // A copy always: the built report shares the result's objects, and a report change must not reach the fixture.
  const result = forgery.result === undefined ? clone(f.y2) : forgery.result(clone(f.y2));
  if (forgery.result !== undefined) rewriteEvaluation(entries, evaluationSeq, result);
  forgery.entries?.(entries);
  const leaves = chain(entries);
  const size = f.input.checkpoint.size;
  const proven = (seq: number): EntryWithProof => ({
    seq,
    bytes: leaves[seq] as Uint8Array,
    proof: inclusionProof(leaves.slice(0, size), seq),
  });
  const root = rootFromLeaves(leaves.slice(0, size));
  const base = f.logSigner.name.slice(0, f.logSigner.name.lastIndexOf('/'));
  let note = await signCheckpoint({ origin: checkpointOrigin(base, f.spec.id), size, root }, [f.logSigner]);
  if (forgery.keepWitnessLine === true) {
    const witnessLine = f.input.checkpoint.note
      .split('\n')
      .find((l) => l.startsWith(`\u2014 ${f.witnessSigner.name} `));
    note = `${note}${witnessLine}\n`;
  }
  const report = buildReport({
    ...f.input,
    registration: proven(f.input.registration.seq),
    evaluation: { ...proven(evaluationSeq), result },
    steps: f.input.steps.map((s) => proven(s.seq)),
    earlier: f.input.earlier.map((e) => ({
      period: e.period,
      evaluation: proven(e.evaluation.seq),
      steps: e.steps.map((s) => proven(s.seq)),
    })),
    checkpoint: { size, root: toHex(root), note },
    witnesses: forgery.keepWitnessList === true ? f.input.witnesses : [],
  }) as AuditReport;
  forgery.report?.(report);
  const { signature: _, ...unsigned } = report;
  return encodeReport(await signReport(unsigned, f.logSigner)).bytes;
}

/** The evaluation entry and its payment's steps, rewritten to commit to `result` (party signature lines kept). */
function rewriteEvaluation(entries: Entry[], seq: number, result: EvaluationResult): void {
  const body = entries[seq]?.body as unknown as EvaluationEntryBody;
  const sha = encodeResult(result).sha256;
  Object.assign(body, {
    result: { ...body.result, sha256: sha },
    summary: summaryHash(publicSummary(result)),
    total: result.payments.total,
  });
  for (const e of entries) {
    if (e.kind.startsWith('payment.') && e.body.payment === seq) {
      Object.assign(e.body, { result: sha, total: result.payments.total });
    }
  }
}

/** Chains the entries again (each `prev` the hash of the one before) and encodes them: the leaves. */
function chain(entries: Entry[]): Uint8Array[] {
  const leaves: Uint8Array[] = [];
  for (const [i, entry] of entries.entries()) {
    const prev = leaves[i - 1];
    const chained = { ...entry, prev: prev === undefined ? GENESIS_PREV : toHex(entryHash(prev)) };
    entries[i] = chained;
    leaves.push(encodeEntry(chained));
  }
  return leaves;
}
