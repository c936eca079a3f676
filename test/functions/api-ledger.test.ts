/**
 * The ledger routes of the HTTP API (functions/api/ledger.ts), invoked with
 * hand-built API Gateway v2 events carrying verified JWT claims, against the
 * real local test stack (DynamoDB Local, s3rver) through an injected runtime.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fromHex, utf8 } from '#kernel';
import type { Role } from '#ledger';
import {
  checkEntryProof,
  checkpointOrigin,
  checkRecordProof,
  checkSigners,
  cosignNote,
  type EntryProofDocument,
  logSigner,
  parseTrustPolicy,
  type RecordProofDocument,
  signCheckpoint,
  TRUST_POLICY_FORMAT,
  verifierKey,
  verifyCheckpoint,
  verifyConsistency,
  verifyExportBytes,
} from '#ledger';
import { type IngestReceipt, ingestBatch } from '#services';
import {
  CheckpointSchema,
  ConsistencySchema,
  CosignResultSchema,
  EntryProofSchema,
  exportSettings,
  handler,
  IMPLS,
  ReceiptSchema,
  RecordProofSchema,
  RecordsSchema,
  UploadStatusSchema,
} from '../../functions/api/ledger.ts';
import { ROUTES } from '../../functions/api/routes.ts';
import { type S3Event, handler as s3Handler } from '../../functions/ingest-s3.ts';
import { uploadKey } from '../../functions/presign-upload.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { enrol, freshContract, job, lambdaContext, saveEnv } from '../support/http.ts';
import { registerFixture } from '../support/runtime.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';
import { testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-api-ledger-'));
const contracts = join(dir, 'contracts');
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
let rt: Runtime;
/** The log's verifier key for a contract: named by its checkpoint origin. */
let logKey: (contract: string) => string;

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  process.env.SIB_CONTRACTS_DIR = contracts;
  rt = await localRuntime(dir, testStack());
  const publicKey = await rt.signer.publicKey();
  logKey = (contract) => verifierKey(`${rt.signer.name}/${contract}`, publicKey);
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt.dynamo.destroy();
  rt.s3.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

// ---- calling the handler

interface Call {
  readonly query?: Record<string, string>;
  readonly body?: unknown;
  readonly role?: Role;
  /** The contracts the token allows (default: the one in the path). */
  readonly contracts?: string;
  readonly headers?: Record<string, string>;
}

