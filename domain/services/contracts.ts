import { contractIdempotencyKey, parseContractSpec, registeredVersions, specHash } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { ARCHIVE_LINE_END } from '#intake';
import {
  bytesEqual,
  ConflictError,
  canonicalBytes,
  canonicalize,
  createSha256,
  IntegrityError,
  NotFoundError,
  sha256,
  toHex,
  ValidationError,
} from '#kernel';
import {
  type Actor,
  COMPARISON_PUBLISHED_KIND,
  CONTRACT_REGISTERED_KIND,
  type ComparisonBody,
  ComparisonBodySchema,
  decodeEntry,
  type Entry,
  EVALUATION_RECORDED_KIND,
  type EvaluationEntryBody,
  entryHash,
  type Intent,
  recordedEvaluations,
  TreeBuilder,
} from '#ledger';
import { Evaluation, evaluationIdempotencyKey, evaluationKey } from './evaluation-run.ts';

/**
 * The contract use cases on top of the log: register a contract version,
 * publish a comparison figure, run and record an evaluation. Pure: the log
 * and the object store come in through ports (DynamoDB and S3 in
 * functions/adapters, in-memory in tests).
 */

export interface AppendedEntry {
  readonly seq: number;
  readonly entryHash: string;
  /** Tree size right after the entry. */
  readonly treeSize: number;
  readonly replayed: boolean;
}

/** A contract's log as the use cases need it. */
export interface ContractLog {
  size(contract: string): Promise<number>;
  /** Root of the tree at `size` (RFC 6962), read from the store. */
  rootAt(contract: string, size: number): Promise<Uint8Array>;
  /** Entry bytes (canonical JSON) of seq from..to-1, in order. */
  entries(contract: string, from: number, to: number): AsyncIterable<Uint8Array>;
  /** Appends under an idempotency key (same key and content: the original entry; other content: ConflictError). */
  append(contract: string, idempotencyKey: string, intent: Intent): Promise<AppendedEntry>;
}

/** Write-once objects (evaluation results, evidence archives). */
export interface ObjectStore {
  /** The object's bytes, or undefined if there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes as a stream (large archives); rejects if there is none. */
  stream(key: string): AsyncIterable<Uint8Array>;
  /** Stores the bytes unless the key is stored already. */
  put(key: string, body: Uint8Array, sha256: string, contentType: string): Promise<void>;
}

export interface ContractPorts {
  readonly log: ContractLog;
  /** Evidence archives (read). */
  readonly archive: ObjectStore;
  /** Evaluation results (read and write). */
  readonly results: ObjectStore;
}

/**
 * Reads and checks entries 0..size-1: each parses as a canonical entry of
 * this contract at its position, each `prev` is the hash of the one before,
 * and the leaves hash to the stored root at `size`.
 */
export async function readVerifiedEntries(
  log: ContractLog,
  contract: string,
  size: number,
): Promise<{ entries: Entry[]; root: string; hashes: string[]; bytes: Uint8Array[] }> {
  const entries: Entry[] = [];
  const hashes: string[] = [];
  const all: Uint8Array[] = [];
  const tree = new TreeBuilder();
  let prev = '0'.repeat(64);
  let seq = 0;
  for await (const bytes of log.entries(contract, 0, size)) {
    const entry = decodeEntry(bytes, seq);
    if (entry.seq !== seq || entry.contract !== contract)
      throw new IntegrityError(`entry is not entry ${seq} of ${contract}`, seq);
    if (entry.prev !== prev) throw new IntegrityError('prev does not match the hash of the previous entry', seq);
    const hash = entryHash(bytes);
    tree.push(hash);
    prev = toHex(hash);
    hashes.push(prev);
    entries.push(entry);
    all.push(bytes);
    seq++;
  }
  if (seq !== size) throw new IntegrityError(`the log has ${seq} entries where ${size} were expected`, seq);
  const root = await log.rootAt(contract, size);
  if (!bytesEqual(tree.root(), root)) {
    throw new IntegrityError(`the entries do not hash to the stored root at size ${size}`, size - 1);
  }
  return { entries, root: toHex(root), hashes, bytes: all };
}

/**
 * Appends under an idempotency key; if the key was used for other content
 * only because another actor appended the same body (the same spec, figure
 * or evaluation), answers with that entry, replayed. Entries from seq `from`
 * on are searched; anything else stays a conflict.
 */
async function appendOnce(
  log: ContractLog,
  contract: string,
  idempotencyKey: string,
  intent: Intent,
  from: number,
): Promise<AppendedEntry> {
  try {
    return await log.append(contract, idempotencyKey, intent);
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    const body = toHex(canonicalBytes(intent.body));
    const size = await log.size(contract);
    let seq = from;
    for await (const bytes of log.entries(contract, from, size)) {
      const entry = decodeEntry(bytes, seq);
      if (entry.kind === intent.kind && toHex(canonicalBytes(entry.body)) === body) {
        return { seq: entry.seq, entryHash: toHex(entryHash(bytes)), treeSize: entry.seq + 1, replayed: true };
      }
      seq++;
    }
    throw error;
  }
}

