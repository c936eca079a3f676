import { publicSummary, summaryHash } from '#reports';
/**
 * The payment workflow's ports in memory: MemoryContractLog is a ContractLog
 * (real chained entries, RFC 6962 roots, idempotency keys bound to the
 * intent's content, appends conditioned on the log's size, like
 * DynamoLedger), and WorkflowLedger builds one contract's log on it: the
 * registration, evidence batches, real evaluations (evaluate() over the log,
 * as a verifier would) or synthetic evaluation entries with chosen totals (to
 * reach caps and double payments that a real evaluation would never record).
 */

import { type ContractSpec, contractIdempotencyKey, specHash } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { archiveKey } from '#intake';
import { ConflictError, canonicalBytes, LogMovedError, sha256, toHex } from '#kernel';
import {
  type Actor,
  CONTRACT_REGISTERED_KIND,
  decodeEntry,
  type Entry,
  EVALUATION_RECORDED_KIND,
  EVIDENCE_BATCH_KIND,
  type EvaluationEntryBody,
  encodeEntry,
  entryHash,
  GENESIS_PREV,
  type Intent,
  intentHash,
  parseIntent,
  rootFromLeaves,
} from '#ledger';
import type { AppendedEntry, AppendOptions, ContractLog } from '#services';
import { evaluate, evaluationIdempotencyKey, evaluationKey } from '#services';

const AT_BASE = Date.UTC(2030, 0, 1);

interface Log {
  readonly bytes: Uint8Array[];
  readonly keys: Map<string, { readonly hash: string; readonly receipt: AppendedEntry }>;
}

/** Contract logs in memory, behind the ContractLog port. */
export class MemoryContractLog implements ContractLog {
  readonly #logs = new Map<string, Log>();
  #hold = 0;
  #waiting: (() => void)[] = [];
  /** Calls to append() (answered or refused). */
  appendCalls = 0;

  #log(contract: string): Log {
    let log = this.#logs.get(contract);
    if (log === undefined) {
      log = { bytes: [], keys: new Map() };
      this.#logs.set(contract, log);
    }
    return log;
  }

  async size(contract: string): Promise<number> {
    return this.#log(contract).bytes.length;
  }

  async rootAt(contract: string, size: number): Promise<Uint8Array> {
    return rootFromLeaves(this.#log(contract).bytes.slice(0, size));
  }

  async *entries(contract: string, from: number, to: number): AsyncIterable<Uint8Array> {
    const bytes = this.#log(contract).bytes.slice(from, to);
    for (const b of bytes) {
      await Promise.resolve();
      yield b;
    }
  }

  /** The decoded entries of a contract's log. */
  entriesOf(contract: string): Entry[] {
    return this.#log(contract).bytes.map((b, i) => decodeEntry(b, i));
  }

  /**
   * The next `n` appends wait until all `n` are pending, then run in the
   * order they were called: steps started together have all read the log
   * before any of them writes.
   */
  holdAppends(n: number): void {
    this.#hold = n;
  }

  async append(
    contract: string,
    idempotencyKey: string,
    value: Intent,
    options: AppendOptions = {},
  ): Promise<AppendedEntry> {
    this.appendCalls++;
    if (this.#hold > 0) {
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        if (this.#waiting.length === this.#hold) {
          this.#hold = 0;
          const waiting = this.#waiting;
          this.#waiting = [];
          for (const release of waiting) release();
        }
      });
    }
    const intent = parseIntent(value);
    const log = this.#log(contract);
    const hash = intentHash(intent);
    const held = log.keys.get(idempotencyKey);
    if (held !== undefined) {
      if (held.hash === hash) return { ...held.receipt, replayed: true };
      throw new ConflictError(`idempotency key ${idempotencyKey} was already used for other content`, {
        idempotencyKey,
        seq: held.receipt.seq,
      });
    }
    const seq = log.bytes.length;
    if (options.expectedSize !== undefined && options.expectedSize !== seq) {
      throw new LogMovedError(contract, options.expectedSize, seq);
    }
    const last = log.bytes.at(-1);
    const entry: Entry = {
      v: 1,
      contract,
      seq,
      kind: intent.kind,
      at: new Date(AT_BASE + seq * 1000).toISOString(),
      actor: intent.actor,
      body: intent.body,
      prev: last === undefined ? GENESIS_PREV : toHex(entryHash(last)),
    };
    const bytes = encodeEntry(entry);
    log.bytes.push(bytes);
    const receipt: AppendedEntry = { seq, entryHash: toHex(entryHash(bytes)), treeSize: seq + 1, replayed: false };
    log.keys.set(idempotencyKey, { hash, receipt });
    return receipt;
  }
}

