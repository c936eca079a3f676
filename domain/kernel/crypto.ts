import { createHash, createHmac, createPublicKey, createSecretKey, hash, type KeyObject, verify } from 'node:crypto';

/**
 * The domain's one door to node:crypto: SHA-256 (one-shot, incremental and
 * binary-string for the export scanner's hot loop), HMAC-SHA256 for keyed
 * pseudonyms, and Ed25519 verification. Everything else in domain/ is plain
 * TypeScript, so a browser build needs only another module with these exports.
 */

/** SHA-256 of the concatenation of the parts. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return hash('sha256', parts[0] as Uint8Array, 'buffer');
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** SHA-256 as a latin1 "binary" string of 32 chars: the export scanner keeps its hashes so. */
export function sha256Binary(data: Uint8Array): string {
  return hash('sha256', data, 'binary');
}

/** An incremental SHA-256. */
export interface Sha256 {
  update(chunk: Uint8Array | string): Sha256;
  /** The digest in lower-case hex; the hash cannot be updated after. */
  hex(): string;
}

export function createSha256(): Sha256 {
  const h = createHash('sha256');
  const self: Sha256 = {
    update(chunk) {
      h.update(chunk);
      return self;
    },
    hex: () => h.digest('hex'),
  };
  return self;
}

/** A secret key held for repeated HMACs (imported once). */
export type SecretKey = KeyObject;

export function secretKey(bytes: Uint8Array): SecretKey {
  return createSecretKey(bytes);
}

/** HMAC-SHA256 of the data (UTF-8 for a string) under the key. */
export function hmacSha256(key: Uint8Array | SecretKey, data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHmac('sha256', key).update(data).digest());
}

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): 12 bytes, then the 32-byte key. */
export const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** Pure Ed25519 verification; false (never a throw) for malformed keys or signatures. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false;
  try {
    const der = new Uint8Array(ED25519_SPKI_PREFIX.byteLength + 32);
    der.set(ED25519_SPKI_PREFIX);
    der.set(publicKey, ED25519_SPKI_PREFIX.byteLength);
    const key = createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' });
    return verify(null, message, key, signature);
  } catch {
    return false;
  }
}