/** An API Gateway v2 event for route `id` with these path parameters, as the authorizer passes it on. */
function routeEvent(id: string, params: Record<string, string>, call: Call = {}): APIGatewayProxyEventV2 {
  const route = ROUTES.find((r) => r.id === id);
  if (!route) throw new Error(`no route ${id}`);
  const routeKey = `${route.method} ${route.path}`;
  const rawPath = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const query = call.query ?? {};
  const claims = {
    sub: `${call.role ?? 'evaluator'}-1`,
    'cognito:groups': [call.role ?? 'evaluator'],
    'custom:contracts': call.contracts ?? params.contract ?? '',
  };
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: {
      host: 'api.example.test',
      ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...call.headers,
    },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    pathParameters: params,
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${Math.random().toString(36).slice(2)}`,
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_341_600_000,
      authorizer: { jwt: { claims, scopes: [] } },
    },
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  readonly body: any;
}

async function call(id: string, params: Record<string, string>, options: Call = {}): Promise<Answer> {
  const quiet = () => true;
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(quiet),
    vi.spyOn(process.stderr, 'write').mockImplementation(quiet),
  ];
  try {
    const result = await handler(routeEvent(id, params, options), lambdaContext());
    const headers = (result.headers ?? {}) as Record<string, string>;
    const text = result.body ?? '';
    const isJson = /^application\/(problem\+)?json$/.test(headers['content-type'] ?? '') && text !== '';
    return { status: result.statusCode ?? 200, headers, text, body: isJson ? JSON.parse(text) : undefined };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

function expectProblem(answer: Answer, status: number, detail?: RegExp) {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  if (detail) expect(answer.body.detail).toMatch(detail);
}

// ---- a contract with a log

const TODAY = '2026-01-01';

async function ingest(contract: string, batchId: string, records: unknown[]): Promise<IngestReceipt> {
  return ingestBatch(
    {
      profile: await loadProfile(contract),
      batchId,
      submitter: { sub: 'operator-7', role: 'operator' },
      records: records.map((value, at) => ({ at, value })),
      today: TODAY,
    },
    rt.ports,
  );
}

/** A fresh contract (profile file) registered in its log (entry 0), as the ministry does before any evidence. */
async function fresh(prefix: string): Promise<string> {
  const contract = freshContract(contracts, prefix);
  await registerFixture(rt, contract);
  return contract;
}

interface Fixture {
  readonly contract: string;
  readonly receipts: IngestReceipt[];
}

/** A contract with three batches: two enrolments and a job, a third enrolment, then two jobs. */
async function fixture(): Promise<Fixture> {
  const contract = await fresh('ledger');
  const receipts = [
    await ingest(contract, 'b-1', [
      enrol('e1', 'OP-0001', '2024-03-01'),
      enrol('e2', 'OP-0002', '2024-03-02'),
      job('e3', 'OP-0001', '2024-04-01'),
    ]),
    await ingest(contract, '2024-05/b', [enrol('e4', 'OP-0003', '2024-05-01')]),
    await ingest(contract, 'b-3', [job('e5', 'OP-0002', '2024-06-01'), job('e6', 'OP-0003', '2024-06-02')]),
  ];
  return { contract, receipts };
}

let f: Fixture;
beforeAll(async () => {
  f = await fixture();
});

describe('the module', () => {
  it('implements exactly the routes the route table gives to api/ledger', () => {
    const routes = ROUTES.filter((r) => r.handler === 'api/ledger').map((r) => r.id);
    expect(Object.keys(IMPLS).sort()).toEqual([...routes].sort());
  });

  it('answers a role the route does not allow with 403, and a token for another contract with 403', async () => {
    const investor = await call(
      'queryRecords',
      { contract: f.contract },
      { role: 'investor', query: { batch: 'b-1' } },
    );
    const other = await call('getCheckpoint', { contract: f.contract }, { contracts: 'someone-else' });

    expectProblem(investor, 403, /investor role may not/);
    expectProblem(other, 403, /does not allow acting on contract/);
  });
});

describe('GET /contracts/{contract}/batches/{batchId}', () => {
  it("answers a batch's receipt: entry, records root, archive and the checkpoint after it", async () => {
    const receipt = f.receipts[1] as IngestReceipt;

    const answer = await call('getBatch', { contract: f.contract, batchId: '2024-05/b' }, { role: 'operator' });

    expect(answer.status).toBe(200);
    expect(ReceiptSchema.parse(answer.body)).toBeTruthy();
    const { replayed: _, ...expected } = receipt;
    expect(answer.body).toEqual({ ...expected, types: { enrolment: 1 } });
    expect(verifyCheckpoint(answer.body.checkpoint, [logKey(f.contract)]).size).toBe(receipt.seq + 1);
  });

  it('answers 404 for a batch never appended, and 400 for a malformed batch id', async () => {
    const missing = await call('getBatch', { contract: f.contract, batchId: 'b-404' });
    const bad = await call('getBatch', { contract: f.contract, batchId: '../etc' });

    expectProblem(missing, 404, /batch b-404 has no entry/);
    expectProblem(bad, 400, /invalid path parameter batchId/);
    expect(bad.body.errors[0].field).toBe('batchId');
  });
});

describe('GET /contracts/{contract}/uploads/{batchId}', () => {
  const bucket = () => testStack().buckets.uploads;
  const csv = (records: Record<string, unknown>[]) => {
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
    return utf8(
      `${[columns.join(','), ...records.map((r) => columns.map((c) => String(r[c] ?? '')).join(','))].join('\n')}\n`,
    );
  };

  /** What a presigned upload writes, then the S3 event of it through the ingest (functions/ingest-s3.ts). */
  async function upload(contract: string, batchId: string, bytes: Uint8Array, ingestIt = true): Promise<void> {
    const key = uploadKey(contract, batchId);
    const put = await rt.s3.send(
      new PutObjectCommand({
        Bucket: bucket(),
        Key: key,
        Body: bytes,
        ContentType: 'text/csv',
        Metadata: { 'batch-id': batchId, submitter: 'operator-7' },
      }),
    );
    if (!ingestIt) return;
    const event = objectCreatedEvent({ bucket: bucket(), key, size: bytes.length, eTag: put.ETag ?? '' });
    const quiet = () => true;
    const spies = [
      vi.spyOn(process.stdout, 'write').mockImplementation(quiet),
      vi.spyOn(process.stderr, 'write').mockImplementation(quiet),
    ];
    try {
      await (s3Handler as unknown as (e: S3Event, c: Context) => Promise<unknown>)(event as S3Event, lambdaContext());
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  }

  it('answers pending while the upload is not ingested, then accepted with the receipt', async () => {
    const contract = await fresh('upl');
    const bytes = csv([enrol('u1', 'OP-0101'), enrol('u2', 'OP-0102')]);
    await upload(contract, 'up-1', bytes, false);

    const pending = await call('getUpload', { contract, batchId: 'up-1' }, { role: 'operator' });
    await upload(contract, 'up-1', bytes);
    const accepted = await call('getUpload', { contract, batchId: 'up-1' }, { role: 'operator' });

    expect(pending.status).toBe(200);
    expect(UploadStatusSchema.parse(pending.body)).toMatchObject({ status: 'pending', batchId: 'up-1' });
    expect(pending.body.uploadedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(UploadStatusSchema.parse(accepted.body)).toMatchObject({
      status: 'accepted',
      batchId: 'up-1',
      receipt: { contract, batchId: 'up-1', seq: 1, recordCount: 2 },
    });
    const batch = await call('getBatch', { contract, batchId: 'up-1' }, { role: 'operator' });
    expect(batch.body).toMatchObject({ entryHash: accepted.body.receipt.entryHash });
  });

  it('answers rejected with every problem of a rejected upload', async () => {
    const contract = await fresh('upl');
    await upload(contract, 'up-bad', csv([enrol('u1', 'OP-0101'), { ...job('u2', 'OP-0101'), monthlyWage: '-5' }]));

    const answer = await call('getUpload', { contract, batchId: 'up-bad' }, { role: 'operator' });

    expect(answer.status).toBe(200);
    expect(UploadStatusSchema.parse(answer.body)).toMatchObject({ status: 'rejected', title: 'Batch rejected' });
    expect(answer.body.problems).toContainEqual(expect.objectContaining({ field: 'monthlyWage' }));
    expect(await rt.ledger.batchEntry(contract, 'up-bad')).toBeUndefined();
  });

  it('answers 404 when nothing was uploaded under the batch id, 400 for a batch id with dot segments, and 403 to a role other than operator', async () => {
    const missing = await call('getUpload', { contract: f.contract, batchId: 'never' }, { role: 'operator' });
    const evaluator = await call('getUpload', { contract: f.contract, batchId: 'never' }, { role: 'evaluator' });

    const dots = await call('getUpload', { contract: f.contract, batchId: 'a/../../b' }, { role: 'operator' });

    expectProblem(missing, 404, /no upload of batch never/);
    expectProblem(evaluator, 403);
    expectProblem(dots, 400);
    expect(dots.body.errors[0]).toMatchObject({ field: 'batchId', message: 'no empty, . or .. path segments' });
  });
});

describe('GET /contracts/{contract}/records', () => {
  const query = (q: Record<string, string>, role: Role = 'evaluator') =>
    call('queryRecords', { contract: f.contract }, { role, query: q });
  const ids = (answer: Answer) => answer.body.records.map((r: { record: { eventId: string } }) => r.record.eventId);

  it("gives one participant's records by the operator's reference or by pseudonym, pseudonymised", async () => {
    const byReference = await query({ participant: 'OP-0001' }, 'operator');
    const pseudonym = byReference.body.records[0].record.participant as string;
    const byPseudonym = await query({ participant: pseudonym });

    expect(byReference.status).toBe(200);
    expect(RecordsSchema.parse(byReference.body)).toBeTruthy();
    expect(ids(byReference)).toEqual(['e1', 'e3']);
    expect(pseudonym).toMatch(/^p-[0-9a-f]{32}$/);
    expect(byPseudonym.body).toEqual(byReference.body);
    expect(byReference.text).not.toContain('OP-0001');
    expect(byReference.body.records[0]).toMatchObject({ batchId: 'b-1', index: 0 });
  });

  it('refuses to pseudonymise a reference for anyone but the operator (403), and a bad reference is 422', async () => {
    const evaluator = await query({ participant: 'OP-0001' });
    const bad = await query({ participant: '!!' }, 'operator');

    expectProblem(evaluator, 403, /only the operator/);
    expectProblem(bad, 422);
    expect(bad.body.errors[0].field).toBe('query.participant');
  });

  it('gives a batch in record order, and a type within dates', async () => {
    const batch = await query({ batch: 'b-3' });
    const jobs = await query({ type: 'employment-started', from: '2024-05-01', to: '2024-06-01' });
    const all = await query({ type: 'enrolment' });

    expect(ids(batch)).toEqual(['e5', 'e6']);
    expect(ids(jobs)).toEqual(['e5']);
    expect(ids(all)).toEqual(['e1', 'e2', 'e4']);
    expect(all.body.next).toBeUndefined();
  });

  it('pages with limit and the next cursor, through every record once', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await query({ type: 'enrolment', limit: '2', ...(cursor ? { cursor } : {}) });
      expect(answer.status).toBe(200);
      seen.push(...ids(answer));
      cursor = answer.body.next;
      if (cursor === undefined) break;
    }
    const batchPages = [await query({ batch: 'b-1', limit: '2' })];
    batchPages.push(await query({ batch: 'b-1', limit: '2', cursor: batchPages[0]?.body.next }));

    expect(seen).toEqual(['e1', 'e2', 'e4']);
    expect(batchPages.flatMap(ids)).toEqual(['e1', 'e2', 'e3']);
    expect(batchPages[1]?.body.next).toBeUndefined();
  });

  it('reads one page per page from DynamoDB: items read per page stay near the limit, however many match', async () => {
    // Prepare: 60 enrolments in one contract.
    const contract = await fresh('paged');
    const enrolments = Array.from({ length: 60 }, (_, i) =>
      enrol(
        `p${String(i).padStart(3, '0')}`,
        `OP-${String(i).padStart(4, '0')}`,
        `2024-03-${String((i % 28) + 1).padStart(2, '0')}`,
      ),
    );
    await ingest(contract, 'b-all', enrolments);
    const page = async (q: Record<string, string>) => {
      const before = rt.store.itemsRead;
      const answer = await call('queryRecords', { contract }, { query: q });
      return { answer, read: rt.store.itemsRead - before };
    };

    // Act
    const first = await page({ type: 'enrolment', limit: '1' });
    const walked: { ids: string[]; read: number }[] = [];
    let cursor: string | undefined;
    do {
      const { answer, read } = await page({ type: 'enrolment', limit: '7', ...(cursor ? { cursor } : {}) });
      expect(answer.status, answer.text).toBe(200);
      walked.push({ ids: ids(answer), read });
      cursor = answer.body.next;
    } while (cursor !== undefined && walked.length < 20);
    const byBatch = await page({ batch: 'b-all', limit: '5' });

    // Assess: a page of n reads n + 1 items (the one more tells whether a next page exists), not 60.
    expect(first.answer.body.records).toHaveLength(1);
    expect(first.read).toBeLessThanOrEqual(2);
    expect(first.answer.body.next).toEqual(expect.any(String));
    expect(walked).toHaveLength(9);
    for (const w of walked) expect(w.read).toBeLessThanOrEqual(8);
    const seen = walked.flatMap((w) => w.ids);
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    const dated = [...enrolments].sort((a, b) => `${a.date}#${a.eventId}`.localeCompare(`${b.date}#${b.eventId}`));
    expect(seen).toEqual(dated.map((e) => e.eventId));
    expect(byBatch.read).toBeLessThanOrEqual(6);
    expect(ids(byBatch.answer)).toEqual(['p000', 'p001', 'p002', 'p003', 'p004']);
  });

  it('refuses a cursor of another contract, another date range or altered (422), reading nothing it names', async () => {
    const next = (await query({ type: 'enrolment', limit: '1' })).body.next as string;
    const key = JSON.parse(Buffer.from(next, 'base64url').toString('utf8')) as { v: number; k: string[] };
    const forge = (k: string[]) => Buffer.from(JSON.stringify({ ...key, k }), 'utf8').toString('base64url');
    const [pk = '', sk = '', sortKey = ''] = key.k;

    const answers = [
      await query({ type: 'enrolment', cursor: forge([pk.replace(f.contract, 'other-contract'), sk, sortKey]) }),
      await query({ type: 'enrolment', cursor: forge([pk, 'X', sortKey]) }),
      await query({ type: 'enrolment', from: '2025-01-01', cursor: next }),
      await query({ type: 'enrolment', cursor: `${next}!` }),
      await query({ type: 'enrolment', cursor: Buffer.from('{"v":2}').toString('base64url') }),
    ];

    for (const answer of answers) {
      expectProblem(answer, 422, /the cursor is not one this API gave/);
      expect(answer.body.errors[0].field).toBe('query.cursor');
    }
    expect(ids(await query({ type: 'enrolment', cursor: next }))).toEqual(['e2', 'e4']);
  });

  it.each([
    [{}, 'query', /exactly one of participant, batch, type/],
    [{ batch: 'b-1', type: 'enrolment' }, 'query.type', /exactly one/],
    [{ batch: 'b-1', from: '2024-01-01' }, 'query.from', /give type too/],
    [{ type: 'holiday' }, 'query.type', /./],
    [{ type: 'enrolment', from: '2024-02-30' }, 'query.from', /calendar date/],
    [{ type: 'enrolment', from: '2024-05-01', to: '2024-04-01' }, 'query.to', /before from/],
    [{ type: 'enrolment', limit: '0' }, 'query.limit', /./],
    [{ type: 'enrolment', limit: '1001' }, 'query.limit', /./],
    [{ type: 'enrolment', cursor: 'bm90LWEtY3Vyc29y' }, 'query.cursor', /./],
    [{ type: 'enrolment', participnat: 'x' }, 'query', /./],
  ])('answers 422 to the query %j, naming %s', async (q, field, message) => {
    const answer = await query(q as Record<string, string>);

    expectProblem(answer, 422);
    expect(answer.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(answer.body.errors.map((e: { message: string }) => e.message).join('\n')).toMatch(message);
  });

  it('answers 404 for a contract with no log', async () => {
    const answer = await call('queryRecords', { contract: 'no-such-log' }, { query: { type: 'enrolment' } });

    expectProblem(answer, 404, /no log for contract no-such-log/);
  });
});

