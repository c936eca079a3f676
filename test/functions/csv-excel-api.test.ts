/**
 * The operator's CSV files as Russian Excel saves them, through the API's
 * batch route and the presigned upload with its S3-event ingest (hand-built
 * API Gateway v2 events, the real local test stack): Windows-1251 refused
 * with how to convert it, or converted when the request names it; the
 * Russian-Excel dialect accepted, stated in the receipt, or refused.
 */
import { readFileSync } from 'node:fs';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { BatchReceiptSchema, handler as ingestHandler } from '../../functions/ingest-batch.ts';
import { resultKey, type S3Event, handler as s3Handler } from '../../functions/ingest-s3.ts';
import { handler as presignHandler, UploadResponseSchema } from '../../functions/presign-upload.ts';
import type { Runtime } from '../../functions/shared/composition.ts';
import { apiEvent, freshContract, invoke, lambdaContext } from '../support/http.ts';
import { registerFixture, useHandlerRuntime } from '../support/runtime.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { s3Client } from '../support/stack.ts';

const handlers = useHandlerRuntime('sib-encodings-');
const { contracts } = handlers;
let rt: Runtime;
beforeAll(() => {
  rt = handlers.runtime();
});

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/russian-excel/${name}`, import.meta.url)));
const NOTE = 'неявка на регистрацию, без уважительной причины';

/** The batch route with a CSV body sent as bytes (base64, as API Gateway passes a body that is not UTF-8). */
const csvBatch = (contract: string, batchId: string, bytes: Uint8Array, contentType = 'text/csv') =>
  invoke(
    ingestHandler,
    apiEvent({
      route: 'batches',
      contract,
      body: Buffer.from(bytes).toString('base64'),
      isBase64Encoded: true,
      query: { batchId },
      headers: { 'content-type': contentType },
    }),
  );

async function invokeS3Handler(bucket: string, key: string, size: number): Promise<{ uploads: unknown[] }> {
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return await (s3Handler as unknown as (e: S3Event, c: Context) => Promise<{ uploads: unknown[] }>)(
      objectCreatedEvent({ bucket, key, size }),
      lambdaContext(),
    );
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** A presigned upload of `bytes` (with the body's extra fields), PUT, then the S3-event ingest of it. */
async function upload(contract: string, batchId: string, bytes: Uint8Array, extra: Record<string, unknown> = {}) {
  const answer = await invoke(
    presignHandler,
    apiEvent({
      route: 'uploads',
      contract,
      body: JSON.stringify({ batchId, contentType: 'text/csv', ...extra }),
      headers: { 'content-type': 'application/json' },
    }),
  );
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  const body = UploadResponseSchema.parse(answer.body);
  const put = await fetch(body.url, { method: 'PUT', headers: body.headers, body: Buffer.from(bytes) });
  expect(put.status).toBe(200);
  const head = await s3Client().send(new HeadObjectCommand({ Bucket: body.bucket, Key: body.key }));
  const ingested = await invokeS3Handler(body.bucket, body.key, bytes.length);
  const result = await rt.s3.send(new GetObjectCommand({ Bucket: body.bucket, Key: resultKey(contract, batchId) }));
  return {
    headers: body.headers,
    contentType: head.ContentType,
    ingested,
    outcome: JSON.parse(await (result.Body as { transformToString(): Promise<string> }).transformToString()),
  };
}

describe('Windows-1251 through the batch route', () => {
  it('is refused with 422 naming the likely encoding and how to convert it; nothing is written', async () => {
    const contract = freshContract(contracts, 'enc');
    await registerFixture(rt, contract);

    const answer = await csvBatch(contract, 'cp-1', fixture('cp1251.csv'));

    expect(answer.status).toBe(422);
    const messages = (answer.body.errors as { message: string }[]).map((e) => e.message).join('\n');
    expect(messages).toContain('it looks like Windows-1251');
    expect(messages).toContain('iconv -f WINDOWS-1251 -t UTF-8 in.csv > out.csv');
    expect(await rt.store.byBatch(contract, 'cp-1')).toEqual([]);
  });

  it('is converted when the Content-Type names charset=windows-1251; the stored text is the Cyrillic', async () => {
    const contract = freshContract(contracts, 'enc');
    await registerFixture(rt, contract);

    const answer = await csvBatch(contract, 'cp-2', fixture('cp1251.csv'), 'text/csv; charset=windows-1251');

    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body).toMatchObject({ batchId: 'cp-2', recordCount: 2 });
    const stored = (await rt.store.byBatch(contract, 'cp-2')).map((r) => r.text).join('\n');
    expect(stored).toContain(NOTE);
    expect(stored).not.toContain('\ufffd');
  });

  it('a UTF-8 body said to be windows-1251 is refused; charsets other than UTF-8 and windows-1251 are 415', async () => {
    const contract = freshContract(contracts, 'enc');
    await registerFixture(rt, contract);
    const utf8 = new TextEncoder().encode(new TextDecoder('windows-1251').decode(fixture('cp1251.csv')));

    const mislabelled = await csvBatch(contract, 'cp-3', utf8, 'text/csv; charset=cp1251');
    const koi8 = await csvBatch(contract, 'cp-4', utf8, 'text/csv; charset=koi8-r');
    const json = await csvBatch(contract, 'cp-5', utf8, 'application/json; charset=windows-1251');
    const plain = await csvBatch(contract, 'cp-6', utf8, 'text/csv; charset=utf-8');

    expect(mislabelled.status).toBe(422);
    expect(JSON.stringify(mislabelled.body)).toContain('sent as Windows-1251 but is UTF-8');
    expect(koi8.status).toBe(415);
    expect(json.status).toBe(415);
    expect(plain.status, JSON.stringify(plain.body)).toBe(201);
  });
});

describe('Windows-1251 through the presigned upload', () => {
  it('is converted when the upload request names it: signed into the Content-Type, read by the S3-event ingest', async () => {
    const contract = freshContract(contracts, 'enc');
    await registerFixture(rt, contract);

    const named = await upload(contract, 'up-1251', fixture('cp1251.csv'), { encoding: 'windows-1251' });

    expect(named.headers['content-type']).toBe('text/csv; charset=windows-1251');
    expect(named.contentType).toBe('text/csv; charset=windows-1251');
    expect(named.ingested.uploads).toEqual([expect.objectContaining({ status: 'accepted' })]);
    expect((await rt.store.byBatch(contract, 'up-1251')).map((r) => r.text).join('\n')).toContain(NOTE);
  });

  it('is refused with the hint when the upload request does not name it', async () => {
    const contract = freshContract(contracts, 'enc');
    await registerFixture(rt, contract);

    const unnamed = await upload(contract, 'up-plain', fixture('cp1251.csv'));

    expect(unnamed.ingested.uploads).toEqual([expect.objectContaining({ status: 'rejected' })]);
    expect(JSON.stringify(unnamed.outcome)).toContain('iconv -f WINDOWS-1251 -t UTF-8');
    expect(await rt.store.byBatch(contract, 'up-plain')).toEqual([]);
  });
});

describe("Russian Excel's dialect", () => {
  it('through the batch route: accepted, its dialect in the receipt, the records as the documented form', async () => {
    const contract = freshContract(contracts, 'xl');
    await registerFixture(rt, contract);

    const answer = await csvBatch(contract, 'xl-1', fixture('excel-ru-utf8.csv'));

    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(BatchReceiptSchema.parse(answer.body)).toEqual(answer.body);
    expect(answer.body).toMatchObject({
      recordCount: 3,
      dialect: { separator: ';', dates: 'dd.mm.yyyy', upperCaseHashes: true },
    });
    const stored = (await rt.store.byBatch(contract, 'xl-1')).map((r) => r.text).join('\n');
    expect(stored).toContain('"date":"2024-03-01"');
    expect(stored).not.toMatch(/[0-9A-F]{64}/);
  });

  it('through the presigned upload, in Windows-1251: the receipt states the encoding too', async () => {
    const contract = freshContract(contracts, 'xl');
    await registerFixture(rt, contract);

    const uploaded = await upload(contract, 'xl-2', fixture('excel-ru-cp1251.csv'), { encoding: 'windows-1251' });

    expect(uploaded.ingested.uploads).toEqual([expect.objectContaining({ status: 'accepted' })]);
    expect(uploaded.outcome).toMatchObject({
      recordCount: 3,
      dialect: { encoding: 'windows-1251', separator: ';', dates: 'dd.mm.yyyy', upperCaseHashes: true },
    });
  });

  it('an amount as Excel shows it is refused by line and column with the digits to write; nothing is written', async () => {
    const contract = freshContract(contracts, 'xl');
    await registerFixture(rt, contract);

    const answer = await csvBatch(contract, 'xl-3', fixture('excel-ru-amounts.csv'));

    expect(answer.status).toBe(422);
    expect(answer.body.errors).toEqual([
      expect.objectContaining({ at: 3, field: 'monthlyWage', message: expect.stringContaining(': 1250050 for 12') }),
    ]);
    expect(await rt.store.byBatch(contract, 'xl-3')).toEqual([]);
  });
});
