/**
 * Recomputing a recorded evaluation in the browser, with the domain's own
 * code (the runner of domain/services/evaluation-run.ts, the code
 * `sib evaluator evaluate` and the API run) under WebCrypto (withWebCrypto):
 *
 * 1. the log export (GET /contracts/{contract}/export, as `sib ledger
 *    export` writes it) is verified against the log's key: every entry's
 *    hash and link, the Merkle tree and the signed checkpoint
 *    (verifyExportBytes); a changed byte fails here, naming the entry;
 * 2. the export's `evaluation.recorded` entries are listed; for the one
 *    chosen, the runner is built on the entries up to its checkpoint, which
 *    says which batches' records and which earlier results it reads;
 * 3. those are fetched (records page by page by batch, earlier results from
 *    GET /contracts/{contract}/evaluations/{seq}), the evaluation is run
 *    and its canonical result's SHA-256 and its public summary's hash are
 *    compared with what the entry recorded.
 *
 * Lazily imported by the recompute page: the runner, the evaluation
 * formulas and the verifier stay out of every other page's first load.
 */
import { type EvaluationResult, encodeResult } from '#evaluation';
import type { StoredRecord } from '#evidence';
import {
  decodeEntry,
  type Entry,
  exportCheckpointNote,
  recordedEvaluations,
  splitLines,
  verifyExportBytes,
} from '#ledger';
import { publicSummary, summaryHash } from '#reports';
import { Evaluation } from '#services';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { api, contractPath } from '../../lib/api.ts';

/** An evaluation entry of the export: what it recorded. */
export interface RecordedLine {
  readonly seq: number;
  readonly period: string;
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly sha256: string;
  readonly summary: string;
  readonly total: string;
  readonly currency: string;
  readonly at: string;
}

/** A verified export, parsed. */
export interface LoadedExport {
  readonly contract: string;
  readonly size: number;
  readonly root: string;
  readonly entries: readonly Entry[];
  readonly evaluations: readonly RecordedLine[];
  /** Digits after the decimal point of the contract's currency (its latest registered spec). */
  readonly minorUnit: number;
}

/** The export does not verify: why, and the entry at fault if one is named. */
export class ExportRefused extends Error {
  readonly seq: number | undefined;
  constructor(message: string, seq?: number) {
    super(message);
    this.name = 'ExportRefused';
    this.seq = seq;
  }
}

/** The contract a checkpoint note's origin names (`<log name>/<contract>`). */
function contractOfNote(note: string): string {
  const origin = note.split('\n')[0] ?? '';
  return origin.slice(origin.lastIndexOf('/') + 1);
}

/** The export's contract, from its checkpoint (the last line), before anything is verified: to fetch the log's key. */
export function exportContract(bytes: Uint8Array): string | undefined {
  const note = exportCheckpointNote(bytes);
  return note === undefined ? undefined : contractOfNote(note);
}

/** Verifies the export against the log key and parses its entries; ExportRefused if it does not verify. */
export async function loadExport(bytes: Uint8Array, logKey: string): Promise<LoadedExport> {
  const contract = exportContract(bytes);
  if (contract === undefined) {
    throw new ExportRefused('the file is not a log export: its last line is not a signed checkpoint');
  }
  const verified = await withWebCrypto(() => verifyExportBytes(bytes, [logKey], { contract }));
  if (!verified.ok) {
    throw new ExportRefused(verified.failure?.message ?? 'the export does not verify', verified.failure?.seq);
  }
  const lines = [...splitLines(bytes)];
  const entryLines = lines.slice(0, -1);
  const entries = await withWebCrypto(() => entryLines.map((line, seq) => decodeEntry(line, seq)));
  const evaluations = recordedEvaluations(entries).map((r) => ({
    seq: r.seq,
    period: r.period,
    checkpoint: r.checkpoint,
    sha256: r.result.sha256,
    summary: r.summary,
    total: r.total,
    currency: r.currency,
    at: entries[r.seq]?.at ?? '',
  }));
  const registered = entries.filter((e) => e.kind === 'contract.registered').at(-1);
  const minorUnit = (registered?.body.spec as { minorUnit?: number } | undefined)?.minorUnit ?? 2;
  return {
    contract,
    minorUnit,
    size: entries.length,
    root: verified.root ?? '',
    entries,
    evaluations,
  };
}

interface RecordsPage {
  readonly records: readonly { readonly batchId: string; readonly index: number; readonly record: StoredRecord }[];
  readonly next?: string;
}

/** Every record of a batch, in batch order, page by page. */
async function batchRecords(contract: string, batchId: string): Promise<StoredRecord[]> {
  const out: StoredRecord[] = [];
  let cursor: string | undefined;
  do {
    const page: RecordsPage = await api<RecordsPage>(contractPath(contract, 'records'), {
      query: { batch: batchId, cursor },
    });
    for (const r of page.records) out.push(r.record);
    cursor = page.next;
  } while (cursor !== undefined);
  return out;
}

export interface Recomputation {
  readonly seq: number;
  readonly period: string;
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly recorded: { readonly sha256: string; readonly summary: string };
  readonly computed: { readonly sha256: string; readonly summary: string };
  readonly resultMatches: boolean;
  readonly summaryMatches: boolean;
  readonly records: number;
  readonly batches: number;
  /** How long the recomputation took in the browser (fetching the records included), in milliseconds. */
  readonly ms: number;
  /** How long the evaluation itself took (the domain's run under WebCrypto), in milliseconds. */
  readonly computeMs: number;
}

/** Recomputes the evaluation recorded at `seq` of the export and compares it with what the entry says. */
export async function recompute(
  loaded: LoadedExport,
  seq: number,
  onProgress?: (done: number, total: number) => void,
): Promise<Recomputation> {
  const started = performance.now();
  const line = loaded.evaluations.find((e) => e.seq === seq);
  if (line === undefined) throw new Error(`entry ${seq} of the export is not an evaluation`);
  const request = {
    contract: loaded.contract,
    period: line.period,
    checkpoint: line.checkpoint,
    entries: loaded.entries.slice(0, line.checkpoint.size),
  };
  // What the runner reads: the batches and the earlier results (the spec's hash is computed here).
  const plan = await withWebCrypto(() => {
    const e = new Evaluation(request);
    return { batches: e.batches, priors: e.priors };
  });
  const total = plan.batches.reduce((n, b) => n + b.recordCount, 0);
  const records: StoredRecord[] = [];
  for (const batch of plan.batches) {
    records.push(...(await batchRecords(loaded.contract, batch.batchId)));
    onProgress?.(records.length, total);
  }
  const priors = new Map<string, EvaluationResult>();
  for (const p of plan.priors) {
    const answer = await api<{ result: EvaluationResult }>(contractPath(loaded.contract, 'evaluations', p.seq));
    priors.set(p.sha256, answer.result);
  }
  const computeStarted = performance.now();
  const computed = await withWebCrypto(() => {
    const evaluation = new Evaluation(request);
    for (const r of records) evaluation.addRecord(r);
    const result = evaluation.finish(priors);
    return { sha256: encodeResult(result).sha256, summary: summaryHash(publicSummary(result)) };
  });
  const done = performance.now();
  return {
    seq,
    period: line.period,
    checkpoint: line.checkpoint,
    recorded: { sha256: line.sha256, summary: line.summary },
    computed,
    resultMatches: computed.sha256 === line.sha256,
    summaryMatches: computed.summary === line.summary,
    records: records.length,
    batches: plan.batches.length,
    ms: Math.round(done - started),
    computeMs: Math.round(done - computeStarted),
  };
}