describe('GET /contracts/{contract}/records/{eventId}/proof', () => {
  it("proves a record into its batch's root and the batch's entry into a signed checkpoint", async () => {
    const answer = await call('getRecordProof', { contract: f.contract, eventId: 'e4' });
    const old = await call('getRecordProof', { contract: f.contract, eventId: 'e3' }, { query: { size: '2' } });

    expect(answer.status).toBe(200);
    const doc = RecordProofSchema.parse(answer.body) as RecordProofDocument;
    expect(checkRecordProof(doc, [logKey(f.contract)])).toBeUndefined();
    expect(doc).toMatchObject({ eventId: 'e4', seq: 2, size: 4, batch: { batchId: '2024-05/b', index: 0, count: 1 } });
    expect(checkRecordProof(old.body, [logKey(f.contract)])).toBeUndefined();
    expect(old.body).toMatchObject({ seq: 1, size: 2, batch: { index: 2, count: 3 } });
    expect(checkRecordProof({ ...doc, record: doc.record.replace('e4', 'e9') }, [logKey(f.contract)])).toBeDefined();
  });

  it('answers 404 for an unknown event, 422 for a malformed one or a size before its batch', async () => {
    const missing = await call('getRecordProof', { contract: f.contract, eventId: 'e404' });
    const bad = await call('getRecordProof', { contract: f.contract, eventId: '-e1' });
    const early = await call('getRecordProof', { contract: f.contract, eventId: 'e5' }, { query: { size: '3' } });

    expectProblem(missing, 404, /no committed record with event id e404/);
    expectProblem(bad, 400, /invalid path parameter eventId/);
    expect(bad.body.errors[0].field).toBe('eventId');
    expectProblem(early, 422);
    expect(early.body.errors[0].field).toBe('query.size');
  });
});

