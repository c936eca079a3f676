import { randomBytes } from 'node:crypto';
import { link, mkdir, open, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ValidationError } from '#kernel';

/**
 * A local secret key file (the log's signing key, the pseudonym key): read
 * it, creating it first if it is absent. The key is written in full to a
 * private temp file (flag 'wx', mode 0600, directory 0700) and hard-linked
 * into place: link() fails with EEXIST if another process got there first,
 * so racing first opens agree on one key and nobody reads a half-written
 * file. A file that group or others could read or write is refused.
 */
export async function openKeyFile(
  keyFile: string,
  options: { kind: string; generate: () => Uint8Array },
): Promise<{ bytes: Buffer; created: boolean }> {
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  const existing = await readPrivate(keyFile, options.kind).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  });
  if (existing) return { bytes: existing, created: false };
  const created = await createIfMissing(keyFile, options.generate);
  return { bytes: await readPrivate(keyFile, options.kind), created };
}

async function createIfMissing(keyFile: string, generate: () => Uint8Array): Promise<boolean> {
  const key = generate();
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
async function readPrivate(keyFile: string, kind: string): Promise<Buffer> {
  const handle = await open(keyFile, 'r');
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new ValidationError(`${keyFile} is not a regular file`);
    // POSIX modes mean nothing on Windows; elsewhere a readable key is a leaked one.
    if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new ValidationError(
        `refusing to use ${kind} ${keyFile}: its mode ${mode} gives group/others access; run chmod 600 ${keyFile}`,
      );
    }
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}
