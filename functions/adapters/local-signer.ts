/**
 * Signer backed by an Ed25519 key in a local PKCS#8 PEM file: the default for
 * local runs, standing in for KMS. The key is created on first use.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '../../domain/errors.ts';
import { ed25519PublicKeyFromSpki, isValidKeyName } from '../../domain/note.ts';
import type { Signer } from '../../domain/ports.ts';

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
    const dir = join(options.dataDir, 'keys');
    const keyFile = join(dir, fileName);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Read first: writing a temp key on every open would be wasted work.
    let pem = await readPrivate(keyFile).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    });
    let created = false;
    if (pem === undefined) {
      created = await createIfMissing(keyFile);
      pem = await readPrivate(keyFile);
    }
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

/**
 * Creates the key file if absent; returns whether this call created it.
 * The PEM is written in full to a private temp file (flag 'wx', mode 0600) and
 * then hard-linked into place: link() fails with EEXIST if another process got
 * there first, so racing first opens agree on one key, and nobody ever reads a
 * half-written file.
 */
async function createIfMissing(keyFile: string): Promise<boolean> {
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' });
  const tmp = `${keyFile}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
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
async function readPrivate(keyFile: string): Promise<string> {
  const handle = await open(keyFile, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ValidationError(`${keyFile} is not a regular file`);
    // POSIX modes mean nothing on Windows; elsewhere a readable signing key is a leaked one.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ValidationError(
        `refusing to use signing key ${keyFile}: its mode ${mode} gives group/others access; run chmod 600 ${keyFile}`,
      );
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