// ---- Register

export interface RegistrationReceipt {
  readonly contract: string;
  readonly version: number;
  readonly specHash: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly replayed: boolean;
}

/**
 * Registers a contract version as a `contract.registered` entry. Version 1
 * first, then each amendment as the next version, effective on or after the
 * previous version's date; the same version with the same spec again
 * returns the original entry; with another spec it is a conflict.
 */
export async function registerContract(
  ports: ContractPorts,
  value: unknown,
  actor: Actor,
): Promise<RegistrationReceipt> {
  const spec = parseContractSpec(value);
  const hash = specHash(spec);
  const size = await ports.log.size(spec.id);
  const { entries, hashes } = await readVerifiedEntries(ports.log, spec.id, size);
  const versions = registeredVersions(entries);
  const same = versions.find((v) => v.spec.version === spec.version);
  if (same !== undefined) {
    if (same.hash !== hash) {
      throw new ConflictError(
        `version ${spec.version} of ${spec.id} is registered with other terms (spec hash ${same.hash}, this spec ${hash}); an amendment is a new version`,
        { registered: same.hash, submitted: hash },
      );
    }
    // The same terms again (whoever registers them): the original entry.
    const seq = same.seq;
    return {
      contract: spec.id,
      version: spec.version,
      specHash: hash,
      seq,
      entryHash: hashes[seq] as string,
      replayed: true,
    };
  }
  const latest = versions.at(-1);
  const expected = (latest?.spec.version ?? 0) + 1;
  if (spec.version !== expected) {
    throw new ValidationError(`contract spec ${spec.id} cannot be registered`, [
      { field: 'version', message: `must be ${expected}: versions are registered in order` },
    ]);
  }
  if (latest !== undefined && spec.effectiveFrom < latest.spec.effectiveFrom) {
    throw new ValidationError(`contract spec ${spec.id} cannot be registered`, [
      {
        field: 'effectiveFrom',
        message: `must not be before ${latest.spec.effectiveFrom}, when version ${latest.spec.version} took effect`,
      },
    ]);
  }
  const appended = await appendOnce(
    ports.log,
    spec.id,
    contractIdempotencyKey(spec.version),
    {
      kind: CONTRACT_REGISTERED_KIND,
      actor,
      // The spec as JSON (no undefined-valued keys): exactly what its hash covers.
      body: {
        version: spec.version,
        effectiveFrom: spec.effectiveFrom,
        specHash: hash,
        spec: JSON.parse(canonicalize(spec)),
      },
    },
    size,
  );
  return {
    contract: spec.id,
    version: spec.version,
    specHash: hash,
    seq: appended.seq,
    entryHash: appended.entryHash,
    replayed: appended.replayed,
  };
}

/** The registered versions of a contract, in order. */
export async function contractVersions(ports: Pick<ContractPorts, 'log'>, contract: string) {
  const size = await ports.log.size(contract);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  return registeredVersions(entries);
}

// ---- Publish a comparison figure

/**
 * Publishes a comparison-group figure (`comparison.published`, by the
 * evaluator). The comparison must be a `published` comparison of the latest
 * version, the group `all` or a cohort it is computed for.
 */
export async function publishComparison(
  ports: Pick<ContractPorts, 'log'>,
  contract: string,
  value: unknown,
  actor: Actor,
): Promise<{ seq: number; entryHash: string; replayed: boolean }> {
  const parsed = ComparisonBodySchema.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      'comparison figure is invalid',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
    );
  }
  const body: ComparisonBody = parsed.data;
  const versions = await contractVersions(ports, contract);
  const spec = versions.at(-1)?.spec;
  if (spec === undefined) throw new NotFoundError(`contract ${contract} is not registered`);
  const comparison = spec.comparisons.find((c) => c.id === body.comparison);
  if (comparison === undefined || comparison.kind !== 'published') {
    const names = spec.comparisons.filter((c) => c.kind === 'published').map((c) => c.id);
    throw new ValidationError('comparison figure is invalid', [
      {
        field: 'comparison',
        message: `must be a published comparison of ${contract} (${names.join(', ') || 'it has none'})`,
      },
    ]);
  }
  const groups = ['all', ...(comparison.groupBy === 'cohort' ? spec.cohorts : [])];
  if (!groups.includes(body.group)) {
    throw new ValidationError('comparison figure is invalid', [
      { field: 'group', message: `must be one of: ${groups.join(', ')}` },
    ]);
  }
  if (body.period !== undefined && !spec.periods.some((p) => p.id === body.period)) {
    throw new ValidationError('comparison figure is invalid', [
      { field: 'period', message: `must be a period of ${contract}: ${spec.periods.map((p) => p.id).join(', ')}` },
    ]);
  }
  const digest = toHex(sha256(canonicalBytes(body))).slice(0, 32);
  const appended = await appendOnce(
    ports.log,
    contract,
    `comparison:${digest}`,
    { kind: COMPARISON_PUBLISHED_KIND, actor, body: body as never },
    0,
  );
  return { seq: appended.seq, entryHash: appended.entryHash, replayed: appended.replayed };
}

