import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '#kernel';
import { ConflictError, canonicalBytes, IntegrityError, NotFoundError, sha256, toHex, ValidationError } from '#kernel';
import {
  appendLeaf,
  ContractIdSchema,
  consistencyPlan,
  type Entry,
  encodeEntry,
  entryHash,
  foldRange,
  GENESIS_PREV,
  type Intent,
  inclusionPlan,
  mergeCosignatures,
  type NodeId,
  parseIntent,
  rangeNodes,
  rootFromFrontier,
  rootFromLeaves,
} from '#ledger';
import { DynamoIo, isRetryable, type RetryPolicy } from './dynamo-io.ts';
import { HEAD_PK_PREFIX } from './storage-layout.ts';

/**
 * The contract logs on DynamoDB (ARCHITECTURE.md, "Append protocol").
 *
 * Item collection of a contract (pk = LOG#<contract>):
 *   HEAD                      size, last entry hash, root, frontier (compact range)
 *   E#<seq>                   entry: canonical JSON text and its hash
 *   N#<level>#<index>         every perfect Merkle subtree, written as it completes
 *   K#<idempotency key>       permanent: intent hash -> receipt
 *   C#<size>                  published signed checkpoints (note), with witnesses' cosignatures
 * Evidence records live in the records table under B#<contract>#<content hash>
 * and count only once the entry that commits them exists.
 */

export interface LedgerTables {
  readonly ledger: string;
  readonly records: string;
}

export interface AppendRequest {
  readonly contract: string;
  /** Client-chosen; the same key with the same content always yields the same receipt. */
  readonly idempotencyKey: string;
  readonly intent: Intent;
  /** Records written before the entry (step 1); visible only once the entry commits. */
  readonly records?: readonly Record<string, unknown>[];
  /**
   * Extra conditions the commit transaction checks (e.g. that the writer
   * still holds an ingest lease); if one fails nothing is written and the
   * append fails with FenceLostError.
   */
  readonly conditions?: readonly CommitCondition[];
}

export interface CommitCondition {
  readonly TableName: string;
  readonly Key: Record<string, string>;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames?: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** A commit condition (AppendRequest.conditions) no longer held: nothing was appended. */
export class FenceLostError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FenceLostError';
  }
}

export interface AppendReceipt {
  readonly contract: string;
  readonly idempotencyKey: string;
  /** SHA-256 (hex) of the canonical {intent, records}: what the key is bound to. */
  readonly contentHash: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly at: string;
  /** Tree size and root (hex) right after this entry. */
  readonly treeSize: number;
  readonly root: string;
  readonly recordCount: number;
  /** Root (hex) of the RFC 6962 tree over the canonical records, when there are any. */
  readonly recordsRoot?: string;
  /** True when this call found the entry already appended by an earlier call. */
  readonly replayed: boolean;
}

export interface Head {
  readonly size: number;
  readonly last: string;
  readonly root: Uint8Array;
  readonly frontier: readonly Uint8Array[];
}

export type { RetryPolicy } from './dynamo-io.ts';

export interface DynamoLedgerOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tables: LedgerTables;
  readonly clock?: Clock;
  readonly retry?: Partial<RetryPolicy>;
  /** Injected for deterministic tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

const pad = (n: number) => n.toString().padStart(16, '0');
const logPk = (contract: string) => `LOG#${contract}`;
/**
 * A log's HEAD item: its own partition (HEAD#<contract>), so that IAM can
 * allow UpdateItem on HEAD items and nothing else (dynamodb:LeadingKeys).
 */
const headKey = (contract: string) => ({ pk: `${HEAD_PK_PREFIX}${contract}`, sk: 'HEAD' });
/** The partition listing every log (sk = the contract id), written with each log's first entry. */
const LOGS_PK = 'LOGS';
const entrySk = (seq: number) => `E#${pad(seq)}`;
const nodeSk = (id: NodeId) => `N#${id.level.toString().padStart(2, '0')}#${pad(id.index)}`;
const keySk = (key: string) => `K#${key}`;
const checkpointSk = (size: number) => `C#${pad(size)}`;
const recordsPk = (contract: string, contentHash: string) => `B#${contract}#${contentHash}`;

const systemClock: Clock = { now: () => new Date() };

export class DynamoLedger {
  readonly #io: DynamoIo;
  readonly #db: DynamoDBDocumentClient;
  readonly #tables: LedgerTables;
  readonly #clock: Clock;
  /** HEAD per contract as this instance last wrote or saw it: a guess, checked by the append's condition. */
  readonly #heads = new Map<string, Head>();

  constructor(options: DynamoLedgerOptions) {
    this.#io = new DynamoIo(options);
    this.#db = options.client;
    this.#tables = options.tables;
    this.#clock = options.clock ?? systemClock;
  }

