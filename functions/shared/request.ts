import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type Actor, ActorSchema } from '../../domain/entry.ts';
import { describeLimit, formatCount } from '../../domain/evidence.ts';
import { BadRequestError, PayloadTooLargeError, UnauthorizedError } from './problem.ts';

/**
 * Reading an API Gateway v2 (HTTP API, payload 2.0) request: headers, body
 * bytes and the caller, with the edge's checks. Each check throws the
 * HttpError the client should see.
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

/**
 * Who is calling: the JWT subject when API Gateway's authorizer verified a
 * token, else the `x-sib-subject` header, but only on the local stack
 * (SIB_DATA_DIR set), which has no authorizer: in AWS a header is anyone's
 * to write. The role is operator for now; the role matrix comes with access
 * control.
 */
export function submitter(event: APIGatewayProxyEventV2, env: NodeJS.ProcessEnv = process.env): Actor {
  const claims = (event.requestContext as { authorizer?: { jwt?: { claims?: Record<string, unknown> } } }).authorizer
    ?.jwt?.claims;
  const sub = claims?.sub ?? (env.SIB_DATA_DIR ? header(event, 'x-sib-subject') : undefined);
  if (sub === undefined || sub === '') {
    throw new UnauthorizedError('no authenticated subject: send a bearer token (or x-sib-subject on the local stack)');
  }
  // Checked here, not at the append: a subject the entry schema refuses must fail before anything is written.
  const parsed = ActorSchema.safeParse({ sub: String(sub), role: 'operator' });
  if (!parsed.success) throw new BadRequestError('the subject must be 1 to 128 printable ASCII characters, no spaces');
  return parsed.data;
}

/** The `{contract}` path parameter. */
export function contractParam(event: APIGatewayProxyEventV2): string {
  const contract = event.pathParameters?.contract;
  if (!contract) throw new BadRequestError('the path names no contract');
  return contract;
}
