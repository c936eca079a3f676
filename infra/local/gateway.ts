/**
 * The local gateway: serves THE route table (functions/api/routes.ts) on one
 * machine as API Gateway's HTTP API does in AWS. Each request is matched
 * against the table, its bearer token verified (the local stack's token key,
 * functions/adapters/local-token.ts, standing in for the Cognito JWT
 * authorizer), turned into a payload 2.0 event, and given to the same Lambda
 * handler module the CDK API routes it to; the handler's structured result
 * becomes the answer.
 *
 * The gateway itself decides, before any handler runs: 404 (no route), 405
 * (a route for another method, with Allow), 400 (a target that is not a
 * normalized origin-form path), 401 (no valid token on a protected route,
 * with WWW-Authenticate: Bearer), 413 (a body over the limit: refused from
 * Content-Length alone, or as soon as the streamed body passes it), 501 (a
 * route whose handler module does not exist yet) and 504 (a handler slower
 * than the timeout; it keeps running, as nothing can stop it, but its answer
 * is dropped). All are RFC 9457 problems, and every answer carries
 * x-request-id (the event's requestContext.requestId and the handler's
 * awsRequestId).
 *
 * Unlike Lambda, handlers share one process and run concurrently, so their
 * module singletons (the Powertools logger's per-request keys) may mix
 * requests in the log lines.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { NotFoundError } from '#kernel';
import { TokenError, verifyToken } from '../../functions/adapters/local-token.ts';
import { type HandlerModule, matchRoute, type RouteDef, routeKey } from '../../functions/api/routes.ts';
import {
  BadRequestError,
  HttpError,
  PayloadTooLargeError,
  PROBLEM_JSON,
  toProblem,
  UnauthorizedError,
} from '../../functions/shared/problem.ts';
import { useLocalRuntime } from './runtime.ts';

export const DEFAULT_API_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
/** API Gateway's own limit is 10 MB; Lambda's synchronous payload limit is 6 MB. */
export const DEFAULT_BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** API Gateway's integration timeout for HTTP APIs. */
export const DEFAULT_TIMEOUT_MS = 29_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;
const REALM = 'sib-ledger';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

export interface AccessLogEntry {
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** The matched route (`POST /contracts/{contract}/batches`), if any. */
  readonly routeKey?: string;
  readonly status: number;
  readonly ms: number;
}

export interface GatewayOptions {
  /** The local stack's data dir: its token key verifies tokens; handlers read the stack from it (SIB_DATA_DIR). */
  readonly dataDir: string;
  /** Default 8787; 0 picks a free port. */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 6 MiB. */
  readonly bodyLimitBytes?: number;
  /** Default 29 s. */
  readonly timeoutMs?: number;
  /** How long close() lets in-flight requests finish; default 10 s. */
  readonly shutdownGraceMs?: number;
  /** Loads a route's handler (default: `functions/<module>.ts`, export `handler`); tests substitute their own. */
  readonly loadHandler?: (module: HandlerModule) => Promise<LambdaHandler>;
  /** Called once per answered request. */
  readonly onRequest?: (entry: AccessLogEntry) => void;
}

export interface Gateway {
  /** `http://127.0.0.1:8787` */
  readonly url: string;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes every connection. */
  close(): Promise<void>;
}

/** A route whose handler module does not exist (yet). */
class NotImplementedError extends HttpError {
  constructor(message: string) {
    super(501, 'Not Implemented', message);
  }
}

/** A path served for other methods only. */
class MethodNotAllowedError extends HttpError {
  readonly allow: string;
  constructor(path: string, method: string, allowed: readonly string[]) {
    super(405, 'Method Not Allowed', `${path} accepts ${allowed.join(', ')}, not ${method}`);
    this.allow = allowed.join(', ');
  }
}

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly routeKey?: string;
}

const FUNCTIONS_DIR = new URL('../../functions/', import.meta.url);

