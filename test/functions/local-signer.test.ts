import { fork } from 'node:child_process';
import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ed25519Verify, toHex, utf8 } from '#kernel';
import { openNote, signNote, verifierKey } from '#ledger';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sib-local-signer-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('LocalSigner', () => {
  it('creates the key with mode 0600 in a 0700 keys dir, with the default name and file', async () => {
    const signer = await LocalSigner.open({ dataDir });
    expect(signer.name).toBe('sib-ledger.local');
    expect(signer.created).toBe(true);
    expect(signer.keyFile).toBe(join(dataDir, 'keys', 'log.ed25519.pem'));
    expect((await stat(signer.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    expect(await readFile(signer.keyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // No temp files left behind.
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['log.ed25519.pem']);
  });

  it('reuses the key on a second open', async () => {
    const first = await LocalSigner.open({ dataDir });
    const second = await LocalSigner.open({ dataDir });
    expect(second.created).toBe(false);
    expect(toHex(await second.publicKey())).toBe(toHex(await first.publicKey()));
  });

  it('honours name and fileName', async () => {
    const signer = await LocalSigner.open({ dataDir, name: 'example.org/log', fileName: 'other.pem' });
    expect(signer.name).toBe('example.org/log');
    expect(signer.keyFile).toBe(join(dataDir, 'keys', 'other.pem'));
    await expect(LocalSigner.open({ dataDir, name: 'bad name' })).rejects.toThrow(/invalid signer key name/);
    await expect(LocalSigner.open({ dataDir, fileName: '../escape.pem' })).rejects.toThrow(/invalid key file name/);
  });

  it('yields one key when many opens race in one process', async () => {
    const signers = await Promise.all(Array.from({ length: 8 }, () => LocalSigner.open({ dataDir })));
    const keys = new Set(await Promise.all(signers.map(async (s) => toHex(await s.publicKey()))));
    expect(keys.size).toBe(1);
    expect(signers.filter((s) => s.created)).toHaveLength(1);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['log.ed25519.pem']);
  });

  it('yields one key when separate processes race', async () => {
    const script = join(dataDir, 'open.ts');
    const adapter = new URL('../../functions/adapters/local-signer.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { LocalSigner } from ${JSON.stringify(adapter)};\n` +
        `const s = await LocalSigner.open({ dataDir: process.argv[2] });\n` +
        `process.stdout.write(Buffer.from(await s.publicKey()).toString('hex'));\n`,
    );
    const run = () =>
      new Promise<string>((resolve, reject) => {
        const child = fork(script, [dataDir], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
        let out = '';
        child.stdout?.on('data', (d: Buffer) => {
          out += d.toString();
        });
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      });
    const keys = await Promise.all(Array.from({ length: 4 }, run));
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a key file readable by group or others', async () => {
    const signer = await LocalSigner.open({ dataDir });
    await chmod(signer.keyFile, 0o644);
    await expect(LocalSigner.open({ dataDir })).rejects.toThrow(
      `refusing to use signing key ${signer.keyFile}: its mode 0644 gives group/others access; run chmod 600 ${signer.keyFile}`,
    );
    await chmod(signer.keyFile, 0o400);
    await expect(LocalSigner.open({ dataDir })).resolves.toBeInstanceOf(LocalSigner);
  });

  it('refuses a file that is not an Ed25519 PEM key', async () => {
    const signer = await LocalSigner.open({ dataDir });
    await writeFile(signer.keyFile, 'not a key\n');
    await expect(LocalSigner.open({ dataDir })).rejects.toThrow(/is not a PEM private key/);
  });

  it('produces pure Ed25519 signatures that verify, in signed notes too', async () => {
    const signer = await LocalSigner.open({ dataDir });
    const msg = utf8('hello\n');
    const sig = await signer.sign(msg);
    expect(sig).toHaveLength(64);
    expect(ed25519Verify(await signer.publicKey(), msg, sig)).toBe(true);
    const note = await signNote('hello\n', [signer]);
    const vkey = verifierKey(signer.name, await signer.publicKey());
    expect(openNote(note, [vkey]).verified[0]?.name).toBe('sib-ledger.local');
  });
});
