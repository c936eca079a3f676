/**
 * Calling the HTTP handlers as API Gateway v2 would: hand-built payload 2.0
 * events, a Lambda context, a per-test contract (a copy of the Second Chance
 * profile under SIB_CONTRACTS_DIR), and what the handlers print (Powertools
 * logs and EMF metrics) captured instead of written.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { vi } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

export interface EventOptions {
  readonly route: 'batches' | 'uploads';
  readonly contract: string;
  readonly body?: string;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly isBase64Encoded?: boolean;
  /**
   * The verified JWT claims, as API Gateway's authorizer (or the local
   * gateway) passes them: `operatorClaims()` unless given; `null` for a
   * request without a verified token (no authorizer context at all).
   */
  readonly claims?: Record<string, unknown> | null;
}

/** The subject of the default claims. */
export const OPERATOR_SUB = 'operator-7';

/**
 * Verified claims of a caller: its subject, its role as the Cognito group,
 * and the contracts it may act on (`*` for all, or a comma-separated list).
 */
export function claimsFor(role: string, options: { sub?: string; contracts?: string } = {}): Record<string, unknown> {
  return {
    sub: options.sub ?? `${role}-7`,
    'cognito:groups': [role],
    'custom:contracts': options.contracts ?? '*',
  };
}

/** The default caller: an operator (subject OPERATOR_SUB) allowed on every contract. */
export const operatorClaims = (options: { sub?: string; contracts?: string } = {}) =>
  claimsFor('operator', { sub: OPERATOR_SUB, ...options });

export function apiEvent(options: EventOptions): APIGatewayProxyEventV2 {
  const routeKey = `POST /contracts/{contract}/${options.route}`;
  const rawPath = `/contracts/${options.contract}/${options.route}`;
  const query = options.query ?? {};
  const requestId = `req-${randomUUID()}`;
  const claims = options.claims === undefined ? operatorClaims() : options.claims;
  return {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers: { host: 'api.example.test', 'user-agent': 'vitest', ...options.headers },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    pathParameters: { contract: options.contract },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'api.example.test',
      domainPrefix: 'api',
      http: { method: 'POST', path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'vitest' },
      requestId,
      routeKey,
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: 1_795_341_600_000,
      ...(claims === null ? {} : { authorizer: { jwt: { claims, scopes: [] } } }),
    },
    ...(options.body === undefined ? {} : { body: options.body }),
    isBase64Encoded: options.isBase64Encoded ?? false,
  } as APIGatewayProxyEventV2;
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'sib-ledger-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sib-ledger-test',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/sib-ledger-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => 60_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** Lines the handler printed (stdout and stderr): Powertools logs and EMF metric documents. */
  readonly printed: string[];
}

type Handler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

/** Invokes a handler, capturing what it prints, and parses its answer. */
export async function invoke(handler: Handler, event: APIGatewayProxyEventV2): Promise<Answer> {
  const printed: string[] = [];
  // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
  const capture = (chunk: string | Uint8Array) => {
    printed.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await handler(event, lambdaContext());
    return {
      status: result.statusCode ?? 200,
      headers: (result.headers ?? {}) as Record<string, string>,
      body: result.body ? JSON.parse(result.body) : {},
      printed,
    };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** Writes a copy of the Second Chance profile under a fresh id into `dir`; returns the id. */
export function freshContract(dir: string, prefix: string): string {
  const id = `${prefix}-${randomUUID().slice(0, 8)}`;
  const profile = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...profile, id }));
  return id;
}

export { CONSENT_SHA256, enrol, job } from './evidence.ts';

/** Remembers environment variables a test changes; restore() puts them back (unset ones unset). */
export function saveEnv(names: readonly string[]): { restore(): void } {
  const saved = names.map((name) => [name, process.env[name]] as const);
  return {
    restore() {
      for (const [name, value] of saved) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    },
  };
}
