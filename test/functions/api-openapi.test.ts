/**
 * The OpenAPI 3.1 document (GET /openapi.json) and docs/api.md, both
 * generated from the route table, checked against the routes actually
 * served: every route's module exports its handler and implements exactly
 * that module's routes, and the document has every route once and nothing
 * else.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { apiMarkdown } from '../../functions/api/api-doc.ts';
import type { RouteImpl } from '../../functions/api/http.ts';
import { handler as openApiHandler } from '../../functions/api/openapi.ts';
import { OPENAPI_FILE, openApiDocument, openApiText, SchemaConverter } from '../../functions/api/openapi-doc.ts';
import { type HandlerModule, ROUTES, type RouteDef, routeKey } from '../../functions/api/routes.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { invoke } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

type Json = Record<string, unknown>;
type Operation = Json & {
  operationId: string;
  parameters?: { name: string; in: string; required?: boolean; schema: Json }[];
  requestBody?: { content: Record<string, { schema: Json }> };
  responses: Record<string, Json>;
  security: Record<string, string[]>[];
};

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const doc = openApiDocument() as Json & { paths: Record<string, Record<string, Operation>> };

/** Every operation in the document, with its path and method. */
const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => METHODS.includes(method))
    .map(([method, op]) => ({ key: `${method.toUpperCase()} ${path}`, op })),
);
const operationOf = (route: RouteDef) => doc.paths[route.path]?.[route.method.toLowerCase()] as Operation;
const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

/** The target of a local `$ref` (`#/a/b`), or undefined if it does not resolve. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let at: unknown = doc;
  for (const part of ref.slice(2).split('/')) {
    const key = part.replaceAll('~1', '/').replaceAll('~0', '~');
    at = at !== null && typeof at === 'object' ? (at as Json)[key] : undefined;
  }
  return at;
}

function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is an OpenAPI 3.1 document of sib-ledger, plain JSON', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'sib-ledger', version: packageJson.version });
    expect(doc.servers).toEqual([{ url: '/' }]);
    expect((doc.components as Json).securitySchemes).toEqual({
      bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    });
    expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    // JSON Schema 2020-12 inside: no draft markers of its own, nothing left under $defs.
    expect(JSON.stringify(doc)).not.toContain('"$schema"');
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });

  it('has every route of the table exactly once, under its id, and no other operation', () => {
    expect(operations.map((o) => o.key).sort()).toEqual(ROUTES.map(routeKey).sort());
    const ids = operations.map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    for (const route of ROUTES) {
      const op = operationOf(route);
      expect(op, route.id).toBeDefined();
      expect(op.operationId).toBe(route.id);
      expect(op.summary).toBe(route.summary);
    }
  });

  it('declares every path parameter of each route, and no other', () => {
    for (const route of ROUTES) {
      const declared = (operationOf(route).parameters ?? []).filter((p) => p.in === 'path');
      expect(declared.map((p) => p.name).sort(), route.id).toEqual(pathParams(route.path).sort());
      for (const p of declared) expect(p.required, `${route.id} ${p.name}`).toBe(true);
    }
  });

  it('gives each operation its security and roles: a bearer JWT and x-roles, or nothing for public routes', () => {
    for (const route of ROUTES) {
      const op = operationOf(route);
      if (route.roles === 'public') {
        expect(op.security, route.id).toEqual([]);
        expect(op['x-roles'], route.id).toEqual([]);
        expect(op.responses['401'], route.id).toBeUndefined();
      } else {
        expect(op.security, route.id).toEqual([{ bearer: [] }]);
        expect(op['x-roles'], route.id).toEqual([...route.roles]);
        expect(op.responses['401'], route.id).toBeDefined();
        expect(op.responses['403'], route.id).toBeDefined();
      }
    }
  });

  it('answers errors as RFC 9457 problems with one shared ProblemDetails schema', () => {
    const components = doc.components as { responses: Record<string, Json>; schemas: Record<string, Json> };
    expect(components.schemas.ProblemDetails).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['type', 'title', 'status', 'detail']),
    });
    for (const route of ROUTES) {
      const op = operationOf(route);
      const statuses = Object.keys(op.responses);
      expect(
        statuses.some((s) => s.startsWith('2')),
        route.id,
      ).toBe(true);
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const response = resolve(op.responses[status]?.$ref as string) as Json;
        expect(response, `${route.id} ${status}`).toBeDefined();
        expect(response.content).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } },
        });
      }
      expect(statuses, route.id).toEqual(expect.arrayContaining(['500', '503']));
    }
    expect(Object.keys(components.responses)).toHaveLength(10);
  });

  it('takes a CSV, XLSX or JSON body for submitBatch, and JSON bodies elsewhere', () => {
    const submit = operationOf(ROUTES.find((r) => r.id === 'submitBatch') as RouteDef);
    expect(Object.keys(submit.requestBody?.content ?? {}).sort()).toEqual([
      'application/json',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'text/csv',
    ]);
    for (const route of ROUTES.filter((r) => r.id !== 'submitBatch')) {
      const body = operationOf(route).requestBody;
      if (body !== undefined) expect(Object.keys(body.content), route.id).toEqual(['application/json']);
      if (route.method === 'GET') expect(body, route.id).toBeUndefined();
    }
  });

  it('resolves every $ref it holds', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of new Set(refs)) expect(resolve(ref), ref).toBeDefined();
  });
});

/** Every handler module of the route table (the type makes this list complete). */
const MODULES: Record<HandlerModule, () => Promise<object>> = {
  'ingest-batch': () => import('../../functions/ingest-batch.ts'),
  'presign-upload': () => import('../../functions/presign-upload.ts'),
  'api/ledger': () => import('../../functions/api/ledger.ts'),
  'api/contracts': () => import('../../functions/api/contracts.ts'),
  'api/payments': () => import('../../functions/api/payments.ts'),
  'api/reports': () => import('../../functions/api/reports.ts'),
  'api/openapi': () => import('../../functions/api/openapi.ts'),
  'api/dev': () => import('../../functions/api/dev.ts'),
};

