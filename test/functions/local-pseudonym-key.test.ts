import { fork } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deriveContractKey, derivePseudonym, isPseudonym } from '#intake';
import { LocalPseudonymizer } from '../../functions/adapters/local-pseudonym-key.ts';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sib-local-pseudonym-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('LocalPseudonymizer', () => {
  it('creates a 32-byte key with mode 0600 in a 0700 keys dir', async () => {
    const p = await LocalPseudonymizer.open({ dataDir });
    expect(p.created).toBe(true);
    expect(p.keyFile).toBe(join(dataDir, 'keys', 'pseudonym.hmac.key'));
    expect((await stat(p.keyFile)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dataDir, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await readFile(p.keyFile)).byteLength).toBe(32);
    // No temp files left behind.
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['pseudonym.hmac.key']);
    expect(isPseudonym(await p.pseudonym('c1', 'QQ123456C'))).toBe(true);
  });

  it('derives pseudonyms from the key in the file with the domain derivation', async () => {
    const p = await LocalPseudonymizer.open({ dataDir });
    const key = new Uint8Array(await readFile(p.keyFile));
    expect(await p.pseudonym('c1', 'qq 12 34 56 c')).toBe(derivePseudonym(deriveContractKey(key, 'c1'), 'QQ123456C'));
  });

  it('reuses the key on a second open', async () => {
    const first = await LocalPseudonymizer.open({ dataDir });
    const second = await LocalPseudonymizer.open({ dataDir });
    expect(second.created).toBe(false);
    expect(await second.pseudonym('c1', 'QQ123456C')).toBe(await first.pseudonym('c1', 'QQ123456C'));
  });

  it('uses an existing key file it did not create', async () => {
    await mkdir(join(dataDir, 'keys'), { mode: 0o700 });
    const key = Uint8Array.from({ length: 32 }, (_, i) => i);
    await writeFile(join(dataDir, 'keys', 'pseudonym.hmac.key'), key, { mode: 0o600 });
    const p = await LocalPseudonymizer.open({ dataDir });
    expect(p.created).toBe(false);
    expect(await p.pseudonym('second-chance-kamchatka', 'QQ123456C')).toBe('p-2e10030a829372cf1d472433ab926143');
  });

  it('yields one key when many opens race in one process', async () => {
    const all = await Promise.all(Array.from({ length: 8 }, () => LocalPseudonymizer.open({ dataDir })));
    const pseudonyms = new Set(await Promise.all(all.map((p) => p.pseudonym('c1', 'QQ123456C'))));
    expect(pseudonyms.size).toBe(1);
    expect(all.filter((p) => p.created)).toHaveLength(1);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['pseudonym.hmac.key']);
  });

  it('yields one key when separate processes race', async () => {
    const script = join(dataDir, 'open.ts');
    const adapter = new URL('../../functions/adapters/local-pseudonym-key.ts', import.meta.url).href;
    await writeFile(
      script,
      `import { LocalPseudonymizer } from ${JSON.stringify(adapter)};\n` +
        `const p = await LocalPseudonymizer.open({ dataDir: process.argv[2] });\n` +
        `process.stdout.write(await p.pseudonym('c1', 'QQ123456C'));\n`,
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
    const pseudonyms = await Promise.all(Array.from({ length: 4 }, run));
    expect(new Set(pseudonyms).size).toBe(1);
    expect(isPseudonym(pseudonyms[0])).toBe(true);
    expect(await readdir(join(dataDir, 'keys'))).toEqual(['pseudonym.hmac.key']);
  });

  it('refuses a key file that group or others can access', async () => {
    const p = await LocalPseudonymizer.open({ dataDir });
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      await chmod(p.keyFile, mode);
      await expect(LocalPseudonymizer.open({ dataDir })).rejects.toThrow(
        `refusing to use pseudonym key ${p.keyFile}: its mode 0${mode.toString(8)} gives group/others access; run chmod 600 ${p.keyFile}`,
      );
    }
    await chmod(p.keyFile, 0o400);
    await expect(LocalPseudonymizer.open({ dataDir })).resolves.toBeInstanceOf(LocalPseudonymizer);
  });

  it('refuses a key file of the wrong size, and a key path that is not a file', async () => {
    const p = await LocalPseudonymizer.open({ dataDir });
    await writeFile(p.keyFile, 'too short');
    await expect(LocalPseudonymizer.open({ dataDir })).rejects.toThrow(
      /holds 9 bytes, not a 32-byte raw HMAC-SHA256 key/,
    );
    await rm(p.keyFile);
    await mkdir(p.keyFile, { mode: 0o700 });
    await expect(LocalPseudonymizer.open({ dataDir })).rejects.toThrow(/is not a regular file/);
  });
});
