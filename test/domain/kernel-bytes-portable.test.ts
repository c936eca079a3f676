/**
 * The kernel's hex and base64 without Node's Buffer (the path a browser
 * takes, domain/kernel/bytes.ts) give the same text and bytes as with it:
 * the module bundled with Buffer hidden, against the module as Node loads it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as withBuffer from '#kernel';

let dir: string;
let portable: Pick<typeof withBuffer, 'toHex' | 'fromHex' | 'toBase64' | 'fromBase64'>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sib-bytes-'));
  const out = await build({
    entryPoints: [join(import.meta.dirname, '../../domain/kernel/bytes.ts')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    define: { 'globalThis.Buffer': 'undefined' },
    logLevel: 'silent',
  });
  await writeFile(join(dir, 'bytes.mjs'), out.outputFiles[0]?.text ?? '');
  portable = (await import(pathToFileURL(join(dir, 'bytes.mjs')).href)) as typeof portable;
});

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

it('encodes and decodes hex and base64 as Buffer does, for every length up to 70 and a large input', () => {
  const inputs = [
    ...Array.from({ length: 71 }, (_, n) => new Uint8Array(randomBytes(n))),
    new Uint8Array(randomBytes(200_003)),
  ];
  for (const bytes of inputs) {
    const hex = withBuffer.toHex(bytes);
    const b64 = withBuffer.toBase64(bytes);
    expect(portable.toHex(bytes)).toBe(hex);
    expect(portable.toBase64(bytes)).toBe(b64);
    expect(portable.fromHex(hex)).toEqual(bytes);
    expect(portable.fromBase64(b64)).toEqual(bytes);
  }
  const view = new Uint8Array(randomBytes(40)).subarray(3, 35);
  expect(portable.toHex(view)).toBe(withBuffer.toHex(view));
  expect(portable.toBase64(view)).toBe(withBuffer.toBase64(view));
});

it('refuses what the Buffer path refuses', () => {
  for (const bad of ['0', 'AB', 'zz']) expect(() => portable.fromHex(bad)).toThrow('not lower-case hex');
  for (const bad of ['QQ', 'QQ=', 'Q Q=', 'QQ==\n'])
    expect(() => portable.fromBase64(bad)).toThrow('not canonical base64');
});
