import type { Signer } from '#kernel';
import { bytesEqual, DomainError, IntegrityError, NotFoundError, toBase64, toHex, ValidationError } from '#kernel';
import { ContractIdSchema } from './entry.ts';
import { LogVerifier } from './log-verifier.ts';
import { foldRange, nodeHash, rangeNodes } from './merkle.ts';
import {
  checkpointOrigin,
  checkSigners,
  cosignNote,
  parseVerifierKey,
  type SignerCheck,
  signCheckpoint,
  type VerifiedCheckpoint,
  type VerifierKey,
  verifierKey,
  verifyCheckpoint,
} from './note.ts';

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

export interface VerifyResult {
  readonly ok: boolean;
  readonly contract?: string;
  /** Entries checked before the first failure (all of them when ok). */
  readonly entries: number;
  /** Merkle root (hex) over the entries checked, when ok. */
  readonly root?: string;
  readonly checkpoint?: { origin: string; size: number; root: string; signedBy: string[] };
  /**
   * With witness keys: how each stands on the checkpoint (`signed` = cosigned
   * it). Reported only once the log's own signature has verified.
   */
  readonly witnesses?: readonly SignerCheck[];
  readonly failure?: { seq?: number; message: string };
}

/** Witness keys to look for on the checkpoint; with `requireWitnesses`, each must have cosigned it. */
export interface WitnessOptions {
  readonly witnesses?: readonly (string | VerifierKey)[];
  readonly requireWitnesses?: boolean;
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
  const note = await signCheckpoint({ origin: checkpointOrigin(signer.name, contract), size: at, root }, [signer]);
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
 * sign, or of another contract, is refused (IntegrityError).
 */
export async function cosignCheckpoint(
  store: CosignStore,
  contract: string,
  logKey: string | VerifierKey,
  witness: Signer,
  options: { size?: number } = {},
): Promise<CosignResult> {
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
  const vkey = verifierKey(witness.name, await witness.publicKey());
  const cosigned = await cosignNote(note, logKey, witness);
  if (cosigned === note) return { note, size: cp.size, witness: vkey, added: false };
  const stored = await store.addCosignature(contract, cp.size, cosigned);
  if (checkSigners(stored, [vkey])[0]?.status !== 'signed') {
    throw new IntegrityError(`the stored checkpoint of size ${cp.size} does not carry the witness's signature`);
  }
  return { note: stored, size: cp.size, witness: vkey, added: true };
}

/**
 * Adds to a verification result how each witness key stands on the signed
 * checkpoint `note` it verified. A witness that did not cosign (or whose line
 * does not verify) is reported; with `requireWitnesses` it fails the result.
 * A result whose checkpoint did not verify is returned as it is.
 */
export function withWitnesses(
  result: VerifyResult,
  note: string | undefined,
  options: WitnessOptions = {},
): VerifyResult {
  const keys = options.witnesses ?? [];
  if (keys.length === 0 || result.checkpoint === undefined || note === undefined) return result;
  const witnesses = checkSigners(note, keys);
  const absent = witnesses.filter((w) => w.status !== 'signed');
  if (!options.requireWitnesses || absent.length === 0 || !result.ok) return { ...result, witnesses };
  const why = absent.map(
    (w) => `${w.name}+${w.keyId} (${w.status === 'missing' ? 'no signature' : 'its signature does not verify'})`,
  );
  return {
    ...result,
    ok: false,
    witnesses,
    failure: { message: `the checkpoint is not cosigned by every required witness: ${why.join(', ')}` },
  };
}

/** The signed checkpoint on the last line of an export, if that line is `{"checkpoint": "<note>"}`. */
export function exportCheckpointNote(data: Uint8Array): string | undefined {
  let end = data.length;
  while (end > 0 && (data[end - 1] === 0x0a || data[end - 1] === 0x0d)) end--;
  const start = data.lastIndexOf(0x0a, end - 1) + 1;
  try {
    const note = (
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data.subarray(start, end))) as {
        checkpoint?: unknown;
      }
    ).checkpoint;
    return typeof note === 'string' ? note : undefined;
  } catch {
    return undefined;
  }
}

function checkpointSummary(cp: VerifiedCheckpoint): NonNullable<VerifyResult['checkpoint']> {
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), signedBy: cp.verified.map((s) => s.name) };
}

