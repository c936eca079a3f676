import { createHash } from 'node:crypto';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { type TextEncoding, textEncodingOf } from '#intake';
import { ConflictError, NotFoundError, type Problem, ValidationError } from '#kernel';
import { type Actor, ActorSchema } from '#ledger';
import type { IngestReceipt, IngestRequest } from '#services';
import { type ByteSource, ingestBatch, ingestStream } from '#services';
import { RESULTS_PREFIX } from './adapters/storage-layout.ts';
import { todayEarliestZone } from './shared/clock.ts';
import { type Runtime, runtime } from './shared/composition.ts';
import { profileForRequest } from './shared/contracts.ts';
import { logger, metrics, tracer } from './shared/middleware.ts';
import { PROBLEM_JSON, type ProblemDocument, toProblem } from './shared/problem.ts';
import { XLSX_BYTES } from './shared/request.ts';

/**
 * The S3-event ingest: for each object created under
 * `uploads/<contract>/<batchId>.csv` (a presigned upload, functions/presign-upload.ts,
 * whose signed metadata carries `batch-id` and `submitter`), streams the CSV
 * through the ingest use case (domain/services/ingest-stream.ts: memory bounded
 * whatever the size), or reads the first sheet of a `<batchId>.xlsx` whole
 * (at most XLSX_BYTES; the reader is a lazily loaded chunk) through
 * the batch use case, and writes the outcome beside the upload, as
 * `results/<contract>/<batchId>.json`: the receipt, or the RFC 9457 problem
 * document listing the problems. Then the upload is deleted: it holds the
 * participants' references before pseudonymisation. Uploads and results live
 * in the uploads bucket (functions/adapters/storage-layout.ts), never under
 * Object Lock.
 *
 * A rejected batch (or a conflicting batch id, or an unknown contract) is an
 * answer, not a failure: it is written and the invocation succeeds. Anything
 * else (S3, DynamoDB, KMS, a lost lease) throws, so Lambda retries the event;
 * that is safe, since a batch id is appended at most once and a replay gets
 * the original receipt.
 */

/**
 * The parts of an S3 event notification this function reads. Plain zod
 * rather than Powertools' S3Schema: the parser imports all of zod, which
 * would double this function's bundle. Other fields are let through.
 */
export const S3EventSchema = z.looseObject({
  Records: z.array(
    z.looseObject({
      eventName: z.string(),
      s3: z.looseObject({
        bucket: z.looseObject({ name: z.string().min(1) }),
        object: z.looseObject({
          key: z.string().min(1),
          size: z.number().int().min(0).optional(),
          eTag: z.string().optional(),
        }),
      }),
    }),
  ),
});

export type S3Event = z.infer<typeof S3EventSchema>;
type S3EventRecord = S3Event['Records'][number];

const UPLOAD_KEY = /^uploads\/([^/]+)\/(.+)\.(csv|xlsx)$/;
export const resultKey = (contract: string, batchId: string) => `${RESULTS_PREFIX}${contract}/${batchId}.json`;

export interface UploadOutcome {
  readonly key: string;
  /** Where the outcome was written; absent when the object was skipped. */
  readonly result?: string;
  readonly status: 'accepted' | 'replayed' | 'rejected' | 'skipped';
}

/** S3 event keys are URL-encoded, with `+` for spaces. */
function decodeKey(key: string): string {
  return decodeURIComponent(key.replaceAll('+', ' '));
}

/** The object is no longer the one the event announced. */
class UploadReplacedError extends Error {
  override readonly name = 'UploadReplacedError';
}

/** Throws UploadReplacedError unless the object read has the event's ETag (If-Match does it too, where supported). */
function checkETag(key: string, expected: string | undefined, actual: string | undefined): void {
  if (expected !== undefined && actual !== undefined && actual !== expected) {
    throw new UploadReplacedError(`${key} changed since its event`);
  }
}

