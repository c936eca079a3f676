import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ContractProfile, ContractProfileSchema } from '../domain/contract-profile.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import type { IngestPorts } from '../domain/ingest.ts';
import { DynamoEvidenceStore } from '../functions/adapters/dynamo-evidence.ts';
import { DynamoLedger } from '../functions/adapters/dynamo-ledger.ts';
import { DynamoEvidenceLedger } from '../functions/adapters/evidence-ledger.ts';
import { LocalPseudonymizer } from '../functions/adapters/local-pseudonym-key.ts';
import { LocalSigner } from '../functions/adapters/local-signer.ts';
import { S3Archive } from '../functions/adapters/s3-archive.ts';
import type { StackConfig } from '../infra/definitions.ts';
import { clientConfig, dataDir, loadStackConfig } from '../infra/local/stack.ts';

/** Where contract profiles live: `contracts/<id>.json` beside the project (SIB_CONTRACTS_DIR overrides). */
export function contractsDir(): string {
  return resolve(process.env.SIB_CONTRACTS_DIR ?? join(import.meta.dirname, '..', 'contracts'));
}

export async function loadProfile(contract: string): Promise<ContractProfile> {
  let text: string;
  try {
    text = await readFile(join(contractsDir(), `${contract}.json`), 'utf8');
  } catch {
    throw new NotFoundError(`no contract profile ${contract} (looked in ${contractsDir()})`);
  }
  const parsed = ContractProfileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new ValidationError(
      `contract profile ${contract} is invalid`,
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

export interface EvidenceContext {
  readonly stack: StackConfig;
  readonly ports: IngestPorts;
  readonly store: DynamoEvidenceStore;
  readonly log: DynamoLedger;
  readonly ledger: DynamoEvidenceLedger;
  readonly pseudonymizer: LocalPseudonymizer;
  close(): void;
}

/** The ingest use case wired to the running local stack and the local keys. */
export async function openEvidence(
  dir = dataDir(),
  stack: StackConfig = loadStackConfig(dir),
): Promise<EvidenceContext> {
  const dynamo = new DynamoDBClient(clientConfig(stack));
  const s3 = new S3Client(clientConfig(stack, 's3'));
  const client = DynamoDBDocumentClient.from(dynamo);
  const log = new DynamoLedger({ client, tables: stack.tables });
  const ledger = new DynamoEvidenceLedger(log, await LocalSigner.open({ dataDir: dir }));
  const store = new DynamoEvidenceStore({
    client,
    tables: stack.tables,
    committed: (contract, batch) => ledger.committed(contract, batch),
  });
  const pseudonymizer = await LocalPseudonymizer.open({ dataDir: dir });
  const archive = new S3Archive({ client: s3, bucket: stack.buckets.archive });
  return {
    stack,
    ports: { store, archive, ledger, pseudonymizer },
    store,
    log,
    ledger,
    pseudonymizer,
    close: () => {
      dynamo.destroy();
      s3.destroy();
    },
  };
}
