/**
 * The log operations over the LogStore port: publish a signed checkpoint (one
 * log, or every log that grew), let a witness cosign one, verify a log as
 * stored (entries, Merkle nodes, HEAD, checkpoints), and write its export.
 */
import type { Signer } from '#kernel';
import { bytesEqual, ForbiddenError, IntegrityError, NotFoundError, toHex, ValidationError } from '#kernel';
import { checkpointOrigin, logSigner, openCheckpoint, signCheckpoint, type VerifiedCheckpoint } from './checkpoint.ts';
import { LogVerifier } from './log-verifier.ts';
import { foldRange, nodeHash, rangeNodes } from './merkle.ts';
import {
  checkSigners,
  cosignerKey,
  cosignNote,
  formatVerifierKey,
  parseVerifierKey,
  type VerifierKey,
} from './note.ts';
import { checkSeen, type SeenCheckpoint } from './rollback.ts';
import {
  checkpointSummary,
  failedVerification,
  type VerifyResult,
  type WitnessOptions,
  withWitnesses,
} from './verify-result.ts';

/** What the ledger use cases need from a log store (DynamoLedger implements it). */
export interface LogStore {
  head(contract: string): Promise<{ size: number; root: Uint8Array; last: string; frontier: readonly Uint8Array[] }>;
  rootAt(contract: string, size: number): Promise<Uint8Array>;
  /** Entry items in key order; `keySeq` is the seq the item is stored under. */
  entries(contract: string, from?: number, to?: number): AsyncIterable<{ keySeq: number; bytes: Uint8Array }>;
  /** Stored level-0 nodes (leaf hashes) with index below `size`, in order. */
  leafHashes(contract: string, size: number): AsyncIterable<{ index: number; hash: Uint8Array }>;
  /** Stored interior nodes (level 1 and up), ordered by level, then index. */
  interiorNodes(contract: string): AsyncIterable<{ level: number; index: number; hash: Uint8Array }>;
  latestCheckpoint(contract: string): Promise<string | undefined>;
  saveCheckpoint(contract: string, size: number, note: string): Promise<string>;
}

/** What cosigning needs from a log store (DynamoLedger implements it). */
export interface CosignStore {
  latestCheckpoint(contract: string): Promise<string | undefined>;
  /** The checkpoint published for `size`, if any. */
  checkpointAt(contract: string, size: number): Promise<string | undefined>;
  /**
   * Adds the signature lines of `cosignedNote` that the stored checkpoint of
   * `size` lacks, without losing lines others added meanwhile; returns the
   * stored note with every signature.
   */
  addCosignature(contract: string, size: number, cosignedNote: string): Promise<string>;
}

export interface CosignResult {
  /** The checkpoint as stored now, with every signature line. */
  readonly note: string;
  readonly size: number;
  /** The witness's verifier key. */
  readonly witness: string;
  /** False when the witness had already cosigned this checkpoint. */
  readonly added: boolean;
}

/** Signs a checkpoint for the tree at `size` (default: HEAD) and publishes it. Returns the signed note. */
export async function publishCheckpoint(
  store: LogStore,
  signer: Signer,
  contract: string,
  size?: number,
): Promise<string> {
  const head = await store.head(contract);
  if (head.size === 0) throw new NotFoundError(`there is no log for contract ${contract} (no entries)`);
  const at = size ?? head.size;
  const root = at === head.size ? head.root : await store.rootAt(contract, at);
  const origin = checkpointOrigin(signer.name, contract);
  const note = await signCheckpoint({ origin, size: at, root }, [logSigner(signer, contract)]);
  return store.saveCheckpoint(contract, at, note);
}

/** What the scheduled checkpoint publisher needs from a log store (DynamoLedger implements it). */
export interface PublishStore extends LogStore {
  /** Every contract with a log. */
  logs(): AsyncIterable<string>;
  checkpointAt(contract: string, size: number): Promise<string | undefined>;
}

export interface PublishSummary {
  /** Logs that grew since their last checkpoint, now checkpointed at their HEAD. */
  readonly published: { contract: string; size: number }[];
  /** Logs whose HEAD already had a checkpoint. */
  readonly current: number;
  /** Logs that could not be checkpointed, with why (the run goes on with the others). */
  readonly failed: { contract: string; error: string }[];
}

/**
 * Publishes a signed checkpoint at HEAD for every log that has grown since
 * its last one, so that witnesses and investors always find a recent,
 * signed tree head without anyone asking for it. Logs that are current are
 * left alone (no new signature, no write); one log's failure does not stop
 * the others.
 */
