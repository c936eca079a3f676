import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { Signer } from '#kernel';
import { cosignerKey, ed25519PublicKeyFromSpki, verifierKey } from '#ledger';

/** A fresh in-memory Ed25519 key pair as a Signer named `name`, with its raw public key. */
function memoryKey(name: string): { signer: Signer; publicKey: Uint8Array } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = ed25519PublicKeyFromSpki(
    new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })),
  );
  const signer: Signer = {
    name,
    publicKey: async () => publicKey,
    sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
  };
  return { signer, publicKey };
}

/**
 * An in-memory Ed25519 signer and its verifier key, for tests; `keyFor(C)`
 * is the key of the log of contract C when it is the log's signer (the same
 * key named by the checkpoint origin, `<name>/C`).
 */
export function memorySigner(name = 'test.log'): { signer: Signer; key: string; keyFor: (contract: string) => string } {
  const { signer, publicKey } = memoryKey(name);
  return {
    signer,
    key: verifierKey(name, publicKey),
    keyFor: (contract) => verifierKey(`${name}/${contract}`, publicKey),
  };
}

/** An in-memory witness: its signer and its tlog-cosignature/v1 verifier key (type 0x04). */
export function memoryWitness(name = 'test.witness'): { signer: Signer; key: string } {
  const { signer, publicKey } = memoryKey(name);
  return { signer, key: cosignerKey(name, publicKey) };
}
