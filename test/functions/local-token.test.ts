import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CLOCK_SKEW_SECONDS,
  issueToken,
  MAX_TOKEN_TTL_SECONDS,
  TOKEN_AUDIENCE,
  TOKEN_ISSUER,
  TokenError,
  type TokenFailure,
  tokenKeyFile,
  verifyToken,
} from '../../functions/adapters/local-token.ts';

let dataDir: string;
let otherDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sib-token-'));
  otherDir = await mkdtemp(join(tmpdir(), 'sib-token-other-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
  await rm(otherDir, { recursive: true, force: true });
});

const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The reason verifyToken refuses `token` with. */
async function refusal(token: string | undefined, dir = dataDir): Promise<TokenFailure> {
  const error = await verifyToken(dir, token).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenError);
  return (error as TokenError).reason;
}

const operator = () => issueToken({ dataDir, sub: 'op-1', role: 'operator', contracts: ['c-1', 'c-2'] });

describe('issueToken and verifyToken', () => {
  it('issues an EdDSA JWT with the Cognito claims that verifies, from a 0600 key file', async () => {
    // Act
    const { token, claims, expiresAt } = await operator();
    const verified = await verifyToken(dataDir, token);

    // Assess
    const [header] = token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'EdDSA', typ: 'JWT' });
    expect(verified).toEqual(claims);
    expect(verified).toMatchObject({
      iss: TOKEN_ISSUER,
      aud: TOKEN_AUDIENCE,
      sub: 'op-1',
      'cognito:groups': ['operator'],
      'custom:contracts': 'c-1,c-2',
    });
    expect(verified.exp - verified.iat).toBe(8 * 3600);
    expect(expiresAt.getTime()).toBe(verified.exp * 1000);
    expect((await stat(tokenKeyFile(dataDir))).mode & 0o777).toBe(0o600);
    expect(await readFile(tokenKeyFile(dataDir), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('writes * for all contracts and honours the lifetime', async () => {
    // Act
    const { token } = await issueToken({ dataDir, sub: 'm', role: 'ministry', contracts: '*', ttlSeconds: 60 });

    // Assess
    const claims = await verifyToken(dataDir, token);
    expect(claims['custom:contracts']).toBe('*');
    expect(claims.exp - claims.iat).toBe(60);
  });

  it('refuses to issue for a bad subject, role, contract or lifetime', async () => {
    // Act and assess
    const base = { dataDir, sub: 'op-1', role: 'operator', contracts: ['c-1'] } as const;
    await expect(issueToken({ ...base, sub: 'has space' })).rejects.toThrow(/subject/);
    await expect(issueToken({ ...base, role: 'system' as never })).rejects.toThrow(/unknown role/);
    await expect(issueToken({ ...base, contracts: ['../etc'] })).rejects.toThrow(/invalid contract id/);
    await expect(issueToken({ ...base, contracts: [] })).rejects.toThrow(/at least one contract/);
    await expect(issueToken({ ...base, ttlSeconds: 0 })).rejects.toThrow(/lifetime/);
  });

  it('refuses an expired token', async () => {
    // Prepare: issued ten hours ago for one hour.
    const { token } = await issueToken({
      dataDir,
      sub: 'op-1',
      role: 'operator',
      contracts: ['c-1'],
      ttlSeconds: 3600,
      now: new Date(Date.now() - 10 * 3600_000),
    });

    // Act and assess
    expect(await refusal(token)).toBe('expired');
  });

  it("refuses a token signed with another data dir's key", async () => {
    // Prepare
    const { token } = await issueToken({ dataDir: otherDir, sub: 'op-1', role: 'operator', contracts: '*' });

    // Act and assess
    expect(await refusal(token)).toBe('signature');
    expect((await verifyToken(otherDir, token)).sub).toBe('op-1');
  });

  it('refuses a hand-made alg: none token, and an HS256 one keyed with public material', async () => {
    // Prepare
    const claims = decodeJwt((await operator()).token);
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ ...claims, 'custom:contracts': '*' })}.`;
    const hs256 = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('-----BEGIN PUBLIC KEY-----'));

    // Act and assess
    expect(await refusal(none)).toBe('algorithm');
    expect(await refusal(hs256)).toBe('algorithm');
  });

  it('refuses a token whose payload was changed after signing', async () => {
    // Prepare: the operator's token made a ministry one for every contract, signature kept.
    const [header, payload, signature] = (await operator()).token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = b64url({ ...claims, 'cognito:groups': ['ministry'], 'custom:contracts': '*' });

    // Act and assess
    expect(await refusal(`${header}.${forged}.${signature}`)).toBe('signature');
  });

  it('refuses another issuer or audience, even signed with the right key', async () => {
    // Prepare
    await operator(); // the key exists
    const key = createPrivateKey(await readFile(tokenKeyFile(dataDir), 'utf8'));
    const sign = (claims: Record<string, unknown>) =>
      new SignJWT({ sub: 'op-1', 'cognito:groups': ['operator'], 'custom:contracts': '*', ...claims })
        .setProtectedHeader({ alg: 'EdDSA' })
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);

    // Act and assess
    expect(await refusal(await sign({ iss: 'someone-else', aud: TOKEN_AUDIENCE }))).toBe('claims');
    expect(await refusal(await sign({ iss: TOKEN_ISSUER, aud: 'another-api' }))).toBe('claims');
    expect(await refusal(await sign({ aud: TOKEN_AUDIENCE }))).toBe('claims');
  });

  describe('issue time and lifetime', () => {
    const now = () => Math.floor(Date.now() / 1000);
    const YEAR = 365 * 24 * 3600;
    /** A token signed with the data dir's own key, with the given iat and exp. */
    const signed = async (iat: number, exp: number) => {
      await operator(); // the key exists
      const key = createPrivateKey(await readFile(tokenKeyFile(dataDir), 'utf8'));
      return new SignJWT({
        iss: TOKEN_ISSUER,
        aud: TOKEN_AUDIENCE,
        sub: 'op-1',
        'cognito:groups': ['operator'],
        'custom:contracts': '*',
        iat,
        exp,
      })
        .setProtectedHeader({ alg: 'EdDSA' })
        .sign(key);
    };
    /** The refusal of `token`, reason and message. */
    const refused = async (token: string) => {
      const error = await verifyToken(dataDir, token).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TokenError);
      return { reason: (error as TokenError).reason, message: (error as TokenError).message };
    };

    it('refuses a token issued ten years ahead, saying so', async () => {
      // Act
      const { reason, message } = await refused(await signed(now() + 10 * YEAR, now() + 10 * YEAR + 3600));

      // Assess
      expect(reason).toBe('issued-in-future');
      expect(message).toMatch(/issued \d+ seconds in the future .*more than the 60 seconds of clock skew allowed/);
    });

    it('refuses a token that expires a century away, saying so', async () => {
      // Act
      const { reason, message } = await refused(await signed(now(), now() + 100 * YEAR));

      // Assess
      expect(reason).toBe('lifetime');
      expect(message).toBe(
        `the token lives ${100 * YEAR} seconds (exp - iat), not 1 to ${MAX_TOKEN_TTL_SECONDS} seconds`,
      );
    });

    it('refuses a lifetime one second over the maximum, and an exp not after iat', async () => {
      // Prepare
      const iat = now() - 10;

      // Act and assess
      expect((await refused(await signed(iat, iat + MAX_TOKEN_TTL_SECONDS + 1))).reason).toBe('lifetime');
      expect((await refused(await signed(iat, iat))).reason).toBe('expired');
      expect((await verifyToken(dataDir, await signed(iat, iat + MAX_TOKEN_TTL_SECONDS))).iat).toBe(iat);
    });

    it('accepts a token issued within the clock skew ahead, and refuses one just beyond it', async () => {
      // Prepare: a fixed "now", so the margins are exact.
      const at = now();
      const within = await signed(at + CLOCK_SKEW_SECONDS, at + CLOCK_SKEW_SECONDS + 3600);
      const beyond = await signed(at + CLOCK_SKEW_SECONDS + 1, at + CLOCK_SKEW_SECONDS + 3600);
      const nowDate = new Date(at * 1000);

      // Act
      const accepted = await verifyToken(dataDir, within, { now: nowDate });
      const error = await verifyToken(dataDir, beyond, { now: nowDate }).catch((e: unknown) => e);

      // Assess
      expect(accepted.sub).toBe('op-1');
      expect((error as TokenError).reason).toBe('issued-in-future');
    });
  });

  it('refuses a missing or malformed token', async () => {
    // Act and assess
    expect(await refusal(undefined)).toBe('missing');
    expect(await refusal('')).toBe('missing');
    expect(await refusal('not-a-jwt')).toBe('malformed');
    expect(await refusal('a.b.c')).toBe('malformed');
  });
});
