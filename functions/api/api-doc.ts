import { writeFileSync } from 'node:fs';
import type { Role } from '#ledger';
import { PROBLEM_TYPES } from '../shared/problem.ts';
import { CONTRACTS_CLAIM, GROUPS_CLAIM } from './auth.ts';
import { ROUTES, type RouteDef } from './routes.ts';

/**
 * docs/api.md, generated from the route table (routes.ts): the routes, the
 * route x role matrix that authorize() enforces, how tokens carry role and
 * contracts, and the error format. A test fails when docs/api.md differs
 * from apiMarkdown(); regenerate it with `node functions/api/api-doc.ts`.
 */

/** The roles of the matrix, in the order of its columns. */
export const API_ROLES: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];

/** The error answers of the API (the OpenAPI document describes them the same way). */
export const ERRORS = {
  400: 'Bad Request: the request is malformed (body not JSON, duplicate keys, bad base64, a path parameter not written exactly: ids and numbers in paths are never trimmed or converted)',
  401: 'Unauthorized: no valid bearer token',
  403: "Forbidden: the token's role may not call this route, or it does not allow acting on this contract",
  404: 'Not Found: no such contract, or no such item',
  409: 'Conflict: the request contradicts what is recorded (details in extension members)',
  413: 'Content Too Large: the body exceeds the limit (named in the detail)',
  415: 'Unsupported Media Type: send the body with the content type documented',
  422: 'Unprocessable Content: the request is well-formed but invalid; every problem is listed in errors',
  500: 'Internal Server Error: nothing about the cause is shown; quote the request id',
  503: 'Service Unavailable: a dependency did not answer in time; retrying the same request is safe (Retry-After)',
} as const;
export type ErrorStatus = keyof typeof ERRORS;

const ROLE_NOTES: Readonly<Record<string, string>> = {
  operator: 'the service provider: submits evidence',
  ministry: 'the outcome payer: registers contracts, approves or rejects and pays',
  investor: 'reads the log, payments and reports',
  evaluator: 'the independent evaluator: evaluates, attests, cosigns checkpoints as a witness',
};

const cell = (text: string) => text.replaceAll('|', '\\|');
const code = (text: string) => `\`${text}\``;

function contractFrom(route: RouteDef): string {
  if (route.contract === 'path') return code('{contract}');
  if (route.contract === 'body') return 'body `id`';
  return '';
}

function matrixRow(route: RouteDef): string {
  const marks = API_ROLES.map((role) =>
    route.roles === 'public' ? 'public' : (route.roles as readonly Role[]).includes(role) ? '✓' : '',
  );
  return `| ${code(route.id)} | ${route.method} ${code(route.path)} | ${marks.join(' | ')} | ${contractFrom(route)} | ${route.writes ? 'yes' : ''} |`;
}

/** The content of docs/api.md. */
export function apiMarkdown(): string {
  const lines: string[] = [
    ...introSection(),
    ...routesSection(),
    ...matrixSection(),
    ...tokensSection(),
    ...errorsSection(),
  ];
  return lines.join('\n');
}

