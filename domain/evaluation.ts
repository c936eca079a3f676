import * as z from 'zod';
import { sha256, toHex } from './bytes.ts';
import { canonicalBytes } from './canonical.ts';
import {
  type ComparisonResult,
  type ExactComparison,
  evaluateComparisons,
  evaluateTriggers,
  type PublishedFigure,
  type TriggerResult,
} from './comparisons.ts';
import { type ContractSpec, ContractSpecSchema, specHash } from './contract-spec.ts';
import { dayNumber } from './days.ts';
import { Decimal } from './decimal.ts';
import type { Entry } from './entry.ts';
import { ConflictError, IntegrityError, NotFoundError, ValidationError } from './errors.ts';
import type { StoredRecord } from './evidence.ts';
import { EVIDENCE_BATCH_KIND } from './ingest.ts';
import { evaluateMetrics, type MetricValue } from './metrics.ts';
import {
  computePayments,
  exactValue,
  type IndicatorCheck,
  indicatorChecks,
  type OutcomeLine,
  type PaymentsResult,
  priorPayments,
} from './payments.ts';
import {
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  PAYMENT_REJECTED_KIND,
  type PaymentState,
  type PaymentStep,
} from './report-types.ts';
import { TimelineBuilder } from './timeline.ts';

/**
 * evaluate(contract, period, checkpoint): a pure, deterministic function of
 * the log's entries up to the checkpoint (and the evidence records of its
 * batch entries, and the results of earlier periods' evaluations that those
 * entries cite). Anyone with the export and the archives can recompute it bit
 * for bit: the result is canonical JSON (RFC 8785) with no floating-point
 * number in it.
 *
 * Entries read:
 * - `contract.registered`: a version of the contract spec (the version in
 *   force on the period's last day is used, and its hash cited);
 * - `evidence.batch`: the batches whose records are read;
 * - `comparison.published`: comparison-group figures published by the evaluator;
 * - `evaluation.recorded`: evaluations of earlier periods, whose results say
 *   what was paid (the latest evaluation of each earlier period counts);
 * - `payment.*` steps (domain/workflow.ts): a period whose payment is attested,
 *   approved or paid is not evaluated again; a later period is not evaluated
 *   on an earlier period's rejected payment (recalculate that period first).
 */

export const CONTRACT_REGISTERED_KIND = 'contract.registered';
export const COMPARISON_PUBLISHED_KIND = 'comparison.published';
export const EVALUATION_RECORDED_KIND = 'evaluation.recorded';
export const EVALUATION_FORMAT = 'sib-ledger/evaluation/v1';

export const contractIdempotencyKey = (version: number) => `contract:v${version}`;
export const evaluationIdempotencyKey = (period: string, size: number) => `evaluation:${period}/${size}`;
export const evaluationKey = (contract: string, period: string, sha: string) =>
  `evaluations/${contract}/${period}/${sha}.json`;

/** A registered version of the contract. */
export interface RegisteredContract {
  readonly seq: number;
  readonly spec: ContractSpec;
  readonly hash: string;
}

/** The body of an `evaluation.recorded` entry. */
export const EvaluationEntryBodySchema = z.strictObject({
  period: z.string(),
  checkpoint: z.strictObject({ size: z.int().min(0), root: z.string().regex(/^[0-9a-f]{64}$/) }),
  contract: z.strictObject({ version: z.int().min(1), hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  result: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), key: z.string() }),
  total: z.string(),
  currency: z.string(),
});
export type EvaluationEntryBody = z.infer<typeof EvaluationEntryBodySchema>;

export const ComparisonBodySchema = z.strictObject({
  comparison: z.string().min(1),
  group: z.string().min(1),
  value: z.string().regex(/^(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,12})?$/, 'a non-negative decimal string'),
  denominator: z.int().min(0).optional(),
  period: z.string().optional(),
  note: z.string().max(500).optional(),
});
export type ComparisonBody = z.infer<typeof ComparisonBodySchema>;

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
  readonly metrics: readonly (MetricValue & {
    readonly target?: { readonly value: string; readonly direction: string };
    readonly met?: boolean;
  })[];
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

