/**
 * The append protocol of the contract logs on DynamoDB (docs/ledger.md,
 * "Append"): (1) the batch's records, content-addressed and idempotent;
 * (2) the HEAD; (3) one transaction that moves HEAD, on the condition that it
 * is still the one read, and adds the entry, its completed Merkle nodes and
 * the permanent idempotency item, or does nothing. Exactly once per
 * idempotency key: the same content gets the original receipt, other content
 * is a conflict. Lost races and throttling are tried again, except by an
 * append conditioned on an expected size (the decision it carries was checked
 * on that snapshot): it fails with LogMovedError instead.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Clock } from '#kernel';
import { ConflictError, canonicalBytes, LogMovedError, sha256, toHex, ValidationError } from '#kernel';
import {
  appendLeaf,
  ContractIdSchema,
  type Entry,
  encodeEntry,
  entryHash,
  type Intent,
  parseIntent,
  rootFromFrontier,
  rootFromLeaves,
} from '#ledger';
import { isRetryable } from './dynamo-io.ts';
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
  /**
   * The tree size the entry was checked against: it commits only as entry
   * `expectedSize` (HEAD's condition), else LogMovedError and nothing is
   * written. An earlier append under the same key and content still replays.
   */
  readonly expectedSize?: number;
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

const IDEMPOTENCY_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

const RETRYABLE_REASONS = new Set(['TransactionConflict', 'ThrottlingError', 'ProvisionedThroughputExceeded']);

/** Refuses a contract id or an idempotency key an append cannot use. */
function checkKeys(contract: string, idempotencyKey: string): void {
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
}

/** An entry appended on a HEAD: its bytes, the tree after it, and the receipt the append answers. */
interface NextEntry {
  readonly bytes: Uint8Array;
  readonly next: ReturnType<typeof appendLeaf>;
  readonly root: Uint8Array;
  readonly receipt: AppendReceipt;
}

/**
 * The actions of the commit transaction, in a fixed order: HEAD (0), the
 * idempotency item (1), the entry (2), the completed nodes, the list of logs
 * (a first entry only), then the request's conditions.
 */
