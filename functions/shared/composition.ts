import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KMSClient } from '@aws-sdk/client-kms';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Pseudonymizer } from '#intake';
import type { Signer } from '#kernel';
import { publishCheckpoint } from '#ledger';
import { type ContractPorts, type IngestPorts, type ReportPorts, readEnrolledKeys } from '#services';
import { DynamoContractLog } from '../adapters/contract-log.ts';
import { DynamoEvidenceStore } from '../adapters/dynamo-evidence.ts';
import { DynamoLedger } from '../adapters/dynamo-ledger.ts';
import { DynamoEvidenceLedger } from '../adapters/evidence-ledger.ts';
import { KmsPseudonymizer } from '../adapters/kms-pseudonymizer.ts';
import { KmsSigner } from '../adapters/kms-signer.ts';
import { S3ReportStore } from '../adapters/report-store.ts';
import { S3Archive } from '../adapters/s3-archive.ts';
import type { StackConfig } from '../adapters/storage-layout.ts';
import { checkpointPusher, witnessUrlsFromEnv } from '../adapters/witness-push.ts';
import { witnessKeysFromEnv } from '../api/witness-keys.ts';
import { publishedLogTrust } from './published-trust.ts';

/**
 * The one place where adapters are chosen and wired, for the Lambda
 * handlers (and anything else that runs as a deployed function).
 *
 * In AWS the environment names the resources (set by the CDK stack):
 *   LEDGER_TABLE, RECORDS_TABLE, ARCHIVE_BUCKET, REPORTS_BUCKET, UPLOADS_BUCKET,
 *   SIGNING_KEY_ID, PSEUDONYM_KEY_ID, LOG_NAME (the log's name; each contract's log signs
 *   as <LOG_NAME>/<contract>), SIB_WITNESS_KEYS and SIB_WITNESS_URLS (witnesses, witness-push.ts).
 * Elsewhere the host hands the handlers its own runtime: the local gateway
 * and the local S3 event player install the local stack's
 * (setRuntimeFactory, infra/local/runtime.ts), tests set one (setRuntime).
 * Nothing of the local stack is imported here, so no Lambda bundle carries it.
 */
