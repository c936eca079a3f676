import { IntegrityError, sha256Binary } from '#kernel';
import { emptyRoot } from './merkle.ts';

/** Node's Buffer, for its memchr indexOf, looked up so the module needs no Node types (the console imports #ledger). */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): Uint8Array } })
  .Buffer;

/**
 * The byte-level scan behind fast export verification (export-verify.ts).
 *
 * Hashes are kept as 32-character latin1 strings (one char per byte; 'binary' is latin1) while
 * scanning: node:crypto's hash() returns those several times faster than
 * Buffers, which matters when the per-call cost, not SHA-256 itself,
 * dominates (200,000 hashes for a 100,000-entry log).
 */

/** An export behind one spare byte, with its line boundaries. */
export interface ExportLayout {
  /** The export at offset 1; byte 0 is spare. */
  readonly buf: Uint8Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  /** Lines, the checkpoint line included. */
  readonly count: number;
}

/**
 * Lays the export out behind one spare byte: the 0x00 leaf prefix is then
 * written in place of the byte before each line, so a leaf hash is a single
 * one-shot SHA-256 over the buffer with no copying. With `spareFirstByte`,
 * `data[0]` is that spare byte (the file read at offset 1) and nothing is copied.
 */
export function layoutExport(data: Uint8Array, options: { spareFirstByte?: boolean } = {}): ExportLayout {
  let buf: Uint8Array;
  if (options.spareFirstByte) buf = data;
  else {
    buf = new Uint8Array(data.byteLength + 1);
    buf.set(data, 1);
  }
  buf[0] = 0x0a;
  // Buffer's indexOf is memchr; Uint8Array's is a generic loop, many times slower.
  const view = NodeBuffer === undefined ? buf : NodeBuffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let starts: Uint32Array = new Uint32Array(1024);
  let ends: Uint32Array = new Uint32Array(1024);
  let count = 0;
  for (let start = 1; start < buf.length; count++) {
    let end = view.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    if (count === starts.length) {
      starts = grow(starts);
      ends = grow(ends);
    }
    starts[count] = start;
    ends[count] = end;
    start = end + 1;
  }
  return { buf, starts: starts.subarray(0, count), ends: ends.subarray(0, count), count };
}

/** A latin1 hash string's bytes. */
function fromLatin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function grow(a: Uint32Array): Uint32Array {
  const b = new Uint32Array(a.length * 2);
  b.set(a);
  return b;
}

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const TAIL_V = latin1(',"v":1}');
const SEQ_KEY = latin1(',"seq":');
const PREV_KEY = latin1(',"prev":"');
const KIND_KEY = latin1(',"kind":"');
const CONTRACT_KEY = latin1(',"contract":"');
const HEAD = latin1('{"actor":{');
const GENESIS = '\0'.repeat(32);

function matchAt(buf: Uint8Array, at: number, token: Uint8Array): boolean {
  if (at < 0) return false;
  for (let i = 0; i < token.length; i++) if (buf[at + i] !== token[i]) return false;
  return true;
}

/** Lower-case hex digit values; -1 for anything else (upper case is not canonical here). */
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let d = 0; d < 10; d++) HEX_VALUE[0x30 + d] = d;
for (let d = 0; d < 6; d++) HEX_VALUE[0x61 + d] = 10 + d;

/** Whether the 64 hex digits at `at` spell the latin1 hash. */
function hexEquals(buf: Uint8Array, at: number, hash32: string): boolean {
  for (let i = 0; i < 32; i++) {
    const hi = HEX_VALUE[buf[at + 2 * i] as number] as number;
    const lo = HEX_VALUE[buf[at + 2 * i + 1] as number] as number;
    if (hi < 0 || lo < 0 || ((hi << 4) | lo) !== hash32.charCodeAt(i)) return false;
  }
  return true;
}

/** The decimal without leading zeros in [start, end), or -1. */
function decimalAt(buf: Uint8Array, start: number, end: number): number {
  if (end <= start || end - start > 15 || (buf[start] === 0x30 && end - start > 1)) return -1;
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + ((buf[i] as number) - 0x30);
  return n;
}

/** Scans back over a quoted value of [a-z0-9.-] whose closing quote is at `end`; returns its start. */
function quotedStart(buf: Uint8Array, end: number, min: number): number {
  if (buf[end] !== 0x22) return -1;
  let i = end;
  while (i > min) {
    const c = buf[i - 1] as number;
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e) i--;
    else break;
  }
  return i;
}

