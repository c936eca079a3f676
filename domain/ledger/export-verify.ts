import { IntegrityError } from '#kernel';
import { ContractIdSchema } from './entry.ts';
import { layoutExport, type ScanResult, scanEntries } from './export-scan.ts';
import { finishExport, splitLines, type VerifyResult, verifyExportLines } from './log.ts';
import { LogVerifier } from './log-verifier.ts';
import type { VerifierKey } from './note.ts';

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
 */
export async function verifyExportBytes(
  data: Uint8Array,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string; strict?: boolean; spareFirstByte?: boolean } = {},
): Promise<VerifyResult> {
  const pinned = options.contract === undefined ? {} : { contract: options.contract };
  const text = options.spareFirstByte ? data.subarray(1) : data;
  // The strict path also refuses a pinned contract that is not a contract id (the fast scan compares bytes).
  if (options.strict || (options.contract !== undefined && !ContractIdSchema.safeParse(options.contract).success)) {
    return verifyExportLines(splitLines(text), keys, pinned);
  }
  const layout = layoutExport(data, { spareFirstByte: options.spareFirstByte === true });
  let scanned: ScanResult;
  try {
    scanned = scanEntries(layout, options.contract);
  } catch (error) {
    if (!(error instanceof IntegrityError)) throw error;
    // Name the first entry at fault with the full checks.
    return verifyExportLines(splitLines(layout.buf.subarray(1)), keys, pinned);
  }
  const verifier = new LogVerifier(pinned);
  verifier.adoptChecked({ size: scanned.entries, root: scanned.root, contract: scanned.contract, last: scanned.last });
  const lastLine =
    layout.count === 0
      ? undefined
      : layout.buf.subarray(layout.starts[layout.count - 1] as number, layout.ends[layout.count - 1] as number);
  return finishExport(verifier, lastLine, keys, options.contract);
}