export async function publishCheckpoints(store: PublishStore, signer: Signer): Promise<PublishSummary> {
  const published: { contract: string; size: number }[] = [];
  const failed: { contract: string; error: string }[] = [];
  let current = 0;
  for await (const contract of store.logs()) {
    try {
      const head = await store.head(contract);
      if (head.size === 0 || (await store.checkpointAt(contract, head.size)) !== undefined) {
        current++;
        continue;
      }
      await publishCheckpoint(store, signer, contract, head.size);
      published.push({ contract, size: head.size });
    } catch (error) {
      failed.push({ contract, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return { published, current, failed };
}

/**
 * The witness (e.g. the independent evaluator) cosigns a published
 * checkpoint of `contract`: the latest, or the one of `options.size`. The
 * log's signature (`logKey`) is checked first; a checkpoint the log did not
 * sign, or of another contract, is refused (IntegrityError). The
 * cosignature is a tlog-cosignature/v1 made at `options.time` (POSIX seconds).
 * `options.witnesses`, when given, are the configured witnesses' verifier
 * keys: a witness not among them is refused (ForbiddenError), nothing stored.
 */
export async function cosignCheckpoint(
  store: CosignStore,
  contract: string,
  logKey: string | VerifierKey,
  witness: Signer,
  options: { size?: number; time: number; witnesses?: readonly (string | VerifierKey)[] },
): Promise<CosignResult> {
  const vkey = cosignerKey(witness.name, await witness.publicKey());
  const configured = (k: string | VerifierKey) => formatVerifierKey(typeof k === 'string' ? parseVerifierKey(k) : k);
  if (options.witnesses !== undefined && !options.witnesses.some((k) => configured(k) === vkey)) {
    const { name, keyId } = parseVerifierKey(vkey);
    throw new ForbiddenError(`${name}+${keyId} is not a configured witness of this log`);
  }
  const note =
    options.size === undefined
      ? await store.latestCheckpoint(contract)
      : await store.checkpointAt(contract, options.size);
  if (note === undefined) {
    throw new NotFoundError(
      options.size === undefined
        ? `no checkpoint has been published for ${contract}`
        : `no checkpoint of size ${options.size} has been published for ${contract}`,
    );
  }
  const cp = openCheckpoint(note, [logKey], contract);
  if (options.size !== undefined && cp.size !== options.size) {
    throw new IntegrityError(`the checkpoint stored for size ${options.size} is of size ${cp.size}`);
  }
  const cosigned = await cosignNote(note, logKey, witness, options.time);
  if (cosigned === note) return { note, size: cp.size, witness: vkey, added: false };
  const stored = await store.addCosignature(contract, cp.size, cosigned);
  if (checkSigners(stored, [vkey])[0]?.status !== 'signed') {
    throw new IntegrityError(`the stored checkpoint of size ${cp.size} does not carry the witness's signature`);
  }
  return { note: stored, size: cp.size, witness: vkey, added: true };
}

/**
 * Verifies a contract log as stored: every entry's canonical form, seq and
 * contract, the prev chain, each entry against its stored leaf hash, every
 * stored Merkle node (what proofs are built from), HEAD, and the latest
 * published checkpoint's signature and root. `pinned` is a checkpoint the
 * caller kept elsewhere: the log must still hold exactly the tree it signed
 * (a log that stores its own checkpoints cannot, on its own, rule out being
 * rolled back to an older one and rewritten after it). `seen`: checkpoints
 * verified earlier, which the log must extend (rollback.ts).
 */
export async function verifyStoredLog(
  store: LogStore,
  contract: string,
  keys: readonly (string | VerifierKey)[],
  options: { pinned?: string; seen?: readonly SeenCheckpoint[] } & WitnessOptions = {},
): Promise<VerifyResult> {
  // A bad witness key is the caller's mistake, not a verdict on the log.
  const witnesses = (options.witnesses ?? []).map((k) => (typeof k === 'string' ? parseVerifierKey(k) : k));
  if (options.requireWitnesses && witnesses.length === 0) {
    throw new ValidationError('requiring witnesses needs at least one witness key');
  }
  const witnessOptions = { witnesses, requireWitnesses: options.requireWitnesses === true };
  let checkpoint: VerifiedCheckpoint | undefined;
  let note: string | undefined;
  let verifier = new LogVerifier({ contract });
  try {
    // The checkpoint first: HEAD read after it covers at least as much.
    note = await store.latestCheckpoint(contract);
    const head = await store.head(contract);
    if (head.size === 0) throw new IntegrityError(`the log of ${contract} has no entries`);
    if (note === undefined) throw new IntegrityError(`no checkpoint has been published for ${contract}`);
    checkpoint = openCheckpoint(note, keys, contract);
    const pinned = options.pinned === undefined ? undefined : openCheckpoint(options.pinned, keys, contract);
    const seen = options.seen ?? [];
    verifier = new LogVerifier({
      contract,
      rootAtSizes: [checkpoint.size, ...(pinned ? [pinned.size] : []), ...seen.map((cp) => cp.size)],
    });
    const leaves: Uint8Array[] = [];
    const stored = store.leafHashes(contract, head.size)[Symbol.asyncIterator]();
    // Entries appended after HEAD was read are left for the next verification.
    for await (const { keySeq, bytes } of store.entries(contract, 0, head.size)) {
      const seq = verifier.size;
      if (keySeq !== seq) throw new IntegrityError(`missing: no entry is stored for seq ${seq}`, seq);
      const { entry, hash } = verifier.push(bytes);
      if (entry.seq !== keySeq)
        throw new IntegrityError(`the item stored as seq ${keySeq} holds seq ${entry.seq}`, seq);
      const leaf = await stored.next();
      if (leaf.done || leaf.value.index !== seq || !bytesEqual(leaf.value.hash, hash)) {
        throw new IntegrityError('altered: the entry no longer matches the leaf hash stored when it was appended', seq);
      }
      leaves.push(hash);
    }
    verifier.finish();
    if (verifier.size !== head.size) {
      throw new IntegrityError(`HEAD counts ${head.size} entries but ${verifier.size} are stored`, verifier.size);
    }
    await checkStoredTree(store, contract, leaves, head);
    verifier.checkCheckpoint(checkpoint);
    if (pinned) verifier.checkCheckpoint(pinned);
    checkSeen(verifier, checkpoint, seen);
  } catch (error) {
    return withWitnesses(failedVerification(error, verifier, checkpoint), note, witnessOptions);
  }
  return withWitnesses(
    {
      ok: true,
      contract,
      entries: verifier.size,
      root: toHex(verifier.root()),
      checkpoint: checkpointSummary(checkpoint),
    },
    note,
    witnessOptions,
  );
}

/**
 * Rebuilds every perfect subtree from the leaf hashes and compares it with
 * the stored node, then HEAD's root, last hash and frontier: proofs and
 * checkpoints at any size are built from these, so a changed node must not
 * pass unnoticed.
 */
async function checkStoredTree(
  store: LogStore,
  contract: string,
  leaves: readonly Uint8Array[],
  head: { size: number; root: Uint8Array; last: string; frontier: readonly Uint8Array[] },
): Promise<void> {
  const levels: Uint8Array[][] = [[...leaves]];
  for (let below = levels[0] as Uint8Array[]; below.length >= 2; ) {
    const up: Uint8Array[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) up.push(nodeHash(below[i] as Uint8Array, below[i + 1] as Uint8Array));
    levels.push(up);
    below = up;
  }
  const seen = levels.map(() => 0);
  for await (const node of store.interiorNodes(contract)) {
    const expected = levels[node.level]?.[node.index];
    if (expected === undefined) continue; // completed by an entry after HEAD was read
    const first = node.index * 2 ** node.level;
    if (node.index !== seen[node.level]) {
      throw new IntegrityError(`the Merkle node at level ${node.level} covering seq ${first}.. is missing`, first);
    }
    seen[node.level] = node.index + 1;
    if (!bytesEqual(node.hash, expected)) {
      throw new IntegrityError(
        `altered: the stored Merkle node at level ${node.level} covering seq ${first}..${first + 2 ** node.level - 1} does not match the entries`,
        first,
      );
    }
  }
  for (let level = 1; level < levels.length; level++) {
    if (seen[level] !== levels[level]?.length) {
      throw new IntegrityError(`Merkle nodes at level ${level} are missing`, (seen[level] ?? 0) * 2 ** level);
    }
  }
  const last = head.size - 1;
  const frontier = rangeNodes(0, head.size).map((id) => levels[id.level]?.[id.index] as Uint8Array);
  if (
    head.frontier.length !== frontier.length ||
    head.frontier.some((h, i) => !bytesEqual(h, frontier[i] as Uint8Array))
  ) {
    throw new IntegrityError(
      "HEAD's frontier (the subtrees new entries are hashed onto) does not match the entries",
      last,
    );
  }
  if (!bytesEqual(foldRange(frontier), head.root)) {
    throw new IntegrityError('the Merkle root over the stored entries does not match HEAD', last);
  }
  if (head.last !== toHex(leaves[last] as Uint8Array)) {
    throw new IntegrityError("HEAD's last hash (the prev of the next entry) does not match the last entry", last);
  }
}

/**
 * The export format: one line per entry, each line exactly the entry's
 * canonical bytes, then `{"checkpoint":"<signed note>"}` for exactly those entries.
 */
export async function* exportLog(store: LogStore, signer: Signer, contract: string): AsyncGenerator<string> {
  const head = await store.head(contract);
  if (head.size === 0) throw new NotFoundError(`there is no log for contract ${contract} (no entries)`);
  const latest = await store.latestCheckpoint(contract);
  const note =
    latest !== undefined && latest.split('\n')[1] === String(head.size)
      ? latest
      : await publishCheckpoint(store, signer, contract, head.size);
  const decoder = new TextDecoder();
  for await (const { bytes } of store.entries(contract, 0, head.size)) yield `${decoder.decode(bytes)}\n`;
  yield `${JSON.stringify({ checkpoint: note })}\n`;
}
