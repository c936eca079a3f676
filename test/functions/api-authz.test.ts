/**
 * The route x role matrix (functions/api/routes.ts), enforced exhaustively:
 * first at authorize() for every route, every role, another contract, no
 * token and every form the groups claim arrives in; then through each
 * route's real Lambda handler against the test stack, where every refusal
 * must be a 401/403 problem that leaves the contract's log and the buckets
 * untouched.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ForbiddenError } from '#kernel';
import type { Role } from '#ledger';
import { assertContract, authorize, type Caller } from '../../functions/api/auth.ts';
import { ROUTES, type RouteDef, routeKey } from '../../functions/api/routes.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { UnauthorizedError } from '../../functions/shared/problem.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { invoke, saveEnv } from '../support/http.ts';
import { s3Client, testStack } from '../support/stack.ts';

const ROLES: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];
const PRIVATE = ROUTES.filter((r) => r.roles !== 'public');
const PUBLIC = ROUTES.filter((r) => r.roles === 'public');
const allowed = (route: RouteDef): readonly Role[] => (route.roles === 'public' ? [] : route.roles);

const SAMPLE_PARAMS: Readonly<Record<string, string>> = {
  batchId: 'b-1',
  eventId: 'e-1',
  seq: '0',
  payment: '0',
  report: '0',
};

type Claims = Record<string, unknown>;

/** Verified claims; `contracts` undefined leaves the contracts claim out. */
function claims(groups: unknown, ...rest: [contracts?: unknown, sub?: unknown]): Claims {
  const [contracts, sub = 'subject-1'] = rest.length === 0 ? ['c1'] : rest;
  return {
    sub,
    'cognito:groups': groups,
    ...(contracts === undefined ? {} : { 'custom:contracts': contracts }),
  };
}

