/**
 * C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 keys: key
 * names, IDs and verifier keys, signing, opening (verifying) and cosigning a
 * note. The log signs with plain Ed25519 keys (type 0x01), byte-compatible
 * with Go's golang.org/x/mod/sumdb/note, so anyone can check our checkpoints
 * (checkpoint.ts) with off-the-shelf tooling; witnesses cosign with C2SP
 * tlog-cosignature/v1 keys (type 0x04, cosignature.ts).
 */
import type { Signer } from '#kernel';
import {
  ED25519_SPKI_PREFIX,
  ed25519Verify,
  fromBase64,
  fromHex,
  IntegrityError,
  sha256,
  toBase64,
  toHex,
  utf8,
  ValidationError,
} from '#kernel';
import { ALG_COSIGNATURE_V1, cosignatureMessage, timestampedSignature, verifyCosignature } from './cosignature.ts';

/** Signature type byte for Ed25519 in key IDs and verifier keys. */
export const ALG_ED25519 = 0x01;
/** Go's limit; the spec requires accepting at least 16. */
export const MAX_SIGNATURES = 100;
/** Overall size cap, so a hostile note can't make us hash megabytes. Checkpoints are ~200 bytes. */
export const MAX_NOTE_BYTES = 1 << 20;

const SIG_PREFIX = '\u2014 '; // em dash, space
// Go's unicode.IsSpace is exactly the Unicode White_Space property.
const BAD_NAME_CHAR = /[\p{White_Space}+\p{Cc}]/u;
// Everything below U+0020 except newline; Go's Open rejects these.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
// DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): SEQ { SEQ { OID 1.3.101.112 }, BIT STRING (33) }.
const SPKI_PREFIX = ED25519_SPKI_PREFIX;

export interface VerifierKey {
  readonly name: string;
  /** 8 lower-case hex digits. */
  readonly keyId: string;
  /** Raw 32-byte Ed25519 public key. */
  readonly publicKey: Uint8Array;
  /**
   * Signature type: 0x01 (Ed25519 over the note text, the log's) or 0x04
   * (tlog-cosignature/v1, a witness's). Absent means 0x01.
   */
  readonly type?: SignatureType;
}

/** The signature types we sign and verify. */
export type SignatureType = typeof ALG_ED25519 | typeof ALG_COSIGNATURE_V1;

/** A signature line, identified by key name and key ID (8 hex digits). */
export interface NoteSignature {
  readonly name: string;
  readonly keyId: string;
}

export interface OpenedNote {
  /** The signed text, including its final newline. */
  readonly text: string;
  readonly verified: NoteSignature[];
  /** Lines from keys we don't know: reported, never trusted. */
  readonly unverified: NoteSignature[];
}

/** Non-empty, no Unicode spaces, no '+', no control characters. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && name.isWellFormed() && !BAD_NAME_CHAR.test(name);
}

function keyHash(name: string, encodedKey: Uint8Array): Uint8Array {
  return new Uint8Array(sha256(utf8(name), Uint8Array.of(0x0a), encodedKey).subarray(0, 4));
}

function checkKey(name: string, publicKey: Uint8Array): void {
  if (!isValidKeyName(name)) throw new ValidationError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.byteLength !== 32)
    throw new ValidationError(`Ed25519 public key must be 32 bytes, not ${publicKey.byteLength}`);
}

function encodedKey(publicKey: Uint8Array, type: SignatureType): Uint8Array {
  const out = new Uint8Array(33);
  out[0] = type;
  out.set(publicKey, 1);
  return out;
}

/** Key ID: SHA-256(name || 0x0A || type || publicKey)[:4]; type 0x01 unless given. */
export function keyId(name: string, publicKey: Uint8Array, type: SignatureType = ALG_ED25519): Uint8Array {
  checkKey(name, publicKey);
  return keyHash(name, encodedKey(publicKey, type));
}

/**
 * `<name>+<keyid hex>+<base64(type || publicKey)>`, as printed by Go's
 * note.GenerateKey for type 0x01 (the default).
 */
