/**
 * SIB_LOG_KEY for the role commands' log check: each contract's log has its
 * own key, named by its checkpoint origin; a key given under the bare log
 * name stands for the same key material, and the key of each contract's log
 * is made from it.
 */
import { describe, expect, it } from 'vitest';
import { checkpointOrigin, signCheckpoint, verifyCheckpoint } from '#ledger';
import { logKeysFor } from '../../cli/roles/log-check.ts';
import { memorySigner } from '../support/signer.ts';

describe('SIB_LOG_KEY', () => {
  const log = memorySigner('sib-ledger.example');

  it('a bare log key checks the checkpoints of any contract of that log', async () => {
    for (const contract of ['second-chance-kamchatka', 'qarmet-karaganda-2026']) {
      const [key] = logKeysFor(log.key, contract);
      expect(key).toBe(log.keyFor(contract));
      const note = await signCheckpoint(
        { origin: checkpointOrigin('sib-ledger.example', contract), size: 0, root: new Uint8Array(32) },
        [{ ...log.signer, name: checkpointOrigin('sib-ledger.example', contract) }],
      );
      expect(verifyCheckpoint(note, [key as string]).size).toBe(0);
    }
  });

  it("a contract's own key, and several comma-separated, are taken as they are", () => {
    const a = log.keyFor('a');
    expect(logKeysFor(` ${a} , ${log.key}`, 'b')).toEqual([a, log.keyFor('b')]);
  });

  it('a malformed key is refused, naming what is wrong', () => {
    expect(() => logKeysFor('not-a-key', 'a')).toThrow(/invalid verifier key "not-a-key"/);
  });
});