/** The object's bytes, read afresh on each call; `eTag` pins the version the event announced. */
function objectSource(s3: S3Client, bucket: string, key: string, eTag: string | undefined): ByteSource {
  return async function* () {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: eTag }));
    if (!out.Body) throw new Error(`GetObject ${key} returned no body`);
    const body = out.Body as AsyncIterable<Uint8Array> & { destroy?: () => void };
    try {
      checkETag(key, eTag, out.ETag);
    } catch (error) {
      body.destroy?.();
      throw error;
    }
    yield* body;
  };
}

/**
 * The upload was replaced (its ETag changed) or deleted since the event: that
 * newer state has an event of its own. `head`: the error of the HeadObject,
 * where a plain 404 means the object is gone; elsewhere a 404 could be any
 * missing resource (the archive bucket, a multipart upload), which must fail.
 */
function isGone(error: unknown, head = false): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    error instanceof UploadReplacedError ||
    e.name === 'PreconditionFailed' ||
    e.$metadata?.httpStatusCode === 412 ||
    e.name === 'NoSuchKey' ||
    (head && (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404))
  );
}

/** The batch id and submitter from the object's metadata, or the problems with them. */
function uploadMetadata(
  metadata: Record<string, string> | undefined,
  keyBatchId: string,
): { batchId: string; submitter: Actor } {
  const problems: Problem[] = [];
  const batchId = metadata?.['batch-id'] ?? keyBatchId;
  if (batchId !== keyBatchId) {
    problems.push({
      field: 'batch-id',
      message: `the metadata batch-id ${batchId} differs from the key's ${keyBatchId}`,
    });
  }
  const actor = ActorSchema.safeParse({ sub: metadata?.submitter, role: 'operator' });
  if (!actor.success) {
    problems.push({
      field: 'submitter',
      message: 'the upload must carry x-amz-meta-submitter: 1 to 128 printable ASCII characters, no spaces',
    });
  }
  if (problems.length > 0 || !actor.success) throw new ValidationError('upload rejected: bad metadata', problems);
  return { batchId, submitter: actor.data };
}

/** The upload's encoding, from its signed Content-Type's charset: UTF-8 unless it names windows-1251. */
function encodingOf(contentType: string | undefined): TextEncoding {
  const charset = /;\s*charset\s*=\s*"?([^";]+)"?/i.exec(contentType ?? '')?.[1];
  if (charset === undefined) return 'utf-8';
  const encoding = textEncodingOf(charset);
  if (encoding !== undefined) return encoding;
  throw new ValidationError('upload rejected: unknown encoding', [
    { field: 'content-type', message: `the file is read as utf-8 or windows-1251, not ${charset}` },
  ]);
}

/** An upload an event announced: where it is, what its key says, and where its outcome goes. */
interface Upload {
  readonly bucket: string;
  readonly key: string;
  readonly contract: string;
  /** The batch id of the key (the metadata's must be the same). */
  readonly keyBatchId: string;
  /** Where the outcome goes: `results/<contract>/<batchId>.json`. */
  readonly result: string;
  /** The event's ETag, quoted: pins the object version read. */
  readonly ifMatch: string | undefined;
  /** The size the event announced. */
  readonly size: number | undefined;
  readonly format: 'csv' | 'xlsx';
}

