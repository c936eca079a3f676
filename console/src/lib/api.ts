/**
 * The console's HTTP client: the same API as the CLI (see /openapi.json),
 * with the session's bearer token. An answer that is not 2xx becomes an
 * ApiError carrying the RFC 9457 problem (title, detail, and the per-field
 * problems of a refused request), so a page can say what went wrong.
 */
import { getSession, signOutLocally } from '../auth/session.ts';
import { consoleConfig } from './config.ts';

export interface Problem {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly problems?: readonly { readonly field?: string; readonly message: string; readonly [k: string]: unknown }[];
  readonly [k: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST';
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send without the session's token (public and development routes). */
  readonly anonymous?: boolean;
}

export async function apiUrl(path: string, query?: RequestOptions['query']): Promise<string> {
  const { apiBase } = await consoleConfig();
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) q.set(k, String(v));
  const qs = q.toString();
  return `${apiBase}${path}${qs === '' ? '' : `?${qs}`}`;
}

/** A request to the API: the raw Response of a 2xx, an ApiError otherwise. */
export async function apiFetch(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  const session = options.anonymous ? undefined : getSession();
  if (session !== undefined) headers.authorization = `Bearer ${session.token}`;
  let body: BodyInit | undefined;
  if (options.body !== undefined) {
    if (options.body instanceof Blob || options.body instanceof ArrayBuffer || typeof options.body === 'string') {
      body = options.body as BodyInit;
    } else {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  const response = await fetch(await apiUrl(path, options.query), {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body === undefined ? {} : { body }),
  });
  if (response.ok) return response;
  let problem: Problem = { status: response.status };
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // not JSON
  }
  if (response.status === 401 && session !== undefined) signOutLocally();
  throw new ApiError(response.status, problem);
}

/** A JSON request: the parsed body of a 2xx. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  return (await (await apiFetch(path, options)).json()) as T;
}

/** `/contracts/{contract}/...` with each segment encoded. */
export function contractPath(contract: string, ...rest: (string | number)[]): string {
  return ['/contracts', contract, ...rest].map((s, i) => (i === 0 ? s : encodeURIComponent(String(s)))).join('/');
}
