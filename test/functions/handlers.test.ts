/**
 * The HTTP handlers (ingest-batch, presign-upload) invoked with hand-built
 * API Gateway v2 events, wired to the real local test stack (DynamoDB Local,
 * s3rver) through an injected runtime. Each event carries verified JWT claims
 * (an operator on every contract unless a test says otherwise), as API
 * Gateway's authorizer or the local gateway would pass them.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { LIMITS } from '#evidence';
import { ForbiddenError, IntegrityError } from '#kernel';
import { BatchReceiptSchema, handler as ingestHandler } from '../../functions/ingest-batch.ts';
import { type S3Event, handler as s3Handler } from '../../functions/ingest-s3.ts';
import { handler as presignHandler, UploadResponseSchema } from '../../functions/presign-upload.ts';
import { type Runtime, setRuntime } from '../../functions/shared/composition.ts';
import { PROBLEM_TYPES, toProblem } from '../../functions/shared/problem.ts';
import { clientConfig } from '../../infra/local/stack.ts';
import {
  apiEvent,
  CONSENT_SHA256,
  claimsFor,
  type EventOptions,
  enrol,
  freshContract,
  invoke,
  job,
  lambdaContext,
  OPERATOR_SUB,
  operatorClaims,
} from '../support/http.ts';
import { registerFixture, useHandlerRuntime } from '../support/runtime.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { s3Client, testStack } from '../support/stack.ts';

const handlers = useHandlerRuntime('sib-handlers-');
const { contracts } = handlers;
let rt: Runtime;
beforeAll(() => {
  rt = handlers.runtime();
});

const jsonBatch = (contract: string, batchId: string, records: unknown[], extra: Partial<EventOptions> = {}) =>
  apiEvent({
    route: 'batches',
    contract,
    body: JSON.stringify({ batchId, records }),
    ...extra,
    headers: { 'content-type': 'application/json', ...extra.headers },
  });
const ingest = (event: ReturnType<typeof apiEvent>) => invoke(ingestHandler, event);

/** A fresh contract (profile file) registered in its log, as the ministry does before any evidence. */
async function fresh(prefix: string): Promise<string> {
  const contract = freshContract(contracts, prefix);
  await registerFixture(rt, contract);
  return contract;
}

function expectProblem(answer: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) {
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(answer.body).toMatchObject({ status: answer.status, requestId: answer.headers['x-request-id'] });
  for (const member of ['type', 'title', 'detail', 'instance']) expect(typeof answer.body[member]).toBe('string');
}

