/**
 * The browser's kernel crypto: the same exports as domain/kernel/crypto.ts
 * (console/build.ts swaps that module for this one), computed by WebCrypto,
 * so the console runs the domain's own code (verifyReport, openNote,
 * decisionStatement...) with no second implementation of SHA-256 or Ed25519.
 *
 * WebCrypto is asynchronous and the domain is synchronous, so the results
 * come from a memo. `withWebCrypto(fn)` runs fn; each hash, HMAC or
 * verification fn asks for is looked up by its input bytes in a cache of
 * what WebCrypto has computed. A miss is recorded as pending and answered
 * with a placeholder (zeros for a hash or HMAC, false for a verification),
 * and fn runs on to the end (or throws). If anything was pending, all of it
 * is computed with crypto.subtle in parallel and fn runs again, until a run
 * completes with no miss: that run's result is returned (or its error
 * rethrown). The domain is deterministic, so the final run is exactly the
 * domain's computation on real hashes; the placeholder runs only discover
 * what to compute. A chain of hashes (a Merkle path) takes one round per
 * link, since each link's input is the previous link's output.
 *
 * - Runs are serialized (a queue), so concurrent callers never mix their
 *   pending sets; a withWebCrypto called synchronously inside fn joins the
 *   run it is in. (One called from fn after an await would wait for the run
 *   it is part of: don't; call the domain directly, it is already inside.)
 * - fn is run several times: it must be deterministic and safe to repeat
 *   (no clock, no random numbers, no writes or requests between its hashes;
 *   fetch first, then hash inside). Awaiting WebCrypto inside fn is fine (a
 *   Signer's sign), but while an async fn awaits, any other code that calls
 *   the kernel is taken as part of the run: keep fn short, or synchronous.
 * - A computation that still misses after MAX_ROUNDS (256) runs is an
 *   error; the Second Chance report verifies in 5 runs, 60 WebCrypto calls.
 * - The cache lives for one withWebCrypto call and is cleared after it.
 *   Entries are keyed by a fingerprint of the input (its length, head, tail
 *   and a stride of samples) and confirmed by comparing the full bytes.
 * - Called outside withWebCrypto, every function throws (it cannot answer
 *   synchronously), except SHA-256 of nothing, a constant the Merkle module
 *   computes when it loads.
 * - Ed25519 is pure Ed25519 (RFC 8032), as node's verify: malformed keys or
 *   signatures are false, never a throw.
 * - createSha256 (the incremental hash, which the verifier does not use)
 *   gathers its chunks and hashes them at hex() through the same memo.
 */
import { bytesEqual, toHex, utf8 } from '../../../domain/kernel/bytes.ts';

// ---------------------------------------------------------------- the memo

/** Rounds of discovery before giving up: well beyond a Merkle path in a log of 2^64 entries. */
const MAX_ROUNDS = 256;

type Kind = 'sha256' | 'ed25519' | 'hmac';

interface Slot {
  readonly kind: Kind;
  /** The full input, copied (callers reuse their buffers). */
  readonly input: Uint8Array<ArrayBuffer>;
  /** Where the parts of the input begin (ed25519: key, signature, message; hmac: key, data). */
  readonly split: readonly number[];
  result?: Uint8Array | boolean;
}

/** What one withWebCrypto call has computed and what its current run is waiting for. */
class Memo {
  readonly #slots = new Map<string, Slot[]>();
  pending: Slot[] = [];

  /** The slot of this input, made (and marked pending) if new. */
  lookup(kind: Kind, input: Uint8Array, split: readonly number[]): Slot {
    const key = fingerprint(kind, input);
    let bucket = this.#slots.get(key);
    if (bucket === undefined) {
      bucket = [];
      this.#slots.set(key, bucket);
    }
    for (const s of bucket) if (bytesEqual(s.input, input)) return s;
    const slot: Slot = { kind, input: copy(input), split };
    bucket.push(slot);
    this.pending.push(slot);
    return slot;
  }

  clear(): void {
    this.#slots.clear();
    this.pending = [];
  }
}

const SAMPLES = 32;
const EDGE = 48;

