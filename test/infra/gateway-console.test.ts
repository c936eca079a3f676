/**
 * The web console as the local gateway serves it (infra/local/console-files.ts),
 * from a console directory made for the test, beside a stub API handler:
 * index.html at `/` and for browser navigations, assets with their content
 * types and immutable caching, config.json, the security headers (a CSP
 * without 'unsafe-inline') on every console answer, no way out of the assets
 * directory, and API answers as before (an unknown path without Accept
 * text/html is still a 404 problem).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../functions/shared/console-headers.ts';
import { consoleDirOf, DEFAULT_CONSOLE_DIR } from '../../infra/local/console-files.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { saveEnv } from '../support/http.ts';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** One request, the path sent exactly as given (no URL normalization). */
function send(base: string, method: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const root = mkdtempSync(join(tmpdir(), 'sib-console-'));
const consoleDir = join(root, 'dist');
const dataDir = join(root, 'data');
const saved = saveEnv(['SIB_DATA_DIR']);
const INDEX =
  '<!doctype html><html lang="ru"><head><script type="module" src="/assets/main-abc123.js"></script></head></html>';
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
let gateway: Gateway;
const handled: string[] = [];

beforeAll(async () => {
  mkdirSync(join(consoleDir, 'assets', 'fonts'), { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(consoleDir, 'index.html'), INDEX);
  writeFileSync(join(consoleDir, 'assets', 'main-abc123.js'), 'export {};\n');
  writeFileSync(join(consoleDir, 'assets', 'main-abc123.css'), 'body{margin:0}\n');
  writeFileSync(join(consoleDir, 'assets', 'fonts', 'pt-sans.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32]));
  writeFileSync(join(consoleDir, 'secret.txt'), 'not an asset\n');
  writeFileSync(join(root, 'outside.txt'), 'outside the console\n');
  process.env.SIB_DATA_DIR = dataDir;
  gateway = await startGateway({
    dataDir,
    port: 0,
    consoleDir,
    loadHandler: async (module) => async (event) => {
      handled.push(`${module} ${(event as { routeKey: string }).routeKey}`);
      return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"stub":true}' };
    },
  });
});
afterAll(async () => {
  await gateway?.close();
  saved.restore();
  rmSync(root, { recursive: true, force: true });
});

const expectConsoleHeaders = (reply: Reply) => {
  expect(reply.headers['content-security-policy']).toBe(CONSOLE_CSP);
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
  expect(reply.headers['x-frame-options']).toBe('DENY');
};

describe('the console beside the API', () => {
  it('keeps its CSP in one constant, without unsafe-inline or unsafe-eval', () => {
    expect(CONSOLE_CSP).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; " +
        "font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    );
    expect(CONSOLE_CSP).not.toMatch(/unsafe-/);
  });

  it('serves index.html at / (GET and HEAD), revalidated every time, with the security headers', async () => {
    expect(gateway.servesConsole).toBe(true);
    const get = await send(gateway.url, 'GET', '/');
    expect(get.status).toBe(200);
    expect(get.text).toBe(INDEX);
    expect(get.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(get.headers['cache-control']).toBe('no-cache');
    expect(get.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expectConsoleHeaders(get);
    const head = await send(gateway.url, 'HEAD', '/');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(INDEX)));
    expectConsoleHeaders(head);
  });

  it('serves the assets with their content types, cached for good', async () => {
    const cases = [
      ['/assets/main-abc123.js', 'text/javascript; charset=utf-8'],
      ['/assets/main-abc123.css', 'text/css; charset=utf-8'],
      ['/assets/fonts/pt-sans.woff2', 'font/woff2'],
    ] as const;
    for (const [path, type] of cases) {
      const reply = await send(gateway.url, 'GET', path);
      expect(reply.status, path).toBe(200);
      expect(reply.headers['content-type'], path).toBe(type);
      expect(reply.headers['cache-control'], path).toBe('public, max-age=31536000, immutable');
      expectConsoleHeaders(reply);
    }
    const missing = await send(gateway.url, 'GET', '/assets/main-000000.js');
    expect(missing.status).toBe(404);
    expectConsoleHeaders(missing);
  });

  it('answers /config.json: the API on the same origin, local sign-in', async () => {
    const reply = await send(gateway.url, 'GET', '/config.json');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.text)).toEqual({ apiBase: '', auth: { mode: 'local' } });
    expect(reply.headers['cache-control']).toBe('no-cache');
    expectConsoleHeaders(reply);
  });

  it("answers a browser's navigation to a console page with index.html", async () => {
    for (const path of ['/payments', '/contracts/second-chance-kamchatka/overview', '/ru/queue?x=1']) {
      const reply = await send(gateway.url, 'GET', path, HTML);
      expect(reply.status, path).toBe(200);
      expect(reply.text, path).toBe(INDEX);
      expectConsoleHeaders(reply);
    }
    // A console address that looks like an API path, reloaded (no token): the page, not a 401.
    const reloaded = await send(gateway.url, 'GET', '/contracts/second-chance-kamchatka/payments/7', HTML);
    expect(reloaded.text).toBe(INDEX);
  });

  it('never reads a file outside the assets directory', async () => {
    const attempts = [
      '/assets/../secret.txt',
      '/assets/%2e%2e/secret.txt',
      '/assets/..%2fsecret.txt',
      '/assets/..%2F..%2Foutside.txt',
      '/assets/%2e%2e%2f%2e%2e%2foutside.txt',
      '/assets/..%5csecret.txt',
      '/assets/fonts/..%2f..%2fsecret.txt',
      '/assets/%00secret.txt',
      '/assets//etc/passwd',
      '/assets/%2fetc%2fpasswd',
      '/assets/%E0%A4%A',
      '/../outside.txt',
      '/secret.txt',
    ];
    for (const path of attempts) {
      const reply = await send(gateway.url, 'GET', path);
      expect(reply.status, path).toBeGreaterThanOrEqual(400);
      expect(reply.status, path).toBeLessThan(500);
      expect(reply.text, path).not.toContain('not an asset');
      expect(reply.text, path).not.toContain('outside the console');
      expect(reply.text, path).not.toContain('root:');
    }
  });

  it('leaves the API as it was: routes, 401 with a token missing, 404 problems for unknown paths', async () => {
    const openapi = await send(gateway.url, 'GET', '/openapi.json', HTML);
    expect(openapi.status).toBe(200);
    expect(JSON.parse(openapi.text)).toEqual({ stub: true });
    expect(openapi.headers['content-security-policy']).toBeUndefined();
    const unknown = await send(gateway.url, 'GET', '/nope', { accept: 'application/json' });
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toBe('application/problem+json');
    const anyAccept = await send(gateway.url, 'GET', '/contracts/x/nope');
    expect(anyAccept.status).toBe(404);
    expect(anyAccept.headers['content-type']).toBe('application/problem+json');
    const protectedRoute = await send(gateway.url, 'GET', '/contracts/x/payments', { accept: 'application/json' });
    expect(protectedRoute.status).toBe(401);
    expect(protectedRoute.headers['content-type']).toBe('application/problem+json');
    const withToken = await send(gateway.url, 'GET', '/contracts/x/payments', { ...HTML, authorization: 'Bearer x' });
    expect(withToken.status).toBe(401);
    const post = await send(gateway.url, 'POST', '/', HTML);
    expect(post.status).toBe(404);
    expect(post.headers['content-type']).toBe('application/problem+json');
    expect(handled).toEqual(['api/openapi GET /openapi.json']);
  });

  it('serves no console when told not to, or when none has been built', () => {
    expect(consoleDirOf(false)).toBeUndefined();
    expect(consoleDirOf(consoleDir)).toBe(consoleDir);
    // By default: console/dist when it has been built, else none.
    const byDefault = consoleDirOf(undefined);
    expect(byDefault === undefined || byDefault === resolve(DEFAULT_CONSOLE_DIR)).toBe(true);
  });
});
