/**
 * RFC 6962 / RFC 9162 Merkle trees: hashing, proofs, verification, and the
 * storage plans of a log that keeps every completed perfect subtree.
 *
 * Pure (no I/O). Hashes are 32-byte SHA-256 digests. Sizes and indexes are
 * non-negative safe integers. The verify functions are a public interface for
 * third-party verifiers: they return false, never throw, on any bad input.
 */
import { bytesEqual, sha256 } from '#kernel';

const HASH_SIZE = 32;
const EMPTY_ROOT = digest(new Uint8Array(0));

// ---------------------------------------------------------------- hashing (RFC 6962 §2.1)

/** SHA-256(0x00 || data). */
export function leafHash(data: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + data.length);
  buf.set(data, 1);
  return digest(buf);
}

// Interior hashing dominates tree building: reuse one input buffer (hashing is synchronous).
const NODE_INPUT = new Uint8Array(1 + 2 * HASH_SIZE);
NODE_INPUT[0] = 1;

/** SHA-256(0x01 || left || right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length === HASH_SIZE && right.length === HASH_SIZE) {
    NODE_INPUT.set(left, 1);
    NODE_INPUT.set(right, 1 + HASH_SIZE);
    return digest(NODE_INPUT);
  }
  const buf = new Uint8Array(1 + left.length + right.length);
  buf[0] = 1;
  buf.set(left, 1);
  buf.set(right, 1 + left.length);
  return digest(buf);
}

/** MTH({}) = SHA-256(""). */
export function emptyRoot(): Uint8Array {
  return EMPTY_ROOT.slice();
}

/** SHA-256 as a plain Uint8Array (not a Buffer, whose slice() would share memory). */
function digest(buf: Uint8Array): Uint8Array {
  const d = sha256(buf);
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
}

/** MTH(D[n]) over raw leaf data, by the RFC 6962 §2.1 recursion. */
export function rootFromLeaves(leaves: readonly Uint8Array[]): Uint8Array {
  return leaves.length === 0 ? emptyRoot() : mth(leaves.map(leafHash), 0, leaves.length);
}

/** MTH of hashes[start:end] (leaf hashes, end > start). */
function mth(hashes: readonly Uint8Array[], start: number, end: number): Uint8Array {
  if (end - start === 1) return hashes[start] as Uint8Array;
  const k = splitPoint(end - start);
  return nodeHash(mth(hashes, start, start + k), mth(hashes, start + k, end));
}

// ---------------------------------------------------------------- proofs from leaves

/** PATH(index, D[n]) (RFC 6962 §2.1.1), built from the inclusion plan. Throws RangeError for a bad index. */
export function inclusionProof(leaves: readonly Uint8Array[], index: number): Uint8Array[] {
  return fromLeaves(leaves, inclusionPlan(index, leaves.length));
}

/** PROOF(oldSize, D[n]) (RFC 6962 §2.1.2), built from the consistency plan. Throws RangeError for a bad size. */
export function consistencyProof(leaves: readonly Uint8Array[], oldSize: number): Uint8Array[] {
  return fromLeaves(leaves, consistencyPlan(oldSize, leaves.length));
}

function fromLeaves(leaves: readonly Uint8Array[], plan: NodeId[][]): Uint8Array[] {
  const hashes = leaves.map(leafHash);
  const node = ({ level, index }: NodeId) => mth(hashes, index * 2 ** level, (index + 1) * 2 ** level);
  return plan.map((ids) => foldRange(ids.map(node)));
}

// ---------------------------------------------------------------- verification (RFC 9162 §2.1.3.2, §2.1.4.2)