/** A cheap key for a map of inputs: short inputs whole; long ones by length, head, tail and a stride of samples. */
function fingerprint(kind: Kind, input: Uint8Array): string {
  const n = input.byteLength;
  if (n <= 2 * EDGE + SAMPLES) return `${kind}:${n}:${latin1(input, 0, n)}`;
  const step = Math.floor((n - 2 * EDGE) / SAMPLES);
  let mid = '';
  for (let i = 0; i < SAMPLES; i++) mid += String.fromCharCode(input[EDGE + i * step] as number);
  return `${kind}:${n}:${latin1(input, 0, EDGE)}${mid}${latin1(input, n - EDGE, n)}`;
}

function latin1(bytes: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...bytes.subarray(from, to));
}

function copy(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}

function concat(parts: readonly Uint8Array[]): { bytes: Uint8Array; split: number[] } {
  const split: number[] = [];
  let length = 0;
  for (const p of parts) {
    split.push(length);
    length += p.byteLength;
  }
  const bytes = new Uint8Array(length);
  parts.forEach((p, i) => {
    bytes.set(p, split[i]);
  });
  return { bytes, split };
}

/** The memo of the run in progress; undefined outside withWebCrypto. */
let current: Memo | undefined;
/** How deep the synchronous call stack is inside a run's fn (a nested withWebCrypto there joins the run). */
let syncDepth = 0;
/** The queue: each withWebCrypto starts when the one before it has settled. */
let queue: Promise<unknown> = Promise.resolve();

function memo(what: string): Memo {
  if (current === undefined) {
    throw new Error(
      `browser crypto: ${what} was called outside withWebCrypto; WebCrypto is asynchronous, so run the domain code as withWebCrypto(() => ...)`,
    );
  }
  return current;
}

/** WebCrypto's SubtleCrypto, named so for the DOM's types (the console) and Node's (the tests) alike. */
type Subtle = typeof crypto.subtle;

/** Computes every pending slot with WebCrypto, in parallel. */
async function compute(slots: readonly Slot[]): Promise<void> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined)
    throw new Error('browser crypto: WebCrypto (crypto.subtle) is not available in this context');
  await Promise.all(
    slots.map(async (s) => {
      if (s.kind === 'sha256') {
        s.result = new Uint8Array(await subtle.digest('SHA-256', s.input));
      } else if (s.kind === 'hmac') {
        const at = s.split[1] as number;
        const key = await subtle.importKey('raw', s.input.subarray(0, at), { name: 'HMAC', hash: 'SHA-256' }, false, [
          'sign',
        ]);
        s.result = new Uint8Array(await subtle.sign('HMAC', key, s.input.subarray(at)));
      } else {
        s.result = await verifyEd25519(subtle, s.input);
      }
    }),
  );
}

/** Input: 32-byte key, 64-byte signature, message. False for a key or signature WebCrypto refuses. */
async function verifyEd25519(subtle: Subtle, input: Uint8Array<ArrayBuffer>): Promise<boolean> {
  try {
    const key = await subtle.importKey('raw', input.subarray(0, 32), { name: 'Ed25519' }, false, ['verify']);
    return await subtle.verify({ name: 'Ed25519' }, key, input.subarray(32, 96), input.subarray(96));
  } catch {
    return false;
  }
}

/** One run of fn under the memo: its outcome, and whether it missed anything. */
async function runOnce<T>(
  fn: () => T | Promise<T>,
  m: Memo,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  m.pending = [];
  current = m;
  try {
    let result: T | Promise<T>;
    syncDepth++;
    try {
      result = fn();
    } finally {
      syncDepth--;
    }
    return { ok: true, value: await result };
  } catch (error) {
    return { ok: false, error };
  } finally {
    current = undefined;
  }
}