/** The title, the generated-file notice, what the API is. */
function introSection(): string[] {
  return [
    '# The HTTP API',
    '',
    '<!-- Generated from functions/api/routes.ts by functions/api/api-doc.ts: do not edit by hand.',
    '     Regenerate with `node functions/api/api-doc.ts`; a test fails when this file is out of date. -->',
    '',
    'The four parties reach every use case through one HTTP API: API Gateway (HTTP API) in AWS, and the local',
    'gateway on one machine, both built from the route table in `functions/api/routes.ts`, as are this page and',
    'the OpenAPI 3.1 document served at `GET /openapi.json` (generated from the same zod schemas the handlers',
    'validate requests with).',
    '',
  ];
}
/** Every route: its operation id, method, path and summary. */
function routesSection(): string[] {
  return [
    '## Routes',
    '',
    '| operation | method | path | summary |',
    '|---|---|---|---|',
    ...ROUTES.map(
      (r) =>
        `| ${code(r.id)} | ${r.method} | ${code(r.path)} | ${cell(r.summary)}${r.localOnly === true ? ' (local gateway only: never deployed)' : ''} |`,
    ),
    '',
  ];
}
/** The route x role matrix authorize() enforces, and the roles. */
function matrixSection(): string[] {
  return [
    '## Who may call what',
    '',
    'The route x role matrix: ✓ where the role may call the route. It is the table `authorize()` enforces',
    '(`functions/api/auth.ts`) and is tested exhaustively, every route with every role. "contract" says where',
    'the contract acted on is named; "writes" marks routes that append to the ledger or write to a bucket.',
    '',
    `| operation | route | ${API_ROLES.join(' | ')} | contract | writes |`,
    `|---|---|${API_ROLES.map(() => ':---:').join('|')}|---|---|`,
    ...ROUTES.map(matrixRow),
    '',
    'The roles:',
    '',
    ...API_ROLES.map((role) => `- ${code(role)}: ${ROLE_NOTES[role] ?? ''}`),
    '',
    'Refusals come before anything else runs, and write nothing: a request without a valid token is 401; a',
    'role not allowed on the route, or a contract the token does not list, is 403. Beyond the matrix, the',
    'use cases add their own rules (separation of duties, steps in order), also refused with nothing written.',
    '',
  ];
}
/** The bearer token and the claims the handlers read. */
function tokensSection(): string[] {
  return [
    '## Tokens',
    '',
    'Every route but the public ones needs `Authorization: Bearer <JWT>`. The token is verified before the',
    "handler runs (API Gateway's JWT authorizer in AWS, the local gateway on one machine); the handler reads",
    'its claims:',
    '',
    '- `sub`: the subject, 1 to 128 printable ASCII characters without spaces. It is recorded as the actor',
    '  of every ledger entry the request appends.',
    `- ${code(GROUPS_CLAIM)}: the role, one of ${API_ROLES.map(code).join(', ')} (Cognito groups). A JSON array,`,
    "  API Gateway's flattened form `[evaluator ministry]`, and a comma- or space-separated list are all read;",
    '  other group names are ignored. With several groups, the caller acts in the first one the route allows.',
    `- ${code(CONTRACTS_CLAIM)}: the contracts the subject may act on: \`*\` for all, or a comma- or`,
    "  space-separated list of contract ids. The contract acted on is the path's `{contract}`, or the body's",
    '  `id` when registering a contract; any other contract is 403.',
    '',
    'Example claims of an evaluator of one contract:',
    '',
    '```json',
    JSON.stringify(
      { sub: 'evaluator-1', [GROUPS_CLAIM]: ['evaluator'], [CONTRACTS_CLAIM]: 'second-chance-kamchatka' },
      null,
      2,
    ),
    '```',
    '',
  ];
}
/** The problem documents: their members, statuses and types. */
function errorsSection(): string[] {
  return [
    '## Errors',
    '',
    'Every error is an RFC 9457 problem document, `Content-Type: application/problem+json`:',
    '',
    '| member | meaning |',
    '|---|---|',
    '| `type` | `about:blank`, or a `urn:sib-ledger:problem:…` URI with more meaning (below) |',
    '| `title` | a short summary of the kind of problem |',
    '| `status` | the HTTP status code |',
    '| `detail` | what went wrong with this request; for 5xx a generic text, internals stay in the logs |',
    '| `instance` | the request path |',
    '| `requestId` | the request id, also in the `x-request-id` header of every answer and in every log line |',
    '| `errors` | on 422, every problem found: `{at, field, message}` (`at`: record index or CSV line) |',
    '',
    '| status | when |',
    '|---|---|',
    ...Object.entries(ERRORS).map(([status, when]) => `| ${status} | ${cell(when)} |`),
    '',
    '| type | meaning |',
    '|---|---|',
    `| ${code(PROBLEM_TYPES.validation)} | the request was refused whole (422); \`errors\` lists every problem |`,
    `| ${code(PROBLEM_TYPES.conflict)} | it contradicts what is recorded (409); the details are extension members |`,
    `| ${code(PROBLEM_TYPES.integrity)} | stored data failed verification (500); never the caller's doing |`,
    `| ${code(PROBLEM_TYPES.unavailable)} | a dependency did not answer in time (503); retrying is safe |`,
    '',
  ];
}
if (import.meta.main) {
  writeFileSync(new URL('../../docs/api.md', import.meta.url), apiMarkdown());
}
