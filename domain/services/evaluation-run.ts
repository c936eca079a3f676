/**
 * The evaluation runner: takes the entries of a log up to a checkpoint, says
 * which archives and earlier results it needs, takes their records, and
 * applies the formulas of the evaluation context to them.
 *
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
 * - `evidence.batch`: the batches whose records are read (those logged up to
 *   the period's data cut-off, when it has one);
 * - `comparison.published`: comparison-group figures published by the evaluator;
 * - `evaluation.recorded`: evaluations of earlier periods, whose results say
 *   what was paid (the latest evaluation of each earlier period counts);
 * - `payment.*` steps (domain/payments/workflow.ts): a period whose payment is attested,
 *   approved or paid is not evaluated again; a later period is not evaluated
 *   on an earlier period's rejected payment (recalculate that period first).
 */
import { type ContractSpec, type RegisteredContract, registeredVersions, versionInForce } from '#contracts';
import {
  computePayments,
  EVALUATION_FORMAT,
  type EvaluationResult,
  type ExactComparison,
  encodeResult,
  evaluateComparisons,
  evaluateMetrics,
  evaluateTriggers,
  exactMetricValues,
  type PriorEvaluation,
  type PublishedFigure,
  periodIndicators,
  priorPayments,
  publishedFigures,
  withTarget,
} from '#evaluation';
import type { StoredRecord } from '#evidence';
import { TimelineBuilder } from '#evidence';
import { ConflictError, dayNumber, IntegrityError, NotFoundError, ValidationError } from '#kernel';
import type { Entry, PaymentState } from '#ledger';
import { EVIDENCE_BATCH_KIND, paymentStateBySeq, recordedEvaluations } from '#ledger';

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
    checkEntries(request);
    this.#request = request;
    this.contract = versionInForce(registeredVersions(entries), request.period);
    const spec = this.contract.spec;
    if (spec.id !== contract) throw new IntegrityError(`registered spec is of contract ${spec.id}`, this.contract.seq);
    this.period = spec.periods.find((p) => p.id === request.period) as ContractSpec['periods'][number];
    this.#figures = publishedFigures(entries);
    const log: PeriodLog = {
      recorded: recordedEvaluations(entries),
      states: paymentStateBySeq(entries),
      order: spec.periods.map((p) => p.id),
    };
    this.priors = priorEvaluations(log, this.period.id, checkpoint.size);
    checkEvaluableAgain(log, this.period.id);
    this.batches = batchArchives(entries, this.period.dataCutoff);
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
    const triggers = evaluateTriggers(spec, this.period.id, comparisons, exactMetricValues(values));
    const indicators = periodIndicators(spec, this.period.id, valueMap);
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

/** The entries are entries 0..size-1 of the contract's log, as the checkpoint says. */
function checkEntries(request: EvaluationRequest): void {
  const { entries, checkpoint, contract } = request;
  if (entries.length !== checkpoint.size) {
    throw new ValidationError(`evaluation needs entries 0..${checkpoint.size - 1}, got ${entries.length}`);
  }
  entries.forEach((e, i) => {
    if (e.seq !== i || e.contract !== contract)
      throw new IntegrityError(`entry ${i} is not entry ${i} of ${contract}`, i);
  });
}

/** What the log says of the periods: the evaluations recorded, the payments' states, the periods in order. */
interface PeriodLog {
  readonly recorded: ReturnType<typeof recordedEvaluations>;
  readonly states: ReadonlyMap<number, PaymentState>;
  readonly order: readonly string[];
}

/** The latest evaluation of each earlier period; every earlier period must have one, and not a rejected one. */
function priorEvaluations(log: PeriodLog, period: string, size: number): PriorEvaluation[] {
  const { recorded, states, order } = log;
  const priors: PriorEvaluation[] = [];
  for (const id of order.slice(0, order.indexOf(period))) {
    const latest = recorded.filter((r) => r.period === id).at(-1);
    if (latest === undefined) {
      throw new ConflictError(
        `period ${period} cannot be evaluated before period ${id}: there is no evaluation of ${id} in the log at checkpoint ${size}`,
        { period: id },
      );
    }
    // A rejected payment is no figure to build on: what it would have paid is not "paid before".
    if (states.get(latest.seq) === 'rejected') {
      throw new ConflictError(
        `period ${period} cannot be evaluated: the payment of period ${id} (entry ${latest.seq}) was rejected; recalculate ${id} first`,
        { period: id, seq: latest.seq },
      );
    }
    priors.push({ seq: latest.seq, period: id, sha256: latest.result.sha256, key: latest.result.key });
  }
  return priors;
}

/** A period is evaluated again only while no later period is evaluated and its payment is not attested or beyond. */
function checkEvaluableAgain(log: PeriodLog, period: string): void {
  const { recorded, states, order } = log;
  const mine = order.indexOf(period);
  // Re-evaluating a period once a later one is evaluated would let the later one's payments rest on a
  // calculation it never saw: refused (the history stays; a correction is paid in the next period).
  const later = recorded.find((r) => order.indexOf(r.period) > mine);
  if (later !== undefined) {
    throw new ConflictError(
      `period ${period} cannot be evaluated again: the later period ${later.period} was evaluated (entry ${later.seq}); corrections are settled in the next period`,
      { period: later.period, seq: later.seq },
    );
  }
  // Once the evaluator has attested a calculation (and the more so once it is approved or paid), the
  // period's payment is settled by the workflow (domain/payments/workflow.ts): only a rejected (or not yet
  // attested) calculation may be replaced by a new one.
  const current = recorded.filter((r) => r.period === period).at(-1);
  const state = current === undefined ? undefined : states.get(current.seq);
  if (current !== undefined && state !== undefined && state !== 'calculated' && state !== 'rejected') {
    throw new ConflictError(
      `period ${period} cannot be evaluated again: its payment (entry ${current.seq}) is ${state}; it cannot be recalculated`,
      { period, seq: current.seq, state },
    );
  }
}

/** The archives of the batch entries an evaluation reads, in log order: all, or those logged on or before the period's data cut-off (UTC day). */
function batchArchives(entries: readonly Entry[], dataCutoff: string | undefined): BatchArchive[] {
  return entries
    .filter((e) => e.kind === EVIDENCE_BATCH_KIND && (dataCutoff === undefined || e.at.slice(0, 10) <= dataCutoff))
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
