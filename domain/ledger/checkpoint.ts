/**
 * C2SP tlog checkpoints (https://c2sp.org/tlog-checkpoint): a log's origin,
 * size and root hash as the text of a signed note (note.ts). This product's
 * origin line, formatting and strict parsing, signing, and verifying a
 * checkpoint, also as the checkpoint of a given contract's log.
 */
import type { Signer } from '#kernel';
import { fromBase64, IntegrityError, toBase64, ValidationError } from '#kernel';
import {
  isValidKeyName,
  type NoteSignature,
  noteTextProblem,
  openNote,
  signNote,
  type VerifierKey,
  verifierKey,
} from './note.ts';

export interface Checkpoint {
  /** Log identity, e.g. `sib-ledger.local/<contract>`. */
  readonly origin: string;
  /** Number of leaves. A JS number: exact up to 2^53 - 1, far beyond any ledger's size. */
  readonly size: number;
  /** RFC 6962 Merkle root at `size`: 32 bytes. */
  readonly root: Uint8Array;
  /** Optional extension lines (NOT RECOMMENDED by the spec); each non-empty. */
  readonly extensions?: readonly string[];
}

export interface VerifiedCheckpoint extends Checkpoint {
  readonly extensions: readonly string[];
  readonly verified: NoteSignature[];
  readonly unverified: NoteSignature[];
}

/** This product's origin line: `<logName>/<contract>`, logName being the signer's key name. */
export function checkpointOrigin(logName: string, contract: string): string {
  if (!isValidKeyName(logName)) throw new ValidationError(`invalid log name ${JSON.stringify(logName)}`);
  if (!isValidKeyName(contract))
    throw new ValidationError(`invalid contract id for an origin ${JSON.stringify(contract)}`);
  return `${logName}/${contract}`;
}

function lineProblem(line: string): string | undefined {
  if (line === '') return 'is empty';
  if (line.includes('\n')) return 'contains a newline';
  return noteTextProblem(line);
}

/** The checkpoint body: origin, size, base64 root, extension lines, each ending in a newline. */
export function formatCheckpoint(cp: Checkpoint): string {
  const originProblem = lineProblem(cp.origin);
  if (originProblem) throw new ValidationError(`checkpoint origin ${originProblem}`);
  if (!Number.isSafeInteger(cp.size) || cp.size < 0)
    throw new ValidationError(`checkpoint size ${cp.size} is not a safe non-negative integer`);
  if (cp.root.byteLength !== 32)
    throw new ValidationError(`checkpoint root must be 32 bytes, not ${cp.root.byteLength}`);
  const extensions = cp.extensions ?? [];
  extensions.forEach((line, k) => {
    const p = lineProblem(line);
    if (p) throw new ValidationError(`checkpoint extension line ${k + 1} ${p}`);
  });
  return `${[cp.origin, String(cp.size), toBase64(cp.root), ...extensions].join('\n')}\n`;
}

/** Strictly parses a checkpoint body (a signed note's text). Throws IntegrityError. */
export function parseCheckpoint(body: string): Checkpoint & { readonly extensions: readonly string[] } {
  const bad = (why: string): never => {
    throw new IntegrityError(`malformed checkpoint: ${why}`);
  };
  if (!body.endsWith('\n')) bad('missing final newline');
  const problem = noteTextProblem(body);
  if (problem) bad(problem);
  const [origin, sizeText, rootText, ...extensions] = body.slice(0, -1).split('\n');
  if (origin === undefined || sizeText === undefined || rootText === undefined) return bad('fewer than three lines');
  if (origin === '') bad('empty origin');
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeText))
    bad(`size ${JSON.stringify(sizeText)} is not a decimal without leading zeros`);
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) bad(`size ${sizeText} is too large`);
  let root: Uint8Array;
  try {
    root = fromBase64(rootText);
  } catch {
    return bad('root hash is not canonical base64');
  }
  if (root.byteLength !== 32) bad(`root hash must be 32 bytes, not ${root.byteLength}`);
  if (extensions.some((l) => l === '')) bad('empty extension line');
  return { origin, size, root, extensions };
}

/**
 * The log's signer for the log of `contract`: the same key, named by the
 * checkpoint origin (`<log name>/<contract>`), as C2SP recommends. One
 * verifier key per contract log; the key IDs differ by name.
 */
export function logSigner(signer: Signer, contract: string): Signer {
  const name = checkpointOrigin(signer.name, contract);
  return { name, publicKey: () => signer.publicKey(), sign: (message) => signer.sign(message) };
}

/** The verifier key of the log of `contract` (see logSigner). */
export async function logVerifierKey(signer: Signer, contract: string): Promise<string> {
  return verifierKey(checkpointOrigin(signer.name, contract), await signer.publicKey());
}

/** The origin (first line) of a checkpoint note, without checking anything else. */
export function noteOrigin(note: string): string {
  const end = note.indexOf('\n');
  return end < 0 ? note : note.slice(0, end);
}

/** The contract a checkpoint note's origin (`<log name>/<contract>`) names, unchecked; undefined if none. */
export function contractOfNote(note: string | undefined): string | undefined {
  if (note === undefined) return undefined;
  const origin = noteOrigin(note);
  const slash = origin.lastIndexOf('/');
  return slash < 0 || slash === origin.length - 1 ? undefined : origin.slice(slash + 1);
}

/** Formats and signs a checkpoint, returning the signed note. */
export function signCheckpoint(cp: Checkpoint, signers: readonly Signer[]): Promise<string> {
  return signNote(formatCheckpoint(cp), signers);
}

/** Opens a signed checkpoint, parses it, and (if given) checks its origin. Throws IntegrityError. */
export function verifyCheckpoint(
  note: string | Uint8Array,
  verifierKeys: readonly (string | VerifierKey)[],
  options: { origin?: string } = {},
): VerifiedCheckpoint {
  const opened = openNote(note, verifierKeys);
  const cp = parseCheckpoint(opened.text);
  if (options.origin !== undefined && cp.origin !== options.origin) {
    throw new IntegrityError(`checkpoint origin ${JSON.stringify(cp.origin)} is not ${JSON.stringify(options.origin)}`);
  }
  return { ...cp, verified: opened.verified, unverified: opened.unverified };
}

/**
 * Verifies a signed checkpoint (verifyCheckpoint), that it is of the log of
 * `contract`, and that the log's key (the key named by the origin) signed it.
 * Throws IntegrityError.
 */
export function openCheckpoint(
  note: string,
  keys: readonly (string | VerifierKey)[],
  contract: string,
): VerifiedCheckpoint {
  const cp = verifyCheckpoint(note, keys);
  if (!cp.origin.endsWith(`/${contract}`)) {
    throw new IntegrityError(`the checkpoint is for log ${JSON.stringify(cp.origin)}, not contract ${contract}`);
  }
  if (!cp.verified.some((v) => v.name === cp.origin)) {
    throw new IntegrityError(
      `the checkpoint is not signed by the log's key, the key named ${cp.origin} (its origin); verified: ${
        cp.verified.map((v) => v.name).join(', ') || 'none'
      }`,
    );
  }
  return cp;
}
