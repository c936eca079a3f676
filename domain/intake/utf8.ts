import { formatCount } from '#evidence';

/**
 * UTF-8 checks of operator files: where the first ill-formed sequence is,
 * incremental decoding over chunks (an unfinished sequence held back, one
 * leading BOM stripped), the message naming the bad byte offset, and the
 * UTF-8 size of a piece of text.
 */

/**
 * Byte offset of the first byte of the first ill-formed UTF-8 sequence
 * (overlong forms, surrogates, code points above U+10FFFF, stray continuation
 * bytes, truncated sequences), or undefined if the bytes are valid UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lo = 0xa0;
      if (b === 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lo = 0x90;
      if (b === 0xf4) hi = 0x8f;
    } else return i;
    if (i + need >= n) return i; // truncated at the end
    const second = bytes[i + 1] as number;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= need; k++) {
      const c = bytes[i + k] as number;
      if (c < 0x80 || c > 0xbf) return i;
    }
    i += need + 1;
  }
  return undefined;
}

/** Length of the prefix of `bytes` that does not end inside an unfinished multi-byte sequence. */
function completePrefix(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: keep looking for its lead
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return length > back ? n - back : n;
  }
  return n;
}

const fatalDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Incremental UTF-8 decoding that holds back an unfinished trailing sequence
 * until the next chunk, strips one leading BOM, and reports the byte offset
 * (from the start of the file) of the first invalid sequence.
 */
export class Utf8Chunks {
  #pending: Uint8Array = new Uint8Array(0);
  /** Bytes received before the current chunk. */
  #offset = 0;
  #started = false;

  push(chunk: Uint8Array): { text: string; invalidAt?: number } {
    const data = this.#pending.length === 0 ? chunk : concatBytes(this.#pending, chunk);
    const base = this.#offset - this.#pending.length;
    this.#offset += chunk.length;
    const cut = completePrefix(data);
    this.#pending = data.slice(cut);
    return this.#decode(data.subarray(0, cut), base);
  }

  end(): { text: string; invalidAt?: number } {
    if (this.#pending.length === 0) return { text: '' };
    const base = this.#offset - this.#pending.length;
    const pending = this.#pending;
    this.#pending = new Uint8Array(0);
    const result = this.#decode(pending, base);
    return result.invalidAt === undefined ? { text: result.text, invalidAt: base } : result;
  }

  #decode(bytes: Uint8Array, base: number): { text: string; invalidAt?: number } {
    let text: string;
    let invalidAt: number | undefined;
    try {
      text = fatalDecoder.decode(bytes);
    } catch {
      const bad = firstInvalidUtf8(bytes) ?? 0;
      text = fatalDecoder.decode(bytes.subarray(0, bad));
      invalidAt = base + bad;
    }
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    return invalidAt === undefined ? { text } : { text, invalidAt };
  }
}

/** `a` then `b`, in one new array. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export function utf8Message(offset: number): string {
  return `invalid UTF-8 at byte offset ${formatCount(offset)}: the file must be UTF-8 text`;
}

/** UTF-8 bytes of `s[start, end)`, counting surrogate pairs as 4. */
export function utf8Length(s: string, start: number, end: number): number {
  let bytes = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    bytes += c < 0x80 ? 1 : c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 2 : 3;
  }
  return bytes;
}
