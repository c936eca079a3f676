import type { ContractProfile } from '#contracts';
import { LIMITS, type StoredRecord, type TimelineFacts, toStoredRecord, validateRecord } from '#evidence';
import {
  ARCHIVE_LINE_END,
  archiveHeader,
  archiveKey,
  batchIdProblems,
  type CanonicalRecord,
  CheckTape,
  Chunker,
  type CsvDialect,
  type KnownState,
  type ParseOptions,
  ProblemLog,
  type Pseudonymizer,
  parseCsvStream,
  rejectProblemLogs,
  sortedCounts,
} from '#intake';
import { canonicalize, createSha256, IntegrityError, type Problem, type Sha256, toHex, utf8 } from '#kernel';
import type { Actor } from '#ledger';
import { leafHash, TreeBuilder } from '#ledger';
import { BytePipe } from './byte-pipe.ts';
import type { StreamPhase, StreamProgress } from './ingest.ts';
import {
  appendBatchEntry,
  assertRegistered,
  type BatchSummary,
  batchReceipt,
  existingReceipt,
  type IngestReceipt,
} from './ingest.ts';
import type { BatchEntry, BatchRef, EvidenceStore, IngestPorts } from './ports.ts';

/**
 * The streaming ingest of a large CSV batch (the S3 upload path): the same
 * use case as ingestBatch (all or nothing, every problem found, idempotent by
 * batch id, the same entry and receipt), with memory bounded whatever the
 * record count: the records are never held, only the batch's id sets (event
 * ids, pseudonyms) and a few numbers per record for the cross-record checks.
 *
 * The source is read three times:
 * 1. count: the CSV structure only, for the number of rows. The archive's
 *    header line names the record count and comes first, so its SHA-256 (the
 *    content hash, which keys the archive, is stored with every record and
 *    decides idempotency) cannot be computed before the count is known.
 * 2. scan: parse, validate and pseudonymise every row; collect the problems
 *    (the first `maxProblems` listed, the rest counted); compute the records
 *    root, the content hash, a digest per write chunk, and what the
 *    cross-record checks need. Then, like ingestBatch: a rejection, or the
 *    original receipt (or a conflict) if the batch id was appended before.
 * 3. write, under the ingest lease and after the cross-record checks passed:
 *    parse again, write the records chunk by chunk and stream the archive;
 *    each chunk must reproduce the scan's digest before it is written, and the
 *    whole pass its root and hash, else nothing is appended (IntegrityError).
 */

/** Opens the batch's bytes from the start; called once per pass. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

export interface StreamIngestRequest {
  readonly profile: ContractProfile;
  readonly batchId: string;
  readonly submitter: Actor;
  /** Today's date (YYYY-MM-DD), in the contract's time zone: no evidence may be dated after it. */
  readonly today: string;
  /** CSV bounds other than LIMITS (tests). */
  readonly parse?: ParseOptions;
  /** Problems listed in a rejection; the rest are counted in its message. Default 1,000. */
  readonly maxProblems?: number;
  /** Records per EvidenceStore.writeRecords call. Default 10,000. */
  readonly chunkRecords?: number;
  /** Told when a phase starts, and every 10,000 rows of a pass. */
  readonly onProgress?: (progress: StreamProgress) => void;
}

export const STREAM_DEFAULTS = {
  maxProblems: 1_000,
  chunkRecords: 10_000,
  /** A chunk also ends once its archive lines reach this many bytes (records may be up to LIMITS.recordBytes). */
  chunkBytes: 4 * 1024 * 1024,
  /** Chunks being written while the next one is read. */
  writesInFlight: 2,
  /** Archive bytes queued for the archive upload before the write pass waits for it. */
  archiveQueueBytes: 8 * 1024 * 1024,
  /** Event ids per EvidenceStore.knownState call, and calls in flight. */
  lookupEventIds: 10_000,
  lookupsInFlight: 4,
} as const;

const PROGRESS_EVERY = 10_000;

/** What the scan (passes 1 and 2) found. */
export interface BatchScan {
  /** Data rows read (rows holding a record, valid or not). */
  readonly rows: number;
  /** Valid records: for an accepted batch, every row. */
  readonly recordCount: number;
  readonly recordsRoot: string;
  /** SHA-256 of the archive (meaningful only when there is no problem). */
  readonly contentHash: string;
  /** Size of the archive in bytes. */
  readonly archiveBytes: number;
  readonly types: Record<string, number>;
  readonly problems: ProblemLog;
  /** SHA-256 of each write chunk's archive lines, in order. */
  readonly chunkDigests: readonly string[];
  /** What the cross-record checks need; released (undefined) once they ran. */
  tape: CheckTape | undefined;
  /** What the file used beyond the documented CSV form, for the receipt. */
  readonly dialect: CsvDialect;
}

