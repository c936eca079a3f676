import { ValidationError } from '#kernel';
import type { DynamoIo } from './dynamo-io.ts';
import type { IndexDef } from './storage-layout.ts';

/**
 * One page of an index query of the records table, read a page at a time:
 * DynamoDB Query with Limit and ExclusiveStartKey, so a page of n records
 * reads about n items however many match. The cursor handed to clients is
 * opaque (base64url of the last returned record's key) and checked on the
 * way back: it must name a record of the same contract, and the index's
 * partition is always the query's own, never the cursor's.
 */

/** An index with a sort key (the records' indexes all have one). */
export type SortedIndex = IndexDef & { readonly sortKey: NonNullable<IndexDef['sortKey']> };

export interface IndexQuery {
  readonly index: SortedIndex;
  /** The index partition (e.g. `T#<contract>#enrolment`). */
  readonly partition: string;
  /** Sort key bounds (inclusive), for date ranges. */
  readonly between?: readonly [string, string];
}

export interface Page<T> {
  readonly items: T[];
  /** Present when more items match: the cursor of the next page. */
  readonly next?: string;
}

const CURSOR_VERSION = 1;
const MAX_SORT_KEY = 200;

/** The opaque cursor after `item` (its table key and its sort key in the index). */
export function encodeCursor(item: Record<string, unknown>, index: SortedIndex): string {
  const key = [item.pk, item.sk, item[index.sortKey.name]];
  return Buffer.from(JSON.stringify({ v: CURSOR_VERSION, k: key }), 'utf8').toString('base64url');
}

/** The ExclusiveStartKey a cursor stands for; a ValidationError (query.cursor) for anything this API did not give. */
export function decodeCursor(
  cursor: string,
  query: IndexQuery,
  recordPkPrefix: string,
  recordSk: string,
): Record<string, string> {
  const refuse = () =>
    new ValidationError('the cursor is not one this API gave', [
      { field: 'query.cursor', message: 'pass the `next` of the previous page as it is' },
    ]);
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) throw refuse();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const { v, k } = (parsed ?? {}) as { v?: unknown; k?: unknown };
  if (v !== CURSOR_VERSION || !Array.isArray(k) || k.length !== 3 || !k.every((x) => typeof x === 'string')) {
    throw refuse();
  }
  const [pk, sk, sortKey] = k as [string, string, string];
  if (!pk.startsWith(recordPkPrefix) || sk !== recordSk || sortKey.length === 0 || sortKey.length > MAX_SORT_KEY) {
    throw refuse();
  }
  if (query.between !== undefined && (sortKey < query.between[0] || sortKey > query.between[1])) throw refuse();
  return { pk, sk, [query.index.partitionKey.name]: query.partition, [query.index.sortKey.name]: sortKey };
}

/**
 * Reads up to `limit` accepted items after `start`: each DynamoDB page asks
 * for one item more than still needed (to know whether more follow), and
 * items `accept` refuses (records of batches not committed) are skipped.
 */
export async function readPage<T>(
  io: DynamoIo,
  table: string,
  query: IndexQuery,
  options: {
    readonly limit: number;
    readonly start: Record<string, string> | undefined;
    readonly accept: (item: Record<string, unknown>) => Promise<T | undefined>;
  },
): Promise<Page<T>> {
  const { index, partition, between } = query;
  const condition =
    between === undefined
      ? `${index.partitionKey.name} = :pk`
      : `${index.partitionKey.name} = :pk AND ${index.sortKey.name} BETWEEN :from AND :to`;
  const values: Record<string, string> = { ':pk': partition };
  if (between !== undefined) Object.assign(values, { ':from': between[0], ':to': between[1] });
  const taken: { item: Record<string, unknown>; value: T }[] = [];
  let start: Record<string, unknown> | undefined = options.start;
  do {
    const page = await io.queryPage({
      TableName: table,
      IndexName: index.indexName,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      Limit: options.limit + 1 - taken.length,
      ...(start === undefined ? {} : { ExclusiveStartKey: start }),
    });
    for (const item of page.items) {
      const value = await options.accept(item);
      if (value !== undefined) taken.push({ item, value });
    }
    start = page.lastEvaluatedKey;
  } while (start !== undefined && taken.length <= options.limit);
  const items = taken.slice(0, options.limit);
  const last = items.at(-1);
  const more = taken.length > options.limit;
  return {
    items: items.map((t) => t.value),
    ...(more && last !== undefined ? { next: encodeCursor(last.item, index) } : {}),
  };
}
