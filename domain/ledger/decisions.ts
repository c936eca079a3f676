/**
 * The decisions of a contract's log and the party signatures they carry:
 * which entries are decisions (the evaluation entry, each payment step, each
 * published comparison figure), the statement each one's signer signed
 * (statement.ts, rebuilt from the entries), the role that must sign it
 * (trust.ts), and what is wrong with its signature against a trust policy's
 * keys or the keys given. The report verifier and the export verifier both
 * check decisions with these.
 */
import type { Entry } from './entry.ts';
import {
  COMPARISON_PUBLISHED_KIND,
  CONTRACT_REGISTERED_KIND,
  ComparisonBodySchema,
  EVALUATION_RECORDED_KIND,
  type EvaluationEntryBody,
  EvaluationEntryBodySchema,
  type PaymentState,
  PaymentStepBodySchema,
  STEP_OF_KIND,
} from './kinds.ts';
import { formatVerifierKey, parseVerifierKey, type VerifierKey } from './note.ts';
import { comparisonStatement, decisionStatement, type PartySignature, signatureVerifies } from './statement.ts';
import { SIGNING_ROLE_OF_COMPARISON, SIGNING_ROLE_OF_STEP, type SigningRole } from './trust.ts';

/** A decision entry: what it names, who must sign it, and the signature it carries. */
export interface SignedDecision {
  readonly seq: number;
  readonly step: PaymentState | 'comparison';
  readonly role: SigningRole;
  /** The statement its signer signs, rebuilt from the entries. */
  readonly statement: string;
  readonly signature?: PartySignature;
}

/** The `calculated` decision of an evaluation entry; `minorUnit` is its currency's (from the contract version it cites). */
export function evaluationDecision(contract: string, entry: Entry, minorUnit: number): SignedDecision {
  const body = EvaluationEntryBodySchema.parse(entry.body);
  const statement = calculatedStatement(contract, entry.seq, body, minorUnit);
  return withSignature({ seq: entry.seq, step: 'calculated', role: 'analyst', statement }, body.signature);
}

/** The statement the analyst signs for the evaluation entry `body` at `seq` (the payment's id). */
export function calculatedStatement(
  contract: string,
  seq: number,
  body: Pick<EvaluationEntryBody, 'period' | 'result' | 'summary' | 'total' | 'currency'>,
  minorUnit: number,
): string {
  return decisionStatement({
    contract,
    payment: seq,
    period: body.period,
    step: 'calculated',
    result: body.result.sha256,
    summary: body.summary,
    total: body.total,
    minorUnit,
    currency: body.currency,
  });
}

/** The decision of a payment step entry, with its payment's evaluation entry. */
export function stepDecision(contract: string, entry: Entry, evaluation: Entry, minorUnit: number): SignedDecision {
  const step = STEP_OF_KIND.get(entry.kind);
  if (step === undefined) throw new Error(`entry ${entry.seq} is not a payment step (${entry.kind})`);
  const body = PaymentStepBodySchema.parse(entry.body);
  const paid = EvaluationEntryBodySchema.parse(evaluation.body);
  const statement = decisionStatement({
    contract,
    payment: body.payment,
    period: body.period,
    step,
    result: body.result,
    summary: paid.summary,
    total: body.total,
    minorUnit,
    currency: paid.currency,
    ...(body.reason === undefined ? {} : { reason: body.reason }),
    ...(body.paymentOrder === undefined ? {} : { paymentOrder: body.paymentOrder }),
    ...(body.paidOn === undefined ? {} : { paidOn: body.paidOn }),
  });
  return withSignature({ seq: entry.seq, step, role: SIGNING_ROLE_OF_STEP[step], statement }, body.signature);
}

/** The decision of a `comparison.published` entry. */
export function comparisonDecision(contract: string, entry: Entry): SignedDecision {
  const { signature, ...figure } = ComparisonBodySchema.parse(entry.body);
  const statement = comparisonStatement({ contract, ...figure });
  return withSignature({ seq: entry.seq, step: 'comparison', role: SIGNING_ROLE_OF_COMPARISON, statement }, signature);
}

function withSignature(d: SignedDecision, signature: PartySignature | undefined): SignedDecision {
  return signature === undefined ? d : { ...d, signature };
}

/**
 * Every decision of a log, in log order (entries from seq 0). The currency's
 * minor unit is the contract version's each evaluation cites.
 */