const LF = new Uint8Array([ARCHIVE_LINE_END]);

interface ScannedRecord {
  readonly at: number;
  readonly record: StoredRecord;
  readonly bytes: Uint8Array;
}

/**
 * The rows of one pass as canonical stored records (what prepareBatch makes
 * of each), reporting every problem to `problem`: parse problems, the batch
 * id, an empty batch, and each record's own problems.
 */
async function* canonicalRecords(
  request: StreamIngestRequest,
  source: ByteSource,
  pseudonymizer: Pseudonymizer,
  phase: StreamPhase,
  problem: (p: Problem) => void,
  counts: { rows: number; dialect?: CsvDialect },
): AsyncGenerator<ScannedRecord> {
  const { profile, today } = request;
  const contract = profile.id;
  let any = false;
  const report = (p: Problem) => {
    any = true;
    problem(p);
  };
  for (const p of batchIdProblems(request.batchId)) report(p);
  for await (const row of parseCsvStream(source(), request.parse, counts)) {
    for (const p of row.problems) report(p);
    if (row.value === undefined) continue;
    const at = row.at;
    if (++counts.rows % PROGRESS_EVERY === 0) request.onProgress?.({ phase, rows: counts.rows });
    const result = validateRecord(row.value, { profile, today });
    if (result.problems.length > 0 || !result.record) {
      for (const p of result.problems) report({ ...p, at });
      continue;
    }
    const record = toStoredRecord(result.record, await pseudonymizer.pseudonym(contract, result.record.participant));
    yield { at, record, bytes: utf8(canonicalize(record)) };
  }
  if (counts.rows === 0 && !any) problem({ message: 'the batch holds no records' });
  if (counts.rows > LIMITS.batchRecords) {
    problem({ message: `the batch holds ${counts.rows} records; the limit is ${LIMITS.batchRecords}` });
  }
}

/** Pass 1: the number of rows holding a record (the CSV structure only). */
async function countRows(request: StreamIngestRequest, source: ByteSource): Promise<number> {
  request.onProgress?.({ phase: 'count', rows: 0 });
  let rows = 0;
  for await (const row of parseCsvStream(source(), request.parse)) {
    if (row.value !== undefined && ++rows % PROGRESS_EVERY === 0) request.onProgress?.({ phase: 'count', rows });
  }
  return rows;
}

function sourceChanged(what: string): IntegrityError {
  return new IntegrityError(`the batch changed between reads of its source (${what}); nothing was appended`);
}

/**
 * Passes 1 and 2: validates every row and computes what the batch's entry
 * will say (records root, content hash, counts) and what the checks need,
 * without writing anything and without holding the records.
 */
export async function scanBatch(
  request: StreamIngestRequest,
  source: ByteSource,
  pseudonymizer: Pseudonymizer,
): Promise<BatchScan> {
  const contract = request.profile.id;
  const expected = await countRows(request, source);
  request.onProgress?.({ phase: 'scan', rows: 0, total: expected });
  const problems = new ProblemLog(request.maxProblems ?? STREAM_DEFAULTS.maxProblems);
  const tape = new CheckTape();
  const tree = new TreeBuilder();
  const header = archiveHeader(contract, request.batchId, expected);
  const content = createSha256().update(header);
  let archiveBytes = header.length;
  const chunker = new Chunker(request.chunkRecords ?? STREAM_DEFAULTS.chunkRecords, STREAM_DEFAULTS.chunkBytes);
  const chunkDigests: string[] = [];
  let chunk: Sha256 = createSha256();
  const types: Record<string, number> = {};
  const counts: { rows: number; dialect?: CsvDialect } = { rows: 0 };
  for await (const { at, record, bytes } of canonicalRecords(
    request,
    source,
    pseudonymizer,
    'scan',
    (p) => problems.add(p),
    counts,
  )) {
    tree.push(leafHash(bytes));
    content.update(bytes).update(LF);
    chunk.update(bytes).update(LF);
    archiveBytes += bytes.length + 1;
    types[record.type] = (types[record.type] ?? 0) + 1;
    tape.add(record, at);
    if (chunker.add(bytes.length + 1)) {
      chunkDigests.push(chunk.hex());
      chunk = createSha256();
    }
  }
  if (chunker.pending) chunkDigests.push(chunk.hex());
  if (problems.total === 0 && tape.length !== expected) {
    throw sourceChanged(`${formatRows(expected)} when counted, ${formatRows(tape.length)} when validated`);
  }
  return {
    rows: counts.rows,
    recordCount: tape.length,
    recordsRoot: toHex(tree.root()),
    contentHash: content.hex(),
    archiveBytes,
    types: sortedCounts(types),
    problems,
    chunkDigests,
    tape,
    dialect: counts.dialect ?? {},
  };
}

const formatRows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;

