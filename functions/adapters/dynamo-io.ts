import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { isRetryable } from './retryable.ts';

export { isRetryable };

/**
 * DynamoDB calls as the adapters need them: throttling and transient faults
 * retried with exponential backoff and full jitter, many puts chunked into
 * TransactWriteItems, BatchGetItem chunked and its unprocessed keys retried
 * until done, and a count of the items read (tests and benchmarks assert
 * proof costs with it).
 *
 * No adapter uses BatchWriteItem: it can carry DeleteRequests, and IAM cannot
 * allow its puts without its deletes. Transactions of puts need only
 * dynamodb:PutItem, so no deployed role can delete an item (infra/stacks).
 */

export interface RetryPolicy {
  /** Attempts per call when DynamoDB throttles or fails transiently. */
  readonly maxAttempts: number;
  readonly baseMs: number;
  readonly capMs: number;
  /** Attempts when other writers moved a log's HEAD first: their progress, not a fault, so it gets more room. */
  readonly maxContention: number;
}

export interface DynamoIoOptions {
  readonly client: DynamoDBDocumentClient;
  readonly retry?: Partial<RetryPolicy>;
  /** Injected for deterministic tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** Items per TransactWriteItems request (DynamoDB's limit). */
const TRANSACT_WRITE_MAX = 100;
/** Bytes per TransactWriteItems request, below DynamoDB's 4 MB with room for the encoding's overhead. */
const TRANSACT_WRITE_BYTES = 3_500_000;
/** Cancellation reasons that mean "try again", not "this request is wrong". */
const RETRYABLE_CANCELLATIONS = new Set([
  'None',
  'TransactionConflict',
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
]);
const BATCH_GET_MAX = 100;
/** BatchGetItem requests in flight at once. */
const GET_LANES = 4;

export class DynamoIo {
  readonly db: DynamoDBDocumentClient;
  readonly retry: RetryPolicy;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  itemsRead = 0;

  constructor(options: DynamoIoOptions) {
    this.db = options.client;
    this.retry = { maxAttempts: 10, baseMs: 20, capMs: 2_000, maxContention: 500, ...options.retry };
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
  }

  async withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isRetryable(error) || attempt >= this.retry.maxAttempts) throw error;
        await this.backoff(attempt);
      }
    }
  }

  /** Exponential backoff with full jitter. */
  backoff(attempt: number): Promise<void> {
    const ceiling = Math.min(this.retry.capMs, this.retry.baseMs * 2 ** (attempt - 1));
    return this.sleep(Math.floor(this.random() * ceiling));
  }

  async get(table: string, key: Record<string, string>): Promise<Record<string, unknown> | undefined> {
    const out = await this.withRetry(() =>
      this.db.send(new GetCommand({ TableName: table, Key: key, ConsistentRead: true })),
    );
    if (out.Item) this.itemsRead++;
    return out.Item;
  }

  /** One page of a query (at most `input.Limit` items read), and the key to continue from, if any. */
  async queryPage(
    input: QueryCommandInput,
  ): Promise<{ items: Record<string, unknown>[]; lastEvaluatedKey: Record<string, unknown> | undefined }> {
    const out = await this.withRetry(() => this.db.send(new QueryCommand(input)));
    this.itemsRead += out.Count ?? 0;
    return { items: out.Items ?? [], lastEvaluatedKey: out.LastEvaluatedKey };
  }

  async *query(input: QueryCommandInput): AsyncGenerator<Record<string, unknown>> {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.withRetry(() => this.db.send(new QueryCommand({ ...input, ExclusiveStartKey: start })));
      this.itemsRead += out.Count ?? 0;
      yield* out.Items ?? [];
      start = out.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Puts every item (unconditionally, so only for idempotent writes) in
   * transactions of up to 100 items, retrying a transaction that was
   * cancelled by a conflict or throttling. Items of one call must have
   * distinct keys.
   */
  async putAll(table: string, items: readonly Record<string, unknown>[]): Promise<void> {
    for (const chunk of transactChunks(items)) {
      const TransactItems = chunk.map((Item) => ({ Put: { TableName: table, Item } }));
      for (let attempt = 1; ; attempt++) {
        try {
          await this.withRetry(() => this.db.send(new TransactWriteCommand({ TransactItems })));
          break;
        } catch (error) {
          const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
          const retryable =
            (error as { name?: string }).name === 'TransactionCanceledException' &&
            reasons !== undefined &&
            reasons.every((reason) => RETRYABLE_CANCELLATIONS.has(reason.Code ?? 'None'));
          if (!retryable || attempt >= this.retry.maxAttempts) throw error;
          await this.backoff(attempt);
        }
      }
    }
  }

  /** Strongly consistent BatchGetItem of any number of keys, a few requests at a time; items in no particular order. */
  async batchGet(table: string, keys: readonly Record<string, string>[]): Promise<Record<string, unknown>[]> {
    const found: Record<string, unknown>[] = [];
    const chunks: Record<string, unknown>[][] = [];
    for (let start = 0; start < keys.length; start += BATCH_GET_MAX)
      chunks.push(keys.slice(start, start + BATCH_GET_MAX));
    let next = 0;
    const lane = async () => {
      while (next < chunks.length) {
        let pending = chunks[next++] as Record<string, unknown>[];
        for (let attempt = 1; pending.length > 0; attempt++) {
          const keysNow = pending;
          const out = await this.withRetry(() =>
            this.db.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keysNow, ConsistentRead: true } } })),
          );
          const items = out.Responses?.[table] ?? [];
          this.itemsRead += items.length;
          found.push(...items);
          pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Record<string, unknown>[];
          if (pending.length > 0) {
            if (attempt >= this.retry.maxAttempts) {
              throw new Error(`DynamoDB left ${pending.length} keys unprocessed after retries`);
            }
            await this.backoff(attempt);
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(GET_LANES, chunks.length) }, lane));
    return found;
  }
}

/** Splits items into transactions within DynamoDB's item and size limits. */
function transactChunks(items: readonly Record<string, unknown>[]): Record<string, unknown>[][] {
  const chunks: Record<string, unknown>[][] = [];
  let current: Record<string, unknown>[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = JSON.stringify(item).length;
    if (current.length > 0 && (current.length === TRANSACT_WRITE_MAX || bytes + size > TRANSACT_WRITE_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
