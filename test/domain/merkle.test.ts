import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { fromBase64, fromHex, sha256, toHex } from '#kernel';
import {
  appendLeaf,
  consistencyPlan,
  consistencyProof,
  emptyRoot,
  foldRange,
  inclusionPlan,
  inclusionProof,
  leafHash,
  type NodeId,
  nodeHash,
  rangeNodes,
  rootFromFrontier,
  rootFromLeaves,
  TreeBuilder,
  verifyConsistency,
  verifyInclusion,
} from '#ledger';

// ---------------------------------------------------------------- RFC 6962 vectors (test/fixtures/rfc6962)

const VECTOR_DIR = fileURLToPath(new URL('../fixtures/rfc6962', import.meta.url));

function jsonFiles(sub: string): string[] {
  return readdirSync(path.join(VECTOR_DIR, sub), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join(sub, f))
    .sort();
}
const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(VECTOR_DIR, file), 'utf8'));
const b64 = (s: unknown): Uint8Array => fromBase64(s as string);
// `proof: null` is Go's nil slice, i.e. an empty proof. (The TS API itself rejects a null proof, see below.)
const proofOf = (v: Record<string, unknown>): Uint8Array[] => ((v.proof ?? []) as string[]).map(b64);
const hex = (xs: readonly Uint8Array[]): string[] => xs.map(toHex);

const inclusionFiles = jsonFiles('inclusion');
const consistencyFiles = jsonFiles('consistency');
const leavesJson = read('leaves.json') as { leavesHex: string[]; rootsHex: Record<string, string> };
const LEAVES = leavesJson.leavesHex.map(fromHex);

describe('RFC 6962 vectors', () => {
  test('vector directory is found and complete', () => {
    expect(inclusionFiles.length).toBeGreaterThan(90);
    expect(consistencyFiles.length).toBeGreaterThan(90);
    expect(LEAVES).toHaveLength(8);
  });

  test.each(inclusionFiles)('%s', (file) => {
    const v = read(file);
    const ok = verifyInclusion(b64(v.leafHash), v.leafIdx as number, v.treeSize as number, proofOf(v), b64(v.root));
    expect(ok).toBe(!v.wantErr);
  });

  test.each(consistencyFiles)('%s', (file) => {
    const v = read(file);
    const ok = verifyConsistency(v.size1 as number, v.size2 as number, b64(v.root1), b64(v.root2), proofOf(v));
    expect(ok).toBe(!v.wantErr);
  });

  test('rootFromLeaves matches leaves.json for n = 0..8', () => {
    for (let n = 0; n <= 8; n++) expect(toHex(rootFromLeaves(LEAVES.slice(0, n)))).toBe(leavesJson.rootsHex[n]);
    expect(toHex(emptyRoot())).toBe(leavesJson.rootsHex[0]);
  });

  test.each(inclusionFiles.filter((f) => f.endsWith('happy-path.json')))('inclusionProof reproduces %s', (file) => {
    const v = read(file);
    const leaves = LEAVES.slice(0, v.treeSize as number);
    const index = v.leafIdx as number;
    expect(toHex(leafHash(LEAVES[index] as Uint8Array))).toBe(toHex(b64(v.leafHash)));
    expect(toHex(rootFromLeaves(leaves))).toBe(toHex(b64(v.root)));
    expect(hex(inclusionProof(leaves, index))).toEqual(hex(proofOf(v)));
  });

  test.each(consistencyFiles.filter((f) => f.endsWith('happy-path.json')))('consistencyProof reproduces %s', (file) => {
    const v = read(file);
    const leaves = LEAVES.slice(0, v.size2 as number);
    expect(toHex(rootFromLeaves(LEAVES.slice(0, v.size1 as number)))).toBe(toHex(b64(v.root1)));
    expect(toHex(rootFromLeaves(leaves))).toBe(toHex(b64(v.root2)));
    expect(hex(consistencyProof(leaves, v.size1 as number))).toEqual(hex(proofOf(v)));
  });
});

// ---------------------------------------------------------------- helpers

const key = ({ level, index }: NodeId): string => `${level}/${index}`;
const startOf = (ids: readonly NodeId[]): number => {
  const first = ids[0] as NodeId;
  return first.index * 2 ** first.level;
};

