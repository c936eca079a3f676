/**
 * The local gateway (infra/local/gateway.ts) on a free port: what it decides
 * itself (404, 405, 401, 413, 504, dot segments) before any handler runs,
 * with the real handlers on the shared test stack (SIB_DATA_DIR is a data dir
 * whose stack.json names it); the payload 2.0 event it builds and the answer
 * it makes of a result, through a recording handler; and graceful shutdown.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, tokenKeyFile } from '../../functions/adapters/local-token.ts';
import { type Runtime, resetRuntime } from '../../functions/shared/composition.ts';
import { type Gateway, type LambdaHandler, startGateway } from '../../infra/local/gateway.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { REPO, useDataDir } from '../support/cli.ts';
import { enrol, freshContract, saveEnv } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

interface SendOptions {
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
}

/** One request over a fresh connection, the path sent exactly as given (no URL normalization). */
function send(base: string, method: string, path: string, options: SendOptions = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, method, path, headers: options.headers ?? {}, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const problemOf = (reply: Reply) => {
  expect(reply.headers['content-type']).toBe('application/problem+json');
  expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const body = JSON.parse(reply.text) as { status: number; requestId: string; detail: string };
  expect(body.status).toBe(reply.status);
  expect(body.requestId).toBe(reply.headers['x-request-id']);
  return body;
};

const data = useDataDir({ withStack: true });
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
const BODY_LIMIT = 64 * 1024;
let gateway: Gateway;
let rt: Runtime;
let contract: string;
let operatorToken: string;

beforeAll(async () => {
  process.env.SIB_DATA_DIR = data.path;
  process.env.SIB_CONTRACTS_DIR = join(data.path, 'contracts');
  resetRuntime();
  contract = freshContract(join(data.path, 'contracts'), 'gw');
  rt = await localRuntime(data.path, testStack());
  gateway = await startGateway({ dataDir: data.path, port: 0, bodyLimitBytes: BODY_LIMIT });
  operatorToken = (await issueToken({ dataDir: data.path, sub: 'op-1', role: 'operator', contracts: [contract] }))
    .token;
});
afterAll(async () => {
  await gateway?.close();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  resetRuntime();
  saved.restore();
});

const logSize = async () => (await rt.log.head(contract)).size;
const batch = (batchId: string) =>
  JSON.stringify({ batchId, records: [enrol('e1', '4510 123456'), enrol('e2', 'OP-0007')] });
/** A batch that the handler would accept from a caller it believed in (x-sib-subject works on the local stack). */
const submit = (headers: Record<string, string>, body = batch('b-1')) =>
  send(gateway.url, 'POST', `/contracts/${contract}/batches`, {
    headers: { 'content-type': 'application/json', 'x-sib-subject': 'intruder', ...headers },
    body,
  });

describe('the local gateway on the test stack', () => {
  it.skipIf(!existsSync(join(REPO, 'functions/api/openapi.ts')))(
    'serves GET /openapi.json without a token',
    async () => {
      // Act
      const reply = await send(gateway.url, 'GET', '/openapi.json');

      // Assess
      expect(reply.status).toBe(200);
      expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(reply.text)).toMatchObject({ openapi: expect.stringMatching(/^3\.1/) });
    },
  );

  it('refuses a protected route without a valid token with 401, never calling the handler', async () => {
    // Prepare: tokens that must all fail, and the log's size before.
    const other = useOtherKeyToken();
    const expired = await issueToken({
      dataDir: data.path,
      sub: 'op-1',
      role: 'operator',
      contracts: [contract],
      ttlSeconds: 60,
      now: new Date(Date.now() - 3600_000),
    });
    const [header, payload, signature] = operatorToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
    const tampered = `${header}.${b64({ ...claims, sub: 'someone-else' })}.${signature}`;
    const before = await logSize();

    // Act
    const replies = {
      missing: await submit({}),
      expired: await submit({ authorization: `Bearer ${expired.token}` }),
      wrongKey: await submit({ authorization: `Bearer ${await other}` }),
      none: await submit({ authorization: `Bearer ${none}` }),
      tampered: await submit({ authorization: `Bearer ${tampered}` }),
      basic: await submit({ authorization: 'Basic b3A6b3A=' }),
      garbage: await submit({ authorization: 'Bearer not.a.jwt' }),
    };

    // Assess
    for (const [name, reply] of Object.entries(replies)) {
      expect(reply.status, name).toBe(401);
      problemOf(reply);
      expect(reply.headers['www-authenticate'], name).toMatch(/^Bearer realm="sib-ledger"/);
    }
    expect(replies.missing.headers['www-authenticate']).toBe('Bearer realm="sib-ledger"');
    expect(replies.expired.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(JSON.parse(replies.expired.text).detail).toMatch(/expired/);
    expect(JSON.parse(replies.none.text).detail).toMatch(/EdDSA/);
    expect(JSON.parse(replies.tampered.text).detail).toMatch(/signature/);
    expect(await logSize()).toBe(before);
  });

  it('refuses a token issued years ahead or living a century with 401, the reason in the detail', async () => {
    // Prepare: tokens signed with the data dir's own key, their times out of bounds.
    const { createPrivateKey } = await import('node:crypto');
    const { readFile } = await import('node:fs/promises');
    const key = createPrivateKey(await readFile(tokenKeyFile(data.path), 'utf8'));
    const now = Math.floor(Date.now() / 1000);
    const year = 365 * 24 * 3600;
    const signed = (iat: number, exp: number) =>
      new SignJWT({ ...decodeJwt(operatorToken), iat, exp }).setProtectedHeader({ alg: 'EdDSA' }).sign(key);
    const before = await logSize();

    // Act
    const ahead = await submit({ authorization: `Bearer ${await signed(now + 10 * year, now + 10 * year + 60)}` });
    const century = await submit({ authorization: `Bearer ${await signed(now, now + 100 * year)}` });

    // Assess
    expect(ahead.status).toBe(401);
    expect(problemOf(ahead).detail).toMatch(/issued \d+ seconds in the future/);
    expect(ahead.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(century.status).toBe(401);
    expect(problemOf(century).detail).toMatch(/the token lives \d+ seconds \(exp - iat\), not 1 to 604800 seconds/);
    expect(await logSize()).toBe(before);
  });

  it('passes a valid token on to the handler as verified claims', async () => {
    // Act
    const reply = await submit({ authorization: `Bearer ${operatorToken}` }, batch('b-valid'));

    // Assess: whatever the handler decides, the gateway let it decide.
    expect([401, 404, 405, 413, 501, 504]).not.toContain(reply.status);
    expect(reply.status).toBeLessThan(500);
    expect(reply.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers 405 with Allow for a wrong method and 404 for an unknown path', async () => {
    // Act
    const wrongMethod = await send(gateway.url, 'GET', `/contracts/${contract}/uploads`);
    const deleteSpec = await send(gateway.url, 'DELETE', '/openapi.json');
    const unknown = await send(gateway.url, 'GET', '/nope');
    const tooDeep = await send(gateway.url, 'GET', `/contracts/${contract}/checkpoint/extra/segments`);

    // Assess
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    problemOf(wrongMethod);
    expect(deleteSpec.status).toBe(405);
    expect(deleteSpec.headers.allow).toBe('GET');
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown).detail).toBe('no route GET /nope');
    expect(tooDeep.status).toBe(404);
  });

  it('answers unparsable requests and oversized headers with a problem and a request id', async () => {
    // Prepare
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(gateway.url);
        const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
        let answer = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => {
          answer += chunk;
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });

    // Act
    const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
    const huge = await raw(`GET /openapi.json HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`);

    // Assess
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(garbage).toMatch(/\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    expect(huge).toContain('application/problem+json');
  });

  it('answers an HTTP/1.1 request without Host with a 400 problem naming the header, not a bare 400', async () => {
    // Prepare
    const raw = (text: string) =>
      new Promise<string>((resolve, reject) => {
        const url = new URL(gateway.url);
        const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
        let answer = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => {
          answer += chunk;
        });
        socket.on('close', () => resolve(answer));
        socket.on('error', reject);
      });
    // The body as sent (chunked): the problem's members appear in it as written.
    const member = (name: string, value: unknown) => `"${name}":${JSON.stringify(value)}`;

    // Act
    const missing = await raw('GET /openapi.json HTTP/1.1\r\nconnection: close\r\n\r\n');
    const empty = await raw('GET /openapi.json HTTP/1.1\r\nhost:\r\nconnection: close\r\n\r\n');

    // Assess
    for (const answer of [missing, empty]) {
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer).toMatch(/\r\ncontent-type: application\/problem\+json\r\n/i);
      const requestId = /\r\nx-request-id: ([0-9a-f-]{36})\r\n/i.exec(answer)?.[1];
      expect(requestId).toBeDefined();
      expect(answer).toContain(member('status', 400));
      expect(answer).toContain(member('title', 'Bad Request'));
      expect(answer).toContain(member('detail', 'an HTTP/1.1 request must carry a Host header (RFC 9112 §3.2)'));
      expect(answer).toContain(member('requestId', requestId));
    }
  });

  it('refuses a body over the limit with 413, from Content-Length alone or while streaming', async () => {
    // Prepare
    const before = await logSize();

    // Act: a declared 7 MiB body (the default limit is 6 MiB; this gateway's is smaller) of which
    // only the first bytes are sent: the answer comes without the rest.
    const declared = await new Promise<Reply>((resolve, reject) => {
      const url = new URL(gateway.url);
      const req = httpRequest({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: `/contracts/${contract}/batches`,
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': String(7 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() });
          req.destroy();
        });
      });
      req.on('error', reject);
      req.write('{"batchId":"b-huge","records":[');
    });
    // Chunked (no Content-Length), with a valid token: refused once past the limit.
    const streamed = await send(gateway.url, 'POST', `/contracts/${contract}/batches`, {
      headers: {
        'content-type': 'application/json',
        'transfer-encoding': 'chunked',
        authorization: `Bearer ${operatorToken}`,
      },
      body: Buffer.alloc(BODY_LIMIT + 1024, 0x20),
    });

    // Assess
    expect(declared.status).toBe(413);
    expect(declared.headers.connection).toBe('close');
    expect(problemOf(declared).detail).toMatch(/limit is 65536 bytes/);
    expect(streamed.status).toBe(413);
    problemOf(streamed);
    expect(await logSize()).toBe(before);
  });

  it('answers 4xx to path traversal in an id', async () => {
    // Act
    const unauthenticated = await send(gateway.url, 'GET', '/contracts/..%2F..%2Fetc/checkpoint');
    const dotSegments = await send(gateway.url, 'GET', '/contracts/../../etc/checkpoint');
    const encodedDots = await send(gateway.url, 'GET', '/contracts/%2e%2e/checkpoint');
    const all = (await issueToken({ dataDir: data.path, sub: 'op-1', role: 'operator', contracts: '*' })).token;
    const authenticated = await send(gateway.url, 'POST', '/contracts/..%2F..%2Fetc/batches', {
      headers: { 'content-type': 'application/json', authorization: `Bearer ${all}` },
      body: batch('b-traversal'),
    });

    // Assess
    expect(unauthenticated.status).toBe(401);
    expect(dotSegments.status).toBe(400);
    expect(encodedDots.status).toBe(400);
    expect(authenticated.status).toBeGreaterThanOrEqual(400);
    expect(authenticated.status).toBeLessThan(500);
  });
});

