/**
 * The console's log watch (console/src/lib/log-watch.ts), in Node with the
 * domain's own crypto: the first checkpoint is remembered, a log that grows
 * with a verifying consistency proof is remembered anew, and a rollback, a
 * fork (another root at the same size, or a proof that does not verify) or
 * a checkpoint the log key did not sign is an alarm that leaves the
 * remembered checkpoint as it was.
 */
import { describe, expect, it } from 'vitest';
import { sha256, toHex, utf8 } from '#kernel';
import {
  checkpointOrigin,
  consistencyProof,
  type LogTrust,
  leafHash,
  logSigner,
  rootFromLeaves,
  signCheckpoint,
  TRUST_POLICY_FORMAT,
  type TrustPolicy,
} from '#ledger';
import {
  isAlarm,
  localWatchStore,
  logTrustFor,
  memoryWatchStore,
  savedTrustPolicy,
  saveTrustPolicy,
  type WatchSource,
  watchLog,
} from '../../console/src/lib/log-watch.ts';
import { memorySigner } from '../support/signer.ts';

const CONTRACT = 'watch-test';
const plain = <T>(fn: () => T | Promise<T>): Promise<T> => Promise.resolve().then(fn);

/** A log of `n` leaves ("a0", "a1", ...; another prefix gives another tree) served by a fake API. */
async function fakeLog(signer: ReturnType<typeof memorySigner>) {
  const origin = checkpointOrigin(signer.signer.name, CONTRACT);
  const log = logSigner(signer.signer, CONTRACT);
  const leavesOf = (n: number, prefix = 'a') => Array.from({ length: n }, (_, i) => leafHash(utf8(`${prefix}${i}`)));
  const state = { leaves: leavesOf(3), asked: [] as [number, number][], badProof: false };
  const source: WatchSource = {
    async checkpoint() {
      return {
        note: await signCheckpoint({ origin, size: state.leaves.length, root: rootFromLeaves(state.leaves) }, [log]),
      };
    },
    async consistency(_c, from, to) {
      state.asked.push([from, to]);
      const proof = consistencyProof(state.leaves.slice(0, to), from);
      return { proof: (state.badProof ? proof.map(() => sha256(utf8('junk'))) : proof).map(toHex) };
    },
  };
  const trust: LogTrust = {
    contract: CONTRACT,
    origin,
    logKey: signer.keyFor(CONTRACT),
    witnesses: { quorum: 0, keys: [] },
    parties: { analyst: [], evaluator: [], ministry: [], treasury: [] },
  };
  return { state, source, trust, leavesOf, origin };
}