describe('zod schemas in the document', () => {
  interface Tree {
    name: string;
    children: Tree[];
  }
  const Tree: z.ZodType<Tree> = z.object({
    name: z.string(),
    get children() {
      return z.array(Tree);
    },
  });
  const Money = z.string().regex(/^\d+\.\d{2}$/);

  it('moves $defs (recursive or registered schemas) into components, every $ref resolving there', () => {
    // An id in zod's global registry makes it a definition of its own.
    const Amount = Money.meta({ id: 'Amount' });
    const converter = new SchemaConverter();
    const converted = [
      converter.convert(Tree, 'input', 'treeBody'),
      converter.convert(z.object({ root: Tree }), 'input', 'rootBody'),
      converter.convert(z.object({ a: Amount, b: Amount }), 'output', 'pair'),
      converter.convert(z.object({ total: Amount }), 'output', 'total'),
    ];
    const whole = { components: { schemas: converter.components }, converted };
    const text = JSON.stringify(whole);

    expect(text).not.toContain('$defs');
    expect(text).not.toContain('"$ref":"#"');
    expect(converted[0]).toEqual({ $ref: '#/components/schemas/treeBody' });
    // One component for the registered schema used by two operations.
    expect(Object.keys(converter.components).filter((k) => k.startsWith('Amount'))).toEqual(['Amount']);
    for (const ref of refsIn(whole)) {
      const name = ref.replace('#/components/schemas/', '');
      expect(ref.startsWith('#/components/schemas/') && converter.components[name] !== undefined, ref).toBe(true);
    }
  });

  it('documents what a request may send (input) and what an answer holds (output)', () => {
    const converter = new SchemaConverter();
    const seq = z.string().transform(Number).pipe(z.int().min(0));
    expect(converter.convert(z.object({ seq }), 'input', 'q')).toMatchObject({
      properties: { seq: { type: 'string' } },
    });
    expect(converter.convert(z.object({ seq }), 'output', 'r')).toMatchObject({
      properties: { seq: { type: 'integer', minimum: 0 } },
    });
  });
});