  /** Items read from DynamoDB by this instance (for tests and benchmarks of proof cost). */
  get itemsRead(): number {
    return this.#io.itemsRead;
  }

  /** Appends one entry, exactly once per idempotency key. */
  async append(request: AppendRequest): Promise<AppendReceipt> {
    const { contract, idempotencyKey } = request;
    if (!ContractIdSchema.safeParse(contract).success) {
      throw new ValidationError('invalid contract id', [
        { field: 'contract', message: 'lower-case letters, digits and inner hyphens, at most 64' },
      ]);
    }
    if (!IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new ValidationError('invalid idempotency key', [
        {
          field: 'idempotencyKey',
          message: 'letters, digits and . _ : / - (at most 128), starting with a letter or digit',
        },
      ]);
    }
    const intent = parseIntent(request.intent);
    const records = request.records ?? [];
    const recordBytes = records.map((record) => canonicalBytes(record));
    const contentHash = toHex(sha256(canonicalBytes({ intent, records })));
    const recordsRoot = records.length > 0 ? toHex(rootFromLeaves(recordBytes)) : undefined;

    if (records.length > 0) {
      // Before writing records, not after: a replayed batch writes nothing.
      // (Without records the transaction's own condition on the key is enough.)
      const existing = await this.#receiptFor(contract, idempotencyKey, contentHash);
      if (existing) return existing;
      // Step 1: records, idempotently, under a content-addressed key so a retry
      // with other content never overwrites them and no reader trusts them yet.
      await this.#writeRecords(contract, contentHash, recordBytes);
    }

    for (let attempt = 1, contention = 0; ; ) {
      // Step 2: the HEAD: as this writer last left it (a stale guess fails the
      // condition below, which hands back the current one), else read.
      const head = this.#heads.get(contract) ?? (await this.head(contract));
      const seq = head.size;
      const entry: Entry = {
        v: 1,
        contract,
        seq,
        kind: intent.kind,
        at: this.#clock.now().toISOString(),
        actor: intent.actor,
        body: intent.body,
        prev: head.last,
      };
      const bytes = encodeEntry(entry);
      const hash = entryHash(bytes);
      const next = appendLeaf(head.frontier, head.size, hash);
      const root = rootFromFrontier(next.frontier);
      const receipt: AppendReceipt = {
        contract,
        idempotencyKey,
        contentHash,
        seq,
        entryHash: toHex(hash),
        at: entry.at,
        treeSize: seq + 1,
        root: toHex(root),
        recordCount: records.length,
        ...(recordsRoot === undefined ? {} : { recordsRoot }),
        replayed: false,
      };
      // Step 3: one transaction moves HEAD, adds the entry, its completed
      // Merkle nodes and the permanent idempotency item, or does nothing.
      try {
        await this.#db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.#tables.ledger,
                  Key: headKey(contract),
                  UpdateExpression: 'SET #size = :size, #last = :last, #root = :root, #frontier = :frontier',
                  ConditionExpression: seq === 0 ? 'attribute_not_exists(pk)' : '#size = :expected',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
                  ExpressionAttributeNames: {
                    '#size': 'size',
                    '#last': 'last',
                    '#root': 'root',
                    '#frontier': 'frontier',
                  },
                  ExpressionAttributeValues: {
                    ':size': seq + 1,
                    ':last': receipt.entryHash,
                    ':root': root,
                    ':frontier': next.frontier,
                    ...(seq === 0 ? {} : { ':expected': seq }),
                  },
                },
              },
              {
                Put: {
                  TableName: this.#tables.ledger,
                  Item: { pk: logPk(contract), sk: keySk(idempotencyKey), receipt: storedReceipt(receipt) },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              {
                Put: {
                  TableName: this.#tables.ledger,
                  Item: {
                    pk: logPk(contract),
                    sk: entrySk(seq),
                    entry: new TextDecoder().decode(bytes),
                    hash: receipt.entryHash,
                    kind: entry.kind,
                  },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              },
              ...next.completed.map((node) => ({
                Put: {
                  TableName: this.#tables.ledger,
                  Item: { pk: logPk(contract), sk: nodeSk(node.id), h: node.hash },
                  ConditionExpression: 'attribute_not_exists(pk)',
                },
              })),
              // A new log enters the list of logs (the checkpoint publisher reads it).
              ...(seq === 0
                ? [
                    {
                      Put: {
                        TableName: this.#tables.ledger,
                        Item: { pk: LOGS_PK, sk: contract },
                        ConditionExpression: 'attribute_not_exists(pk)',
                      },
                    },
                  ]
                : []),
              // Last, so that the indexes of the actions above stay fixed.
              ...(request.conditions ?? []).map((ConditionCheck) => ({ ConditionCheck })),
            ],
          }),
        );
        this.#heads.set(contract, { size: seq + 1, last: receipt.entryHash, root, frontier: next.frontier });
        return receipt;
      } catch (error) {
        this.#heads.delete(contract);
        const reasons = cancellationReasons(error);
        if (reasons?.[1] === 'ConditionalCheckFailed') {
          // Another call with this key committed first (a retry racing its original).
          const replay = await this.#receiptFor(contract, idempotencyKey, contentHash);
          if (replay) return replay;
        }
        const fenceAt = 3 + next.completed.length + (seq === 0 ? 1 : 0);
        if (reasons?.slice(fenceAt).some((r) => r === 'ConditionalCheckFailed')) {
          throw new FenceLostError(`a commit condition of ${contract} no longer holds; nothing was appended`, {
            cause: error,
          });
        }
        const contended = reasons?.[0] === 'ConditionalCheckFailed' || reasons?.[2] === 'ConditionalCheckFailed';
        const transient = reasons
          ? reasons.some((r) => r !== undefined && RETRYABLE_REASONS.has(r))
          : isRetryable(error);
        if (transient) {
          if (attempt >= this.#io.retry.maxAttempts) throw error;
          await this.#io.backoff(attempt++);
        } else if (contended) {
          if (++contention >= this.#io.retry.maxContention) throw error;
          const current = currentHead(error);
          if (current) this.#heads.set(contract, current);
          // Short jitter: HEAD moves every few milliseconds under contention.
          await this.#io.sleep(Math.floor(this.#io.random() * Math.min(4, contention)));
        } else throw error;
      }
    }
  }

  /** The HEAD of a contract's log; an empty log when it has none. */
  async head(contract: string): Promise<Head> {
    const item = await this.#io.get(this.#tables.ledger, headKey(contract));
    if (!item) {
      // A log written before HEAD items had their own partition: refuse rather than start it again at 0.
      if (await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: 'HEAD' })) {
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
    const item = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: entrySk(seq) });
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
    for await (const item of this.#io.query({
      ConsistentRead: true,
      TableName: this.#tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': logPk(contract), ':from': entrySk(from), ':to': upper },
    })) {
      yield { keySeq: Number((item.sk as string).slice(2)), bytes: encoder.encode(item.entry as string) };
    }
  }

  /** Stored leaf hashes (level-0 nodes) below `size`, in order, to cross-check entries during verification. */
  async *leafHashes(contract: string, size: number): AsyncGenerator<{ index: number; hash: Uint8Array }> {
    if (size <= 0) return;
    for await (const item of this.#io.query({
      ConsistentRead: true,
      TableName: this.#tables.ledger,
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
    for await (const item of this.#io.query({
      ConsistentRead: true,
      TableName: this.#tables.ledger,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':pk': logPk(contract), ':from': 'N#01#', ':to': 'N#99#~' },
    })) {
      const sk = item.sk as string;
      yield { level: Number(sk.slice(2, 4)), index: Number(sk.slice(5)), hash: item.h as Uint8Array };
    }
  }

  /** Records committed by an append, in order; none while the entry is not committed. */
  async committedRecords(contract: string, idempotencyKey: string): Promise<Record<string, unknown>[]> {
    const key = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: keySk(idempotencyKey) });
    if (!key) return [];
    const receipt = key.receipt as AppendReceipt;
    const out: Record<string, unknown>[] = [];
    for await (const item of this.#io.query({
      ConsistentRead: true,
      TableName: this.#tables.records,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': recordsPk(contract, receipt.contentHash) },
    })) {
      if (out.length < receipt.recordCount) out.push(JSON.parse(item.record as string));
    }
    return out;
  }

  /** Stores a signed checkpoint note for `size`, once; returns the stored note. */
  async saveCheckpoint(contract: string, size: number, note: string): Promise<string> {
    try {
      await this.#db.send(
        new PutCommand({
          TableName: this.#tables.ledger,
          Item: { pk: logPk(contract), sk: checkpointSk(size), note },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return note;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      const item = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: checkpointSk(size) });
      return item?.note as string;
    }
  }

  /** The checkpoint note published for `size`, if any. */
  async checkpointAt(contract: string, size: number): Promise<string | undefined> {
    if (!Number.isSafeInteger(size) || size < 0) return undefined;
    const item = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: checkpointSk(size) });
    return item?.note as string | undefined;
  }

  /**
   * Adds a witness's cosignature to the published checkpoint of `size`: the
   * stored note is replaced by itself plus the signature lines of
   * `cosignedNote` it lacks (mergeCosignatures: same text, existing lines
   * kept in order), on the condition that it is still the note just read.
   * A witness that lost the race to another re-reads and merges again, so
   * concurrent witnesses never drop each other's lines. The lines' signatures
   * are the caller's to check (cosignCheckpoint does). Returns the stored
   * note with every signature.
   */
  async addCosignature(contract: string, size: number, cosignedNote: string): Promise<string> {
    const key = { pk: logPk(contract), sk: checkpointSk(size) };
    for (let contention = 0; ; ) {
      const item = await this.#io.get(this.#tables.ledger, key);
      if (typeof item?.note !== 'string') {
        throw new NotFoundError(`no checkpoint of size ${size} has been published for ${contract}`);
      }
      const current = item.note;
      const merged = mergeCosignatures(current, cosignedNote);
      if (merged === current) return current;
      try {
        await this.#io.withRetry(() =>
          this.#db.send(
            // A conditional put of the whole item, not an UpdateItem: no role
            // may UpdateItem anything but HEAD items (infra/stacks).
            new PutCommand({
              TableName: this.#tables.ledger,
              Item: { ...key, note: merged },
              ConditionExpression: '#note = :current',
              ExpressionAttributeNames: { '#note': 'note' },
              ExpressionAttributeValues: { ':current': current },
            }),
          ),
        );
        return merged;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        if (++contention >= this.#io.retry.maxContention) throw error;
        await this.#io.sleep(Math.floor(this.#io.random() * Math.min(10, contention)));
      }
    }
  }

  /** Every contract with a log, in id order. */
  async *logs(): AsyncGenerator<string> {
    for await (const item of this.#io.query({
      TableName: this.#tables.ledger,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': LOGS_PK },
      ConsistentRead: true,
    })) {
      yield item.sk as string;
    }
  }

  /** The latest published checkpoint note, if any. */
  async latestCheckpoint(contract: string): Promise<string | undefined> {
    const out = await this.#io.withRetry(() =>
      this.#db.send(
        new QueryCommand({
          TableName: this.#tables.ledger,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': logPk(contract), ':prefix': 'C#' },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      ),
    );
    this.#io.itemsRead += out.Count ?? 0;
    return out.Items?.[0]?.note as string | undefined;
  }

  /** The receipt an idempotency key was answered with, if it was used. */
  async receipt(contract: string, idempotencyKey: string): Promise<Omit<AppendReceipt, 'replayed'> | undefined> {
    const item = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: keySk(idempotencyKey) });
    return item?.receipt as Omit<AppendReceipt, 'replayed'> | undefined;
  }

  async #receiptFor(contract: string, key: string, contentHash: string): Promise<AppendReceipt | undefined> {
    const item = await this.#io.get(this.#tables.ledger, { pk: logPk(contract), sk: keySk(key) });
    if (!item) return undefined;
    const stored = item.receipt as AppendReceipt;
    if (stored.contentHash !== contentHash) {
      throw new ConflictError(
        `idempotency key ${key} was already used for other content (stored ${stored.contentHash}, this request ${contentHash})`,
        { idempotencyKey: key, storedHash: stored.contentHash, requestHash: contentHash, seq: stored.seq },
      );
    }
    return { ...stored, replayed: true };
  }

  async #writeRecords(contract: string, contentHash: string, recordBytes: readonly Uint8Array[]): Promise<void> {
    const decoder = new TextDecoder();
    await this.#io.putAll(
      this.#tables.records,
      recordBytes.map((bytes, index) => ({
        pk: recordsPk(contract, contentHash),
        sk: index.toString().padStart(8, '0'),
        record: decoder.decode(bytes),
      })),
    );
  }

  async #nodeMap(contract: string, ids: readonly NodeId[]): Promise<Map<string, Uint8Array>> {
    const wanted = [...new Set(ids.map(nodeSk))];
    const items = await this.#io.batchGet(
      this.#tables.ledger,
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