export const MINISTRY: Actor = { sub: 'ministry-registrar', role: 'ministry' };
export const CALCULATOR: Actor = { sub: 'calc-evaluator', role: 'evaluator' };

/** One contract's log on a MemoryContractLog. */
export class WorkflowLedger {
  readonly log: MemoryContractLog;
  readonly spec: ContractSpec;
  readonly results = new Map<string, EvaluationResult>();
  readonly #batches: { seq: number; records: readonly StoredRecord[] }[] = [];
  #synthetic = 0;

  private constructor(log: MemoryContractLog, spec: ContractSpec) {
    this.log = log;
    this.spec = spec;
  }

  /** A log with `spec` registered (on `log`, a new one by default). */
  static async create(spec: ContractSpec, log = new MemoryContractLog()): Promise<WorkflowLedger> {
    const ledger = new WorkflowLedger(log, spec);
    await log.append(spec.id, contractIdempotencyKey(spec.version), {
      kind: CONTRACT_REGISTERED_KIND,
      actor: MINISTRY,
      body: {
        version: spec.version,
        effectiveFrom: spec.effectiveFrom,
        specHash: specHash(spec),
        spec: spec as never,
      },
    });
    return ledger;
  }

  get contract(): string {
    return this.spec.id;
  }

  get ports(): { log: MemoryContractLog } {
    return { log: this.log };
  }

  size(): Promise<number> {
    return this.log.size(this.contract);
  }

  entries(): Entry[] {
    return this.log.entriesOf(this.contract);
  }

  async checkpoint(): Promise<{ size: number; root: string }> {
    const size = await this.size();
    return { size, root: toHex(await this.log.rootAt(this.contract, size)) };
  }

  /** Appends an evidence batch (records kept for evaluations). */
  async addBatch(records: readonly StoredRecord[]): Promise<number> {
    const content = toHex(sha256(canonicalBytes(records)));
    const batchId = `batch-${this.#batches.length + 1}`;
    const { seq } = await this.log.append(this.contract, `batch:${batchId}`, {
      kind: EVIDENCE_BATCH_KIND,
      actor: { sub: 'test-operator', role: 'operator' },
      body: {
        batchId,
        recordCount: records.length,
        archive: { key: archiveKey(this.contract, content), sha256: content },
      },
    });
    this.#batches.push({ seq, records });
    return seq;
  }

  /** Evaluates a period over the whole log (throws what the Evaluation refuses) and records it. */
  async evaluatePeriod(period: string, actor: Actor = CALCULATOR): Promise<{ seq: number; result: EvaluationResult }> {
    const checkpoint = await this.checkpoint();
    const records = this.#batches.filter((b) => b.seq < checkpoint.size).flatMap((b) => [...b.records]);
    const result = evaluate(
      { contract: this.contract, period, checkpoint, entries: this.entries() },
      records,
      this.results,
    );
    const { sha256: sha } = encodeResult(result);
    this.results.set(sha, result);
    const body: EvaluationEntryBody = {
      period,
      checkpoint,
      contract: { version: result.contract.version, hash: result.contract.hash },
      result: { sha256: sha, key: evaluationKey(this.contract, period, sha) },
      summary: summaryHash(publicSummary(result)),
      total: result.payments.total,
      currency: result.payments.currency,
    };
    const { seq } = await this.log.append(this.contract, evaluationIdempotencyKey(period, checkpoint.size), {
      kind: EVALUATION_RECORDED_KIND,
      actor,
      body: body as never,
    });
    return { seq, result };
  }

  /**
   * Records an evaluation entry with a chosen total, no evaluation behind it
   * (its result hash is made up): for the workflow's own checks.
   */
  async recordPayment(period: string, total: string, actor: Actor = CALCULATOR): Promise<number> {
    const checkpoint = await this.checkpoint();
    this.#synthetic++;
    const sha = toHex(sha256(new TextEncoder().encode(`synthetic-${this.contract}-${this.#synthetic}`)));
    const body: EvaluationEntryBody = {
      period,
      checkpoint,
      contract: { version: this.spec.version, hash: specHash(this.spec) },
      result: { sha256: sha, key: evaluationKey(this.contract, period, sha) },
      summary: sha,
      total,
      currency: this.spec.currency,
    };
    const { seq } = await this.log.append(this.contract, evaluationIdempotencyKey(period, checkpoint.size), {
      kind: EVALUATION_RECORDED_KIND,
      actor,
      body: body as never,
    });
    return seq;
  }

  /** Appends any entry (e.g. a step written around the use cases, to test the state's checks). */
  append(key: string, intent: Intent): Promise<AppendedEntry> {
    return this.log.append(this.contract, key, intent);
  }
}
