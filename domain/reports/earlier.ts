import { utf8 } from '#kernel';
import { decodeEntry, type EvaluationEntryBody, EvaluationEntryBodySchema, type PaymentState } from '#ledger';
import { FROM } from '#payments';
import type { EarlierPayment } from './types.ts';

/**
 * What an earlier period's payment in a report says, read from its entries
 * alone: its evaluation entry's body (period, result, total) and the state
 * its step entries give. The report verifier checks these figures
 * (verify-earlier.ts); the PDF and the period chart show them.
 */

export interface EarlierFigures {
  /** The seq of its evaluation entry: the payment's id. */
  readonly seq: number;
  /** The evaluation entry's body, or undefined if it does not read as one. */
  readonly body: EvaluationEntryBody | undefined;
  /** The state the steps give, in the order they are listed (`calculated` with none). */
  readonly state: PaymentState;
}

/** The payment states that count as paid before: approved, and paid. */
export const SETTLED_STATES: ReadonlySet<PaymentState> = new Set(['approved', 'paid']);

/** The figures of an earlier payment, from its entries. */
export function earlierFigures(e: EarlierPayment): EarlierFigures {
  let body: EvaluationEntryBody | undefined;
  try {
    const parsed = EvaluationEntryBodySchema.safeParse(decodeEntry(utf8(e.evaluation.entry), e.evaluation.seq).body);
    if (parsed.success) body = parsed.data;
  } catch {
    body = undefined;
  }
  let state: PaymentState = 'calculated';
  for (const s of e.steps) if (FROM[s.step] === state) state = s.step;
  return { seq: e.evaluation.seq, body, state };
}
