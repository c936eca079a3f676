import { randomUUID } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  emptyTimelineFacts,
  noteTimelineFact,
  type StoredRecord,
  type TimelineFactInput,
  type TimelineFacts,
} from '#evidence';
import type { CanonicalRecord, KnownState } from '#intake';
import { ConflictError } from '#kernel';
import type { BatchRef, EvidenceStore } from '#services';
import { DynamoIo, type RetryPolicy } from './dynamo-io.ts';
import type { CommitCondition } from './dynamo-ledger.ts';
import { decodeCursor, type IndexQuery, type Page, readPage } from './dynamo-records-page.ts';
import { byBatchIndex, byParticipantIndex, byTypeIndex } from './storage-layout.ts';

/**
 * Evidence records on DynamoDB (table `records` of storage-layout.ts):
 *   pk EV#<contract>#<eventId>, sk R      one item per record (the key makes
 *                                          duplicate checks one BatchGet per 100 ids)
 *   byParticipant  P#<contract>#<pseudonym> / <date>#<eventId>
 *   byBatch        B#<contract>#<batchId>   / <index>
 *   byType         T#<contract>#<type>      / <date>#<eventId>
 *   pk LEASE#<contract>, sk L              the contract's ingest lease
 * A record counts only if the batch it names is committed: the ledger entry of
 * that batch id exists and archives exactly the record's content hash.
 */

export interface EvidenceTables {
  readonly records: string;
}

/** Whether a batch (id and content hash) is committed in the ledger. */
export type CommittedCheck = (contract: string, batch: BatchRef) => Promise<boolean>;

export interface DynamoEvidenceOptions {
  readonly client: DynamoDBDocumentClient;
  readonly tables: EvidenceTables;
  readonly committed: CommittedCheck;
  readonly retry?: Partial<RetryPolicy>;
  /** How long a lease lasts without renewal, and how often the holder renews it. */
  readonly lease?: { ttlMs?: number; renewMs?: number; waitMs?: number };
  readonly now?: () => number;
}

export interface QueriedRecord {
  readonly record: StoredRecord;
  /** The record's canonical JSON as stored: the leaf data of its batch's records root. */
  readonly text: string;
  readonly batchId: string;
  readonly index: number;
  readonly contentHash: string;
}

const recordPk = (contract: string, eventId: string) => `EV#${contract}#${eventId}`;
const RECORD_SK = 'R';
const leaseKey = (contract: string) => ({ pk: `LEASE#${contract}`, sk: 'L' });
const QUERY_CONCURRENCY = 16;
/** Up to this many participants, one byParticipant query each; beyond, whole-contract index reads. */
const PER_PARTICIPANT_QUERIES = 200;
/** The types the timeline rules read of a participant's earlier records. */
const TIMELINE_TYPES: ReadonlySet<string> = new Set(['enrolment', 'custody-spell', 'withdrawal']);

const WRITE_CONCURRENCY = 4;

const busy = (contract: string) =>
  new ConflictError(`another batch of ${contract} is being ingested; try again shortly`, { contract });

export class DynamoEvidenceStore implements EvidenceStore {
  readonly #io: DynamoIo;
  readonly #tables: EvidenceTables;
  readonly #committed: CommittedCheck;
  readonly #lease: { ttlMs: number; renewMs: number; waitMs: number };
  readonly #now: () => number;
  /** Per contract, the end of the last turn at its lease in this process (see #turn). */
  readonly #queues = new Map<string, Promise<void>>();

  constructor(options: DynamoEvidenceOptions) {
    this.#io = new DynamoIo(options);
    this.#tables = options.tables;
    this.#committed = options.committed;
    this.#lease = { ttlMs: 120_000, renewMs: 30_000, waitMs: 120_000, ...options.lease };
    this.#now = options.now ?? Date.now;
  }

  get itemsRead(): number {
    return this.#io.itemsRead;
  }

