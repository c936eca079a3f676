/**
 * Appending to a contract's log once: an idempotency key answers with the
 * original entry, and a body another actor already appended is that entry,
 * replayed. Used by the contract and evaluation use cases.
 */
import { ConflictError, canonicalBytes, LogMovedError, toHex } from '#kernel';
import { decodeEntry, entryHash, type Intent } from '#ledger';
import type { AppendedEntry, ContractLog } from './ports.ts';

/**
 * Appends under an idempotency key; if the key was used for other content
 * only because another actor appended the same body (the same spec, figure
 * or evaluation), answers with that entry, replayed. Entries from seq `from`
 * on are searched; anything else stays a conflict. With `expectedSize` the
 * entry is written only on a log of that size (else LogMovedError).
 */
export async function appendOnce(
  log: ContractLog,
  contract: string,
  idempotencyKey: string,
  intent: Intent,
  from: number,
  expectedSize?: number,
): Promise<AppendedEntry> {
  try {
    return await log.append(contract, idempotencyKey, intent, expectedSize === undefined ? {} : { expectedSize });
  } catch (error) {
    if (!(error instanceof ConflictError) || error instanceof LogMovedError) throw error;
    const body = toHex(canonicalBytes(intent.body));
    const size = await log.size(contract);
    let seq = from;
    for await (const bytes of log.entries(contract, from, size)) {
      const entry = decodeEntry(bytes, seq);
      if (entry.kind === intent.kind && toHex(canonicalBytes(entry.body)) === body) {
        return { seq: entry.seq, entryHash: toHex(entryHash(bytes)), treeSize: entry.seq + 1, replayed: true };
      }
      seq++;
    }
    throw error;
  }
}