/**
 * KnownState for a whole batch: the participants in one EvidenceStore.knownState
 * call (the store picks per-participant queries or a contract-wide read), the
 * event ids in slices (each id is one key of a batch read), a few at a time, merged.
 */
async function knownStateOf(store: EvidenceStore, contract: string, tape: CheckTape): Promise<KnownState> {
  const { lookupEventIds, lookupsInFlight } = STREAM_DEFAULTS;
  const enrolled = new Set<string>();
  const known = new Set<string>();
  const employments = new Map<string, { employerId: string; date: string }[]>();
  const timelines = new Map<string, TimelineFacts>();
  const merge = (part: KnownState) => {
    for (const [p, facts] of part.timelines ?? []) timelines.set(p, facts);
    for (const p of part.enrolled) enrolled.add(p);
    for (const id of part.eventIds) known.add(id);
    for (const [p, list] of part.employments) employments.set(p, [...(employments.get(p) ?? []), ...list]);
  };
  const slices = Math.ceil(tape.lookupIds / lookupEventIds);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < slices; i = next++) {
      const eventIds = tape.lookupSlice(i * lookupEventIds, (i + 1) * lookupEventIds);
      merge(await store.knownState(contract, { participants: [], eventIds }));
    }
  };
  const participants = tape.participants.values;
  await Promise.all([
    store.knownState(contract, { participants, eventIds: [], employmentsOf: tape.employmentsOf }).then(merge),
    ...Array.from({ length: Math.min(lookupsInFlight, slices) }, worker),
  ]);
  return { enrolled, eventIds: known, employments, timelines };
}

/**
 * Ingests a CSV batch read from `source` (see the passes above): rejected
 * whole with its problems (ValidationError, nothing written), the original
 * receipt for a batch id appended before with the same content (ConflictError
 * for other content), else archived, written and appended as one entry.
 */
export async function ingestStream(
  request: StreamIngestRequest,
  source: ByteSource,
  ports: IngestPorts,
): Promise<IngestReceipt> {
  const contract = request.profile.id;
  await assertRegistered(ports.ledger, contract);
  const scan = await scanBatch(request, source, ports.pseudonymizer);
  const crossChecks = async (): Promise<ProblemLog> => {
    const log = new ProblemLog(scan.problems.max);
    const tape = scan.tape;
    if (tape === undefined || tape.length === 0) return log;
    request.onProgress?.({ phase: 'lookup', rows: 0 });
    const known = await knownStateOf(ports.store, contract, tape);
    request.onProgress?.({ phase: 'check', rows: 0 });
    tape.check(known, (p) => log.add(p));
    return log;
  };
  if (scan.problems.total > 0) {
    // Rejected already; the ledger-based checks of the valid records still belong in the one list.
    rejectProblemLogs(scan.problems, await crossChecks());
  }

  const archive = { key: archiveKey(contract, scan.contentHash), sha256: scan.contentHash };
  const summary: BatchSummary = {
    recordCount: scan.recordCount,
    recordsRoot: scan.recordsRoot,
    archive,
    types: scan.types,
  };
  const receipt = (entry: BatchEntry, replayed: boolean) =>
    batchReceipt(ports.ledger, contract, request.batchId, summary, entry, replayed, scan.dialect);

  const replay = await existingReceipt(ports.ledger, contract, request.batchId, scan.contentHash);
  if (replay) return receipt(replay, true);

  return ports.store.withIngestLease(contract, async (fence) => {
    // Checked again under the lease: another call may have appended it meanwhile.
    const raced = await existingReceipt(ports.ledger, contract, request.batchId, scan.contentHash);
    if (raced) return receipt(raced, true);
    const problems = await crossChecks();
    if (problems.total > 0) rejectProblemLogs(new ProblemLog(problems.max), problems);
    scan.tape = undefined; // the write pass needs none of it

    await writePass(request, source, ports, scan);
    request.onProgress?.({ phase: 'append', rows: scan.recordCount });
    const entry = await appendBatchEntry(ports.ledger, contract, request, summary, fence);
    return receipt(entry, false);
  });
}

/**
 * Pass 3: reads the batch again, writes its records chunk by chunk (a chunk
 * only once it reproduces the scan's digest) and streams the archive, which
 * completes only if the whole pass reproduces the scan's hash and root.
 */
async function writePass(
  request: StreamIngestRequest,
  source: ByteSource,
  ports: IngestPorts,
  scan: BatchScan,
): Promise<void> {
  request.onProgress?.({ phase: 'write', rows: 0, total: scan.rows });
  const contract = request.profile.id;
  const batch = { batchId: request.batchId, contentHash: scan.contentHash };
  const pipe = new BytePipe(STREAM_DEFAULTS.archiveQueueBytes);
  const archived = archiveUpload(ports, contract, scan.contentHash, pipe);
  const writer = new ChunkWriter(ports.store, contract, batch, scan.chunkDigests, pipe);
  try {
    await rereadRecords(request, source, ports.pseudonymizer, scan, pipe, writer);
    pipe.end();
    await Promise.all([archived, ...writer.writes]);
  } catch (error) {
    pipe.fail(error);
    await Promise.allSettled([archived, ...writer.writes]);
    throw error;
  }
}