export function verifierKey(name: string, publicKey: Uint8Array, type: SignatureType = ALG_ED25519): string {
  return `${name}+${toHex(keyId(name, publicKey, type))}+${toBase64(encodedKey(publicKey, type))}`;
}

/** A witness's verifier key: type 0x04, tlog-cosignature/v1. */
export function cosignerKey(name: string, publicKey: Uint8Array): string {
  return verifierKey(name, publicKey, ALG_COSIGNATURE_V1);
}

/** The string form of a parsed (or hand-built) verifier key. */
export function formatVerifierKey(key: VerifierKey): string {
  return verifierKey(key.name, key.publicKey, key.type ?? ALG_ED25519);
}

/** Parses and checks a verifier key string. Throws ValidationError saying what is wrong. */
export function parseVerifierKey(text: string): VerifierKey {
  const bad = (why: string): never => {
    throw new ValidationError(`invalid verifier key ${JSON.stringify(text)}: ${why}`);
  };
  // The name can't contain '+' and the ID is hex, so the key data is everything after the second '+'
  // (base64 itself may contain '+').
  const i = text.indexOf('+');
  const j = i < 0 ? -1 : text.indexOf('+', i + 1);
  if (j < 0) return bad('expected <name>+<keyid>+<key>');
  const name = text.slice(0, i);
  const id = text.slice(i + 1, j);
  if (!isValidKeyName(name)) bad('bad key name');
  if (!/^[0-9a-f]{8}$/.test(id)) bad('key ID must be 8 lower-case hex digits');
  let key: Uint8Array;
  try {
    key = fromBase64(text.slice(j + 1));
  } catch {
    return bad('key data is not canonical base64');
  }
  if (key.byteLength === 0) bad('empty key data');
  // Hash first, as Go does: the ID covers the algorithm byte and the key.
  if (toHex(keyHash(name, key)) !== id) bad('key ID does not match name and key');
  const type = key[0];
  if (type !== ALG_ED25519 && type !== ALG_COSIGNATURE_V1) {
    bad(
      `unsupported signature type 0x${toHex(key.subarray(0, 1))} (only Ed25519, 0x01, and Ed25519 tlog-cosignature/v1, 0x04)`,
    );
  }
  if (key.byteLength !== 33) bad(`Ed25519 key must be 32 bytes, not ${key.byteLength - 1}`);
  return { name, keyId: id, publicKey: key.slice(1), type: type as SignatureType };
}

/** DER SubjectPublicKeyInfo for a raw Ed25519 public key. */
export function ed25519Spki(publicKey: Uint8Array): Uint8Array {
  const out = new Uint8Array(SPKI_PREFIX.byteLength + publicKey.byteLength);
  out.set(SPKI_PREFIX);
  out.set(publicKey, SPKI_PREFIX.byteLength);
  return out;
}

/** Raw 32-byte key from an Ed25519 DER SubjectPublicKeyInfo (what KMS GetPublicKey returns). */
export function ed25519PublicKeyFromSpki(der: Uint8Array): Uint8Array {
  const prefixOk = der.byteLength === SPKI_PREFIX.byteLength + 32 && SPKI_PREFIX.every((b, k) => der[k] === b);
  if (!prefixOk) throw new ValidationError('public key is not a DER-encoded Ed25519 SubjectPublicKeyInfo');
  return der.slice(SPKI_PREFIX.byteLength);
}

/** Why the characters of a note (or of a line of one) are unacceptable, or undefined if they're fine. */
export function noteTextProblem(text: string): string | undefined {
  if (!text.isWellFormed()) return 'not valid UTF-8 (lone surrogate)';
  const m = CONTROL.exec(text);
  if (m) return `control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')} at offset ${m.index}`;
  if (utf8(text).byteLength > MAX_NOTE_BYTES) return `larger than ${MAX_NOTE_BYTES} bytes`;
  return undefined;
}

/**
 * Signs `text` (which must end in a newline) with every signer, returning the
 * encoded note: text, blank line, one `— <name> base64(keyid || sig)` line each.
 */
