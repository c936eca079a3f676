import { formatCount } from '#evidence';
import { concatBytes, firstInvalidUtf8, Utf8Chunks, utf8Message } from './utf8.ts';

/**
 * The text encodings a CSV file may come in, and the decoders that turn its
 * bytes into text chunk by chunk: UTF-8 (the default; a file that is not
 * UTF-8 but reads as Cyrillic in Windows-1251 is refused with how to convert
 * it), or Windows-1251 when the sender says so (what Russian Excel saves as
 * "CSV"), converted before parsing. A file said to be Windows-1251 that is
 * UTF-8 is refused: converting it would store it garbled for good.
 */

export const TEXT_ENCODINGS = ['utf-8', 'windows-1251'] as const;
export type TextEncoding = (typeof TEXT_ENCODINGS)[number];

/** The encoding a charset label names (WHATWG labels: `utf8`, `cp1251`, …), or undefined if not one of ours. */
export function textEncodingOf(label: string): TextEncoding | undefined {
  let name: string;
  try {
    name = new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
  return (TEXT_ENCODINGS as readonly string[]).includes(name) ? (name as TextEncoding) : undefined;
}

const cp1251 = new TextDecoder('windows-1251');
const WORD = /[A-Za-zА-яЁё]+/g;
const CYRILLIC = /[А-яЁё]/;
const LATIN = /[A-Za-z]/;

/**
 * Whether bytes that are not UTF-8 read as Cyrillic text in Windows-1251:
 * few of their bytes above ASCII form UTF-8 sequences (a UTF-8 file with a
 * stray byte is not Windows-1251), and they decode to words of Cyrillic
 * letters, not Latin words with a Cyrillic letter inside (what Latin-1
 * accents become: `café` reads `cafй`): at most one in five words holding
 * Cyrillic may mix in Latin letters.
 */
export function looksLikeWindows1251(bytes: Uint8Array): boolean {
  const { sequences, strays } = utf8Census(bytes);
  if (strays === 0 || sequences * 10 > strays) return false;
  let cyrillic = 0;
  let mixed = 0;
  for (const [word] of cp1251.decode(bytes).matchAll(WORD)) {
    if (!CYRILLIC.test(word)) continue;
    if (LATIN.test(word)) mixed++;
    else cyrillic++;
  }
  return cyrillic > 0 && mixed * 4 <= cyrillic;
}

/** Well-formed multi-byte UTF-8 sequences in `bytes`, and bytes above ASCII outside them. */
function utf8Census(bytes: Uint8Array): { sequences: number; strays: number } {
  let sequences = 0;
  let strays = 0;
  let i = 0;
  while (i < bytes.length) {
    if ((bytes[i] as number) < 0x80) {
      i++;
      continue;
    }
    const lead = bytes[i] as number;
    const length = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
    if (firstInvalidUtf8(bytes.subarray(i, i + length)) === undefined) {
      sequences++;
      i += length;
    } else {
      strays++;
      i++;
    }
  }
  return { sequences, strays };
}

/** How to send a Windows-1251 file: converted to UTF-8, or as it is with the encoding named. */
export const WINDOWS_1251_HINT =
  'it looks like Windows-1251 (Cyrillic, as Excel saves "CSV (разделители — запятые)"): save it from Excel as ' +
  '"CSV UTF-8 (разделитель — запятая)", or convert it: iconv -f WINDOWS-1251 -t UTF-8 in.csv > out.csv; ' +
  'or send it as it is, named: sib operator submit|upload --encoding windows-1251 ' +
  '(the API: Content-Type text/csv; charset=windows-1251)';

/** A decoder of a file's bytes pushed in chunks; `error` ends the reading (a file-level problem). */
export interface TextChunks {
  push(chunk: Uint8Array): { text: string; error?: string };
  end(): { text: string; error?: string };
}

/** The bytes that decide whether a file that is not UTF-8 is Windows-1251: some before the first invalid one, more after. */
const HINT_BEFORE = 64;
const HINT_WINDOW = 320;

/**
 * UTF-8 (one leading BOM stripped); invalid bytes end it, with the
 * Windows-1251 hint when the HINT_WINDOW bytes around the first invalid
 * one (HINT_BEFORE of them before it) look like it. Those bytes are gathered across chunks, so the message is
 * the same however the file is cut.
 */
class Utf8Text implements TextChunks {
  readonly #utf8 = new Utf8Chunks();
  #offset = 0;
  /** The last bytes before the chunk: HINT_BEFORE, and the start of a sequence the chunk may finish. */
  #tail: Uint8Array = new Uint8Array(0);
  #invalidAt = 0;
  #window: Uint8Array | undefined;

  push(chunk: Uint8Array): { text: string; error?: string } {
    if (this.#window !== undefined) return { text: '', ...this.#gather(chunk) };
    const start = this.#offset;
    this.#offset += chunk.length;
    const data = this.#tail.length === 0 ? chunk : concatBytes(this.#tail, chunk);
    this.#tail = data.slice(Math.max(0, data.length - HINT_BEFORE - 4));
    const { text, invalidAt } = this.#utf8.push(chunk);
    if (invalidAt === undefined) return { text };
    this.#invalidAt = invalidAt;
    this.#window = new Uint8Array(0);
    const from = Math.max(0, invalidAt - HINT_BEFORE);
    return { text, ...this.#gather(data.subarray(from - (start + chunk.length - data.length))) };
  }

  end(): { text: string; error?: string } {
    if (this.#window !== undefined) return { text: '', error: this.#message() };
    const { text, invalidAt } = this.#utf8.end();
    return invalidAt === undefined ? { text } : { text, error: utf8Message(invalidAt) };
  }

  #gather(bytes: Uint8Array): { error?: string } {
    const window = this.#window ?? new Uint8Array(0);
    this.#window = concatBytes(window, bytes.subarray(0, HINT_WINDOW - window.length));
    return this.#window.length < HINT_WINDOW ? {} : { error: this.#message() };
  }

  #message(): string {
    const hint = looksLikeWindows1251(this.#window ?? new Uint8Array(0)) ? `; ${WINDOWS_1251_HINT}` : '';
    return `${utf8Message(this.#invalidAt)}${hint}`;
  }
}

/**
 * Windows-1251, converted (every byte is a character). The first bytes above
 * ASCII decide: a valid UTF-8 sequence there means a UTF-8 file, refused.
 */
class Windows1251Text implements TextChunks {
  /** Undecided: the start of a multi-byte sequence the chunk ended in, to complete with the next one. */
  #carry: Uint8Array | undefined = new Uint8Array(0);
  #offset = 0;

  push(chunk: Uint8Array): { text: string; error?: string } {
    const start = this.#offset;
    this.#offset += chunk.length;
    if (this.#carry !== undefined) {
      const carried = this.#carry.length;
      const data = carried === 0 ? chunk : concatBytes(this.#carry, chunk);
      const verdict = utf8Verdict(data);
      if (verdict.utf8) {
        return {
          text: '',
          error: `the file was sent as Windows-1251 but is UTF-8 (from byte offset ${formatCount(start - carried + verdict.at)}): send it without --encoding windows-1251 (the API: charset=utf-8)`,
        };
      }
      this.#carry = verdict.undecided;
    }
    return { text: cp1251.decode(chunk) };
  }

  end(): { text: string } {
    return { text: '' };
  }
}

/**
 * Whether the first bytes above ASCII in `data` start a valid UTF-8
 * sequence (`at`: where), or not; `undecided`: the bytes to carry into the
 * next chunk when the data ends inside that first sequence.
 */
function utf8Verdict(data: Uint8Array): { utf8: true; at: number } | { utf8: false; undecided?: Uint8Array } {
  const at = data.findIndex((b) => b >= 0x80);
  if (at < 0) return { utf8: false, undecided: new Uint8Array(0) };
  const rest = data.subarray(at);
  const bad = firstInvalidUtf8(rest);
  if (bad === undefined || bad > 0) return { utf8: true, at };
  const lead = rest[0] as number;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;
  const unfinished =
    rest.length < need && lead >= 0xc2 && lead <= 0xf4 && rest.subarray(1).every((b) => b >= 0x80 && b <= 0xbf);
  return unfinished ? { utf8: false, undecided: rest.slice() } : { utf8: false };
}

/** The decoder of a file in `encoding`. */
export function textChunks(encoding: TextEncoding = 'utf-8'): TextChunks {
  return encoding === 'windows-1251' ? new Windows1251Text() : new Utf8Text();
}
