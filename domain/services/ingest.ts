import type { ContractProfile } from '#contracts';
import {
  checkBatch,
  type EvidenceInput,
  type KnownState,
  knownStateQueries,
  type StoredRecord,
  toStoredRecord,
  validateRecord,
} from '#evidence';
import type { Pseudonymizer } from '#intake';
import { LIMITS } from '#intake';
import { ConflictError, canonicalize, type Problem, sha256, toHex, utf8, ValidationError } from '#kernel';
import type { Actor, Intent } from '#ledger';
import { EVIDENCE_BATCH_KIND, rootFromLeaves } from '#ledger';

/**
 * The operator's batch, from parsed records to one ledger entry
 * (ARCHITECTURE.md, "Evidence records inside entries"). All or nothing: any
 * problem in any record rejects the whole batch before anything is written,
 * and every problem is reported.
 */

/** The phases of a streamed ingest, as its progress reports them. */
export type StreamPhase = 'count' | 'scan' | 'lookup' | 'check' | 'write' | 'append';

export interface StreamProgress {
  readonly phase: StreamPhase;
  /** Rows read so far in this pass (count, scan, write). */
  readonly rows: number;
  /** Rows holding a record, as counted by the first pass (scan and write). */
  readonly total?: number;
}

/** A stored record with its canonical bytes (the leaf data of the batch's records root). */
export interface CanonicalRecord {
  readonly index: number;
  readonly record: StoredRecord;
  readonly bytes: Uint8Array;
}

export interface EvidenceStore {
  /** What the cross-record checks need from the ledger, for these pseudonyms and event ids (committed records only). */
  knownState(
    contract: string,
    query: {
      participants: readonly string[];
      eventIds: readonly string[];
      /** Participants whose employment-started records matter (those with an employment-ended in the batch). */
      employmentsOf?: readonly string[];
    },
  ): Promise<KnownState>;
  /**
   * Writes the records idempotently; readers see them only once the batch's
   * entry commits. A large batch is written in several calls (chunks), each
   * record carrying its index in the whole batch.
   */
  writeRecords(contract: string, batch: BatchRef, records: readonly CanonicalRecord[]): Promise<void>;
  /**
   * Runs `work` holding the contract's ingest lease, so that no other batch
   * of the contract checks or writes records meanwhile. The fence is handed
   * to the ledger append, whose commit fails if the lease was lost.
   * Waits at most `waitMs` (default: the store's own bound) for the lease,
   * then refuses with a ConflictError (another batch is being ingested).
   */
  withIngestLease<T>(
    contract: string,
    work: (fence: unknown) => Promise<T>,
    options?: { readonly waitMs?: number },
  ): Promise<T>;
}

export interface BatchRef {
  readonly batchId: string;
  /** SHA-256 (hex) of the archived canonical batch. */
  readonly contentHash: string;
}

export interface Archive {
  /** Stores the canonical batch under its content hash; storing the same bytes again is harmless. */
  put(key: string, body: Uint8Array, sha256: string): Promise<void>;
  /**
   * The same for a batch too large to hold in memory: reads `body` to its end
   * and stores it, unless `key` is stored already (then `body` is not read).
   * Rejects, storing nothing, if `body` fails or its bytes do not hash to `sha256`.
   */
  putStream(key: string, body: AsyncIterable<Uint8Array>, sha256: string): Promise<void>;
}

export interface BatchEntry {
  readonly seq: number;
  readonly entryHash: string;
  readonly body: Record<string, unknown>;
}

export interface EvidenceLedger {
  /** The entry of an already appended batch, if any. */
  batchEntry(contract: string, batchId: string): Promise<BatchEntry | undefined>;
  append(contract: string, idempotencyKey: string, intent: Intent, fence: unknown): Promise<BatchEntry>;
  /** Signed checkpoint (C2SP note) of the log at `size`. */
  checkpoint(contract: string, size: number): Promise<string>;
}

export interface IngestPorts {
  readonly store: EvidenceStore;
  readonly archive: Archive;
  readonly ledger: EvidenceLedger;
  readonly pseudonymizer: Pseudonymizer;
}

export interface IngestRequest {
  readonly profile: ContractProfile;
  readonly batchId: string;
  readonly submitter: Actor;
  /** Parsed records with where they came from (record index or CSV line). */
  readonly records: readonly { readonly at: number; readonly value: unknown }[];
  /** Problems the parser already found (bad UTF-8, CSV structure, bounds). */
  readonly parseProblems?: readonly Problem[];
  /** Today's date (YYYY-MM-DD), in the contract's time zone: no evidence may be dated after it. */
  readonly today: string;
  /** What `at` counts in messages: record indexes (JSON) or file lines (CSV). */
  readonly unit?: 'record' | 'line';
  /** Told as records are validated (phase scan) and written (phase write), for a progress bar. */
  readonly onProgress?: (progress: StreamProgress) => void;
  /**
   * How long to wait for the contract's ingest lease while another batch
   * holds it, before refusing (409) with nothing written: an API request
   * must be answered before its timeout. Default: the store's bound.
   */
  readonly leaseWaitMs?: number;
}

