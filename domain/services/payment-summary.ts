/**
 * Why a payment is claimed, for the parties who decide on it: its
 * evaluation's public summary (exactly the figures an audit report carries:
 * aggregates, small groups suppressed, no pseudonyms), the payment's state,
 * the contract version its evaluation cites, and each step's party
 * signature. Everything is read from the verified log and the stored result
 * (checked against the hashes the evaluation entry commits to), so a page can
 * re-check it: summaryHash(summary) is the status's `summary`, and each
 * signature verifies over the decision statement rebuilt from the status.
 */
import { type ContractSpec, registeredVersions } from '#contracts';
import { IntegrityError } from '#kernel';
import { decisionsOfLog, type PaymentState, recordedEvaluations } from '#ledger';
import { findPayment, type PaymentStatus, paymentStates } from '#payments';
import { PSEUDONYM_IN_TEXT, type PublicSummary, publicSummary, summaryHash } from '#reports';
import { loadResult } from './evaluations.ts';
import { readVerifiedEntries } from './log-reader.ts';
import type { ContractPorts } from './ports.ts';

/** A step's party signature, with the entry's actor and time. */
export interface StepSignature {
  readonly step: PaymentState;
  /** The step's entry (the evaluation entry for `calculated`). */
  readonly seq: number;
  readonly subject: string;
  readonly at: string;
  /** The signer's verifier key. */
  readonly key: string;
  /** The signature line over the step's decision statement. */
  readonly line: string;
}

export interface PaymentSummary {
  readonly status: PaymentStatus;
  readonly summary: PublicSummary;
  readonly contract: { readonly version: number; readonly hash: string; readonly spec: ContractSpec };
  /** The signed steps, in log order (a step taken without a signature is not listed). */
  readonly signatures: readonly StepSignature[];
}

/** The summary of payment `payment` (the seq of its evaluation entry) of `contract`. */
export async function readPaymentSummary(
  ports: Pick<ContractPorts, 'log' | 'results'>,
  contract: string,
  payment: number,
): Promise<PaymentSummary> {
  const size = await ports.log.size(contract);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  const status = findPayment(contract, entries, paymentStates(entries), payment);
  const evaluation = recordedEvaluations(entries).find((e) => e.seq === payment);
  if (evaluation === undefined) throw new IntegrityError(`payment ${payment} has no evaluation entry`, payment);
  const summary = publicSummary(await loadResult(ports, evaluation, payment));
  if (summaryHash(summary) !== evaluation.summary) {
    throw new IntegrityError('the stored result does not give the summary its evaluation entry names', payment);
  }
  // Aggregates only, as in a report: a pseudonym here is a fault, never an answer.
  if (PSEUDONYM_IN_TEXT.test(JSON.stringify(summary))) {
    throw new IntegrityError('the public summary would show a participant pseudonym', payment);
  }
  const version = registeredVersions(entries).find((v) => v.hash === status.contract.hash);
  if (version === undefined) {
    throw new IntegrityError(
      `the evaluation cites contract version ${status.contract.version}, not registered`,
      payment,
    );
  }
  const seqs = new Set([payment, ...status.steps.map((s) => s.seq)]);
  const signatures: StepSignature[] = [];
  for (const d of decisionsOfLog(contract, entries)) {
    const entry = entries[d.seq];
    if (!seqs.has(d.seq) || d.signature === undefined || d.step === 'comparison' || entry === undefined) continue;
    signatures.push({
      step: d.step,
      seq: d.seq,
      subject: entry.actor.sub,
      at: entry.at,
      key: d.signature.key,
      line: d.signature.line,
    });
  }
  return {
    status,
    summary,
    contract: { version: version.spec.version, hash: version.hash, spec: version.spec },
    signatures,
  };
}