/** An API Gateway v2 (payload 2.0) event of `route` on `contract`, with verified `claims` (null: no token). */
function routeEvent(
  route: RouteDef,
  options: { contract: string; claims: Claims | null; body?: string },
): APIGatewayProxyEventV2 {
  const params: Record<string, string> = {};
  const rawPath = route.path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => {
    params[name] = name === 'contract' ? options.contract : (SAMPLE_PARAMS[name] ?? 'x-1');
    return encodeURIComponent(params[name]);
  });
  const key = routeKey(route);
  return {
    version: '2.0',
    routeKey: key,
    rawPath,
    rawQueryString: '',
    headers: {
      host: 'api.example.test',
      'user-agent': 'vitest',
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${randomUUID()}`,
      routeKey: key,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_341_600_000,
      ...(options.claims === null ? {} : { authorizer: { jwt: { claims: options.claims, scopes: [] } } }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}

/** authorize() of `route` on contract c1 with `claims`: the caller, or the error thrown. */
function attempt(route: RouteDef, with_: Claims | null, contract = 'c1'): Caller | undefined | Error {
  try {
    return authorize(routeEvent(route, { contract, claims: with_ }), route);
  } catch (error) {
    return error as Error;
  }
}

describe('the route table', () => {
  it('has unique operation ids and method + path pairs, and only the four roles in its matrix', () => {
    expect(new Set(ROUTES.map((r) => r.id)).size).toBe(ROUTES.length);
    expect(new Set(ROUTES.map(routeKey)).size).toBe(ROUTES.length);
    for (const route of PRIVATE) {
      expect(allowed(route).length, route.id).toBeGreaterThan(0);
      for (const role of allowed(route)) expect(ROLES, route.id).toContain(role);
      if (route.contract === 'path') expect(route.path, route.id).toContain('{contract}');
    }
  });
});

describe('authorize(): every route with every role', () => {
  const cases = PRIVATE.flatMap((route) => ROLES.map((role) => ({ route, role, ok: allowed(route).includes(role) })));

  it.each(cases.map((c) => [c.route.id, c.role, c.ok ? 'allowed' : 'refused', c] as const))(
    '%s as %s: %s',
    (_id, _role, _outcome, { route, role, ok }) => {
      const result = attempt(route, claims([role]));
      if (ok) {
        expect(result).toEqual({ sub: 'subject-1', role, contracts: ['c1'] });
      } else {
        expect(result).toBeInstanceOf(ForbiddenError);
        expect((result as Error).message).toContain(role);
      }
    },
  );

  it('covers the whole matrix (every private route x 4 roles)', () => {
    expect(cases).toHaveLength(PRIVATE.length * ROLES.length);
    expect(cases.filter((c) => c.ok).length).toBe(PRIVATE.reduce((n, r) => n + allowed(r).length, 0));
  });
});

describe('authorize(): contracts', () => {
  it('refuses a token for another contract on every contract-scoped route, whatever the role', () => {
    for (const route of PRIVATE.filter((r) => r.contract === 'path')) {
      for (const role of allowed(route)) {
        const result = attempt(route, claims([role], 'c2'));
        expect(result, `${route.id} as ${role}`).toBeInstanceOf(ForbiddenError);
        expect((result as Error).message).toContain('c1');
      }
    }
  });

  it('leaves a body-scoped route (registering a contract) to check the named contract with assertContract', () => {
    for (const route of PRIVATE.filter((r) => r.contract === 'body')) {
      for (const role of allowed(route)) {
        const caller = attempt(route, claims([role], 'c2'));
        expect(caller, route.id).toEqual({ sub: 'subject-1', role, contracts: ['c2'] });
        expect(() => assertContract(caller as Caller, 'c1')).toThrow(ForbiddenError);
        expect(() => assertContract(caller as Caller, 'c2')).not.toThrow();
      }
    }
  });

  it('accepts the contract in a list (comma, space or bracketed), and * for every contract', () => {
    for (const route of PRIVATE.filter((r) => r.contract === 'path')) {
      const role = allowed(route)[0] as Role;
      for (const contracts of ['c0,c1', 'c0 c1', '[c0 c1]', ['c0', 'c1'], '*']) {
        const result = attempt(route, claims([role], contracts));
        expect(result, `${route.id} with ${JSON.stringify(contracts)}`).toMatchObject({ role });
      }
      // A prefix or a near miss is not the contract.
      for (const contracts of ['c', 'c1x', 'c11', '', [], undefined]) {
        expect(attempt(route, claims([role], contracts)), `${route.id} ${String(contracts)}`).toBeInstanceOf(
          ForbiddenError,
        );
      }
    }
  });
});

describe('authorize(): tokens and groups', () => {
  it('answers 401 without claims, without a subject or with an unusable one, on every private route', () => {
    for (const route of PRIVATE) {
      for (const without of [null, {}, { 'cognito:groups': [allowed(route)[0]], 'custom:contracts': '*' }]) {
        const result = attempt(route, without);
        expect(result, `${route.id} ${JSON.stringify(without)}`).toBeInstanceOf(UnauthorizedError);
        expect((result as UnauthorizedError).status).toBe(401);
      }
      for (const sub of ['', 'two words', 'x'.repeat(129), 42]) {
        expect(attempt(route, claims([allowed(route)[0]], '*', sub)), route.id).toBeInstanceOf(UnauthorizedError);
      }
    }
  });

  it("reads the groups as a JSON array, as API Gateway's flattened '[evaluator ministry]', and comma-separated", () => {
    for (const route of PRIVATE) {
      const expected = (['evaluator', 'ministry'] as const).find((g) => allowed(route).includes(g));
      for (const groups of [
        '[evaluator ministry]',
        ['evaluator', 'ministry'],
        'evaluator,ministry',
        'evaluator ministry',
      ]) {
        const result = attempt(route, claims(groups));
        if (expected === undefined) expect(result, route.id).toBeInstanceOf(ForbiddenError);
        else
          expect(result, `${route.id} ${JSON.stringify(groups)}`).toEqual({
            sub: 'subject-1',
            role: expected,
            contracts: ['c1'],
          });
      }
      for (const role of ROLES) {
        expect(attempt(route, claims(`[${role}]`)), `${route.id} [${role}]`).toEqual(attempt(route, claims([role])));
      }
    }
  });

  it('refuses a role name not in the list (or none) with 403 on every private route', () => {
    for (const route of PRIVATE) {
      // An array element is one group name: 'admin ministry' is neither admin nor ministry.
      for (const groups of [
        ['admin'],
        ['system'],
        ['Operator'],
        ['operators'],
        [],
        '',
        '[]',
        undefined,
        ['admin ministry'],
      ]) {
        const result = attempt(route, claims(groups, '*'));
        expect(result, `${route.id} ${JSON.stringify(groups)}`).toBeInstanceOf(ForbiddenError);
      }
    }
  });

  it('lets anyone call a public route, with or without a token', () => {
    expect(PUBLIC.length).toBeGreaterThan(0);
    for (const route of PUBLIC) {
      expect(attempt(route, null)).toBeUndefined();
      expect(attempt(route, {})).toBeUndefined();
      expect(attempt(route, claims(['admin'], 'c2'))).toBeUndefined();
    }
  });
});

// ---- Through the handlers, against the test stack

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** The handler of each module serving a private route; undefined where the module does not exist (yet). */
const handlers = new Map<string, Handler | undefined>();
for (const module of new Set(PRIVATE.map((r) => r.handler))) {
  const path = `../../functions/${module}.ts`;
  const loaded = existsSync(new URL(path, import.meta.url))
    ? ((await import(path)) as { handler?: Handler })
    : undefined;
  handlers.set(module, loaded?.handler);
}

const dir = mkdtempSync(join(tmpdir(), 'sib-authz-'));
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
/** Every contract these tests act on starts with this: nothing may be stored under any of them. */
const RUN = `authz-${randomUUID().slice(0, 8)}`;
let rt: Runtime;
let counter = 0;

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  process.env.SIB_CONTRACTS_DIR = join(dir, 'contracts');
  rt = await localRuntime(dir, testStack());
});
beforeEach(() => setRuntime(rt));
afterAll(() => {
  resetRuntime();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

interface Refusal {
  readonly name: string;
  readonly claims: (contract: string) => Claims | null;
  readonly status: 401 | 403;
}

/** The callers `route` must refuse: each role it does not allow (or an unknown one), no token, another contract. */
function refusals(route: RouteDef): Refusal[] {
  const others = ROLES.filter((role) => !allowed(route).includes(role));
  const out: Refusal[] = (others.length > 0 ? others : ['system', 'admin']).map((role) => ({
    name: `as ${role}`,
    claims: (contract: string) => claims([role], contract),
    status: 403,
  }));
  out.push({ name: 'without a token', claims: () => null, status: 401 });
  // A route on no contract (the contract list) answers a token of other contracts with what it allows: see below.
  if (route.contract === 'none') return out;
  out.push({
    name: `as ${allowed(route)[0]} of another contract`,
    claims: () => claims([allowed(route)[0]], `${RUN}-other`),
    status: 403,
  });
  return out;
}

const cases = PRIVATE.flatMap((route) => refusals(route).map((refusal) => ({ route, refusal })));

describe('the handlers refuse, with a problem, and write nothing', () => {
  it.each(cases.map((c) => [c.route.id, c.refusal.name, c.refusal.status, c] as const))(
    '%s %s: %d',
    async (_id, _name, status, { route, refusal }) => {
      const handler = handlers.get(route.handler);
      if (handler === undefined) {
        console.warn(`functions/${route.handler}.ts has no handler yet: ${route.id} not checked`);
        return;
      }
      const contract = `${RUN}-${counter++}`;
      const before = (await rt.log.head(contract)).size;
      const body =
        route.method === 'POST' ? JSON.stringify(route.contract === 'body' ? { id: contract } : {}) : undefined;

      const answer = await invoke(
        handler,
        routeEvent(route, { contract, claims: refusal.claims(contract), ...(body === undefined ? {} : { body }) }),
      );

      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toBe('application/problem+json');
      expect(answer.body).toMatchObject({ status, title: status === 401 ? 'Unauthorized' : 'Forbidden' });
      expect(answer.body.requestId).toBe(answer.headers['x-request-id']);
      expect((await rt.log.head(contract)).size).toBe(before);
    },
  );

  it('left nothing under any of those contracts in the buckets', async () => {
    const stack = testStack();
    for (const bucket of [stack.buckets.archive, stack.buckets.reports]) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3Client().send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key ?? ''));
        token = page.NextContinuationToken;
      } while (token !== undefined);
      expect(keys.filter((key) => key.includes(RUN))).toEqual([]);
    }
  });
});