/** Records written per call to the store, so that progress can be reported on large batches. */
const WRITE_CHUNK = 2_000;

export interface IngestReceipt {
  readonly contract: string;
  readonly batchId: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly recordsRoot: string;
  readonly recordCount: number;
  readonly archive: { readonly key: string; readonly sha256: string };
  /** Signed checkpoint right after the batch's entry. */
  readonly checkpoint: string;
  /** True when the batch had been appended before and this is its original receipt. */
  readonly replayed: boolean;
}

const BATCH_ID = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;

export const archiveKey = (contract: string, contentHash: string) => `archive/${contract}/${contentHash}.jsonl`;
export const batchIdempotencyKey = (batchId: string) => `batch:${batchId}`;

/*
 * The archived form (one definition, shared by archiveBody and the streaming
 * ingest in ingest-stream.ts): the header line, then each record's canonical
 * bytes followed by ARCHIVE_LINE_END. Its SHA-256 is the batch's content hash.
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

/**
 * Throws the ValidationError of a rejected batch: its problems in batch order.
 * With `limit`, only the first `limit.max` problems are listed, and the
 * message counts all of them (`total` problems in `records` records).
 */
export function rejectBatch(
  unsorted: readonly Problem[],
  limit?: { readonly max: number; readonly total: number; readonly records: number },
): never {
  const order = (p: Problem) => (typeof p.at === 'number' ? p.at : -1);
  const sorted = [...unsorted].sort((a, b) => order(a) - order(b));
  const problems = limit === undefined ? sorted : sorted.slice(0, limit.max);
  const total = limit?.total ?? problems.length;
  const records = limit?.records ?? new Set(problems.map((p) => p.at)).size;
  const listed = total > problems.length ? `; the first ${problems.length} are listed` : '';
  throw new ValidationError(
    `batch rejected: ${total} problem${total === 1 ? '' : 's'} in ${records} record${records === 1 ? '' : 's'}; nothing was written${listed}`,
    problems,
  );
}

/** What a batch's ledger entry and receipt say about its records. */
export interface BatchSummary {
  readonly recordCount: number;
  readonly recordsRoot: string;
  readonly archive: { readonly key: string; readonly sha256: string };
  /** Records per type, sorted by type. */
  readonly types: Record<string, number>;
}

/** Appends the ledger entry of an accepted batch, under its batch id (the idempotency key). */
export function appendBatchEntry(
  ledger: EvidenceLedger,
  contract: string,
  request: { readonly batchId: string; readonly submitter: Actor },
  summary: BatchSummary,
  fence: unknown,
): Promise<BatchEntry> {
  const intent: Intent = {
    kind: EVIDENCE_BATCH_KIND,
    actor: request.submitter,
    body: {
      batchId: request.batchId,
      recordCount: summary.recordCount,
      recordsRoot: summary.recordsRoot,
      archive: summary.archive,
      types: summary.types,
    },
  };
  return ledger.append(contract, batchIdempotencyKey(request.batchId), intent, fence);
}

/** The receipt of a batch whose entry is `entry`, with the checkpoint right after it. */
export async function batchReceipt(
  ledger: EvidenceLedger,
  contract: string,
  batchId: string,
  summary: BatchSummary,
  entry: BatchEntry,
  replayed: boolean,
): Promise<IngestReceipt> {
  return {
    contract,
    batchId,
    seq: entry.seq,
    entryHash: entry.entryHash,
    recordsRoot: summary.recordsRoot,
    recordCount: summary.recordCount,
    archive: summary.archive,
    checkpoint: await ledger.checkpoint(contract, entry.seq + 1),
    replayed,
  };
}

/**
 * Validates every record on its own and pseudonymises the valid ones.
 * Returns the valid records (with their locations) and every problem found.
 */