function flipBit(bytes: Uint8Array, bit: number): Uint8Array {
  const copy = bytes.slice();
  copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
  return copy;
}

/** Every single-bit flip of `bytes` for which `accepts` still returns true (should be none). */
function acceptedFlips(bytes: Uint8Array, accepts: (flipped: Uint8Array) => boolean): number[] {
  const bad: number[] = [];
  for (let bit = 0; bit < bytes.length * 8; bit++) if (accepts(flipBit(bytes, bit))) bad.push(bit);
  return bad;
}

/** The proof with one extra element or one element dropped, at every position. */
function lengthMutants(proof: readonly Uint8Array[], extra: Uint8Array): Uint8Array[][] {
  const out: Uint8Array[][] = [];
  for (let i = 0; i <= proof.length; i++) {
    out.push([...proof.slice(0, i), extra, ...proof.slice(i)]);
    if (i > 0) out.push([...proof.slice(0, i), proof[i - 1] as Uint8Array, ...proof.slice(i)]);
    if (i < proof.length) out.push([...proof.slice(0, i), ...proof.slice(i + 1)]);
  }
  return out;
}

const isPow2 = (x: number): boolean => x > 0 && (x & (x - 1)) === 0;

/**
 * What the RFC 9162 verifier computes depends only on which side each proof element joins
 * (plus, for consistency, whether old root seeds it). Proofs are bound to (index, size) only
 * up to this shape: e.g. leaf 0's proof in a 3-leaf tree also verifies as leaf 0 of 4 leaves.
 */
function inclusionShape(index: number, size: number): string {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return 'invalid';
  return inclusionPlan(index, size)
    .map((ids) => (startOf(ids) < index ? 'L' : 'R'))
    .join('');
}
function consistencyShape(m: number, n: number): string {
  if (!Number.isSafeInteger(m) || !Number.isSafeInteger(n) || m <= 0 || m >= n) return `special ${m} ${n}`;
  const tags = consistencyPlan(m, n).map((ids) => (startOf(ids) < m ? 'L' : 'R'));
  return (isPow2(m) ? 'seed:' : '') + tags.join('');
}

/** Simulated storage: every completed perfect node, keyed by NodeId, filled by appendLeaf. */
interface Stored {
  store: Map<string, Uint8Array>;
  /** roots[s] = root of the first s leaves, from stored nodes at the time size was s. */
  roots: Uint8Array[];
}

function buildStore(leaves: readonly Uint8Array[]): Stored {
  const store = new Map<string, Uint8Array>();
  const fromStore = (s: number) => (s === 0 ? emptyRoot() : foldRange(rangeNodes(0, s).map((id) => get(store, id))));
  const roots = [fromStore(0)];
  let frontier: Uint8Array[] = [];
  for (let size = 0; size < leaves.length; size++) {
    const lh = leafHash(leaves[size] as Uint8Array);
    const next = appendLeaf(frontier, size, lh);
    expect(next.completed[0]).toEqual({ id: { level: 0, index: size }, hash: lh });
    for (const { id, hash } of next.completed) {
      expect(store.has(key(id))).toBe(false);
      store.set(key(id), hash);
    }
    frontier = next.frontier;
    const root = fromStore(size + 1);
    expect(toHex(rootFromFrontier(frontier))).toBe(toHex(root));
    roots.push(root);
  }
  // Every perfect subtree inside [0, n) is stored exactly once: sum over levels of floor(n / 2^level).
  let expected = 0;
  for (let w = 1; w <= leaves.length; w *= 2) expected += Math.floor(leaves.length / w);
  expect(store.size).toBe(expected);
  return { store, roots };
}

function get(store: Map<string, Uint8Array>, id: NodeId): Uint8Array {
  const h = store.get(key(id));
  if (!h) throw new Error(`node ${key(id)} not stored`);
  return h;
}
const proofFromStore = (store: Map<string, Uint8Array>, plan: NodeId[][]): Uint8Array[] =>
  plan.map((ids) => foldRange(ids.map((id) => get(store, id))));

const leavesArb = (maxLength: number) =>
  fc.array(fc.uint8Array({ maxLength: 12 }), { minLength: 1, maxLength, size: 'max' });