/** The handler of a module under functions/, imported on first use (a missing module is 501). */
export async function importHandler(module: HandlerModule): Promise<LambdaHandler> {
  const file = new URL(`${module}.ts`, FUNCTIONS_DIR);
  if (!existsSync(file)) {
    throw new NotImplementedError(`this route is not served yet (no handler module functions/${module}.ts)`);
  }
  const mod = (await import(/* @vite-ignore */ file.href)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') throw new Error(`functions/${module}.ts exports no handler`);
  return mod.handler as LambdaHandler;
}

function problem(error: unknown, requestId: string, instance: string | undefined): Answer {
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
function bearerToken(req: IncomingMessage): string | undefined {
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

/** Claims as API Gateway's JWT authorizer hands them to a payload 2.0 handler: strings, lists as `[a b]`. */
function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (value !== null && typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-www-form-urlencoded',
  'application/x-ndjson',
  'application/jsonl',
]);

/** Whether API Gateway passes a body of this Content-Type as text (else base64). */
function isTextType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `22/Nov/2026:10:00:00 +0000`, API Gateway's requestContext.time. */
function clfTime(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function hostName(host: string | undefined, fallback: string): string {
  if (!host) return fallback;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return fallback;
  }
}

interface EventInput {
  readonly req: IncomingMessage;
  readonly requestId: string;
  readonly route: RouteDef;
  readonly params: Record<string, string>;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly body: Buffer;
  readonly claims: Record<string, unknown> | undefined;
  readonly host: string;
  readonly now: Date;
}

/** The payload 2.0 event API Gateway would hand the route's Lambda function. */
function toEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { req, route } = input;
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    if (name === 'cookie') {
      cookies = values.flatMap((v) => v.split(';').map((c) => c.trim())).filter((c) => c !== '');
    } else headers[name] = values.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(input.rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  let body: { body?: string; isBase64Encoded: boolean } = { isBase64Encoded: false };
  if (input.body.length > 0) {
    let text: string | undefined;
    if (isTextType(headers['content-type'])) {
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input.body);
      } catch {
        // Not UTF-8 after all: passed on byte for byte.
      }
    }
    body =
      text === undefined
        ? { body: input.body.toString('base64'), isBase64Encoded: true }
        : { body: text, isBase64Encoded: false };
  }
  const key = routeKey(route);
  const domainName = hostName(headers.host, input.host);
  const authorizer =
    input.claims === undefined ? {} : { authorizer: { jwt: { claims: flattenClaims(input.claims), scopes: [] } } };
  return {
    version: '2.0',
    routeKey: key,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.params).length > 0 ? { pathParameters: input.params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: input.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: key,
      stage: '$default',
      time: clfTime(input.now),
      timeEpoch: input.now.getTime(),
      ...authorizer,
    },
    ...body,
  } as APIGatewayProxyEventV2;
}