export async function prepareBatch(
  request: IngestRequest,
  pseudonymizer: Pseudonymizer,
): Promise<{ records: CanonicalRecord[]; at: number[]; problems: Problem[] }> {
  const { profile } = request;
  const problems: Problem[] = [...(request.parseProblems ?? []), ...batchIdProblems(request.batchId)];
  if (request.records.length === 0 && problems.length === 0) problems.push({ message: 'the batch holds no records' });
  if (request.records.length > LIMITS.batchRecords) {
    problems.push({
      message: `the batch holds ${request.records.length} records; the limit is ${LIMITS.batchRecords}`,
    });
  }
  const inputs: { at: number; input: EvidenceInput }[] = [];
  const total = request.records.length;
  for (const [i, { at, value }] of request.records.entries()) {
    if (i % 500 === 0) request.onProgress?.({ phase: 'scan', rows: i, total });
    const result = validateRecord(value, { profile, today: request.today });
    for (const p of result.problems) problems.push({ ...p, at });
    if (result.record && result.problems.length === 0) inputs.push({ at, input: result.record });
  }
  const records: CanonicalRecord[] = [];
  for (const [index, { input }] of inputs.entries()) {
    const participant = await pseudonymizer.pseudonym(profile.id, input.participant);
    const record = toStoredRecord(input, participant);
    records.push({ index, record, bytes: utf8(canonicalize(record)) });
  }
  request.onProgress?.({ phase: 'scan', rows: total, total });
  return { records, at: inputs.map((i) => i.at), problems };
}

/**
 * Ingests one batch: validate and pseudonymise every record, return the
 * original receipt if this batch id was appended before with the same
 * content (a conflict if with other content), check the batch against the
 * ledger, archive it, write its records, and append one entry.
 */
export async function ingestBatch(request: IngestRequest, ports: IngestPorts): Promise<IngestReceipt> {
  const contract = request.profile.id;
  const prepared = await prepareBatch(request, ports.pseudonymizer);
  const { records } = prepared;
  const crossChecks = async () => {
    const queries = knownStateQueries(records.map((r) => r.record));
    const known = await ports.store.knownState(contract, {
      participants: queries.participants,
      eventIds: [...queries.eventIds, ...queries.supersedes],
      employmentsOf: [
        ...new Set(records.filter((r) => r.record.type === 'employment-ended').map((r) => r.record.participant)),
      ],
    });
    return checkBatch(
      records.map((r) => r.record),
      known,
      { unit: request.unit ?? 'record', at: prepared.at },
    );
  };
  if (prepared.problems.length > 0) {
    // Rejected already; the ledger-based checks of the valid records still belong in the one list.
    rejectBatch([...prepared.problems, ...(records.length > 0 ? await crossChecks() : [])]);
  }

  const body = archiveBody(contract, request.batchId, records);
  const contentHash = toHex(sha256(body));
  const recordsRoot = toHex(rootFromLeaves(records.map((r) => r.bytes)));
  const archive = { key: archiveKey(contract, contentHash), sha256: contentHash };
  const summary: BatchSummary = { recordCount: records.length, recordsRoot, archive, types: typeCounts(records) };
  const receipt = (entry: BatchEntry, replayed: boolean) =>
    batchReceipt(ports.ledger, contract, request.batchId, summary, entry, replayed);

  const replay = await existingReceipt(ports.ledger, contract, request.batchId, contentHash);
  if (replay) return receipt(replay, true);

  const underLease = async (fence: unknown): Promise<IngestReceipt> => {
    // Checked again under the lease: another call may have appended it meanwhile.
    const raced = await existingReceipt(ports.ledger, contract, request.batchId, contentHash);
    if (raced) return receipt(raced, true);
    const problems = await crossChecks();
    if (problems.length > 0) rejectBatch(problems);

    await ports.archive.put(archive.key, body, contentHash);
    for (let start = 0; start < records.length; start += WRITE_CHUNK) {
      request.onProgress?.({ phase: 'write', rows: start, total: records.length });
      const chunk = records.slice(start, start + WRITE_CHUNK);
      await ports.store.writeRecords(contract, { batchId: request.batchId, contentHash }, chunk);
    }
    request.onProgress?.({ phase: 'write', rows: records.length, total: records.length });
    const entry = await appendBatchEntry(ports.ledger, contract, request, summary, fence);
    return receipt(entry, false);
  };
  return ports.store.withIngestLease(
    contract,
    underLease,
    request.leaseWaitMs === undefined ? {} : { waitMs: request.leaseWaitMs },
  );
}

/** The entry of batch `batchId` if it was appended before with this content hash; ConflictError if with another. */
export async function existingReceipt(
  ledger: EvidenceLedger,
  contract: string,
  batchId: string,
  contentHash: string,
): Promise<BatchEntry | undefined> {
  const entry = await ledger.batchEntry(contract, batchId);
  if (!entry) return undefined;
  const stored = (entry.body.archive as { sha256?: string } | undefined)?.sha256;
  if (stored !== contentHash) {
    throw new ConflictError(
      `batch ${batchId} was already submitted with other content (stored ${stored}, this submission ${contentHash})`,
      { batchId, storedHash: String(stored), requestHash: contentHash, seq: entry.seq },
    );
  }
  return entry;
}

function typeCounts(records: readonly CanonicalRecord[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { record } of records) counts[record.type] = (counts[record.type] ?? 0) + 1;
  return sortedCounts(counts);
}

/** The counts with their keys in the order the entry body lists them. */
export function sortedCounts(counts: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
