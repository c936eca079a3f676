/**
 * A Signer (domain/kernel/ports.ts) over a WebCrypto Ed25519 key pair: the
 * browser's own key (non-extractable, kept in IndexedDB) signs decisions and
 * notes through the domain's code. Signing is asynchronous in the port
 * already, so it calls WebCrypto directly, not through the kernel's memo.
 */
import type { Signer } from '../../../domain/kernel/ports.ts';

/** WebCrypto's CryptoKey and CryptoKeyPair, named so for the DOM's types (the console) and Node's (the tests) alike. */
export type WebCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
export interface WebCryptoKeyPair {
  readonly publicKey: WebCryptoKey;
  readonly privateKey: WebCryptoKey;
}

/** The key pair's raw 32-byte public key (a public key is always exportable). */
export async function rawPublicKey(publicKey: WebCryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', publicKey));
}

/** A Signer named `name` (its key name in notes and verifier keys) signing with the pair's private key. */
export function webCryptoSigner(name: string, keyPair: WebCryptoKeyPair): Signer {
  if (keyPair.privateKey.algorithm.name !== 'Ed25519' || keyPair.publicKey.algorithm.name !== 'Ed25519') {
    throw new TypeError(`webCryptoSigner ${JSON.stringify(name)}: the key pair is not Ed25519`);
  }
  let publicKey: Promise<Uint8Array> | undefined;
  return {
    name,
    publicKey: () => {
      publicKey ??= rawPublicKey(keyPair.publicKey);
      return publicKey.then((k) => k.slice());
    },
    sign: async (message) => {
      const data = new Uint8Array(message.byteLength);
      data.set(message);
      return new Uint8Array(await crypto.subtle.sign({ name: 'Ed25519' }, keyPair.privateKey, data));
    },
  };
}
