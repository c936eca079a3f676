import type { ContractSpec } from '#contracts';
import { canonicalBytes, sha256, toHex } from '#kernel';
import type { ComparisonResult, TriggerResult } from './comparisons.ts';
import type { OutcomeLine } from './outcome-keys.ts';
import type { PaymentsResult } from './payment-lines.ts';
import type { IndicatorCheck, MetricWithTarget } from './targets.ts';

/**
 * The result of evaluating a period: what the calculator produces and the
 * report verifier recomputes. Canonical JSON (RFC 8785), no floating-point
 * number in it; its SHA-256 is what the `evaluation.recorded` entry cites.
 */

export const EVALUATION_FORMAT = 'sib-ledger/evaluation/v1';

export interface PriorEvaluation {
  readonly seq: number;
  readonly period: string;
  readonly sha256: string;
  readonly key: string;
}

export interface EvaluationResult {
  readonly format: typeof EVALUATION_FORMAT;
  readonly contract: { readonly id: string; readonly version: number; readonly hash: string; readonly seq: number };
  readonly period: ContractSpec['periods'][number];
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly inputs: {
    readonly batches: number;
    readonly records: number;
    readonly priorEvaluations: readonly PriorEvaluation[];
    readonly comparisonEntries: readonly number[];
  };
  readonly participants: { readonly enrolled: number; readonly withdrawn: number };
  readonly metrics: readonly MetricWithTarget[];
  readonly comparisons: readonly ComparisonResult[];
  readonly triggers: readonly TriggerResult[];
  readonly indicators: readonly IndicatorCheck[];
  readonly payments: PaymentsResult;
  /** Per payable outcome key (participant pseudonyms): for the evaluator, never for investors. */
  readonly outcomes: readonly OutcomeLine[];
  /**
   * The participants behind each rate and mean (pseudonyms, sorted): those
   * counted in the numerator (with the event, or a non-zero value). For the
   * evaluator, to check figures record by record; never for investors.
   */
  readonly numerators: readonly { readonly metric: string; readonly participants: readonly string[] }[];
}

/** Canonical bytes of a result and their SHA-256. */
export function encodeResult(result: EvaluationResult): { bytes: Uint8Array; sha256: string } {
  const bytes = canonicalBytes(result);
  return { bytes, sha256: toHex(sha256(bytes)) };
}
