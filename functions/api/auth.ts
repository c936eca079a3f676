import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ForbiddenError } from '#kernel';
import { type Actor, ActorSchema, ROLES, type Role } from '#ledger';
import { UnauthorizedError } from '../shared/problem.ts';
import type { RouteDef } from './routes.ts';

/**
 * Who is calling, from the claims of a JWT that API Gateway's authorizer (in
 * AWS) or the local gateway (infra/local/gateway.ts) has verified before the
 * handler runs: `sub`, the role from `cognito:groups`, and the contracts the
 * subject may act on from `custom:contracts` (`*` for all, or a comma- or
 * space-separated list). A handler never sees an unverified token.
 */

export const GROUPS_CLAIM = 'cognito:groups';
export const CONTRACTS_CLAIM = 'custom:contracts';

export interface Caller {
  readonly sub: string;
  /** The role the caller acts in on this route. */
  readonly role: Role;
  readonly contracts: '*' | readonly string[];
}

type Claims = Record<string, unknown>;

/** The verified claims of the request, if any. */
export function claimsOf(event: APIGatewayProxyEventV2): Claims | undefined {
  return (event.requestContext as { authorizer?: { jwt?: { claims?: Claims } } } | undefined)?.authorizer?.jwt?.claims;
}

/**
 * A list claim in any of the forms it reaches a handler in: a JSON array, API
 * Gateway's flattened `[a b]`, or `a,b` / `a b`.
 */
export function listClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String).filter((v) => v !== '');
  if (typeof value !== 'string') return [];
  const text = value.trim().replace(/^\[(.*)\]$/s, '$1');
  return text
    .split(/[\s,]+/)
    .map((v) => v.replace(/^"(.*)"$/, '$1'))
    .filter((v) => v !== '');
}

/**
 * The caller of `route`: 401 without verified claims or a subject; 403 when
 * none of the caller's groups may call the route, or when the route's
 * contract (from the path) is not one the token allows.
 */
export function authorize(event: APIGatewayProxyEventV2, route: RouteDef): Caller | undefined {
  if (route.roles === 'public') return undefined;
  const claims = claimsOf(event);
  const sub = claims?.sub;
  if (claims === undefined || typeof sub !== 'string' || sub === '') {
    throw new UnauthorizedError('a valid bearer token is required');
  }
  if (!ActorSchema.shape.sub.safeParse(sub).success) {
    throw new UnauthorizedError('the token subject must be 1 to 128 printable ASCII characters without spaces');
  }
  const groups = listClaim(claims[GROUPS_CLAIM]).filter((g): g is Role => (ROLES as readonly string[]).includes(g));
  const role = groups.find((g) => (route.roles as readonly Role[]).includes(g));
  if (role === undefined) {
    throw new ForbiddenError(
      `${groups.length === 0 ? 'a caller with no role' : `the ${groups.join(', ')} role`} may not call ${route.id} (${route.method} ${route.path}); allowed roles: ${(route.roles as readonly Role[]).join(', ')}`,
    );
  }
  const listed = listClaim(claims[CONTRACTS_CLAIM]);
  const contracts: Caller['contracts'] = listed.includes('*') ? '*' : listed;
  const caller: Caller = { sub, role, contracts };
  if (route.contract === 'path') assertContract(caller, event.pathParameters?.contract ?? '');
  return caller;
}

/** 403 unless the caller may act on `contract`. */
export function assertContract(caller: Caller, contract: string): void {
  if (caller.contracts === '*' || caller.contracts.includes(contract)) return;
  throw new ForbiddenError(`this token does not allow acting on contract ${contract}`);
}

/** The ledger actor of a caller. */
export function actorOf(caller: Caller): Actor {
  return { sub: caller.sub, role: caller.role };
}
