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
 * requests in the log lines. Their runtime is the local stack's
 * (infra/local/runtime.ts).
 *
 * Beside the API it serves the web console (console/dist, built by
 * console/build.ts): `/`, `/assets/*`, `/config.json`, and any browser
 * navigation to a path the API does not answer (console-files.ts). API
 * answers are unchanged by it.
 *
 * This module serves and times requests; the event, context and answer of
 * a Lambda invocation are in lambda-payload.ts, the gateway's own problems,
 * tokens and body reading in gateway-requests.ts.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { NotFoundError } from '#kernel';
import { TokenError, verifyToken } from '../../functions/adapters/local-token.ts';
import { matchRoute } from '../../functions/api/route-match.ts';
import { type HandlerModule, ROUTES, type RouteDef, routeKey } from '../../functions/api/routes.ts';
import { runtime } from '../../functions/shared/composition.ts';
import { BadRequestError, HttpError, UnauthorizedError } from '../../functions/shared/problem.ts';
import { consoleAnswer, consoleDirOf } from './console-files.ts';
import {
  answerClientError,
  bearerToken,
  MethodNotAllowedError,
  NotImplementedError,
  problem,
  readBody,
  tooLarge,
} from './gateway-requests.ts';
import { type Answer, fromResult, type LambdaHandler, lambdaContext, toEvent } from './lambda-payload.ts';
import { useLocalRuntime } from './runtime.ts';

export type { LambdaHandler } from './lambda-payload.ts';

export const DEFAULT_API_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';
/** API Gateway's own limit is 10 MB; Lambda's synchronous payload limit is 6 MB. */
export const DEFAULT_BODY_LIMIT_BYTES = 6 * 1024 * 1024;
/** API Gateway's integration timeout for HTTP APIs. */
export const DEFAULT_TIMEOUT_MS = 29_000;
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

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
  /** The built console to serve (console-files.ts); default console/dist when it has been built; false: none. */
  readonly consoleDir?: string | false;
}

export interface Gateway {
  /** `http://127.0.0.1:8787` */
  readonly url: string;
  /** Whether it serves the web console at `${url}/`. */
  readonly servesConsole: boolean;
  readonly port: number;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), then closes every connection. */
  close(): Promise<void>;
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

/** The gateway's options with their defaults, and whether it is closing: what serving a request needs. */
interface Served {
  readonly dataDir: string;
  readonly host: string;
  readonly bodyLimit: number;
  readonly timeoutMs: number;
  readonly loadHandler: (module: HandlerModule) => Promise<LambdaHandler>;
  readonly onRequest: ((entry: AccessLogEntry) => void) | undefined;
  readonly isClosing: () => boolean;
  /** The built console served beside the API, if any. */
  readonly consoleDir: string | undefined;
}

/** What one request has established so far: its route, once matched; whether the client awaits 100 Continue. */
interface RequestState {
  routeKey?: string;
  expectsContinue: boolean;
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const dataDir = resolve(options.dataDir);
  const host = options.host ?? DEFAULT_HOST;
  const graceMs = options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
  // The handlers' runtime: the local stack of SIB_DATA_DIR (infra/local/runtime.ts).
  process.env.SIB_DATA_DIR ||= dataDir;
  useLocalRuntime();
  let closing: Promise<void> | undefined;
  const consoleDir = consoleDirOf(options.consoleDir);
  const server = createGatewayServer({
    consoleDir,
    dataDir,
    host,
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    loadHandler: options.loadHandler ?? importHandler,
    onRequest: options.onRequest,
    isClosing: () => closing !== undefined,
  });
  await listen(server, options.port ?? DEFAULT_API_PORT, host);
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = (): Promise<void> => {
    closing ??= closeServer(server, graceMs);
    return closing;
  };
  return { url, port, close, servesConsole: consoleDir !== undefined };
}

/** The HTTP server: every request served, none left without an answer or a closed connection. */
function createGatewayServer(served: Served): Server {
  const safely = (req: IncomingMessage, res: ServerResponse, expectsContinue: boolean) => {
    serve(served, req, res, expectsContinue).catch((error: unknown) => {
      console.error(
        JSON.stringify({ level: 'ERROR', message: 'local gateway: could not answer', error: String(error) }),
      );
      res.destroy();
    });
  };
  // Node answers a request without Host with a bare 400 (no body, no request id); the gateway checks it itself.
  const server: Server = createServer({ requireHostHeader: false }, (req, res) => safely(req, res, false));
  // Expect: 100-continue: the client sends the body only once the route, size and token are accepted.
  server.on('checkContinue', (req, res) => safely(req, res, true));
  // Requests Node cannot parse never reach a handler: a problem answer, still with a request id.
  server.on('clientError', answerClientError);
  return server;
}

/** Resolves once the server listens on the port. */
function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      done();
    });
  });
}

/** Stops accepting, lets in-flight requests finish (up to the grace period), then closes every connection. */
function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise<void>((done) => {
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    force.unref();
    server.close(() => {
      clearTimeout(force);
      done();
    });
    server.closeIdleConnections();
  });
}

/** One request: answered, sent, and reported to onRequest. */
async function serve(
  served: Served,
  req: IncomingMessage,
  res: ServerResponse,
  expectsContinue: boolean,
): Promise<void> {
  const requestId = randomUUID();
  const started = performance.now();
  const state: RequestState = { expectsContinue };
  let reply: Answer;
  try {
    reply = await answer(served, req, res, requestId, state);
  } catch (error) {
    const rawPath = (req.url ?? '').split('?')[0];
    reply = problem(error, requestId, rawPath);
  }
  if (res.destroyed || res.headersSent) return;
  reply = send(served, req, res, reply, requestId);
  served.onRequest?.({
    requestId,
    method: req.method ?? '',
    path: (req.url ?? '').split('?')[0] ?? '',
    ...(state.routeKey === undefined ? {} : { routeKey: state.routeKey }),
    status: reply.status,
    ms: Math.round(performance.now() - started),
  });
}