describe('checked against the routes actually served', () => {
  const modules = [...new Set(ROUTES.map((r) => r.handler))];

  it.each(modules)('functions/%s.ts exports its handler, and IMPLS of exactly its routes', async (module) => {
    const loaded = (await MODULES[module]()) as { handler?: unknown; IMPLS?: Record<string, RouteImpl> };
    expect(typeof loaded.handler).toBe('function');
    const routes = ROUTES.filter((r) => r.handler === module);
    if (loaded.IMPLS === undefined) return;
    expect(Object.keys(loaded.IMPLS).sort()).toEqual(routes.map((r) => r.id).sort());
    for (const route of routes) {
      const { schemas } = loaded.IMPLS[route.id] as RouteImpl;
      const op = operationOf(route);
      // What the handler validates is what the document says.
      if (schemas.params instanceof z.ZodObject) {
        for (const name of Object.keys(schemas.params.shape)) expect(pathParams(route.path), route.id).toContain(name);
      }
      if (schemas.body !== undefined) expect(op.requestBody?.content['application/json'], route.id).toBeDefined();
      if (schemas.status !== undefined) expect(op.responses[String(schemas.status)], route.id).toBeDefined();
      if (schemas.responseType !== undefined) {
        const success = op.responses[String(schemas.status ?? 200)] as { content: Json };
        expect(Object.keys(success.content), route.id).toEqual([schemas.responseType]);
      }
      if (schemas.query instanceof z.ZodObject) {
        const query = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
        expect(query.sort(), route.id).toEqual(Object.keys(schemas.query.shape).sort());
      }
    }
  });
});

describe('GET /openapi.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sib-openapi-'));
  let rt: Runtime;
  beforeAll(async () => {
    rt = await localRuntime(dir, testStack());
    setRuntime(rt);
  });
  afterAll(() => {
    resetRuntime();
    rt?.dynamo.destroy();
    rt?.s3.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the document to anyone, without a token', async () => {
    const requestId = `req-${randomUUID()}`;
    const event = {
      version: '2.0',
      routeKey: 'GET /openapi.json',
      rawPath: '/openapi.json',
      rawQueryString: '',
      headers: { host: 'api.example.test' },
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: 'api.example.test',
        domainPrefix: 'api',
        http: {
          method: 'GET',
          path: '/openapi.json',
          protocol: 'HTTP/1.1',
          sourceIp: '127.0.0.1',
          userAgent: 'vitest',
        },
        requestId,
        routeKey: 'GET /openapi.json',
        stage: '$default',
        time: '22/Nov/2026:10:00:00 +0000',
        timeEpoch: 1_795_341_600_000,
      },
      isBase64Encoded: false,
    } as APIGatewayProxyEventV2;

    const answer = await invoke(openApiHandler, event);

    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-request-id']).toBe(requestId);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});

describe('docs/openapi.json', () => {
  it('is what openApiDocument() generates from the route table and the schemas (regenerate: node functions/api/openapi-doc.ts)', () => {
    expect(readFileSync(OPENAPI_FILE, 'utf8')).toBe(openApiText());
  });
});

describe('docs/api.md', () => {
  it('is what apiMarkdown() prints from the route table (regenerate: node functions/api/api-doc.ts)', () => {
    const written = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    expect(written).toBe(apiMarkdown());
  });

  it('prints the matrix authorize() enforces: one row per route, a ✓ per allowed role', () => {
    const rows = apiMarkdown()
      .split('\n')
      .filter((line) => /^\| `[A-Za-z]+` \| (GET|POST) `/.test(line));
    expect(rows).toHaveLength(ROUTES.length);
    for (const route of ROUTES) {
      const row = rows.find((r) => r.startsWith(`| \`${route.id}\` |`)) as string;
      const cells = row.split('|').map((c) => c.trim());
      const marks = cells.slice(3, 7);
      if (route.roles === 'public') expect(marks).toEqual(['public', 'public', 'public', 'public']);
      else {
        const roles = route.roles;
        expect(marks).toEqual(
          (['operator', 'ministry', 'investor', 'evaluator'] as const).map((r) => (roles.includes(r) ? '✓' : '')),
        );
      }
    }
  });
});
