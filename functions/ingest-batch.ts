import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as z from 'zod';
import { LIMITS } from '#evidence';
import {
  type CsvDialect,
  CsvDialectSchema,
  type ParsedRecord,
  parseCsv,
  parseJsonBatch,
  type TextEncoding,
  textEncodingOf,
} from '#intake';
import type { Problem } from '#kernel';
import { ValidationError } from '#kernel';
import { ingestBatch, rejectUnwritableBatch } from '#services';
import { actorOf, authorize } from './api/auth.ts';
import { type RouteDef, routeOf } from './api/routes.ts';
import { todayEarliestZone } from './shared/clock.ts';
import { runtime } from './shared/composition.ts';
import { profileForRequest } from './shared/contracts.ts';
import { type HttpResult, httpHandler, json, logger, metrics } from './shared/middleware.ts';
import { PayloadTooLargeError, UnsupportedMediaTypeError } from './shared/problem.ts';
import { bodyBytes, contentType, contractParam, header, XLSX_BYTES, XLSX_MEDIA_TYPE } from './shared/request.ts';

/**
 * POST /contracts/{contract}/batches: one evidence batch through the API, as
 * JSON (`{"batchId", "records"}`), CSV or XLSX (the batch id in the `batchId`
 * query parameter or the Idempotency-Key header; CSV in UTF-8, or Windows-1251
 * named by `charset=windows-1251`; of a workbook, the first sheet or the one
 * the `sheet` query parameter names), at most LIMITS.jsonBytes.
 * 201 with the receipt for a new batch, 200 with the original receipt for a
 * replay; errors are mapped by the middleware (422 every problem, 409 both
 * hashes). Larger batches go through POST /contracts/{contract}/uploads.
 *
 * The caller comes from the verified JWT claims (API Gateway's authorizer,
 * or the local gateway) and is authorized against the route table before the
 * body is read: 401 without a token, 403 for a role other than operator or a
 * contract the token does not list. The batch entry's actor is the caller.
 */

/** The route this module serves (functions/api/routes.ts: submitBatch). */
export const ROUTE: RouteDef = routeOrThrow('POST /contracts/{contract}/batches', 'submitBatch');

function routeOrThrow(key: string, id: string): RouteDef {
  const route = routeOf(key);
  if (route?.id !== id) throw new Error(`the route table has no ${id} at ${key}`);
  return route;
}

/** The receipt answered with 201 (a new batch) or 200 (the same batch again): domain/services/ingest.ts IngestReceipt. */
export const BatchReceiptSchema = z.strictObject({
  contract: z.string(),
  batchId: z.string(),
  seq: z.number().int().min(0),
  entryHash: z.string(),
  recordsRoot: z.string(),
  recordCount: z.number().int().min(0),
  archive: z.strictObject({ key: z.string(), sha256: z.string() }),
  checkpoint: z.string(),
  replayed: z.boolean(),
  /** What a CSV batch used beyond the documented form (docs/evidence.md, "Russian Excel"); absent when nothing. */
  dialect: CsvDialectSchema.optional(),
});

interface ParsedBody {
  readonly batchId: string | undefined;
  readonly records: readonly ParsedRecord[];
  readonly problems: Problem[];
  readonly unit: 'record' | 'line' | 'row';
  /** Names the sheet and cell of each problem (XLSX). */
  readonly locate?: (problems: readonly Problem[]) => Problem[];
  readonly dialect?: CsvDialect;
}

/** The batch id given beside the body: query `batchId` or header Idempotency-Key (they must agree). */
function batchIdBeside(event: APIGatewayProxyEventV2, problems: Problem[]): string | undefined {
  const query = event.queryStringParameters?.batchId;
  const key = header(event, 'idempotency-key');
  if (query && key && query !== key) {
    problems.push({ field: 'batchId', message: `query batchId ${query} differs from Idempotency-Key ${key}` });
  }
  return query || key || undefined;
}

/**
 * The body's encoding: UTF-8, or for CSV Windows-1251 when the charset names
 * it (what Russian Excel saves; converted before parsing). Others are 415.
 */
function encodingOf(type: { type: string; charset?: string }): TextEncoding {
  if (type.charset === undefined) return 'utf-8';
  const encoding = textEncodingOf(type.charset);
  if (encoding === 'utf-8' || (encoding === 'windows-1251' && type.type === 'text/csv')) return encoding;
  throw new UnsupportedMediaTypeError(
    `bodies are read as UTF-8 (CSV also as windows-1251), not ${type.charset}: convert the file to UTF-8`,
  );
}