/** RFC 6962 tree over latin1 hashes: a binary-counter stack of perfect subtrees. */
class LatinTree {
  readonly #stack: string[] = [];
  readonly #input = new Uint8Array(65);
  size = 0;

  constructor() {
    this.#input[0] = 0x01;
  }

  #node(left: string, right: string): string {
    const input = this.#input;
    for (let i = 0; i < 32; i++) {
      input[1 + i] = left.charCodeAt(i);
      input[33 + i] = right.charCodeAt(i);
    }
    return sha256Binary(input);
  }

  push(leaf: string): void {
    let h = leaf;
    for (let s = this.size; s % 2 === 1; s = (s - 1) / 2) h = this.#node(this.#stack.pop() as string, h);
    this.#stack.push(h);
    this.size++;
  }

  root(): Uint8Array {
    if (this.#stack.length === 0) return emptyRoot();
    let h = this.#stack[this.#stack.length - 1] as string;
    for (let i = this.#stack.length - 2; i >= 0; i--) h = this.#node(this.#stack[i] as string, h);
    return fromLatin1(h);
  }
}

export interface ScanResult {
  readonly entries: number;
  readonly contract: string | undefined;
  readonly root: Uint8Array;
  /** Leaf hash of the last entry. */
  readonly last: Uint8Array | undefined;
  /** The roots at the sizes asked for (those not above `entries`). */
  readonly roots: ReadonlyMap<number, Uint8Array>;
}

/**
 * Checks every entry line (all lines but the last): the canonical tail, seq,
 * contract and prev link, hashing each entry into the tree. Throws
 * IntegrityError at the first entry that does not fit.
 */
export function scanEntries(
  layout: ExportLayout,
  expectedContract: string | undefined,
  rootAtSizes: readonly number[] = [],
): ScanResult {
  const { buf, starts, ends } = layout;
  const entries = Math.max(layout.count - 1, 0);
  const keep = new Set(rootAtSizes);
  const roots = new Map<number, Uint8Array>();
  if (keep.has(0)) roots.set(0, emptyRoot());
  let contract = expectedContract === undefined ? undefined : latin1(expectedContract);
  const tree = new LatinTree();
  let prev = GENESIS;
  for (let seq = 0; seq < entries; seq++) {
    const s = starts[seq] as number;
    const e = ends[seq] as number;
    const bad = () => new IntegrityError('entry does not fit the canonical entry form', seq);
    if (!matchAt(buf, s, HEAD) || !matchAt(buf, e - TAIL_V.length, TAIL_V)) throw bad();
    const seqEnd = e - TAIL_V.length;
    let seqStart = seqEnd;
    while (seqStart > s && (buf[seqStart - 1] as number) >= 0x30 && (buf[seqStart - 1] as number) <= 0x39) seqStart--;
    if (decimalAt(buf, seqStart, seqEnd) !== seq) throw bad();
    if (!matchAt(buf, seqStart - SEQ_KEY.length, SEQ_KEY) || buf[seqStart - SEQ_KEY.length - 1] !== 0x22) throw bad();
    const prevStart = seqStart - SEQ_KEY.length - 1 - 64;
    if (!matchAt(buf, prevStart - PREV_KEY.length, PREV_KEY) || !hexEquals(buf, prevStart, prev)) throw bad();
    const kindEnd = prevStart - PREV_KEY.length - 1;
    const kindStart = quotedStart(buf, kindEnd, s);
    if (kindStart <= kindEnd - 65 || kindStart === kindEnd || !matchAt(buf, kindStart - KIND_KEY.length, KIND_KEY)) {
      throw bad();
    }
    const contractEnd = kindStart - KIND_KEY.length - 1;
    const contractStart = quotedStart(buf, contractEnd, s);
    if (contractStart <= 0 || !matchAt(buf, contractStart - CONTRACT_KEY.length, CONTRACT_KEY)) throw bad();
    if (contract === undefined) contract = buf.slice(contractStart, contractEnd);
    else if (contractEnd - contractStart !== contract.length || !matchAt(buf, contractStart, contract)) throw bad();
    const saved = buf[s - 1] as number;
    buf[s - 1] = 0x00;
    prev = sha256Binary(buf.subarray(s - 1, e));
    buf[s - 1] = saved;
    tree.push(prev);
    if (keep.has(tree.size)) roots.set(tree.size, tree.root());
  }
  return {
    entries,
    contract: contract === undefined ? undefined : String.fromCharCode(...contract),
    root: tree.root(),
    last: entries === 0 ? undefined : fromLatin1(prev),
    roots,
  };
}
