import { describe, expect, it } from 'vitest';
import { toBase64 } from '#kernel';
import { checkSeenConsistency, checkSeenPrefix, consistencyProof, rootFromLeaves, type SeenCheckpoint } from '#ledger';

/** Leaves of a log: `n` entries, the ones from `forkAt` on different. */
const leaves = (n: number, forkAt = n) =>
  Array.from({ length: n }, (_, i) => new TextEncoder().encode(i < forkAt ? `entry ${i}` : `other ${i}`));

const seenAt = (size: number): SeenCheckpoint => ({
  origin: 'test.log/c',
  size,
  root: rootFromLeaves(leaves(size)),
  label: 'the checkpoint seen',
});
const head = (all: Uint8Array[]) => ({ size: all.length, root: rootFromLeaves(all) });

describe('checkSeenConsistency: a log against a checkpoint verified before, with a consistency proof', () => {
  it('accepts the same tree and every extension of it', () => {
    for (const [old, now] of [
      [1, 1],
      [3, 3],
      [1, 2],
      [3, 7],
      [4, 8],
      [5, 13],
    ] as const) {
      const all = leaves(now);
      expect(() => checkSeenConsistency(seenAt(old), head(all), consistencyProof(all, old))).not.toThrow();
    }
  });

  it('refuses a shorter log, naming both sizes and roots', () => {
    const all = leaves(4);
    expect(() => checkSeenConsistency(seenAt(6), head(all), [])).toThrow(
      `rollback: the log of test.log/c now holds 4 entries (root ${toBase64(rootFromLeaves(all))}), fewer than the 6 entries (root ${toBase64(seenAt(6).root)}) of the checkpoint seen`,
    );
  });

  it('refuses a fork, of the same size or longer, whatever proof comes with it', () => {
    for (const [old, now, forkAt] of [
      [6, 6, 4],
      [6, 9, 5],
      [4, 9, 0],
    ] as const) {
      const all = leaves(now, forkAt);
      const proof = old === now ? [] : consistencyProof(all, old);
      expect(() => checkSeenConsistency(seenAt(old), head(all), proof)).toThrow(
        new RegExp(
          `^fork: the log of test\\.log/c at ${now} entries \\(root \\S+\\) does not extend the ${old} entries`,
        ),
      );
    }
  });
});

describe('checkSeenPrefix: a log against a checkpoint verified before, with the root of its first entries', () => {
  it('accepts the root at that size, refuses another or none', () => {
    const all = leaves(8);
    const seen = seenAt(5);
    expect(() => checkSeenPrefix(seen, head(all), rootFromLeaves(all.slice(0, 5)))).not.toThrow();
    expect(() => checkSeenPrefix(seen, head(leaves(8, 2)), rootFromLeaves(leaves(5, 2)))).toThrow(
      /^fork: .* its first 5 entries have root /,
    );
    expect(() => checkSeenPrefix(seen, head(leaves(3)), undefined)).toThrow(/^rollback: .* now holds 3 entries/);
  });
});