async function ingestUpload(record: S3EventRecord): Promise<UploadOutcome> {
  const bucket = record.s3.bucket.name;
  const key = decodeKey(record.s3.object.key);
  const match = UPLOAD_KEY.exec(key);
  if (!record.eventName.startsWith('ObjectCreated:') || !match) {
    logger.warn('not an upload: skipped', { key, eventName: record.eventName });
    return { key, status: 'skipped' };
  }
  const [, contract = '', keyBatchId = '', extension] = match;
  const result = resultKey(contract, keyBatchId);
  logger.appendKeys({ contract, batchId: keyBatchId });
  const rt = await runtime();
  const eTag = record.s3.object.eTag;
  const ifMatch = eTag === undefined ? undefined : eTag.startsWith('"') ? eTag : `"${eTag}"`;
  const size = record.s3.object.size;
  const format = extension === 'xlsx' ? 'xlsx' : 'csv';
  const upload: Upload = { bucket, key, contract, keyBatchId, result, ifMatch, size, format };
  const progress: { rows?: number } = {};
  const started = performance.now();
  try {
    return await acceptUpload(rt, upload, progress);
  } catch (error) {
    return await rejectUpload(rt, upload, error, progress.rows);
  } finally {
    metrics.addMetric('IngestDuration', MetricUnit.Milliseconds, performance.now() - started);
  }
}

/**
 * Streams the upload through the ingest use case and writes the receipt;
 * skipped when the object is no longer the one the event announced. Throws
 * what the ingest refuses (and anything else) for rejectUpload.
 */
async function acceptUpload(rt: Runtime, upload: Upload, progress: { rows?: number }): Promise<UploadOutcome> {
  const { key } = upload;
  const head = await headUpload(rt.s3, upload);
  if (head === undefined) return { key, status: 'skipped' };
  const { batchId, submitter } = uploadMetadata(head.Metadata, upload.keyBatchId);
  // A workbook is binary (no charset applies); a CSV file is read in the encoding its content type names.
  const encoding = upload.format === 'csv' ? encodingOf(head.ContentType) : 'utf-8';
  const profile = await profileForRequest(upload.contract);
  metrics.addMetric('UploadBytes', MetricUnit.Bytes, head.ContentLength ?? upload.size ?? 0);
  const request = {
    profile,
    batchId,
    submitter,
    today: todayEarliestZone(),
    onProgress: (p: { total?: number }) => {
      if (p.total !== undefined) progress.rows = p.total;
    },
  };
  const source = objectSource(rt.s3, upload.bucket, key, upload.ifMatch);
  const receipt =
    upload.format === 'xlsx'
      ? await ingestWorkbook(request, source, head.ContentLength ?? upload.size ?? 0, rt)
      : await ingestStream({ ...request, parse: { encoding } }, source, rt.ports);
  if (progress.rows !== undefined) metrics.addMetric('BatchSize', MetricUnit.Count, progress.rows);
  // A replay accepts nothing new: its records were counted the first time.
  metrics.addMetric('RecordsAccepted', MetricUnit.Count, receipt.replayed ? 0 : receipt.recordCount);
  logger.info(receipt.replayed ? 'batch replayed' : 'batch accepted', {
    seq: receipt.seq,
    recordCount: receipt.recordCount,
  });
  await writeOutcome(rt.s3, upload, receipt, 'application/json');
  return { key, result: upload.result, status: receipt.replayed ? 'replayed' : 'accepted' };
}

/**
 * A workbook upload: read whole (at most XLSX_BYTES), its first sheet
 * through the batch use case, problems located by sheet and cell.
 */
async function ingestWorkbook(
  request: Omit<IngestRequest, 'records'>,
  source: ByteSource,
  size: number,
  rt: Runtime,
): Promise<IngestReceipt> {
  if (size > XLSX_BYTES) {
    throw new ValidationError('upload rejected: the workbook is too large', [
      {
        message: `a workbook is at most ${XLSX_BYTES.toLocaleString('en')} bytes: save a larger one as CSV UTF-8 and upload that`,
      },
    ]);
  }
  const chunks: Uint8Array[] = [];
  for await (const chunk of source()) chunks.push(chunk);
  const { readXlsxBatch } = await import('./adapters/xlsx-batch.ts');
  const sheet = await readXlsxBatch(Buffer.concat(chunks));
  try {
    return await ingestBatch(
      { ...request, records: sheet.records, parseProblems: sheet.problems, unit: 'row' },
      rt.ports,
    );
  } catch (error) {
    if (error instanceof ValidationError) throw new ValidationError(error.message, sheet.locate(error.problems));
    throw error;
  }
}

