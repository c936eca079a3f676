/**
 * Pseudonymizer backed by a 32-byte HMAC-SHA256 master key in a local file:
 * the default for local runs, standing in for the KMS HMAC_256 key. The key is
 * created on first use. Pseudonyms are the same as KmsPseudonymizer's for the
 * same key bytes (domain/intake/pseudonym.ts holds the one derivation).
 */
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ContractKeyPseudonymizer, type ContractKeyPseudonymizerOptions, deriveContractKey } from '#intake';
import { ValidationError } from '#kernel';
import { openKeyFile } from './local-key-file.ts';

export const DEFAULT_PSEUDONYM_KEY_FILE = 'pseudonym.hmac.key';
/** The file holds exactly this many raw bytes. */
export const PSEUDONYM_KEY_BYTES = 32;

export interface LocalPseudonymizerOptions extends ContractKeyPseudonymizerOptions {
  readonly dataDir: string;
}

export class LocalPseudonymizer extends ContractKeyPseudonymizer {
  /** Path of the key file: `<dataDir>/keys/pseudonym.hmac.key`. */
  readonly keyFile: string;
  /** True if this open() generated the key. */
  readonly created: boolean;

  private constructor(
    keyFile: string,
    created: boolean,
    masterKey: KeyObject,
    options: ContractKeyPseudonymizerOptions,
  ) {
    super(async (contract) => deriveContractKey(masterKey, contract), options);
    this.keyFile = keyFile;
    this.created = created;
  }

  /** Loads the key file, creating it (mode 0600, dir 0700) if it doesn't exist yet. */
  static async open(options: LocalPseudonymizerOptions): Promise<LocalPseudonymizer> {
    const keyFile = join(options.dataDir, 'keys', DEFAULT_PSEUDONYM_KEY_FILE);
    // Anyone who can read the pseudonym key can re-identify participants by hashing candidate identifiers.
    const { bytes, created } = await openKeyFile(keyFile, {
      kind: 'pseudonym key',
      generate: () => randomBytes(PSEUDONYM_KEY_BYTES),
    });
    if (bytes.byteLength !== PSEUDONYM_KEY_BYTES) {
      throw new ValidationError(
        `${keyFile} holds ${bytes.byteLength} bytes, not a ${PSEUDONYM_KEY_BYTES}-byte raw HMAC-SHA256 key`,
      );
    }
    const masterKey = createSecretKey(bytes);
    bytes.fill(0);
    return new LocalPseudonymizer(keyFile, created, masterKey, options);
  }
}