describe('POST /contracts/{contract}/batches', () => {
  it('refuses a batch for a contract with a profile but no registration (409, register first), writing nothing', async () => {
    const contract = freshContract(contracts, 'api');

    const answer = await ingest(jsonBatch(contract, 'b-1', [enrol('e1', 'OP-1')]));

    expect(answer.status).toBe(409);
    expectProblem(answer);
    expect(answer.body.detail).toMatch(`contract ${contract} is not registered: register the contract first`);
    expect((await rt.log.head(contract)).size).toBe(0);
    expect(await rt.store.byBatch(contract, 'b-1')).toEqual([]);
  });

  it('accepts a JSON batch with 201 and the receipt, and answers it again with 200 and the same receipt', async () => {
    const contract = await fresh('api');
    const event = jsonBatch(contract, 'b-1', [enrol('e1', 'OP-0001'), job('e2', 'OP-0001')]);

    const first = await ingest(event);
    const again = await ingest(jsonBatch(contract, 'b-1', [enrol('e1', 'OP-0001'), job('e2', 'OP-0001')]));

    expect(first.status).toBe(201);
    expect(first.headers['content-type']).toBe('application/json');
    expect(first.headers['x-request-id']).toBe(event.requestContext.requestId);
    expect(first.body).toMatchObject({ contract, batchId: 'b-1', seq: 1, recordCount: 2, replayed: false });
    expect(first.body.checkpoint).toMatch(/\n2\n/);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, replayed: true });
    // The documented answer shape (the OpenAPI document is built from these schemas).
    expect(BatchReceiptSchema.parse(first.body)).toEqual(first.body);
    expect(BatchReceiptSchema.parse(again.body)).toEqual(again.body);
    expect((await rt.store.byBatch(contract, 'b-1')).map((r) => r.record.eventId)).toEqual(['e1', 'e2']);
  });

  it('logs ids and counts as JSON and emits the ingest metrics, but never a participant reference', async () => {
    const contract = await fresh('api');

    const answer = await ingest(jsonBatch(contract, 'b-log', [enrol('e1', 'KZ-990101300123')]));

    expect(answer.status).toBe(201);
    const lines = answer.printed.map((line) => JSON.parse(line) as Record<string, unknown>);
    const accepted = lines.find((l) => l.message === 'batch accepted');
    expect(accepted).toMatchObject({ batchId: 'b-log', contract, recordCount: 1, requestId: expect.any(String) });
    const metric = lines.find((l) => '_aws' in l && 'RecordsAccepted' in l);
    expect(metric).toMatchObject({ RecordsAccepted: 1, BatchSize: 1, IngestDuration: expect.any(Number) });
    expect(JSON.stringify(metric)).toContain('"Namespace":"SibLedger"');
    expect(answer.printed.join('\n')).not.toMatch(/990101300123|KZ-99/);
  });

  it('answers other content under the same batch id with 409, naming both hashes, and appends nothing', async () => {
    const contract = await fresh('api');
    const first = await ingest(jsonBatch(contract, 'b-1', [enrol('e1', 'OP-0001')]));

    const other = await ingest(jsonBatch(contract, 'b-1', [enrol('e1', 'OP-0002')]));

    expect(other.status).toBe(409);
    expectProblem(other);
    const archive = first.body.archive as { sha256: string };
    expect(other.body).toMatchObject({ batchId: 'b-1', storedHash: archive.sha256, requestHash: expect.any(String) });
    expect(other.body.requestHash).not.toBe(archive.sha256);
    expect((await rt.log.head(contract)).size).toBe(2);
  });

  it('rejects an invalid batch whole with 422 listing every problem, and writes nothing', async () => {
    const contract = await fresh('api');
    await ingest(jsonBatch(contract, 'b-0', [enrol('e0', 'OP-0001')]));
    const head = await rt.log.head(contract);

    const answer = await ingest(
      jsonBatch(contract, 'b-bad', [
        job('e1', 'OP-0001'),
        job('e2', 'OP-0404'), // never enrolled
        { ...job('e3', 'OP-0001'), monthlyWage: '-5' },
        { ...enrol('e4', 'OP-0002'), date: '2031-01-01' },
      ]),
    );

    expect(answer.status).toBe(422);
    expectProblem(answer);
    expect(answer.body.title).toBe('Batch rejected');
    const errors = answer.body.errors as { at: number; field?: string; message: string }[];
    expect([...new Set(errors.map((e) => e.at))].sort()).toEqual([1, 2, 3]);
    expect(errors.find((e) => e.at === 2)?.field).toBe('monthlyWage');
    expect(await rt.log.head(contract)).toEqual(head);
    expect(await rt.store.byBatch(contract, 'b-bad')).toEqual([]);
  });

  it('refuses a lone surrogate in any string of a record with 422 naming the record and field, never a 500', async () => {
    const contract = await fresh('api');
    const body = JSON.stringify({
      batchId: 'b-sur',
      records: [
        enrol('e1', 'OP-0001'),
        {
          eventId: 'e2',
          participant: 'OP-0001',
          type: 'probation-violation',
          date: '2024-05-01',
          source: 'probation-service',
          note: 'NOTE',
        },
      ],
    }).replace('"NOTE"', '"visit \\ud83d missed"');

    const answer = await ingest(
      apiEvent({ route: 'batches', contract, body, headers: { 'content-type': 'application/json' } }),
    );

    expect(answer.status).toBe(422);
    expectProblem(answer);
    const errors = answer.body.errors as { at: number; field?: string; message: string }[];
    expect(errors).toContainEqual({ at: 1, field: 'note', message: expect.stringMatching(/unpaired surrogate/) });
    expect(errors.every((e) => e.at === 1)).toBe(true);
    expect((await rt.log.head(contract)).size).toBe(1); // the registration only
  });

  it('lists at most 1,000 problems of a bad batch, with the count of all and per field', async () => {
    const contract = await fresh('api');
    const empty = Array.from({ length: 1_500 }, () => ({}));

    const answer = await ingest(jsonBatch(contract, 'b-empty', empty));

    expect(answer.status).toBe(422);
    expectProblem(answer);
    expect((answer.body.errors as unknown[]).length).toBe(1_000);
    expect(answer.body.problemCount).toBe(7_500);
    expect(answer.body.problemsByField).toEqual({
      date: 1_500,
      eventId: 1_500,
      participant: 1_500,
      source: 1_500,
      type: 1_500,
    });
    expect(answer.body.detail).toMatch(/7500 problems in 1500 records.*the first 1000 are listed/);
    expect((await rt.log.head(contract)).size).toBe(1); // the registration only
  });

  it('answers a JSON syntax error with 422 naming its line, column and the batch id', async () => {
    const contract = await fresh('api');
    const body = '{"batchId": "b-syn",\n "records": [\n  {"eventId": "e1",}\n]}';

    const answer = await ingest(
      apiEvent({ route: 'batches', contract, body, headers: { 'content-type': 'application/json' } }),
    );

    expect(answer.status).toBe(422);
    expectProblem(answer);
    expect(answer.body.errors).toEqual([
      {
        at: 0,
        message:
          'invalid JSON at line 3, column 20 (batch b-syn): expected a key in double quotes; nothing after it was read',
      },
    ]);
    expect((await rt.log.head(contract)).size).toBe(1); // the registration only
  });

  it('reports record and cross-record problems in one answer, with or without the batch id', async () => {
    const contract = await fresh('api');
    const ended = {
      eventId: 'e3',
      participant: 'OP-0001',
      type: 'employment-ended',
      date: '2024-06-01',
      source: 'employer',
      employerId: 'NOBODY-HIRED',
      reason: 'resigned',
    };
    const records = [enrol('e1', 'OP-0001'), { ...job('e2', 'OP-0001'), monthlyWage: '-5' }, ended];
    const expected = [
      { at: 1, field: 'monthlyWage', message: expect.any(String) },
      { at: 2, field: 'employerId', message: expect.stringMatching(/no employment-started/) },
    ];

    const withId = await ingest(jsonBatch(contract, 'b-both', records));
    const withoutId = await ingest(
      apiEvent({
        route: 'batches',
        contract,
        body: JSON.stringify({ records }),
        headers: { 'content-type': 'application/json' },
      }),
    );

    expect(withId.status).toBe(422);
    expect(withId.body.errors).toEqual(expected);
    expect(withoutId.status).toBe(422);
    expect(withoutId.body.errors).toEqual([{ field: 'batchId', message: 'is required' }, ...expected]);
    expect((await rt.log.head(contract)).size).toBe(1); // the registration only
  });

  it('accepts a CSV body with Cyrillic free text, the batch id in the query', async () => {
    const contract = await fresh('api');
    const note = 'неявка на регистрацию, без уважительной причины';
    const csv = [
      'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,note',
      `c1,SC-0100,enrolment,2024-03-01,operator,2024,released,female,1992,${CONSENT_SHA256},`,
      `c2,SC-0100,probation-violation,2024-05-01,probation-service,,,,,,"${note}"`,
    ].join('\r\n');

    const answer = await ingest(
      apiEvent({
        route: 'batches',
        contract,
        body: csv,
        query: { batchId: 'csv-1' },
        headers: { 'content-type': 'text/csv; charset=utf-8' },
      }),
    );

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ batchId: 'csv-1', recordCount: 2 });
    const stored = await rt.store.byBatch(contract, 'csv-1');
    expect(stored.map((r) => r.text).join('\n')).toContain(note);
  });

  it('reads a base64-encoded body (UTF-8 intact), the batch id in Idempotency-Key', async () => {
    const contract = await fresh('api');
    const note = 'пропуск явки в инспекцию';
    const csv = [
      'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,note',
      `c1,SC-0200,enrolment,2024-03-01,operator,2024,released,male,1990,${CONSENT_SHA256},`,
      `c2,SC-0200,probation-violation,2024-06-01,probation-service,,,,,,${note}`,
    ].join('\n');

    const answer = await ingest(
      apiEvent({
        route: 'batches',
        contract,
        body: Buffer.from(csv, 'utf8').toString('base64'),
        isBase64Encoded: true,
        headers: { 'content-type': 'text/csv', 'idempotency-key': 'b64' },
      }),
    );

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ batchId: 'b64', recordCount: 2 });
    expect((await rt.store.byBatch(contract, 'b64')).map((r) => r.text).join('\n')).toContain(note);
  });

  it('refuses a body marked base64 that is not, with 400', async () => {
    const contract = await fresh('api');

    const answer = await ingest(jsonBatch(contract, 'b-1', [], { isBase64Encoded: true, body: '{"batchId":"b-1"}' }));

    expect(answer.status).toBe(400);
    expectProblem(answer);
  });

  it('refuses a body over LIMITS.jsonBytes with 413 naming the bound', async () => {
    const contract = await fresh('api');
    const body = JSON.stringify({ batchId: 'big', records: [{ note: 'x'.repeat(LIMITS.jsonBytes) }] });

    const answer = await ingest(
      apiEvent({ route: 'batches', contract, body, headers: { 'content-type': 'application/json' } }),
    );

    expect(answer.status).toBe(413);
    expectProblem(answer);
    expect(answer.body.detail).toContain('LIMITS.jsonBytes');
    expect((await rt.log.head(contract)).size).toBe(1);
  });

  it('answers 404 for a contract without a profile, and 415 for a body that is neither JSON nor CSV', async () => {
    const contract = await fresh('api');

    const unknown = await ingest(jsonBatch('no-such-contract', 'b-1', [enrol('e1', 'OP-1')]));
    const traversal = await ingest(jsonBatch('..%2F..%2Fpackage', 'b-1', [enrol('e1', 'OP-1')]));
    const xml = await ingest(jsonBatch(contract, 'b-1', [], { headers: { 'content-type': 'application/xml' } }));

    expect(unknown.status).toBe(404);
    expectProblem(unknown);
    expect(traversal.status).toBe(404);
    expect(xml.status).toBe(415);
  });

  it('records the token subject as the operator acting, in the batch entry', async () => {
    const contract = await fresh('api');

    const answer = await ingest(
      jsonBatch(contract, 'b-1', [enrol('e1', 'OP-1')], { claims: operatorClaims({ sub: 'cognito-sub-42' }) }),
    );

    expect(answer.status).toBe(201);
    const entry = JSON.parse(new TextDecoder().decode(await rt.log.entry(contract, 1)));
    expect(entry.actor).toEqual({ sub: 'cognito-sub-42', role: 'operator' });
  });

  it('answers an unexpected error with a generic 500 problem carrying the request id, never the internals', async () => {
    const contract = await fresh('api');
    const secret = 'connection to 10.1.2.3 refused in /var/task/functions/adapters/evidence-ledger.ts';
    setRuntime({
      ...rt,
      ports: {
        ...rt.ports,
        ledger: {
          ...rt.ports.ledger,
          registered: async () => true,
          batchEntry: async () => {
            throw new Error(secret);
          },
        },
      },
    });
    const event = jsonBatch(contract, 'b-1', [enrol('e1', 'OP-1')]);

    const answer = await ingest(event);

    expect(answer.status).toBe(500);
    expectProblem(answer);
    expect(answer.body.requestId).toBe(event.requestContext.requestId);
    expect(JSON.stringify(answer.body)).not.toMatch(/10\.1\.2\.3|var\/task|evidence-ledger/);
    // The operators, unlike the client, see what happened.
    expect(answer.printed.some((line) => line.includes('"request failed"') && line.includes('10.1.2.3'))).toBe(true);
  });
});