// ---- Evaluate

export interface EvaluationRun {
  readonly result: EvaluationResult;
  readonly sha256: string;
  readonly key: string;
  /** The canonical bytes stored. */
  readonly bytes: Uint8Array;
  readonly entry: AppendedEntry;
}

const decoder = new TextDecoder('utf-8', { fatal: true });

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

/**
 * Evaluates a period at a checkpoint (default: the log's current size),
 * stores the canonical result and records an `evaluation.recorded` entry.
 * The same period at the same checkpoint gives the same bytes and the same
 * entry (replayed).
 */
export async function runEvaluation(
  ports: ContractPorts,
  request: {
    readonly contract: string;
    readonly period: string;
    readonly checkpoint?: number;
    readonly actor: Actor;
    readonly onProgress?: (done: number, total: number) => void;
  },
): Promise<EvaluationRun> {
  const { result, bytes, sha256: digest } = await computeEvaluation(ports, request);
  await checkStillEvaluable(ports.log, request.contract, request.period, result.checkpoint.size);
  const key = evaluationKey(request.contract, request.period, digest);
  await ports.results.put(key, bytes, digest, 'application/json');
  const body: EvaluationEntryBody = {
    period: request.period,
    checkpoint: result.checkpoint,
    contract: { version: result.contract.version, hash: result.contract.hash },
    result: { sha256: digest, key },
    total: result.payments.total,
    currency: result.payments.currency,
  };
  const size = result.checkpoint.size;
  let entry: AppendedEntry;
  try {
    entry = await appendOnce(
      ports.log,
      request.contract,
      evaluationIdempotencyKey(request.period, size),
      { kind: EVALUATION_RECORDED_KIND, actor: request.actor, body: body as never },
      size,
    );
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    // The same period at the same checkpoint was recorded with another result: the inputs cannot
    // differ (the checkpoint fixes them), so the evaluation software did.
    const current = await ports.log.size(request.contract);
    const { entries } = await readVerifiedEntries(ports.log, request.contract, current);
    const recorded = recordedEvaluations(entries).find(
      (r) => r.period === request.period && r.checkpoint.size === size,
    );
    throw new ConflictError(
      `period ${request.period} at checkpoint ${size} is already evaluated (entry ${recorded?.seq ?? '?'}, result ${recorded?.result.sha256 ?? '?'}); this software computes ${digest}: evaluate at a later checkpoint to record a new calculation`,
      { period: request.period, checkpoint: size, recorded: recorded?.result.sha256 ?? '', computed: digest },
      { cause: error },
    );
  }
  return { result, sha256: digest, key, bytes, entry };
}

/**
 * An evaluation at an old checkpoint reads an old prefix; recording it must
 * still respect the log as it is now (periods in order, nothing recalculated
 * once attested or once a later period is evaluated). The same evaluation
 * recorded before (same period and checkpoint) is let through: it replays.
 */
async function checkStillEvaluable(log: ContractLog, contract: string, period: string, size: number): Promise<void> {
  const current = await log.size(contract);
  if (current === size) return;
  const { entries, root } = await readVerifiedEntries(log, contract, current);
  if (recordedEvaluations(entries).some((r) => r.period === period && r.checkpoint.size === size)) return;
  // The constructor's refusals, against the current log (no records are read).
  new Evaluation({ contract, period, checkpoint: { size: current, root }, entries });
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
  const total = evaluation.batches.reduce((n, b) => n + b.recordCount, 0);
  let done = 0;
  for (const batch of evaluation.batches) {
    let n = 0;
    for await (const record of archiveRecords(ports.archive, batch)) {
      n++;
      try {
        evaluation.addRecord(record);
      } catch (error) {
        throw new IntegrityError(`archive ${batch.key}: record ${n} is not a valid evidence record`, batch.seq, {
          cause: error,
        });
      }
      done++;
      if (done % 10_000 === 0) request.onProgress?.(done, total);
    }
  }
  request.onProgress?.(done, total);
  const priors = new Map<string, EvaluationResult>();
  for (const p of evaluation.priors) {
    const bytes = await ports.results.get(p.key);
    if (bytes === undefined) throw new NotFoundError(`the result of evaluation entry ${p.seq} is missing (${p.key})`);
    const digest = toHex(sha256(bytes));
    if (digest !== p.sha256) {
      throw new IntegrityError(`the stored result ${p.key} does not hash to ${p.sha256} named in the entry`, p.seq);
    }
    priors.set(p.sha256, JSON.parse(decoder.decode(bytes)) as EvaluationResult);
  }
  const result = evaluation.finish(priors);
  const encoded = encodeResult(result);
  return { result, ...encoded };
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