export async function signNote(text: string, signers: readonly Signer[]): Promise<string> {
  if (!text.endsWith('\n')) throw new ValidationError('note text must end with a newline');
  const problem = noteTextProblem(text);
  if (problem) throw new ValidationError(`note text is ${problem}`);
  if (signers.length === 0) throw new ValidationError('a note needs at least one signer');
  if (signers.length > MAX_SIGNATURES) throw new ValidationError(`more than ${MAX_SIGNATURES} signers`);
  const message = utf8(text);
  const lines = await Promise.all(signers.map((signer) => signatureLine(message, signer)));
  const keys = new Set(lines.map((l) => l.key));
  if (keys.size !== lines.length) throw new ValidationError('the same key is listed twice among the signers');
  return `${text}\n${lines.map((l) => l.line).join('')}`;
}

/**
 * One signature line `— <name> base64(keyid || sig)\n` over `message`, by
 * `signer`, with `key` = `<name>+<keyid hex>`. Checks its own output: a
 * signer bug (wrong KMS key, truncated signature) must not be published.
 */
async function signatureLine(message: Uint8Array, signer: Signer): Promise<{ key: string; line: string }> {
  const publicKey = await signer.publicKey();
  const id = keyId(signer.name, publicKey);
  const sig = await signer.sign(message);
  if (!ed25519Verify(publicKey, message, sig)) {
    throw new ValidationError(`signer ${signer.name}+${toHex(id)} produced a signature that does not verify`);
  }
  const raw = new Uint8Array(4 + sig.byteLength);
  raw.set(id);
  raw.set(sig, 4);
  return { key: `${signer.name}+${toHex(id)}`, line: `${SIG_PREFIX}${signer.name} ${toBase64(raw)}\n` };
}

function indexVerifiers(keys: readonly (string | VerifierKey)[]): Map<string, VerifierKey> {
  const index = new Map<string, VerifierKey>();
  for (const k of keys) {
    // Re-derive objects from their parts so a hand-built VerifierKey can't carry a wrong ID.
    const v = parseVerifierKey(typeof k === 'string' ? k : formatVerifierKey(k));
    const id = `${v.name}+${v.keyId}`;
    const prev = index.get(id);
    if (prev && toHex(prev.publicKey) !== toHex(v.publicKey)) {
      throw new ValidationError(`ambiguous verifier keys: two different keys are named ${id}`);
    }
    index.set(id, v);
  }
  return index;
}

/** A parsed signature line. */
interface SignatureLine extends NoteSignature {
  /** The line as it appears in the note, without its newline. */
  readonly line: string;
  /** The Ed25519 signature (the bytes after the 4-byte key ID). */
  readonly signature: Uint8Array;
}