function lambdaContext(module: HandlerModule, requestId: string, deadline: number): Context {
  const functionName = `sib-ledger-${module.replaceAll('/', '-')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Headers a handler may not set: the gateway frames the answer itself. */
const HOP_BY_HOP = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

/** The answer API Gateway makes of a payload 2.0 result. */
function fromResult(result: APIGatewayProxyResultV2): Answer {
  if (typeof result === 'string') {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(result) };
  }
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null)),
    };
  }
  const status = result.statusCode ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`invalid status code ${status}`);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = [...result.cookies];
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : Buffer.from(result.body);
  return { status, headers, body };
}

type BodyRead =
  | { readonly kind: 'body'; readonly bytes: Buffer }
  | { readonly kind: 'too-large'; readonly size: number };

/** Reads the request body, stopping (without buffering more) as soon as it passes `limit`. */
function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
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

const tooLarge = (size: number | string, limit: number) =>
  new PayloadTooLargeError(
    `the body is ${size} bytes; the limit is ${limit} bytes; send larger batches as CSV through an upload (POST /contracts/{contract}/uploads)`,
  );

/** Starts the gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? DEFAULT_HOST;
  const bodyLimit = options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  const loadHandler = options.loadHandler ?? importHandler;
  // The handlers' runtime: the local stack of SIB_DATA_DIR (infra/local/runtime.ts).
  process.env.SIB_DATA_DIR ||= dataDir;
  useLocalRuntime();
  let closing: Promise<void> | undefined;

  async function invoke(route: RouteDef, event: APIGatewayProxyEventV2, requestId: string): Promise<Answer> {
    const handler = await loadHandler(route.handler);
    const deadline = Date.now() + timeoutMs;
    const run = Promise.resolve().then(() => handler(event, lambdaContext(route.handler, requestId, deadline)));
    // A handler that fails after its timeout must not become an unhandled rejection.
    run.catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), timeoutMs);
    });
    try {
      const result = await Promise.race([run, timedOut]);
      if (result === 'timeout') {
        throw new HttpError(504, 'Gateway Timeout', `the handler did not answer within ${timeoutMs} ms`);
      }
      try {
        return fromResult(result);
      } catch (error) {
        throw new HttpError(502, 'Bad Gateway', 'the handler returned a malformed response', { cause: error });
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /** The whole request, up to the answer; any throw becomes a problem. */
  async function answer(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    state: { routeKey?: string; expectsContinue: boolean },
  ): Promise<Answer> {
    const now = new Date();
    const target = req.url ?? '';
    if (!target.startsWith('/')) throw new BadRequestError('the request target must be a path (origin-form)');
    const at = target.indexOf('?');
    const rawPath = at < 0 ? target : target.slice(0, at);
    const rawQueryString = at < 0 ? '' : target.slice(at + 1);
    // A client or CDN normalizes dot segments away: here they could only smuggle `..` into a path parameter.
    if (rawPath.split('/').some((s) => /^(?:\.|%2e){1,2}$/i.test(s))) {
      throw new BadRequestError('the path has dot segments (. or ..)');
    }
    const match = matchRoute(req.method ?? '', rawPath);
    if (match === undefined) throw new NotFoundError(`no route ${req.method} ${rawPath}`);
    if (!('route' in match)) {
      throw new MethodNotAllowedError(rawPath, req.method ?? '', [...new Set(match.allowed)].sort());
    }
    const { route, params } = match;
    state.routeKey = routeKey(route);
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > bodyLimit) throw tooLarge(declared, bodyLimit);
    let claims: Record<string, unknown> | undefined;
    if (route.roles !== 'public') {
      try {
        claims = await verifyToken(dataDir, bearerToken(req));
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        const cause =
          error instanceof TokenError
            ? error
            : new TokenError('malformed', 'the token could not be checked', { cause: error });
        throw new UnauthorizedError(cause.message, { cause });
      }
    }
    if (state.expectsContinue) res.writeContinue();
    const read = await readBody(req, bodyLimit);
    if (read.kind === 'too-large') throw tooLarge(`more than ${bodyLimit}`, bodyLimit);
    const event = toEvent({
      req,
      requestId,
      route,
      params,
      rawPath,
      rawQueryString,
      body: read.bytes,
      claims,
      host,
      now,
    });
    return invoke(route, event, requestId);
  }

  async function serve(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): Promise<void> {
    const requestId = randomUUID();
    const started = performance.now();
    const state: { routeKey?: string; expectsContinue: boolean } = { expectsContinue };
    let reply: Answer;
    try {
      reply = await answer(req, res, requestId, state);
    } catch (error) {
      const rawPath = (req.url ?? '').split('?')[0];
      reply = problem(error, requestId, rawPath);
    }
    if (res.destroyed || res.headersSent) return;
    // A body left unread (refused before or while reading it) ends the connection rather than being drained.
    const unread = !req.complete;
    const headers: Record<string, string | string[]> = { ...reply.headers, 'x-request-id': requestId };
    if (unread || closing !== undefined) headers.connection = 'close';
    try {
      res.writeHead(reply.status, headers);
    } catch (error) {
      // A header value Node refuses (a handler's newline, say).
      const fallback = problem(
        new HttpError(502, 'Bad Gateway', 'the handler returned a malformed response', { cause: error }),
        requestId,
        undefined,
      );
      res.writeHead(fallback.status, { ...fallback.headers, 'x-request-id': requestId });
      reply = fallback;
    }
    res.end(reply.body);
    if (unread) {
      // Discard what the client still sends until it reads the answer, then hang up.
      req.resume();
      res.once('finish', () => setTimeout(() => req.socket.destroy(), 2_000).unref());
    }
    options.onRequest?.({
      requestId,
      method: req.method ?? '',
      path: (req.url ?? '').split('?')[0] ?? '',
      ...(state.routeKey === undefined ? {} : { routeKey: state.routeKey }),
      status: reply.status,
      ms: Math.round(performance.now() - started),
    });
  }

  const safely = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    serve(req, res, expectsContinue).catch((error: unknown) => {
      console.error(
        JSON.stringify({ level: 'ERROR', message: 'local gateway: could not answer', error: String(error) }),
      );
      res.destroy();
    });
  };
  const server: Server = createServer((req, res) => safely(req, res, false));
  // Expect: 100-continue: the client sends the body only once the route, size and token are accepted.
  server.on('checkContinue', (req, res) => safely(req, res, true));
  // Requests Node cannot parse never reach a handler: a problem answer, still with a request id.
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
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
  });

  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? DEFAULT_API_PORT, host, () => {
      server.off('error', fail);
      done();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        done();
      });
      server.closeIdleConnections();
    });
    return closing;
  };

  return { url, port, close };
}

/** Where a running local gateway announces its URL, for the CLI's API commands: `<data dir>/api.json`. */
export const API_FILE = 'api.json';

/** Writes `<dataDir>/api.json` ({ url }) while a gateway serves; the returned function removes it. */
export async function announceGateway(dataDir: string, url: string): Promise<() => Promise<void>> {
  const { writeFile, rm } = await import('node:fs/promises');
  const { join } = await import('node:path');
  const file = join(dataDir, API_FILE);
  await writeFile(file, `${JSON.stringify({ url, pid: process.pid }, null, 2)}\n`);
  return async () => {
    await rm(file, { force: true });
  };
}
