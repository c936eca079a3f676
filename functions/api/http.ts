import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import { LIMITS } from '#evidence';
import { parseStrictJson } from '#intake';
import { NotFoundError, ValidationError } from '#kernel';
import type { Actor } from '#ledger';
import { type Runtime, runtime } from '../shared/composition.ts';
import { type HttpResult, httpHandler, json } from '../shared/middleware.ts';
import { BadRequestError, UnsupportedMediaTypeError } from '../shared/problem.ts';
import { bodyBytes, contentType } from '../shared/request.ts';
import { actorOf, authorize, type Caller } from './auth.ts';
import { type RouteDef, routeOf } from './routes.ts';

/**
 * The one way an API handler module is written: a map from route id (see
 * routes.ts) to its schemas and its implementation. `apiHandler` dispatches
 * on API Gateway's routeKey, authorizes the caller against the route table
 * (401/403 before anything else runs), validates path parameters, query and
 * JSON body with the route's zod schemas (the same schemas the OpenAPI
 * document is generated from), and answers errors as RFC 9457 problems
 * through the shared middleware.
 */

export interface RouteSchemas {
  readonly params?: z.ZodType;
  readonly query?: z.ZodType;
  /** A JSON body (application/json, parsed strictly: duplicate keys are refused). */
  readonly body?: z.ZodType;
  /** The success answer's body and status (documentation and tests). */
  readonly response?: z.ZodType;
  readonly status?: number;
  /** Non-JSON answers (e.g. application/x-ndjson for the export). */
  readonly responseType?: string;
  /** A read that refuses (409) what the state does not allow yet (the payment order of a payment not approved). */
  readonly conflict?: true;
  /** Further media types the success may come as (a query asks for them: format=xlsx|csv, table-answer.ts). */
  readonly alsoTypes?: readonly string[];
}

export interface RouteRequest<P = Record<string, string>, Q = Record<string, string>, B = unknown> {
  readonly event: APIGatewayProxyEventV2;
  readonly route: RouteDef;
  /** Undefined only on public routes. */
  readonly caller: Caller | undefined;
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly rt: Runtime;
}

export interface RouteImpl {
  readonly schemas: RouteSchemas;
  run(request: RouteRequest<unknown, unknown, unknown>): Promise<HttpResult>;
}

type Out<T, Default> = T extends z.ZodType ? z.output<T> : Default;

/**
 * Defines a route's implementation; the request's params, query and body are
 * typed by the schemas given.
 */
export function defineRoute<S extends RouteSchemas>(
  schemas: S,
  run: (
    request: RouteRequest<
      Out<S['params'], Record<string, string>>,
      Out<S['query'], Record<string, string>>,
      Out<S['body'], undefined>
    >,
  ) => Promise<HttpResult>,
): RouteImpl {
  return { schemas, run: run as RouteImpl['run'] };
}

/** The caller's actor (for ledger entries); throws on a public route, which appends nothing. */
export function actor(request: RouteRequest<unknown, unknown, unknown>): Actor {
  if (request.caller === undefined) throw new Error('a public route has no actor');
  return actorOf(request.caller);
}

function parsePart<T>(schema: z.ZodType | undefined, value: unknown, where: string): T {
  if (schema === undefined) return value as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => ({
      field: [where === 'body' ? '' : where, ...i.path.map(String)].filter((p) => p !== '').join('.') || where,
      message: i.message,
    }));
    // A path that is not exactly a resource's name addresses nothing: the request itself is malformed (400).
    if (where === 'path') {
      const named = problems.map((p) => `${p.field.replace(/^path\./, '')}: ${p.message}`).join('; ');
      throw new BadRequestError(`invalid path parameter ${named}`, {
        problems: problems.map((p) => ({ ...p, field: p.field.replace(/^path\./, '') })),
      });
    }
    throw new ValidationError(`invalid ${where}`, problems);
  }
  return parsed.data as T;
}

function readBody(event: APIGatewayProxyEventV2, schema: z.ZodType | undefined): unknown {
  if (schema === undefined) return undefined;
  // No body at all, where an empty object is a valid body (e.g. approve with no options): treat it as `{}`.
  if ((event.body ?? '') === '' && schema.safeParse({}).success) return schema.parse({});
  const type = contentType(event);
  if (type?.type !== 'application/json') throw new UnsupportedMediaTypeError('send the body as application/json');
  if (type.charset !== undefined && type.charset !== 'utf-8' && type.charset !== 'utf8') {
    throw new UnsupportedMediaTypeError(`bodies are read as UTF-8, not ${type.charset}`);
  }
  const bytes = bodyBytes(event, { name: 'jsonBytes', value: LIMITS.jsonBytes });
  const parsed = parseStrictJson(bytes);
  if (parsed.problems.length > 0) {
    throw new BadRequestError(
      `the body is not acceptable JSON: ${parsed.problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`,
    );
  }
  return parseBody(schema, parsed.value);
}

function parseBody(schema: z.ZodType, value: unknown): unknown {
  return parsePart(schema, value, 'body');
}

/** The Lambda handler of a module serving `impls` (route id -> implementation). */
export function apiHandler(impls: Readonly<Record<string, RouteImpl>>) {
  const core = async (event: APIGatewayProxyEventV2, _context: Context): Promise<HttpResult> => {
    const route = routeOf(event.routeKey);
    const impl = route === undefined ? undefined : impls[route.id];
    if (route === undefined || impl === undefined) throw new NotFoundError(`no route ${event.routeKey}`);
    const caller = authorize(event, route);
    const params = parsePart<Record<string, string>>(impl.schemas.params, event.pathParameters ?? {}, 'path');
    const query = parsePart<Record<string, string>>(impl.schemas.query, event.queryStringParameters ?? {}, 'query');
    const body = readBody(event, impl.schemas.body);
    // Public routes (the OpenAPI document) need no tables, buckets or keys: the runtime is built only for the others.
    const rt = route.roles === 'public' ? undefined : await runtime();
    return impl.run({
      event,
      route,
      caller,
      params,
      query,
      body,
      get rt(): Runtime {
        if (rt === undefined) throw new Error(`the public route ${route.id} has no runtime`);
        return rt;
      },
    });
  };
  return httpHandler(core);
}

export { json };