/** A note split into its text and signature lines, unverified. Throws IntegrityError if malformed. */
function splitNote(note: string | Uint8Array): { note: string; text: string; lines: SignatureLine[] } {
  const malformed = (why: string): never => {
    throw new IntegrityError(`malformed note: ${why}`);
  };
  let msg: string;
  if (typeof note === 'string') {
    msg = note;
  } else {
    if (note.byteLength > MAX_NOTE_BYTES) malformed(`larger than ${MAX_NOTE_BYTES} bytes`);
    try {
      // ignoreBOM keeps a leading BOM in the text, so we verify exactly the bytes given.
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(note);
    } catch {
      return malformed('not valid UTF-8');
    }
  }
  const problem = noteTextProblem(msg);
  if (problem) malformed(problem);

  // The text ends at the last blank line; the text itself may contain blank lines.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) return malformed('no blank line separating text from signatures');
  const text = msg.slice(0, split + 1);
  const block = msg.slice(split + 2);
  if (block === '') malformed('no signature lines');
  if (!block.endsWith('\n')) malformed('missing final newline');
  const rawLines = block.slice(0, -1).split('\n');
  if (rawLines.length > MAX_SIGNATURES) malformed(`more than ${MAX_SIGNATURES} signatures`);
  const lines = rawLines.map((line, n): SignatureLine => {
    const at = `signature line ${n + 1}`;
    if (!line.startsWith(SIG_PREFIX)) malformed(`${at} does not start with "\u2014 "`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const name = sp < 0 ? rest : rest.slice(0, sp);
    const b64 = sp < 0 ? '' : rest.slice(sp + 1);
    if (!isValidKeyName(name)) malformed(`${at} has an invalid key name`);
    if (b64 === '') malformed(`${at} has no signature`);
    let raw: Uint8Array;
    try {
      raw = fromBase64(b64);
    } catch {
      return malformed(`${at} signature is not canonical base64`);
    }
    if (raw.byteLength < 5) malformed(`${at} signature is too short`);
    return { line, name, keyId: toHex(raw.subarray(0, 4)), signature: raw.subarray(4) };
  });
  return { note: msg, text, lines };
}

/**
 * Whether `signature` (a line's bytes after the key ID) is `key`'s signature
 * of the note text: plain Ed25519 over the text for type 0x01, a timestamped
 * tlog-cosignature/v1 for type 0x04. Never throws.
 */
function lineVerifies(key: VerifierKey, text: string, signature: Uint8Array): boolean {
  if (key.type === ALG_COSIGNATURE_V1) return verifyCosignature(key.publicKey, text, signature);
  return ed25519Verify(key.publicKey, utf8(text), signature);
}

/**
 * Parses a signed note and checks its signatures against the known verifier keys.
 * Throws IntegrityError if the note is malformed, if any signature by a known key
 * fails, or if no known key signed it.
 */
export function openNote(note: string | Uint8Array, verifierKeys: readonly (string | VerifierKey)[]): OpenedNote {
  const { text, lines } = splitNote(note);
  const known = indexVerifiers(verifierKeys);
  const verified = new Map<string, NoteSignature>();
  const unverified = new Map<string, NoteSignature>();
  const checkedLines = new Set<string>();
  for (const { line, name, keyId: id8, signature } of lines) {
    const sig: NoteSignature = { name, keyId: id8 };
    const id = `${name}+${id8}`;
    const key = known.get(id);
    // Unknown keys (even sharing a name or an ID with a known one) are ignored, per spec.
    if (!key) {
      unverified.set(id, sig);
      continue;
    }
    // Every signature from a known key must verify (the spec's SHOULD); identical lines only once.
    if (checkedLines.has(line)) continue;
    checkedLines.add(line);
    if (!lineVerifies(key, text, signature)) {
      throw new IntegrityError(`invalid signature for key ${id}`);
    }
    verified.set(id, sig);
  }
  if (verified.size === 0) {
    const who = [...unverified.keys()].join(', ');
    throw new IntegrityError(`note has no verifiable signatures (signed only by unknown keys: ${who})`);
  }
  return { text, verified: [...verified.values()], unverified: [...unverified.values()] };
}

// ---- cosigning: more signature lines on a note someone else signed ----

/** How one given key stands on a note (see checkSigners). */
export interface SignerCheck extends NoteSignature {
  /**
   * `signed`: the note carries a line by this key and it verifies;
   * `missing`: no line by this key; `invalid`: a line by this key that does not verify.
   */
  readonly status: 'signed' | 'missing' | 'invalid';
}

/**
 * Which of the given keys signed the note, key by key (in the order given,
 * each once), without requiring any of them: a witness that did not cosign,
 * or whose line does not verify, is reported, not thrown. Throws
 * IntegrityError only if the note itself is malformed, ValidationError for a
 * bad key. Says nothing about the other lines (the log's own signature is
 * openNote's business).
 */
export function checkSigners(note: string | Uint8Array, keys: readonly (string | VerifierKey)[]): SignerCheck[] {
  const { text, lines } = splitNote(note);
  return [...indexVerifiers(keys).values()].map((key) => {
    const own = lines.filter((l) => l.name === key.name && l.keyId === key.keyId);
    const status =
      own.length === 0 ? 'missing' : own.every((l) => lineVerifies(key, text, l.signature)) ? 'signed' : 'invalid';
    return { name: key.name, keyId: key.keyId, status };
  });
}

/** Names of the given keys whose signature on the note verifies (see checkSigners). */
export function noteSigners(note: string | Uint8Array, keys: readonly (string | VerifierKey)[]): string[] {
  return checkSigners(note, keys)
    .filter((c) => c.status === 'signed')
    .map((c) => c.name);
}

/**
 * Adds `witness`'s C2SP tlog-cosignature/v1 line (key type 0x04, made at
 * `time`, POSIX seconds) to a note signed by the log (`logKey`), keeping
 * every existing line in order: a C2SP signed note may carry any number of
 * signatures, and each verifier checks the line of its own key. Refuses
 * (IntegrityError) a note the log did not sign, or whose log signature does
 * not verify, so a witness never vouches for text the log did not publish.
 * Idempotent: if the witness already cosigned (at any time), the note is
 * returned unchanged; a line by the witness's key that does not verify is
 * refused rather than kept beside a good one.
 */
export async function cosignNote(
  note: string | Uint8Array,
  logKey: string | VerifierKey,
  witness: Signer,
  time: number,
): Promise<string> {
  openNote(note, [logKey]);
  const parsed = splitNote(note);
  const publicKey = await witness.publicKey();
  const key: VerifierKey = {
    name: witness.name,
    keyId: toHex(keyId(witness.name, publicKey, ALG_COSIGNATURE_V1)),
    publicKey,
    type: ALG_COSIGNATURE_V1,
  };
  const own = parsed.lines.filter((l) => l.name === key.name && l.keyId === key.keyId);
  if (own.length > 0) {
    if (own.every((l) => lineVerifies(key, parsed.text, l.signature))) return parsed.note;
    throw new IntegrityError(
      `the note already carries a signature line by ${key.name}+${key.keyId} that does not verify`,
    );
  }
  if (parsed.lines.length >= MAX_SIGNATURES) {
    throw new ValidationError(`the note already carries ${MAX_SIGNATURES} signatures, the most a note may have`);
  }
  return `${parsed.note}${await cosignatureLine(parsed.text, key, witness, time)}`;
}

/** `— <name> base64(keyid || timestamp || signature)\n`, checked before it is returned. */
async function cosignatureLine(text: string, key: VerifierKey, witness: Signer, time: number): Promise<string> {
  const sig = timestampedSignature(time, await witness.sign(cosignatureMessage(text, time)));
  if (!lineVerifies(key, text, sig)) {
    throw new ValidationError(`signer ${key.name}+${key.keyId} produced a cosignature that does not verify`);
  }
  const raw = new Uint8Array(4 + sig.byteLength);
  raw.set(fromHex(key.keyId));
  raw.set(sig, 4);
  return `${SIG_PREFIX}${key.name} ${toBase64(raw)}\n`;
}

/**
 * The note `stored` with the signature lines of `cosigned` that it lacks
 * appended (one line per key; lines already in `stored` win), so that two
 * witnesses cosigning the same checkpoint at once keep both their lines.
 * Both must carry the same text; signatures are not checked here (cosignNote
 * and openNote do that). Returns `stored` itself when nothing is new.
 */
export function mergeCosignatures(stored: string, cosigned: string): string {
  const a = splitNote(stored);
  const b = splitNote(cosigned);
  if (a.text !== b.text) {
    throw new IntegrityError('the cosigned note signs other text than the stored one: it is not a cosignature of it');
  }
  const have = new Set(a.lines.map((l) => `${l.name}+${l.keyId}`));
  const added: string[] = [];
  for (const l of b.lines) {
    const id = `${l.name}+${l.keyId}`;
    if (have.has(id)) continue;
    have.add(id);
    added.push(`${l.line}\n`);
  }
  if (added.length === 0) return stored;
  if (a.lines.length + added.length > MAX_SIGNATURES) {
    throw new ValidationError(`a note may carry at most ${MAX_SIGNATURES} signatures`);
  }
  return `${a.note}${added.join('')}`;
}