/** True iff `proof` shows the leaf with hash `leafHash` is at `index` in the tree of `size` with `root`. */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  try {
    const path: unknown = proof;
    if (!isSize(index) || !isSize(size) || index >= size) return false;
    if (!isHash(leafHash) || !isHash(root) || !Array.isArray(path)) return false;
    let fn = index;
    let sn = size - 1;
    let r = leafHash;
    for (let i = 0; i < path.length; i++) {
      const p: unknown = path[i];
      if (!isHash(p) || sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        r = nodeHash(p, r);
        while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
      } else {
        r = nodeHash(r, p);
      }
      [fn, sn] = [half(fn), half(sn)];
    }
    return sn === 0 && bytesEqual(r, root);
  } catch {
    return false;
  }
}

/** True iff `proof` shows the tree (`oldSize`, `oldRoot`) is a prefix of the tree (`newSize`, `newRoot`). */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: readonly Uint8Array[],
): boolean {
  try {
    const path: unknown = proof;
    if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
    if (!(oldRoot instanceof Uint8Array) || !(newRoot instanceof Uint8Array) || !Array.isArray(path)) return false;
    // Outside RFC 9162 (which requires 0 < old < new), matching the vectors:
    // equal sizes need an empty proof and equal roots; size 0 has the known empty root.
    if (oldSize === 0 && !bytesEqual(oldRoot, EMPTY_ROOT)) return false;
    if (oldSize === newSize) return path.length === 0 && bytesEqual(oldRoot, newRoot);
    if (oldSize === 0) return path.length === 0 && isHash(newRoot);
    if (!isHash(oldRoot) || !isHash(newRoot) || path.length === 0) return false;
    const nodes: unknown[] = isPowerOfTwo(oldSize) ? [oldRoot, ...path] : [...path];
    if (!nodes.every(isHash)) return false; // spread turned holes into undefined
    const hashes = nodes as Uint8Array[];
    let fn = oldSize - 1;
    let sn = newSize - 1;
    while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
    let fr = hashes[0] as Uint8Array;
    let sr = fr;
    for (let i = 1; i < hashes.length; i++) {
      const c = hashes[i] as Uint8Array;
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
      } else {
        sr = nodeHash(sr, c);
      }
      [fn, sn] = [half(fn), half(sn)];
    }
    return sn === 0 && bytesEqual(fr, oldRoot) && bytesEqual(sr, newRoot);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- storage plans

/** The perfect subtree covering leaves [index * 2**level, (index + 1) * 2**level); level 0 is a leaf hash. */
export interface NodeId {
  level: number;
  index: number;
}

/**
 * The perfect subtrees, left to right, whose right fold (foldRange) is MTH(D[start:end]):
 * greedy binary decomposition. Requires `start` to be a multiple of the largest power of
 * two <= end - start, as for every range of the RFC 6962 recursion; else RangeError.
 */
export function rangeNodes(start: number, end: number): NodeId[] {
  if (!isSize(start) || !isSize(end) || start > end) throw new RangeError(`bad range [${start}, ${end})`);
  const nodes: NodeId[] = [];
  for (let pos = start; pos < end; ) {
    let level = 0;
    while (2 ** (level + 1) <= end - pos) level++;
    const width = 2 ** level;
    if (pos % width !== 0) throw new RangeError(`range [${start}, ${end}) is not a Merkle subtree range`);
    nodes.push({ level, index: pos / width });
    pos += width;
  }
  return nodes;
}

/** Right fold: h = last; for i from n-2 down to 0: h = nodeHash(hashes[i], h). Throws RangeError when empty. */
export function foldRange(hashes: readonly Uint8Array[]): Uint8Array {
  let h = hashes[hashes.length - 1];
  if (h === undefined) throw new RangeError('cannot fold an empty range');
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i] as Uint8Array, h);
  return h;
}

/** One NodeId[] per element of PATH(index, D[size]) (RFC 6962 §2.1.1), in audit-path order. */
export function inclusionPlan(index: number, size: number): NodeId[][] {
  if (!isSize(size) || !isSize(index) || index >= size) throw new RangeError(`bad index ${index} for size ${size}`);
  const plan: NodeId[][] = [];
  // PATH(m, D[start:end]); a proof element is the MTH of the sibling range.
  const path = (m: number, start: number, end: number): void => {
    if (end - start === 1) return;
    const k = splitPoint(end - start);
    if (m < k) {
      path(m, start, start + k);
      plan.push(rangeNodes(start + k, end));
    } else {
      path(m - k, start + k, end);
      plan.push(rangeNodes(start, start + k));
    }
  };
  path(index, 0, size);
  return plan;
}

