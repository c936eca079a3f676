/**
 * The evaluation use cases: evaluate a period at a checkpoint of the log
 * (computeEvaluation), store the canonical result and record it as an
 * `evaluation.recorded` entry (runEvaluation), and read a recorded result
 * back (loadResult).
 *
 * Evaluating a period reads top-down: this file reads the verified entries
 * (log-reader.ts), hands them to the runner (evaluation-run.ts), feeds it the
 * records of every evidence archive (archiveRecords) and the results of
 * earlier periods; the runner applies the formulas of the evaluation context
 * and never calls back here.
 */
import { type EvaluationResult, encodeResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { ARCHIVE_LINE_END } from '#intake';
import {
  ConflictError,
  createSha256,
  IntegrityError,
  LogMovedError,
  NotFoundError,
  sha256,
  toHex,
  ValidationError,
} from '#kernel';
import {
  type Actor,
  calculatedStatement,
  checkSignedStatement,
  EVALUATION_RECORDED_KIND,
  type EvaluationEntryBody,
  recordedEvaluations,
  type SignedStatement,
} from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import { Evaluation } from './evaluation-run.ts';
import { readVerifiedEntries } from './log-reader.ts';
import { appendOnce } from './log-writer.ts';
import type { AppendedEntry, ContractLog, ContractPorts, ObjectStore } from './ports.ts';

/** The idempotency key of a period's evaluation at a checkpoint: one entry per period and size. */
export const evaluationIdempotencyKey = (period: string, size: number) => `evaluation:${period}/${size}`;
/** Where a result is stored: by contract, period and the SHA-256 of its canonical bytes. */
export const evaluationKey = (contract: string, period: string, sha: string) =>
  `evaluations/${contract}/${period}/${sha}.json`;

export interface EvaluationRun {
  readonly result: EvaluationResult;
  readonly sha256: string;
  readonly key: string;
  /** The canonical bytes stored. */
  readonly bytes: Uint8Array;
  readonly entry: AppendedEntry;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Evaluates a period at a checkpoint (default: the log's current size),
 * stores the canonical result and records an `evaluation.recorded` entry,
 * on the condition that the log is still the one its checks read (a period
 * attested meanwhile is not recalculated). The same period at the same
 * checkpoint gives the same bytes and the same entry (replayed).
 *
 * With the analyst's `signature` over the `calculated` decision statement
 * (statement.ts), whose payment is the seq the entry gets: the log's size
 * when the analyst signed, which is the checkpoint's when evaluating the
 * log as it is, and larger when the analyst evaluates it as it was at an
 * earlier checkpoint. A signed evaluation is recorded only at that seq (a
 * log that moved meanwhile refuses it, LogMovedError: evaluate and sign
 * again); the signature is checked and stored in the entry.
 */
export async function runEvaluation(
  ports: ContractPorts,
  request: {
    readonly contract: string;
    readonly period: string;
    readonly checkpoint?: number;
    readonly actor: Actor;
    readonly signature?: SignedStatement;
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<EvaluationRun> {
  const { result, bytes, sha256: digest } = await computeEvaluation(ports, request);
  const key = evaluationKey(request.contract, request.period, digest);
  let checked = await checkStillEvaluable(ports.log, request.contract, request.period, result.checkpoint.size);
  await ports.results.put(key, bytes, digest, 'application/json');
  const body: EvaluationEntryBody = {
    period: request.period,
    checkpoint: result.checkpoint,
    contract: { version: result.contract.version, hash: result.contract.hash },
    result: { sha256: digest, key },
    summary: summaryHash(publicSummary(result)),
    total: result.payments.total,
    currency: result.payments.currency,
  };
  const size = result.checkpoint.size;
  if (request.signature !== undefined) {
    // The statement names the seq the entry gets: the log must still be that size, unless this is that entry again (a replay).
    const seq = signedPayment(request.signature) ?? checked;
    if (checked !== seq && !(await recordedAt(ports.log, request.contract, request.period, size, seq))) {
      throw new LogMovedError(request.contract, seq, checked);
    }
    body.signature = signedCalculation(request.contract, seq, body, result.payments.minorUnit, request.signature);
  }
  const intent = { kind: EVALUATION_RECORDED_KIND, actor: request.actor, body: body as never };
  const idempotencyKey = evaluationIdempotencyKey(request.period, size);
  for (let attempt = 1; ; attempt++) {
    try {
      const entry = await appendOnce(ports.log, request.contract, idempotencyKey, intent, size, checked);
      return { result, sha256: digest, key, bytes, entry };
    } catch (error) {
      if (error instanceof LogMovedError && attempt < RECORD_ATTEMPTS && body.signature === undefined) {
        // Appended meanwhile (an attestation, a decision): check again on the log as it is now.
        checked = await checkStillEvaluable(ports.log, request.contract, request.period, size);
        continue;
      }
      if (!(error instanceof ConflictError) || error instanceof LogMovedError) throw error;
      throw await alreadyEvaluated(ports.log, request, size, digest, error);
    }
  }
}

/** The analyst's signature checked against the `calculated` statement of the entry about to be appended at `seq`. */
function signedCalculation(
  contract: string,
  seq: number,
  body: EvaluationEntryBody,
  minorUnit: number,
  signature: SignedStatement,
) {
  return checkSignedStatement(calculatedStatement(contract, seq, body, minorUnit), signature);
}

/** Whether entry `seq` is an evaluation of `period` at checkpoint `size`: a signed evaluation recorded before. */
async function recordedAt(
  log: ContractLog,
  contract: string,
  period: string,
  size: number,
  seq: number,
): Promise<boolean> {
  const { entries } = await readVerifiedEntries(log, contract, await log.size(contract));
  return recordedEvaluations(entries).some((r) => r.seq === seq && r.period === period && r.checkpoint.size === size);
}

/**
 * The payment a signed calculation names: its `payment` line. Undefined when
 * the note has none (the signature check then says what is wrong with it).
 */
function signedPayment(signature: SignedStatement): number | undefined {
  const line = /^payment (\d{1,15})$/m.exec(signature.note);
  return line === null ? undefined : Number(line[1]);
}

/** How often recording an evaluation is checked again when the log moved between its checks and its append. */
const RECORD_ATTEMPTS = 5;

/**
 * The same period at the same checkpoint was recorded with another result:
 * the inputs cannot differ (the checkpoint fixes them), so the evaluation
 * software did.
 */
async function alreadyEvaluated(
  log: ContractLog,
  request: { readonly contract: string; readonly period: string },
  size: number,
  digest: string,
  error: ConflictError,
): Promise<ConflictError> {
  const current = await log.size(request.contract);
  const { entries } = await readVerifiedEntries(log, request.contract, current);
  const recorded = recordedEvaluations(entries).find((r) => r.period === request.period && r.checkpoint.size === size);
  return new ConflictError(
    `period ${request.period} at checkpoint ${size} is already evaluated (entry ${recorded?.seq ?? '?'}, result ${recorded?.result.sha256 ?? '?'}); this software computes ${digest}: evaluate at a later checkpoint to record a new calculation`,
    { period: request.period, checkpoint: size, recorded: recorded?.result.sha256 ?? '', computed: digest },
    { cause: error },
  );
}

/**
 * An evaluation at an old checkpoint reads an old prefix; recording it must
 * still respect the log as it is now (periods in order, nothing recalculated
 * once attested or once a later period is evaluated). The same evaluation
 * recorded before (same period and checkpoint) is let through: it replays.
 * Answers the log size checked: the entry is appended only on a log of that
 * size, so the checks still hold when it commits.
 */
async function checkStillEvaluable(log: ContractLog, contract: string, period: string, size: number): Promise<number> {
  const current = await log.size(contract);
  if (current === size) return current;
  const { entries, root } = await readVerifiedEntries(log, contract, current);
  if (recordedEvaluations(entries).some((r) => r.period === period && r.checkpoint.size === size)) return current;
  // The constructor's refusals, against the current log (no records are read).
  new Evaluation({ contract, period, checkpoint: { size: current, root }, entries });
  return current;
}

/** The evaluation alone (nothing stored or appended): for a dry run or an independent recomputation. */
export async function computeEvaluation(
  ports: ContractPorts,
  request: {
    readonly contract: string;
    readonly period: string;
    readonly checkpoint?: number;
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<{ result: EvaluationResult; bytes: Uint8Array; sha256: string }> {
  const current = await ports.log.size(request.contract);
  if (current === 0) throw new NotFoundError(`contract ${request.contract} has no log (register it first)`);
  const size = request.checkpoint ?? current;
  if (!Number.isSafeInteger(size) || size < 1 || size > current) {
    throw new ValidationError('checkpoint is out of range', [
      { field: 'checkpoint', message: `must be a tree size from 1 to ${current} (the log's size)` },
    ]);
  }
  const { entries, root } = await readVerifiedEntries(ports.log, request.contract, size);
  const evaluation = new Evaluation({
    contract: request.contract,
    period: request.period,
    checkpoint: { size, root },
    entries,
  });
  await feedRecords(ports.archive, evaluation, request.onProgress);
  const priors = await priorResults(ports.results, evaluation);
  const result = evaluation.finish(priors);
  const encoded = encodeResult(result);
  return { result, ...encoded };
}

/** Feeds the runner every record of its batch archives, in log order, reporting progress every 10,000 records. */
async function feedRecords(
  archive: ObjectStore,
  evaluation: Evaluation,
  onProgress: ((done: number, total: number) => void) | undefined,
): Promise<void> {
  const total = evaluation.batches.reduce((n, b) => n + b.recordCount, 0);
  let done = 0;
  for (const batch of evaluation.batches) {
    let n = 0;
    for await (const record of archiveRecords(archive, batch)) {
      n++;
      try {
        evaluation.addRecord(record);
      } catch (error) {
        throw new IntegrityError(`archive ${batch.key}: record ${n} is not a valid evidence record`, batch.seq, {
          cause: error,
        });
      }
      done++;
      if (done % 10_000 === 0) onProgress?.(done, total);
    }
  }
  onProgress?.(done, total);
}

/** The results of earlier periods the runner builds on, each checked against the hash its entry names. */
async function priorResults(results: ObjectStore, evaluation: Evaluation): Promise<Map<string, EvaluationResult>> {
  const priors = new Map<string, EvaluationResult>();
  for (const p of evaluation.priors) {
    const bytes = await results.get(p.key);
    if (bytes === undefined) throw new NotFoundError(`the result of evaluation entry ${p.seq} is missing (${p.key})`);
    const digest = toHex(sha256(bytes));
    if (digest !== p.sha256) {
      throw new IntegrityError(`the stored result ${p.key} does not hash to ${p.sha256} named in the entry`, p.seq);
    }
    priors.set(p.sha256, JSON.parse(decoder.decode(bytes)) as EvaluationResult);
  }
  return priors;
}

/** The stored result of a recorded evaluation, checked against its entry. */
export async function loadResult(ports: Pick<ContractPorts, 'results'>, body: EvaluationEntryBody, seq: number) {
  const bytes = await ports.results.get(body.result.key);
  if (bytes === undefined) throw new NotFoundError(`the result of evaluation entry ${seq} is missing`);
  if (toHex(sha256(bytes)) !== body.result.sha256) {
    throw new IntegrityError(`the stored result does not hash to ${body.result.sha256}`, seq);
  }
  return JSON.parse(decoder.decode(bytes)) as EvaluationResult;
}

// ---- Reading an evidence archive

/** Records of an archive (header line, then one canonical record per line), checked against its SHA-256. */
export async function* archiveRecords(
  store: ObjectStore,
  batch: { readonly key: string; readonly sha256: string; readonly seq: number; readonly recordCount: number },
): AsyncGenerator<StoredRecord> {
  const hash = new StreamingSha256();
  let pending = new Uint8Array(0);
  let header = true;
  let count = 0;
  for await (const chunk of store.stream(batch.key)) {
    hash.update(chunk);
    const joined = pending.length === 0 ? chunk : concat(pending, chunk);
    let start = 0;
    for (let i = joined.indexOf(ARCHIVE_LINE_END); i >= 0; i = joined.indexOf(ARCHIVE_LINE_END, start)) {
      const line = joined.subarray(start, i);
      start = i + 1;
      if (header) {
        header = false;
        continue;
      }
      count++;
      let record: StoredRecord;
      try {
        record = JSON.parse(decoder.decode(line)) as StoredRecord;
      } catch (error) {
        throw new IntegrityError(`archive ${batch.key}: record ${count} is not JSON`, batch.seq, { cause: error });
      }
      if (!looksLikeRecord(record)) {
        throw new IntegrityError(`archive ${batch.key}: record ${count} is not a record`, batch.seq);
      }
      yield record;
    }
    pending = joined.slice(start);
  }
  if (pending.length > 0) throw new IntegrityError(`archive ${batch.key} does not end with a line feed`, batch.seq);
  if (hash.hex() !== batch.sha256) {
    throw new IntegrityError(`archive ${batch.key} does not hash to ${batch.sha256} named in the entry`, batch.seq);
  }
  if (count !== batch.recordCount) {
    throw new IntegrityError(
      `archive ${batch.key} holds ${count} records, the entry says ${batch.recordCount}`,
      batch.seq,
    );
  }
}

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;

/** The fields every stored record has, cheaply checked (the archive's hash is known only at its end). */
function looksLikeRecord(value: unknown): value is StoredRecord {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.eventId === 'string' &&
    typeof r.participant === 'string' &&
    typeof r.type === 'string' &&
    typeof r.date === 'string' &&
    DATE.test(r.date)
  );
}

// ---- Small byte helpers

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Incremental SHA-256 over chunks. */
class StreamingSha256 {
  readonly #hash = createSha256();
  update(chunk: Uint8Array): void {
    this.#hash.update(chunk);
  }
  hex(): string {
    return this.#hash.hex();
  }
}
