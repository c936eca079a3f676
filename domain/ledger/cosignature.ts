/**
 * C2SP tlog-cosignature/v1 (https://c2sp.org/tlog-cosignature) with Ed25519:
 * the signed message (`cosignature/v1\ntime <t>\n` + the checkpoint body) and
 * the timestamped signature a cosignature line carries after its key ID
 * (u64 big-endian timestamp || 64-byte Ed25519 signature). Pure: the time is
 * always given by the caller. The signature type byte of such keys is 0x04.
 */
import { ed25519Verify, utf8, ValidationError } from '#kernel';

/** Signature type byte of an Ed25519 tlog-cosignature/v1 key (key IDs and verifier keys). */
export const ALG_COSIGNATURE_V1 = 0x04;

/** Bytes of a timestamped Ed25519 signature: u64 timestamp, 64-byte signature. */
export const TIMESTAMPED_SIGNATURE_BYTES = 8 + 64;

const MAX_TIMESTAMP = (1n << 63n) - 1n;

/** A POSIX time in whole seconds, as a cosignature carries it; throws ValidationError otherwise. */
function checkTime(time: number | bigint): bigint {
  const t = typeof time === 'bigint' ? time : Number.isSafeInteger(time) ? BigInt(time) : -1n;
  if (t < 0n || t > MAX_TIMESTAMP) {
    throw new ValidationError(`a cosignature time must be whole POSIX seconds in [0, 2^63-1], not ${time}`);
  }
  return t;
}

/**
 * The message an Ed25519 cosigner signs: the header line, the time line
 * (decimal, no leading zeroes) and the whole note body (`text`, with its
 * final newline, without signature lines).
 */
export function cosignatureMessage(text: string, time: number | bigint): Uint8Array {
  if (!text.endsWith('\n')) throw new ValidationError('the cosigned note text must end with a newline');
  return utf8(`cosignature/v1\ntime ${checkTime(time).toString()}\n${text}`);
}

/** timestamp (8 bytes, big-endian) || signature (64 bytes). */
export function timestampedSignature(time: number | bigint, signature: Uint8Array): Uint8Array {
  if (signature.byteLength !== 64) {
    throw new ValidationError(`an Ed25519 signature is 64 bytes, not ${signature.byteLength}`);
  }
  const out = new Uint8Array(TIMESTAMPED_SIGNATURE_BYTES);
  new DataView(out.buffer).setBigUint64(0, checkTime(time), false);
  out.set(signature, 8);
  return out;
}

/** The timestamp and signature of a timestamped signature, or undefined if it is not one. */
export function parseTimestampedSignature(bytes: Uint8Array): { time: bigint; signature: Uint8Array } | undefined {
  if (bytes.byteLength !== TIMESTAMPED_SIGNATURE_BYTES) return undefined;
  const time = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false);
  if (time > MAX_TIMESTAMP) return undefined;
  return { time, signature: bytes.subarray(8) };
}

/**
 * Whether `bytes` (what follows the key ID in the line) is a valid
 * cosignature/v1 by `publicKey` of the note body `text`. Never throws.
 */
export function verifyCosignature(publicKey: Uint8Array, text: string, bytes: Uint8Array): boolean {
  const parsed = parseTimestampedSignature(bytes);
  if (!parsed || !text.endsWith('\n')) return false;
  return ed25519Verify(publicKey, cosignatureMessage(text, parsed.time), parsed.signature);
}

/** The time of a timestamped signature, in POSIX seconds, or undefined if it is not one. */
export function cosignatureTime(bytes: Uint8Array): number | undefined {
  const parsed = parseTimestampedSignature(bytes);
  return parsed === undefined ? undefined : Number(parsed.time);
}