/**
 * Distinct leaves (each prefixed with its position): a leaf that occurs twice
 * really is included at both positions, so "a wrong index never verifies"
 * only holds for distinct leaves.
 */
const distinctLeavesArb = (maxLength: number) =>
  leavesArb(maxLength).map((leaves) =>
    leaves.map((leaf, i) => {
      const out = new Uint8Array(4 + leaf.length);
      new DataView(out.buffer).setUint32(0, i);
      out.set(leaf, 4);
      return out;
    }),
  );

// ---------------------------------------------------------------- properties

describe('Merkle tree properties', () => {
  test('stored nodes give the same roots and proofs as the leaves, and all proofs verify', () => {
    fc.assert(
      fc.property(leavesArb(300), fc.nat(), fc.nat(), (leaves, a, b) => {
        const n = leaves.length;
        const { store, roots } = buildStore(leaves);
        for (let s = 0; s <= n; s++) {
          expect(toHex(roots[s] as Uint8Array)).toBe(toHex(rootFromLeaves(leaves.slice(0, s))));
        }
        const root = roots[n] as Uint8Array;
        const failures: string[] = [];
        for (let i = 0; i < n; i++) {
          const proof = proofFromStore(store, inclusionPlan(i, n));
          if (!verifyInclusion(leafHash(leaves[i] as Uint8Array), i, n, proof, root)) failures.push(`inclusion ${i}`);
        }
        for (let m = 0; m <= n; m++) {
          const proof = proofFromStore(store, consistencyPlan(m, n));
          if (!verifyConsistency(m, n, roots[m] as Uint8Array, root, proof)) failures.push(`consistency ${m}`);
        }
        expect(failures).toEqual([]);
        // Leaves-based proofs (O(n) each) equal stored-node proofs, on sampled positions.
        const i = a % n;
        const m = b % (n + 1);
        expect(hex(inclusionProof(leaves, i))).toEqual(hex(proofFromStore(store, inclusionPlan(i, n))));
        expect(hex(consistencyProof(leaves, m))).toEqual(hex(proofFromStore(store, consistencyPlan(m, n))));
      }),
      { numRuns: 20 },
    );
  });

  test('leaves-based and stored-node proofs agree exhaustively for sizes 1..40', () => {
    for (let n = 1; n <= 40; n++) {
      const leaves = Array.from({ length: n }, (_, i) => new Uint8Array([i, n]));
      const { store, roots } = buildStore(leaves);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(leaves, i);
        expect(hex(proof)).toEqual(hex(proofFromStore(store, inclusionPlan(i, n))));
        expect(verifyInclusion(leafHash(leaves[i] as Uint8Array), i, n, proof, roots[n] as Uint8Array)).toBe(true);
      }
      for (let m = 0; m <= n; m++) {
        const proof = consistencyProof(leaves, m);
        expect(hex(proof)).toEqual(hex(proofFromStore(store, consistencyPlan(m, n))));
        expect(verifyConsistency(m, n, roots[m] as Uint8Array, roots[n] as Uint8Array, proof)).toBe(true);
      }
    }
  });

  test('a tampered inclusion proof, root, leaf, index or size is rejected', () => {
    fc.assert(
      fc.property(distinctLeavesArb(300), fc.nat(), fc.nat({ max: 1000 }), (leaves, a, other) => {
        const n = leaves.length;
        const index = a % n;
        const leaf = leafHash(leaves[index] as Uint8Array);
        const root = rootFromLeaves(leaves);
        const proof = inclusionProof(leaves, index);
        expect(verifyInclusion(leaf, index, n, proof, root)).toBe(true);

        proof.forEach((el, k) => {
          const flips = acceptedFlips(el, (f) => verifyInclusion(leaf, index, n, proof.with(k, f), root));
          expect(flips, `proof[${k}]`).toEqual([]);
        });
        expect(acceptedFlips(root, (f) => verifyInclusion(leaf, index, n, proof, f))).toEqual([]);
        expect(acceptedFlips(leaf, (f) => verifyInclusion(f, index, n, proof, root))).toEqual([]);
        for (const p of lengthMutants(proof, leaf)) expect(verifyInclusion(leaf, index, n, p, root)).toBe(false);

        // A wrong index never verifies; a wrong size only when its audit path has the very same shape.
        const shape = inclusionShape(index, n);
        for (const i of [index - 1, index + 1, index ^ 1, index ^ 2, other, n, -1, 2 ** 53, 0.5]) {
          if (i === index) continue;
          expect(inclusionShape(i, n)).not.toBe(shape);
          expect(verifyInclusion(leaf, i, n, proof, root)).toBe(false);
        }
        for (const s of [n - 1, n + 1, n * 2, n >> 1, n ^ 2, other, 0, 2 ** 53, Number.MAX_SAFE_INTEGER]) {
          if (s === n) continue;
          const expected = inclusionShape(index, s) === shape;
          expect(verifyInclusion(leaf, index, s, proof, root), `size ${s}`).toBe(expected);
        }
      }),
      { numRuns: 30 },
    );
  });

  test('a tampered consistency proof, root or size is rejected', () => {
    fc.assert(
      fc.property(distinctLeavesArb(300), fc.nat(), fc.nat({ max: 1000 }), (leaves, a, other) => {
        const n = leaves.length;
        const m = a % (n + 1);
        const oldRoot = rootFromLeaves(leaves.slice(0, m));
        const newRoot = rootFromLeaves(leaves);
        const proof = consistencyProof(leaves, m);
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof)).toBe(true);

        proof.forEach((el, k) => {
          const flips = acceptedFlips(el, (f) => verifyConsistency(m, n, oldRoot, newRoot, proof.with(k, f)));
          expect(flips, `proof[${k}]`).toEqual([]);
        });
        expect(acceptedFlips(oldRoot, (f) => verifyConsistency(m, n, f, newRoot, proof))).toEqual([]);
        // The empty tree is a prefix of every tree, whatever its root: only old sizes > 0 bind the new root.
        if (m > 0) expect(acceptedFlips(newRoot, (f) => verifyConsistency(m, n, oldRoot, f, proof))).toEqual([]);
        for (const p of lengthMutants(proof, oldRoot)) expect(verifyConsistency(m, n, oldRoot, newRoot, p)).toBe(false);

        // Wrong sizes: rejected unless the verifier would run the very same computation.
        if (m > 0 && m < n) {
          const shape = consistencyShape(m, n);
          const sizes = [
            [m - 1, n],
            [m + 1, n],
            [m ^ 2, n],
            [other, n],
            [m, n - 1],
            [m, n + 1],
            [m, n * 2],
            [m, other],
            [0, n],
            [n, m],
            [m, m],
            [n, n],
            [-1, n],
            [m, 2 ** 53],
            [m + 0.5, n],
          ] as const;
          for (const [m2, n2] of sizes) {
            if (m2 === m && n2 === n) continue;
            const expected = consistencyShape(m2, n2) === shape;
            expect(verifyConsistency(m2, n2, oldRoot, newRoot, proof), `sizes ${m2} ${n2}`).toBe(expected);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  test('TreeBuilder root equals rootFromLeaves at every size', () => {
    fc.assert(
      fc.property(leavesArb(300), (leaves) => {
        const builder = new TreeBuilder();
        const frontier: Uint8Array[][] = [[]];
        expect(toHex(builder.root())).toBe(toHex(emptyRoot()));
        for (const [i, leaf] of leaves.entries()) {
          builder.push(leafHash(leaf));
          expect(builder.size).toBe(i + 1);
          frontier.push(appendLeaf(frontier[i] as Uint8Array[], i, leafHash(leaf)).frontier);
          expect(toHex(builder.root())).toBe(toHex(rootFromFrontier(frontier[i + 1] as Uint8Array[])));
        }
        expect(toHex(builder.root())).toBe(toHex(rootFromLeaves(leaves)));
      }),
      { numRuns: 50 },
    );
  });

  test('plans have O(log n) nodes, all inside the tree (sizes up to 2^53 - 1)', () => {
    const ceilLog2 = (n: number) => {
      let l = 0;
      while (2 ** l < n) l++;
      return l;
    };
    const inTree = (ids: NodeId[], n: number) =>
      ids.every(({ level, index }) => Number.isSafeInteger(index) && (index + 1) * 2 ** level <= n);
    const sizeArb = fc.oneof(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(sizeArb, fc.double({ min: 0, max: 1, noNaN: true }), (n, r) => {
        const i = Math.min(n - 1, Math.floor(r * n));
        const bound = 2 * ceilLog2(n) + 2;
        const incl = inclusionPlan(i, n);
        const cons = consistencyPlan(i, n);
        expect(incl.flat().length).toBeLessThanOrEqual(bound);
        expect(cons.flat().length).toBeLessThanOrEqual(bound);
        expect(incl.every((ids) => ids.length > 0 && inTree(ids, n))).toBe(true);
        expect(cons.every((ids) => ids.length > 0 && inTree(ids, n))).toBe(true);
        expect(rangeNodes(0, n).length).toBeLessThanOrEqual(ceilLog2(n) + 1);
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- malformed input

describe('verify functions never throw and reject garbage', () => {
  const leaves = LEAVES.slice(0, 5);
  const leaf = leafHash(LEAVES[1] as Uint8Array);
  const root = rootFromLeaves(leaves);
  const proof = inclusionProof(leaves, 1);
  const oldRoot = rootFromLeaves(LEAVES.slice(0, 3));
  const cproof = consistencyProof(leaves, 3);
  const throwing = new Proxy([], {
    get() {
      throw new Error('boom');
    },
  });
  const garbage: unknown[] = [
    null,
    undefined,
    Number.NaN,
    -1,
    1.5,
    2 ** 53,
    Number.POSITIVE_INFINITY,
    '1',
    1n,
    {},
    [],
    [null],
    new Array(3),
    'abc',
    new Uint8Array(31),
    new Uint8Array(33),
    new Uint16Array(16),
    new DataView(new ArrayBuffer(32)),
    { length: 32 },
    Array.from({ length: 32 }, () => 0),
    throwing,
    Symbol('x'),
    () => 0,
  ];
  const inclusionArgs = [leaf, 1, 5, proof, root] as const;
  const consistencyArgs = [3, 5, oldRoot, root, cproof] as const;
  const callInclusion = (a: readonly unknown[]) => (verifyInclusion as (...xs: unknown[]) => unknown)(...a);
  const callConsistency = (a: readonly unknown[]) => (verifyConsistency as (...xs: unknown[]) => unknown)(...a);

  test('the unmodified arguments verify', () => {
    expect(callInclusion(inclusionArgs)).toBe(true);
    expect(callConsistency(consistencyArgs)).toBe(true);
  });

  test('any single garbage argument is rejected', () => {
    for (const [j, g] of garbage.entries()) {
      for (let k = 0; k < 5; k++) {
        const what = `arg ${k} = garbage[${j}]`;
        expect(callInclusion(inclusionArgs.with(k, g as never)), `inclusion ${what}`).toBe(false);
        expect(callConsistency(consistencyArgs.with(k, g as never)), `consistency ${what}`).toBe(false);
      }
    }
  });

  test('garbage inside a proof is rejected', () => {
    for (const g of garbage) {
      for (let k = 0; k <= proof.length; k++) {
        const p = [...proof] as unknown[];
        p.splice(k, k < proof.length ? 1 : 0, g);
        expect(callInclusion(inclusionArgs.with(3, p as never))).toBe(false);
      }
      for (let k = 0; k <= cproof.length; k++) {
        const p = [...cproof] as unknown[];
        p.splice(k, k < cproof.length ? 1 : 0, g);
        expect(callConsistency(consistencyArgs.with(4, p as never))).toBe(false);
      }
    }
    const sparse = [...proof] as unknown[];
    delete sparse[1];
    expect(callInclusion(inclusionArgs.with(3, sparse as never))).toBe(false);
  });

  test('a null proof is rejected even where an empty proof is valid', () => {
    const one = leafHash(LEAVES[0] as Uint8Array);
    expect(verifyInclusion(one, 0, 1, [], one)).toBe(true);
    expect(callInclusion([one, 0, 1, null, one])).toBe(false);
    expect(verifyConsistency(1, 1, one, one, [])).toBe(true);
    expect(callConsistency([1, 1, one, one, null])).toBe(false);
    expect(verifyConsistency(0, 0, emptyRoot(), emptyRoot(), [])).toBe(true);
    expect(verifyConsistency(0, 2, emptyRoot(), root, [])).toBe(true);
  });

  test('fc.anything() arguments never throw', () => {
    const any = fc.anything({ withTypedArray: true, withBigInt: true, withMap: true, withSet: true });
    const size = fc.oneof(fc.nat(20), any);
    fc.assert(
      fc.property(any, size, size, fc.oneof(fc.array(any), any), any, (a, b, c, d, e) => {
        expect(typeof callInclusion([a, b, c, d, e])).toBe('boolean');
        expect(typeof callConsistency([b, c, a, e, d])).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

// ---------------------------------------------------------------- building blocks

describe('building blocks', () => {
  test('hash domain separation', () => {
    const x = new Uint8Array([1, 2, 3]);
    expect(toHex(leafHash(x))).toBe(toHex(sha256(fromHex('00010203'))));
    expect(toHex(nodeHash(x, x))).toBe(toHex(sha256(fromHex('01010203010203'))));
    expect(toHex(leafHash(new Uint8Array(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    expect(toHex(nodeHash(leafHash(x), leafHash(x)))).not.toBe(toHex(leafHash(x)));
    const e = emptyRoot();
    e.fill(0);
    expect(toHex(emptyRoot())).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  test('rangeNodes decomposes RFC 6962 ranges greedily and rejects others', () => {
    expect(rangeNodes(0, 13)).toEqual([
      { level: 3, index: 0 },
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(rangeNodes(8, 13)).toEqual([
      { level: 2, index: 2 },
      { level: 0, index: 12 },
    ]);
    expect(rangeNodes(5, 5)).toEqual([]);
    expect(() => rangeNodes(1, 3)).toThrow(RangeError);
    expect(() => rangeNodes(3, 2)).toThrow(RangeError);
    expect(() => rangeNodes(-1, 2)).toThrow(RangeError);
  });

  test('foldRange folds from the right and rejects an empty list', () => {
    const [a, b, c] = [1, 2, 3].map((i) => leafHash(new Uint8Array([i]))) as [Uint8Array, Uint8Array, Uint8Array];
    expect(toHex(foldRange([a]))).toBe(toHex(a));
    expect(toHex(foldRange([a, b, c]))).toBe(toHex(nodeHash(a, nodeHash(b, c))));
    expect(() => foldRange([])).toThrow(RangeError);
    expect(toHex(rootFromFrontier([]))).toBe(toHex(emptyRoot()));
  });

  test('bad indexes and sizes throw RangeError', () => {
    for (const i of [-1, 5, 1.5, Number.NaN, 2 ** 53]) {
      expect(() => inclusionProof(LEAVES.slice(0, 5), i)).toThrow(RangeError);
      expect(() => inclusionPlan(i, 5)).toThrow(RangeError);
    }
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
    for (const m of [-1, 6, 0.5, Number.NaN]) {
      expect(() => consistencyProof(LEAVES.slice(0, 5), m)).toThrow(RangeError);
      expect(() => consistencyPlan(m, 5)).toThrow(RangeError);
    }
    expect(consistencyPlan(0, 5)).toEqual([]);
    expect(consistencyPlan(5, 5)).toEqual([]);
    expect(() => appendLeaf([], 1, leafHash(new Uint8Array()))).toThrow(RangeError);
    expect(() => appendLeaf([], -1, leafHash(new Uint8Array()))).toThrow(RangeError);
  });

  test('appendLeaf reports completed nodes bottom up', () => {
    let frontier: Uint8Array[] = [];
    const hashes = [0, 1, 2, 3].map((i) => leafHash(new Uint8Array([i])));
    const ids: NodeId[][] = [];
    for (const [i, h] of hashes.entries()) {
      const r = appendLeaf(frontier, i, h);
      ids.push(r.completed.map((c) => c.id));
      frontier = r.frontier;
    }
    expect(ids).toEqual([
      [{ level: 0, index: 0 }],
      [
        { level: 0, index: 1 },
        { level: 1, index: 0 },
      ],
      [{ level: 0, index: 2 }],
      [
        { level: 0, index: 3 },
        { level: 1, index: 1 },
        { level: 2, index: 0 },
      ],
    ]);
    expect(frontier).toHaveLength(1);
  });
});