async function run<T>(fn: () => T | Promise<T>): Promise<T> {
  const m = new Memo();
  try {
    for (let round = 1; ; round++) {
      const outcome = await runOnce(fn, m);
      const pending = m.pending;
      if (pending.length === 0) {
        if (outcome.ok) return outcome.value;
        throw outcome.error;
      }
      if (round >= MAX_ROUNDS) {
        throw new Error(
          `browser crypto: withWebCrypto still asked for ${pending.length} new hash(es) or verification(s) after ${MAX_ROUNDS} runs; the computation is not deterministic (does it read the clock or random numbers?)`,
        );
      }
      await compute(pending);
    }
  } finally {
    m.clear();
  }
}

/**
 * Runs fn (domain code that hashes or verifies) with WebCrypto behind the
 * kernel's synchronous functions; see the file comment. Resolves to the
 * result of fn's final run, or rejects with its error.
 */
export function withWebCrypto<T>(fn: () => T | Promise<T>): Promise<T> {
  if (current !== undefined && syncDepth > 0) {
    // Called from inside a run: part of that run, which reruns it.
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(error);
    }
  }
  const result = queue.then(() => run(fn));
  queue = result.catch(() => undefined);
  return result;
}

// ---------------------------------------------------------------- the kernel's exports

const HASH_BYTES = 32;
/** SHA-256 of nothing (FIPS 180-4): a constant, so it is answered outside a run too. */
const EMPTY_SHA256 = Uint8Array.from([
  0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24, 0x27, 0xae, 0x41,
  0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
]);

/** SHA-256 of the concatenation of the parts. */
export function sha256(...parts: Uint8Array[]): Uint8Array {
  const input = parts.length === 1 ? (parts[0] as Uint8Array) : concat(parts).bytes;
  if (input.byteLength === 0) return EMPTY_SHA256.slice();
  const slot = memo('sha256').lookup('sha256', input, [0]);
  return slot.result instanceof Uint8Array ? slot.result.slice() : new Uint8Array(HASH_BYTES);
}

/** SHA-256 as a latin1 "binary" string of 32 chars: the export scanner keeps its hashes so. */
export function sha256Binary(data: Uint8Array): string {
  const digest = sha256(data);
  return latin1(digest, 0, digest.byteLength);
}

/** An incremental SHA-256. */
export interface Sha256 {
  update(chunk: Uint8Array | string): Sha256;
  /** The digest in lower-case hex; the hash cannot be updated after. */
  hex(): string;
}

/** Gathers the chunks and hashes them once, at hex(), through the memo (inside withWebCrypto). */
export function createSha256(): Sha256 {
  const chunks: Uint8Array[] = [];
  let done = false;
  const self: Sha256 = {
    update(chunk) {
      if (done) throw new Error('browser crypto: the incremental SHA-256 was updated after hex()');
      chunks.push(typeof chunk === 'string' ? utf8(chunk) : copy(chunk));
      return self;
    },
    hex() {
      if (done) throw new Error('browser crypto: hex() of the incremental SHA-256 was called twice');
      done = true;
      return toHex(sha256(...chunks));
    },
  };
  return self;
}

/** A secret key held for repeated HMACs: in the browser, its bytes (imported into WebCrypto per computation). */
export interface SecretKey {
  readonly type: 'secret';
  readonly bytes: Uint8Array;
}

export function secretKey(bytes: Uint8Array): SecretKey {
  return Object.freeze({ type: 'secret', bytes: copy(bytes) });
}

/** HMAC-SHA256 of the data (UTF-8 for a string) under the key. */
export function hmacSha256(key: Uint8Array | SecretKey, data: Uint8Array | string): Uint8Array {
  const k = key instanceof Uint8Array ? key : key.bytes;
  const { bytes, split } = concat([k, typeof data === 'string' ? utf8(data) : data]);
  const slot = memo('hmacSha256').lookup('hmac', bytes, split);
  return slot.result instanceof Uint8Array ? slot.result.slice() : new Uint8Array(HASH_BYTES);
}

/** The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): 12 bytes, then the 32-byte key. */
export const ED25519_SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);

/** Pure Ed25519 verification; false (never a throw) for malformed keys or signatures. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) return false;
  const { bytes, split } = concat([publicKey, signature, message]);
  const slot = memo('ed25519Verify').lookup('ed25519', bytes, split);
  return slot.result === true;
}
