import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { describeLimit, formatCount } from '#evidence';
import { BadRequestError, PayloadTooLargeError } from './problem.ts';

/**
 * Reading an API Gateway v2 (HTTP API, payload 2.0) request: headers, body
 * bytes and path parameters, with the edge's checks. Each check throws the
 * HttpError the client should see. The caller comes from verified JWT claims
 * through functions/api/auth.ts, never from a header.
 */

/** A header, whatever its case (API Gateway lower-cases them; a local gateway or a test may not). */
export function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(event.headers ?? {})) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
}

/** The media type of Content-Type, lower-cased, and its charset parameter if any. */
export function contentType(event: APIGatewayProxyEventV2): { type: string; charset?: string } | undefined {
  const value = header(event, 'content-type');
  if (!value) return undefined;
  const [type = '', ...params] = value.split(';').map((p) => p.trim());
  const charset = params
    .map((p) => /^charset\s*=\s*"?([^";]+)"?$/i.exec(p)?.[1])
    .find((c) => c !== undefined)
    ?.toLowerCase();
  return charset === undefined ? { type: type.toLowerCase() } : { type: type.toLowerCase(), charset };
}

/** The media type of an XLSX workbook (Excel 2007 and later). */
export const XLSX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * A workbook is read whole (its sheet), not streamed, at some 10 KB of memory
 * and 0.3 ms per row (bench/xlsx-intake.ts): at most this many bytes, about
 * 20,000 rows, through the API or an upload; larger batches go as CSV, which
 * streams.
 */
export const XLSX_BYTES = 1024 ** 2;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The body as bytes (API Gateway base64-encodes bodies it takes for binary),
 * at most `limit` bytes: larger is 413 naming the bound, so the client learns
 * which limit it hit. Strings are measured in UTF-8 bytes, as parsers see them.
 */
export function bodyBytes(event: APIGatewayProxyEventV2, limit: { name: 'jsonBytes'; value: number }): Uint8Array {
  const body = event.body ?? '';
  const tooLarge = (size: number) =>
    new PayloadTooLargeError(
      `the body is ${formatCount(size)} bytes; the limit is ${describeLimit(limit.name, limit.value)}; send larger batches as CSV through an upload (POST /contracts/{contract}/uploads)`,
    );
  if (event.isBase64Encoded) {
    // Checked before decoding: Buffer.from silently skips characters that are not base64.
    const compact = body.replaceAll(/\s/g, '');
    if (!BASE64.test(compact)) throw new BadRequestError('the body is marked base64-encoded but is not valid base64');
    const size = (compact.length / 4) * 3 - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
    if (size > limit.value) throw tooLarge(size);
    return new Uint8Array(Buffer.from(compact, 'base64'));
  }
  const bytes = new TextEncoder().encode(body);
  if (bytes.length > limit.value) throw tooLarge(bytes.length);
  return bytes;
}

/** The `{contract}` path parameter. */
export function contractParam(event: APIGatewayProxyEventV2): string {
  const contract = event.pathParameters?.contract;
  if (!contract) throw new BadRequestError('the path names no contract');
  return contract;
}