describe('GET /contracts/{contract}/entries/{seq}/proof', () => {
  it('proves an entry in the current checkpoint and in an older size, for any role', async () => {
    const current = await call('getEntryProof', { contract: f.contract, seq: '2' }, { role: 'investor' });
    const older = await call('getEntryProof', { contract: f.contract, seq: '1' }, { query: { size: '3' } });

    expect(current.status).toBe(200);
    const doc = EntryProofSchema.parse(current.body) as EntryProofDocument;
    expect(doc).toMatchObject({ contract: f.contract, seq: 2, size: 4 });
    expect(checkEntryProof(doc, [logKey(f.contract)])).toBeUndefined();
    expect(checkEntryProof(older.body, [logKey(f.contract)])).toBeUndefined();
    expect(older.body).toMatchObject({ seq: 1, size: 3 });
    expect(checkEntryProof(doc, [memorySigner('sib-ledger.local').key])).toMatch(/no verifiable signatures/);
  });

  it.each([
    ['4', {}, 404, /no entry seq 4/],
    ['x', {}, 400, /invalid path parameter seq/],
    ['01', {}, 400, /invalid path parameter seq/],
    [' 1', {}, 400, /invalid path parameter seq/],
    ['1\t', {}, 400, /invalid path parameter seq/],
    ['+1', {}, 400, /invalid path parameter seq/],
    ['-0', {}, 400, /invalid path parameter seq/],
    ['1.0', {}, 400, /invalid path parameter seq/],
    ['\u0661', {}, 400, /invalid path parameter seq/],
    ['1', { size: ' 3' }, 422, /invalid query/],
    ['1', { size: '03' }, 422, /invalid query/],
    ['1', { size: '1' }, 422, /not in a tree of size 1/],
    ['1', { size: '9' }, 422, /size 9 is not available/],
    ['1', { size: '0' }, 422, /invalid query/],
  ])('answers seq %s with %j: %i', async (seq, q, status, detail) => {
    const answer = await call('getEntryProof', { contract: f.contract, seq }, { query: q });

    expectProblem(answer, status, detail);
  });
});