export interface Runtime {
  readonly stack: StackConfig;
  readonly dynamo: DynamoDBDocumentClient;
  readonly s3: S3Client;
  readonly log: DynamoLedger;
  readonly ledger: DynamoEvidenceLedger;
  readonly store: DynamoEvidenceStore;
  readonly ports: IngestPorts;
  /** The contract use cases: register, publish comparison figures, evaluate (domain/services/contracts.ts, evaluations.ts). */
  readonly contracts: ContractPorts;
  /** Signed audit reports (JSON + PDF): written once, listed, downloaded through presigned URLs. */
  readonly reports: S3ReportStore;
  /** The audit-report use cases' ports (domain/services/reports.ts). */
  readonly reporting: ReportPorts;
  readonly signer: Signer;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set`);
  return value;
}

/**
 * The adapters over the given clients and keys: the one wiring of every
 * runtime (AWS here, the local stack's in infra/local/runtime.ts). `readBack`:
 * the archive and report stores read each object they write until it is whole.
 */
export async function wireRuntime(
  stack: StackConfig,
  clients: { dynamo: DynamoDBClient; s3: S3Client },
  keys: { signer: Signer; pseudonymizer: Pseudonymizer },
  options: { readBack?: boolean } = {},
): Promise<Runtime> {
  const dynamo = DynamoDBDocumentClient.from(clients.dynamo);
  // Each new checkpoint goes to the witnesses (SIB_WITNESS_URLS); only configured ones' cosignatures are kept.
  const witnessUrls = witnessUrlsFromEnv();
  const log: DynamoLedger = new DynamoLedger({
    client: dynamo,
    tables: stack.tables,
    ...(witnessUrls.length === 0
      ? {}
      : {
          afterCheckpoint: checkpointPusher(() => log, {
            urls: witnessUrls,
            witnessKeys: witnessKeysFromEnv(),
            // Each witness's answer, for GET /contracts/{contract}/witnesses (off the log).
            record: async (contract, answers) => {
              const at = new Date().toISOString();
              await Promise.all(answers.map((a) => log.saveWitnessAnswer(contract, a, at)));
            },
          }),
        }),
  });
  const ledger = new DynamoEvidenceLedger(log, keys.signer);
  const store = new DynamoEvidenceStore({
    client: dynamo,
    tables: stack.tables,
    committed: (contract, batch) => ledger.committed(contract, batch),
  });
  const archive = new S3Archive({
    client: clients.s3,
    bucket: stack.buckets.archive,
    ...(options.readBack === true ? { readBack: true } : {}),
  });
  // Evaluation results hold pseudonyms: they stay beside the evidence archives, not with the reports.
  const contracts: ContractPorts = { log: new DynamoContractLog(log), archive, results: archive };
  const reports = new S3ReportStore({
    client: clients.s3,
    bucket: stack.buckets.reports,
    ...(options.readBack === true ? { readBack: true } : {}),
  });
  return {
    stack,
    dynamo,
    s3: clients.s3,
    log,
    ledger,
    store,
    signer: keys.signer,
    contracts,
    reports,
    reporting: {
      log: contracts.log,
      results: archive,
      reports,
      signer: keys.signer,
      checkpoint: (contract, size) => publishCheckpoint(log, keys.signer, contract, size),
      // pdfkit and the fonts load only where reports are rendered, not in every function.
      // The PDF prints the deployment's keys in full (with the log's enrolled party keys), with verify commands that work as printed.
      renderPdf: async (report, options) =>
        (await import('../adapters/report-pdf.ts')).renderReportPdf(report, {
          ...options,
          trust: await publishedLogTrust(
            keys.signer,
            report.contract.id,
            process.env,
            await readEnrolledKeys(contracts, report.contract.id),
          ),
        }),
    },
    ports: { store, archive, ledger, pseudonymizer: keys.pseudonymizer },
  };
}

/** Adapters for AWS, from the function's environment. */
export async function awsRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const region = env.AWS_REGION ?? 'us-east-1';
  const stack: StackConfig = {
    version: 1,
    region,
    dynamodb: { endpoint: `https://dynamodb.${region}.amazonaws.com` },
    s3: { endpoint: `https://s3.${region}.amazonaws.com` },
    tables: { ledger: required(env, 'LEDGER_TABLE'), records: required(env, 'RECORDS_TABLE') },
    buckets: {
      archive: required(env, 'ARCHIVE_BUCKET'),
      reports: env.REPORTS_BUCKET ?? '',
      uploads: env.UPLOADS_BUCKET ?? '',
    },
  };
  const kms = new KMSClient({ region });
  return wireRuntime(
    stack,
    { dynamo: new DynamoDBClient({ region }), s3: new S3Client({ region }) },
    {
      signer: new KmsSigner({ keyId: required(env, 'SIGNING_KEY_ID'), name: required(env, 'LOG_NAME'), client: kms }),
      pseudonymizer: new KmsPseudonymizer({ keyId: required(env, 'PSEUDONYM_KEY_ID'), client: kms }),
    },
  );
}

/** Builds the runtime of this process from its environment. */
export type RuntimeFactory = (env: NodeJS.ProcessEnv) => Promise<Runtime>;

let factory: RuntimeFactory = awsRuntime;
let cached: Promise<Runtime> | undefined;

/** The runtime of this process (built once per Lambda instance: SDK clients and keys are reused across invocations). */
export function runtime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  cached ??= factory(env);
  return cached;
}

/**
 * Where runtime() builds the runtime from, outside AWS: the local gateway and
 * the local S3 event player install the local stack's (infra/local/runtime.ts).
 * A runtime already built or set is kept.
 */
export function setRuntimeFactory(next: RuntimeFactory): void {
  factory = next;
}

/** For tests: forget the cached runtime (e.g. after pointing SIB_DATA_DIR elsewhere). */
export function resetRuntime(): void {
  cached = undefined;
}

/** For tests: the runtime the handlers get next (e.g. one on the test stack, or with fault-injecting clients). */
export function setRuntime(runtime: Runtime | Promise<Runtime>): void {
  cached = Promise.resolve(runtime);
}
