/**
 * Deciding with one's own key (`--key FILE`): the role commands build the
 * statement the decision's entry will name (#ledger decisionStatement,
 * comparisonStatement) from what the API says, print it, sign it with the
 * party key file, and send the signed note with the request; the server
 * checks it against what it appends. The payment steps, the evaluation
 * (a dry run first, then recorded at that checkpoint), a comparison figure.
 */
import type { Command } from 'commander';
import {
  type ComparisonFacts,
  comparisonStatement,
  decisionStatement,
  type PaymentStep,
  type SignedStatement,
} from '#ledger';
import type { PaymentStatus } from '#payments';
import { ApiError } from '../api-client.ts';
import { signStatement } from '../commands/party-keys.ts';
import type { Api } from './connection.ts';

/** The `--key FILE` option of a deciding command. */
export function signingKey(cmd: Command, whose: string): Command {
  return cmd.option('--key <file>', `sign the decision with ${whose} party key (from sib keys party)`);
}

/** The step each payment route takes. */
const STEP_OF_ROUTE: Readonly<Record<string, PaymentStep>> = {
  attestPayment: 'attested',
  approvePayment: 'approved',
  rejectPayment: 'rejected',
  markPaid: 'paid',
};

/** The signed note of a payment step: the statement from the payment as the API shows it, and the step's own fields. */
export async function stepSignature(
  api: Api,
  keyFile: string,
  route: string,
  target: { contract: string; payment: number },
  extra: { reason?: string; paymentOrder?: string; paidOn?: string },
): Promise<SignedStatement> {
  const step = STEP_OF_ROUTE[route];
  if (step === undefined) throw new Error(`${route} is not a payment step`);
  const p = (await api.call<PaymentStatus>('getPayment', { params: { ...target, payment: String(target.payment) } }))
    .body;
  const statement = decisionStatement({
    contract: target.contract,
    payment: p.payment,
    period: p.period,
    step,
    result: p.result,
    summary: p.summary,
    total: p.total,
    minorUnit: p.minorUnit,
    currency: p.currency,
    ...extra,
  });
  return signStatement(keyFile, statement);
}

/** The signed note of a comparison figure. */
export function comparisonSignature(keyFile: string, figure: ComparisonFacts): Promise<SignedStatement> {
  return signStatement(keyFile, comparisonStatement(figure));
}

interface Preview {
  readonly checkpoint: { readonly size: number };
  /** The seq the entry would get now: what a signed calculation names as its payment. */
  readonly seq: number;
  readonly sha256: string;
  readonly summary: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
}

/** How often a signed evaluation is tried again when the log moved between its dry run and its recording. */
const SIGNED_ATTEMPTS = 3;

/**
 * Records a signed evaluation: a dry run at the checkpoint (given, or the
 * log's size) tells what the entry will name and the seq it gets (the log's
 * size now), the analyst signs it (the payment: that seq), and it is
 * recorded at that checkpoint. If the log moved meanwhile (409), signed
 * again for the new seq (and, with no checkpoint given, evaluated at the new
 * size), up to SIGNED_ATTEMPTS times.
 */
export async function signedEvaluation<T>(
  api: Api,
  keyFile: string,
  request: { contract: string; period: string; checkpoint?: number },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const params = { contract: request.contract };
    const base = {
      period: request.period,
      ...(request.checkpoint === undefined ? {} : { checkpoint: request.checkpoint }),
    };
    const p = (await api.call<Preview>('evaluate', { params, body: { ...base, dryRun: true } })).body;
    const signature = await signStatement(
      keyFile,
      decisionStatement({
        contract: request.contract,
        payment: p.seq,
        period: request.period,
        step: 'calculated',
        result: p.sha256,
        summary: p.summary,
        total: p.total,
        minorUnit: p.minorUnit,
        currency: p.currency,
      }),
    );
    try {
      const body = { period: request.period, checkpoint: p.checkpoint.size, signature };
      return (await api.call<T>('evaluate', { params, body })).body;
    } catch (error) {
      const moved = error instanceof ApiError && error.status === 409;
      // The checkpoint stays; only the seq the entry gets has moved: sign again for the new one.
      if (!moved || attempt >= SIGNED_ATTEMPTS) throw error;
      process.stderr.write('the log moved while signing: evaluating again at its new size\n');
    }
  }
}