describe('GET /contracts/{contract}/checkpoint and /consistency', () => {
  it('answers the latest signed checkpoint with its size and root, then a consistency proof from it after growth', async () => {
    const { contract } = await fixture();
    const before = await call('getCheckpoint', { contract }, { role: 'ministry' });
    await ingest(contract, 'b-4', [enrol('e7', 'OP-0004', '2024-07-01')]);
    await ingest(contract, 'b-5', [enrol('e8', 'OP-0005', '2024-07-02')]);
    const after = await call('getCheckpoint', { contract }, { role: 'investor' });
    const proof = await call('getConsistencyProof', { contract }, { query: { from: String(before.body.size) } });

    expect(before.status).toBe(200);
    expect(CheckpointSchema.parse(before.body)).toMatchObject({ contract, size: 4 });
    const cp = verifyCheckpoint(before.body.note, [logKey(contract)]);
    expect(cp.origin).toBe(before.body.origin);
    expect(Buffer.from(cp.root).toString('hex')).toBe(before.body.root);
    expect(after.body.size).toBe(6);
    expect(ConsistencySchema.parse(proof.body)).toMatchObject({ contract, from: 4, to: 6 });
    expect(proof.body.fromRoot).toBe(before.body.root);
    expect(proof.body.toRoot).toBe(after.body.root);
    expect(verifyCheckpoint(proof.body.checkpoint, [logKey(contract)]).size).toBe(6);
    const ok = verifyConsistency(
      4,
      6,
      fromHex(before.body.root),
      fromHex(after.body.root),
      proof.body.proof.map(fromHex),
    );
    expect(ok).toBe(true);
    const between = await call('getConsistencyProof', { contract }, { query: { from: '1', to: '4' } });
    expect(
      verifyConsistency(
        1,
        4,
        fromHex(between.body.fromRoot),
        fromHex(between.body.toRoot),
        between.body.proof.map(fromHex),
      ),
    ).toBe(true);
  });

  it.each([
    [{}, /invalid query/],
    [{ from: '4', to: '2' }, /invalid query/],
    [{ from: '1', to: '9' }, /size 9 is not available/],
    [{ from: '9' }, /not a prefix of a tree of size 4/],
    [{ from: 'one' }, /invalid query/],
  ])('answers 422 to %j', async (q, detail) => {
    const answer = await call('getConsistencyProof', { contract: f.contract }, { query: q as Record<string, string> });

    expectProblem(answer, 422, detail);
  });

  it('answers 404 for a contract with no log', async () => {
    expectProblem(await call('getCheckpoint', { contract: 'no-such-log' }), 404, /no log/);
    expectProblem(await call('getConsistencyProof', { contract: 'no-such-log' }, { query: { from: '0' } }), 404);
  });
});