/** The contract versions registered in the entries, in log order. */
export function registeredVersions(entries: readonly Entry[]): RegisteredContract[] {
  const out: RegisteredContract[] = [];
  for (const e of entries) {
    if (e.kind !== CONTRACT_REGISTERED_KIND) continue;
    const parsed = ContractSpecSchema.safeParse(e.body.spec);
    if (!parsed.success) throw new IntegrityError('registered contract spec does not parse', e.seq);
    const hash = specHash(parsed.data);
    if (e.body.specHash !== hash) throw new IntegrityError('registered contract spec hash does not match', e.seq);
    out.push({ seq: e.seq, spec: parsed.data, hash });
  }
  return out;
}

/**
 * The version in force for a period: the highest version registered whose
 * effectiveFrom is on or before the period's last day.
 */
export function versionInForce(versions: readonly RegisteredContract[], periodId: string): RegisteredContract {
  let best: RegisteredContract | undefined;
  for (const v of versions) {
    const period = v.spec.periods.find((p) => p.id === periodId);
    if (period === undefined || v.spec.effectiveFrom > period.to) continue;
    if (best === undefined || v.spec.version > best.spec.version) best = v;
  }
  if (best === undefined) {
    const known = [...new Set(versions.flatMap((v) => v.spec.periods.map((p) => p.id)))];
    throw versions.length === 0
      ? new NotFoundError('the contract is not registered in the log (register it first: sib contract register)')
      : new NotFoundError(`no period ${periodId} in the contract (periods: ${known.join(', ')})`);
  }
  return best;
}

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
 * its `evaluation.recorded` entry: `calculated`, then the kind of its latest
 * payment step entry (`payment.attested`, …). The full history, with checks
 * that the steps follow the lifecycle, is paymentStates() in domain/workflow.ts.
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

const STEP_OF_KIND: ReadonlyMap<string, PaymentStep> = new Map([
  [PAYMENT_ATTESTED_KIND, 'attested'],
  [PAYMENT_APPROVED_KIND, 'approved'],
  [PAYMENT_REJECTED_KIND, 'rejected'],
  [PAYMENT_PAID_KIND, 'paid'],
]);

/** Comparison figures published in the entries. */
export function publishedFigures(entries: readonly Entry[]): PublishedFigure[] {
  const out: PublishedFigure[] = [];
  for (const e of entries) {
    if (e.kind !== COMPARISON_PUBLISHED_KIND) continue;
    const parsed = ComparisonBodySchema.safeParse(e.body);
    if (!parsed.success) throw new IntegrityError('comparison entry body does not parse', e.seq);
    const b = parsed.data;
    out.push({
      seq: e.seq,
      comparison: b.comparison,
      group: b.group,
      value: b.value,
      ...(b.denominator === undefined ? {} : { denominator: b.denominator }),
      ...(b.period === undefined ? {} : { period: b.period }),
    });
  }
  return out;
}

/** A batch entry's archive: where its records are, and the hash they must match. */
export interface BatchArchive {
  readonly seq: number;
  readonly batchId: string;
  readonly key: string;
  readonly sha256: string;
  readonly recordCount: number;
}

export interface EvaluationRequest {
  readonly contract: string;
  readonly period: string;
  /** Size and root (hex) of the tree the evaluation reads: entries 0..size-1. */
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly entries: readonly Entry[];
}

/**
 * One evaluation, fed in three steps so that large logs stream: construct it
 * from the entries (it says which archives and prior results it needs), add
 * every record of `batches` in order, then `finish` with the prior results.
 */
export class Evaluation {
  readonly contract: RegisteredContract;
  readonly period: ContractSpec['periods'][number];
  /** Batch archives to read, in log order. */
  readonly batches: readonly BatchArchive[];
  /** Results of earlier periods' evaluations to pass to finish(), by SHA-256. */
  readonly priors: readonly PriorEvaluation[];
  readonly #request: EvaluationRequest;
  readonly #timelines = new TimelineBuilder();
  readonly #figures: PublishedFigure[];

