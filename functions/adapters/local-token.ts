/**
 * The local stack's API tokens: JWTs signed with an Ed25519 key in
 * `<dataDir>/keys/api-token.pem` (PKCS#8 PEM, created on first use, mode
 * 0600), standing in for Cognito. `sib login` issues them and the local
 * gateway (infra/local/gateway.ts) verifies them before any handler runs,
 * exactly as API Gateway's JWT authorizer does in AWS. The claims are
 * Cognito's: `sub`, the role in `cognito:groups`, and the contracts the
 * subject may act on in `custom:contracts` (comma-separated, or `*`).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { join, resolve } from 'node:path';
import { decodeProtectedHeader, errors, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { ValidationError } from '#kernel';
import { ActorSchema, ContractIdSchema, type Role } from '#ledger';
import { openKeyFile } from './local-key-file.ts';

export const TOKEN_KEY_FILE = 'api-token.pem';
export const TOKEN_ISSUER = 'sib-ledger.local';
export const TOKEN_AUDIENCE = 'sib-ledger-api';
export const TOKEN_ALG = 'EdDSA';
export const DEFAULT_TOKEN_TTL_SECONDS = 8 * 3600;
/** Development tokens live at most a week. */
export const MAX_TOKEN_TTL_SECONDS = 7 * 24 * 3600;
/** How far ahead of this clock a token's issue time may be: the issuer's clock may run a little fast. */
export const CLOCK_SKEW_SECONDS = 60;

/** The roles a person acts in through the API (`system` is the ledger's own, never a caller's). */
export const API_ROLES = ['operator', 'ministry', 'investor', 'evaluator'] as const satisfies readonly Role[];
export type ApiRole = (typeof API_ROLES)[number];

export interface TokenClaims extends JWTPayload {
  readonly sub: string;
  readonly 'cognito:groups': string[];
  readonly 'custom:contracts': string;
  readonly iat: number;
  readonly exp: number;
}

export interface IssueTokenOptions {
  readonly dataDir: string;
  readonly sub: string;
  readonly role: ApiRole;
  /** The contracts the subject may act on, or `*` for all. */
  readonly contracts: readonly string[] | '*';
  /** Default 8 hours, at most a week. */
  readonly ttlSeconds?: number;
  /** The issue time (tests). */
  readonly now?: Date;
}

export interface IssuedToken {
  readonly token: string;
  readonly claims: TokenClaims;
  readonly expiresAt: Date;
}

/** Why a token was refused. */
export type TokenFailure =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'expired'
  /** Issued later than now, beyond the clock skew allowed. */
  | 'issued-in-future'
  /** exp - iat is not between 1 second and MAX_TOKEN_TTL_SECONDS. */
  | 'lifetime'
  | 'claims';

/** A refused token: `reason` for code, the message for the client (it names no key and no internals). */
export class TokenError extends Error {
  readonly reason: TokenFailure;
  constructor(reason: TokenFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenError';
    this.reason = reason;
  }
}