/** The ObjectCreated event S3 sends when an upload lands, handed to the S3-event ingest. */
async function invokeS3Handler(bucket: string, key: string, size: number): Promise<{ uploads: unknown[] }> {
  const event = objectCreatedEvent({ bucket, key, size });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await (s3Handler as unknown as (e: S3Event, c: Context) => Promise<{ uploads: unknown[] }>)(
      event,
      lambdaContext(),
    );
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('POST /contracts/{contract}/uploads', () => {
  const presign = (contract: string, body: unknown, claims: EventOptions['claims'] = operatorClaims()) =>
    invoke(
      presignHandler,
      apiEvent({
        route: 'uploads',
        contract,
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json' },
        claims,
      }),
    );

  it('returns a presigned PUT that the S3 emulator accepts, storing batch id and submitter as metadata', async () => {
    const contract = await fresh('up');
    // The runtime's S3 client as in AWS: SDK default checksums (the local config turns them off).
    const { requestChecksumCalculation: _, ...awsLike } = clientConfig(testStack(), 's3');
    const s3 = new S3Client(awsLike);
    setRuntime({ ...rt, s3 });
    const csv = new TextEncoder().encode(
      'eventId,participant,type,date,source\nx1,SC-1,withdrawal,2024-05-01,operator\n',
    );

    const answer = await presign(contract, { batchId: 'big-1', contentType: 'text/csv', contentLength: csv.length });
    const { url, key, bucket, headers } = answer.body as {
      url: string;
      key: string;
      bucket: string;
      headers: Record<string, string>;
    };
    const put = await fetch(url, { method: 'PUT', headers, body: csv });

    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ method: 'PUT', expiresIn: 900, key: `uploads/${contract}/big-1.csv` });
    expect(UploadResponseSchema.parse(answer.body)).toEqual(answer.body);
    expect(bucket).toBe(testStack().buckets.uploads);
    expect(put.status).toBe(200);
    // s3rver does not check v4 signatures, so what AWS would enforce is checked on the URL: the metadata,
    // type and length are signed headers (an uploader cannot change who submitted), and no checksum of the
    // empty body is baked in (AWS would refuse every real upload).
    const query = new URL(url).searchParams;
    expect(query.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-length', 'content-type', 'x-amz-meta-batch-id', 'x-amz-meta-submitter']),
    );
    expect([...query.keys()].filter((k) => /checksum/i.test(k))).toEqual([]);
    expect(query.get('X-Amz-Expires')).toBe('900');
    s3.destroy();
    const head = await s3Client().send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    expect(head.Metadata).toEqual({ 'batch-id': 'big-1', submitter: OPERATOR_SUB });
    expect(head.ContentLength).toBe(csv.length);
  });

  it('signs the SHA-256 of the file into the upload as x-amz-checksum-sha256, for S3 to check the bytes', async () => {
    // Prepare
    const contract = await fresh('up');
    const csv = new TextEncoder().encode(
      'eventId,participant,type,date,source\nx1,SC-1,withdrawal,2024-05-01,operator\n',
    );
    const sha256 = createHash('sha256').update(csv).digest();

    // Act
    const answer = await presign(contract, {
      batchId: 'sum-1',
      contentType: 'text/csv',
      contentLength: csv.length,
      sha256: sha256.toString('hex'),
    });
    const bad = await presign(contract, { batchId: 'sum-2', contentType: 'text/csv', sha256: 'ABC' });

    // Assess
    const { url, headers } = answer.body as { url: string; headers: Record<string, string> };
    expect(answer.status).toBe(201);
    expect(headers['x-amz-checksum-sha256']).toBe(sha256.toString('base64'));
    expect(new URL(url).searchParams.get('X-Amz-SignedHeaders')?.split(';')).toContain('x-amz-checksum-sha256');
    expect(UploadResponseSchema.parse(answer.body)).toEqual(answer.body);
    expect((await fetch(url, { method: 'PUT', headers, body: csv })).status).toBe(200);
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain('sha256');
  });

  it("signs the caller's subject into the upload, and the S3-event ingest records it as the operator acting", async () => {
    const contract = await fresh('up');
    const csv = new TextEncoder().encode(
      `eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256\nu1,SC-0300,enrolment,2024-03-01,operator,2024,released,female,1991,${CONSENT_SHA256}\n`,
    );

    const answer = await presign(
      contract,
      { batchId: 'up-1', contentType: 'text/csv' },
      operatorClaims({ sub: 'cognito-sub-9' }),
    );
    const { url, key, bucket, headers } = answer.body as {
      url: string;
      key: string;
      bucket: string;
      headers: Record<string, string>;
    };
    const put = await fetch(url, { method: 'PUT', headers, body: csv });
    const ingested = await invokeS3Handler(bucket, key, csv.length);

    expect(answer.status).toBe(201);
    expect(headers['x-amz-meta-submitter']).toBe('cognito-sub-9');
    expect(put.status).toBe(200);
    expect(ingested.uploads).toEqual([expect.objectContaining({ key, status: 'accepted' })]);
    const entry = JSON.parse(new TextDecoder().decode(await rt.log.entry(contract, 1)));
    expect(entry.actor).toEqual({ sub: 'cognito-sub-9', role: 'operator' });
  });

  it("caps the problems of a rejected upload's outcome at 1,000, with the count of all and per field", async () => {
    const contract = await fresh('up');
    const rows = Array.from({ length: 1_200 }, (_, i) => `u${i},,,,`);
    const csv = new TextEncoder().encode(`eventId,participant,type,date,source\n${rows.join('\n')}\n`);

    const answer = await presign(contract, { batchId: 'up-bad', contentType: 'text/csv' });
    const { url, key, bucket, headers } = answer.body as {
      url: string;
      key: string;
      bucket: string;
      headers: Record<string, string>;
    };
    expect((await fetch(url, { method: 'PUT', headers, body: csv })).status).toBe(200);
    const ingested = await invokeS3Handler(bucket, key, csv.length);

    expect(ingested.uploads).toEqual([expect.objectContaining({ key, status: 'rejected' })]);
    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: bucket, Key: `results/${contract}/up-bad.json` }),
    );
    const outcome = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString());
    expect(outcome.errors.length).toBe(1_000);
    expect(outcome.problemCount).toBe(4_800);
    expect(outcome.problemsByField).toEqual({ date: 1_200, participant: 1_200, source: 1_200, type: 1_200 });
  });

  it("reports a CSV upload's record and cross-record problems in one outcome", async () => {
    const contract = await fresh('up');
    const csv = new TextEncoder().encode(
      [
        'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,contractType,monthlyWage,reason',
        `u1,SC-0400,enrolment,2024-03-01,operator,2024,released,female,1991,${CONSENT_SHA256},,,,`,
        'u2,SC-0400,employment-started,2024-04-01,employer,,,,,,KAMRYBPROM,permanent,-5,',
        'u3,SC-0400,employment-ended,2024-06-01,employer,,,,,,NOBODY-HIRED,,,resigned',
        '',
      ].join('\n'),
    );

    const answer = await presign(contract, { batchId: 'up-both', contentType: 'text/csv' });
    const { url, key, bucket, headers } = answer.body as {
      url: string;
      key: string;
      bucket: string;
      headers: Record<string, string>;
    };
    expect((await fetch(url, { method: 'PUT', headers, body: csv })).status).toBe(200);
    await invokeS3Handler(bucket, key, csv.length);

    const object = await s3Client().send(
      new GetObjectCommand({ Bucket: bucket, Key: `results/${contract}/up-both.json` }),
    );
    const outcome = JSON.parse(await (object.Body as { transformToString(): Promise<string> }).transformToString());
    expect(outcome.errors).toEqual([
      { at: 3, field: 'monthlyWage', message: expect.any(String) },
      { at: 4, field: 'employerId', message: expect.stringMatching(/no employment-started/) },
    ]);
    expect((await rt.log.head(contract)).size).toBe(1); // the registration only
  });

  it('rejects a bad batch id and content type with 422 listing both, and an unknown contract with 404', async () => {
    const contract = await fresh('up');

    const bad = await presign(contract, { batchId: 'a/../../etc', contentType: 'application/json' });
    const unknown = await presign('no-such-contract', { batchId: 'b-1', contentType: 'text/csv' });

    expect(bad.status).toBe(422);
    expectProblem(bad);
    const fields = (bad.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['batchId', 'contentType']);
    expect(unknown.status).toBe(404);
  });
});

