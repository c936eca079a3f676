/**
 * The ports the use cases work through, all in one place: a contract's log
 * and write-once object stores (evidence archives, evaluation results) for the
 * contract, evaluation, payment and report use cases; the evidence store, the
 * archive and the evidence ledger for the ingest; the reports bucket, the
 * signer and the PDF renderer for issuing a report. DynamoDB, S3 and KMS
 * implement them in functions/adapters; tests use in-memory ones. (The
 * ledger's LogStore, the Pseudonymizer, and the kernel's Signer and Clock are
 * the ports of their own contexts.)
 */

import type { CanonicalRecord, KnownState, Pseudonymizer } from '#intake';
import type { Signer } from '#kernel';
import type { Intent } from '#ledger';
import type { AuditReport } from '#reports';

export interface AppendedEntry {
  readonly seq: number;
  readonly entryHash: string;
  /** Tree size right after the entry. */
  readonly treeSize: number;
  readonly replayed: boolean;
}

/** A contract's log as the use cases need it. */
export interface ContractLog {
  size(contract: string): Promise<number>;
  /** Root of the tree at `size` (RFC 6962), read from the store. */
  rootAt(contract: string, size: number): Promise<Uint8Array>;
  /** Entry bytes (canonical JSON) of seq from..to-1, in order. */
  entries(contract: string, from: number, to: number): AsyncIterable<Uint8Array>;
  /**
   * Appends under an idempotency key (same key and content: the original
   * entry; other content: ConflictError). With `expectedSize`, the entry is
   * written only if the log still has exactly that many entries, the snapshot
   * the caller's checks read; otherwise LogMovedError and nothing is written
   * (the key is looked up first, so a replay still answers).
   */
  append(contract: string, idempotencyKey: string, intent: Intent, options?: AppendOptions): Promise<AppendedEntry>;
}

export interface AppendOptions {
  /** The tree size the decision was checked against: the entry must land at seq `expectedSize`. */
  readonly expectedSize?: number;
}

/** Write-once objects (evaluation results, evidence archives). */
export interface ObjectStore {
  /** The object's bytes, or undefined if there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes as a stream (large archives); rejects if there is none. */
  stream(key: string): AsyncIterable<Uint8Array>;
  /** Stores the bytes unless the key already holds them (a damaged object under the key is replaced). */
  put(key: string, body: Uint8Array, sha256: string, contentType: string): Promise<void>;
}

export interface ContractPorts {
  readonly log: ContractLog;
  /** Evidence archives (read). */
  readonly archive: ObjectStore;
  /** Evaluation results (read and write). */
  readonly results: ObjectStore;
}

// ---- Ingest

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
  /**
   * Stores the canonical batch under its content hash; storing the same bytes
   * again is harmless. Resolves only once the stored object hashes to
   * `sha256` (a damaged object under the key is replaced), so no batch is
   * committed on an archive that does not hash to its content address.
   */
  put(key: string, body: Uint8Array, sha256: string): Promise<void>;
  /**
   * The same for a batch too large to hold in memory: reads `body` to its end
   * and stores it, unless `key` already holds an object that hashes to
   * `sha256` (then `body` is not read).
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
  /** Whether the contract's log starts with its registration (`contract.registered` at seq 0). */
  registered(contract: string): Promise<boolean>;
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

// ---- Reports

export type ReportLang = 'ru' | 'en';

export const REPORT_LANGS: readonly ReportLang[] = ['ru', 'en'];

/**
 * An earlier period's figures for the PDF's chart: metric values (as in its
 * evaluation). `total` is its payment total; the PDF lists earlier totals
 * from the report's own (signed) `earlier`, which holds the same figures.
 */
export interface PeriodFigures {
  readonly period: string;
  readonly metrics: Readonly<Record<string, string>>;
  readonly total: string;
}

export interface ReportPorts {
  readonly log: ContractLog;
  /** Evaluation results (read). */
  readonly results: ObjectStore;
  /** The reports bucket. */
  readonly reports: ObjectStore & {
    /** The objects under a prefix; `lastModified` (ISO 8601) where the store says when each was written. */
    list(prefix: string): Promise<readonly { key: string; lastModified?: string }[]>;
  };
  /** The log's signer: signs checkpoints and reports. */
  readonly signer: Signer;
  /** The signed checkpoint of a size, with any witness cosignatures (published if there is none yet). */
  checkpoint(contract: string, size: number): Promise<string>;
  /** Renders a report as a PDF for people. */
  renderPdf(
    report: AuditReport,
    options: { lang: ReportLang; jsonSha256: string; jsonFileName: string; history: readonly PeriodFigures[] },
  ): Promise<Uint8Array>;
}