/** The body as records: a workbook (binary: no charset applies) or JSON/CSV text in its encoding. */
async function parseBody(event: APIGatewayProxyEventV2): Promise<ParsedBody> {
  const type = contentType(event);
  if (type?.type === XLSX_MEDIA_TYPE) return parseXlsxBody(event);
  if (type?.type !== 'application/json' && type?.type !== 'text/csv') {
    throw new UnsupportedMediaTypeError(`send the batch as application/json, text/csv or ${XLSX_MEDIA_TYPE}`);
  }
  const encoding = encodingOf(type);
  const bytes = bodyBytes(event, { name: 'jsonBytes', value: LIMITS.jsonBytes });
  const problems: Problem[] = [];
  if (type.type === 'application/json') {
    const beside = batchIdBeside(event, problems);
    const parsed = parseJsonBatch(bytes);
    if (beside && parsed.batchId && beside !== parsed.batchId) {
      problems.push({ field: 'batchId', message: `the body's batchId ${parsed.batchId} differs from ${beside}` });
    }
    return {
      batchId: parsed.batchId,
      records: parsed.records,
      problems: [...parsed.problems, ...problems],
      unit: 'record',
    };
  }
  const beside = tableBatchId(event, problems);
  const parsed = parseCsv(bytes, { encoding });
  return {
    batchId: beside,
    records: parsed.records,
    problems: [...parsed.problems, ...problems],
    unit: 'line',
    dialect: parsed.dialect,
  };
}

/** The batch id of a CSV or XLSX body: beside it, or a problem saying where to give it. */
function tableBatchId(event: APIGatewayProxyEventV2, problems: Problem[]): string | undefined {
  const beside = batchIdBeside(event, problems);
  if (!beside) {
    problems.push({
      field: 'batchId',
      message: 'give the batch id as query parameter batchId or header Idempotency-Key',
    });
  }
  return beside;
}

/** An XLSX body: the reader (and exceljs) loaded on the first workbook only. */
async function parseXlsxBody(event: APIGatewayProxyEventV2): Promise<ParsedBody> {
  const bytes = bodyBytes(event, { name: 'jsonBytes', value: LIMITS.jsonBytes });
  if (bytes.length > XLSX_BYTES) {
    throw new PayloadTooLargeError(
      `the workbook is ${bytes.length.toLocaleString('en')} bytes; a workbook is at most ${XLSX_BYTES.toLocaleString('en')} bytes: save a larger one as CSV UTF-8 and upload that (POST /contracts/{contract}/uploads)`,
    );
  }
  const problems: Problem[] = [];
  const batchId = tableBatchId(event, problems);
  const sheet = event.queryStringParameters?.sheet || undefined;
  const { readXlsxBatch } = await import('./adapters/xlsx-batch.ts');
  const parsed = await readXlsxBatch(bytes, sheet === undefined ? {} : { sheet });
  return {
    batchId,
    records: parsed.records,
    problems: [...parsed.problems, ...problems],
    unit: 'row',
    locate: parsed.locate,
  };
}

/**
 * What an ingest keeps of the request's time for its own work once it holds
 * the contract's lease: the rest it may spend waiting for the lease while
 * other batches of the contract are ingested, then it answers 409 (try again
 * shortly) instead of running into the API's timeout (a 5xx).
 */
export const INGEST_WORK_MS = 10_000;

async function ingest(event: APIGatewayProxyEventV2, context: Context): Promise<HttpResult> {
  // Before anything else: a refused caller gets 401/403 without the body being read or anything written.
  const caller = authorize(event, ROUTE);
  if (caller === undefined) throw new Error(`${ROUTE.id} is not a public route`);
  const actor = actorOf(caller);
  const profile = await profileForRequest(contractParam(event));
  const body = await parseBody(event);
  const { batchId, records } = body;
  logger.appendKeys({ batchId });
  metrics.addMetric('BatchSize', MetricUnit.Count, records.length);
  const started = performance.now();
  try {
    const ports = (await runtime()).ports;
    if (batchId === undefined) {
      // Not writable, but every other problem of the file still belongs in the one answer.
      return await rejectUnwritableBatch(
        { profile, records, parseProblems: body.problems, today: todayEarliestZone(), unit: body.unit },
        ports,
      );
    }
    const receipt = await ingestBatch(
      {
        profile,
        batchId,
        submitter: actor,
        records,
        parseProblems: body.problems,
        today: todayEarliestZone(),
        unit: body.unit,
        ...(body.dialect === undefined ? {} : { dialect: body.dialect }),
        leaseWaitMs: Math.max(0, context.getRemainingTimeInMillis() - INGEST_WORK_MS),
      },
      ports,
    );
    // A replay accepts nothing new: its records were counted the first time.
    metrics.addMetric('RecordsAccepted', MetricUnit.Count, receipt.replayed ? 0 : receipt.recordCount);
    logger.info(receipt.replayed ? 'batch replayed' : 'batch accepted', {
      seq: receipt.seq,
      recordCount: receipt.recordCount,
    });
    return json(receipt.replayed ? 200 : 201, receipt satisfies z.input<typeof BatchReceiptSchema>);
  } catch (thrown) {
    const error =
      thrown instanceof ValidationError && body.locate !== undefined
        ? new ValidationError(thrown.message, body.locate(thrown.problems))
        : thrown;
    if (error instanceof ValidationError) {
      // All or nothing: every record of a rejected batch is rejected, not only those with problems.
      const located = new Set(error.problems.map((p) => p.at).filter((at) => at !== undefined)).size;
      metrics.addMetric('RecordsRejected', MetricUnit.Count, Math.max(records.length, located));
      logger.info('batch rejected', { records: records.length, recordsWithProblems: located });
    }
    throw error;
  } finally {
    metrics.addMetric('IngestDuration', MetricUnit.Milliseconds, performance.now() - started);
  }
}

export const handler = httpHandler(ingest, { validationTitle: 'Batch rejected' });
