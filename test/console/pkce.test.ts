/**
 * The console's Cognito sign-in protocol (console/src/auth/pkce.ts): the S256
 * challenge against RFC 7636 Appendix B, the authorization URL, and the code
 * exchange (the form sent to /oauth2/token, the state and ID token checks),
 * against a fake token endpoint.
 */
import { describe, expect, it } from 'vitest';
import {
  authorizeUrl,
  type CognitoConfig,
  codeChallenge,
  exchangeCode,
  newPendingSignIn,
} from '../../console/src/auth/pkce.ts';

const AUTH: CognitoConfig = {
  mode: 'cognito',
  domain: 'https://sib.auth.eu-central-1.amazoncognito.com',
  issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_TEST',
  clientId: 'console-client',
  redirectUri: 'https://console.example/auth/callback',
  logoutUri: 'https://console.example/sign-in',
};

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An ID token as Cognito shapes it (the console does not check its signature: the API does). */
function idToken(claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: AUTH.issuer,
    aud: AUTH.clientId,
    sub: 'official-1',
    iat: now,
    exp: now + 3600,
    'cognito:groups': ['ministry'],
    'custom:contracts': 'second-chance-kamchatka',
    ...claims,
  };
  return `${b64url({ alg: 'RS256', kid: 'k1' })}.${b64url(payload)}.${Buffer.from('sig').toString('base64url')}`;
}

function fakeTokenEndpoint(token: string) {
  const calls: { url: string; body: URLSearchParams; contentType: string | null }[] = [];
  const impl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = new Headers(init?.headers);
    calls.push({
      url: String(input),
      body: new URLSearchParams(String(init?.body)),
      contentType: headers.get('content-type'),
    });
    return new Response(
      JSON.stringify({ id_token: token, access_token: 'a', token_type: 'Bearer', expires_in: 3600 }),
      {
        status: 200,
        headers: { 'content-type': 'application/json' },
      },
    );
  }) as typeof fetch;
  return { calls, impl };
}

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 Appendix B', async () => {
    expect(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes a fresh verifier of unreserved characters, 43 to 128 long, and a fresh state each time', () => {
    const a = newPendingSignIn('/');
    const b = newPendingSignIn('/');
    expect(a.verifier).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.state).not.toBe(b.state);
  });

  it('sends the hosted UI the code flow with the S256 challenge of the verifier and the state', async () => {
    const pending = { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', state: 'st-1', next: '/' };
    const url = await authorizeUrl(AUTH, pending);
    expect(url.origin + url.pathname).toBe(`${AUTH.domain}/oauth2/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: AUTH.clientId,
      redirect_uri: AUTH.redirectUri,
      scope: 'openid email profile',
      state: 'st-1',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    });
  });

  it('exchanges the code with the verifier as a form and answers the ID token', async () => {
    const pending = newPendingSignIn('/c/x');
    const token = idToken({});
    const endpoint = fakeTokenEndpoint(token);
    const callback = new URL(`${AUTH.redirectUri}?code=the-code&state=${pending.state}`);
    expect(await exchangeCode(AUTH, pending, callback, endpoint.impl)).toBe(token);
    expect(endpoint.calls).toHaveLength(1);
    const [call] = endpoint.calls;
    expect(call?.url).toBe(`${AUTH.domain}/oauth2/token`);
    expect(call?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(Object.fromEntries(call?.body ?? [])).toEqual({
      grant_type: 'authorization_code',
      client_id: AUTH.clientId,
      code: 'the-code',
      redirect_uri: AUTH.redirectUri,
      code_verifier: pending.verifier,
    });
  });

  it('refuses a callback whose state is not the pending one, asking nothing of the token endpoint', async () => {
    const pending = newPendingSignIn('/');
    const endpoint = fakeTokenEndpoint(idToken({}));
    const callback = new URL(`${AUTH.redirectUri}?code=the-code&state=someone-elses`);
    await expect(exchangeCode(AUTH, pending, callback, endpoint.impl)).rejects.toThrow(/state/);
    expect(endpoint.calls).toHaveLength(0);
  });

  it('refuses an error answer of the hosted UI', async () => {
    const pending = newPendingSignIn('/');
    const endpoint = fakeTokenEndpoint(idToken({}));
    const callback = new URL(`${AUTH.redirectUri}?error=access_denied&state=${pending.state}`);
    await expect(exchangeCode(AUTH, pending, callback, endpoint.impl)).rejects.toThrow();
    expect(endpoint.calls).toHaveLength(0);
  });

  it('speaks plain HTTP to a stand-in on this machine only', async () => {
    const pending = newPendingSignIn('/');
    const token = idToken({});
    const local = { ...AUTH, domain: 'http://127.0.0.1:9/cognito' };
    const callback = new URL(`${AUTH.redirectUri}?code=c&state=${pending.state}`);
    expect(await exchangeCode(local, pending, callback, fakeTokenEndpoint(token).impl)).toBe(token);
    const remote = { ...AUTH, domain: 'http://sib.auth.example.com' };
    await expect(exchangeCode(remote, pending, callback, fakeTokenEndpoint(token).impl)).rejects.toThrow(/HTTPS/);
  });

  it('refuses an ID token of another issuer or audience', async () => {
    for (const claims of [{ iss: 'https://evil.example' }, { aud: 'another-client' }]) {
      const pending = newPendingSignIn('/');
      const endpoint = fakeTokenEndpoint(idToken(claims));
      const callback = new URL(`${AUTH.redirectUri}?code=c&state=${pending.state}`);
      await expect(exchangeCode(AUTH, pending, callback, endpoint.impl)).rejects.toThrow();
    }
  });
});
