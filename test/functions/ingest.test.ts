import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractProfile } from '#contracts';
import { ConflictError, ValidationError } from '#kernel';
import { logVerifierKey, verifyStoredLog } from '#ledger';
import { type IngestRequest, ingestBatch } from '#services';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { S3Archive } from '../../functions/adapters/s3-archive.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { enrol, job, release } from '../support/evidence.ts';
import { type EvidenceContext, openEvidence, registerFixture } from '../support/runtime.ts';
import { alteringClient } from '../support/s3-altering.ts';
import { dynamoClient, s3Client, testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-ingest-'));
let ctx: EvidenceContext;
let base: ContractProfile;
let counter = 0;

beforeAll(async () => {
  ctx = await openEvidence(dir, testStack());
  base = await loadProfile('second-chance-kamchatka');
});
afterAll(() => {
  ctx.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A profile of a fresh contract id (each test its own log), with the Second Chance terms. */
/** A contract with its profile, registered (evidence for an unregistered contract is refused). */
async function freshProfile(): Promise<ContractProfile> {
  const profile = { ...base, id: `ingest-${process.pid}-${counter++}` };
  await registerFixture(ctx, profile.id);
  return profile;
}
function request(profile: ContractProfile, batchId: string, values: unknown[]): IngestRequest {
  return {
    profile,
    batchId,
    submitter: { sub: 'operator-1', role: 'operator' },
    records: values.map((value, at) => ({ at, value })),
    today: '2026-01-01',
  };
}

/** The archive bucket's keys that name the contract. */
async function archivedKeys(contract: string): Promise<string[]> {
  const list = await s3Client().send(new ListObjectsV2Command({ Bucket: testStack().buckets.archive }));
  return (list.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k.includes(contract));
}

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ValidationError);
  return error as ValidationError;
}

describe('ingesting a batch', () => {
  it('refuses a batch for a contract with a profile but no registration in its log (409), writing nothing', async () => {
    const profile = { ...base, id: `ingest-${process.pid}-unregistered-${counter++}` };
    const before = await archivedKeys(profile.id);

    const error = await ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-0001')]), ctx.ports).catch((e) => e);

    expect(error).toBeInstanceOf(ConflictError);
    expect(error.message).toMatch(new RegExp(`^contract ${profile.id} is not registered: register the contract first`));
    expect((await ctx.log.head(profile.id)).size).toBe(0);
    expect(await ctx.store.byBatch(profile.id, 'b-1')).toEqual([]);
    expect(await archivedKeys(profile.id)).toEqual(before);
  });

  it('appends one entry whose records are archived, queryable and covered by the checkpoint', async () => {
    const profile = await freshProfile();

    const receipt = await ingestBatch(
      request(profile, 'b-1', [enrol('e1', '4510 123456'), job('e2', '4510-123456'), enrol('e3', 'OP-0007')]),
      ctx.ports,
    );

    expect(receipt).toMatchObject({ contract: profile.id, batchId: 'b-1', seq: 1, recordCount: 3, replayed: false });
    expect(receipt.checkpoint.split('\n')[1]).toBe('2');
    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: testStack().buckets.archive, Key: receipt.archive.key }),
    );
    const archived = new Uint8Array(
      await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
    );
    expect(createHash('sha256').update(archived).digest('hex')).toBe(receipt.archive.sha256);
    const byBatch = await ctx.store.byBatch(profile.id, 'b-1');
    expect(byBatch.map((r) => r.record.eventId)).toEqual(['e1', 'e2', 'e3']);
    const participant = byBatch[0]?.record.participant as string;
    expect(participant).toMatch(/^p-[0-9a-f]{32}$/);
    expect((await ctx.store.byParticipant(profile.id, participant)).map((r) => r.record.eventId)).toEqual(['e1', 'e2']);
    expect((await ctx.store.byType(profile.id, 'enrolment', '2024-01-01', '2024-12-31')).length).toBe(2);
    const signer = await LocalSigner.open({ dataDir: dir });
    const key = await logVerifierKey(signer, profile.id);
    expect((await verifyStoredLog(ctx.log, profile.id, [key])).ok).toBe(true);
  });

  it('returns the original receipt for the same batch again, and a conflict naming both hashes for other content', async () => {
    const profile = await freshProfile();
    const first = await ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-1')]), ctx.ports);

    const again = await ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-1')]), ctx.ports);
    const other = ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-2')]), ctx.ports);

    expect(again).toEqual({ ...first, replayed: true });
    const error = await other.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as ConflictError).message).toContain(first.archive.sha256);
    expect((await ctx.log.head(profile.id)).size).toBe(2);
  });

  it('rejects a batch with any bad record whole, lists every problem, and writes nothing anywhere', async () => {
    const profile = await freshProfile();
    await ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-1')]), ctx.ports);
    const before = await countItems(profile.id);

    const error = await rejection(
      ingestBatch(
        request(profile, 'b-2', [
          job('e1', 'OP-1'), // duplicate event id against the ledger
          job('e5', 'OP-9'), // participant never enrolled
          { ...job('e6', 'OP-1'), monthlyWage: '-5' }, // negative wage
          { ...enrol('e7', 'OP-3'), date: '2031-01-01' }, // in the future, and after the term
          { ...job('e8', 'OP-1'), __proto__: 'x', extra: 1 }, // unknown fields
        ]),
        ctx.ports,
      ),
    );

    const at = new Set(error.problems.map((p) => p.at));
    expect([...at].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(error.problems.find((p) => p.at === 0)?.message).toMatch(/already in the ledger|duplicate/i);
    expect(error.problems.find((p) => p.at === 1)?.message).toMatch(/not enrolled/);
    expect(error.problems.find((p) => p.at === 2)?.field).toBe('monthlyWage');
    expect((await ctx.log.head(profile.id)).size).toBe(2);
    expect(await countItems(profile.id)).toEqual(before);
  });

  it('checks a large batch (over 200 participants, read through the type index) by the same rules', async () => {
    const profile = await freshProfile();
    await ingestBatch(request(profile, 'b-1', [enrol('old-e', 'OLD-1'), job('old-j', 'OLD-1')]), ctx.ports);
    const many = Array.from({ length: 240 }, (_, i) => enrol(`n-${i}`, `NEW-${i}`));
    const ended = {
      eventId: 'old-end',
      participant: 'OLD-1',
      type: 'employment-ended',
      date: '2024-03-15', // before the start recorded in the earlier batch
      source: 'employer',
      employerId: 'KAMCHATKA-FISH',
      reason: 'resigned',
    };

    const error = await rejection(
      ingestBatch(
        request(profile, 'b-2', [...many, enrol('again', 'OLD-1'), job('stray', 'NOBODY-1'), ended]),
        ctx.ports,
      ),
    );

    const messages = new Map(error.problems.map((p) => [p.at, p.message]));
    expect([...messages.keys()].sort((a, b) => Number(a) - Number(b))).toEqual([240, 241, 242]);
    expect(messages.get(240)).toMatch(/already enrolled/);
    expect(messages.get(241)).toMatch(/not enrolled/);
    expect(messages.get(242)).toMatch(/before|start/);
  });

  it('rewrites on resubmission a truncated archive a killed first submission left, and commits on the intact one', async () => {
    // Prepare: the first submission dies after writing half its archive object (a killed emulator, a full disk).
    const profile = await freshProfile();
    const values = [enrol('e1', 'OP-1'), enrol('e2', 'OP-2')];
    let left: string | undefined;
    const dying = {
      ...ctx.ports,
      archive: {
        put: async (key: string, body: Uint8Array) => {
          left = key;
          await s3Client().send(
            new PutObjectCommand({ Bucket: testStack().buckets.archive, Key: key, Body: body.subarray(0, 10) }),
          );
          throw new Error('the emulator was killed');
        },
        putStream: () => Promise.reject(new Error('not used')),
      },
    };
    await expect(ingestBatch(request(profile, 'b-1', values), dying)).rejects.toThrow(/killed/);
    expect((await ctx.log.head(profile.id)).size).toBe(1);

    // Act
    const receipt = await ingestBatch(request(profile, 'b-1', values), ctx.ports);

    // Assess
    expect(receipt.archive.key).toBe(left);
    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: testStack().buckets.archive, Key: receipt.archive.key }),
    );
    const archived = await (object.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
    expect(createHash('sha256').update(archived).digest('hex')).toBe(receipt.archive.sha256);
    expect((await ctx.log.head(profile.id)).size).toBe(2);
  });

  it('commits nothing when the archive bytes are altered on the way', async () => {
    // Prepare
    const profile = await freshProfile();
    const client = alteringClient();
    const ports = {
      ...ctx.ports,
      archive: new S3Archive({ client, bucket: testStack().buckets.archive, readBack: true }),
    };

    // Act
    const error = await ingestBatch(request(profile, 'b-1', [enrol('e1', 'OP-1')]), ports).catch((e: unknown) => e);
    client.destroy();

    // Assess
    expect((error as Error).message).toMatch(/does not read back as written: stored damaged/);
    expect((await ctx.log.head(profile.id)).size).toBe(1);
    expect(await ctx.store.byBatch(profile.id, 'b-1')).toEqual([]);
  });

  it('rejects an empty batch', async () => {
    const error = await rejection(ingestBatch(request(await freshProfile(), 'b-1', []), ctx.ports));

    expect(error.problems[0]?.message).toMatch(/no records/);
  });

  it('lets only one of two concurrent batches claim the same event id', async () => {
    const profile = await freshProfile();
    await ingestBatch(request(profile, 'b-0', [enrol('e0', 'OP-1')]), ctx.ports);

    const results = await Promise.allSettled([
      ingestBatch(request(profile, 'b-1', [job('same', 'OP-1')]), ctx.ports),
      ingestBatch(request(profile, 'b-2', [{ ...job('same', 'OP-1'), monthlyWage: '7000000' }]), ctx.ports),
    ]);

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toBeInstanceOf(ValidationError);
    const records = await ctx.store.byType(profile.id, 'employment-started');
    expect(records).toHaveLength(1);
  });

  it('stores no participant reference in clear anywhere: every DynamoDB item and S3 object is scanned', async () => {
    const profile = await freshProfile();
    const references = ['7712 345678', 'KZ-990101300123', 'OP-SECRET-42'];

    await ingestBatch(
      request(
        profile,
        'pii-1',
        references.map((ref, i) => enrol(`pii-${i}`, ref)),
      ),
      ctx.ports,
    );

    const needles = references.flatMap((r) => [r, r.replaceAll(/[\s-]/g, ''), r.toLowerCase()]);
    const haystack: string[] = [];
    const db = DynamoDBDocumentClient.from(dynamoClient());
    for (const table of Object.values(testStack().tables)) {
      let start: Record<string, unknown> | undefined;
      do {
        const out = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
        for (const item of out.Items ?? []) haystack.push(JSON.stringify(item));
        start = out.LastEvaluatedKey;
      } while (start);
    }
    const s3 = s3Client();
    for (const bucket of Object.values(testStack().buckets)) {
      const list = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const { Key } of list.Contents ?? []) {
        const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key }));
        haystack.push(await (object.Body as { transformToString(): Promise<string> }).transformToString());
      }
    }
    const text = haystack.join('\n');
    expect(text).toContain(profile.id);
    for (const needle of needles) expect(text).not.toContain(needle);
  });
});

