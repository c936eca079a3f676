/**
 * Signer backed by an AWS KMS asymmetric key (KeySpec ECC_NIST_EDWARDS25519,
 * KeyUsage SIGN_VERIFY). The private key never leaves KMS.
 */
import { GetPublicKeyCommand, type GetPublicKeyCommandOutput, KMSClient, SignCommand } from '@aws-sdk/client-kms';
import type { Signer } from '#kernel';
import { ed25519Verify, ValidationError } from '#kernel';
import { ed25519PublicKeyFromSpki, isValidKeyName } from '#ledger';

/** KMS Sign accepts at most 4096 bytes with MessageType RAW. */
export const KMS_MAX_MESSAGE_BYTES = 4096;

/** A KMS call failed or returned something unusable; `cause` holds the SDK error, if any. */
export class KmsSignerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KmsSignerError';
  }
}

export interface KmsSignerOptions {
  /** Key ID, key ARN, alias name or alias ARN. */
  readonly keyId: string;
  /** Key name in signed notes. */
  readonly name: string;
  readonly client?: KMSClient;
}

export class KmsSigner implements Signer {
  readonly name: string;
  readonly keyId: string;
  readonly #client: KMSClient;
  #publicKey: Promise<Uint8Array> | undefined;

  constructor(options: KmsSignerOptions) {
    if (!isValidKeyName(options.name))
      throw new ValidationError(`invalid signer key name ${JSON.stringify(options.name)}`);
    if (options.keyId === '') throw new ValidationError('KMS key id is empty');
    this.name = options.name;
    this.keyId = options.keyId;
    this.#client = options.client ?? new KMSClient({});
  }

  /** Fetched once and cached; a failed fetch is not cached, so the next call retries. */
  publicKey(): Promise<Uint8Array> {
    this.#publicKey ??= this.#fetchPublicKey().catch((error: unknown) => {
      this.#publicKey = undefined;
      throw error;
    });
    return this.#publicKey.then((k) => k.slice());
  }

  async #fetchPublicKey(): Promise<Uint8Array> {
    let out: GetPublicKeyCommandOutput;
    try {
      out = await this.#client.send(new GetPublicKeyCommand({ KeyId: this.keyId }));
    } catch (error) {
      throw new KmsSignerError(`KMS GetPublicKey failed for ${this.keyId}: ${describe(error)}`, { cause: error });
    }
    if (out.KeySpec !== 'ECC_NIST_EDWARDS25519') {
      throw new KmsSignerError(`KMS key ${this.keyId} has KeySpec ${out.KeySpec}, not ECC_NIST_EDWARDS25519`);
    }
    if (out.KeyUsage !== 'SIGN_VERIFY') {
      throw new KmsSignerError(`KMS key ${this.keyId} has KeyUsage ${out.KeyUsage}, not SIGN_VERIFY`);
    }
    if (out.SigningAlgorithms && !out.SigningAlgorithms.includes('ED25519_SHA_512')) {
      throw new KmsSignerError(`KMS key ${this.keyId} does not offer ED25519_SHA_512`);
    }
    if (!out.PublicKey) throw new KmsSignerError(`KMS GetPublicKey returned no key for ${this.keyId}`);
    try {
      return ed25519PublicKeyFromSpki(out.PublicKey);
    } catch (error) {
      throw new KmsSignerError(`KMS key ${this.keyId}: ${describe(error)}`, { cause: error });
    }
  }

  async sign(message: Uint8Array): Promise<Uint8Array> {
    // Larger messages would need MessageType DIGEST, i.e. Ed25519ph: a different
    // algorithm whose signatures note verifiers reject. Refuse rather than pre-hash.
    if (message.byteLength > KMS_MAX_MESSAGE_BYTES) {
      throw new KmsSignerError(
        `message is ${message.byteLength} bytes; KMS signs at most ${KMS_MAX_MESSAGE_BYTES} bytes with pure Ed25519`,
      );
    }
    const publicKey = await this.publicKey();
    let signature: Uint8Array | undefined;
    try {
      const out = await this.#client.send(
        new SignCommand({
          KeyId: this.keyId,
          Message: message,
          MessageType: 'RAW',
          SigningAlgorithm: 'ED25519_SHA_512',
        }),
      );
      signature = out.Signature;
    } catch (error) {
      throw new KmsSignerError(`KMS Sign failed for ${this.keyId}: ${describe(error)}`, { cause: error });
    }
    // Catches an alias re-pointed at another key between GetPublicKey and Sign.
    if (!signature || !ed25519Verify(publicKey, message, signature)) {
      throw new KmsSignerError(`KMS Sign for ${this.keyId} returned a signature that does not verify`);
    }
    return new Uint8Array(signature);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
