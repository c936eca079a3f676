/**
 * Signer backed by an Ed25519 key in a local PKCS#8 PEM file: the default for
 * local runs, standing in for KMS. The key is created on first use.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { join } from 'node:path';
import type { Signer } from '#kernel';
import { ValidationError } from '#kernel';
import { ed25519PublicKeyFromSpki, isValidKeyName } from '#ledger';
import { openKeyFile } from './local-key-file.ts';

export const DEFAULT_KEY_NAME = 'sib-ledger.local';
export const DEFAULT_KEY_FILE = 'log.ed25519.pem';

export interface LocalSignerOptions {
  readonly dataDir: string;
  /** Key name in signed notes; default `sib-ledger.local`. */
  readonly name?: string;
  /** File under `<dataDir>/keys`; default `log.ed25519.pem`. */
  readonly fileName?: string;
}

export class LocalSigner implements Signer {
  readonly name: string;
  /** Path of the PEM file. */
  readonly keyFile: string;
  /** True if this open() generated the key. */
  readonly created: boolean;
  readonly #privateKey: KeyObject;
  readonly #publicKey: Uint8Array;

  private constructor(name: string, keyFile: string, created: boolean, privateKey: KeyObject) {
    this.name = name;
    this.keyFile = keyFile;
    this.created = created;
    this.#privateKey = privateKey;
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.#publicKey = ed25519PublicKeyFromSpki(new Uint8Array(spki));
  }

  /** Loads the key file, creating it (mode 0600, dir 0700) if it doesn't exist yet. */
  static async open(options: LocalSignerOptions): Promise<LocalSigner> {
    const name = options.name ?? DEFAULT_KEY_NAME;
    if (!isValidKeyName(name)) throw new ValidationError(`invalid signer key name ${JSON.stringify(name)}`);
    const fileName = options.fileName ?? DEFAULT_KEY_FILE;
    if (fileName === '' || fileName === '.' || fileName === '..' || /[/\\]/.test(fileName)) {
      throw new ValidationError(`invalid key file name ${JSON.stringify(fileName)}`);
    }
    const keyFile = join(options.dataDir, 'keys', fileName);
    const { bytes, created } = await openKeyFile(keyFile, {
      kind: 'signing key',
      generate: () =>
        new TextEncoder().encode(
          generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
        ),
    });
    const pem = bytes.toString('utf8');
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch (error) {
      throw new ValidationError(`${keyFile} is not a PEM private key`, [], { cause: error });
    }
    if (key.asymmetricKeyType !== 'ed25519') {
      throw new ValidationError(`${keyFile} holds a ${key.asymmetricKeyType} key, not Ed25519`);
    }
    return new LocalSigner(name, keyFile, created, key);
  }

  async publicKey(): Promise<Uint8Array> {
    return this.#publicKey.slice();
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    // Algorithm null selects pure Ed25519 (RFC 8032): no prehash.
    return new Uint8Array(sign(null, message, this.#privateKey));
  }
}
