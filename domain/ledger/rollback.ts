/**
 * Rollback and fork detection: a log checked against a checkpoint verified
 * earlier (one the user kept, or the one the verifiers remember). The log
 * must extend it: the same root at its size (recomputed from the entries, or
 * shown by a consistency proof). A shorter log, or another tree at that
 * size, is refused with both sizes and both roots named.
 */
import { bytesEqual, IntegrityError, toBase64 } from '#kernel';
import type { Checkpoint } from './checkpoint.ts';
import type { LogVerifier } from './log-verifier.ts';
import { verifyConsistency } from './merkle.ts';

/** A checkpoint verified earlier, and how refusals name it (e.g. "the checkpoint given with --checkpoint"). */
export interface SeenCheckpoint {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  readonly label: string;
}

/** A tree: its size and root. */
export interface TreeHead {
  readonly size: number;
  readonly root: Uint8Array;
}

const at = (tree: TreeHead) => `${tree.size} entries (root ${toBase64(tree.root)})`;

function shorter(seen: SeenCheckpoint, current: TreeHead): IntegrityError {
  return new IntegrityError(
    `rollback: the log of ${seen.origin} now holds ${at(current)}, fewer than the ${at(seen)} of ${seen.label}`,
  );
}

function forked(seen: SeenCheckpoint, current: TreeHead, why: string): IntegrityError {
  return new IntegrityError(
    `fork: the log of ${seen.origin} at ${at(current)} does not extend the ${at(seen)} of ${seen.label}: ${why}`,
  );
}

/**
 * Checks `current` against `seen`, given the root of the current log's first
 * `seen.size` entries (recomputed from them; undefined when the log is
 * shorter). Throws IntegrityError.
 */
export function checkSeenPrefix(seen: SeenCheckpoint, current: TreeHead, rootAtSeenSize: Uint8Array | undefined): void {
  if (current.size < seen.size || rootAtSeenSize === undefined) throw shorter(seen, current);
  if (!bytesEqual(rootAtSeenSize, seen.root)) {
    throw forked(seen, current, `its first ${seen.size} entries have root ${toBase64(rootAtSeenSize)}`);
  }
}

/** Checks `current` against `seen` with a consistency proof from `seen.size` to `current.size`. Throws IntegrityError. */
export function checkSeenConsistency(seen: SeenCheckpoint, current: TreeHead, proof: readonly Uint8Array[]): void {
  if (current.size < seen.size) throw shorter(seen, current);
  if (!verifyConsistency(seen.size, current.size, seen.root, current.root, proof)) {
    throw forked(seen, current, 'the consistency proof between them does not verify');
  }
}

/** Checks that the verified log extends every `seen` checkpoint of its origin. Throws IntegrityError. */
export function checkSeen(verifier: LogVerifier, checkpoint: Checkpoint, seen: readonly SeenCheckpoint[]): void {
  for (const cp of seen) {
    if (cp.origin !== checkpoint.origin) {
      throw new IntegrityError(`${cp.label} is of log ${cp.origin}, not of ${checkpoint.origin}`);
    }
    checkSeenPrefix(cp, { size: verifier.size, root: verifier.root() }, verifier.rootAt(cp.size));
  }
}
