/**
 * The streaming ingest (domain/services/ingest-stream.ts) and the S3-event handler
 * (functions/ingest-s3.ts) against the real local test stack: DynamoDB Local
 * and s3rver.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ContractProfile } from '#contracts';
import { archiveBody, archiveKey, parseCsv } from '#intake';
import { ConflictError, IntegrityError, toHex, utf8, ValidationError } from '#kernel';
import { rootFromLeaves } from '#ledger';
import {
  type ByteSource,
  type IngestReceipt,
  ingestBatch,
  ingestStream,
  prepareBatch,
  type StreamIngestRequest,
} from '#services';
import { S3Archive } from '../../functions/adapters/s3-archive.ts';
import { handler, resultKey, type S3Event } from '../../functions/ingest-s3.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { enrol, freshContract, job, lambdaContext } from '../support/http.ts';
import { type EvidenceContext, openEvidence, registerFixture } from '../support/runtime.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { dynamoClient, s3Client, testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-ingest-stream-'));
const contractsDir = join(dir, 'contracts');
const savedContracts = process.env.SIB_CONTRACTS_DIR;
let ctx: EvidenceContext;
let base: ContractProfile;
let counter = 0;

beforeAll(async () => {
  base = await loadProfile('second-chance-kamchatka');
  process.env.SIB_CONTRACTS_DIR = contractsDir; // the handler's contracts: fresh copies of Second Chance
  ctx = await openEvidence(dir, testStack());
});
afterAll(() => {
  ctx.close();
  if (savedContracts === undefined) delete process.env.SIB_CONTRACTS_DIR;
  else process.env.SIB_CONTRACTS_DIR = savedContracts;
  rmSync(dir, { recursive: true, force: true });
});

/** A contract with its profile, registered (evidence for an unregistered contract is refused). */
async function freshProfile(): Promise<ContractProfile> {
  const profile = { ...base, id: `stream-${process.pid}-${counter++}` };
  await registerFixture(ctx, profile.id);
  return profile;
}
const TODAY = '2026-01-01';

const ended = (eventId: string, participant: string, date = '2024-06-30') => ({
  eventId,
  participant,
  type: 'employment-ended',
  date,
  source: 'employer',
  employerId: 'KAMCHATKA-FISH',
  reason: 'resigned',
});

/** A CSV file of the records: the union of their fields as columns, RFC 4180 quoting. */
function csv(records: readonly Record<string, unknown>[]): Uint8Array {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    if (v === undefined) return '';
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return utf8(`${[columns.join(','), ...records.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n')}\n`);
}

/** The bytes in small pieces (multi-byte characters and rows split between them), read afresh on each call. */
function sourceOf(bytes: Uint8Array, piece = 37): ByteSource {
  return async function* () {
    for (let i = 0; i < bytes.length; i += piece) yield bytes.subarray(i, i + piece);
  };
}

function streamRequest(profile: ContractProfile, batchId: string, extra: Partial<StreamIngestRequest> = {}) {
  return { profile, batchId, submitter: { sub: 'operator-1', role: 'operator' as const }, today: TODAY, ...extra };
}

/** What ingestBatch is given for the same file (as the API's batch submission does). */
function batchRequest(profile: ContractProfile, batchId: string, bytes: Uint8Array) {
  const parsed = parseCsv(bytes);
  return {
    ...streamRequest(profile, batchId),
    records: parsed.records,
    parseProblems: parsed.problems,
    unit: 'line' as const,
  };
}

async function failure<E>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(type);
  return error as E;
}

async function bodyOf(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
}

