import { bytesEqual, IntegrityError, toHex } from '#kernel';
import { decodeEntry, type Entry, entryHash, GENESIS_PREV } from './entry.ts';
import { TreeBuilder } from './merkle.ts';

/**
 * Streaming verification of a contract log: feed entries in order, then
 * compare with a checkpoint. Each check names the first seq at fault, so an
 * altered, deleted or reordered entry is pointed at, not just "log invalid".
 */
export class LogVerifier {
  readonly #tree = new TreeBuilder();
  readonly #snapshotAt: ReadonlySet<number>;
  #contract: string | undefined;
  /** Whether #contract was taken from entry 0 (no contract was expected). */
  #contractFromFirst = false;
  #prev = GENESIS_PREV;
  readonly #snapshots = new Map<number, Uint8Array>();
  /** A seq whose prev did not match: the entry before it, or it, was altered; the next entry tells which. */
  #suspect: number | undefined;
  #adopted: { size: number; root: Uint8Array } | undefined;

  /** `rootAtSizes`: also keep the roots at those sizes (to check older checkpoints). */
  constructor(options: { contract?: string; rootAtSizes?: readonly number[] } = {}) {
    this.#contract = options.contract;
    this.#snapshotAt = new Set(options.rootAtSizes ?? []);
    if (this.#snapshotAt.has(0)) this.#snapshots.set(0, this.#tree.root());
  }

  get size(): number {
    return this.#adopted?.size ?? this.#tree.size;
  }

  get contract(): string | undefined {
    return this.#contract;
  }

  /** Hash (hex) of the last entry pushed; GENESIS_PREV before any. */
  get lastHash(): string {
    return this.#prev;
  }

  /**
   * Checks the next entry's bytes and returns the entry and its leaf hash.
   * Throws IntegrityError naming the seq.
   */
  push(bytes: Uint8Array): { entry: Entry; hash: Uint8Array } {
    const seq = this.#tree.size;
    let entry: Entry;
    try {
      entry = decodeEntry(bytes, seq);
    } catch (error) {
      this.#settle(false);
      throw error;
    }
    if (entry.seq !== seq) {
      this.#settle(false);
      throw new IntegrityError(
        entry.seq > seq
          ? `missing: the next entry found is seq ${entry.seq} (entries deleted or out of order)`
          : `out of order: seq ${entry.seq} found where seq ${seq} belongs`,
        seq,
      );
    }
    if (this.#contract === undefined) {
      this.#contract = entry.contract;
      this.#contractFromFirst = true;
    } else if (entry.contract !== this.#contract) {
      this.#settle(false);
      // The contract was read from entry 0: if entry 1 also no longer links to entry 0, entry 0 was altered.
      if (seq === 1 && this.#contractFromFirst && entry.prev !== this.#prev) {
        throw new IntegrityError(
          `altered: its contract differs from the rest of the log and its hash no longer matches the prev recorded by seq 1`,
          0,
        );
      }
      throw new IntegrityError(`entry belongs to contract ${entry.contract}, not ${this.#contract}`, seq);
    }
    const chained = entry.prev === this.#prev;
    this.#settle(!chained);
    if (!chained) {
      if (seq === 0) throw new IntegrityError('first entry does not start the chain (prev is not all zeros)', 0);
      this.#suspect = seq;
    }
    const hash = entryHash(bytes);
    this.#prev = toHex(hash);
    this.#tree.push(hash);
    if (this.#snapshotAt.has(this.#tree.size)) this.#snapshots.set(this.#tree.size, this.#tree.root());
    return { entry, hash };
  }

  /**
   * Resolves a pending broken link at seq S. If S's own hash is also not what
   * S+1 recorded, S itself was altered (its prev field); otherwise S-1 was.
   */
  #settle(nextLinkBroken: boolean): void {
    const suspect = this.#suspect;
    if (suspect === undefined) return;
    this.#suspect = undefined;
    if (nextLinkBroken) {
      throw new IntegrityError(
        `altered: its prev no longer matches seq ${suspect - 1} and its hash no longer matches the prev of seq ${suspect + 1}`,
        suspect,
      );
    }
    throw new IntegrityError(`altered: its hash no longer matches the prev recorded by seq ${suspect}`, suspect - 1);
  }

  /** Call after the last entry: reports a broken link still pending. */
  finish(): void {
    this.#settle(false);
  }

  /**
   * Takes a range of entries already checked elsewhere (the fast export scan,
   * which checks seq, contract and prev links itself): their count, root and
   * last hash stand in for pushing them one by one.
   */
  adoptChecked(scanned: {
    size: number;
    root: Uint8Array;
    contract: string | undefined;
    last: Uint8Array | undefined;
    /** Roots the scan kept at some sizes (see `rootAtSizes`). */
    roots?: ReadonlyMap<number, Uint8Array>;
  }): void {
    if (this.#tree.size !== 0 || this.#adopted) throw new Error('adoptChecked is only for a fresh verifier');
    if (this.#contract !== undefined && scanned.contract !== undefined && scanned.contract !== this.#contract) {
      throw new IntegrityError(`entry belongs to contract ${scanned.contract}, not ${this.#contract}`, 0);
    }
    if (scanned.contract !== undefined) this.#contract = scanned.contract;
    if (scanned.last !== undefined) this.#prev = toHex(scanned.last);
    this.#adopted = { size: scanned.size, root: scanned.root };
    for (const [size, root] of scanned.roots ?? []) this.#snapshots.set(size, root);
  }

  root(): Uint8Array {
    return this.#adopted?.root ?? this.#tree.root();
  }

  /** The root at `size`: the current one, or one kept (`rootAtSizes`); undefined otherwise. */
  rootAt(size: number): Uint8Array | undefined {
    return size === this.size ? this.root() : this.#snapshots.get(size);
  }

  /**
   * Checks the tree against a verified checkpoint's size and root. A
   * checkpoint may be older than the entries seen if `rootAtSize` was given.
   */
  checkCheckpoint(checkpoint: { size: number; root: Uint8Array }): void {
    this.finish();
    const size = this.size;
    let root: Uint8Array | undefined;
    if (checkpoint.size === size) root = this.root();
    else if (checkpoint.size < size && this.#snapshots.has(checkpoint.size))
      root = this.#snapshots.get(checkpoint.size);
    else {
      throw new IntegrityError(
        checkpoint.size > size
          ? `the checkpoint covers ${checkpoint.size} entries but only ${size} are present: entries from seq ${size} on are missing`
          : `the checkpoint covers ${checkpoint.size} entries but ${size} are present`,
        Math.min(size, checkpoint.size),
      );
    }
    if (root === undefined || !bytesEqual(root, checkpoint.root)) {
      const last = checkpoint.size - 1;
      throw new IntegrityError(
        `the Merkle root over seq 0..${last} does not match the signed checkpoint (the hash chain holds, so seq ${last} or the whole chain after an earlier entry was rewritten)`,
        last,
      );
    }
  }
}
