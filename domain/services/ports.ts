/**
 * The ports the contract, evaluation, payment and report use cases work
 * through: a contract's log, and write-once object stores (evidence archives,
 * evaluation results). DynamoDB and S3 implement them in functions/adapters;
 * tests use in-memory ones.
 */
import type { Intent } from '#ledger';

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
  /** Appends under an idempotency key (same key and content: the original entry; other content: ConflictError). */
  append(contract: string, idempotencyKey: string, intent: Intent): Promise<AppendedEntry>;
}

/** Write-once objects (evaluation results, evidence archives). */
export interface ObjectStore {
  /** The object's bytes, or undefined if there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** The object's bytes as a stream (large archives); rejects if there is none. */
  stream(key: string): AsyncIterable<Uint8Array>;
  /** Stores the bytes unless the key is stored already. */
  put(key: string, body: Uint8Array, sha256: string, contentType: string): Promise<void>;
}

export interface ContractPorts {
  readonly log: ContractLog;
  /** Evidence archives (read). */
  readonly archive: ObjectStore;
  /** Evaluation results (read and write). */
  readonly results: ObjectStore;
}
