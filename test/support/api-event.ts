import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ROUTES } from '../../functions/api/routes.ts';

/** API Gateway v2 events for any route of the table, as the authorizer (or the local gateway) hands them to a handler. */

export type Role = 'operator' | 'ministry' | 'investor' | 'evaluator';

export interface Call {
  /** Path parameters besides `contract`. */
  readonly params?: Record<string, string>;
  /** A JSON value (sent as application/json) or raw text. */
  readonly body?: unknown;
  readonly raw?: string;
  readonly headers?: Record<string, string>;
  /** Verified claims; undefined: no token. */
  readonly claims?: Record<string, unknown> | undefined;
}

/** Verified JWT claims as API Gateway's authorizer passes them. */
export const token = (role: Role, sub: string, contracts: string) => ({
  sub,
  'cognito:groups': [role],
  'custom:contracts': contracts,
});

export function apiEvent(routeId: string, contract: string, call: Call): APIGatewayProxyEventV2 {
  const route = ROUTES.find((r) => r.id === routeId);
  if (route === undefined) throw new Error(`no route ${routeId}`);
  const params: Record<string, string> = route.path.includes('{contract}') ? { contract, ...call.params } : {};
  const rawPath = route.path.replaceAll(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const routeKey = `${route.method} ${route.path}`;
  const body = call.raw ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: '',
    headers: {
      host: 'api.example.test',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...call.headers,
    },
    ...(Object.keys(params).length > 0 ? { pathParameters: params } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: route.method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId: `req-${randomUUID()}`,
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_341_600_000,
      ...(call.claims === undefined ? {} : { authorizer: { jwt: { claims: call.claims, scopes: [] } } }),
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded: false,
  } as APIGatewayProxyEventV2;
}
