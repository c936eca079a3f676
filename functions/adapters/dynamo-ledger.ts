/**
 * The contract logs on DynamoDB: the adapter the use cases and the API read
 * and append through. Appends go through the append protocol
 * (ledger-append.ts), checkpoints through ledger-checkpoints.ts; this class
 * reads the rest: HEAD, roots and proofs at any size (O(log n) node reads),
 * entries, stored hashes for verification, committed records, the list of
 * logs and receipts. The items and their keys: ledger-items.ts.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Clock } from '#kernel';
import { IntegrityError, NotFoundError, ValidationError } from '#kernel';
import {
  consistencyPlan,
  foldRange,
  GENESIS_PREV,
  inclusionPlan,
  type NodeId,
  rangeNodes,
  rootFromFrontier,
  type WitnessAnswer,
} from '#ledger';
import { DynamoIo, type RetryPolicy } from './dynamo-io.ts';
import { type AppendReceipt, type AppendRequest, LedgerAppender } from './ledger-append.ts';
import * as checkpoints from './ledger-checkpoints.ts';
import {
  entrySk,
  type Head,
  headKey,
  keySk,
  type LedgerDb,
  type LedgerTables,
  LOGS_PK,
  logPk,
  nodeSk,
  recordsPk,
} from './ledger-items.ts';
import * as witnesses from './ledger-witnesses.ts';

export type { RetryPolicy } from './dynamo-io.ts';
export {
  type AppendReceipt,
  type AppendRequest,
  type CommitCondition,
  FenceLostError,
} from './ledger-append.ts';
export type { Head, LedgerTables } from './ledger-items.ts';

export interface DynamoLedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tables: LedgerTables;
  readonly clock?: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** Injected for deterministic tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /**
   * Called with each checkpoint this instance newly stores (e.g. to push it
   * to witnesses); returns the note as stored afterwards.
   */
  readonly afterCheckpoint?: (contract: string, size: number, note: string) => Promise<string>;
}

const systemClock: Clock = { now: () => new Date() };

export class DynamoLedger {
  readonly #ledger: LedgerDb;
  readonly #appender: LedgerAppender;
  readonly #afterCheckpoint: ((contract: string, size: number, note: string) => Promise<string>) | undefined;

  constructor(options: DynamoLedgerOptions) {
    this.#ledger = { io: new DynamoIo(options), tables: options.tables };
    this.#afterCheckpoint = options.afterCheckpoint;
    this.#appender = new LedgerAppender(this.#ledger, options.clock ?? systemClock, (contract) => this.head(contract));
  }

  /** Items read from DynamoDB by this instance (for tests and benchmarks of proof cost). */
  get itemsRead(): number {
    return this.#ledger.io.itemsRead;
  }

  /** Appends one entry, exactly once per idempotency key (ledger-append.ts). */
  append(request: AppendRequest): Promise<AppendReceipt> {
    return this.#appender.append(request);
  }

  /** The HEAD of a contract's log; an empty log when it has none. */
  async head(contract: string): Promise<Head> {
    const item = await this.#ledger.io.get(this.#ledger.tables.ledger, headKey(contract));
    if (!item) {
      // A log written before HEAD items had their own partition: refuse rather than start it again at 0.
      if (await this.#ledger.io.get(this.#ledger.tables.ledger, { pk: logPk(contract), sk: 'HEAD' })) {
        throw new IntegrityError(
          `the log of ${contract} was written by an older sib-ledger (HEAD under ${logPk(contract)}); recreate the local data dir`,
        );
      }
      return { size: 0, last: GENESIS_PREV, root: rootFromFrontier([]), frontier: [] };
    }
    const { size, last, root, frontier } = item;
    const isHash = (h: unknown) => h instanceof Uint8Array && h.length === 32;
    if (
      !Number.isSafeInteger(size) ||
      (size as number) < 1 ||
      typeof last !== 'string' ||
      !isHash(root) ||
      !Array.isArray(frontier) ||
      !frontier.every(isHash)
    ) {
      throw new IntegrityError(`the HEAD item of ${contract} is malformed`);
    }
    return { size: size as number, last, root: root as Uint8Array, frontier: frontier as Uint8Array[] };
  }

