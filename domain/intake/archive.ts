import type { StoredRecord } from '#evidence';
import { canonicalize, type Problem, utf8 } from '#kernel';

/**
 * A batch as it is stored: the rule for batch ids and the batch's
 * idempotency key, the archived form (a header line, then one canonical
 * record per line; its SHA-256 is the batch's content hash) and its object
 * key, where the write chunks of a large batch end, and the counts per type
 * its ledger entry lists.
 */

/** A stored record with its canonical bytes (the leaf data of the batch's records root). */
export interface CanonicalRecord {
  readonly index: number;
  readonly record: StoredRecord;
  readonly bytes: Uint8Array;
}

/** A batch id: the idempotency key of its entry, and part of an upload's object key. */
export const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

export const archiveKey = (contract: string, contentHash: string) => `archive/${contract}/${contentHash}.jsonl`;
export const batchIdempotencyKey = (batchId: string) => `batch:${batchId}`;

/*
 * The archived form (one definition, shared by archiveBody and the streaming
 * ingest): the header line, then each record's canonical bytes followed by
 * ARCHIVE_LINE_END. Its SHA-256 is the batch's content hash.
 */
export const ARCHIVE_FORMAT = 'sib-evidence-batch/1';
/** The byte ending the header and every record line (LF). */
export const ARCHIVE_LINE_END = 0x0a;

/** The archive's first line, LF included. It names the record count, so the count must be known before hashing. */
export function archiveHeader(contract: string, batchId: string, recordCount: number): Uint8Array {
  return utf8(`${canonicalize({ batchId, contract, format: ARCHIVE_FORMAT, records: recordCount })}\n`);
}

/** The archived form: a header line, then one canonical record per line. Its SHA-256 is the batch's content hash. */
export function archiveBody(contract: string, batchId: string, records: readonly CanonicalRecord[]): Uint8Array {
  const header = archiveHeader(contract, batchId, records.length);
  const size = records.reduce((n, r) => n + r.bytes.length + 1, header.length);
  const body = new Uint8Array(size);
  body.set(header, 0);
  let offset = header.length;
  for (const r of records) {
    body.set(r.bytes, offset);
    body[offset + r.bytes.length] = ARCHIVE_LINE_END;
    offset += r.bytes.length + 1;
  }
  return body;
}

/** A problem with the batch id itself, if any. */
export function batchIdProblems(batchId: string): Problem[] {
  return BATCH_ID.test(batchId)
    ? []
    : [{ field: 'batchId', message: 'letters, digits and . _ : / - (at most 64), starting with a letter or digit' }];
}

/** Where write chunks end: after `records` records, or once their archive lines reach `bytes` bytes. */
export class Chunker {
  readonly #records: number;
  readonly #maxBytes: number;
  #count = 0;
  #bytes = 0;

  constructor(records: number, bytes: number) {
    this.#records = records;
    this.#maxBytes = bytes;
  }

  /** Counts a record's line; true if it ends the chunk. */
  add(lineBytes: number): boolean {
    this.#count++;
    this.#bytes += lineBytes;
    if (this.#count < this.#records && this.#bytes < this.#maxBytes) return false;
    this.#count = 0;
    this.#bytes = 0;
    return true;
  }

  get pending(): boolean {
    return this.#count > 0;
  }
}

/** Records per type, sorted by type. */
export function typeCounts(records: readonly CanonicalRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { record } of records) counts[record.type] = (counts[record.type] ?? 0) + 1;
  return sortedCounts(counts);
}

/** The counts with their keys in the order the entry body lists them. */
export function sortedCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
