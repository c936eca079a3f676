import * as z from 'zod';
import { IntegrityError } from '#kernel';
import type { Entry } from './entry.ts';

/**
 * The one list of entry kinds a contract's log holds, with the schema of each
 * kind's body. Whoever writes an entry (the use cases) and whoever reads one
 * (the evaluation, the payment workflow, the report and its verifier) take
 * the kind and the body's shape from here.
 *
 * - `contract.registered`: a version of the contract spec (its body is the
 *   spec and its hash; the spec itself is checked by the contracts context);
 * - `evidence.batch`: one accepted batch of evidence records (its archive and
 *   the Merkle root of its records);
 * - `comparison.published`: a comparison-group figure the evaluator publishes;
 * - `evaluation.recorded`: the result of evaluating a period, the payment's
 *   `calculated` step; its seq is the payment's id;
 * - `payment.attested`, `payment.approved`, `payment.rejected`,
 *   `payment.paid`: the later steps of a payment;
 * - `party.enrolled`: a party's verifier key enrolled for a signing role,
 *   with the key's own signature over the enrolment statement (proof of
 *   possession); the published trust policy lists it. Payments and reports
 *   do not read it.
 */

export const CONTRACT_REGISTERED_KIND = 'contract.registered';
export const EVIDENCE_BATCH_KIND = 'evidence.batch';
export const COMPARISON_PUBLISHED_KIND = 'comparison.published';
export const EVALUATION_RECORDED_KIND = 'evaluation.recorded';
export const PAYMENT_ATTESTED_KIND = 'payment.attested';
export const PAYMENT_APPROVED_KIND = 'payment.approved';
export const PAYMENT_REJECTED_KIND = 'payment.rejected';
export const PAYMENT_PAID_KIND = 'payment.paid';
export const PARTY_ENROLLED_KIND = 'party.enrolled';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A deciding party's signature over the entry's statement (statement.ts):
 * the signer's verifier key and its C2SP signature line. Optional: the
 * verifier's trust policy decides whether a decision must carry one.
 */
export const PartySignatureSchema = z.strictObject({
  key: z.string().min(1),
  line: z.string().startsWith('\u2014 '),
});

/** A party's signature as a request carries it: the verifier key and the whole signed note (statement.ts). */
export const SignedStatementSchema = z.strictObject({
  key: z.string().min(1).max(300).describe("the signer's verifier key, as `sib keys party` prints it"),
  note: z.string().min(1).max(4096).describe('the signed note: the statement, a blank line, the signature line'),
});

/** The body of a `contract.registered` entry; `spec` is parsed by the contracts context (ContractSpecSchema). */
export const ContractRegisteredBodySchema = z.object({
  version: z.int().min(1),
  effectiveFrom: z.string(),
  specHash: Hex64,
  spec: z.record(z.string(), z.json()),
});
export type ContractRegisteredBody = z.infer<typeof ContractRegisteredBodySchema>;

/** The body of an `evidence.batch` entry. */
export const EvidenceBatchBodySchema = z.object({
  batchId: z.string(),
  recordCount: z.int().min(0),
  recordsRoot: Hex64,
  archive: z.object({ key: z.string(), sha256: Hex64 }),
  types: z.record(z.string(), z.int().min(0)),
});
export type EvidenceBatchBody = z.infer<typeof EvidenceBatchBodySchema>;

/** The body of a `comparison.published` entry. */
export const ComparisonBodySchema = z.strictObject({
  comparison: z.string().min(1),
  group: z.string().min(1),
  value: z.string().regex(/^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,12})?$/, 'a non-negative decimal string'),
  denominator: z.int().min(0).optional(),
  period: z.string().optional(),
  note: z.string().max(500).optional(),
  /** The evaluator's signature over the comparison statement. */
  signature: PartySignatureSchema.optional(),
});
export type ComparisonBody = z.infer<typeof ComparisonBodySchema>;

/** The body of an `evaluation.recorded` entry. */
export const EvaluationEntryBodySchema = z.strictObject({
  period: z.string(),
  checkpoint: z.strictObject({ size: z.int().min(0), root: Hex64 }),
  contract: z.strictObject({ version: z.int().min(1), hash: Hex64 }),
  result: z.strictObject({ sha256: Hex64, key: z.string() }),
  /** SHA-256 of the public summary reports carry (domain/reports/summary.ts). */
  summary: Hex64,
  total: z.string(),
  currency: z.string(),
  /** The analyst's signature over the `calculated` decision statement. */
  signature: PartySignatureSchema.optional(),
});
export type EvaluationEntryBody = z.infer<typeof EvaluationEntryBodySchema>;