interface TokenKey {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const keys = new Map<string, Promise<TokenKey>>();

async function loadKey(keyFile: string): Promise<TokenKey> {
  const { bytes } = await openKeyFile(keyFile, {
    kind: 'API token key',
    generate: () =>
      new TextEncoder().encode(
        generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      ),
  });
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: bytes.toString('utf8'), format: 'pem' });
  } catch (error) {
    throw new ValidationError(`${keyFile} is not a PEM private key`, [], { cause: error });
  } finally {
    bytes.fill(0);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ValidationError(`${keyFile} holds a ${privateKey.asymmetricKeyType} key, not Ed25519`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** The path of the token key of a data dir. */
export function tokenKeyFile(dataDir: string): string {
  return join(resolve(dataDir), 'keys', TOKEN_KEY_FILE);
}

/** The data dir's token key, created on first use; read once per process. */
function tokenKey(dataDir: string): Promise<TokenKey> {
  const file = tokenKeyFile(dataDir);
  let key = keys.get(file);
  if (key === undefined) {
    key = loadKey(file);
    keys.set(file, key);
    // A failure (a bad mode, say) is reported again on the next use, after the user fixed it.
    key.catch(() => keys.delete(file));
  }
  return key;
}

/** Issues a development token signed with the data dir's token key. */
export async function issueToken(options: IssueTokenOptions): Promise<IssuedToken> {
  if (!ActorSchema.shape.sub.safeParse(options.sub).success) {
    throw new ValidationError('the subject must be 1 to 128 printable ASCII characters without spaces');
  }
  if (!(API_ROLES as readonly string[]).includes(options.role)) {
    throw new ValidationError(`unknown role ${JSON.stringify(options.role)} (one of ${API_ROLES.join(', ')})`);
  }
  let contracts: string;
  if (options.contracts === '*') contracts = '*';
  else {
    if (options.contracts.length === 0) throw new ValidationError('a token names at least one contract (or *)');
    const bad = options.contracts.find((c) => !ContractIdSchema.safeParse(c).success);
    if (bad !== undefined) throw new ValidationError(`invalid contract id ${JSON.stringify(bad)}`);
    contracts = [...new Set(options.contracts)].join(',');
  }
  const ttl = options.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isSafeInteger(ttl) || ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) {
    throw new ValidationError(`the token lifetime must be 1 to ${MAX_TOKEN_TTL_SECONDS} seconds, not ${ttl}`);
  }
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const claims: TokenClaims = {
    iss: TOKEN_ISSUER,
    aud: TOKEN_AUDIENCE,
    sub: options.sub,
    'cognito:groups': [options.role],
    'custom:contracts': contracts,
    iat,
    exp: iat + ttl,
  };
  const { privateKey } = await tokenKey(options.dataDir);
  const token = await new SignJWT(claims).setProtectedHeader({ alg: TOKEN_ALG, typ: 'JWT' }).sign(privateKey);
  return { token, claims, expiresAt: new Date(claims.exp * 1000) };
}

/** Refuses a token issued in the future (beyond the skew allowed) or living longer than tokens may. */
function checkTimes(payload: JWTPayload, now: Date): void {
  const { iat, exp } = payload;
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp)) {
    throw new TokenError('claims', "the token's iat and exp claims must be whole seconds");
  }
  const ahead = (iat as number) - Math.floor(now.getTime() / 1000);
  if (ahead > CLOCK_SKEW_SECONDS) {
    throw new TokenError(
      'issued-in-future',
      `the token was issued ${ahead} seconds in the future (iat ${iat}), more than the ${CLOCK_SKEW_SECONDS} seconds of clock skew allowed`,
    );
  }
  const lifetime = (exp as number) - (iat as number);
  if (lifetime < 1 || lifetime > MAX_TOKEN_TTL_SECONDS) {
    throw new TokenError(
      'lifetime',
      `the token lives ${lifetime} seconds (exp - iat), not 1 to ${MAX_TOKEN_TTL_SECONDS} seconds`,
    );
  }
}

function refusal(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTExpired) return new TokenError('expired', 'the token has expired', { cause: error });
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return new TokenError('algorithm', `tokens must be signed with ${TOKEN_ALG}`, { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new TokenError('signature', 'the token signature does not verify', { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    const claim = error.claim;
    const what =
      claim === 'iss'
        ? `the token was not issued by ${TOKEN_ISSUER}`
        : claim === 'aud'
          ? `the token is not for ${TOKEN_AUDIENCE}`
          : `the token's ${claim} claim is missing or invalid`;
    return new TokenError('claims', what, { cause: error });
  }
  return new TokenError('malformed', 'the token is not a well-formed JWT', { cause: error });
}

/**
 * The claims of a token signed with the data dir's token key, for this API;
 * throws a TokenError saying why not: missing, malformed, another algorithm
 * than EdDSA (`none` included), a bad signature, expired, issued more than
 * CLOCK_SKEW_SECONDS ahead of now, a lifetime (exp - iat) over
 * MAX_TOKEN_TTL_SECONDS, or another issuer or audience.
 */
export async function verifyToken(
  dataDir: string,
  token: string | undefined,
  options: { now?: Date } = {},
): Promise<TokenClaims> {
  try {
    if (token === undefined || token === '') throw new TokenError('missing', 'a bearer token is required');
    let alg: unknown;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch (error) {
      throw new TokenError('malformed', 'the token is not a well-formed JWT', { cause: error });
    }
    // Checked before anything else looks at the token: an unsigned (`none`) or HMAC token never gets further.
    if (alg !== TOKEN_ALG) throw new TokenError('algorithm', `tokens must be signed with ${TOKEN_ALG}`);
    const { publicKey } = await tokenKey(dataDir);
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: [TOKEN_ALG],
      issuer: TOKEN_ISSUER,
      audience: TOKEN_AUDIENCE,
      requiredClaims: ['sub', 'iat', 'exp'],
      ...(options.now === undefined ? {} : { currentDate: options.now }),
    });
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new TokenError('claims', "the token's sub claim is missing or invalid");
    }
    checkTimes(payload, options.now ?? new Date());
    return payload as TokenClaims;
  } catch (error) {
    throw refusal(error);
  }
}