describe('the log watch', () => {
  it('remembers the first checkpoint, then each larger one whose consistency proof verifies', async () => {
    const { state, source, trust, leavesOf } = await fakeLog(memorySigner('test.log'));
    const store = memoryWatchStore();
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({ kind: 'first', size: 3 });
    expect(store.all.map((c) => c.size)).toEqual([3]);
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({ kind: 'same', from: 3, size: 3 });
    expect(state.asked).toEqual([]);
    state.leaves = leavesOf(7);
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({
      kind: 'extended',
      from: 3,
      size: 7,
    });
    expect(state.asked).toEqual([[3, 7]]);
    expect(store.all.map((c) => c.size)).toEqual([7]);
  });

  it('raises a rollback when the log is shorter, keeping the remembered checkpoint', async () => {
    const { state, source, trust, leavesOf } = await fakeLog(memorySigner('test.log'));
    const store = memoryWatchStore();
    state.leaves = leavesOf(9);
    await watchLog(CONTRACT, trust, source, store, plain);
    state.leaves = leavesOf(4);
    const outcome = await watchLog(CONTRACT, trust, source, store, plain);
    expect(outcome).toMatchObject({ kind: 'rollback', seenSize: 9, size: 4 });
    expect(isAlarm(outcome)).toBe(true);
    if (outcome.kind === 'rollback') expect(outcome.detail).toMatch(/rollback/);
    expect(state.asked).toEqual([]);
    expect(store.all.map((c) => c.size)).toEqual([9]);
    // The alarm stands on the next visit too.
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({ kind: 'rollback' });
  });

  it('raises a fork for another tree of the same size, or of a larger one whose proof does not verify', async () => {
    const { state, source, trust, leavesOf } = await fakeLog(memorySigner('test.log'));
    const store = memoryWatchStore();
    await watchLog(CONTRACT, trust, source, store, plain);
    const kept = store.all[0];
    state.leaves = leavesOf(3, 'b');
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({ kind: 'fork', seenSize: 3, size: 3 });
    state.leaves = leavesOf(6, 'b');
    const forked = await watchLog(CONTRACT, trust, source, store, plain);
    expect(forked).toMatchObject({ kind: 'fork', seenSize: 3, size: 6 });
    if (forked.kind === 'fork') expect(forked.detail).toMatch(/does not extend/);
    state.leaves = leavesOf(6);
    state.badProof = true;
    expect(await watchLog(CONTRACT, trust, source, store, plain)).toMatchObject({ kind: 'fork', seenSize: 3, size: 6 });
    expect(store.all).toEqual([kept]);
  });

  it('raises an alarm for a checkpoint another key signed, and says so when the server does not answer', async () => {
    const { source, trust } = await fakeLog(memorySigner('test.log'));
    const other = memorySigner('test.log');
    const store = memoryWatchStore();
    const outcome = await watchLog(CONTRACT, { ...trust, logKey: other.keyFor(CONTRACT) }, source, store, plain);
    expect(outcome.kind).toBe('unsigned');
    expect(isAlarm(outcome)).toBe(true);
    expect(store.all).toEqual([]);
    const down: WatchSource = {
      checkpoint: () => Promise.reject(new Error('offline')),
      consistency: () => Promise.reject(new Error('offline')),
    };
    const unchecked = await watchLog(CONTRACT, trust, down, store, plain);
    expect(unchecked).toEqual({ kind: 'unchecked', contract: CONTRACT, detail: 'offline' });
    expect(isAlarm(unchecked)).toBe(false);
  });

  it('keeps checkpoints in storage by log, and prefers the investor’s own policy to the published one', async () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    };
    const a = localWatchStore(storage);
    a.put({ origin: 'x/c', logKey: 'x/c+01', size: 5, root: 'AA==', verifiedAt: '2026-01-01T00:00:00Z' });
    expect(localWatchStore(storage).get('x/c', 'x/c+01')?.size).toBe(5);
    expect(localWatchStore(storage).get('x/c', 'x/c+02')).toBeUndefined();
    localWatchStore(storage).forget('x/c', 'x/c+01');
    expect(localWatchStore(storage).get('x/c', 'x/c+01')).toBeUndefined();

    const { trust } = await fakeLog(memorySigner('test.log'));
    const policy = (log: LogTrust): TrustPolicy => ({ format: TRUST_POLICY_FORMAT, logs: [log] });
    const mine = policy(trust);
    const theirs = policy({ ...trust, logKey: memorySigner('test.log').keyFor(CONTRACT) });
    expect(logTrustFor(CONTRACT, mine, theirs)).toEqual({ log: trust, source: 'saved' });
    expect(logTrustFor(CONTRACT, undefined, theirs)?.source).toBe('published');
    expect(logTrustFor('another', mine, undefined)).toBeUndefined();

    // The investor's own policy, kept by the verify page, comes back parsed by the domain's schema.
    saveTrustPolicy(mine, { setItem: storage.setItem, removeItem: (k: string) => void data.delete(k) });
    expect(await savedTrustPolicy(plain, storage)).toEqual(mine);
    storage.setItem('sib-console.trust-policy.v1', '{"format":"another"}');
    expect(await savedTrustPolicy(plain, storage)).toBeUndefined();
  });
});
