import { bytesEqual, fromBase64, fromHex, utf8 } from '#kernel';
import { verifyCheckpoint } from './checkpoint.ts';
import { entryHash } from './entry.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import type { VerifierKey } from './note.ts';

/**
 * Self-contained proof documents, checkable offline with the log's verifier
 * key: an entry's inclusion in a signed checkpoint, and (for an evidence
 * record) the record's inclusion in its batch's records root, which that
 * entry holds.
 */

/** An entry proved against a signed checkpoint (`sib ledger proof --seq`). */
export interface EntryProofDocument {
  readonly contract: string;
  readonly seq: number;
  readonly size: number;
  /** The entry's canonical JSON text (the leaf data). */
  readonly entry: string;
  readonly leafHash: string;
  readonly proof: string[];
  readonly root: string;
  /** Signed checkpoint for (size, root). */
  readonly checkpoint: string;
}

/** An evidence record proved into its batch, and the batch's entry into the checkpoint (`sib operator|evaluator record-proof`). */
export interface RecordProofDocument extends EntryProofDocument {
  readonly eventId: string;
  /** The record's canonical JSON text (the leaf data of the batch's records root). */
  readonly record: string;
  readonly batch: {
    readonly batchId: string;
    readonly index: number;
    readonly count: number;
    /** Hex, as the entry's body holds it. */
    readonly recordsRoot: string;
    readonly proof: string[];
  };
}

/** Why an entry proof does not hold, or undefined when it does. */
export function checkEntryProof(doc: EntryProofDocument, keys: readonly (string | VerifierKey)[]): string | undefined {
  try {
    const leaf = entryHash(utf8(doc.entry));
    if (!bytesEqual(leaf, fromBase64(doc.leafHash))) return 'the entry text does not hash to leafHash';
    const entry = JSON.parse(doc.entry) as { contract?: unknown; seq?: unknown };
    if (entry.contract !== doc.contract || entry.seq !== doc.seq) {
      return `the entry is seq ${String(entry.seq)} of ${String(entry.contract)}, not seq ${doc.seq} of ${doc.contract}`;
    }
    const root = fromBase64(doc.root);
    if (!verifyInclusion(leaf, doc.seq, doc.size, doc.proof.map(fromBase64), root)) {
      return `the inclusion proof of seq ${doc.seq} in a tree of size ${doc.size} does not lead to the root`;
    }
    const cp = verifyCheckpoint(doc.checkpoint, keys);
    if (cp.size !== doc.size || !bytesEqual(cp.root, root)) return 'the signed checkpoint is for another size or root';
    if (!cp.origin.endsWith(`/${doc.contract}`)) return `the checkpoint is for ${cp.origin}, not ${doc.contract}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Why a record proof does not hold (either level), or undefined when it does. */
export function checkRecordProof(
  doc: RecordProofDocument,
  keys: readonly (string | VerifierKey)[],
): string | undefined {
  try {
    const record = JSON.parse(doc.record) as { eventId?: unknown };
    if (record.eventId !== doc.eventId) return `the record is event ${String(record.eventId)}, not ${doc.eventId}`;
    const body = (
      JSON.parse(doc.entry) as { body?: { batchId?: unknown; recordsRoot?: unknown; recordCount?: unknown } }
    ).body;
    if (body?.batchId !== doc.batch.batchId) return `the entry is not the entry of batch ${doc.batch.batchId}`;
    if (body.recordsRoot !== doc.batch.recordsRoot || body.recordCount !== doc.batch.count) {
      return "the batch's records root or count is not the one its entry holds";
    }
    const proved = verifyInclusion(
      leafHash(utf8(doc.record)),
      doc.batch.index,
      doc.batch.count,
      doc.batch.proof.map(fromBase64),
      fromHex(doc.batch.recordsRoot),
    );
    if (!proved) {
      return `the record's proof (record ${doc.batch.index} of ${doc.batch.count}) does not lead to the batch's records root`;
    }
  } catch (error) {
    return (error as Error).message;
  }
  return checkEntryProof(doc, keys);
}

export function isRecordProof(doc: EntryProofDocument): doc is RecordProofDocument {
  return 'record' in doc && 'batch' in doc;
}
