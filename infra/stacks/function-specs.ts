/**
 * THE functions of the stateless stack and what each may do: its handler
 * module, memory, timeout and least-privilege grants (function-policies.ts
 * turns them into IAM statements; the tests assert the template against
 * them), and which function serves each route of functions/api/routes.ts.
 */
import type { ROUTES } from '../../functions/api/routes.ts';
import type { FunctionModule } from '../constructs/handler-function.ts';

/** Access to the ledger table (the logs). */
export type LedgerAccess =
  | 'none'
  | 'read'
  /** read, and PutItem in checkpoint partitions only (CKPT#): signed checkpoints and cosignatures. */
  | 'checkpoint'
  /**
   * checkpoint, plus appends: PutItem of the log's items (LOG# partitions, and
   * LOGS), UpdateItem of HEAD items only (their HEAD# partitions and attributes).
   */
  | 'append';

/** What a function may do; anything not listed it may not. */
export interface Grants {
  readonly ledger: LedgerAccess;
  /** `write`: PutItem (records and ingest leases) and ConditionCheckItem (the lease fence); never update or delete. */
  readonly records: 'none' | 'read' | 'write';
  /** Key prefixes of the archive bucket it may read under. */
  readonly archiveRead: readonly string[];
  /** Key prefixes of the archive bucket it may put objects under (create-only by key: content-addressed). */
  readonly archivePut: readonly string[];
  /** Streams multipart uploads into the archive (and may abort them, so no parts are left behind). */
  readonly archiveMultipart: boolean;
  /**
   * The uploads bucket: `put` (presigned uploads under uploads/), `read`
   * (outcomes and upload heads), `ingest` (reads uploads, writes their
   * outcomes under results/, deletes the uploads it has ingested).
   */
  readonly uploads: 'none' | 'put' | 'read' | 'ingest';
  /** Reads the reports bucket (lists and presigned downloads). */
  readonly reportsRead: boolean;
  /** Puts new report objects: only with If-None-Match (never overwrites), never deletes. */
  readonly reportsPut: boolean;
  /** kms:Sign (and GetPublicKey) on the signing key. */
  readonly sign: boolean;
  /** kms:GenerateMac on the pseudonym key. */
  readonly mac: boolean;
}

export interface FunctionSpec {
  readonly module: FunctionModule;
  readonly description: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly grants: Grants;
}

const NO_GRANTS: Grants = {
  ledger: 'none',
  records: 'none',
  archiveRead: [],
  archivePut: [],
  archiveMultipart: false,
  uploads: 'none',
  reportsRead: false,
  reportsPut: false,
  sign: false,
  mac: false,
};

/** What both ingest functions do: append batches, write their records, archive them, pseudonymise, sign receipts. */
const INGEST_GRANTS: Grants = {
  ...NO_GRANTS,
  ledger: 'append',
  records: 'write',
  // Reads: HEAD of the archive object before it is put (S3 answers 403, not 404, without ListBucket).
  archiveRead: ['archive/'],
  archivePut: ['archive/'],
  sign: true,
  mac: true,
};

/**
 * THE functions and their least-privilege grants. Only the ingest functions
 * (and the operator's lookup of a participant by reference, which
 * pseudonymises the reference exactly as ingest does) hold the MAC key; only
 * functions whose answers carry signed checkpoints or reports sign.
 */
export const FUNCTIONS = {
  IngestBatch: {
    module: 'ingest-batch',
    description: 'POST /contracts/{contract}/batches: evidence batches through the API',
    memorySize: 1024,
    timeoutSeconds: 29,
    grants: INGEST_GRANTS,
  },
  IngestS3: {
    module: 'ingest-s3',
    description: 'S3 event: large batches uploaded under uploads/',
    memorySize: 512,
    timeoutSeconds: 300,
    grants: { ...INGEST_GRANTS, archiveMultipart: true, uploads: 'ingest' },
  },
  PresignUpload: {
    module: 'presign-upload',
    description: 'POST /contracts/{contract}/uploads: presigned upload URLs',
    memorySize: 256,
    timeoutSeconds: 10,
    grants: { ...NO_GRANTS, uploads: 'put' },
  },
  ApiLedger: {
    module: 'api/ledger',
    description: 'Ledger reads: batches, uploads, proofs, checkpoints, export, cosignatures',
    memorySize: 1024,
    timeoutSeconds: 29,
    grants: { ...NO_GRANTS, ledger: 'checkpoint', records: 'read', uploads: 'read', sign: true },
  },
  RecordsQuery: {
    module: 'api/ledger',
    description: 'GET /contracts/{contract}/records: the operator may look a participant up by reference',
    memorySize: 512,
    timeoutSeconds: 29,
    grants: { ...NO_GRANTS, ledger: 'read', records: 'read', mac: true },
  },
  ApiContracts: {
    module: 'api/contracts',
    description: 'Contracts: registration, comparison figures, evaluations',
    // An evaluation holds compact timelines in memory: 2M events took 937 MB (bench).
    memorySize: 3008,
    timeoutSeconds: 29,
    grants: {
      ...NO_GRANTS,
      ledger: 'append',
      archiveRead: ['archive/', 'evaluations/'],
      archivePut: ['evaluations/'],
    },
  },
  ApiPayments: {
    module: 'api/payments',
    description: 'The payment workflow; approval issues the signed audit report',
    memorySize: 1024,
    timeoutSeconds: 29,
    grants: {
      ...NO_GRANTS,
      ledger: 'append',
      archiveRead: ['evaluations/'],
      reportsRead: true,
      reportsPut: true,
      sign: true,
    },
  },
  ApiReports: {
    module: 'api/reports',
    description: 'Signed audit reports: list, issue, presigned downloads',
    memorySize: 1024,
    timeoutSeconds: 29,
    grants: {
      ...NO_GRANTS,
      ledger: 'checkpoint',
      archiveRead: ['evaluations/'],
      reportsRead: true,
      reportsPut: true,
      sign: true,
    },
  },
  ApiOpenapi: {
    module: 'api/openapi',
    description: 'GET /openapi.json',
    memorySize: 128,
    timeoutSeconds: 10,
    grants: NO_GRANTS,
  },
  PublishCheckpoints: {
    module: 'publish-checkpoints',
    description: 'Scheduled: a signed checkpoint for every log that grew',
    memorySize: 256,
    timeoutSeconds: 300,
    grants: { ...NO_GRANTS, ledger: 'checkpoint', sign: true },
  },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

/** Routes served by a function other than their module's namesake (same code, narrower grants). */
export const ROUTE_FUNCTIONS: Readonly<Record<string, FunctionName>> = { queryRecords: 'RecordsQuery' };

/** The function that serves a route of functions/api/routes.ts. */
export function functionOfRoute(route: (typeof ROUTES)[number]): FunctionName {
  const separate = ROUTE_FUNCTIONS[route.id];
  if (separate) return separate;
  const names = (Object.keys(FUNCTIONS) as FunctionName[]).filter(
    (name) => FUNCTIONS[name].module === route.handler && !Object.values(ROUTE_FUNCTIONS).includes(name),
  );
  if (names.length !== 1) throw new Error(`route ${route.id}: ${names.length} functions run ${route.handler}`);
  return names[0] as FunctionName;
}