  async writeRecords(contract: string, batch: BatchRef, records: readonly CanonicalRecord[]): Promise<void> {
    const decoder = new TextDecoder();
    const items = records.map(({ index, record, bytes }) => ({
      pk: recordPk(contract, record.eventId),
      sk: RECORD_SK,
      record: decoder.decode(bytes),
      batchId: batch.batchId,
      contentHash: batch.contentHash,
      index,
      [byParticipantIndex.partitionKey.name]: `P#${contract}#${record.participant}`,
      [byParticipantIndex.sortKey.name]: `${record.date}#${record.eventId}`,
      [byBatchIndex.partitionKey.name]: `B#${contract}#${batch.batchId}`,
      [byBatchIndex.sortKey.name]: index.toString().padStart(8, '0'),
      [byTypeIndex.partitionKey.name]: `T#${contract}#${record.type}`,
      [byTypeIndex.sortKey.name]: `${record.date}#${record.eventId}`,
    }));
    // A few requests in flight: a transaction takes 100 items at a time.
    const chunk = Math.ceil(items.length / WRITE_CONCURRENCY / 100) * 100 || 100;
    const parts: (typeof items)[] = [];
    for (let start = 0; start < items.length; start += chunk) parts.push(items.slice(start, start + chunk));
    await Promise.all(parts.map((part) => this.#io.putAll(this.#tables.records, part)));
  }

  async knownState(
    contract: string,
    query: { participants: readonly string[]; eventIds: readonly string[]; employmentsOf?: readonly string[] },
  ): Promise<KnownState> {
    const committed = this.#committedCache(contract);
    const eventItems = await this.#io.batchGet(
      this.#tables.records,
      [...new Set(query.eventIds)].map((id) => ({ pk: recordPk(contract, id), sk: RECORD_SK })),
    );
    const eventIds = new Set<string>();
    for (const item of eventItems) {
      if (await committed(item)) eventIds.add(JSON.parse(item.record as string).eventId);
    }
    const participants = new Set(query.participants);
    const needEmployments = new Set(query.employmentsOf ?? query.participants);
    const enrolled = new Set<string>();
    const employments = new Map<string, { employerId: string; date: string }[]>();
    /** The participants' records the timeline rules read (by event id), and the ids their corrections supersede. */
    const timelineRecords = new Map<string, StoredRecord>();
    const superseded = new Set<string>();
    const take = (records: readonly QueriedRecord[]) => {
      for (const { record } of records) {
        if (participants.has(record.participant) && TIMELINE_TYPES.has(record.type)) {
          timelineRecords.set(record.eventId, record);
        }
        if (record.type === 'correction' && participants.has(record.participant)) superseded.add(record.supersedes);
        if (record.type === 'enrolment' && participants.has(record.participant)) enrolled.add(record.participant);
        if (record.type === 'employment-started' && needEmployments.has(record.participant)) {
          const list = employments.get(record.participant) ?? [];
          list.push({ employerId: record.employerId, date: record.date });
          employments.set(record.participant, list);
        }
      }
    };
    if (participants.size <= PER_PARTICIPANT_QUERIES) {
      await forEachLimit([...participants], QUERY_CONCURRENCY, async (participant) => {
        take(await this.byParticipant(contract, participant));
      });
    } else {
      // A contract enrols hundreds to thousands of people: reading all its
      // enrolments (a few pages of the byType index) beats one query per participant.
      take(await this.byType(contract, 'enrolment'));
      // Custody spells and withdrawals are few: the timeline rules read them contract-wide too.
      take(await this.byType(contract, 'custody-spell'));
      take(await this.byType(contract, 'withdrawal'));
      take(await this.byType(contract, 'correction'));
      if (needEmployments.size > 0) {
        if (needEmployments.size <= PER_PARTICIPANT_QUERIES) {
          await forEachLimit([...needEmployments], QUERY_CONCURRENCY, async (participant) => {
            take((await this.byParticipant(contract, participant)).filter((r) => r.record.type !== 'enrolment'));
          });
        } else take(await this.byType(contract, 'employment-started'));
      }
    }
    return { enrolled, eventIds, employments, timelines: timelineFacts(timelineRecords.values(), superseded) };
  }

  /** All committed events of one pseudonym, in time order. */
  async byParticipant(contract: string, participant: string): Promise<QueriedRecord[]> {
    return this.#queryIndex(contract, {
      IndexName: byParticipantIndex.indexName,
      KeyConditionExpression: `${byParticipantIndex.partitionKey.name} = :pk`,
      ExpressionAttributeValues: { ':pk': `P#${contract}#${participant}` },
    });
  }

  /** The committed records of one batch, in batch order. */
  async byBatch(contract: string, batchId: string): Promise<QueriedRecord[]> {
    return this.#queryIndex(contract, {
      IndexName: byBatchIndex.indexName,
      KeyConditionExpression: `${byBatchIndex.partitionKey.name} = :pk`,
      ExpressionAttributeValues: { ':pk': `B#${contract}#${batchId}` },
    });
  }

  /** Committed records of one type dated from..to (inclusive, YYYY-MM-DD), in date order. */
  async byType(contract: string, type: string, from = '0000-00-00', to = '9999-99-99'): Promise<QueriedRecord[]> {
    return this.#queryIndex(contract, {
      IndexName: byTypeIndex.indexName,
      KeyConditionExpression: `${byTypeIndex.partitionKey.name} = :pk AND ${byTypeIndex.sortKey.name} BETWEEN :from AND :to`,
      ExpressionAttributeValues: { ':pk': `T#${contract}#${type}`, ':from': from, ':to': `${to}#~` },
    });
  }

  /**
   * One page of the committed records of a participant (time order), a batch
   * (batch order) or a type (date order, optionally dated from..to), after
   * `cursor` (the `next` of the page before): reads about `limit` items, not
   * every match.
   */
  async recordsPage(
    contract: string,
    selector: RecordsSelector,
    options: { readonly limit: number; readonly cursor?: string | undefined },
  ): Promise<Page<QueriedRecord>> {
    const query = indexQuery(contract, selector);
    const committed = this.#committedCache(contract);
    const start =
      options.cursor === undefined ? undefined : decodeCursor(options.cursor, query, recordPk(contract, ''), RECORD_SK);
    return readPage(this.#io, this.#tables.records, query, {
      limit: options.limit,
      start,
      accept: async (item) => ((await committed(item)) ? toQueried(item) : undefined),
    });
  }

  /** The committed record of one event id. */
  async byEvent(contract: string, eventId: string): Promise<QueriedRecord | undefined> {
    const item = await this.#io.get(this.#tables.records, { pk: recordPk(contract, eventId), sk: RECORD_SK });
    if (!item || !(await this.#committedCache(contract)(item))) return undefined;
    return toQueried(item);
  }

  async withIngestLease<T>(
    contract: string,
    work: (fence: unknown) => Promise<T>,
    options: { readonly waitMs?: number } = {},
  ): Promise<T> {
    const deadline = this.#now() + (options.waitMs ?? this.#lease.waitMs);
    const endTurn = await this.#turn(contract, deadline);
    try {
      return await this.#withLease(contract, work, deadline);
    } finally {
      endTurn();
    }
  }

  /**
   * This process's turn at a contract's lease. Batches of one contract that
   * one process ingests at once (the local gateway runs every request in one
   * process; a Lambda instance, one at a time) line up here in arrival order,
   * so that only the first of them polls DynamoDB for the lease and none is
   * overtaken by later ones. Resolves to the function that ends the turn;
   * refuses like the lease if the turn does not come by the deadline.
   */
  async #turn(contract: string, deadline: number): Promise<() => void> {
    const before = this.#queues.get(contract) ?? Promise.resolve();
    let end = () => {};
    const ended = new Promise<void>((resolve) => {
      end = resolve;
    });
    // Whoever comes next waits for this turn and every one before it, even if this one gives up early.
    const tail = before.then(() => ended);
    this.#queues.set(contract, tail);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), Math.max(0, deadline - this.#now()));
    });
    try {
      if ((await Promise.race([before, late])) === 'late') {
        end();
        throw busy(contract);
      }
    } finally {
      clearTimeout(timer);
    }
    return () => {
      end();
      if (this.#queues.get(contract) === tail) this.#queues.delete(contract);
    };
  }

  async #withLease<T>(contract: string, work: (fence: unknown) => Promise<T>, deadline: number): Promise<T> {
    const owner = randomUUID();
    await this.#acquire(contract, owner, deadline);
    const renew = setInterval(() => {
      this.#put(contract, owner, this.#now() + this.#lease.ttlMs).catch(() => {
        // A lost lease shows at the commit: its fence condition fails.
      });
    }, this.#lease.renewMs);
    try {
      const fence: CommitCondition[] = [
        {
          TableName: this.#tables.records,
          Key: leaseKey(contract),
          ConditionExpression: '#owner = :owner',
          ExpressionAttributeNames: { '#owner': 'owner' },
          ExpressionAttributeValues: { ':owner': owner },
        },
      ];
      return await work(fence);
    } finally {
      clearInterval(renew);
      // Released by letting it expire now; leases are never deleted (no role may DeleteItem).
      await this.#put(contract, owner, 0).catch(() => {});
    }
  }

  async #acquire(contract: string, owner: string, deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#io.withRetry(() =>
          this.#io.db.send(
            new PutCommand({
              TableName: this.#tables.records,
              Item: { ...leaseKey(contract), owner, expiresAt: this.#now() + this.#lease.ttlMs },
              ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
              ExpressionAttributeValues: { ':now': this.#now() },
            }),
          ),
        );
        return;
      } catch (error) {
        if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
        if (this.#now() >= deadline) {
          throw busy(contract);
        }
        await this.#io.sleep(Math.max(0, Math.min(1_000, 20 * attempt, deadline - this.#now())));
      }
    }
  }

  /** Renews (or, with expiresAt 0, releases) the lease if this owner still holds it. */
  async #put(contract: string, owner: string, expiresAt: number): Promise<void> {
    await this.#io.db.send(
      new PutCommand({
        TableName: this.#tables.records,
        Item: { ...leaseKey(contract), owner, expiresAt },
        ConditionExpression: '#owner = :owner',
        ExpressionAttributeNames: { '#owner': 'owner' },
        ExpressionAttributeValues: { ':owner': owner },
      }),
    );
  }

  async #queryIndex(
    contract: string,
    input: {
      IndexName: string;
      KeyConditionExpression: string;
      ExpressionAttributeValues: Record<string, string>;
    },
  ): Promise<QueriedRecord[]> {
    const committed = this.#committedCache(contract);
    const out: QueriedRecord[] = [];
    for await (const item of this.#io.query({ TableName: this.#tables.records, ...input })) {
      if (await committed(item)) out.push(toQueried(item));
    }
    return out;
  }

  /** A per-call cache of batch commit status (each batch is looked up once). */
  #committedCache(contract: string): (item: Record<string, unknown>) => Promise<boolean> {
    const cache = new Map<string, Promise<boolean>>();
    return (item) => {
      const batch = { batchId: item.batchId as string, contentHash: item.contentHash as string };
      const key = `${batch.batchId}\n${batch.contentHash}`;
      let status = cache.get(key);
      if (!status) {
        status = this.#committed(contract, batch);
        cache.set(key, status);
      }
      return status;
    };
  }
}

