import { bytesEqual, toBase64, toHex } from './bytes.ts';
import { DomainError, IntegrityError } from './errors.ts';
import {
  checkpointOrigin,
  signCheckpoint,
  type VerifiedCheckpoint,
  type VerifierKey,
  verifyCheckpoint,
} from './note.ts';
import type { Signer } from './ports.ts';
import { LogVerifier } from './verify.ts';

/** What the ledger use cases need from a log store (DynamoLedger implements it). */
export interface LogStore {
  head(contract: string): Promise<{ size: number; root: Uint8Array; last: string }>;
  rootAt(contract: string, size: number): Promise<Uint8Array>;
  /** Entry items in key order; `keySeq` is the seq the item is stored under. */
  entries(contract: string, from?: number, to?: number): AsyncIterable<{ keySeq: number; bytes: Uint8Array }>;
  /** Stored level-0 nodes in order. */
  leafHashes(contract: string): AsyncIterable<{ index: number; hash: Uint8Array }>;
  latestCheckpoint(contract: string): Promise<string | undefined>;
  saveCheckpoint(contract: string, size: number, note: string): Promise<string>;
}

export interface VerifyResult {
  readonly ok: boolean;
  readonly contract?: string;
  /** Entries checked before the first failure (all of them when ok). */
  readonly entries: number;
  /** Merkle root (hex) over the entries checked, when ok. */
  readonly root?: string;
  readonly checkpoint?: { origin: string; size: number; root: string; signedBy: string[] };
  readonly failure?: { seq?: number; message: string };
}

/** Signs a checkpoint for the tree at `size` (default: HEAD) and publishes it. Returns the signed note. */
export async function publishCheckpoint(
  store: LogStore,
  signer: Signer,
  contract: string,
  size?: number,
): Promise<string> {
  const head = await store.head(contract);
  const at = size ?? head.size;
  const root = at === head.size ? head.root : await store.rootAt(contract, at);
  const note = await signCheckpoint({ origin: checkpointOrigin(signer.name, contract), size: at, root }, [signer]);
  return store.saveCheckpoint(contract, at, note);
}

function checkpointSummary(cp: VerifiedCheckpoint): NonNullable<VerifyResult['checkpoint']> {
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), signedBy: cp.verified.map((s) => s.name) };
}

function openCheckpoint(note: string, keys: readonly (string | VerifierKey)[], contract: string): VerifiedCheckpoint {
  const cp = verifyCheckpoint(note, keys);
  if (!cp.origin.endsWith(`/${contract}`)) {
    throw new IntegrityError(`the checkpoint is for log ${JSON.stringify(cp.origin)}, not contract ${contract}`);
  }
  return cp;
}

function failed(error: unknown, verifier: LogVerifier, checkpoint?: VerifiedCheckpoint): VerifyResult {
  if (!(error instanceof DomainError)) throw error;
  const seq = error instanceof IntegrityError ? error.seq : undefined;
  return {
    ok: false,
    ...(verifier.contract === undefined ? {} : { contract: verifier.contract }),
    entries: verifier.size,
    ...(checkpoint ? { checkpoint: checkpointSummary(checkpoint) } : {}),
    failure: { ...(seq === undefined ? {} : { seq }), message: error.message },
  };
}

/**
 * Verifies a contract log as stored: every entry's canonical form, seq and
 * contract, the prev chain, each entry against its stored leaf node, HEAD,
 * and the latest published checkpoint's signature and root.
 */
