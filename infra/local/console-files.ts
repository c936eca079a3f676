/**
 * The web console as the local gateway serves it, from a built console
 * (console/dist, console/build.ts): `/` and any page address (a GET for
 * HTML of a path no API route has) answer index.html, revalidated every
 * time; `/assets/<file>` the built files, cached for good (their names carry
 * content hashes); `/config.json` the console's settings for this gateway
 * (the API on the same origin, local sign-in). Every answer carries the
 * console's security headers (functions/shared/console-headers.ts: a CSP
 * without 'unsafe-inline', whose connect-src adds the S3 emulator's origin,
 * where the operator's large batches go by presigned upload). A path that would leave the assets directory
 * (dot segments, encoded slashes or backslashes, NUL) is never read.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_SECURITY_HEADERS, consoleCsp, IMMUTABLE, NO_CACHE } from '../../functions/shared/console-headers.ts';
import type { Answer } from './lambda-payload.ts';

/** Where `npm start` builds the console. */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/dist/', import.meta.url));

/** The console's settings on the local gateway: the API on the same origin, the development sign-in. */
export const LOCAL_CONSOLE_CONFIG = { apiBase: '', auth: { mode: 'local' } } as const;

/**
 * The content types of what console/build.ts emits (and a few a page may
 * add); anything else is served as bytes, which nosniff keeps inert.
 */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export const contentTypeOf = (file: string) => CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';

/** The console directory to serve: the option if given (false: none), else console/dist when it has been built. */
export function consoleDirOf(option: string | false | undefined): string | undefined {
  if (option === false) return undefined;
  const dir = resolve(option ?? DEFAULT_CONSOLE_DIR);
  return option !== undefined || existsSync(join(dir, 'index.html')) ? dir : undefined;
}

function answer(
  status: number,
  type: string,
  cache: string,
  body: Buffer,
  head: boolean,
  connect: readonly string[] = [],
): Answer {
  return {
    status,
    headers: {
      ...CONSOLE_SECURITY_HEADERS,
      'content-security-policy': consoleCsp(connect),
      'content-type': type,
      'cache-control': cache,
      'content-length': String(body.byteLength),
    },
    body: head ? Buffer.alloc(0) : body,
  };
}

/** index.html of the console (no-cache); its CSP is the one the page runs under. */
async function indexPage(dir: string, head: boolean, connect: readonly string[]): Promise<Answer> {
  return answer(
    200,
    CONTENT_TYPES['.html'] as string,
    NO_CACHE,
    await readFile(join(dir, 'index.html')),
    head,
    connect,
  );
}

/** The file under `<dir>/assets` a request path names, or undefined when it names none (or tries to leave it). */
function assetFile(dir: string, rawPath: string): string | undefined {
  const rest = rawPath.slice('/assets/'.length);
  let name: string;
  try {
    name = decodeURIComponent(rest);
  } catch {
    return undefined;
  }
  if (name === '' || name.includes('\0') || name.includes('\\')) return undefined;
  if (name.split('/').some((s) => s === '' || s === '.' || s === '..')) return undefined;
  const root = resolve(dir, 'assets');
  const file = resolve(root, name);
  if (!file.startsWith(`${root}${sep}`)) return undefined;
  try {
    return statSync(file).isFile() ? file : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the request asks for an HTML page (a browser's navigation). */
const wantsHtml = (accept: string | undefined) => (accept ?? '').toLowerCase().includes('text/html');

/**
 * The console's answer to a request, or undefined when the request is not
 * the console's (the gateway then routes it to the API). `api` says which
 * API routes have the path: `none`, `public` ones (never the console's), or
 * `protected` ones, which a browser's navigation without a token (a console
 * page reloaded, whose address may look like an API path) gets the console
 * for: without a token the API could only answer 401.
 */
export async function consoleAnswer(
  dir: string,
  request: {
    method: string;
    rawPath: string;
    accept: string | undefined;
    authorized: boolean;
    api: 'none' | 'public' | 'protected';
    /** Origins the page calls beyond its own (the S3 emulator the presigned uploads go to): CSP connect-src. */
    connect?: readonly string[];
  },
): Promise<Answer | undefined> {
  const connect = request.connect ?? [];
  const { method, rawPath } = request;
  if (method !== 'GET' && method !== 'HEAD') return undefined;
  const head = method === 'HEAD';
  if (rawPath === '/') return indexPage(dir, head, connect);
  if (rawPath === '/config.json') {
    return answer(200, 'application/json', NO_CACHE, Buffer.from(JSON.stringify(LOCAL_CONSOLE_CONFIG)), head);
  }
  if (rawPath.startsWith('/assets/')) {
    const file = assetFile(dir, rawPath);
    if (file === undefined) {
      return answer(404, 'text/plain; charset=utf-8', NO_CACHE, Buffer.from('no such console file\n'), head);
    }
    return answer(200, contentTypeOf(file), IMMUTABLE, await readFile(file), head);
  }
  // A page of the console's own router (/contracts/x/payments/5 in a browser): its shell, for GET of HTML only.
  const page = request.api === 'none' || (request.api === 'protected' && !request.authorized);
  if (page && method === 'GET' && wantsHtml(request.accept)) return indexPage(dir, head, connect);
  return undefined;
}
