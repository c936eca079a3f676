/**
 * The development sign-in of the local stack (the `api/dev` routes of
 * routes.ts, `localOnly`: the CDK stack deploys neither them nor this module):
 * what the web console's sign-in page offers (the roles, the registered
 * contracts, suggested subjects) and a development token for the chosen
 * subject, role and contracts, issued exactly as `sib login` issues it
 * (functions/adapters/local-token.ts). Tokens for a deployed API come from its
 * Cognito user pool: anywhere but a local stack (a Lambda, or a stack whose
 * tables are not on this machine) both routes refuse with 404, as if absent.
 *
 * Suggested subjects: those a local scenario left in `<data dir>/sign-in.json`
 * (the demo's deciding subjects, written by `npm start`), then `local-<role>`
 * for each role, the subject `sib login` uses by default.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import * as z from 'zod';
import { NotFoundError } from '#kernel';
import { ActorSchema, ContractIdSchema } from '#ledger';
import { API_ROLES, type ApiRole, issueToken } from '../adapters/local-token.ts';
import { runtime } from '../shared/composition.ts';
import { BadRequestError } from '../shared/problem.ts';
import {
  SIGN_IN_FILE,
  SignInFileSchema,
  type SuggestedSubject,
  SuggestedSubjectSchema,
} from '../shared/sign-in-subjects.ts';
import { ContractSummarySchema, listContracts } from './contract-list.ts';
import { apiHandler, defineRoute, json } from './http.ts';

export const SignInOptionsSchema = z.strictObject({
  roles: z.array(z.enum(API_ROLES)),
  contracts: z.array(z.strictObject({ id: ContractIdSchema, title: ContractSummarySchema.shape.title })),
  subjects: z.array(SuggestedSubjectSchema),
});

/** The token request as documented; the handler checks it itself, so that a bad field is a 400 naming it. */
export const DevTokenBodySchema = z.strictObject({
  subject: ActorSchema.shape.sub.describe('the token subject: 1 to 128 printable ASCII characters without spaces'),
  role: z.enum(API_ROLES).describe('the role to act in'),
  contracts: z
    .array(z.union([ContractIdSchema, z.literal('*')]))
    .min(1)
    .describe('the contracts the token may act on, or ["*"] for all'),
});

export const DevTokenSchema = z.strictObject({
  token: z.string().describe('a development JWT for the local gateway (Authorization: Bearer)'),
  expiresAt: z.int().describe('when it expires, seconds since the epoch'),
  subject: z.string(),
  role: z.enum(API_ROLES),
  contracts: z.array(z.union([ContractIdSchema, z.literal('*')])).describe('as asked: contract ids, or ["*"]'),
});

const LOOPBACK = new Set(['127.0.0.1', '[::1]', '::1', 'localhost']);

/** The local stack's data dir, or 404 anywhere else: development tokens exist on a local stack only. */
async function localDataDir(): Promise<string> {
  const refuse = () =>
    new NotFoundError(
      'the development sign-in exists on the local stack only: a deployed API signs in through its Cognito user pool',
    );
  const dir = process.env.SIB_DATA_DIR;
  if (process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined || dir === undefined || dir === '') throw refuse();
  const rt = await runtime();
  let host: string;
  try {
    host = new URL(rt.stack.dynamodb.endpoint).hostname;
  } catch {
    throw refuse();
  }
  if (!LOOPBACK.has(host)) throw refuse();
  return resolve(dir);
}

/** The subjects a local scenario suggested (none if it wrote no file, or an unreadable one). */
async function scenarioSubjects(dir: string): Promise<SuggestedSubject[]> {
  let text: string;
  try {
    text = await readFile(join(dir, SIGN_IN_FILE), 'utf8');
  } catch {
    return [];
  }
  try {
    const parsed = SignInFileSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data.subjects : [];
  } catch {
    return [];
  }
}

/** The body's fields, each checked; every bad one is a problem naming it (400). */
function tokenRequest(body: unknown): z.infer<typeof DevTokenBodySchema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new BadRequestError('the body must be a JSON object: { subject, role, contracts }', {
      problems: [{ field: '(body)', message: 'must be a JSON object with subject, role and contracts' }],
    });
  }
  const parsed = DevTokenBodySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => ({
    field: i.path.length === 0 ? '(body)' : i.path.map(String).join('.'),
    message:
      i.path[0] === 'role'
        ? `must be one of ${API_ROLES.join(', ')}`
        : i.path[0] === 'contracts'
          ? 'must be a non-empty list of contract ids, or ["*"] for all'
          : i.message,
  }));
  throw new BadRequestError(
    `the token request is invalid: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`,
    { problems },
  );
}

export const IMPLS = {
  devSignIn: defineRoute({ response: SignInOptionsSchema, status: 200 }, async () => {
    const dir = await localDataDir();
    const rt = await runtime();
    const contracts = (await listContracts(rt.log, '*')).map((c) => ({ id: c.id, title: c.title }));
    const suggested = await scenarioSubjects(dir);
    const defaults = API_ROLES.map((role) => ({ subject: `local-${role}`, role, label: `sib login --as ${role}` }));
    const seen = new Set(suggested.map((s) => s.subject));
    return json(200, {
      roles: [...API_ROLES],
      contracts,
      subjects: [...suggested, ...defaults.filter((s) => !seen.has(s.subject))],
    });
  }),

  issueDevToken: defineRoute({ body: z.unknown(), response: DevTokenSchema, status: 200 }, async ({ body }) => {
    const request = tokenRequest(body);
    const dir = await localDataDir();
    const all = request.contracts.includes('*');
    const issued = await issueToken({
      dataDir: dir,
      sub: request.subject,
      role: request.role as ApiRole,
      contracts: all ? '*' : request.contracts,
    });
    return json(200, {
      token: issued.token,
      expiresAt: Math.floor(issued.expiresAt.getTime() / 1000),
      subject: request.subject,
      role: request.role,
      contracts: all ? ['*'] : request.contracts,
    });
  }),
};

export { SIGN_IN_FILE };

export const handler = apiHandler(IMPLS);