describe('GET /contracts/{contract}/export', () => {
  const bytesOf = (answer: Answer) => utf8(answer.text);

  it('answers the log as JSON Lines that verify offline', async () => {
    const answer = await call('exportLog', { contract: f.contract }, { role: 'investor' });

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-ndjson');
    expect(answer.headers['content-disposition']).toBe(`attachment; filename="${f.contract}.jsonl"`);
    const result = await verifyExportBytes(bytesOf(answer), [logKey(f.contract)], {
      contract: f.contract,
      strict: true,
    });
    expect(result).toMatchObject({ ok: true, entries: 4, checkpoint: { size: 4 } });
    expect(answer.text.trimEnd().split('\n')).toHaveLength(5);
  });

  it('answers ranges: a prefix verifies on its own, and consecutive ranges join into the whole log', async () => {
    const first = await call('exportLog', { contract: f.contract }, { query: { to: '1' } });
    const rest = await call('exportLog', { contract: f.contract }, { query: { from: '1', to: '4' } });

    expect(await verifyExportBytes(bytesOf(first), [logKey(f.contract)])).toMatchObject({ ok: true, entries: 1 });
    const joined = `${first.text.split('\n').slice(0, 1).join('\n')}\n${rest.text}`;
    expect(await verifyExportBytes(utf8(joined), [logKey(f.contract)])).toMatchObject({ ok: true, entries: 4 });
    expect(rest.headers['content-disposition']).toContain(`${f.contract}-1-4.jsonl`);
  });

  it('answers 422 above the size an answer may carry, pointing to the CLI and to ranges', async () => {
    const whole = await call('exportLog', { contract: f.contract });
    const weight = Buffer.byteLength(JSON.stringify(whole.text));
    const saved = exportSettings.maxBytes;
    try {
      exportSettings.maxBytes = weight;
      const fits = await call('exportLog', { contract: f.contract });
      exportSettings.maxBytes = weight - 1;
      const answer = await call('exportLog', { contract: f.contract });

      expect(fits.status).toBe(200);
      expectProblem(answer, 422, /use `sib ledger export --contract [a-z0-9-]+`.*\?from=0&to=3, then \?from=3/);
    } finally {
      exportSettings.maxBytes = saved;
    }
  });

  it.each([
    [{ to: '9' }, /size 9 is not available/],
    [{ from: '2', to: '2' }, /invalid query/],
    [{ from: '4' }, /holds no entries/],
    [{ from: '-1' }, /invalid query/],
  ])('answers 422 to the range %j', async (q, detail) => {
    expectProblem(await call('exportLog', { contract: f.contract }, { query: q }), 422, detail);
  });
});

