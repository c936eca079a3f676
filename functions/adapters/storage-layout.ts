/**
 * THE storage layout of sib-ledger: its tables (keys, global secondary
 * indexes), its buckets (key prefixes, lock and expiry), the HEAD items that
 * IAM tells apart, and where a running deployment's resources are
 * (StackConfig). The adapters beside this file read and write by these names;
 * the CDK stateful and stateless stacks (infra/stacks) and the local stack
 * (infra/local) are built from the same objects, so the functions, the cloud
 * and the local stack cannot drift apart.
 * Pure data: no CDK or SDK imports here.
 */

export type AttributeType = 'S' | 'N' | 'B';

export interface KeyDef {
  readonly name: string;
  readonly type: AttributeType;
}

export interface IndexDef {
  readonly indexName: string;
  readonly partitionKey: KeyDef;
  readonly sortKey?: KeyDef;
}

export interface TableDef {
  /** Key in stack.json `tables` and in the CDK stack's outputs. */
  readonly id: 'ledger' | 'records';
  /** Table name on the local stack; CDK lets CloudFormation name the table. */
  readonly localName: string;
  readonly partitionKey: KeyDef;
  readonly sortKey?: KeyDef;
  readonly globalSecondaryIndexes: readonly IndexDef[];
  readonly description: string;
}

export interface BucketDef {
  readonly id: 'archive' | 'reports' | 'uploads';
  readonly localName: string;
  /** Write-once (S3 Object Lock, compliance mode, versioned, deletes denied) in AWS. */
  readonly objectLock: boolean;
  /**
   * A transient bucket instead: not versioned, and objects under each prefix
   * expire after that many days (S3 lifecycle in AWS).
   */
  readonly expireDays?: Readonly<Record<string, number>>;
  readonly description: string;
}

export const ledgerTable: TableDef = {
  id: 'ledger',
  localName: 'sib-ledger',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [],
  description:
    'One item collection per contract log (pk = LOG#<contract>): entries (E#<seq>), Merkle nodes (N#<level>#<index>), idempotency items (K#<key>); its published checkpoints apart (pk = CKPT#<contract>, sk = C#<size>); the log HEAD apart (pk = HEAD#<contract>, sk = HEAD); and the list of logs (pk = LOGS, sk = <contract>).',
};

/**
 * A log's HEAD item lives in its own partition, `pk = HEAD#<contract>`
 * (`sk = HEAD`), and has exactly the attributes HEAD_ATTRIBUTES. IAM can name
 * partition keys (dynamodb:LeadingKeys) and attributes (dynamodb:Attributes)
 * but not sort keys, so this is what lets the deployed roles UpdateItem the
 * HEAD items and nothing else (infra/stacks/function-policies.ts).
 */
export const HEAD_PK_PREFIX = 'HEAD#';
export const HEAD_ATTRIBUTES = ['pk', 'sk', 'size', 'last', 'root', 'frontier'] as const;

/**
 * The other partitions of the ledger table, as IAM tells them apart
 * (dynamodb:LeadingKeys on PutItem): a log's items (entries, nodes,
 * idempotency items), which only the functions that append may put; its
 * published checkpoints, which the functions that publish or cosign
 * checkpoints may put without any right on the log's items; and the list of
 * logs, which an append's first entry enters.
 */
export const LOG_PK_PREFIX = 'LOG#';
export const CHECKPOINT_PK_PREFIX = 'CKPT#';
export const LOGS_PK = 'LOGS';

/** The records of one pseudonym, in time order (`<date>#<eventId>`). */
export const byParticipantIndex = {
  indexName: 'byParticipant',
  partitionKey: { name: 'gsi1pk', type: 'S' },
  sortKey: { name: 'gsi1sk', type: 'S' },
} as const satisfies IndexDef;

/** The records of one batch, in batch order (the record's index). */
export const byBatchIndex = {
  indexName: 'byBatch',
  partitionKey: { name: 'gsi2pk', type: 'S' },
  sortKey: { name: 'gsi2sk', type: 'S' },
} as const satisfies IndexDef;

/** The records of one type, in date order (`<date>#<eventId>`). */
export const byTypeIndex = {
  indexName: 'byType',
  partitionKey: { name: 'gsi3pk', type: 'S' },
  sortKey: { name: 'gsi3sk', type: 'S' },
} as const satisfies IndexDef;

export const recordsTable: TableDef = {
  id: 'records',
  localName: 'sib-records',
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [byParticipantIndex, byBatchIndex, byTypeIndex],
  description:
    'Evidence records keyed by (contract, event id) (pk = EV#<contract>#<eventId>), indexed by participant pseudonym (time order), by batch (record index) and by type (date); plus per-contract ingest leases (pk = LEASE#<contract>).',
};

export const tables: readonly TableDef[] = [ledgerTable, recordsTable];

export const archiveBucket: BucketDef = {
  id: 'archive',
  localName: 'sib-archive',
  objectLock: true,
  description: 'Evidence batches as ingested (pseudonymised), keyed by content hash, and evaluation results.',
};

export const reportsBucket: BucketDef = {
  id: 'reports',
  localName: 'sib-reports',
  objectLock: true,
  description: 'Signed audit reports (JSON + PDF) and evaluation results.',
};

/** Where large batches are uploaded (presign-upload) and picked up (ingest-s3) in the uploads bucket. */
export const UPLOADS_PREFIX = 'uploads/';
/** Where the outcome of each upload (its receipt or problem) is written, in the uploads bucket. */
export const RESULTS_PREFIX = 'results/';

/**
 * Large batches as the operator uploads them (presign-upload), CSV with the
 * participants' references (national IDs) before pseudonymisation, and the
 * outcome of each (ingest-s3), which may quote them. Never under Object Lock:
 * an upload is deleted once ingested and expires after a day in any case.
 */
export const uploadsBucket: BucketDef = {
  id: 'uploads',
  localName: 'sib-uploads',
  objectLock: false,
  expireDays: { [UPLOADS_PREFIX]: 1, [RESULTS_PREFIX]: 30 },
  description: 'Uploaded CSV batches (deleted once ingested, expired after a day) and their outcomes (30 days).',
};

export const buckets: readonly BucketDef[] = [archiveBucket, reportsBucket, uploadsBucket];

/** Where a running deployment's resources are: written by the local stack to <data dir>/stack.json. */
export interface StackConfig {
  readonly version: 1;
  readonly region: string;
  readonly dynamodb: { readonly endpoint: string };
  readonly s3: { readonly endpoint: string };
  readonly tables: Readonly<Record<TableDef['id'], string>>;
  readonly buckets: Readonly<Record<BucketDef['id'], string>>;
}
