/**
 * The official's own signing key in this browser: a WebCrypto Ed25519 key
 * pair generated non-extractable (its private half can sign, and can never
 * be read out, so it never leaves the device), kept in IndexedDB (a
 * CryptoKey survives IndexedDB's structured clone) under the signed-in
 * subject, one key per subject. It signs the domain's statements (decision,
 * enrolment) as a C2SP signed note with the domain's signNote, so the server
 * and every verifier check it exactly as they check a `sib keys party` key.
 *
 * Every call into the domain that hashes or verifies (verifierKey, signNote)
 * runs inside withWebCrypto (crypto/kernel.ts).
 */
import { del, get, set } from 'idb-keyval';
import type { SignedStatement } from '#ledger';
import { isValidKeyName, signNote, verifierKey } from '#ledger';
import type { Signer } from '../../../domain/kernel/ports.ts';
import { withWebCrypto } from './kernel.ts';
import { type WebCryptoKeyPair, webCryptoSigner } from './signer.ts';

/** What IndexedDB keeps for a subject: the key pair (private half non-extractable), its name and when it was made. */
export interface StoredKey {
  readonly name: string;
  readonly keyPair: WebCryptoKeyPair;
  readonly createdAt: string;
}

/** A subject's key as the pages show it. */
export interface PartyKey {
  readonly subject: string;
  /** The key's name in notes and verifier keys. */
  readonly name: string;
  /** `<name>+<keyid>+<base64>`: what a trust policy lists and the enrolment sends. */
  readonly verifierKey: string;
  /** The key ID (8 hex digits) and the SHA-256 of the raw public key in groups of four, for reading aloud. */
  readonly keyId: string;
  readonly fingerprint: string;
  readonly createdAt: string;
  /** Whether the private key is non-extractable (always, for keys made here). */
  readonly extractable: boolean;
  readonly signer: Signer;
}

const STORE_PREFIX = 'sib-console.party-key:';

/** Whether this browser can make and use Ed25519 keys in WebCrypto (current Chromium, Firefox, Safari). */
export async function ed25519Supported(): Promise<boolean> {
  try {
    const pair = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
    return 'privateKey' in pair;
  } catch {
    return false;
  }
}

/**
 * A valid key name for a subject (no spaces, no '+', no control characters:
 * isValidKeyName), the subject's own text otherwise: `Иванов И.И.` becomes
 * `Иванов-И.И.`.
 */
export function keyNameOf(subject: string): string {
  const name = subject
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a key name may not carry
    .replace(/[\p{White_Space}+\u0000-\u001f\u007f-\u009f]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return isValidKeyName(name) ? name : 'party';
}

function hex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A stored key pair as the pages show and use it: its verifier key, key ID, fingerprint and Signer. */
export async function described(subject: string, stored: StoredKey): Promise<PartyKey> {
  const signer = webCryptoSigner(stored.name, stored.keyPair);
  const raw = await signer.publicKey();
  const verifier = await withWebCrypto(() => verifierKey(stored.name, raw));
  const digest = hex(new Uint8Array(await crypto.subtle.digest('SHA-256', raw.slice())));
  return {
    subject,
    name: stored.name,
    verifierKey: verifier,
    keyId: verifier.split('+')[1] ?? '',
    fingerprint: (digest.match(/.{4}/g) ?? []).join(' '),
    createdAt: stored.createdAt,
    extractable: stored.keyPair.privateKey.extractable,
    signer,
  };
}

/** The subject's key in this browser, if one was made here. */
export async function loadPartyKey(subject: string): Promise<PartyKey | undefined> {
  const stored = await get<StoredKey>(STORE_PREFIX + subject);
  if (stored === undefined || stored.keyPair?.privateKey === undefined) return undefined;
  return described(subject, stored);
}

/**
 * Makes the subject's key: Ed25519, private half non-extractable, kept in
 * IndexedDB. A subject has one key here: an existing one is kept (and
 * answered), never overwritten, since decisions and enrolments name it.
 */
export async function createPartyKey(subject: string, now: Date = new Date()): Promise<PartyKey> {
  const existing = await loadPartyKey(subject);
  if (existing !== undefined) return existing;
  const keyPair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
    'sign',
    'verify',
  ])) as unknown as WebCryptoKeyPair;
  const stored: StoredKey = { name: keyNameOf(subject), keyPair, createdAt: now.toISOString() };
  await set(STORE_PREFIX + subject, stored);
  return described(subject, stored);
}

/** Forgets the subject's key in this browser (it cannot be recovered: enrol a new one). */
export async function deletePartyKey(subject: string): Promise<void> {
  await del(STORE_PREFIX + subject);
}

/** A statement signed by the key: the signed note and the verifier key, as a request carries it. */
export async function signStatement(key: PartyKey, statement: string): Promise<SignedStatement> {
  const note = await withWebCrypto(() => signNote(statement, [key.signer]));
  return { key: key.verifierKey, note };
}