describe('POST /contracts/{contract}/checkpoint/cosignatures', () => {
  const WITNESS = 'evaluator.example/witness';
  const configured = process.env.SIB_WITNESS_KEYS;
  /** The witnesses the deployment trusts (SIB_WITNESS_KEYS): only they may cosign. */
  const configure = (...keys: string[]) => {
    process.env.SIB_WITNESS_KEYS = keys.join(',');
  };
  afterEach(() => {
    if (configured === undefined) delete process.env.SIB_WITNESS_KEYS;
    else process.env.SIB_WITNESS_KEYS = configured;
  });

  async function latest(contract: string) {
    return (await call('getCheckpoint', { contract })).body as { note: string; size: number };
  }

  it("merges a witness's cosignature into the stored checkpoint (201), and answers it again with 200", async () => {
    const { contract } = await fixture();
    const witness = memoryWitness(WITNESS);
    configure(witness.key);
    const { note, size } = await latest(contract);
    const cosigned = await cosignNote(note, logKey(contract), witness.signer, 1_767_000_000);

    const first = await call('cosignCheckpoint', { contract }, { body: { note: cosigned, witnessKey: witness.key } });
    const again = await call('cosignCheckpoint', { contract }, { body: { note: cosigned, witnessKey: witness.key } });

    expect(first.status).toBe(201);
    expect(CosignResultSchema.parse(first.body)).toEqual({
      contract,
      size,
      witnessKey: witness.key,
      added: true,
      note: cosigned,
    });
    expect(checkSigners(first.body.note, [logKey(contract), witness.key]).map((s) => s.status)).toEqual([
      'signed',
      'signed',
    ]);
    expect(await rt.log.checkpointAt(contract, size)).toBe(cosigned);
    expect((await latest(contract)).note).toBe(cosigned);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ added: false, note: cosigned });
  });

  it("keeps other witnesses' lines, and merges only the caller's witness line", async () => {
    const { contract } = await fixture();
    const a = memoryWitness('a.example/witness');
    const b = memoryWitness('b.example/witness');
    configure(a.key, b.key);
    const { note, size } = await latest(contract);
    const byA = await cosignNote(note, logKey(contract), a.signer, 1_767_000_000);
    const byBoth = await cosignNote(byA, logKey(contract), b.signer, 1_767_000_000);

    // B sends a note carrying A's line too: only B's is B's to add.
    const answer = await call('cosignCheckpoint', { contract }, { body: { note: byBoth, witnessKey: b.key } });

    expect(answer.status).toBe(201);
    expect(checkSigners(answer.body.note, [a.key, b.key]).map((s) => s.status)).toEqual(['missing', 'signed']);
    const fromA = await call('cosignCheckpoint', { contract }, { body: { note: byA, witnessKey: a.key } });
    expect(checkSigners(fromA.body.note, [logKey(contract), a.key, b.key]).every((s) => s.status === 'signed')).toBe(
      true,
    );
    expect(await rt.log.checkpointAt(contract, size)).toBe(fromA.body.note);
  });

  it('refuses, writing nothing, a witness key that did not sign, a note the log did not sign, and bad input', async () => {
    const { contract } = await fixture();
    const witness = memoryWitness(WITNESS);
    const stranger = memoryWitness('stranger.example/witness');
    const forger = memorySigner(rt.signer.name);
    configure(witness.key, stranger.key);
    const { note, size } = await latest(contract);
    const cosigned = await cosignNote(note, logKey(contract), witness.signer, 1_767_000_000);
    const cp = verifyCheckpoint(note, [logKey(contract)]);
    const forged = await cosignNote(
      await signCheckpoint({ origin: cp.origin, size: cp.size, root: new Uint8Array(32) }, [
        logSigner(forger.signer, contract),
      ]),
      forger.keyFor(contract),
      witness.signer,
      1_767_000_000,
    );
    const otherContract = await cosignNote(
      (await latest(f.contract)).note,
      logKey(f.contract),
      witness.signer,
      1_767_000_000,
    );
    // A character of the witness's signature (past its key id) changed.
    const tampered = cosigned.replace(
      /(\n\u2014 evaluator\.example\/witness \S{30})(\S)/,
      (_, head: string, c: string) => `${head}${c === 'A' ? 'B' : 'A'}`,
    );
    const post = (body: unknown) => call('cosignCheckpoint', { contract }, { body });

    const answers = {
      notSigned: await post({ note: cosigned, witnessKey: stranger.key }),
      logKey: await post({ note: cosigned, witnessKey: logKey(contract) }),
      forged: await post({ note: forged, witnessKey: witness.key }),
      otherContract: await post({ note: otherContract, witnessKey: witness.key }),
      tampered: await post({ note: tampered, witnessKey: witness.key }),
      badKey: await post({ note: cosigned, witnessKey: 'not-a-key' }),
      garbage: await post({ note: 'hello', witnessKey: witness.key }),
      extra: await post({ note: cosigned, witnessKey: witness.key, size: 3 }),
    };

    expectProblem(answers.notSigned, 422, /no signature by the witness key stranger\.example\/witness/);
    expectProblem(answers.logKey, 422, /the log's own key/);
    expectProblem(answers.forged, 422, /not a checkpoint signed by the log/);
    expectProblem(answers.otherContract, 422, new RegExp(`not of contract ${contract}`));
    expectProblem(answers.tampered, 422, /does not verify/);
    expectProblem(answers.badKey, 422);
    expect(answers.badKey.body.errors[0].field).toBe('witnessKey');
    expectProblem(answers.garbage, 422, /not a checkpoint signed by the log/);
    expectProblem(answers.extra, 422);
    expect(await rt.log.checkpointAt(contract, size)).toBe(note);
  });

  it('refuses (403) a key that is not a configured witness: 99 junk lines never crowd out the real witness', async () => {
    const { contract } = await fixture();
    const witness = memoryWitness(WITNESS);
    configure(witness.key);
    const { note, size } = await latest(contract);
    const junk = Array.from({ length: 99 }, (_, i) => memoryWitness(`junk-${i}.example`));

    const refused = [];
    for (const j of junk) {
      const body = { note: await cosignNote(note, logKey(contract), j.signer, 1_767_000_000), witnessKey: j.key };
      refused.push(await call('cosignCheckpoint', { contract }, { body }));
    }
    // A configured name with another key is not the configured witness either.
    const impostor = memoryWitness(WITNESS);
    const byImpostor = await cosignNote(note, logKey(contract), impostor.signer, 1_767_000_000);
    const impostorAnswer = await call(
      'cosignCheckpoint',
      { contract },
      { body: { note: byImpostor, witnessKey: impostor.key } },
    );
    const stored = await rt.log.checkpointAt(contract, size);
    const real = await call(
      'cosignCheckpoint',
      { contract },
      {
        body: {
          note: await cosignNote(note, logKey(contract), witness.signer, 1_767_000_000),
          witnessKey: witness.key,
        },
      },
    );

    expect(refused.map((r) => r.status)).toEqual(junk.map(() => 403));
    expectProblem(refused[0] as Answer, 403, /junk-0\.example\+[0-9a-f]{8} is not a configured witness/);
    expectProblem(impostorAnswer, 403, /not a configured witness/);
    expect(stored).toBe(note);
    expect(real.status).toBe(201);
    expect(checkSigners(real.body.note, [logKey(contract), witness.key]).map((s) => s.status)).toEqual([
      'signed',
      'signed',
    ]);
    expect(
      real.body.note
        .trimEnd()
        .split('\n')
        .filter((l: string) => l.startsWith('\u2014 ')),
    ).toHaveLength(2);
  });

  it('refuses every cosignature when no witness is configured', async () => {
    const { contract } = await fixture();
    const witness = memoryWitness(WITNESS);
    configure();
    const { note, size } = await latest(contract);
    const body = {
      note: await cosignNote(note, logKey(contract), witness.signer, 1_767_000_000),
      witnessKey: witness.key,
    };

    expectProblem(await call('cosignCheckpoint', { contract }, { body }), 403, /not a configured witness/);
    expect(await rt.log.checkpointAt(contract, size)).toBe(note);
  });

  it('answers 403 to a role other than evaluator, and 415 to a body that is not JSON', async () => {
    const { note } = await latest(f.contract);
    const ministry = await call(
      'cosignCheckpoint',
      { contract: f.contract },
      { role: 'ministry', body: { note, witnessKey: logKey(f.contract) } },
    );
    const text = await call(
      'cosignCheckpoint',
      { contract: f.contract },
      { body: { note, witnessKey: logKey(f.contract) }, headers: { 'content-type': 'text/plain' } },
    );

    expectProblem(ministry, 403);
    expectProblem(text, 415);
  });
});