export async function verifyStoredLog(
  store: LogStore,
  contract: string,
  keys: readonly (string | VerifierKey)[],
): Promise<VerifyResult> {
  let checkpoint: VerifiedCheckpoint | undefined;
  let verifier = new LogVerifier({ contract });
  try {
    const head = await store.head(contract);
    const note = await store.latestCheckpoint(contract);
    if (note === undefined) throw new IntegrityError(`no checkpoint has been published for ${contract}`);
    checkpoint = openCheckpoint(note, keys, contract);
    verifier = new LogVerifier({ contract, rootAtSize: checkpoint.size });
    const leaves = store.leafHashes(contract)[Symbol.asyncIterator]();
    for await (const { keySeq, bytes } of store.entries(contract)) {
      const seq = verifier.size;
      if (keySeq !== seq) throw new IntegrityError(`missing: no entry is stored for seq ${seq}`, seq);
      const { entry, hash } = verifier.push(bytes);
      if (entry.seq !== keySeq)
        throw new IntegrityError(`the item stored as seq ${keySeq} holds seq ${entry.seq}`, seq);
      const leaf = await leaves.next();
      if (leaf.done || leaf.value.index !== seq || !bytesEqual(leaf.value.hash, hash)) {
        throw new IntegrityError('altered: the entry no longer matches the leaf hash stored when it was appended', seq);
      }
    }
    verifier.finish();
    if (verifier.size !== head.size) {
      throw new IntegrityError(`HEAD counts ${head.size} entries but ${verifier.size} are stored`, verifier.size);
    }
    if (!bytesEqual(verifier.root(), head.root)) {
      throw new IntegrityError('the Merkle root over the stored entries does not match HEAD', head.size - 1);
    }
    verifier.checkCheckpoint(checkpoint);
  } catch (error) {
    return failed(error, verifier, checkpoint);
  }
  return {
    ok: true,
    contract,
    entries: verifier.size,
    root: toHex(verifier.root()),
    checkpoint: checkpointSummary(checkpoint),
  };
}

/**
 * The export format: one line per entry, each line exactly the entry's
 * canonical bytes, then `{"checkpoint":"<signed note>"}` for exactly those entries.
 */
export async function* exportLog(store: LogStore, signer: Signer, contract: string): AsyncGenerator<string> {
  const head = await store.head(contract);
  const latest = await store.latestCheckpoint(contract);
  const note =
    latest !== undefined && latest.split('\n')[1] === String(head.size)
      ? latest
      : await publishCheckpoint(store, signer, contract, head.size);
  const decoder = new TextDecoder();
  for await (const { bytes } of store.entries(contract, 0, head.size)) yield `${decoder.decode(bytes)}\n`;
  yield `${JSON.stringify({ checkpoint: note })}\n`;
}

/**
 * Verifies an export offline, given its lines (without newlines) in order.
 * The last line must be the checkpoint; `contract` (optional) pins whose log it must be.
 */
export async function verifyExportLines(
  lines: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string } = {},
): Promise<VerifyResult> {
  const verifier = new LogVerifier(options.contract === undefined ? {} : { contract: options.contract });
  let pending: Uint8Array | undefined;
  try {
    for await (const line of lines) {
      if (pending !== undefined) verifier.push(pending);
      pending = line;
    }
    verifier.finish();
  } catch (error) {
    return failed(error, verifier);
  }
  return finishExport(verifier, pending, keys, options.contract);
}

/**
 * Checks an export's last line, the signed checkpoint, against the entries a
 * verifier has taken in.
 */
export function finishExport(
  verifier: LogVerifier,
  lastLine: Uint8Array | undefined,
  keys: readonly (string | VerifierKey)[],
  expectedContract?: string,
): VerifyResult {
  let checkpoint: VerifiedCheckpoint | undefined;
  try {
    if (lastLine === undefined) throw new IntegrityError('the export is empty');
    const note = checkpointLine(lastLine, verifier.size);
    const contract = verifier.contract ?? expectedContract;
    if (contract === undefined) throw new IntegrityError('the export holds no entries and names no contract');
    checkpoint = openCheckpoint(note, keys, contract);
    verifier.checkCheckpoint(checkpoint);
  } catch (error) {
    return failed(error, verifier, checkpoint);
  }
  return {
    ok: true,
    ...(verifier.contract === undefined ? {} : { contract: verifier.contract }),
    entries: verifier.size,
    root: toHex(verifier.root()),
    checkpoint: checkpointSummary(checkpoint),
  };
}

function checkpointLine(line: Uint8Array, entries: number): string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    value = undefined;
  }
  const note = (value as { checkpoint?: unknown } | undefined)?.checkpoint;
  if (typeof note !== 'string') {
    throw new IntegrityError(
      `the last line is not {"checkpoint": ...}: the export is truncated or the checkpoint was removed (after ${entries} entries)`,
      entries,
    );
  }
  return note;
}

/** Splits a whole export (bytes) into lines without copying; a final newline is optional. */
export function* splitLines(data: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    yield data.subarray(start, end);
    start = end + 1;
  }
}
