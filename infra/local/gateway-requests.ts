/**
 * The local gateway's own side of a request, before and around the handler:
 * the errors it answers itself (no route, another method, a missing handler
 * module, a body over the limit, a missing or bad token, a request Node
 * cannot parse) as RFC 9457 problems with the headers they call for
 * (Allow, WWW-Authenticate), the bearer token of a request, and its body,
 * read no further than the limit.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { TokenError } from '../../functions/adapters/local-token.ts';
import {
  HttpError,
  PayloadTooLargeError,
  PROBLEM_JSON,
  toProblem,
  UnauthorizedError,
} from '../../functions/shared/problem.ts';
import type { Answer } from './lambda-payload.ts';

const REALM = 'sib-ledger';

/** A route whose handler module does not exist (yet). */
export class NotImplementedError extends HttpError {
  constructor(message: string) {
    super(501, 'Not Implemented', message);
  }
}

/** A path served for other methods only. */
export class MethodNotAllowedError extends HttpError {
  readonly allow: string;
  constructor(path: string, method: string, allowed: readonly string[]) {
    super(405, 'Method Not Allowed', `${path} accepts ${allowed.join(', ')}, not ${method}`);
    this.allow = allowed.join(', ');
  }
}

export function problem(error: unknown, requestId: string, instance: string | undefined): Answer {
  const mapped = toProblem(error, { requestId, ...(instance === undefined ? {} : { instance }) });
  if (mapped.fault && !(error instanceof NotImplementedError)) {
    console.error(
      JSON.stringify({
        level: 'ERROR',
        message: 'local gateway: request failed',
        status: mapped.status,
        requestId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
    );
  }
  const headers: Record<string, string> = { 'content-type': PROBLEM_JSON, ...mapped.headers };
  if (error instanceof MethodNotAllowedError) headers.allow = error.allow;
  if (error instanceof UnauthorizedError) {
    const cause = error.cause instanceof TokenError ? error.cause : undefined;
    headers['www-authenticate'] =
      cause === undefined || cause.reason === 'missing'
        ? `Bearer realm="${REALM}"`
        : `Bearer realm="${REALM}", error="invalid_token", error_description="${cause.message.replaceAll('"', "'")}"`;
  }
  return { status: mapped.status, headers, body: Buffer.from(JSON.stringify(mapped.document)) };
}

/** The bearer token of the Authorization header; undefined when there is none. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const value = req.headers.authorization;
  if (value === undefined || value.trim() === '') return undefined;
  const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(value);
  if (!match) {
    throw new UnauthorizedError('send the token as Authorization: Bearer <jwt>', {
      cause: new TokenError('malformed', 'send the token as Authorization: Bearer <jwt>'),
    });
  }
  return match[1];
}

type BodyRead =
  | { readonly kind: 'body'; readonly bytes: Buffer }
  | { readonly kind: 'too-large'; readonly size: number };

/** Reads the request body, stopping (without buffering more) as soon as it passes `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        chunks.length = 0;
        done({ kind: 'too-large', size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      done({ kind: 'body', bytes: Buffer.concat(chunks) });
    };
    const onError = (error: Error) => {
      cleanup();
      fail(error);
    };
    const onClose = () => {
      if (req.complete) return;
      cleanup();
      fail(new Error('the client went away before sending the whole body'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

export const tooLarge = (size: number | string, limit: number) =>
  new PayloadTooLargeError(
    `the body is ${size} bytes; the limit is ${limit} bytes; send larger batches as CSV through an upload (POST /contracts/{contract}/uploads)`,
  );

/** Answers a request Node could not parse (it never reaches a handler): a problem, still with a request id. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = randomUUID();
  const [status, title] =
    error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'Request Header Fields Too Large'] : [400, 'Bad Request'];
  const body = JSON.stringify({
    type: 'about:blank',
    title,
    status,
    detail: status === 431 ? 'the request headers are too large' : 'the request is not valid HTTP/1.1',
    requestId,
  });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\ncontent-type: ${PROBLEM_JSON}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nconnection: close\r\n\r\n${body}`,
  );
}
