/**
 * Pseudonymizer backed by a 32-byte HMAC-SHA256 master key in a local file:
 * the default for local runs, standing in for the KMS HMAC_256 key. The key is
 * created on first use. Pseudonyms are the same as KmsPseudonymizer's for the
 * same key bytes (domain/pseudonym.ts holds the one derivation).
 */
import { createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../domain/errors.ts';
import {
  ContractKeyPseudonymizer,
  type ContractKeyPseudonymizerOptions,
  deriveContractKey,
} from '../../domain/pseudonym.ts';

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
    const dir = join(options.dataDir, 'keys');
    const keyFile = join(dir, DEFAULT_PSEUDONYM_KEY_FILE);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    let bytes = await readPrivate(keyFile).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    let created = false;
    if (bytes === undefined) {
      created = await createIfMissing(keyFile);
      bytes = await readPrivate(keyFile);
    }
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

/**
 * Creates the key file if absent; returns whether this call created it. The
 * key is written in full to a private temp file (flag 'wx', mode 0600) and
 * then hard-linked into place: link() fails with EEXIST if another process got
 * there first, so racing first opens agree on one key, and nobody ever reads a
 * half-written file.
 */
async function createIfMissing(keyFile: string): Promise<boolean> {
  const key = randomBytes(PSEUDONYM_KEY_BYTES);
  const tmp = `${keyFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(key);
    await handle.sync();
  } finally {
    key.fill(0);
    await handle.close();
  }
  try {
    await link(tmp, keyFile);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp);
  }
}

/** Reads the key through one descriptor, refusing files that group or others could read or write. */
async function readPrivate(keyFile: string): Promise<Buffer> {
  const handle = await open(keyFile, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ValidationError(`${keyFile} is not a regular file`);
    // POSIX modes mean nothing on Windows; elsewhere anyone who can read the pseudonym key can
    // re-identify participants by hashing candidate identifiers.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ValidationError(
        `refusing to use pseudonym key ${keyFile}: its mode ${mode} gives group/others access; run chmod 600 ${keyFile}`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
