/**
 * The items of the contract logs in the ledger table (table `ledger` of
 * storage-layout.ts), and of the records an append writes to the records
 * table: their keys, the HEAD as read back, and what the parts of the
 * DynamoDB ledger adapter share (dynamo-ledger.ts, ledger-append.ts,
 * ledger-checkpoints.ts).
 *
 * Item collection of a contract (pk = LOG#<contract>):
 *   E#<seq>                   entry: canonical JSON text and its hash
 *   N#<level>#<index>         every perfect Merkle subtree, written as it completes
 *   K#<idempotency key>       permanent: intent hash -> receipt
 * Its checkpoints apart (pk = CKPT#<contract>, sk = C#<size>): published signed
 * checkpoints (note), with witnesses' cosignatures, so that IAM can let the
 * functions that publish them put them and nothing of the log.
 * The HEAD apart (pk = HEAD#<contract>, sk = HEAD): size, last entry hash,
 * root, frontier (compact range). The list of logs: pk = LOGS, sk = <contract>.
 * Evidence records live in the records table under B#<contract>#<content hash>
 * and count only once the entry that commits them exists.
 */
import type { NodeId } from '#ledger';
import type { DynamoIo } from './dynamo-io.ts';
import { CHECKPOINT_PK_PREFIX, HEAD_PK_PREFIX, LOG_PK_PREFIX, LOGS_PK } from './storage-layout.ts';

export interface LedgerTables {
  readonly ledger: string;
  readonly records: string;
}

export interface Head {
  readonly size: number;
  readonly last: string;
  readonly root: Uint8Array;
  readonly frontier: readonly Uint8Array[];
}

/** What the parts of the ledger adapter share: DynamoDB through its retrying I/O, and the table names. */
export interface LedgerDb {
  readonly io: DynamoIo;
  readonly tables: LedgerTables;
}

const pad = (n: number) => n.toString().padStart(16, '0');
export const logPk = (contract: string) => `${LOG_PK_PREFIX}${contract}`;
/**
 * A log's HEAD item: its own partition (HEAD#<contract>), so that IAM can
 * allow UpdateItem on HEAD items and nothing else (dynamodb:LeadingKeys).
 */
export const headKey = (contract: string) => ({ pk: `${HEAD_PK_PREFIX}${contract}`, sk: 'HEAD' });
/** The partition listing every log (sk = the contract id), written with each log's first entry. */
export { LOGS_PK };
export const entrySk = (seq: number) => `E#${pad(seq)}`;
export const nodeSk = (id: NodeId) => `N#${id.level.toString().padStart(2, '0')}#${pad(id.index)}`;
export const keySk = (key: string) => `K#${key}`;
export const checkpointSk = (size: number) => `C#${pad(size)}`;
/** The partition of a log's published checkpoints. */
export const checkpointPk = (contract: string) => `${CHECKPOINT_PK_PREFIX}${contract}`;
/** The item of the checkpoint published for `size`. */
export const checkpointKey = (contract: string, size: number) => ({
  pk: checkpointPk(contract),
  sk: checkpointSk(size),
});
export const recordsPk = (contract: string, contentHash: string) => `B#${contract}#${contentHash}`;
