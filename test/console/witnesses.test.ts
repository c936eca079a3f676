/**
 * The overview's checkpoint standing (console/src/components/witnesses.ts),
 * bundled as the console bundles it (the browser's WebCrypto kernel in place
 * of node:crypto's, Node's Buffer hidden) and run on notes signed here: the
 * log key's signature, each witness cosigned (with its time), missing, or
 * with a cosignature that does not verify.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosignNote, signCheckpoint } from '#ledger';
import { browserKernel } from '../../console/build.ts';
import type { checkpointStanding } from '../../console/src/components/witnesses.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const ROOT = join(import.meta.dirname, '..', '..');
let dir = '';
let standing: typeof checkpointStanding;

beforeAll(async () => {
  const out = await build({
    entryPoints: [join(ROOT, 'console/src/components/witnesses.ts')],
    absWorkingDir: ROOT,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'globalThis.Buffer': 'undefined' },
    plugins: [browserKernel],
    logLevel: 'silent',
  });
  dir = await mkdtemp(join(tmpdir(), 'sib-witnesses-'));
  const file = join(dir, 'witnesses.mjs');
  await writeFile(file, out.outputFiles[0]?.text ?? '');
  ({ checkpointStanding: standing } = (await import(pathToFileURL(file).href)) as {
    checkpointStanding: typeof checkpointStanding;
  });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('the checkpoint standing', () => {
  const contract = 'second-chance-kamchatka';
  const log = memorySigner('sib-ledger.local');
  const logKey = log.keyFor(contract);
  const a = memoryWitness('witness-a.example');
  const b = memoryWitness('witness-b.example');

  async function note(): Promise<string> {
    const body = { origin: `sib-ledger.local/${contract}`, size: 18, root: new Uint8Array(32).fill(7) };
    return signCheckpoint(body, [{ ...log.signer, name: `sib-ledger.local/${contract}` }]);
  }

  it('names the witnesses that cosigned, with when, and those that did not', async () => {
    const signed = await cosignNote(await note(), logKey, a.signer, 1_765_000_000);
    const s = await standing(signed, logKey, [a.key, b.key]);
    expect(s.logSigned).toBe(true);
    expect(s.witnesses.map((w) => [w.name, w.status, w.time])).toEqual([
      ['witness-a.example', 'signed', 1_765_000_000],
      ['witness-b.example', 'missing', undefined],
    ]);
  });

  it('tells a cosignature that does not verify, and a note the log key did not sign', async () => {
    const signed = await cosignNote(await note(), logKey, a.signer, 1_765_000_000);
    // Flip a bit of the witness's signature (the last base64 character before the newline).
    const lines = signed.split('\n');
    const i = lines.findIndex((l) => l.startsWith('\u2014 witness-a.example '));
    const line = lines[i] ?? '';
    const last = line.at(-2) === 'A' ? 'B' : 'A';
    lines[i] = `${line.slice(0, -2)}${last}${line.at(-1)}`;
    const s = await standing(lines.join('\n'), logKey, [a.key]);
    expect(s.logSigned).toBe(true);
    expect(s.witnesses[0]?.status).toBe('invalid');
    const other = memorySigner('sib-ledger.local').keyFor(contract);
    expect((await standing(signed, other, [a.key])).logSigned).toBe(false);
  });
});