/** Writes the answer, or a 502 when Node refuses its headers; returns what was sent. */
function send(served: Served, req: IncomingMessage, res: ServerResponse, reply: Answer, requestId: string): Answer {
  // A body left unread (refused before or while reading it) ends the connection rather than being drained.
  const unread = !req.complete;
  const headers: Record<string, string | string[]> = { ...reply.headers, 'x-request-id': requestId };
  if (unread || served.isClosing()) headers.connection = 'close';
  let sent = reply;
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
    sent = fallback;
  }
  res.end(sent.body);
  if (unread) {
    // Discard what the client still sends until it reads the answer, then hang up.
    req.resume();
    res.once('finish', () => setTimeout(() => req.socket.destroy(), 2_000).unref());
  }
  return sent;
}

/**
 * The origin of the S3 emulator, which the console's presigned uploads PUT
 * to from the browser (its CSP's connect-src must name it): from the
 * handlers' runtime, once; none while no local stack is up (the console then
 * cannot upload, as the API cannot presign).
 */
let s3Origin: Promise<string[]> | undefined;
function uploadOrigins(): Promise<string[]> {
  s3Origin ??= runtime().then(
    (rt) => [new URL(rt.stack.s3.endpoint).origin],
    () => {
      s3Origin = undefined;
      return [];
    },
  );
  return s3Origin;
}

/** The whole request, up to the answer; any throw becomes a problem. */
async function answer(
  served: Served,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  state: RequestState,
): Promise<Answer> {
  const now = new Date();
  requireHost(req);
  const { rawPath, rawQueryString } = splitTarget(req.url ?? '');
  if (served.consoleDir !== undefined) {
    const page = await consoleAnswer(served.consoleDir, {
      connect: await uploadOrigins(),
      method: req.method ?? '',
      rawPath,
      accept: req.headers.accept,
      authorized: req.headers.authorization !== undefined,
      api: apiPathKind(rawPath),
    });
    if (page !== undefined) return page;
  }
  const { route, params } = routeOf(req, rawPath);
  state.routeKey = routeKey(route);
  const { bodyLimit } = served;
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > bodyLimit) throw tooLarge(declared, bodyLimit);
  const claims = route.roles === 'public' ? undefined : await verifiedClaims(served.dataDir, req);
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
    host: served.host,
    now,
  });
  return invoke(served, route, event, requestId);
}

/** HTTP/1.1 requires a Host header (RFC 9112 §3.2): refused as a problem, like every other bad request. */
function requireHost(req: IncomingMessage): void {
  if (req.httpVersion === '1.1' && (req.headers.host ?? '') === '') {
    throw new BadRequestError('an HTTP/1.1 request must carry a Host header (RFC 9112 §3.2)');
  }
}

/** The path and query string of a request target; 400 unless it is a path without dot segments. */
function splitTarget(target: string): { rawPath: string; rawQueryString: string } {
  if (!target.startsWith('/')) throw new BadRequestError('the request target must be a path (origin-form)');
  const at = target.indexOf('?');
  const rawPath = at < 0 ? target : target.slice(0, at);
  const rawQueryString = at < 0 ? '' : target.slice(at + 1);
  // A client or CDN normalizes dot segments away: here they could only smuggle `..` into a path parameter.
  if (rawPath.split('/').some((s) => /^(?:\.|%2e){1,2}$/i.test(s))) {
    throw new BadRequestError('the path has dot segments (. or ..)');
  }
  return { rawPath, rawQueryString };
}

/** Which routes have the path, whatever their method: none, public ones, or protected ones. */
function apiPathKind(rawPath: string): 'none' | 'public' | 'protected' {
  const routes = [...new Set(ROUTES.map((r) => r.method))].flatMap((method) => {
    const match = matchRoute(method, rawPath);
    return match !== undefined && 'route' in match ? [match.route] : [];
  });
  if (routes.length === 0) return 'none';
  return routes.some((r) => r.roles === 'public') ? 'public' : 'protected';
}

/** The route of a request and its path parameters; 404 when no route has the path, 405 when none has the method. */
function routeOf(req: IncomingMessage, rawPath: string): { route: RouteDef; params: Record<string, string> } {
  const match = matchRoute(req.method ?? '', rawPath);
  if (match === undefined) throw new NotFoundError(`no route ${req.method} ${rawPath}`);
  if (!('route' in match)) {
    throw new MethodNotAllowedError(rawPath, req.method ?? '', [...new Set(match.allowed)].sort());
  }
  return match;
}

/** The claims of the request's bearer token; 401 without a valid one. */
async function verifiedClaims(dataDir: string, req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    return await verifyToken(dataDir, bearerToken(req));
  } catch (error) {
    if (error instanceof UnauthorizedError) throw error;
    const cause =
      error instanceof TokenError
        ? error
        : new TokenError('malformed', 'the token could not be checked', { cause: error });
    throw new UnauthorizedError(cause.message, { cause });
  }
}

/** Runs the route's handler with the event; 504 past the timeout, 502 for a malformed result. */
async function invoke(
  served: Served,
  route: RouteDef,
  event: APIGatewayProxyEventV2,
  requestId: string,
): Promise<Answer> {
  const { timeoutMs } = served;
  const handler = await served.loadHandler(route.handler);
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