/** The upload's metadata, pinned to the event's ETag; undefined when it was replaced or deleted since the event. */
async function headUpload(s3: S3Client, upload: Upload): Promise<HeadObjectCommandOutput | undefined> {
  try {
    const head = await s3.send(
      new HeadObjectCommand({ Bucket: upload.bucket, Key: upload.key, IfMatch: upload.ifMatch }),
    );
    checkETag(upload.key, upload.ifMatch, head.ETag);
    return head;
  } catch (error) {
    if (!isGone(error, true)) throw error;
    logger.warn('upload replaced or deleted since the event: skipped', { key: upload.key });
    return undefined;
  }
}

/**
 * A refused batch (invalid, a conflicting batch id, an unknown contract) is
 * an answer: its problem document is written. An upload replaced or deleted
 * while it was read is skipped; anything else throws, so Lambda retries.
 */
async function rejectUpload(
  rt: Runtime,
  upload: Upload,
  error: unknown,
  rows: number | undefined,
): Promise<UploadOutcome> {
  const { key } = upload;
  if (!(error instanceof ValidationError || error instanceof ConflictError || error instanceof NotFoundError)) {
    if (isGone(error)) {
      logger.warn('upload replaced or deleted while it was read: skipped', { key });
      return { key, status: 'skipped' };
    }
    throw error;
  }
  const { document } = toProblem(error, { instance: key, validationTitle: 'Batch rejected' });
  if (error instanceof ValidationError) {
    // All or nothing: every record of a rejected batch is rejected, not only those with problems.
    const located = new Set(error.problems.map((p) => p.at).filter((at) => at !== undefined)).size;
    metrics.addMetric('RecordsRejected', MetricUnit.Count, Math.max(rows ?? 0, located));
  }
  // The problem list is not logged: its messages may quote what the operator sent.
  // The count of all problems, not only of those listed (at most 1,000).
  const problems = document.problemCount ?? document.errors?.length;
  logger.info('batch rejected', { status: document.status, type: document.type, problems });
  await writeOutcome(rt.s3, upload, document, PROBLEM_JSON);
  return { key, result: upload.result, status: 'rejected' };
}

/**
 * Writes the outcome beside the upload; then deletes the upload, which holds
 * the participants' references before pseudonymisation (the bucket's
 * lifecycle expires any upload left behind after a day).
 */
async function writeOutcome(
  s3: S3Client,
  upload: Upload,
  body: IngestReceipt | ProblemDocument,
  contentType: string,
): Promise<void> {
  const bytes = Buffer.from(JSON.stringify(body, null, 2));
  await s3.send(
    new PutObjectCommand({
      Bucket: upload.bucket,
      Key: upload.result,
      Body: bytes,
      ContentType: contentType,
      // For S3 to check: bytes altered on the way are refused.
      ChecksumSHA256: createHash('sha256').update(bytes).digest('base64'),
    }),
  );
  await s3.send(new DeleteObjectCommand({ Bucket: upload.bucket, Key: upload.key }));
}

/** The uploads of one event, one after the other (each may be large). */
async function ingestUploads(event: S3Event, _context: Context): Promise<{ uploads: UploadOutcome[] }> {
  const uploads: UploadOutcome[] = [];
  for (const record of event.Records) uploads.push(await ingestUpload(record));
  return { uploads };
}

/**
 * The middleware of the HTTP handlers minus the HTTP parts (request ids,
 * problem answers): the Powertools logger, tracer and metrics of
 * shared/middleware.ts, and the event checked against Powertools' S3 schema.
 */
export const handler = middy<S3Event, { uploads: UploadOutcome[] }, Error, Context>(ingestUploads)
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }))
  .use({
    // An event that is not an S3 notification fails the invocation (and, after the retries, lands in the DLQ).
    before: (request) => {
      request.event = S3EventSchema.parse(request.event);
    },
  });
