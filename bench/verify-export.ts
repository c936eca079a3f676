import { hash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalBytes, toHex } from '#kernel';
import {
  checkpointOrigin,
  type Entry,
  entryHash,
  GENESIS_PREV,
  logSigner,
  logVerifierKey,
  signCheckpoint,
  splitLines,
  TreeBuilder,
  verifyExportBytes,
} from '#ledger';
import { readExportFile } from '../cli/export-file.ts';
import { memorySigner } from '../test/support/signer.ts';

/** Builds an export of `n` realistic entries (evidence batch summaries) in memory. */
export async function buildExport(n: number): Promise<{ data: Uint8Array; key: string }> {
  const { signer } = memorySigner('sib-ledger.bench');
  const contract = 'second-chance-kamchatka';
  const key = await logVerifierKey(signer, contract);
  const tree = new TreeBuilder();
  const parts: Uint8Array[] = [];
  let prev = GENESIS_PREV;
  const start = Date.parse('2026-01-01T00:00:00.000Z');
  for (let seq = 0; seq < n; seq++) {
    const entry: Entry = {
      v: 1,
      contract,
      seq,
      kind: 'evidence.batch',
      at: new Date(start + seq * 1000).toISOString(),
      actor: { sub: 'veb-rf-operator', role: 'operator' },
      body: {
        batchId: `batch-${seq}`,
        recordCount: 25 + (seq % 100),
        recordsRoot: toHex(entryHash(new TextEncoder().encode(String(seq)))),
        archive: { key: `archive/${contract}/${seq}.json`, sha256: toHex(entryHash(new Uint8Array([seq % 256]))) },
      },
      prev,
    };
    const bytes = canonicalBytes(entry);
    const h = entryHash(bytes);
    prev = toHex(h);
    tree.push(h);
    parts.push(bytes, new Uint8Array([0x0a]));
  }
  const note = await signCheckpoint({ origin: checkpointOrigin(signer.name, contract), size: n, root: tree.root() }, [
    logSigner(signer, contract),
  ]);
  parts.push(new TextEncoder().encode(`${JSON.stringify({ checkpoint: note })}\n`));
  return { data: new Uint8Array(Buffer.concat(parts)), key };
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Offline verification of an n-entry export file against raw SHA-256 over the
 * same bytes, both starting from the file on disk (page cache): the baseline
 * hashes every entry line once (the least any entry-hash check does), and,
 * for reference, the whole file in one pass.
 */
export async function benchVerifyExport(n = 100_000, rounds = 5) {
  const { data, key } = await buildExport(n);
  const dir = mkdtempSync(join(tmpdir(), 'sib-bench-'));
  const file = join(dir, 'export.jsonl');
  writeFileSync(file, data);
  let sink = 0;
  const perLine: number[] = [];
  const whole: number[] = [];
  const verify: number[] = [];
  for (let r = 0; r < rounds; r++) {
    perLine.push(
      await timeAsync(async () => {
        const bytes = await readFile(file);
        for (const line of splitLines(bytes)) sink ^= hash('sha256', line, 'binary').charCodeAt(0);
      }),
    );
    whole.push(await timeAsync(async () => (sink ^= hash('sha256', await readFile(file), 'binary').charCodeAt(0))));
    verify.push(
      await timeAsync(async () => {
        const result = await verifyExportBytes(await readExportFile(file), [key], { spareFirstByte: true });
        if (!result.ok) throw new Error(`bench export does not verify: ${result.failure?.message}`);
      }),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  const best = (xs: number[]) => Math.min(...xs);
  return {
    entries: n,
    bytes: data.byteLength,
    sha256PerLineMs: best(perLine),
    sha256WholeMs: best(whole),
    verifyMs: best(verify),
    sink,
  };
}

if (import.meta.main) {
  const r = await benchVerifyExport(Number(process.argv[2] ?? 100_000), 3);
  console.log(
    r,
    'ratio per-line',
    (r.sha256PerLineMs / r.verifyMs).toFixed(3),
    'whole',
    (r.sha256WholeMs / r.verifyMs).toFixed(3),
  );
}
