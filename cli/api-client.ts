/**
 * A small client of the HTTP API, driven by the same route table the API is
 * served from: `call('approvePayment', { params: { contract, payment } })`.
 * Answers other than 2xx throw ApiError carrying the RFC 9457 problem.
 */
import { ROUTES, type RouteDef } from '../functions/api/routes.ts';

export interface ProblemBody {
  readonly type?: string;
  readonly title?: string;
  readonly status?: number;
  readonly detail?: string;
  readonly errors?: readonly { at?: number | string; field?: string; message: string }[];
  /** A rejected batch: all its problems (`errors` lists the first of them), and per field. */
  readonly problemCount?: number;
  readonly problemsByField?: Readonly<Record<string, number>>;
  readonly requestId?: string;
  readonly [key: string]: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemBody;
  readonly route: string;
  constructor(route: string, status: number, problem: ProblemBody) {
    super(`${route}: ${status} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`);
    this.name = 'ApiError';
    this.route = route;
    this.status = status;
    this.problem = problem;
  }
}

export interface CallOptions {
  readonly params?: Readonly<Record<string, string | number>>;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  /** A JSON body (objects), or raw text or bytes (sent as they are) with `contentType`. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface ApiAnswer<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

const byId = new Map(ROUTES.map((r) => [r.id, r]));

export function routeById(id: string): RouteDef {
  const route = byId.get(id);
  if (route === undefined) throw new Error(`no route ${id}`);
  return route;
}

/** The path of a route with its parameters filled in (each encoded). */
export function pathOf(route: RouteDef, params: Readonly<Record<string, string | number>> = {}): string {
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`route ${route.id} needs the path parameter ${name}`);
    return encodeURIComponent(String(value));
  });
}

export class ApiClient {
  readonly baseUrl: string;
  readonly #token: string | undefined;

  constructor(options: { baseUrl: string; token?: string }) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.#token = options.token;
  }

  /** The same client acting with another token (another role or subject). */
  as(token: string): ApiClient {
    return new ApiClient({ baseUrl: this.baseUrl, token });
  }

  async call<T = unknown>(id: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const route = routeById(id);
    const url = new URL(this.baseUrl + pathOf(route, options.params));
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.#token !== undefined) headers.authorization = `Bearer ${this.#token}`;
    let body: string | Uint8Array<ArrayBuffer> | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || options.body instanceof Uint8Array) {
        body = options.body as string | Uint8Array<ArrayBuffer>;
        headers['content-type'] =
          options.contentType ?? (typeof options.body === 'string' ? 'text/plain' : 'application/octet-stream');
      } else {
        body = JSON.stringify(options.body);
        headers['content-type'] = options.contentType ?? 'application/json';
      }
    }
    const response = await fetch(url, { method: route.method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown = text;
    if (type.includes('json') && !type.includes('ndjson') && text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    if (!response.ok) {
      throw new ApiError(
        id,
        response.status,
        typeof parsed === 'object' && parsed !== null ? (parsed as ProblemBody) : { detail: text },
      );
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }
}
