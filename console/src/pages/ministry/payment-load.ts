/**
 * A payment's page, its loading and its in-page checks: what the page loads
 * (the payment's summary, the contract, the contract's payments, its trusted
 * keys), the statement each step's signer signed (stepStatement, rebuilt as
 * the server and verifiers rebuild it), and the checks run by the domain's
 * own code inside withWebCrypto (the summary's hash, each step's signature
 * and whether its key is trusted for its role).
 */
import {
  calculatedStatement,
  decisionProblem,
  decisionStatement,
  SIGNING_ROLE_OF_STEP,
  type SignedDecision,
  signatureVerifies,
} from '#ledger';
import { summaryHash } from '#reports';
import { withWebCrypto } from '../../crypto/kernel.ts';
import {
  type ContractItem,
  listContracts,
  listPayments,
  type PaymentStatus,
  type PaymentSummaryAnswer,
  paymentSummary,
  type StepSignature,
  trustedParties,
} from './data.ts';

export interface Checked {
  readonly summaryOk: boolean;
  readonly signatures: readonly (StepSignature & { verifies: boolean; trusted?: boolean })[];
}

export interface Loaded {
  readonly answer: PaymentSummaryAnswer;
  readonly contract?: ContractItem;
  readonly payments: readonly PaymentStatus[];
  readonly trust?: Readonly<Record<string, readonly string[]>>;
}

/** The statement each step's signer signed, rebuilt from the payment's status (as the server and verifiers do). */
export function stepStatement(contract: string, status: PaymentStatus, sig: { step: string; seq: number }): string {
  if (sig.step === 'calculated') {
    return calculatedStatement(
      contract,
      status.payment,
      {
        period: status.period,
        result: { sha256: status.result, key: '' },
        summary: status.summary,
        total: status.total,
        currency: status.currency,
      },
      status.minorUnit,
    );
  }
  const record = status.steps.find((s) => s.seq === sig.seq);
  return decisionStatement({
    contract,
    payment: status.payment,
    period: status.period,
    step: sig.step as PaymentStatus['state'],
    result: status.result,
    summary: status.summary,
    total: status.total,
    minorUnit: status.minorUnit,
    currency: status.currency,
    ...(record?.reason === undefined ? {} : { reason: record.reason }),
    ...(record?.paymentOrder === undefined ? {} : { paymentOrder: record.paymentOrder }),
    ...(record?.paidOn === undefined ? {} : { paidOn: record.paidOn }),
  });
}

/** The page's checks, by the domain's code inside withWebCrypto: the summary's hash, and each step's signature. */
export function check(contract: string, loaded: Loaded): Promise<Checked> {
  const { status, summary, signatures } = loaded.answer;
  return withWebCrypto(() => ({
    summaryOk: summaryHash(summary) === status.summary,
    signatures: signatures.map((sig) => {
      const statement = stepStatement(contract, status, sig);
      const signature = { key: sig.key, line: sig.line };
      const role = SIGNING_ROLE_OF_STEP[sig.step];
      const d: SignedDecision = { seq: sig.seq, step: sig.step, role, statement, signature };
      const roleKeys = loaded.trust?.[role];
      return {
        ...sig,
        verifies: signatureVerifies(statement, signature),
        ...(roleKeys === undefined ? {} : { trusted: decisionProblem(d, roleKeys) === undefined }),
      };
    }),
  }));
}

/** Everything the page shows, loaded at once; only the summary itself is required. */
export async function load(contract: string, payment: string): Promise<Loaded> {
  const [answer, contracts, payments, trust] = await Promise.all([
    paymentSummary(contract, payment),
    listContracts().catch(() => []),
    listPayments(contract).catch(() => []),
    trustedParties(contract).catch(() => undefined),
  ]);
  return {
    answer,
    payments,
    ...(trust === undefined ? {} : { trust }),
    ...(contracts.find((c) => c.id === contract) === undefined
      ? {}
      : { contract: contracts.find((c) => c.id === contract) as ContractItem }),
  };
}