function openCheckpoint(note: string, keys: readonly (string | VerifierKey)[], contract: string): VerifiedCheckpoint {
  const cp = verifyCheckpoint(note, keys);
  if (!cp.origin.endsWith(`/${contract}`)) {
    throw new IntegrityError(`the checkpoint is for log ${JSON.stringify(cp.origin)}, not contract ${contract}`);
  }
  return cp;
}

function failed(error: unknown, verifier: LogVerifier, checkpoint?: VerifiedCheckpoint): VerifyResult {
  // Infrastructure failures (the store did not answer) are errors, not verdicts.
  if (!(error instanceof DomainError) && (error as { $metadata?: unknown }).$metadata !== undefined) throw error;
  if (!(error instanceof Error)) throw error;
  const seq = error instanceof IntegrityError ? error.seq : undefined;
  return {
    ok: false,
    ...(verifier.contract === undefined ? {} : { contract: verifier.contract }),
    entries: verifier.size,
    ...(checkpoint ? { checkpoint: checkpointSummary(checkpoint) } : {}),
    failure: { ...(seq === undefined ? {} : { seq }), message: error.message },
  };
}

/**
 * Verifies a contract log as stored: every entry's canonical form, seq and
 * contract, the prev chain, each entry against its stored leaf hash, every
 * stored Merkle node (what proofs are built from), HEAD, and the latest
 * published checkpoint's signature and root. `pinned` is a checkpoint the
 * caller kept elsewhere: the log must still hold exactly the tree it signed
 * (a log that stores its own checkpoints cannot, on its own, rule out being
 * rolled back to an older one and rewritten after it).
 */
export async function verifyStoredLog(
  store: LogStore,
  contract: string,
  keys: readonly (string | VerifierKey)[],
  options: { pinned?: string } & WitnessOptions = {},
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
    verifier = new LogVerifier({ contract, rootAtSizes: [checkpoint.size, ...(pinned ? [pinned.size] : [])] });
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
  } catch (error) {
    return withWitnesses(failed(error, verifier, checkpoint), note, witnessOptions);
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

/**
 * Verifies an export offline, given its lines (without newlines) in order.
 * The last line must be the checkpoint; `contract` (optional) pins whose log it must be.
 */
export async function verifyExportLines(
  lines: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  keys: readonly (string | VerifierKey)[],
  options: { contract?: string } = {},
): Promise<VerifyResult> {
  const verifier = new LogVerifier(options.contract === undefined ? {} : { contract: options.contract });
  if (options.contract !== undefined && !ContractIdSchema.safeParse(options.contract).success) {
    return failed(new ValidationError(`${JSON.stringify(options.contract)} is not a contract id`), verifier);
  }
  let pending: Uint8Array | undefined;
  try {
    for await (const line of lines) {
      if (pending !== undefined) verifier.push(pending);
      pending = line;
    }
    verifier.finish();
  } catch (error) {
    return failed(error, verifier);
  }
  return finishExport(verifier, pending, keys, options.contract);
}

/**
 * Checks an export's last line, the signed checkpoint, against the entries a
 * verifier has taken in.
 */
export function finishExport(
  verifier: LogVerifier,
  lastLine: Uint8Array | undefined,
  keys: readonly (string | VerifierKey)[],
  expectedContract?: string,
): VerifyResult {
  let checkpoint: VerifiedCheckpoint | undefined;
  try {
    if (lastLine === undefined) throw new IntegrityError('the export is empty');
    const note = checkpointLine(lastLine, verifier.size);
    const contract = verifier.contract ?? expectedContract;
    if (contract === undefined) throw new IntegrityError('the export holds no entries and names no contract');
    checkpoint = openCheckpoint(note, keys, contract);
    verifier.checkCheckpoint(checkpoint);
  } catch (error) {
    return failed(error, verifier, checkpoint);
  }
  return {
    ok: true,
    ...(verifier.contract === undefined ? {} : { contract: verifier.contract }),
    entries: verifier.size,
    root: toHex(verifier.root()),
    checkpoint: checkpointSummary(checkpoint),
  };
}

function checkpointLine(line: Uint8Array, entries: number): string {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(line));
  } catch {
    value = undefined;
  }
  const note = (value as { checkpoint?: unknown } | undefined)?.checkpoint;
  if (typeof note !== 'string') {
    throw new IntegrityError(
      `the last line is not {"checkpoint": ...}: the export is truncated or the checkpoint was removed (after ${entries} entries)`,
      entries,
    );
  }
  return note;
}

/** Splits a whole export (bytes) into lines without copying; a final newline is optional. */
export function* splitLines(data: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    yield data.subarray(start, end);
    start = end + 1;
  }
}