/** The archive's upload from the pipe; the pipe closes when it ends, with its error if it fails. */
function archiveUpload(ports: IngestPorts, contract: string, contentHash: string, pipe: BytePipe): Promise<void> {
  const archived = ports.archive.putStream(archiveKey(contract, contentHash), pipe, contentHash).then(
    () => pipe.close(),
    (error: unknown) => {
      pipe.close(error ?? new Error('archive upload failed'));
      throw error;
    },
  );
  archived.catch(() => {}); // awaited by the write pass; handled now so that an early failure is not "unhandled"
  return archived;
}

/**
 * The write pass's reading: the archive header, then every record into the
 * chunk writer, each chunk flushed when the scan's chunking ends one. The
 * records must be as many as the scan's, with its records root and content hash.
 */
async function rereadRecords(
  request: StreamIngestRequest,
  source: ByteSource,
  pseudonymizer: Pseudonymizer,
  scan: BatchScan,
  pipe: BytePipe,
  writer: ChunkWriter,
): Promise<void> {
  const header = archiveHeader(request.profile.id, request.batchId, scan.recordCount);
  const content = createSha256().update(header);
  await pipe.write(header);
  const tree = new TreeBuilder();
  const chunker = new Chunker(request.chunkRecords ?? STREAM_DEFAULTS.chunkRecords, STREAM_DEFAULTS.chunkBytes);
  const counts = { rows: 0 };
  const changed = (p: Problem) => {
    throw sourceChanged(`a problem at ${p.at === undefined ? 'file level' : `line ${p.at}`}`);
  };
  for await (const { record, bytes } of canonicalRecords(request, source, pseudonymizer, 'write', changed, counts)) {
    if (writer.index >= scan.recordCount) throw sourceChanged('more records');
    tree.push(leafHash(bytes));
    content.update(bytes).update(LF);
    writer.add(record, bytes);
    if (chunker.add(bytes.length + 1)) await writer.flush();
  }
  if (writer.pending) await writer.flush();
  if (writer.index !== scan.recordCount) throw sourceChanged('fewer records');
  if (toHex(tree.root()) !== scan.recordsRoot || content.hex() !== scan.contentHash) {
    throw sourceChanged('another records root or content hash');
  }
}

/**
 * The write pass's chunks: each one's archive lines must reproduce the scan's
 * digest; it is then written to the store (a few writes in flight) and its
 * lines to the archive pipe. `writes` holds the writes not yet awaited.
 */
class ChunkWriter {
  readonly writes: Promise<void>[] = [];
  readonly #store: EvidenceStore;
  readonly #contract: string;
  readonly #batch: BatchRef;
  readonly #digests: readonly string[];
  readonly #pipe: BytePipe;
  #chunk: CanonicalRecord[] = [];
  #chunkBytes = 0;
  #chunks = 0;
  #index = 0;

  constructor(store: EvidenceStore, contract: string, batch: BatchRef, digests: readonly string[], pipe: BytePipe) {
    this.#store = store;
    this.#contract = contract;
    this.#batch = batch;
    this.#digests = digests;
    this.#pipe = pipe;
  }

  /** Records added so far. */
  get index(): number {
    return this.#index;
  }

  /** Whether records are waiting for a flush. */
  get pending(): boolean {
    return this.#chunk.length > 0;
  }

  add(record: StoredRecord, bytes: Uint8Array): void {
    this.#chunk.push({ index: this.#index++, record, bytes });
    this.#chunkBytes += bytes.length + 1;
  }

  async flush(): Promise<void> {
    const chunk = this.#chunk;
    const lines = new Uint8Array(this.#chunkBytes);
    let offset = 0;
    for (const { bytes } of chunk) {
      lines.set(bytes, offset);
      lines[offset + bytes.length] = ARCHIVE_LINE_END;
      offset += bytes.length + 1;
    }
    if (createSha256().update(lines).hex() !== this.#digests[this.#chunks]) {
      throw sourceChanged(`records ${this.#index - chunk.length} to ${this.#index - 1} differ`);
    }
    this.#chunks++;
    while (this.writes.length >= STREAM_DEFAULTS.writesInFlight) await this.writes.shift();
    const write = this.#store.writeRecords(this.#contract, this.#batch, chunk);
    write.catch(() => {}); // awaited by the write pass; handled now so that an early failure is not "unhandled"
    this.writes.push(write);
    this.#chunk = [];
    this.#chunkBytes = 0;
    await this.#pipe.write(lines);
  }
}
