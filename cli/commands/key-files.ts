/**
 * Ed25519 private key files of the people who sign (a witness, a deciding
 * party): PKCS#8 PEM after a `<header><name>` line, mode 0600, never
 * overwritten; opened as a Signer.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { open, unlink } from 'node:fs/promises';
import type { Signer } from '#kernel';
import { ValidationError } from '#kernel';
import { ed25519PublicKeyFromSpki, isValidKeyName } from '#ledger';

const PEM_BEGIN = '-----BEGIN ';

/**
 * An Ed25519 private key file (PKCS#8 PEM after a `<header><name>` line) as
 * a Signer named `name`, else by its header: a witness's or a party's. A
 * file group or others could read or write is refused.
 */
export async function openKeyFile(file: string, nameHeader: string, what: string, name?: string): Promise<Signer> {
  const handle = await open(file, 'r');
  let text: string;
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ValidationError(`${file} is not a regular file`);
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ValidationError(
        `refusing to use ${what} key ${file}: its mode ${mode} gives group/others access; run chmod 600 ${file}`,
      );
    }
    text = await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
  const begin = text.indexOf(PEM_BEGIN);
  if (begin < 0) throw new ValidationError(`${file} is not a PEM private key`);
  const header = text
    .slice(0, begin)
    .split('\n')
    .find((line) => line.startsWith(nameHeader))
    ?.slice(nameHeader.length)
    .trim();
  if (name !== undefined && header !== undefined && name !== header) {
    throw new ValidationError(`${file} is the key of ${what} ${header}, not ${name}`);
  }
  const keyName = name ?? header;
  if (keyName === undefined) {
    throw new ValidationError(`${file} does not name its ${what} (no ${nameHeader.trim()} line): give --name`);
  }
  if (!isValidKeyName(keyName)) throw new ValidationError(`invalid ${what} name ${JSON.stringify(keyName)}`);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text.slice(begin), format: 'pem' });
  } catch (error) {
    throw new ValidationError(`${file} is not a PEM private key`, [], { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new ValidationError(`${file} holds a ${key.asymmetricKeyType} key, not Ed25519`);
  }
  const publicKey = ed25519PublicKeyFromSpki(
    new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' })),
  );
  return {
    name: keyName,
    publicKey: async () => publicKey.slice(),
    // Algorithm null selects pure Ed25519 (RFC 8032).
    sign: async (message) => new Uint8Array(sign(null, message, key)),
  };
}

/** Writes a new Ed25519 private key after `header` to `file` (mode 0600); refuses to overwrite an existing file. */
export async function createKeyFile(file: string, header: string): Promise<void> {
  const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new ValidationError(`${file} already exists; refusing to overwrite a key file`);
    }
    throw error;
  }
  try {
    await handle.writeFile(`${header}${pem}`);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(file).catch(() => undefined);
    throw error;
  }
  await handle.close();
}