/**
 * The body of a `party.enrolled` entry: the role and key, and the key's
 * signature line over the enrolment statement (statement.ts
 * enrolmentStatement, with the entry actor's subject), so anyone can check
 * that the key's holder asked for it.
 */
export const PartyEnrolledBodySchema = z.strictObject({
  role: z.string().min(1),
  key: z.string().min(1),
  signature: PartySignatureSchema,
});
export type PartyEnrolledBody = z.infer<typeof PartyEnrolledBodySchema>;

// ---- Payments: the `calculated` step is the `evaluation.recorded` entry itself.

export const PAYMENT_STATES = ['calculated', 'attested', 'approved', 'rejected', 'paid'] as const;
export type PaymentState = (typeof PAYMENT_STATES)[number];
export type PaymentStep = Exclude<PaymentState, 'calculated'>;

/** The entry kind of each payment step. */
export const PAYMENT_STEP_KINDS: Readonly<Record<PaymentStep, string>> = {
  attested: PAYMENT_ATTESTED_KIND,
  approved: PAYMENT_APPROVED_KIND,
  rejected: PAYMENT_REJECTED_KIND,
  paid: PAYMENT_PAID_KIND,
};

/** Step entry kinds and the step each one is. */
export const STEP_OF_KIND: ReadonlyMap<string, PaymentStep> = new Map(
  Object.entries(PAYMENT_STEP_KINDS).map(([step, kind]) => [kind, step as PaymentStep]),
);

/**
 * The body of every payment step entry. A payment is identified by the seq of
 * its `evaluation.recorded` entry in the contract's log; the body repeats the
 * result hash and total so that a step can never be applied to another
 * calculation. `reason` (rejected: free text, checked for personal data),
 * `paymentOrder` and `paidOn` (paid: the order's number, the day YYYY-MM-DD).
 */
export const PaymentStepBodySchema = z.strictObject({
  payment: z.int().min(0),
  period: z.string(),
  result: Hex64,
  total: z.string().regex(/^-?(?:0|[1-9][0-9]*)$/),
  reason: z.string().optional(),
  paymentOrder: z.string().optional(),
  paidOn: z.string().optional(),
  /** The deciding party's signature over the step's decision statement. */
  signature: PartySignatureSchema.optional(),
});
export type PaymentStepBody = z.infer<typeof PaymentStepBodySchema>;

/** Every entry kind, in the order a contract's life brings them. */
export const ENTRY_KINDS = [
  CONTRACT_REGISTERED_KIND,
  EVIDENCE_BATCH_KIND,
  COMPARISON_PUBLISHED_KIND,
  EVALUATION_RECORDED_KIND,
  ...Object.values(PAYMENT_STEP_KINDS),
  PARTY_ENROLLED_KIND,
] as const;

// ---- Typed readers

/** Evaluations recorded in the entries, in log order. */
export function recordedEvaluations(entries: readonly Entry[]): (EvaluationEntryBody & { seq: number })[] {
  const out: (EvaluationEntryBody & { seq: number })[] = [];
  for (const e of entries) {
    if (e.kind !== EVALUATION_RECORDED_KIND) continue;
    const parsed = EvaluationEntryBodySchema.safeParse(e.body);
    if (!parsed.success) throw new IntegrityError('evaluation entry body does not parse', e.seq);
    out.push({ ...parsed.data, seq: e.seq });
  }
  return out;
}

/**
 * The workflow state of each recorded evaluation (its payment), by the seq of
 * its `evaluation.recorded` entry: `calculated`, then the step of its latest
 * payment step entry. The full history, with checks that the steps follow the
 * lifecycle, is paymentStates() of the payments context.
 */
export function paymentStateBySeq(entries: readonly Entry[]): Map<number, PaymentState> {
  const states = new Map<number, PaymentState>();
  for (const e of entries) {
    if (e.kind === EVALUATION_RECORDED_KIND) {
      states.set(e.seq, 'calculated');
      continue;
    }
    const step = STEP_OF_KIND.get(e.kind);
    const payment = e.body.payment;
    if (step !== undefined && typeof payment === 'number' && states.has(payment)) states.set(payment, step);
  }
  return states;
}
