import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod';
import { describeLimit, LIMITS } from '#evidence';
import { BATCH_ID, TEXT_ENCODINGS } from '#intake';
import { ValidationError } from '#kernel';
import { presigner } from './adapters/s3-presign.ts';
import { UPLOADS_PREFIX } from './adapters/storage-layout.ts';
import { actorOf, authorize } from './api/auth.ts';
import { type RouteDef, routeOf } from './api/routes.ts';
import { runtime } from './shared/composition.ts';
import { profileForRequest } from './shared/contracts.ts';
import { type HttpResult, httpHandler, json, logger, metrics } from './shared/middleware.ts';
import { BadRequestError } from './shared/problem.ts';
import { bodyBytes, contractParam, XLSX_BYTES, XLSX_MEDIA_TYPE } from './shared/request.ts';

/**
 * POST /contracts/{contract}/uploads: a presigned S3 PUT for a batch too
 * large for the API (up to LIMITS.fileBytes), under
 * `uploads/<contract>/<batchId>.csv` (or `.xlsx` for a workbook). A CSV
 * file's encoding travels as the Content-Type's charset (signed). The batch
 * id and the submitter travel as object metadata (signed, so the uploader
 * cannot change them), which is how the S3-event ingest learns them.
 *
 * The caller comes from the verified JWT claims and is authorized against the
 * route table before the body is read: 401 without a token, 403 for a role
 * other than operator or a contract the token does not list. The submitter
 * signed into the metadata is the caller's subject; functions/ingest-s3.ts
 * records it as an operator (the only role this route allows).
 */

/** The route this module serves (functions/api/routes.ts: presignUpload). */
export const ROUTE: RouteDef = routeOrThrow('POST /contracts/{contract}/uploads', 'presignUpload');

function routeOrThrow(key: string, id: string): RouteDef {
  const route = routeOf(key);
  if (route?.id !== id) throw new Error(`the route table has no ${id} at ${key}`);
  return route;
}

export const UPLOAD_EXPIRES_IN = 15 * 60;
/** The media types an upload may have, and the extension of its key. */
export const UPLOAD_EXTENSIONS = { 'text/csv': 'csv', [XLSX_MEDIA_TYPE]: 'xlsx' } as const;
export type UploadType = keyof typeof UPLOAD_EXTENSIONS;
const UPLOAD_TYPES = Object.keys(UPLOAD_EXTENSIONS) as [UploadType, ...UploadType[]];

export const uploadKey = (contract: string, batchId: string, type: UploadType = 'text/csv') =>
  `${UPLOADS_PREFIX}${contract}/${batchId}.${UPLOAD_EXTENSIONS[type]}`;

// The rule of domain/intake/archive.ts for batch ids, and no `.`/`..` segments: the id becomes part of an object key.
const BatchIdSchema = z
  .string()
  .regex(BATCH_ID, 'letters, digits and . _ : / - (at most 64), starting with a letter or digit')
  .refine((id) => id.split('/').every((s) => s !== '' && s !== '.' && s !== '..'), 'no empty, . or .. path segments');

export const PresignRequestSchema = z.strictObject({
  batchId: BatchIdSchema,
  contentType: z.enum(UPLOAD_TYPES),
  /**
   * A CSV file's encoding (default utf-8): windows-1251 is converted before
   * parsing. Signed into the Content-Type. Not for a workbook (binary).
   */
  encoding: z.enum(TEXT_ENCODINGS).optional(),
  contentLength: z
    .number()
    .int()
    .min(1)
    .max(LIMITS.fileBytes, `at most ${describeLimit('fileBytes', LIMITS.fileBytes)}`)
    .optional(),
  /** The file's SHA-256 (hex): signed into the URL as `x-amz-checksum-sha256`, so S3 refuses other bytes. */
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, '64 lowercase hex digits')
    .optional(),
});

/** The body of POST /contracts/{contract}/uploads (the name the API documentation uses). */
export const UploadRequestSchema = PresignRequestSchema;

