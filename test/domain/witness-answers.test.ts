/**
 * What the log's checkpoint push (domain/ledger/witness-push.ts) says each
 * witness answered, for the witness status the API keeps: cosigned (with
 * the configured keys' names), or refused as a rollback (the witness holds
 * a larger tree), a fork (409 at the same size, 422) or other (any other
 * status, an unreachable witness).
 */
import { describe, expect, it } from 'vitest';
import {
  checkpointOrigin,
  cosignNote,
  pushCheckpoint,
  signCheckpoint,
  TLOG_SIZE_CONTENT_TYPE,
  type WitnessClient,
} from '#ledger';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const root = new Uint8Array(32).map((_, i) => i * 3);
const log = memorySigner('sib-ledger.local/c1');
const witness = memoryWitness('evaluator.example/witness');

async function push(answer: (url: string, body: string) => ReturnType<WitnessClient['addCheckpoint']>) {
  const note = await signCheckpoint({ origin: checkpointOrigin('sib-ledger.local', 'c1'), size: 5, root }, [
    log.signer,
  ]);
  return pushCheckpoint(
    {
      client: { addCheckpoint: answer },
      urls: ['https://w.example'],
      witnessKeys: [witness.key],
      knownSizes: new Map(),
      consistencyProof: async () => [],
      addCosignature: async (_c, _s, n) => n,
    },
    'c1',
    note,
  );
}

const text = (status: number, body = '') => ({ status, contentType: 'text/plain; charset=utf-8', body });

describe("the witnesses' answers to a push", () => {
  it('cosigned: the size and the names of the configured keys whose cosignature verifies', async () => {
    const result = await push(async (_url, body) => {
      const note = body.slice(body.indexOf('\n\n') + 2);
      const cosigned = await cosignNote(note, log.key, witness.signer, 1_767_000_000);
      return text(200, cosigned.slice(note.length));
    });
    expect(result.answers).toEqual([
      { url: 'https://w.example', outcome: 'cosigned', size: 5, witnesses: ['evaluator.example/witness'] },
    ]);
  });

  it('a rollback: the witness holds a larger tree (409 with its size)', async () => {
    const result = await push(async () => ({ status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: '9\n' }));
    expect(result.answers).toEqual([
      expect.objectContaining({ outcome: 'refused', kind: 'rollback', status: 409, size: 5, witnessSize: 9 }),
    ]);
  });

  it('a fork: 409 on the same size with another root, or 422 (no valid consistency proof)', async () => {
    for (const status of [409, 422]) {
      const result = await push(async () => text(status, 'another root'));
      expect(result.answers).toEqual([expect.objectContaining({ outcome: 'refused', kind: 'fork', status, size: 5 })]);
    }
  });

  it('other: any other status, or a witness that cannot be reached (no status)', async () => {
    const refused = await push(async () => text(403, 'unknown log'));
    expect(refused.answers).toEqual([expect.objectContaining({ kind: 'other', status: 403 })]);
    const down = await push(async () => {
      throw new Error('connect ECONNREFUSED');
    });
    expect(down.answers).toEqual([
      { url: 'https://w.example', outcome: 'refused', kind: 'other', size: 5, why: 'connect ECONNREFUSED' },
    ]);
  });
});