  constructor(request: EvaluationRequest) {
    const { entries, checkpoint, contract } = request;
    if (entries.length !== checkpoint.size) {
      throw new ValidationError(`evaluation needs entries 0..${checkpoint.size - 1}, got ${entries.length}`);
    }
    entries.forEach((e, i) => {
      if (e.seq !== i || e.contract !== contract)
        throw new IntegrityError(`entry ${i} is not entry ${i} of ${contract}`, i);
    });
    this.#request = request;
    this.contract = versionInForce(registeredVersions(entries), request.period);
    const spec = this.contract.spec;
    if (spec.id !== contract) throw new IntegrityError(`registered spec is of contract ${spec.id}`, this.contract.seq);
    this.period = spec.periods.find((p) => p.id === request.period) as ContractSpec['periods'][number];
    this.#figures = publishedFigures(entries);
    // The latest evaluation of each earlier period; every earlier period must have one.
    const recorded = recordedEvaluations(entries);
    const states = paymentStateBySeq(entries);
    const order = spec.periods.map((p) => p.id);
    const mine = order.indexOf(this.period.id);
    const priors: PriorEvaluation[] = [];
    for (const id of order.slice(0, mine)) {
      const latest = recorded.filter((r) => r.period === id).at(-1);
      if (latest === undefined) {
        throw new ConflictError(
          `period ${this.period.id} cannot be evaluated before period ${id}: there is no evaluation of ${id} in the log at checkpoint ${checkpoint.size}`,
          { period: id },
        );
      }
      // A rejected payment is no figure to build on: what it would have paid is not "paid before".
      if (states.get(latest.seq) === 'rejected') {
        throw new ConflictError(
          `period ${this.period.id} cannot be evaluated: the payment of period ${id} (entry ${latest.seq}) was rejected; recalculate ${id} first`,
          { period: id, seq: latest.seq },
        );
      }
      priors.push({ seq: latest.seq, period: id, sha256: latest.result.sha256, key: latest.result.key });
    }
    this.priors = priors;
    // Re-evaluating a period once a later one is evaluated would let the later one's payments rest on a
    // calculation it never saw: refused (the history stays; a correction is paid in the next period).
    const later = recorded.find((r) => order.indexOf(r.period) > mine);
    if (later !== undefined) {
      throw new ConflictError(
        `period ${this.period.id} cannot be evaluated again: the later period ${later.period} was evaluated (entry ${later.seq}); corrections are settled in the next period`,
        { period: later.period, seq: later.seq },
      );
    }
    // Once the evaluator has attested a calculation (and the more so once it is approved or paid), the
    // period's payment is settled by the workflow (domain/workflow.ts): only a rejected (or not yet
    // attested) calculation may be replaced by a new one.
    const current = recorded.filter((r) => r.period === this.period.id).at(-1);
    const state = current === undefined ? undefined : states.get(current.seq);
    if (current !== undefined && state !== undefined && state !== 'calculated' && state !== 'rejected') {
      throw new ConflictError(
        `period ${this.period.id} cannot be evaluated again: its payment (entry ${current.seq}) is ${state}; it cannot be recalculated`,
        { period: this.period.id, seq: current.seq, state },
      );
    }
    this.batches = entries
      .filter((e) => e.kind === EVIDENCE_BATCH_KIND)
      .map((e) => {
        const archive = e.body.archive as { key?: unknown; sha256?: unknown } | undefined;
        if (typeof archive?.key !== 'string' || typeof archive.sha256 !== 'string') {
          throw new IntegrityError('batch entry names no archive', e.seq);
        }
        return {
          seq: e.seq,
          batchId: String(e.body.batchId),
          key: archive.key,
          sha256: archive.sha256,
          recordCount: Number(e.body.recordCount),
        };
      });
  }

  /** The spec in force. */
  get spec(): ContractSpec {
    return this.contract.spec;
  }

  /** Adds the next record, in log order (batch by batch, in batch order). */
  addRecord(record: StoredRecord): void {
    this.#timelines.add(record);
  }