/** The HEAD item DynamoDB returned with a failed HEAD condition (ReturnValuesOnConditionCheckFailure). */
function currentHead(error: unknown): Head | undefined {
  const reason = (error as { CancellationReasons?: { Code?: string; Item?: Record<string, AttributeValue> }[] })
    .CancellationReasons?.[0];
  if (reason?.Code !== 'ConditionalCheckFailed' || !reason.Item) return undefined;
  const item = unmarshall(reason.Item);
  if (typeof item.size !== 'number' || !Array.isArray(item.frontier)) return undefined;
  return {
    size: item.size,
    last: item.last as string,
    root: item.root as Uint8Array,
    frontier: item.frontier as Uint8Array[],
  };
}

/** Cancellation reason codes of a TransactionCanceledException, by action index. */
function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  const e = error as { name?: string; CancellationReasons?: { Code?: string }[] };
  if (e.name !== 'TransactionCanceledException') return undefined;
  return (e.CancellationReasons ?? []).map((reason) => (reason.Code === 'None' ? undefined : reason.Code));
}

/** The receipt as kept in the idempotency item (without the per-call `replayed`). */
function storedReceipt(receipt: AppendReceipt): Omit<AppendReceipt, 'replayed'> {
  const { replayed: _replayed, ...stored } = receipt;
  return stored;
}