/** The 201 answer: where and how to PUT the CSV (every header given must be sent as is: they are signed). */
export const UploadResponseSchema = z.strictObject({
  url: z.string(),
  key: z.string(),
  bucket: z.string(),
  expiresIn: z.number().int(),
  method: z.literal('PUT'),
  headers: z.strictObject({
    'content-type': z.enum([...UPLOAD_TYPES, 'text/csv; charset=windows-1251']),
    'x-amz-meta-batch-id': z.string(),
    'x-amz-meta-submitter': z.string(),
    'x-amz-checksum-sha256': z.string().optional(),
  }),
});

/**
 * The request body: a JSON object checked against the schema above; zod
 * issues become the 422 list. (Plain zod rather than Powertools' parser: the
 * parser imports all of zod, which would double this function's bundle.)
 */
function parseRequest(event: APIGatewayProxyEventV2): z.infer<typeof PresignRequestSchema> {
  // bodyBytes decodes a base64-encoded body and enforces the size limit.
  const body = new TextDecoder().decode(bodyBytes(event, { name: 'jsonBytes', value: LIMITS.jsonBytes }));
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new BadRequestError('the body is not a JSON object');
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new BadRequestError('the body is not a JSON object');
  }
  const result = PresignRequestSchema.safeParse(json);
  if (result.success) return result.data;
  throw new ValidationError(
    'upload request rejected',
    result.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
  );
}

async function presign(event: APIGatewayProxyEventV2): Promise<HttpResult> {
  // Before anything else: a refused caller gets 401/403 without the body being read or anything signed.
  const caller = authorize(event, ROUTE);
  if (caller === undefined) throw new Error(`${ROUTE.id} is not a public route`);
  const actor = actorOf(caller);
  const contract = contractParam(event);
  await profileForRequest(contract); // 404 for an unknown contract before anything is signed
  const request = parseRequest(event);
  if (request.contentType === XLSX_MEDIA_TYPE && request.encoding !== undefined) {
    throw new ValidationError('upload request rejected', [
      { field: 'encoding', message: 'a workbook is binary: encoding applies to a CSV file only' },
    ]);
  }
  if (request.contentType === XLSX_MEDIA_TYPE && (request.contentLength ?? 0) > XLSX_BYTES) {
    throw new ValidationError('upload request rejected', [
      {
        field: 'contentLength',
        message: `a workbook is at most ${XLSX_BYTES.toLocaleString('en')} bytes: save a larger one as CSV UTF-8 and upload that`,
      },
    ]);
  }
  const rt = await runtime();
  const bucket = rt.stack.buckets.uploads;
  const key = uploadKey(contract, request.batchId, request.contentType);
  const metadata = { 'batch-id': request.batchId, submitter: actor.sub };
  const type = request.encoding === 'windows-1251' ? 'text/csv; charset=windows-1251' : request.contentType;
  const checksum = request.sha256 === undefined ? undefined : Buffer.from(request.sha256, 'hex').toString('base64');
  const url = await getSignedUrl(
    presigner(rt.s3),
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      ContentType: type,
      ContentLength: request.contentLength,
      Metadata: metadata,
      ...(checksum === undefined ? {} : { ChecksumSHA256: checksum }),
    }),
    {
      expiresIn: UPLOAD_EXPIRES_IN,
      // Signed headers, not query parameters: the upload must send exactly these, and S3 stores them as
      // metadata; S3 checks the bytes against the SHA-256 header.
      unhoistableHeaders: new Set([
        'x-amz-meta-batch-id',
        'x-amz-meta-submitter',
        ...(checksum === undefined ? [] : ['x-amz-checksum-sha256']),
      ]),
      signableHeaders: new Set(['content-type', ...(request.contentLength === undefined ? [] : ['content-length'])]),
    },
  );
  metrics.addMetric('UploadsPresigned', MetricUnit.Count, 1);
  logger.info('upload presigned', { batchId: request.batchId, contentLength: request.contentLength });
  const answer: z.input<typeof UploadResponseSchema> = {
    url,
    key,
    bucket,
    expiresIn: UPLOAD_EXPIRES_IN,
    method: 'PUT',
    // Content-Length, when signed, is the body's exact size; HTTP clients set it themselves.
    headers: {
      'content-type': type,
      'x-amz-meta-batch-id': metadata['batch-id'],
      'x-amz-meta-submitter': metadata.submitter,
      ...(checksum === undefined ? {} : { 'x-amz-checksum-sha256': checksum }),
    },
  };
  return json(201, answer);
}

export const handler = httpHandler(presign);
