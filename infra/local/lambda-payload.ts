/**
 * What API Gateway's HTTP API hands a Lambda function and makes of its
 * answer, for the local gateway: the payload 2.0 event of a request (headers,
 * cookies, query, path parameters, the JWT claims as the authorizer flattens
 * them, a body as text or base64), the invocation context, and the HTTP
 * answer of the function's structured result.
 */
import type { IncomingMessage } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { type HandlerModule, type RouteDef, routeKey } from '../../functions/api/routes.ts';

export type LambdaHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyResultV2>;

/** An HTTP answer of the gateway: from a handler's result, or a problem of its own. */
export interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[]>;
  readonly body: Buffer;
  readonly routeKey?: string;
}

/** Claims as API Gateway's JWT authorizer hands them to a payload 2.0 handler: strings, lists as `[a b]`. */
function flattenClaims(claims: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (Array.isArray(value)) out[name] = `[${value.map(String).join(' ')}]`;
    else if (value !== null && typeof value === 'object') out[name] = JSON.stringify(value);
    else out[name] = String(value);
  }
  return out;
}

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/x-www-form-urlencoded',
  'application/x-ndjson',
  'application/jsonl',
]);

/** Whether API Gateway passes a body of this Content-Type as text (else base64). */
function isTextType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml');
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** `22/Nov/2026:10:00:00 +0000`, API Gateway's requestContext.time. */
function clfTime(date: Date): string {
  return `${pad(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function hostName(host: string | undefined, fallback: string): string {
  if (!host) return fallback;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return fallback;
  }
}

export interface EventInput {
  readonly req: IncomingMessage;
  readonly requestId: string;
  readonly route: RouteDef;
  readonly params: Record<string, string>;
  readonly rawPath: string;
  readonly rawQueryString: string;
  readonly body: Buffer;
  readonly claims: Record<string, unknown> | undefined;
  readonly host: string;
  readonly now: Date;
}

/** The payload 2.0 event API Gateway would hand the route's Lambda function. */
export function toEvent(input: EventInput): APIGatewayProxyEventV2 {
  const { req, route } = input;
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, values] of Object.entries(req.headersDistinct)) {
    if (values === undefined) continue;
    if (name === 'cookie') {
      cookies = values.flatMap((v) => v.split(';').map((c) => c.trim())).filter((c) => c !== '');
    } else headers[name] = values.join(',');
  }
  const query: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(input.rawQueryString)) {
    query[name] = name in query ? `${query[name]},${value}` : value;
  }
  let body: { body?: string; isBase64Encoded: boolean } = { isBase64Encoded: false };
  if (input.body.length > 0) {
    let text: string | undefined;
    if (isTextType(headers['content-type'])) {
      try {
        text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input.body);
      } catch {
        // Not UTF-8 after all: passed on byte for byte.
      }
    }
    body =
      text === undefined
        ? { body: input.body.toString('base64'), isBase64Encoded: true }
        : { body: text, isBase64Encoded: false };
  }
  const key = routeKey(route);
  const domainName = hostName(headers.host, input.host);
  const authorizer =
    input.claims === undefined ? {} : { authorizer: { jwt: { claims: flattenClaims(input.claims), scopes: [] } } };
  return {
    version: '2.0',
    routeKey: key,
    rawPath: input.rawPath,
    rawQueryString: input.rawQueryString,
    ...(cookies.length > 0 ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(input.params).length > 0 ? { pathParameters: input.params } : {}),
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: input.rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: input.requestId,
      routeKey: key,
      stage: '$default',
      time: clfTime(input.now),
      timeEpoch: input.now.getTime(),
      ...authorizer,
    },
    ...body,
  } as APIGatewayProxyEventV2;
}

export function lambdaContext(module: HandlerModule, requestId: string, deadline: number): Context {
  const functionName = `sib-ledger-${module.replaceAll('/', '-')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

/** Headers a handler may not set: the gateway frames the answer itself. */
const HOP_BY_HOP = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade']);

/** The answer API Gateway makes of a payload 2.0 result. */
export function fromResult(result: APIGatewayProxyResultV2): Answer {
  if (typeof result === 'string') {
    return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(result) };
  }
  if (result === null || typeof result !== 'object' || !('statusCode' in result)) {
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(result ?? null)),
    };
  }
  const status = result.statusCode ?? 200;
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`invalid status code ${status}`);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    if (!HOP_BY_HOP.has(name.toLowerCase())) headers[name.toLowerCase()] = String(value);
  }
  if (result.cookies !== undefined && result.cookies.length > 0) headers['set-cookie'] = [...result.cookies];
  const body =
    result.body === undefined
      ? Buffer.alloc(0)
      : result.isBase64Encoded
        ? Buffer.from(result.body, 'base64')
        : Buffer.from(result.body);
  return { status, headers, body };
}
