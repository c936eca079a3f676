/**
 * The official's browser key (console/src/crypto/party-key.ts) under Node's
 * WebCrypto: a non-extractable Ed25519 pair signs a decision statement as a
 * note the server's own check accepts, and a subject becomes a valid key
 * name. (IndexedDB, where the pages keep the pair, is the browser tests'.)
 */
import { describe, expect, it } from 'vitest';
import { checkSignedStatement, decisionStatement, isValidKeyName, openNote, parseVerifierKey } from '#ledger';
import { described, keyNameOf, signStatement } from '../../console/src/crypto/party-key.ts';
import type { WebCryptoKeyPair } from '../../console/src/crypto/signer.ts';

const STATEMENT = decisionStatement({
  contract: 'second-chance-kamchatka',
  payment: 13,
  period: 'y1',
  step: 'approved',
  result: 'a'.repeat(64),
  summary: 'b'.repeat(64),
  total: '3000000000',
  minorUnit: 2,
  currency: 'RUB',
});

describe('the browser party key', () => {
  it('makes a valid key name of any subject', () => {
    expect(keyNameOf('minlabour-kamchatka')).toBe('minlabour-kamchatka');
    expect(keyNameOf('Иванов И.И.')).toBe('Иванов-И.И.');
    expect(keyNameOf('a+b\tc\u0007d')).toBe('a-b-c-d');
    expect(keyNameOf('   ')).toBe('party');
    for (const s of ['x y', '+', 'мин труд', 'a\u00a0b']) expect(isValidKeyName(keyNameOf(s))).toBe(true);
  });

  it('signs a decision statement with a non-extractable key as a note the server accepts', async () => {
    const keyPair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as unknown as WebCryptoKeyPair;
    const key = await described('minlabour-official', {
      name: keyNameOf('minlabour-official'),
      keyPair,
      createdAt: '2026-12-06T07:00:00.000Z',
    });
    expect(key.extractable).toBe(false);
    expect(parseVerifierKey(key.verifierKey)).toMatchObject({ name: 'minlabour-official', keyId: key.keyId });
    expect(key.fingerprint).toMatch(/^([0-9a-f]{4} ){15}[0-9a-f]{4}$/);

    const signed = await signStatement(key, STATEMENT);

    expect(signed.key).toBe(key.verifierKey);
    expect(openNote(signed.note, [key.verifierKey]).text).toBe(STATEMENT);
    expect(checkSignedStatement(STATEMENT, signed).key).toBe(key.verifierKey);
    expect(() => checkSignedStatement(STATEMENT.replace('step approved', 'step rejected'), signed)).toThrow();
  });
});