  /** Root of the tree at any size up to HEAD: O(log n) node reads. */
  async rootAt(contract: string, size: number): Promise<Uint8Array> {
    await this.#requireSize(contract, size);
    if (size === 0) return rootFromFrontier([]);
    const ids = rangeNodes(0, size);
    return foldRange(await this.nodes(contract, ids));
  }

  /** Inclusion proof of entry `seq` in the tree of `size` (default: HEAD). */
  async inclusionProof(
    contract: string,
    seq: number,
    size?: number,
  ): Promise<{ seq: number; size: number; leafHash: Uint8Array; proof: Uint8Array[]; root: Uint8Array }> {
    const treeSize = size ?? (await this.head(contract)).size;
    await this.#requireSize(contract, treeSize);
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= treeSize) {
      throw new ValidationError(`seq ${seq} is not in a tree of size ${treeSize}`, [
        { field: 'seq', message: `must be from 0 to ${treeSize - 1}` },
      ]);
    }
    const plan = inclusionPlan(seq, treeSize);
    const rootIds = rangeNodes(0, treeSize);
    const leafId = { level: 0, index: seq };
    const hashes = await this.#nodeMap(contract, [leafId, ...plan.flat(), ...rootIds]);
    const pick = (ids: NodeId[]) => foldRange(ids.map((id) => hashes.get(nodeSk(id)) as Uint8Array));
    return {
      seq,
      size: treeSize,
      leafHash: pick([leafId]),
      proof: plan.map(pick),
      root: pick(rootIds),
    };
  }

  /** Consistency proof between two sizes (newSize default: HEAD). */
  async consistencyProof(
    contract: string,
    oldSize: number,
    newSize?: number,
  ): Promise<{ oldSize: number; newSize: number; proof: Uint8Array[]; oldRoot: Uint8Array; newRoot: Uint8Array }> {
    const size = newSize ?? (await this.head(contract)).size;
    await this.#requireSize(contract, size);
    if (!Number.isSafeInteger(oldSize) || oldSize < 0 || oldSize > size) {
      throw new ValidationError(`size ${oldSize} is not a prefix of a tree of size ${size}`, [
        { field: 'oldSize', message: `must be from 0 to ${size}` },
      ]);
    }
    const plan = oldSize === 0 ? [] : consistencyPlan(oldSize, size);
    const oldIds = oldSize === 0 ? [] : rangeNodes(0, oldSize);
    const newIds = size === 0 ? [] : rangeNodes(0, size);
    const hashes = await this.#nodeMap(contract, [...plan.flat(), ...oldIds, ...newIds]);
    const pick = (ids: NodeId[]) =>
      ids.length === 0 ? rootFromFrontier([]) : foldRange(ids.map((id) => hashes.get(nodeSk(id)) as Uint8Array));
    return { oldSize, newSize: size, proof: plan.map(pick), oldRoot: pick(oldIds), newRoot: pick(newIds) };
  }

  /** Stored node hashes in the order asked; throws NotFoundError if one is missing. */
  async nodes(contract: string, ids: readonly NodeId[]): Promise<Uint8Array[]> {
    const map = await this.#nodeMap(contract, ids);
    return ids.map((id) => map.get(nodeSk(id)) as Uint8Array);
  }

  /** One entry's canonical bytes. */
  async entry(contract: string, seq: number): Promise<Uint8Array> {
    const item = await this.#ledger.io.get(this.#ledger.tables.ledger, { pk: logPk(contract), sk: entrySk(seq) });
    if (!item) throw new NotFoundError(`no entry seq ${seq} in the log of ${contract}`);
    return new TextEncoder().encode(item.entry as string);
  }

  /**
   * Entry items in key order, as stored (the sort key's seq is given beside
   * the bytes so that verification can tell a gap from a swap).
   */
  async *entries(contract: string, from = 0, to?: number): AsyncGenerator<{ keySeq: number; bytes: Uint8Array }> {
    if (to !== undefined && to <= from) return;
    const encoder = new TextEncoder();
    const upper = to === undefined ? 'E#~' : entrySk(to - 1);
    for await (const item of this.#ledger.io.query({
      ConsistentRead: true,
      TableName: this.#ledger.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': logPk(contract), ':from': entrySk(from), ':to': upper },
    })) {
      yield { keySeq: Number((item.sk as string).slice(2)), bytes: encoder.encode(item.entry as string) };
    }
  }

  /**
   * The latest entries of one kind below seq `before` (default: all), newest
   * first, at most `limit` of them; `next` is the seq to pass as `before` for
   * the page after, when more may follow. Filtered on the entry item's `kind`
   * attribute, so a page reads the entries it walks past, not the whole log.
   * (The operator's batch history: GET /contracts/{contract}/batches.)
   */
  async entriesOfKind(
    contract: string,
    kind: string,
    options: { readonly before?: number; readonly limit: number },
  ): Promise<{ entries: { seq: number; hash: string; bytes: Uint8Array }[]; next?: number }> {
    const encoder = new TextEncoder();
    const out: { seq: number; hash: string; bytes: Uint8Array }[] = [];
    const upper = options.before === undefined ? 'E#~' : entrySk(options.before - 1);
    if (options.before !== undefined && options.before <= 0) return { entries: out };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.#ledger.io.queryPage({
        ConsistentRead: true,
        TableName: this.#ledger.tables.ledger,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        FilterExpression: '#kind = :kind',
        ExpressionAttributeNames: { '#kind': 'kind' },
        ExpressionAttributeValues: { ':pk': logPk(contract), ':from': entrySk(0), ':to': upper, ':kind': kind },
        ScanIndexForward: false,
        Limit: Math.max(options.limit - out.length, 1) * 2 + 8,
        ...(start === undefined ? {} : { ExclusiveStartKey: start }),
      });
      for (const item of page.items) {
        if (out.length === options.limit) {
          const last = out[out.length - 1] as { seq: number };
          return { entries: out, next: last.seq };
        }
        out.push({
          seq: Number((item.sk as string).slice(2)),
          hash: item.hash as string,
          bytes: encoder.encode(item.entry as string),
        });
      }
      start = page.lastEvaluatedKey;
    } while (start !== undefined && out.length < options.limit);
    if (start !== undefined && out.length > 0) {
      const last = out[out.length - 1] as { seq: number };
      return { entries: out, next: last.seq };
    }
    return { entries: out };
  }

  /** Stored leaf hashes (level-0 nodes) below `size`, in order, to cross-check entries during verification. */
  async *leafHashes(contract: string, size: number): AsyncGenerator<{ index: number; hash: Uint8Array }> {
    if (size <= 0) return;
    for await (const item of this.#ledger.io.query({
      ConsistentRead: true,
      TableName: this.#ledger.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': logPk(contract),
        ':from': nodeSk({ level: 0, index: 0 }),
        ':to': nodeSk({ level: 0, index: size - 1 }),
      },
    })) {
      yield { index: Number((item.sk as string).slice(5)), hash: item.h as Uint8Array };
    }
  }

  /** Stored interior nodes (level 1 and up), ordered by level, then index. */
  async *interiorNodes(contract: string): AsyncGenerator<{ level: number; index: number; hash: Uint8Array }> {
    for await (const item of this.#ledger.io.query({
      ConsistentRead: true,
      TableName: this.#ledger.tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': logPk(contract), ':from': 'N#01#', ':to': 'N#99#~' },
    })) {
      const sk = item.sk as string;
      yield { level: Number(sk.slice(2, 4)), index: Number(sk.slice(5)), hash: item.h as Uint8Array };
    }
  }

  /** Records committed by an append, in order; none while the entry is not committed. */
  async committedRecords(contract: string, idempotencyKey: string): Promise<Record<string, unknown>[]> {
    const key = await this.#ledger.io.get(this.#ledger.tables.ledger, {
      pk: logPk(contract),
      sk: keySk(idempotencyKey),
    });
    if (!key) return [];
    const receipt = key.receipt as AppendReceipt;
    const out: Record<string, unknown>[] = [];
    for await (const item of this.#ledger.io.query({
      ConsistentRead: true,
      TableName: this.#ledger.tables.records,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': recordsPk(contract, receipt.contentHash) },
    })) {
      if (out.length < receipt.recordCount) out.push(JSON.parse(item.record as string));
    }
    return out;
  }

  /** Stores a signed checkpoint note for `size`, once; returns the stored note. */
  async saveCheckpoint(contract: string, size: number, note: string): Promise<string> {
    const stored = await checkpoints.saveCheckpoint(this.#ledger, contract, size, note);
    return stored === note && this.#afterCheckpoint !== undefined
      ? this.#afterCheckpoint(contract, size, stored)
      : stored;
  }

  /** The checkpoint note published for `size`, if any. */
  checkpointAt(contract: string, size: number): Promise<string | undefined> {
    return checkpoints.checkpointAt(this.#ledger, contract, size);
  }

  /** Adds a witness's cosignature to the published checkpoint of `size` (ledger-checkpoints.ts); returns the stored note. */
  addCosignature(contract: string, size: number, cosignedNote: string): Promise<string> {
    return checkpoints.addCosignature(this.#ledger, contract, size, cosignedNote);
  }

  /** Remembers a witness's answer to a checkpoint push, off the log (ledger-witnesses.ts). */
  saveWitnessAnswer(contract: string, answer: WitnessAnswer, at: string): Promise<void> {
    return witnesses.saveWitnessAnswer(this.#ledger, contract, answer, at);
  }

  /** Each witness's last cosignature and last refusal of the log's checkpoints, by URL (ledger-witnesses.ts). */
  witnessAnswers(contract: string): Promise<witnesses.WitnessAnswers[]> {
    return witnesses.witnessAnswers(this.#ledger, contract);
  }

  /** Every contract with a log, in id order. */
  async *logs(): AsyncGenerator<string> {
    for await (const item of this.#ledger.io.query({
      TableName: this.#ledger.tables.ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LOGS_PK },
      ConsistentRead: true,
    })) {
      yield item.sk as string;
    }
  }

  /** The latest published checkpoint note, if any. */
  latestCheckpoint(contract: string): Promise<string | undefined> {
    return checkpoints.latestCheckpoint(this.#ledger, contract);
  }

  /** The receipt an idempotency key was answered with, if it was used. */
  async receipt(contract: string, idempotencyKey: string): Promise<Omit<AppendReceipt, 'replayed'> | undefined> {
    const item = await this.#ledger.io.get(this.#ledger.tables.ledger, {
      pk: logPk(contract),
      sk: keySk(idempotencyKey),
    });
    return item?.receipt as Omit<AppendReceipt, 'replayed'> | undefined;
  }

  async #nodeMap(contract: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const wanted = [...new Set(ids.map(nodeSk))];
    const items = await this.#ledger.io.batchGet(
      this.#ledger.tables.ledger,
      wanted.map((sk) => ({ pk: logPk(contract), sk })),
    );
    const found = new Map(items.map((item) => [item.sk as string, item.h as Uint8Array]));
    const missing = wanted.find((sk) => !found.has(sk));
    if (missing) throw new NotFoundError(`Merkle node ${missing} of ${contract} is missing`);
    return found;
  }

  async #requireSize(contract: string, size: number): Promise<void> {
    const head = await this.head(contract);
    if (!Number.isSafeInteger(size) || size < 0 || size > head.size) {
      throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${size} is not available`, [
        { field: 'size', message: `must be from 0 to ${head.size}` },
      ]);
    }
  }
}