/** One NodeId[] per element of PROOF(oldSize, D[newSize]) (RFC 6962 §2.1.2); empty when oldSize is 0 or newSize. */
export function consistencyPlan(oldSize: number, newSize: number): NodeId[][] {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) {
    throw new RangeError(`bad sizes ${oldSize} -> ${newSize}`);
  }
  const plan: NodeId[][] = [];
  // SUBPROOF(m, D[start:end], b)
  const subproof = (m: number, start: number, end: number, b: boolean): void => {
    if (m === end - start) {
      if (!b) plan.push(rangeNodes(start, end));
      return;
    }
    const k = splitPoint(end - start);
    if (m <= k) {
      subproof(m, start, start + k, b);
      plan.push(rangeNodes(start + k, end));
    } else {
      subproof(m - k, start + k, end, false);
      plan.push(rangeNodes(start, start + k));
    }
  };
  if (oldSize > 0) subproof(oldSize, 0, newSize, true);
  return plan;
}

/**
 * Appends a LEAF HASH to the compact range `frontier` (hashes of rangeNodes(0, size)).
 * Returns the frontier for size + 1 and every perfect node this append completes, bottom up
 * (the new level-0 node first).
 */
export function appendLeaf(
  frontier: readonly Uint8Array[],
  size: number,
  leaf: Uint8Array,
): { frontier: Uint8Array[]; completed: { id: NodeId; hash: Uint8Array }[] } {
  if (!isSize(size) || size + 1 > Number.MAX_SAFE_INTEGER) throw new RangeError(`bad size ${size}`);
  if (frontier.length !== popcount(size)) throw new RangeError(`frontier has ${frontier.length} hashes, size ${size}`);
  const next = frontier.slice();
  let h = leaf;
  const completed = [{ id: { level: 0, index: size }, hash: h }];
  for (let level = 1, s = size; s % 2 === 1; level++, s = half(s)) {
    h = nodeHash(next.pop() as Uint8Array, h);
    completed.push({ id: { level, index: Math.floor(size / 2 ** level) }, hash: h });
  }
  next.push(h);
  return { frontier: next, completed };
}

/** The root of the tree whose compact range is `frontier`. */
export function rootFromFrontier(frontier: readonly Uint8Array[]): Uint8Array {
  return frontier.length === 0 ? emptyRoot() : foldRange(frontier);
}

/**
 * Streaming root over leaf hashes: a stack of perfect-subtree hashes, merged on push.
 * Keeps a reference to a pushed leaf hash until it is merged; do not mutate it meanwhile.
 */
export class TreeBuilder {
  #stack: Uint8Array[] = [];
  #size = 0;

  push(leafHash: Uint8Array): void {
    let h = leafHash;
    for (let s = this.#size; s % 2 === 1; s = half(s)) h = nodeHash(this.#stack.pop() as Uint8Array, h);
    this.#stack.push(h);
    this.#size++;
  }

  get size(): number {
    return this.#size;
  }

  root(): Uint8Array {
    return rootFromFrontier(this.#stack);
  }
}

// ---------------------------------------------------------------- helpers (exact for safe integers)

function isSize(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

function half(x: number): number {
  return Math.floor(x / 2);
}

function isPowerOfTwo(x: number): boolean {
  while (x > 1 && x % 2 === 0) x /= 2;
  return x === 1;
}

function popcount(x: number): number {
  let n = 0;
  for (; x > 0; x = half(x)) n += x % 2;
  return n;
}

/** k: the largest power of two < n (n > 1), where RFC 6962 splits D[n]. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
