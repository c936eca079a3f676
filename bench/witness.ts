/**
 * Witness benchmark (issue 13): the latency of C2SP tlog-witness
 * add-checkpoint requests to `sib witness serve`'s server over HTTP on
 * localhost, each a new checkpoint of a growing log with its consistency
 * proof from the size the witness holds, the witness verifying the log's
 * signature and the proof, writing its state durably (fsync, rename) and
 * answering with its cosignature line.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256, utf8 } from '#kernel';
import {
  checkpointOrigin,
  consistencyProof,
  formatAddCheckpoint,
  logSigner,
  logVerifierKey,
  rootFromLeaves,
  signCheckpoint,
  verifyCosignature,
} from '#ledger';
import { startWitnessServer } from '../cli/witness/server.ts';
import { memorySigner } from './report.ts';

export interface WitnessBench {
  readonly requests: number;
  readonly entriesPerCheckpoint: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly maxMs: number;
  /** Cosignatures that verified with the witness's key (one per request). */
  readonly cosigned: number;
}

export async function benchWitness(
  options: { requests?: number; entriesPerCheckpoint?: number } = {},
): Promise<WitnessBench> {
  const requests = options.requests ?? 200;
  const step = options.entriesPerCheckpoint ?? 10;
  const contract = 'bench-witness';
  const base = memorySigner('bench.log');
  const log = logSigner(base, contract);
  const logKey = await logVerifierKey(base, contract);
  const witness = memorySigner('bench.witness');
  const witnessPublic = await witness.publicKey();
  const stateDir = await mkdtemp(join(tmpdir(), 'sib-witness-bench-'));
  const server = await startWitnessServer({ witness, stateDir, logs: [logKey] });
  const leaves: Uint8Array[] = [];
  const times: number[] = [];
  let cosigned = 0;
  let held = 0;
  try {
    for (let i = 0; i < requests; i++) {
      for (let j = 0; j < step; j++) leaves.push(sha256(utf8(`entry ${leaves.length}`)));
      const size = leaves.length;
      const note = await signCheckpoint(
        { origin: checkpointOrigin(base.name, contract), size, root: rootFromLeaves(leaves) },
        [log],
      );
      const body = formatAddCheckpoint({
        oldSize: held,
        proof: held === 0 ? [] : consistencyProof(leaves, held),
        note,
      });
      const started = performance.now();
      const response = await fetch(`${server.url}/add-checkpoint`, { method: 'POST', body });
      const text = await response.text();
      times.push(performance.now() - started);
      if (response.status !== 200) throw new Error(`add-checkpoint answered ${response.status}: ${text}`);
      held = size;
      const line = text.split('\n').find((l) => l.startsWith('\u2014 bench.witness '));
      const raw = line === undefined ? undefined : Buffer.from(line.split(' ')[2] ?? '', 'base64').subarray(4);
      const checkpointText = note.slice(0, note.indexOf('\n\n') + 1);
      if (raw !== undefined && verifyCosignature(witnessPublic, checkpointText, new Uint8Array(raw))) cosigned++;
    }
  } finally {
    await server.close();
    await rm(stateDir, { recursive: true, force: true });
  }
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return {
    requests,
    entriesPerCheckpoint: step,
    meanMs: times.reduce((s, t) => s + t, 0) / times.length,
    p50Ms: at(0.5),
    p95Ms: at(0.95),
    maxMs: sorted.at(-1) as number,
    cosigned,
  };
}