export function decisionsOfLog(contract: string, entries: readonly Entry[]): SignedDecision[] {
  const minorUnits = new Map<string, number>();
  const out: SignedDecision[] = [];
  for (const e of entries) {
    if (e.kind === CONTRACT_REGISTERED_KIND) {
      const spec = e.body.spec as { version?: unknown; minorUnit?: unknown } | undefined;
      if (typeof spec?.minorUnit === 'number') minorUnits.set(String(spec.version), spec.minorUnit);
    } else if (e.kind === COMPARISON_PUBLISHED_KIND) {
      out.push(comparisonDecision(contract, e));
    } else if (e.kind === EVALUATION_RECORDED_KIND) {
      out.push(evaluationDecision(contract, e, minorUnitOf(minorUnits, e)));
    } else if (STEP_OF_KIND.has(e.kind)) {
      const evaluation = entries[Number(e.body.payment)];
      if (evaluation === undefined || evaluation.kind !== EVALUATION_RECORDED_KIND) {
        throw new Error(`entry ${e.seq} names payment ${String(e.body.payment)}, which is no evaluation entry`);
      }
      out.push(stepDecision(contract, e, evaluation, minorUnitOf(minorUnits, evaluation)));
    }
  }
  return out;
}

function minorUnitOf(minorUnits: ReadonlyMap<string, number>, evaluation: Entry): number {
  const version = (evaluation.body.contract as { version?: unknown } | undefined)?.version;
  const unit = minorUnits.get(String(version));
  if (unit === undefined)
    throw new Error(`entry ${evaluation.seq} cites contract version ${String(version)}, not registered before it`);
  return unit;
}

const keyIdOf = (key: VerifierKey) => `${key.name}+${key.keyId}`;

function parsedKey(text: string): VerifierKey | undefined {
  try {
    return parseVerifierKey(text);
  } catch {
    return undefined;
  }
}

/** A decision as a problem names it: `entry 12 (approved, signed by the ministry)`. */
export const decisionName = (d: SignedDecision) => `entry ${d.seq} (${d.step}, signed by the ${d.role})`;

/**
 * What is wrong with a decision's signature, or undefined. With `roleKeys`
 * (the trust policy's keys for the decision's role) the decision must carry
 * a signature that verifies over its statement by one of them. Without, a
 * signature present must verify, and must be by the given key of its name
 * if one of `givenKeys` has that name; an unsigned decision is no problem.
 */
export function decisionProblem(
  d: SignedDecision,
  roleKeys: readonly string[] | undefined,
  givenKeys: readonly VerifierKey[] = [],
): string | undefined {
  const expected = () =>
    roleKeys === undefined || roleKeys.length === 0
      ? `the policy names no ${d.role} key`
      : `expected ${roleKeys.join(' or ')}`;
  const sig = d.signature;
  if (sig === undefined) {
    return roleKeys === undefined ? undefined : `${decisionName(d)} carries no party signature (${expected()})`;
  }
  const key = parsedKey(sig.key);
  if (key === undefined) return `${decisionName(d)}: the signature's key ${sig.key} is not a verifier key`;
  if (!signatureVerifies(d.statement, sig)) {
    return `${decisionName(d)}: the signature by ${keyIdOf(key)} does not verify over the entry's statement (the entry was changed after it was signed)`;
  }
  if (roleKeys !== undefined) {
    const signer = formatVerifierKey(key);
    const trusted = roleKeys.some((k) => {
      const named = parsedKey(k);
      return named !== undefined && formatVerifierKey(named) === signer;
    });
    return trusted
      ? undefined
      : `${decisionName(d)} is signed by ${keyIdOf(key)}, not by a ${d.role} key (${expected()})`;
  }
  const named = givenKeys.find((k) => k.name === key.name);
  if (named !== undefined && formatVerifierKey(named) !== formatVerifierKey(key)) {
    return `${decisionName(d)} is signed by ${keyIdOf(key)}, not by the given key ${keyIdOf(named)} of that name`;
  }
  return undefined;
}

/** Who signed a decision, for a passed check's message: `calculated by analyst-1`. */
export function signedBy(d: SignedDecision): string {
  const key = d.signature === undefined ? undefined : parsedKey(d.signature.key);
  return `${d.step} ${key === undefined ? 'unsigned' : `by ${keyIdOf(key)}`}`;
}
