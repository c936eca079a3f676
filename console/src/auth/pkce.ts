/**
 * Cognito's hosted UI, authorization code flow with PKCE (RFC 7636, S256),
 * the parts that touch no page: the random verifier and state, the
 * authorization URL, and the code's exchange at `${domain}/oauth2/token`
 * (checking the state and the ID token's claims). oauth4webapi does the
 * protocol (decision 0012), so nothing here is hand-rolled crypto or
 * parsing. The page side (sessionStorage, redirects) is cognito.ts; this
 * module is what the unit tests run in Node.
 */
import * as oauth from 'oauth4webapi';
import type { AuthConfig } from '../lib/config.ts';

export type CognitoConfig = Extract<AuthConfig, { mode: 'cognito' }>;

/** What the browser keeps between the redirect to the hosted UI and the callback. */
export interface PendingSignIn {
  readonly verifier: string;
  readonly state: string;
  /** The console path to return to after signing in. */
  readonly next: string;
}

export const DEFAULT_SCOPES: readonly string[] = ['openid', 'email', 'profile'];

/** An http:// URL of this machine (127.0.0.1, [::1], localhost). */
export function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname);
  } catch {
    return false;
  }
}

/** The hosted UI as an OAuth authorization server (its issuer is the user pool's). */
export function authorizationServer(auth: CognitoConfig): oauth.AuthorizationServer {
  const base = auth.domain.replace(/\/+$/, '');
  return {
    issuer: auth.issuer,
    authorization_endpoint: `${base}/oauth2/authorize`,
    token_endpoint: `${base}/oauth2/token`,
  };
}

/** The S256 code challenge of a verifier: BASE64URL(SHA-256(ASCII(verifier))). */
export function codeChallenge(verifier: string): Promise<string> {
  return oauth.calculatePKCECodeChallenge(verifier);
}

/** A fresh verifier (32 random bytes, base64url: 43 characters) and state. */
export function newPendingSignIn(next: string): PendingSignIn {
  return { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), next };
}

/** The hosted UI's authorization URL for a pending sign-in. */
export async function authorizeUrl(auth: CognitoConfig, pending: PendingSignIn): Promise<URL> {
  const endpoint = authorizationServer(auth).authorization_endpoint;
  const url = new URL(endpoint ?? '');
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', auth.clientId);
  url.searchParams.set('redirect_uri', auth.redirectUri);
  url.searchParams.set('scope', (auth.scopes ?? DEFAULT_SCOPES).join(' '));
  url.searchParams.set('state', pending.state);
  url.searchParams.set('code_challenge', await codeChallenge(pending.verifier));
  url.searchParams.set('code_challenge_method', 'S256');
  return url;
}

/**
 * The callback's code exchanged for tokens: the state must be the pending
 * one (else nothing is asked of the token endpoint), the form carries
 * grant_type, client_id, code, redirect_uri and code_verifier, and the ID
 * token's issuer, audience and expiry are checked. Answers the ID token
 * (it carries `cognito:groups` and `custom:contracts`). Throws on an error
 * answer, a wrong state or a bad token.
 */
export async function exchangeCode(
  auth: CognitoConfig,
  pending: PendingSignIn,
  callback: URL,
  fetchImpl?: typeof fetch,
): Promise<string> {
  const as = authorizationServer(auth);
  const client: oauth.Client = { client_id: auth.clientId };
  const params = oauth.validateAuthResponse(as, client, callback, pending.state);
  const options = {
    ...(fetchImpl === undefined ? {} : { [oauth.customFetch]: fetchImpl }),
    // Plain HTTP only to this machine (a local stand-in for the hosted UI, in tests); anything else must be HTTPS.
    ...(isLoopbackHttp(auth.domain) ? { [oauth.allowInsecureRequests]: true } : {}),
  };
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    oauth.None(),
    params,
    auth.redirectUri,
    pending.verifier,
    options,
  );
  const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { requireIdToken: true });
  if (tokens.id_token === undefined) throw new Error('the token endpoint answered no ID token');
  return tokens.id_token;
}