describe('authorization of the evidence routes', () => {
  /** Nothing in the ledger, the record store, the archive or the upload area for `contract`. */
  async function expectNothingWritten(contract: string, batchId: string) {
    expect((await rt.log.head(contract)).size).toBe(1);
    expect(await rt.store.byBatch(contract, batchId)).toEqual([]);
    for (const area of ['archive', 'uploads', 'results']) {
      const listed = await s3Client().send(
        new ListObjectsV2Command({ Bucket: testStack().buckets.archive, Prefix: `${area}/${contract}/` }),
      );
      expect(listed.KeyCount ?? 0).toBe(0);
    }
  }
  const batchAs = (contract: string, claims: EventOptions['claims'], headers: Record<string, string> = {}) =>
    jsonBatch(contract, 'b-auth', [enrol('e1', 'OP-1')], { claims, headers });
  const uploadAs = (
    contract: string,
    claims: EventOptions['claims'],
    body: unknown = { batchId: 'b-auth', contentType: 'text/csv' },
  ) =>
    apiEvent({
      route: 'uploads',
      contract,
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      claims,
    });

  it('answers 401 without verified claims, whatever the headers say, and writes nothing', async () => {
    const contract = await fresh('auth');

    const bare = await ingest(batchAs(contract, null));
    // The development header of earlier versions is not a way in any more.
    const header = await ingest(batchAs(contract, null, { 'x-sib-subject': 'operator-7' }));
    const noSub = await ingest(batchAs(contract, { 'cognito:groups': ['operator'], 'custom:contracts': '*' }));
    const upload = await invoke(presignHandler, uploadAs(contract, null));

    for (const answer of [bare, header, noSub, upload]) {
      expect(answer.status).toBe(401);
      expectProblem(answer);
    }
    expect(upload.body).not.toHaveProperty('url');
    await expectNothingWritten(contract, 'b-auth');
  });

  it('answers 401 before reading the body: an oversized or malformed body from an anonymous caller is not examined', async () => {
    const contract = await fresh('auth');
    const huge = JSON.stringify({ batchId: 'big', records: [{ note: 'x'.repeat(LIMITS.jsonBytes) }] });

    const big = await ingest(
      apiEvent({
        route: 'batches',
        contract,
        body: huge,
        headers: { 'content-type': 'application/json' },
        claims: null,
      }),
    );
    const xml = await ingest(
      jsonBatch(contract, 'b-1', [], { headers: { 'content-type': 'application/xml' }, claims: null }),
    );
    const junk = await invoke(presignHandler, { ...uploadAs(contract, null), body: '{not json' });

    expect([big.status, xml.status, junk.status]).toEqual([401, 401, 401]);
  });

  it('answers 401 for a subject the ledger cannot record', async () => {
    const contract = await fresh('auth');

    const answer = await ingest(batchAs(contract, operatorClaims({ sub: 'has spaces' })));

    expect(answer.status).toBe(401);
    await expectNothingWritten(contract, 'b-auth');
  });

  it('answers 403 to a ministry, investor or evaluator token, and to a token with no role, and writes nothing', async () => {
    const contract = await fresh('auth');

    for (const role of ['ministry', 'investor', 'evaluator']) {
      const batch = await ingest(batchAs(contract, claimsFor(role)));
      const upload = await invoke(presignHandler, uploadAs(contract, claimsFor(role)));
      expect([batch.status, upload.status]).toEqual([403, 403]);
      expectProblem(batch);
      expect(batch.body.detail).toContain(`the ${role} role may not`);
      expect(upload.body).not.toHaveProperty('url');
    }
    const none = await ingest(batchAs(contract, { sub: 'someone', 'custom:contracts': '*' }));
    expect(none.status).toBe(403);
    await expectNothingWritten(contract, 'b-auth');
  });

  it('answers 403 to an operator token for another contract, and writes nothing', async () => {
    const contract = await fresh('auth');
    const other = await fresh('auth');
    const elsewhere = operatorClaims({ contracts: `${other},some-third` });

    const batch = await ingest(batchAs(contract, elsewhere));
    const upload = await invoke(presignHandler, uploadAs(contract, elsewhere));
    const unlisted = await ingest(batchAs(contract, operatorClaims({ contracts: '' })));

    expect([batch.status, upload.status, unlisted.status]).toEqual([403, 403, 403]);
    expectProblem(batch);
    expect(batch.body.detail).toContain(contract);
    await expectNothingWritten(contract, 'b-auth');
  });

  it('accepts an operator whose token lists the contract, with the claims in the forms API Gateway passes them', async () => {
    const contract = await fresh('auth');
    // API Gateway flattens a list claim to `[a b]`.
    const claims = {
      sub: 'op-flat',
      'cognito:groups': '[evaluator operator]',
      'custom:contracts': `[other ${contract}]`,
    };

    const answer = await ingest(batchAs(contract, claims));

    expect(answer.status).toBe(201);
    const entry = JSON.parse(new TextDecoder().decode(await rt.log.entry(contract, 1)));
    expect(entry.actor).toEqual({ sub: 'op-flat', role: 'operator' });
  });

  it('answers 404 for an unknown contract only to a caller allowed on it', async () => {
    const refused = await ingest(batchAs('no-such-contract', operatorClaims({ contracts: 'another' })));
    const allowed = await ingest(batchAs('no-such-contract', operatorClaims({ contracts: 'no-such-contract' })));

    expect(refused.status).toBe(403);
    expect(allowed.status).toBe(404);
  });
});

describe('the error mapping', () => {
  it('answers 403 for ForbiddenError, and IntegrityError as a 500 of its own type that keeps its message in the logs', () => {
    const forbidden = toProblem(new ForbiddenError('operators only'), { requestId: 'r-1' });
    const integrity = toProblem(new IntegrityError('entry hash differs', 41), { requestId: 'r-2' });

    expect(forbidden).toMatchObject({ status: 403, fault: false, document: { detail: 'operators only' } });
    expect(integrity).toMatchObject({ status: 500, fault: true, document: { type: PROBLEM_TYPES.integrity } });
    expect(JSON.stringify(integrity.document)).not.toContain('seq 41');
  });
});