  finish(priorResults: ReadonlyMap<string, EvaluationResult>): EvaluationResult {
    const spec = this.spec;
    const prior = this.priors.map((p) => {
      const r = priorResults.get(p.sha256);
      if (r === undefined) throw new NotFoundError(`the result of evaluation entry ${p.seq} (${p.sha256}) is missing`);
      if (encodeResult(r).sha256 !== p.sha256) {
        throw new IntegrityError(`the result of evaluation entry ${p.seq} does not match its hash`, p.seq);
      }
      return r;
    });
    const expected = this.batches.reduce((n, b) => n + b.recordCount, 0);
    if (this.#timelines.count !== expected) {
      throw new ValidationError(
        `evaluation was given ${this.#timelines.count} records; the batch entries up to the checkpoint hold ${expected}`,
      );
    }
    const cutoff = dayNumber(this.period.to);
    const timelines = this.#timelines.build(cutoff);
    const ctx = { spec, cutoff };
    const { values, outcomes } = evaluateMetrics(spec, timelines, ctx);
    const valueMap = new Map(values.map((v) => [v.id, v]));
    const comparisons: ExactComparison[] = evaluateComparisons(
      spec,
      this.period.id,
      timelines,
      outcomes,
      ctx,
      this.#figures,
    );
    // Triggers on metrics read exact values; a rate or mean with nobody counted yet has none.
    const exact = new Map<string, string>();
    for (const v of values) {
      const empty = (v.unit === 'rate' || v.unit === 'mean') && (v.denominator ?? 0) === 0;
      const x = exactValue(v);
      if (!empty && x !== undefined) exact.set(v.id, x.toString());
    }
    const triggers = evaluateTriggers(spec, this.period.id, comparisons, exact);
    const indicators = spec.payments.flatMap((p) =>
      p.kind === 'all-or-nothing' && p.periods.includes(this.period.id) ? indicatorChecks(spec, p, valueMap) : [],
    );
    const { payments, outcomes: outcomeLines } = computePayments({
      spec,
      period: this.period,
      metricValues: valueMap,
      outcomes,
      comparisons,
      triggers,
      prior: priorPayments(prior),
    });
    const enrolled = timelines.filter((t) => t.enrolment !== undefined && t.enrolment.day <= cutoff);
    return {
      format: EVALUATION_FORMAT,
      contract: { id: spec.id, version: spec.version, hash: this.contract.hash, seq: this.contract.seq },
      period: this.period,
      checkpoint: { size: this.#request.checkpoint.size, root: this.#request.checkpoint.root },
      inputs: {
        batches: this.batches.length,
        records: this.#timelines.count,
        priorEvaluations: this.priors,
        comparisonEntries: this.#figures.map((f) => f.seq),
      },
      participants: {
        enrolled: enrolled.length,
        withdrawn: enrolled.filter((t) => t.withdrawal !== undefined && t.withdrawal <= cutoff).length,
      },
      metrics: values.map((v) => withTarget(spec, v, indicators)),
      comparisons: comparisons.map((c) => c.result),
      triggers,
      indicators,
      payments,
      outcomes: outcomeLines,
      numerators: spec.metrics.flatMap((m) => {
        const list = outcomes.get(m.id);
        const unit = valueMap.get(m.id)?.unit;
        if (list === undefined || (unit !== 'rate' && unit !== 'mean')) return [];
        const participants = list.filter((o) => o.counted && o.value > 0).map((o) => o.participant);
        return [{ metric: m.id, participants: participants.sort() }];
      }),
    };
  }
}

/** A metric value with its target and whether it is met (against the all-or-nothing threshold when one applies). */
function withTarget(
  spec: ContractSpec,
  v: MetricValue,
  indicators: readonly IndicatorCheck[],
): EvaluationResult['metrics'][number] {
  const metric = spec.metrics.find((m) => m.id === v.id);
  const target = metric?.target;
  if (target === undefined) return v;
  const check = indicators.find((i) => i.metric === v.id);
  if (check !== undefined) return { ...v, target, met: check.met };
  // A rate or mean with nobody counted yet meets no target.
  if ((v.unit === 'rate' || v.unit === 'mean') && (v.denominator ?? 0) === 0) return { ...v, target, met: false };
  const value = exactValue(v) ?? new Decimal(0);
  return { ...v, target, met: target.direction === 'at-least' ? value.gte(target.value) : value.lte(target.value) };
}

/** Evaluates in one call (records already in memory, in log order). */
export function evaluate(
  request: EvaluationRequest,
  records: Iterable<StoredRecord>,
  priorResults: ReadonlyMap<string, EvaluationResult> = new Map(),
): EvaluationResult {
  const evaluation = new Evaluation(request);
  for (const r of records) evaluation.addRecord(r);
  return evaluation.finish(priorResults);
}