/** Items of a contract in both tables (records, ledger items). */
async function countItems(contract: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(dynamoClient());
  let n = 0;
  for (const table of Object.values(testStack().tables)) {
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start }));
      n += (out.Items ?? []).filter((i) => JSON.stringify(i).includes(contract)).length;
      start = out.LastEvaluatedKey;
    } while (start);
  }
  return n;
}

describe('a timeline that contradicts the participant’s earlier records in the log', () => {
  const custody = (eventId: string, participant: string, date: string, to: string) => ({
    eventId,
    participant,
    type: 'custody-spell',
    date,
    source: 'court',
    to,
  });
  const died = (eventId: string, participant: string, date: string) => ({
    eventId,
    participant,
    type: 'withdrawal',
    date,
    source: 'operator',
    reason: 'died',
  });

  it('refuses each contradiction naming the earlier record in the log, writing nothing; a harmless batch passes', async () => {
    const profile = await freshProfile();
    await ingestBatch(
      request(profile, 'b-1', [
        { ...enrol('e1', 'OP-0001', '2024-03-01'), category: 'serving-sentence' },
        custody('c1', 'OP-0001', '2024-05-01', '2024-05-31'),
        enrol('e2', 'OP-0002', '2024-03-01'),
        died('w2', 'OP-0002', '2024-04-01'),
      ]),
      ctx.ports,
    );

    const error = await rejection(
      ingestBatch(
        request(profile, 'b-2', [
          release('r1', 'OP-0001', '2024-02-01'),
          custody('c2', 'OP-0001', '2024-05-31', '2024-06-15'),
          job('j2', 'OP-0002', '2024-04-02'),
        ]),
        ctx.ports,
      ),
    );
    const accepted = await ingestBatch(
      request(profile, 'b-3', [
        release('r1', 'OP-0001', '2024-03-01'),
        custody('c2', 'OP-0001', '2024-06-01', '2024-06-15'),
        job('j2', 'OP-0002', '2024-04-01'),
      ]),
      ctx.ports,
    );

    expect(error.problems).toEqual([
      {
        at: 0,
        field: 'date',
        message:
          'release on 2024-02-01 is before the enrolment on 2024-03-01 of a participant enrolled while serving a sentence (event e1 in the ledger)',
      },
      {
        at: 1,
        field: 'date',
        message:
          'custody spell 2024-05-31..2024-06-15 overlaps the custody spell 2024-05-01..2024-05-31 (event c1 in the ledger): its days would count twice',
      },
      {
        at: 2,
        field: 'date',
        message:
          "employment-started on 2024-04-02 is dated after the participant's withdrawal for death on 2024-04-01 (event w2 in the ledger)",
      },
    ]);
    expect(await ctx.store.byBatch(profile.id, 'b-2')).toEqual([]);
    expect(accepted).toMatchObject({ seq: 2, recordCount: 3 });
  });

  it('lets a record a correction superseded contradict nothing: a corrected custody spell or death', async () => {
    const profile = await freshProfile();
    const correction = (eventId: string, participant: string, supersedes: string) => ({
      eventId,
      participant,
      type: 'correction',
      date: '2024-07-01',
      source: 'operator',
      supersedes,
      reason: 'entered by mistake',
    });
    await ingestBatch(
      request(profile, 'b-1', [
        { ...enrol('e1', 'OP-0001', '2024-03-01'), category: 'serving-sentence' },
        custody('c1', 'OP-0001', '2024-05-01', '2024-05-31'),
        died('w1', 'OP-0001', '2024-05-31'),
      ]),
      ctx.ports,
    );
    await ingestBatch(
      request(profile, 'b-2', [correction('x1', 'OP-0001', 'c1'), correction('x2', 'OP-0001', 'w1')]),
      ctx.ports,
    );

    const accepted = await ingestBatch(
      request(profile, 'b-3', [
        custody('c2', 'OP-0001', '2024-05-20', '2024-06-10'),
        job('j1', 'OP-0001', '2024-06-11'),
      ]),
      ctx.ports,
    );

    expect(accepted).toMatchObject({ seq: 3, recordCount: 2 });
  });
});
