import type { ContractProfile } from '#contracts';
import { type EvidenceInput, LIMITS, toStoredRecord, validateRecord } from '#evidence';
import {
  archiveBody,
  archiveKey,
  batchIdempotencyKey,
  batchIdProblems,
  type CanonicalRecord,
  type CsvDialect,
  checkBatch,
  knownStateQueries,
  type Pseudonymizer,
  rejectBatch,
  typeCounts,
} from '#intake';
import { ConflictError, canonicalize, type Problem, sha256, toHex, utf8 } from '#kernel';
import type { Actor, Intent } from '#ledger';
import { EVIDENCE_BATCH_KIND, rootFromLeaves } from '#ledger';
import type { BatchEntry, EvidenceLedger, IngestPorts } from './ports.ts';

/**
 * The operator's batch, from parsed records to one ledger entry (the records
 * themselves are stored apart, the entry commits to them by their root and
 * the archive's hash). All or nothing: any problem in any record rejects the
 * whole batch before anything is written, and every problem is reported.
 * The ports of the ingest use cases (EvidenceStore, Archive, EvidenceLedger)
 * are defined here; the pure parts (archive form, batch checks, rejection)
 * are in domain/intake.
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
  /** What `at` counts in messages: record indexes (JSON), file lines (CSV) or sheet rows (XLSX). */
  readonly unit?: 'record' | 'line' | 'row';
  /** What a CSV file used beyond the documented form (its separator, dates, …), stated in the receipt. */
  readonly dialect?: CsvDialect;
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
  /** The CSV dialect this submission was read in, when not the documented form (not part of the entry). */
  readonly dialect?: CsvDialect;
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
  dialect: CsvDialect = {},
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
    ...(Object.keys(dialect).length > 0 ? { dialect } : {}),
  };
}

/** A batch as far as its checks need it: the batch id may be missing (a problem the parser reported). */
export type BatchToCheck = Omit<IngestRequest, 'batchId' | 'submitter'> & {
  readonly batchId?: string;
  readonly submitter?: Actor;
};

/**
 * Validates every record on its own and pseudonymises the valid ones.
 * Returns the valid records (with their locations) and every problem found.
 */
export async function prepareBatch(
  request: BatchToCheck,
  pseudonymizer: Pseudonymizer,
): Promise<{ records: CanonicalRecord[]; at: number[]; problems: Problem[] }> {
  const { profile } = request;
  const problems: Problem[] = [
    ...(request.parseProblems ?? []),
    ...(request.batchId === undefined ? [] : batchIdProblems(request.batchId)),
  ];
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
/** The cross-record problems of a batch's valid records, checked against the ledger. */
async function crossRecordProblems(
  request: BatchToCheck,
  prepared: { readonly records: readonly CanonicalRecord[]; readonly at: readonly number[] },
  ports: Pick<IngestPorts, 'store'>,
): Promise<Problem[]> {
  const { records } = prepared;
  if (records.length === 0) return [];
  const queries = knownStateQueries(records.map((r) => r.record));
  const known = await ports.store.knownState(request.profile.id, {
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
}

/**
 * Rejects a batch that cannot be written (no batch id): with every problem
 * the records have, on their own and across records, so that the operator
 * fixes the file once. Writes nothing.
 */
export async function rejectUnwritableBatch(
  request: BatchToCheck,
  ports: Pick<IngestPorts, 'pseudonymizer' | 'store'>,
): Promise<never> {
  const prepared = await prepareBatch(request, ports.pseudonymizer);
  return rejectBatch([...prepared.problems, ...(await crossRecordProblems(request, prepared, ports))]);
}

export async function ingestBatch(request: IngestRequest, ports: IngestPorts): Promise<IngestReceipt> {
  const contract = request.profile.id;
  await assertRegistered(ports.ledger, contract);
  const prepared = await prepareBatch(request, ports.pseudonymizer);
  const { records } = prepared;
  const crossChecks = () => crossRecordProblems(request, prepared, ports);
  if (prepared.problems.length > 0) {
    // Rejected already; the cross-record checks of the valid records belong in the same one list.
    rejectBatch([...prepared.problems, ...(await crossChecks())]);
  }

  const body = archiveBody(contract, request.batchId, records);
  const contentHash = toHex(sha256(body));
  const recordsRoot = toHex(rootFromLeaves(records.map((r) => r.bytes)));
  const archive = { key: archiveKey(contract, contentHash), sha256: contentHash };
  const summary: BatchSummary = { recordCount: records.length, recordsRoot, archive, types: typeCounts(records) };
  const receipt = (entry: BatchEntry, replayed: boolean) =>
    batchReceipt(ports.ledger, contract, request.batchId, summary, entry, replayed, request.dialect);

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

/**
 * Refuses evidence for a contract whose log does not start with its
 * registration: a profile file alone is no contract, and a log never starts
 * with evidence. Checked before anything is read from the batch or written.
 */
export async function assertRegistered(ledger: EvidenceLedger, contract: string): Promise<void> {
  if (await ledger.registered(contract)) return;
  throw new ConflictError(
    `contract ${contract} is not registered: register the contract first (POST /contracts, or sib ministry register), then submit the batch again; nothing was written`,
    { contract },
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