function commitActions(
  tables: LedgerTables,
  request: AppendRequest,
  kind: string,
  step: NextEntry,
): NonNullable<TransactWriteCommandInput['TransactItems']> {
  const { contract, idempotencyKey } = request;
  const { bytes, next, root, receipt } = step;
  const seq = receipt.seq;
  return [
    {
      Update: {
        TableName: tables.ledger,
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
        TableName: tables.ledger,
        Item: { pk: logPk(contract), sk: keySk(idempotencyKey), receipt: storedReceipt(receipt) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    {
      Put: {
        TableName: tables.ledger,
        Item: {
          pk: logPk(contract),
          sk: entrySk(seq),
          entry: new TextDecoder().decode(bytes),
          hash: receipt.entryHash,
          kind,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
    ...next.completed.map((node) => ({
      Put: {
        TableName: tables.ledger,
        Item: { pk: logPk(contract), sk: nodeSk(node.id), h: node.hash },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    })),
    // A new log enters the list of logs (the checkpoint publisher reads it).
    ...(seq === 0
      ? [
          {
            Put: {
              TableName: tables.ledger,
              Item: { pk: LOGS_PK, sk: contract },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
        ]
      : []),
    // Last, so that the indexes of the actions above stay fixed.
    ...(request.conditions ?? []).map((ConditionCheck) => ({ ConditionCheck })),
  ];
}

/** Appends entries to the contract logs; one per process and ledger (it keeps each log's HEAD as last seen). */
export class LedgerAppender {
  readonly #ledger: LedgerDb;
  readonly #clock: Clock;
  readonly #readHead: (contract: string) => Promise<Head>;
  /** HEAD per contract as this instance last wrote or saw it: a guess, checked by the append's condition. */
  readonly #heads = new Map<string, Head>();

  constructor(ledger: LedgerDb, clock: Clock, readHead: (contract: string) => Promise<Head>) {
    this.#ledger = ledger;
    this.#clock = clock;
    this.#readHead = readHead;
  }

  /** Appends one entry, exactly once per idempotency key. */
  async append(request: AppendRequest): Promise<AppendReceipt> {
    const { contract, idempotencyKey } = request;
    checkKeys(contract, idempotencyKey);
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
      // condition below, which hands back the current one), else read. A log
      // no longer at the expected size refuses the append (or replays it).
      const head = await this.#headFor(request);
      if (request.expectedSize !== undefined && head.size !== request.expectedSize) {
        return this.#replayOrMoved(request, contentHash, head.size);
      }
      const step = this.#nextEntry(request, intent, head, { contentHash, recordCount: records.length, recordsRoot });
      const { seq, entryHash: last } = step.receipt;
      const { next, root } = step;
      // Step 3: one transaction moves HEAD, adds the entry, its completed
      // Merkle nodes and the permanent idempotency item, or does nothing.
      try {
        await this.#ledger.io.db.send(
          new TransactWriteCommand({ TransactItems: commitActions(this.#ledger.tables, request, intent.kind, step) }),
        );
        this.#heads.set(contract, { size: seq + 1, last, root, frontier: next.frontier });
        return step.receipt;
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
        if (contended && request.expectedSize !== undefined) {
          // Not tried on the new HEAD: the entry's checks were made on the log at the expected size.
          const current = currentHead(error) ?? (await this.#readHead(contract));
          this.#heads.set(contract, current);
          return this.#replayOrMoved(request, contentHash, current.size, error);
        }
        const transient = reasons
          ? reasons.some((r) => r !== undefined && RETRYABLE_REASONS.has(r))
          : isRetryable(error);
        if (transient) {
          if (attempt >= this.#ledger.io.retry.maxAttempts) throw error;
          await this.#ledger.io.backoff(attempt++);
        } else if (contended) {
          if (++contention >= this.#ledger.io.retry.maxContention) throw error;
          const current = currentHead(error);
          if (current) this.#heads.set(contract, current);
          // Short jitter: HEAD moves every few milliseconds under contention.
          await this.#ledger.io.sleep(Math.floor(this.#ledger.io.random() * Math.min(4, contention)));
        } else throw error;
      }
    }
  }

  /**
   * The HEAD to append on: as this writer last left it, else read. With an
   * expected size, a cached HEAD of another size is read again (it may be
   * behind).
   */
  async #headFor(request: AppendRequest): Promise<Head> {
    const { contract, expectedSize } = request;
    const cached = this.#heads.get(contract);
    if (cached !== undefined && (expectedSize === undefined || cached.size === expectedSize)) return cached;
    const head = await this.#readHead(contract);
    this.#heads.set(contract, head);
    return head;
  }

  /**
   * The log is no longer at the expected size: the original receipt if the
   * key was used for this content already, else LogMovedError.
   */
  async #replayOrMoved(
    request: AppendRequest,
    contentHash: string,
    size: number,
    cause?: unknown,
  ): Promise<AppendReceipt> {
    const replay = await this.#receiptFor(request.contract, request.idempotencyKey, contentHash);
    if (replay) return replay;
    throw new LogMovedError(request.contract, request.expectedSize ?? size, size, { cause });
  }

  /** The entry `intent` becomes on `head`, and the receipt its append answers. */
  #nextEntry(
    request: AppendRequest,
    intent: Intent,
    head: Head,
    content: { contentHash: string; recordCount: number; recordsRoot: string | undefined },
  ): NextEntry {
    const { contract, idempotencyKey } = request;
    const { contentHash, recordCount, recordsRoot } = content;
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
      recordCount,
      ...(recordsRoot === undefined ? {} : { recordsRoot }),
      replayed: false,
    };
    return { bytes, next, root, receipt };
  }

  async #receiptFor(contract: string, key: string, contentHash: string): Promise<AppendReceipt | undefined> {
    const item = await this.#ledger.io.get(this.#ledger.tables.ledger, { pk: logPk(contract), sk: keySk(key) });
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
    await this.#ledger.io.putAll(
      this.#ledger.tables.records,
      recordBytes.map((bytes, index) => ({
        pk: recordsPk(contract, contentHash),
        sk: index.toString().padStart(8, '0'),
        record: decoder.decode(bytes),
      })),
    );
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