/** A token of the right shape signed with another data dir's key. */
async function useOtherKeyToken(): Promise<string> {
  const { mkdtemp, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const dir = await mkdtemp(join(tmpdir(), 'sib-gw-other-'));
  try {
    return (await issueToken({ dataDir: dir, sub: 'op-1', role: 'operator', contracts: '*' })).token;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the events it builds and the answers it makes', () => {
  let recorded: { event: APIGatewayProxyEventV2; context: Context } | undefined;
  let result: APIGatewayProxyResultV2 = { statusCode: 200 };
  const recorder: LambdaHandler = async (event, context) => {
    recorded = { event, context };
    return result;
  };
  let gw: Gateway;
  beforeAll(async () => {
    gw = await startGateway({ dataDir: data.path, port: 0, timeoutMs: 5_000, loadHandler: async () => recorder });
  });
  afterAll(() => gw?.close());

  it('hands the handler a payload 2.0 event with the verified claims as API Gateway does', async () => {
    // Prepare
    result = { statusCode: 201, headers: { 'content-type': 'application/json' }, body: '{"ok":true}' };

    // Act
    const reply = await send(gw.url, 'POST', `/contracts/${contract}/batches?batchId=b-7&x=1&x=2&q=a%20b`, {
      headers: {
        authorization: `Bearer ${operatorToken}`,
        'content-type': 'text/csv; charset=utf-8',
        'user-agent': 'gateway-test',
        cookie: 'a=1; b=2',
        'X-Custom': 'Mixed',
      },
      body: 'eventId,participant\nе1,Иванов\n',
    });

    // Assess
    expect(reply.status).toBe(201);
    expect(reply.text).toBe('{"ok":true}');
    const { event, context } = recorded ?? expect.fail('the handler was not called');
    const requestId = reply.headers['x-request-id'];
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'POST /contracts/{contract}/batches',
      rawPath: `/contracts/${contract}/batches`,
      rawQueryString: 'batchId=b-7&x=1&x=2&q=a%20b',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { batchId: 'b-7', x: '1,2', q: 'a b' },
      pathParameters: { contract },
      body: 'eventId,participant\nе1,Иванов\n',
      isBase64Encoded: false,
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        domainName: '127.0.0.1',
        http: {
          method: 'POST',
          path: `/contracts/${contract}/batches`,
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'gateway-test',
        },
        requestId,
        routeKey: 'POST /contracts/{contract}/batches',
        stage: '$default',
        authorizer: {
          jwt: {
            claims: { sub: 'op-1', 'cognito:groups': '[operator]', 'custom:contracts': contract },
            scopes: [],
          },
        },
      },
    });
    expect(event.headers['x-custom']).toBe('Mixed');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
    expect(Math.abs(event.requestContext.timeEpoch - Date.now())).toBeLessThan(10_000);
    expect(context.awsRequestId).toBe(requestId);
    expect(context.getRemainingTimeInMillis()).toBeLessThanOrEqual(5_000);
  });

  it('passes binary bodies base64-encoded, and public routes without an authorizer', async () => {
    // Prepare
    const bytes = Buffer.from([0, 1, 2, 250, 251, 255]);

    // Act
    await send(gw.url, 'POST', `/contracts/${contract}/batches`, {
      headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const binary = recorded?.event;
    await send(gw.url, 'GET', '/openapi.json', { headers: { authorization: 'Bearer whatever' } });
    const open = recorded?.event;

    // Assess
    expect(binary?.isBase64Encoded).toBe(true);
    expect(Buffer.from(binary?.body ?? '', 'base64')).toEqual(bytes);
    expect(open?.routeKey).toBe('GET /openapi.json');
    expect(open?.body).toBeUndefined();
    expect(open?.pathParameters).toBeUndefined();
    expect(open?.requestContext).toBeDefined();
    expect(open?.requestContext).not.toHaveProperty('authorizer');
  });

  it('writes the structured result: status, headers, cookies and a base64 body', async () => {
    // Prepare
    result = {
      statusCode: 202,
      headers: { 'content-type': 'application/pdf', 'x-request-id': 'spoofed', 'cache-control': 'no-store' },
      cookies: ['s=1; HttpOnly', 't=2'],
      body: Buffer.from('%PDF-1.7').toString('base64'),
      isBase64Encoded: true,
    };

    // Act
    const reply = await send(gw.url, 'GET', '/openapi.json');

    // Assess
    expect(reply.status).toBe(202);
    expect(reply.text).toBe('%PDF-1.7');
    expect(reply.headers['content-type']).toBe('application/pdf');
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['set-cookie']).toEqual(['s=1; HttpOnly', 't=2']);
    expect(reply.headers['x-request-id']).toBe(recorded?.context.awsRequestId);
  });

  it('asks for the body (100 Continue) only once the route, size and token are accepted', async () => {
    // Prepare
    result = { statusCode: 200, body: 'ok' };
    const expecting = (authorization: string | undefined) =>
      new Promise<{ continued: boolean; status: number }>((resolve, reject) => {
        const url = new URL(gw.url);
        let continued = false;
        const req = httpRequest({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/contracts/${contract}/batches`,
          agent: false,
          headers: {
            expect: '100-continue',
            'content-type': 'text/csv',
            'content-length': '4',
            ...(authorization === undefined ? {} : { authorization }),
          },
        });
        req.on('continue', () => {
          continued = true;
          req.end('a,b\n');
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => {
            resolve({ continued, status: res.statusCode ?? 0 });
            req.destroy();
          });
        });
        req.on('error', reject);
        req.flushHeaders();
      });

    // Act
    const refused = await expecting(undefined);
    const accepted = await expecting(`Bearer ${operatorToken}`);

    // Assess
    expect(refused).toEqual({ continued: false, status: 401 });
    expect(accepted).toEqual({ continued: true, status: 200 });
    expect(recorded?.event.body).toBe('a,b\n');
  });

  it('answers a bare string or object result as 200 JSON', async () => {
    // Act
    result = '{"plain":1}';
    const text = await send(gw.url, 'GET', '/openapi.json');
    result = { hello: 'world' } as unknown as APIGatewayProxyResultV2;
    const object = await send(gw.url, 'GET', '/openapi.json');

    // Assess
    expect(text.status).toBe(200);
    expect(text.text).toBe('{"plain":1}');
    expect(object.status).toBe(200);
    expect(JSON.parse(object.text)).toEqual({ hello: 'world' });
    expect(object.headers['content-type']).toBe('application/json');
  });
});

describe('timeouts and shutdown', () => {
  it('answers 504 when the handler is slower than the timeout', async () => {
    // Prepare
    const gw = await startGateway({
      dataDir: data.path,
      port: 0,
      timeoutMs: 100,
      loadHandler: async () => async () => {
        await sleep(1_000);
        return { statusCode: 200 };
      },
    });

    // Act
    const reply = await send(gw.url, 'GET', '/openapi.json').finally(() => gw.close());

    // Assess
    expect(reply.status).toBe(504);
    expect(problemOf(reply).detail).toMatch(/within 100 ms/);
  });

  it('lets a request in flight finish on close, refusing new connections meanwhile', async () => {
    // Prepare
    let started: () => void = () => {};
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const gw = await startGateway({
      dataDir: data.path,
      port: 0,
      loadHandler: async () => async () => {
        started();
        await sleep(500);
        return { statusCode: 200, body: 'finished' };
      },
    });
    const inFlight = send(gw.url, 'GET', '/openapi.json');
    await handlerStarted;

    // Act
    let closed = false;
    const closing = gw.close().then(() => {
      closed = true;
    });
    await sleep(50);
    const refused = await send(gw.url, 'GET', '/openapi.json').then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    const stillClosing = !closed;
    const reply = await inFlight;
    await closing;

    // Assess
    expect(refused).toBe('ECONNREFUSED');
    expect(stillClosing).toBe(true);
    expect(reply.status).toBe(200);
    expect(reply.text).toBe('finished');
    expect(reply.headers.connection).toBe('close');
    expect(closed).toBe(true);
  });

  it('closes anyway once the grace period is over', async () => {
    // Prepare
    const gw = await startGateway({
      dataDir: data.path,
      port: 0,
      shutdownGraceMs: 100,
      loadHandler: async () => async () => {
        await sleep(3_000);
        return { statusCode: 200 };
      },
    });
    const inFlight = send(gw.url, 'GET', '/openapi.json').then(
      () => 'answered',
      () => 'cut off',
    );
    await sleep(100);

    // Act
    const started = performance.now();
    await gw.close();
    const took = performance.now() - started;

    // Assess
    expect(took).toBeLessThan(1_500);
    expect(await inFlight).toBe('cut off');
  });
});