/** Items of a contract in both tables, and objects of it in the archive bucket. */
async function footprint(contract: string): Promise<{ items: number; objects: number }> {
  const db = DynamoDBDocumentClient.from(dynamoClient());
  let items = 0;
  for (const table of Object.values(testStack().tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      items += (out.Items ?? []).filter((i) => JSON.stringify(i).includes(contract)).length;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  const list = await s3Client().send(
    new ListObjectsV2Command({ Bucket: testStack().buckets.archive, Prefix: `archive/${contract}/` }),
  );
  return { items, objects: list.KeyCount ?? 0 };
}

const batchOfThree = () => [
  enrol('e1', '4510 123456'),
  job('e2', '4510-123456'),
  enrol('e3', 'OP-0007', '2024-03-02'),
  { ...job('e4', 'OP-0007'), monthlyWage: '7000000' },
  ended('e5', 'OP-0007'),
  enrol('e6', 'OP-0008', '2024-03-03'),
  {
    eventId: 'e7',
    participant: 'OP-0007',
    type: 'correction',
    date: '2024-07-01',
    source: 'operator',
    supersedes: 'e4',
    reason: 'опечатка в зарплате, "7000000" верно', // Cyrillic: multi-byte characters split between pieces
  },
];

describe('ingesting a CSV stream', () => {
  it('accepts a batch with the receipt ingestBatch gives for the same file: root, count, archive hash', async () => {
    const profile = await freshProfile();
    const bytes = csv(batchOfThree());

    const receipt = await ingestStream(
      streamRequest(profile, 'big-1', { chunkRecords: 2 }),
      sourceOf(bytes),
      ctx.ports,
    );

    const prepared = await prepareBatch(batchRequest(profile, 'big-1', bytes), ctx.ports.pseudonymizer);
    const body = archiveBody(profile.id, 'big-1', prepared.records);
    const sha256 = createHash('sha256').update(body).digest('hex');
    expect(receipt).toMatchObject({
      contract: profile.id,
      batchId: 'big-1',
      seq: 1,
      recordCount: 7,
      recordsRoot: toHex(rootFromLeaves(prepared.records.map((r) => r.bytes))),
      archive: { key: archiveKey(profile.id, sha256), sha256 },
      replayed: false,
    });
    expect(receipt.checkpoint.split('\n')[1]).toBe('2');
    // ingestBatch of the same file finds the same content hash: the original receipt, not a conflict.
    expect(await ingestBatch(batchRequest(profile, 'big-1', bytes), ctx.ports)).toEqual({ ...receipt, replayed: true });
    expect(await bodyOf(ctx.s3, testStack().buckets.archive, receipt.archive.key)).toEqual(body);
    const stored = await ctx.store.byBatch(profile.id, 'big-1');
    expect(stored.map((r) => [r.index, r.record.eventId])).toEqual(
      ['e1', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7'].map((id, i) => [i, id]),
    );
    const entry = await ctx.ledger.batchEntry(profile.id, 'big-1');
    expect(entry?.body).toMatchObject({
      recordCount: 7,
      types: { correction: 1, enrolment: 3, 'employment-ended': 1, 'employment-started': 2 },
    });
  });

  it('rejects a batch whole with the problems ingestBatch lists, by CSV line, and writes nothing anywhere', async () => {
    const profile = await freshProfile();
    await ingestStream(streamRequest(profile, 'b-1'), sourceOf(csv([enrol('e1', 'OP-1')])), ctx.ports);
    const before = await footprint(profile.id);
    const bytes = csv([
      job('e1', 'OP-1'), // line 2: duplicate event id against the ledger
      job('e5', 'OP-9'), // line 3: participant never enrolled
      { ...job('e6', 'OP-1'), monthlyWage: '-5' }, // line 4: negative wage
      { ...enrol('e7', 'OP-3'), date: '2031-01-01' }, // line 5: in the future, and after the term
      job('e8', 'OP-1'), // line 6: fine on its own
      job('e8', 'OP-1'), // line 7: duplicate event id within the batch
      ended('e9', 'OP-1', '2024-03-15'), // line 8: ends before the employment (line 6) started
    ]);

    const error = await failure(
      ingestStream(streamRequest(profile, 'b-2'), sourceOf(bytes), ctx.ports),
      ValidationError,
    );

    const expected = await failure(ingestBatch(batchRequest(profile, 'b-2', bytes), ctx.ports), ValidationError);
    expect(error.problems).toEqual(expected.problems);
    expect(error.message).toBe(expected.message);
    expect([...new Set(error.problems.map((p) => p.at))]).toEqual([2, 3, 4, 5, 7, 8]);
    expect(error.problems.find((p) => p.at === 3)?.message).toMatch(/not enrolled/);
    expect(error.problems.find((p) => p.at === 4)?.field).toBe('monthlyWage');
    expect(error.problems.find((p) => p.at === 7)?.message).toMatch(/line 6 of this batch/);
    expect((await ctx.log.head(profile.id)).size).toBe(2);
    expect(await footprint(profile.id)).toEqual(before);
  });

  it('refuses a timeline contradicting earlier records (in the log and in the file) as ingestBatch does, by CSV line', async () => {
    const profile = await freshProfile();
    const custody = (eventId: string, date: string, to: string) => ({
      eventId,
      participant: 'OP-1',
      type: 'custody-spell',
      date,
      source: 'court',
      to,
    });
    const died = {
      eventId: 'w2',
      participant: 'OP-2',
      type: 'withdrawal',
      date: '2024-04-01',
      source: 'operator',
      reason: 'died',
    };
    await ingestStream(
      streamRequest(profile, 'b-1'),
      sourceOf(csv([{ ...enrol('e1', 'OP-1'), category: 'serving-sentence' }, enrol('e2', 'OP-2'), died])),
      ctx.ports,
    );
    const bytes = csv([
      {
        eventId: 'r1',
        participant: 'OP-1',
        type: 'release',
        date: '2024-03-02',
        source: 'operator',
        institution: 'IK-6',
      }, // line 2: fine
      custody('c1', '2024-05-01', '2024-05-31'), // line 3: fine
      custody('c2', '2024-05-20', '2024-06-10'), // line 4: overlaps line 3
      job('j2', 'OP-2', '2024-04-02'), // line 5: after the death in the log
    ]);

    const error = await failure(
      ingestStream(streamRequest(profile, 'b-2'), sourceOf(bytes), ctx.ports),
      ValidationError,
    );

    const expected = await failure(ingestBatch(batchRequest(profile, 'b-2', bytes), ctx.ports), ValidationError);
    expect(error.problems).toEqual(expected.problems);
    expect(error.problems.map((p) => [p.at, p.field])).toEqual([
      [4, 'date'],
      [5, 'date'],
    ]);
    expect(error.problems[0]?.message).toMatch(
      /overlaps the custody spell 2024-05-01\.\.2024-05-31 \(line 3 of this batch\)/,
    );
    expect(error.problems[1]?.message).toMatch(/withdrawal for death on 2024-04-01 \(event w2 in the ledger\)/);
    expect((await ctx.log.head(profile.id)).size).toBe(2);
  });

  it('lists the first problems only, and counts them all', async () => {
    const profile = await freshProfile();
    const bytes = csv(Array.from({ length: 12 }, (_, i) => ({ ...enrol(`e${i}`, `OP-${i}`), sex: 'x' })));

    const error = await failure(
      ingestStream(streamRequest(profile, 'b-1', { maxProblems: 5 }), sourceOf(bytes), ctx.ports),
      ValidationError,
    );

    expect(error.problems.map((p) => p.at)).toEqual([2, 3, 4, 5, 6]);
    expect(error.message).toBe(
      'batch rejected: 12 problems in 12 records; nothing was written; the first 5 are listed',
    );
  });

  it('rejects an empty file and a bad header like the in-memory path', async () => {
    const profile = await freshProfile();
    for (const bytes of [utf8(''), utf8('eventId,participant,type,date,source,shoeSize\n')]) {
      const error = await failure(
        ingestStream(streamRequest(profile, 'b-1'), sourceOf(bytes), ctx.ports),
        ValidationError,
      );
      const expected = await failure(ingestBatch(batchRequest(profile, 'b-1', bytes), ctx.ports), ValidationError);
      expect(error.problems).toEqual(expected.problems);
    }
  });

  it('returns the original receipt for the same batch again, and a conflict naming both hashes for other content', async () => {
    const profile = await freshProfile();
    const first = await ingestStream(streamRequest(profile, 'b-1'), sourceOf(csv([enrol('e1', 'OP-1')])), ctx.ports);

    const again = await ingestStream(streamRequest(profile, 'b-1'), sourceOf(csv([enrol('e1', 'OP-1')])), ctx.ports);
    const other = await failure(
      ingestStream(streamRequest(profile, 'b-1'), sourceOf(csv([enrol('e1', 'OP-2')])), ctx.ports),
      ConflictError,
    );

    expect(again).toEqual({ ...first, replayed: true });
    expect(other.message).toContain(first.archive.sha256);
    expect((await ctx.log.head(profile.id)).size).toBe(2);
  });

  it('appends nothing when the source changes between its reads', async () => {
    const profile = await freshProfile();
    const records = [enrol('e1', 'OP-1'), job('e2', 'OP-1'), enrol('e3', 'OP-2'), job('e4', 'OP-2')];
    const original = csv(records);
    const altered = csv([...records.slice(0, 3), { ...job('e4', 'OP-2'), monthlyWage: '1' }]);
    const shorter = csv(records.slice(0, 3));
    const changing = (reads: Uint8Array[]): ByteSource => {
      let n = 0;
      return () => sourceOf(reads[Math.min(n++, reads.length - 1)] as Uint8Array)();
    };

    // The third read (the write pass) differs in the second chunk: the first chunk may be written, never committed.
    const late = await failure(
      ingestStream(
        streamRequest(profile, 'b-1', { chunkRecords: 2 }),
        changing([original, original, altered]),
        ctx.ports,
      ),
      IntegrityError,
    );
    // The second read (validation) holds fewer rows than the first (count).
    const early = await failure(
      ingestStream(streamRequest(profile, 'b-2'), changing([original, shorter]), ctx.ports),
      IntegrityError,
    );

    expect(late.message).toMatch(/changed between reads/);
    expect(early.message).toMatch(/changed between reads/);
    expect((await ctx.log.head(profile.id)).size).toBe(1);
    expect(await ctx.store.byBatch(profile.id, 'b-1')).toEqual([]);
    expect((await footprint(profile.id)).objects).toBe(0);
  });
});

describe('S3Archive.putStream', () => {
  const archive = () => new S3Archive({ client: ctx.s3, bucket: testStack().buckets.archive });
  async function* pieces(bytes: Uint8Array) {
    yield bytes.subarray(0, 3);
    yield bytes.subarray(3);
  }

  it('stores the streamed bytes, refuses bytes that do not hash as announced, and skips a stored key', async () => {
    const key = `archive/put-stream-${process.pid}/${counter++}.jsonl`;
    const bytes = utf8('{"a":1}\n{"b":2}\n');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const exists = (k: string) =>
      ctx.s3.send(new HeadObjectCommand({ Bucket: testStack().buckets.archive, Key: k })).then(
        () => true,
        () => false,
      );

    await expect(archive().putStream(`${key}.bad`, pieces(bytes), '0'.repeat(64))).rejects.toThrow(/does not hash/);
    await archive().putStream(key, pieces(bytes), sha256);
    let read = false;
    await archive().putStream(
      key,
      (async function* () {
        read = true;
        yield bytes;
      })(),
      sha256,
    );

    expect(await exists(`${key}.bad`)).toBe(false);
    expect(await bodyOf(ctx.s3, testStack().buckets.archive, key)).toEqual(bytes);
    expect(read).toBe(false);
  });
});

describe('the S3-event ingest handler', () => {
  let rt: Runtime;
  beforeAll(async () => {
    rt = await localRuntime(dir, testStack());
  });
  beforeEach(() => setRuntime(rt));
  afterAll(() => {
    resetRuntime();
    rt.dynamo.destroy();
    rt.s3.destroy();
  });

  const bucket = () => testStack().buckets.uploads;

  /** PutObject as the presigned upload would, then the ObjectCreated event S3 would send for it. */
  async function upload(key: string, bytes: Uint8Array, metadata: Record<string, string>): Promise<S3Event> {
    const put = await rt.s3.send(
      new PutObjectCommand({ Bucket: bucket(), Key: key, Body: bytes, ContentType: 'text/csv', Metadata: metadata }),
    );
    return objectCreatedEvent({ bucket: bucket(), key, size: bytes.length, eTag: put.ETag ?? '' });
  }

  async function invokeS3(event: S3Event) {
    const printed: string[] = [];
    const capture = (chunk: string | Uint8Array) => {
      printed.push(...String(chunk).split('\n').filter(Boolean));
      return true;
    };
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(capture),
      vi.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
    try {
      const result = await (handler as unknown as (e: S3Event, c: Context) => Promise<{ uploads: unknown[] }>)(
        event,
        lambdaContext(),
      );
      return { result, printed };
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  const resultOf = async (contract: string, batchId: string) =>
    JSON.parse(new TextDecoder().decode(await bodyOf(rt.s3, bucket(), resultKey(contract, batchId))));

  /** A fresh contract (profile file) registered in its log. */
  const registeredContract = async () => {
    const contract = freshContract(contractsDir, 's3');
    await registerFixture(rt, contract);
    return contract;
  };

  it('ingests an uploaded CSV, writes the receipt beside it and deletes the upload; the same event again changes nothing', async () => {
    const contract = await registeredContract();
    const key = `uploads/${contract}/2024-05/a.csv`;
    const event = await upload(key, csv(batchOfThree()), { 'batch-id': '2024-05/a', submitter: 'operator-7' });

    const { result, printed } = await invokeS3(event);
    const receipt = (await resultOf(contract, '2024-05/a')) as IngestReceipt;
    const uploadLeft = await ctx.s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: key })).then(
      () => true,
      () => false,
    );
    const again = await invokeS3(event); // S3 delivers at least once

    expect(result.uploads).toEqual([{ key, result: resultKey(contract, '2024-05/a'), status: 'accepted' }]);
    expect(receipt).toMatchObject({ contract, batchId: '2024-05/a', seq: 1, recordCount: 7, replayed: false });
    // The raw CSV (participant references) is gone; a redelivered event finds nothing to ingest.
    expect(uploadLeft).toBe(false);
    expect(again.result.uploads).toEqual([{ key, status: 'skipped' }]);
    expect(await resultOf(contract, '2024-05/a')).toEqual(receipt);
    const entry = await rt.ledger.batchEntry(contract, '2024-05/a');
    expect(entry).toMatchObject({ seq: 1, entryHash: receipt.entryHash, body: { recordsRoot: receipt.recordsRoot } });
    expect((await rt.log.head(contract)).size).toBe(2);
    const logged = printed.join('\n');
    expect(logged).toContain('batch accepted');
    expect(logged).toContain('RecordsAccepted');
    for (const reference of ['4510 123456', '4510-123456', 'OP-0007']) expect(logged).not.toContain(reference);
  });

  it('puts the archive and the outcome with a SHA-256 for S3 to check', async () => {
    // Prepare
    const contract = await registeredContract();
    const key = `uploads/${contract}/sum.csv`;
    const event = await upload(key, csv(batchOfThree()), { 'batch-id': 'sum', submitter: 'operator-7' });
    const send = vi.spyOn(rt.s3, 'send');

    // Act
    let calls: unknown[][] = [];
    try {
      await invokeS3(event);
      calls = [...send.mock.calls];
    } finally {
      send.mockRestore();
    }

    // Assess
    const puts = calls
      .map(([command]) => command)
      .filter((command) => command instanceof PutObjectCommand)
      .map((command) => command.input);
    const outcome = puts.find((input) => input.Key === resultKey(contract, 'sum'));
    const stored = await bodyOf(rt.s3, bucket(), resultKey(contract, 'sum'));
    expect(outcome?.ChecksumSHA256).toBe(createHash('sha256').update(stored).digest('base64'));
    const archived = puts.find((input) => input.Key?.startsWith('archive/'));
    expect(archived?.ChecksumAlgorithm ?? (archived?.ChecksumSHA256 === undefined ? undefined : 'SHA256')).toBe(
      'SHA256',
    );
  });

  it('writes the problem document of a rejected upload, with CSV lines, and does not fail the invocation', async () => {
    const contract = await registeredContract();
    const key = `uploads/${contract}/b-bad.csv`;
    const bytes = csv([enrol('e1', 'OP-1'), { ...job('e2', 'OP-1'), monthlyWage: '-5' }, job('e3', 'OP-9')]);
    const event = await upload(key, bytes, { 'batch-id': 'b-bad', submitter: 'operator-7' });

    const { result } = await invokeS3(event);
    const problem = await resultOf(contract, 'b-bad');
    const stored = await rt.s3.send(new HeadObjectCommand({ Bucket: bucket(), Key: resultKey(contract, 'b-bad') }));

    expect(result.uploads).toEqual([{ key, result: resultKey(contract, 'b-bad'), status: 'rejected' }]);
    expect(stored.ContentType).toBe('application/problem+json');
    expect(problem).toMatchObject({ status: 422, title: 'Batch rejected', instance: key });
    expect(problem.errors.map((e: { at: number; field?: string }) => [e.at, e.field])).toEqual([
      [3, 'monthlyWage'],
      [4, 'participant'],
    ]);
    expect((await rt.log.head(contract)).size).toBe(1);
  });

  it('rejects an upload for a contract with a profile but no registration (409), archiving and appending nothing', async () => {
    const contract = freshContract(contractsDir, 's3');
    const key = `uploads/${contract}/early.csv`;
    const event = await upload(key, csv(batchOfThree()), { 'batch-id': 'early', submitter: 'operator-7' });

    const { result } = await invokeS3(event);
    const problem = await resultOf(contract, 'early');
    const archived = await rt.s3.send(new ListObjectsV2Command({ Bucket: testStack().buckets.archive }));

    expect(result.uploads).toEqual([{ key, result: resultKey(contract, 'early'), status: 'rejected' }]);
    expect(problem).toMatchObject({ status: 409, instance: key });
    expect(problem.detail).toMatch(`contract ${contract} is not registered: register the contract first`);
    expect((await rt.log.head(contract)).size).toBe(0);
    expect(await rt.store.byBatch(contract, 'early')).toEqual([]);
    expect((archived.Contents ?? []).filter((o) => o.Key?.includes(contract))).toEqual([]);
  });

  it('rejects an upload without a submitter or with another batch id in its metadata', async () => {
    const contract = freshContract(contractsDir, 's3');
    const bytes = csv([enrol('e1', 'OP-1')]);

    await invokeS3(await upload(`uploads/${contract}/b-1.csv`, bytes, { 'batch-id': 'b-1' }));
    await invokeS3(await upload(`uploads/${contract}/b-2.csv`, bytes, { 'batch-id': 'b-3', submitter: 'op' }));

    expect((await resultOf(contract, 'b-1')).errors).toEqual([{ field: 'submitter', message: expect.any(String) }]);
    expect((await resultOf(contract, 'b-2')).errors).toEqual([{ field: 'batch-id', message: expect.any(String) }]);
    expect((await rt.log.head(contract)).size).toBe(0);
  });

  it('skips an upload replaced since its event (the newer one has its own event)', async () => {
    const contract = freshContract(contractsDir, 's3');
    const key = `uploads/${contract}/b-1.csv`;
    const stale = await upload(key, csv([enrol('e1', 'OP-1')]), { 'batch-id': 'b-1', submitter: 'op' });
    await upload(key, csv([enrol('e1', 'OP-2')]), { 'batch-id': 'b-1', submitter: 'op' });

    const { result } = await invokeS3(stale);

    expect(result.uploads).toEqual([{ key, status: 'skipped' }]);
    expect((await rt.log.head(contract)).size).toBe(0);
  });
});
