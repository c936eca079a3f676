import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import {
  GetPublicKeyCommand,
  type GetPublicKeyCommandOutput,
  KMSClient,
  KMSInvalidStateException,
  NotFoundException,
  SignCommand,
  type SignCommandInput,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toHex, utf8 } from '#kernel';
import { openNote, signCheckpoint, verifierKey, verifyCheckpoint } from '#ledger';
import { KMS_MAX_MESSAGE_BYTES, KmsSigner, KmsSignerError } from '../../functions/adapters/kms-signer.ts';

const KEY_ID = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);

// A real local Ed25519 key stands in for the KMS key, so mocked answers are genuine signatures.
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
const rawPublic = spki.slice(12);

function publicKeyOutput(overrides: Partial<GetPublicKeyCommandOutput> = {}): GetPublicKeyCommandOutput {
  return {
    $metadata: {},
    KeyId: KEY_ID,
    PublicKey: spki,
    KeySpec: 'ECC_NIST_EDWARDS25519',
    KeyUsage: 'SIGN_VERIFY',
    SigningAlgorithms: ['ED25519_SHA_512', 'ED25519_PH_SHA_512'],
    ...overrides,
  };
}

function answerWithRealSignatures(): void {
  kms.on(GetPublicKeyCommand).resolves(publicKeyOutput());
  kms.on(SignCommand).callsFake(async (input: SignCommandInput) => ({
    KeyId: KEY_ID,
    SigningAlgorithm: input.SigningAlgorithm,
    Signature: new Uint8Array(sign(null, input.Message as Uint8Array, privateKey)),
  }));
}

function signer(): KmsSigner {
  return new KmsSigner({ keyId: KEY_ID, name: 'sib-ledger.example', client: new KMSClient({ region: 'eu-west-2' }) });
}

beforeEach(() => kms.reset());
afterEach(() => kms.reset());

describe('KmsSigner', () => {
  it('signs with pure Ed25519 over the raw message and sends exactly the right inputs', async () => {
    answerWithRealSignatures();
    const s = signer();
    const msg = utf8('hello\n');
    const sig = await s.sign(msg);
    expect(sig).toHaveLength(64);
    const calls = kms.commandCalls(SignCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      KeyId: KEY_ID,
      Message: msg,
      MessageType: 'RAW',
      SigningAlgorithm: 'ED25519_SHA_512',
    });
    expect(kms.commandCalls(GetPublicKeyCommand)[0]?.args[0].input).toEqual({ KeyId: KEY_ID });
  });

  it('returns the raw public key from the SPKI, fetched once and cached', async () => {
    answerWithRealSignatures();
    const s = signer();
    expect(toHex(await s.publicKey())).toBe(toHex(rawPublic));
    await s.publicKey();
    await s.sign(utf8('x'));
    expect(kms.commandCalls(GetPublicKeyCommand)).toHaveLength(1);
  });

  it('produces signed checkpoints that verify with node:crypto', async () => {
    answerWithRealSignatures();
    const s = signer();
    const origin = 'sib-ledger.example/c1';
    const note = await signCheckpoint({ origin, size: 3, root: new Uint8Array(32).fill(7) }, [s]);
    const vkey = verifierKey(s.name, rawPublic);
    expect(verifyCheckpoint(note, [vkey], { origin }).size).toBe(3);
    expect(() => openNote(note.replace('\n3\n', '\n4\n'), [vkey])).toThrow(/invalid signature/);
    // The raw key we expect, cross-checked against node's own JWK export rather than our SPKI parsing.
    const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
    expect(toHex(Buffer.from(jwk.x as string, 'base64url'))).toBe(toHex(rawPublic));
  });

  it('rejects keys that are not Ed25519 signing keys', async () => {
    const cases: [Partial<GetPublicKeyCommandOutput>, RegExp][] = [
      [{ KeySpec: 'ECC_NIST_P256' }, /KeySpec ECC_NIST_P256, not ECC_NIST_EDWARDS25519/],
      [{ KeyUsage: 'ENCRYPT_DECRYPT' }, /KeyUsage ENCRYPT_DECRYPT, not SIGN_VERIFY/],
      [{ SigningAlgorithms: ['ED25519_PH_SHA_512'] }, /does not offer ED25519_SHA_512/],
      [{ PublicKey: undefined }, /returned no key/],
      [{ PublicKey: spki.slice(0, 43) }, /not a DER-encoded Ed25519 SubjectPublicKeyInfo/],
      [{ PublicKey: Uint8Array.of(0x31, ...spki.slice(1)) }, /not a DER-encoded Ed25519 SubjectPublicKeyInfo/],
    ];
    for (const [override, why] of cases) {
      kms.reset();
      kms.on(GetPublicKeyCommand).resolves(publicKeyOutput(override));
      await expect(signer().publicKey()).rejects.toThrow(why);
      await expect(signer().sign(utf8('x'))).rejects.toThrow(KmsSignerError);
      expect(kms.commandCalls(SignCommand)).toHaveLength(0);
    }
  });

  it('propagates KMS errors with the SDK error as cause, and retries the public key after a failure', async () => {
    const notFound = new NotFoundException({ message: 'Key not found', $metadata: {} });
    kms.on(GetPublicKeyCommand).rejectsOnce(notFound).resolves(publicKeyOutput());
    const s = signer();
    const error = await s.publicKey().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsSignerError);
    expect((error as Error).message).toBe(`KMS GetPublicKey failed for ${KEY_ID}: NotFoundException: Key not found`);
    expect((error as Error).cause).toBe(notFound);
    expect(toHex(await s.publicKey())).toBe(toHex(rawPublic));

    const disabled = new KMSInvalidStateException({ message: 'key is disabled', $metadata: {} });
    kms.on(SignCommand).rejects(disabled);
    const signError = await s.sign(utf8('x')).catch((e: unknown) => e);
    expect((signError as Error).message).toBe(
      `KMS Sign failed for ${KEY_ID}: KMSInvalidStateException: key is disabled`,
    );
    expect((signError as Error).cause).toBe(disabled);
  });

  it('rejects a signature that does not verify against the key', async () => {
    kms.on(GetPublicKeyCommand).resolves(publicKeyOutput());
    const other = generateKeyPairSync('ed25519').privateKey;
    kms.on(SignCommand).callsFake(async (input: SignCommandInput) => ({
      Signature: new Uint8Array(sign(null, input.Message as Uint8Array, other)),
    }));
    await expect(signer().sign(utf8('x'))).rejects.toThrow(/does not verify/);
    kms.on(SignCommand).resolves({});
    await expect(signer().sign(utf8('x'))).rejects.toThrow(/does not verify/);
  });

  it('refuses messages over 4096 bytes rather than pre-hashing', async () => {
    answerWithRealSignatures();
    const s = signer();
    await expect(s.sign(new Uint8Array(KMS_MAX_MESSAGE_BYTES + 1))).rejects.toThrow(
      'message is 4097 bytes; KMS signs at most 4096 bytes with pure Ed25519',
    );
    expect(kms.commandCalls(SignCommand)).toHaveLength(0);
    expect(await s.sign(new Uint8Array(KMS_MAX_MESSAGE_BYTES))).toHaveLength(64);
  });

  it('validates its configuration', () => {
    expect(() => new KmsSigner({ keyId: KEY_ID, name: 'a b' })).toThrow(/invalid signer key name/);
    expect(() => new KmsSigner({ keyId: '', name: 'a' })).toThrow(/key id is empty/);
  });
});