describe('GET /contracts/{contract}/trust', () => {
  const env = saveEnv(['SIB_WITNESS_KEYS', 'SIB_WITNESS_QUORUM', 'SIB_PARTY_KEYS']);
  afterEach(() => env.restore());
  const witnesses = [memoryWitness('w1.example/witness'), memoryWitness('w2.example/witness')];
  const ministry = memorySigner('ministry-boris');

  it('answers the policy the deployment publishes, to every role, as `sib report verify --trust` parses it', async () => {
    process.env.SIB_WITNESS_KEYS = witnesses.map((w) => w.key).join(',');
    process.env.SIB_WITNESS_QUORUM = '1';
    process.env.SIB_PARTY_KEYS = JSON.stringify({ ministry: [ministry.key] });
    for (const role of ['operator', 'ministry', 'investor', 'evaluator'] as const) {
      const answer = await call('getTrustPolicy', { contract: f.contract }, { role });
      expect(answer.status, answer.text).toBe(200);
      const policy = parseTrustPolicy(answer.text);
      expect(policy).toEqual({
        format: TRUST_POLICY_FORMAT,
        logs: [
          {
            contract: f.contract,
            origin: checkpointOrigin(rt.signer.name, f.contract),
            logKey: logKey(f.contract),
            witnesses: { quorum: 1, keys: witnesses.map((w) => w.key) },
            parties: { analyst: [], evaluator: [], ministry: [ministry.key], treasury: [] },
          },
        ],
      });
    }
  });

  it('the quorum defaults to every configured witness; no witnesses, no parties: empty lists', async () => {
    process.env.SIB_WITNESS_KEYS = witnesses.map((w) => w.key).join(',');
    delete process.env.SIB_WITNESS_QUORUM;
    delete process.env.SIB_PARTY_KEYS;
    const two = parseTrustPolicy((await call('getTrustPolicy', { contract: f.contract })).text);
    expect(two.logs[0]?.witnesses).toEqual({ quorum: 2, keys: witnesses.map((w) => w.key) });
    delete process.env.SIB_WITNESS_KEYS;
    const none = parseTrustPolicy((await call('getTrustPolicy', { contract: f.contract })).text);
    expect(none.logs[0]?.witnesses).toEqual({ quorum: 0, keys: [] });
    expect(none.logs[0]?.parties).toEqual({ analyst: [], evaluator: [], ministry: [], treasury: [] });
  });

  it("refuses another contract's token (403) and a contract with no log (404)", async () => {
    expectProblem(await call('getTrustPolicy', { contract: f.contract }, { contracts: 'someone-else' }), 403);
    expectProblem(await call('getTrustPolicy', { contract: 'no-such-log' }), 404, /no log/);
  });

  it.each([
    ['SIB_PARTY_KEYS', 'not json'],
    ['SIB_PARTY_KEYS', '{"auditor": []}'],
    ['SIB_PARTY_KEYS', '{"ministry": ["not a key"]}'],
    ['SIB_WITNESS_QUORUM', '3'],
    ['SIB_WITNESS_QUORUM', 'all'],
  ])('a malformed %s (%s) is a deployment fault: 500', async (name, value) => {
    process.env.SIB_WITNESS_KEYS = witnesses.map((w) => w.key).join(',');
    process.env[name] = value;
    const answer = await call('getTrustPolicy', { contract: f.contract });
    expect(answer.status).toBe(500);
  });
});
