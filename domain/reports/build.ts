import { type ContractSpec, specHash } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import type { Signer } from '#kernel';
import {
  canonicalBytes,
  canonicalize,
  ed25519Verify,
  fromHex,
  IntegrityError,
  sha256,
  toBase64,
  toHex,
  ValidationError,
} from '#kernel';
import {
  CONTRACT_REGISTERED_KIND,
  decodeEntry,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EvaluationEntryBodySchema,
  entryHash,
  keyId,
  type PaymentState,
  parseCheckpoint,
  STEP_OF_KIND,
  verifyInclusion,
} from '#ledger';
import { earlierFigures, SETTLED_STATES } from './earlier.ts';
import { publicSummary, summaryHash } from './summary.ts';
import { type AuditReport, type EarlierPayment, type ProvenEntry, type ProvenStep, REPORT_FORMAT } from './types.ts';

/**
 * The audit report investors get (format in domain/reports/types.ts): the
 * contract terms, the signed checkpoint, the evaluation's aggregates, the
 * payment lines and the workflow steps, every entry with its inclusion proof
 * in the checkpoint, signed by the log key over its canonical JSON (RFC 8785).
 * Aggregates only: no pseudonym anywhere, groups of fewer than MIN_CELL
 * people suppressed. Anyone can check it offline (domain/reports/verify.ts).
 *
 * Pure: the entries, proofs, checkpoint and the time of issue come in.
 */