/** The timeline facts of the ledger's records, per participant; a record a correction supersedes says nothing. */
function timelineFacts(records: Iterable<StoredRecord>, superseded: ReadonlySet<string>): Map<string, TimelineFacts> {
  const timelines = new Map<string, TimelineFacts>();
  for (const record of records) {
    if (superseded.has(record.eventId)) continue;
    const facts = timelines.get(record.participant) ?? emptyTimelineFacts();
    timelines.set(record.participant, facts);
    noteTimelineFact(facts, record as TimelineFactInput, { ledger: record.eventId });
  }
  return timelines;
}

/** What a records query selects: one participant, one batch, or one type (with optional dates). */
export type RecordsSelector =
  | { readonly participant: string }
  | { readonly batch: string }
  | { readonly type: string; readonly from?: string | undefined; readonly to?: string | undefined };

/** The index, partition and sort-key range of a selector (the key layout of writeRecords). */
function indexQuery(contract: string, selector: RecordsSelector): IndexQuery {
  if ('participant' in selector)
    return { index: byParticipantIndex, partition: `P#${contract}#${selector.participant}` };
  if ('batch' in selector) return { index: byBatchIndex, partition: `B#${contract}#${selector.batch}` };
  return {
    index: byTypeIndex,
    partition: `T#${contract}#${selector.type}`,
    between: [selector.from ?? '0000-00-00', `${selector.to ?? '9999-99-99'}#~`],
  };
}

function toQueried(item: Record<string, unknown>): QueriedRecord {
  return {
    record: JSON.parse(item.record as string) as StoredRecord,
    text: item.record as string,
    batchId: item.batchId as string,
    index: item.index as number,
    contentHash: item.contentHash as string,
  };
}

async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}
