/**
 * What the ledger routes read of a contract's log alike: its HEAD (404 when
 * there is no log), the signed checkpoint of a size (published on demand),
 * the log's verifier key, and the entry and record proof documents (as
 * `sib ledger proof` writes them, checked by `sib ledger verify-proof`).
 */
import { NotFoundError, toBase64, ValidationError } from '#kernel';
import type { EntryProofDocument, RecordProofDocument } from '#ledger';
import { logVerifierKey, publishCheckpoint } from '#ledger';
import type { Head } from '../adapters/dynamo-ledger.ts';
import { recordInBatch } from '../adapters/evidence-ledger.ts';
import type { Runtime } from '../shared/composition.ts';

/** The log's HEAD; 404 when the contract has no log. */
export async function requireLog(rt: Runtime, contract: string): Promise<Head> {
  const head = await rt.log.head(contract);
  if (head.size === 0) throw new NotFoundError(`there is no log for contract ${contract} (no entries)`);
  return head;
}

/** The published checkpoint of `size` (with its cosignatures), published now if there is none. */
export async function checkpointAt(rt: Runtime, contract: string, size: number): Promise<string> {
  return (await rt.log.checkpointAt(contract, size)) ?? publishCheckpoint(rt.log, rt.signer, contract, size);
}

/** The verifier key of the log of `contract`: named by its checkpoint origin. */
export async function logKey(rt: Runtime, contract: string): Promise<string> {
  return logVerifierKey(rt.signer, contract);
}

export async function entryProof(
  rt: Runtime,
  contract: string,
  seq: number,
  size?: number,
): Promise<EntryProofDocument> {
  const head = await requireLog(rt, contract);
  if (seq >= head.size) throw new NotFoundError(`no entry seq ${seq} in the log of ${contract} (${head.size} entries)`);
  if (size !== undefined && size > head.size) {
    throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${size} is not available`, [
      { field: 'query.size', message: `must be from ${seq + 1} to ${head.size}` },
    ]);
  }
  if (size !== undefined && seq >= size) {
    throw new ValidationError(`entry seq ${seq} is not in a tree of size ${size}`, [
      { field: 'query.size', message: `must be from ${seq + 1} to ${head.size}` },
    ]);
  }
  const p = await rt.log.inclusionProof(contract, seq, size ?? head.size);
  return {
    contract,
    seq: p.seq,
    size: p.size,
    entry: new TextDecoder().decode(await rt.log.entry(contract, p.seq)),
    leafHash: toBase64(p.leafHash),
    proof: p.proof.map(toBase64),
    root: toBase64(p.root),
    checkpoint: await checkpointAt(rt, contract, p.size),
  };
}

/** Two levels: the record in its batch's records root, the batch's entry in the log (`sib operator|evaluator record-proof`). */
export async function recordProof(
  rt: Runtime,
  contract: string,
  eventId: string,
  size?: number,
): Promise<RecordProofDocument> {
  await requireLog(rt, contract);
  const { seq, ...inBatch } = await recordInBatch(rt.store, rt.ledger, contract, eventId);
  return { ...(await entryProof(rt, contract, seq, size)), ...inBatch };
}