/** An entry's canonical bytes and its inclusion proof (RFC 6962 audit path) in the report's checkpoint. */
export interface EntryWithProof {
  readonly seq: number;
  readonly bytes: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

export interface ReportInput {
  /** The registered contract spec the evaluation cites. */
  readonly spec: ContractSpec;
  /** Its `contract.registered` entry. */
  readonly registration: EntryWithProof;
  /** The `evaluation.recorded` entry (the payment's `calculated` step) and its result. */
  readonly evaluation: EntryWithProof & { readonly result: EvaluationResult };
  /** The payment's workflow step entries (payment.attested, .approved or .rejected, .paid), any order. */
  readonly steps: readonly EntryWithProof[];
  /** The signed checkpoint every proof leads to: size, root (hex) and the signed note (with any cosignatures). */
  readonly checkpoint: { readonly size: number; readonly root: string; readonly note: string };
  /**
   * The earlier periods' payments this one builds on (the result's prior
   * evaluations, in order): each one's evaluation entry and its payment step
   * entries, any order. Each must be approved (or paid).
   */
  readonly earlier: readonly {
    readonly period: string;
    readonly evaluation: EntryWithProof;
    readonly steps: readonly EntryWithProof[];
  }[];
  /** Names of the witnesses whose cosignatures on the checkpoint were verified. */
  readonly witnesses: readonly string[];
  /** ISO 8601 time of issue. */
  readonly issuedAt: string;
}

/** A participant pseudonym anywhere in a text. */
export const PSEUDONYM_IN_TEXT = /p-[0-9a-f]{32}/;

/**
 * The report (without its signature) from the registered spec, the entries
 * with their proofs, the evaluation result, the checkpoint and the earlier
 * payments. Checks that the pieces belong together (the same contract, the
 * spec the evaluation cites, the result the entry hashes, proofs leading to
 * the checkpoint's root, steps of this payment) and throws ValidationError or
 * IntegrityError when they do not: a report that does not verify is never built.
 */
export function buildReport(input: ReportInput): Omit<AuditReport, 'signature'> {
  const spec = input.spec;
  const hash = specHash(spec);
  const root = checkpointRoot(input);
  const registration = provenRegistration(input, hash, root);
  const { evaluation, resultSha } = provenEvaluation(input, root);
  const steps = provenSteps(input, root, input.evaluation.seq, resultSha, input.steps);
  const earlier = provenEarlier(input, root);
  const state: PaymentState = steps.at(-1)?.step ?? 'calculated';
  const result = input.evaluation.result;
  const summary = publicSummary(result);

  const report: Omit<AuditReport, 'signature'> = {
    format: REPORT_FORMAT,
    contract: { id: spec.id, version: spec.version, hash, spec, registration },
    period: result.period,
    checkpoint: { size: input.checkpoint.size, root: input.checkpoint.root, note: input.checkpoint.note },
    evaluation: {
      entry: evaluation,
      resultSha256: resultSha,
      evaluatedAt: { size: result.checkpoint.size, root: result.checkpoint.root },
      records: summary.records,
      batches: summary.batches,
      participants: summary.participants,
      metrics: summary.metrics,
      comparisons: summary.comparisons,
      triggers: summary.triggers,
      indicators: summary.indicators,
    },
    payments: summary.payments,
    earlier,
    paidBeforeByRule: summary.paidBeforeByRule,
    workflow: { state, steps },
    witnesses: [...input.witnesses],
    issued: { at: input.issuedAt },
  };
  // Defence in depth: whatever the evaluation carries, no pseudonym leaves in a report.
  if (PSEUDONYM_IN_TEXT.test(canonicalize(report))) {
    throw new IntegrityError('the report would name a participant pseudonym; investors see aggregates only');
  }
  return report;
}

/** The checkpoint's root, once the signed note is shown to be that checkpoint of this contract. */
function checkpointRoot(input: ReportInput): Uint8Array {
  const root = hexRoot(input.checkpoint.root);
  const note = input.checkpoint.note;
  const signed = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
  if (signed.size !== input.checkpoint.size || toHex(signed.root) !== input.checkpoint.root) {
    throw new ValidationError(
      `the signed note is the checkpoint of size ${signed.size}, not of size ${input.checkpoint.size} and root ${input.checkpoint.root}`,
    );
  }
  if (!signed.origin.endsWith(`/${input.spec.id}`)) {
    throw new ValidationError(`the signed note is a checkpoint of ${signed.origin}, not of contract ${input.spec.id}`);
  }
  return root;
}

/** An entry of this contract, decoded, with its inclusion proof checked against the checkpoint's root. */
function provenEntry(
  input: ReportInput,
  root: Uint8Array,
  what: string,
  e: EntryWithProof,
): { proven: ProvenEntry; entry: Entry } {
  const entry = decodeEntry(e.bytes, e.seq);
  if (entry.seq !== e.seq) throw new IntegrityError(`the ${what} entry is seq ${entry.seq}, not ${e.seq}`, e.seq);
  if (entry.contract !== input.spec.id) {
    throw new IntegrityError(`the ${what} entry is of contract ${entry.contract}, not ${input.spec.id}`, e.seq);
  }
  const leaf = entryHash(e.bytes);
  if (!verifyInclusion(leaf, e.seq, input.checkpoint.size, e.proof, root)) {
    throw new IntegrityError(
      `the inclusion proof of the ${what} entry does not lead to the checkpoint (size ${input.checkpoint.size})`,
      e.seq,
    );
  }
  return {
    proven: {
      seq: e.seq,
      entry: new TextDecoder().decode(e.bytes),
      leafHash: toHex(leaf),
      proof: e.proof.map(toHex),
    },
    entry,
  };
}

/** The contract: the registration entry registers this spec, and it is the one the evaluation cites. */
function provenRegistration(input: ReportInput, hash: string, root: Uint8Array): ProvenEntry {
  const spec = input.spec;
  const result = input.evaluation.result;
  const registration = provenEntry(input, root, 'registration', input.registration);
  if (registration.entry.kind !== CONTRACT_REGISTERED_KIND) {
    throw new IntegrityError(
      `entry ${input.registration.seq} is a ${registration.entry.kind} entry, not a registration`,
    );
  }
  if (registration.entry.body.specHash !== hash || canonicalize(registration.entry.body.spec) !== canonicalize(spec)) {
    throw new IntegrityError('the registration entry registers another spec', input.registration.seq);
  }
  if (
    result.contract.id !== spec.id ||
    result.contract.hash !== hash ||
    result.contract.seq !== input.registration.seq
  ) {
    throw new ValidationError(
      `the evaluation cites contract ${result.contract.id} version ${result.contract.version} (entry ${result.contract.seq}), not this registration`,
    );
  }
  return registration.proven;
}

/** The evaluation: its entry records this result. Returns the entry and the result's SHA-256. */
function provenEvaluation(input: ReportInput, root: Uint8Array): { evaluation: ProvenEntry; resultSha: string } {
  const result = input.evaluation.result;
  const evaluation = provenEntry(input, root, 'evaluation', input.evaluation);
  if (evaluation.entry.kind !== EVALUATION_RECORDED_KIND) {
    throw new IntegrityError(`entry ${input.evaluation.seq} is a ${evaluation.entry.kind} entry, not an evaluation`);
  }
  const body = EvaluationEntryBodySchema.parse(evaluation.entry.body);
  const resultSha = encodeResult(result).sha256;
  if (
    body.result.sha256 !== resultSha ||
    body.total !== result.payments.total ||
    body.period !== result.period.id ||
    body.summary !== summaryHash(publicSummary(result))
  ) {
    throw new IntegrityError('the evaluation entry records another result', input.evaluation.seq);
  }
  return { evaluation: evaluation.proven, resultSha };
}

/** The workflow: the steps of the payment `payment` (its result `resultSha`), in log order. */
function provenSteps(
  input: ReportInput,
  root: Uint8Array,
  payment: number,
  resultSha: string,
  steps: readonly EntryWithProof[],
): ProvenStep[] {
  return steps
    .map((s) => {
      const { proven: p, entry } = provenEntry(input, root, 'step', s);
      const step = STEP_OF_KIND.get(entry.kind);
      if (step === undefined) throw new IntegrityError(`entry ${s.seq} is a ${entry.kind} entry, not a payment step`);
      if (entry.body.payment !== payment || entry.body.result !== resultSha) {
        throw new IntegrityError(`entry ${s.seq} is a step of another payment`, s.seq);
      }
      return { step, entry: p };
    })
    .sort((a, b) => a.entry.seq - b.entry.seq);
}

/**
 * The earlier payments: exactly the prior evaluations the result builds on
 * (what its public summary names), each an evaluation entry of its period
 * with its steps, approved or paid.
 */
function provenEarlier(input: ReportInput, root: Uint8Array): EarlierPayment[] {
  const priors = input.evaluation.result.inputs.priorEvaluations;
  const listed = input.earlier.map((e) => `${e.period} (entry ${e.evaluation.seq})`).join(', ');
  const expected = priors.map((p) => `${p.period} (entry ${p.seq})`).join(', ');
  if (listed !== expected) {
    throw new ValidationError(
      `the earlier payments given are ${listed || 'none'}, but the evaluation builds on ${expected || 'none'}`,
    );
  }
  return input.earlier.map((e) => {
    const { proven, entry } = provenEntry(input, root, `${e.period} evaluation`, e.evaluation);
    const body = EvaluationEntryBodySchema.safeParse(entry.body);
    if (entry.kind !== EVALUATION_RECORDED_KIND || !body.success || body.data.period !== e.period) {
      throw new IntegrityError(
        `entry ${e.evaluation.seq} is not an evaluation of period ${e.period}`,
        e.evaluation.seq,
      );
    }
    const earlier = {
      period: e.period,
      evaluation: proven,
      steps: provenSteps(input, root, e.evaluation.seq, body.data.result.sha256, e.steps),
    };
    const { state } = earlierFigures(earlier);
    if (!SETTLED_STATES.has(state)) {
      throw new ValidationError(
        `the payment of ${e.period} (entry ${e.evaluation.seq}) is ${state}, not approved: the payment of ${input.evaluation.result.period.id} cannot count it as paid before`,
      );
    }
    return earlier;
  });
}

function hexRoot(root: string): Uint8Array {
  try {
    const bytes = fromHex(root);
    if (bytes.byteLength === 32) return bytes;
  } catch {}
  throw new ValidationError(`checkpoint root must be 64 lower-case hex digits, got ${JSON.stringify(root)}`);
}

/** The bytes the report signature covers: the canonical JSON (RFC 8785) of the report without `signature`. */
export function reportSigningBytes(report: AuditReport | Omit<AuditReport, 'signature'>): Uint8Array {
  return canonicalBytes(Object.fromEntries(Object.entries(report).filter(([k]) => k !== 'signature')));
}

/** Signs the report with the log key: Ed25519 over reportSigningBytes. Checks its own signature. */
export async function signReport(report: Omit<AuditReport, 'signature'>, signer: Signer): Promise<AuditReport> {
  const message = reportSigningBytes(report);
  const publicKey = await signer.publicKey();
  const id = toHex(keyId(signer.name, publicKey));
  const signature = await signer.sign(message);
  if (!ed25519Verify(publicKey, message, signature)) {
    throw new ValidationError(`signer ${signer.name}+${id} produced a signature that does not verify`);
  }
  const unsigned = Object.fromEntries(Object.entries(report).filter(([k]) => k !== 'signature')) as Omit<
    AuditReport,
    'signature'
  >;
  return { ...unsigned, signature: { keyName: signer.name, keyId: id, value: toBase64(signature) } };
}

/** The report's bytes (canonical JSON, RFC 8785: what is stored and downloaded) and their SHA-256 (hex). */
export function encodeReport(report: AuditReport): { bytes: Uint8Array; sha256: string } {
  const bytes = canonicalBytes(report);
  return { bytes, sha256: toHex(sha256(bytes)) };
}
