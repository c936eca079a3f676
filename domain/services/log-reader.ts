/**
 * Reading a contract's log as the use cases trust it: every entry checked
 * (canonical, of this contract at its position, chained by prev) and the
 * leaves hashed to the root the store holds.
 */
import { bytesEqual, IntegrityError, toHex } from '#kernel';
import { decodeEntry, type Entry, entryHash, TreeBuilder } from '#ledger';
import type { ContractLog } from './ports.ts';

/**
 * Reads and checks entries 0..size-1: each parses as a canonical entry of
 * this contract at its position, each `prev` is the hash of the one before,
 * and the leaves hash to the stored root at `size`.
 */
export async function readVerifiedEntries(
  log: ContractLog,
  contract: string,
  size: number,
): Promise<{ entries: Entry[]; root: string; hashes: string[]; bytes: Uint8Array[] }> {
  const entries: Entry[] = [];
  const hashes: string[] = [];
  const all: Uint8Array[] = [];
  const tree = new TreeBuilder();
  let prev = '0'.repeat(64);
  let seq = 0;
  for await (const bytes of log.entries(contract, 0, size)) {
    const entry = decodeEntry(bytes, seq);
    if (entry.seq !== seq || entry.contract !== contract)
      throw new IntegrityError(`entry is not entry ${seq} of ${contract}`, seq);
    if (entry.prev !== prev) throw new IntegrityError('prev does not match the hash of the previous entry', seq);
    const hash = entryHash(bytes);
    tree.push(hash);
    prev = toHex(hash);
    hashes.push(prev);
    entries.push(entry);
    all.push(bytes);
    seq++;
  }
  if (seq !== size) throw new IntegrityError(`the log has ${seq} entries where ${size} were expected`, seq);
  const root = await log.rootAt(contract, size);
  if (!bytesEqual(tree.root(), root)) {
    throw new IntegrityError(`the entries do not hash to the stored root at size ${size}`, size - 1);
  }
  return { entries, root: toHex(root), hashes, bytes: all };
}
