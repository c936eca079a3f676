/**
 * Bytes as hex and base64, comparison and UTF-8. Node's Buffer does the
 * encoding where there is one (it is native and fast); the browser (the web
 * console runs the domain's own code) has none, so each function has a
 * plain-TypeScript path giving the same text and bytes.
 */

/** The little of Node's Buffer used here, looked up on globalThis so the module needs no Node types. */
interface NodeBufferClass {
  from(data: ArrayBufferLike, offset: number, length: number): { toString(encoding: 'hex' | 'base64'): string };
  from(text: string, encoding: 'hex' | 'base64'): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferClass }).Buffer;

const HEX_DIGITS = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let out = '';
  for (const b of bytes) out += HEX_DIGITS[b];
  return out;
}

const HEX = /^(?:[0-9a-f]{2})*$/;
export function fromHex(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new TypeError('not lower-case hex');
  if (NodeBuffer !== undefined) return new Uint8Array(NodeBuffer.from(hex, 'hex'));
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

// btoa and atob take "binary" strings; build them in slices so a long input cannot overflow the call stack.
const SLICE = 0x8000;

export function toBase64(bytes: Uint8Array): string {
  if (NodeBuffer !== undefined)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  let binary = '';
  for (let i = 0; i < bytes.byteLength; i += SLICE) binary += String.fromCharCode(...bytes.subarray(i, i + SLICE));
  return btoa(binary);
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Strict standard base64 (padding required, no whitespace). Throws TypeError otherwise. */
export function fromBase64(text: string): Uint8Array {
  if (!B64.test(text)) throw new TypeError('not canonical base64');
  if (NodeBuffer !== undefined) return new Uint8Array(NodeBuffer.from(text, 'base64'));
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let diff = 0;
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

const encoder = new TextEncoder();
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}
