/**
 * Verifying an export offline (the format exportLog writes: one canonical
 * entry per line, then the signed checkpoint): line by line with every check
 * of every entry (verifyExportLines), or fast over the whole export in memory
 * (verifyExportBytes); and the helpers both use.
 */
import { IntegrityError, toHex, ValidationError } from '#kernel';
import { openCheckpoint, type VerifiedCheckpoint } from './checkpoint.ts';
import { ContractIdSchema } from './entry.ts';
import { layoutExport, type ScanResult, scanEntries } from './export-scan.ts';
import { LogVerifier } from './log-verifier.ts';
import type { VerifierKey } from './note.ts';
import { checkSeen, type SeenCheckpoint } from './rollback.ts';
import { checkpointSummary, failedVerification, type VerifyResult } from './verify-result.ts';

/**
 * Fast offline verification of a whole export held in memory.
 *
 * It checks what makes the log trustworthy: every entry's RFC 6962 leaf hash,
 * its seq, contract and prev link, the Merkle tree and the signed checkpoint.
 * It reads seq, prev, kind and contract from the fixed tail of each canonical
 * entry (RFC 8785 sorts the keys, so every entry ends with
 * `,"contract":"…","kind":"…","prev":"<64 hex>","seq":N,"v":1}`), without a
 * JSON parser, so verification runs close to the speed of hashing the bytes.
 * Any change to an entry still changes its hash, which the next entry's prev
 * and the signed root catch. `strict` adds full schema and canonical-form
 * checks of every entry (verifyExportLines).
 *
 * When a check fails, the strict path re-runs to name the first failing seq
 * in the same words as the stored-log verifier.
 *
 * Pass `spareFirstByte` with a buffer whose first byte is free (the export
 * read at offset 1, see cli/export-file.ts) to avoid copying a large export.
 *
 * `seen`: checkpoints verified earlier; the export must extend each (the
 * root of its first `size` entries is recomputed), else the verification
 * fails naming both sizes (rollback.ts).
 */
export async function verifyExportBytes(
  data: Uint8Array,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string; strict?: boolean; spareFirstByte?: boolean; seen?: readonly SeenCheckpoint[] } = {},
): Promise<VerifyResult> {
  const pinned = {
    ...(options.contract === undefined ? {} : { contract: options.contract }),
    ...(options.seen === undefined ? {} : { seen: options.seen }),
  };
  const text = options.spareFirstByte ? data.subarray(1) : data;
  // The strict path also refuses a pinned contract that is not a contract id (the fast scan compares bytes).
  if (options.strict || (options.contract !== undefined && !ContractIdSchema.safeParse(options.contract).success)) {
    return verifyExportLines(splitLines(text), keys, pinned);
  }
  const layout = layoutExport(data, { spareFirstByte: options.spareFirstByte === true });
  let scanned: ScanResult;
  try {
    scanned = scanEntries(
      layout,
      options.contract,
      (options.seen ?? []).map((cp) => cp.size),
    );
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    // Name the first entry at fault with the full checks.
    return verifyExportLines(splitLines(layout.buf.subarray(1)), keys, pinned);
  }
  const verifier = new LogVerifier(options.contract === undefined ? {} : { contract: options.contract });
  verifier.adoptChecked({
    size: scanned.entries,
    root: scanned.root,
    contract: scanned.contract,
    last: scanned.last,
    roots: scanned.roots,
  });
  const lastLine =
    layout.count === 0
      ? undefined
      : layout.buf.subarray(layout.starts[layout.count - 1] as number, layout.ends[layout.count - 1] as number);
  return finishExport(verifier, lastLine, keys, pinned);
}

/** The signed checkpoint on the last line of an export, if that line is `{"checkpoint": "<note>"}`. */
export function exportCheckpointNote(data: Uint8Array): string | undefined {
  let end = data.length;
  while (end > 0 && (data[end - 1] === 0x0a || data[end - 1] === 0x0d)) end--;
  const start = data.lastIndexOf(0x0a, end - 1) + 1;
  try {
    const note = (
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(start, end))) as {
        checkpoint?: unknown;
      }
    ).checkpoint;
    return typeof note === 'string' ? note : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies an export offline, given its lines (without newlines) in order.
 * The last line must be the checkpoint; `contract` (optional) pins whose log it must be.
 */
export async function verifyExportLines(
  lines: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string; seen?: readonly SeenCheckpoint[] } = {},
): Promise<VerifyResult> {
  const verifier = new LogVerifier({
    ...(options.contract === undefined ? {} : { contract: options.contract }),
    rootAtSizes: (options.seen ?? []).map((cp) => cp.size),
  });
  if (options.contract !== undefined && !ContractIdSchema.safeParse(options.contract).success) {
    return failedVerification(
      new ValidationError(`${JSON.stringify(options.contract)} is not a contract id`),
      verifier,
    );
  }
  let pending: Uint8Array | undefined;
  try {
    for await (const line of lines) {
      if (pending !== undefined) verifier.push(pending);
      pending = line;
    }
    verifier.finish();
  } catch (error) {
    return failedVerification(error, verifier);
  }
  return finishExport(verifier, pending, keys, options);
}

/**
 * Checks an export's last line, the signed checkpoint, against the entries a
 * verifier has taken in, then that the log extends every `seen` checkpoint
 * (the verifier must have kept the roots at their sizes).
 */
export function finishExport(
  verifier: LogVerifier,
  lastLine: Uint8Array | undefined,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string; seen?: readonly SeenCheckpoint[] } = {},
): VerifyResult {
  const expectedContract = options.contract;
  let checkpoint: VerifiedCheckpoint | undefined;
  try {
    if (lastLine === undefined) throw new IntegrityError('the export is empty');
    const note = checkpointLine(lastLine, verifier.size);
    const contract = verifier.contract ?? expectedContract;
    if (contract === undefined) throw new IntegrityError('the export holds no entries and names no contract');
    checkpoint = openCheckpoint(note, keys, contract);
    verifier.checkCheckpoint(checkpoint);
    checkSeen(verifier, checkpoint, options.seen ?? []);
  } catch (error) {
    return failedVerification(error, verifier, checkpoint);
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
