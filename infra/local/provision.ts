/**
 * Creates the local stack's tables and buckets from the storage layout
 * (functions/adapters/storage-layout.ts), so the local stack has exactly the
 * shape the CDK stack deploys.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type KeySchemaElement,
  ResourceInUseException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { type CORSRule, CreateBucketCommand, PutBucketCorsCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type BucketDef,
  buckets,
  type KeyDef,
  type StackConfig,
  type TableDef,
  tables,
} from '../../functions/adapters/storage-layout.ts';

export function localTableNames(): StackConfig['tables'] {
  return Object.fromEntries(tables.map((t) => [t.id, t.localName])) as Record<TableDef['id'], string>;
}

export function localBucketNames(): StackConfig['buckets'] {
  return Object.fromEntries(buckets.map((b) => [b.id, b.localName])) as Record<BucketDef['id'], string>;
}

function keySchema(partitionKey: KeyDef, sortKey: KeyDef | undefined): KeySchemaElement[] {
  const schema: KeySchemaElement[] = [{ AttributeName: partitionKey.name, KeyType: 'HASH' }];
  if (sortKey) schema.push({ AttributeName: sortKey.name, KeyType: 'RANGE' });
  return schema;
}

export function createTableInput(def: TableDef, tableName: string): CreateTableCommandInput {
  const keys = [
    def.partitionKey,
    def.sortKey,
    ...def.globalSecondaryIndexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ];
  // An attribute used by several keys must be declared once.
  const attributes = new Map<string, AttributeDefinition>();
  for (const key of keys) {
    if (key) attributes.set(key.name, { AttributeName: key.name, AttributeType: key.type });
  }
  const gsis = def.globalSecondaryIndexes.map((index) => ({
    IndexName: index.indexName,
    KeySchema: keySchema(index.partitionKey, index.sortKey),
    Projection: { ProjectionType: 'ALL' as const },
  }));
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attributes.values()],
    KeySchema: keySchema(def.partitionKey, def.sortKey),
    // DynamoDB rejects an empty index list.
    ...(gsis.length > 0 ? { GlobalSecondaryIndexes: gsis } : {}),
  };
}

/** Creates every table that does not exist yet and waits until all are ACTIVE. */
export async function createTables(client: DynamoDBClient, names: StackConfig['tables']): Promise<void> {
  await Promise.all(
    tables.map(async (def) => {
      const tableName = names[def.id];
      try {
        await client.send(new CreateTableCommand(createTableInput(def, tableName)));
      } catch (error) {
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { TableName: tableName });
    }),
  );
}

/**
 * The CORS rule of the local uploads bucket: the console (served by the
 * local gateway on 127.0.0.1 or localhost, any port) PUTs a large batch to
 * its presigned URL from the browser (console/src/pages/operator/upload.ts),
 * sending exactly the headers functions/presign-upload.ts signs. The AWS
 * bucket's rule is the CDK stack's, limited to the console's one origin.
 */
export const LOCAL_UPLOAD_CORS: CORSRule = {
  AllowedOrigins: ['http://127.0.0.1:*', 'http://localhost:*'],
  AllowedMethods: ['PUT'],
  AllowedHeaders: ['content-type', 'x-amz-meta-batch-id', 'x-amz-meta-submitter', 'x-amz-checksum-sha256'],
  ExposeHeaders: ['ETag'],
  MaxAgeSeconds: 600,
};

/**
 * Creates every bucket that does not exist yet, and the uploads bucket's CORS
 * rule (LOCAL_UPLOAD_CORS). Object Lock is not requested: s3rver does not
 * implement it, and the local stack is not an audit store.
 */
export async function createBuckets(s3: S3Client, names: StackConfig['buckets']): Promise<void> {
  await Promise.all(
    buckets.map(async (def) => {
      try {
        await s3.send(new CreateBucketCommand({ Bucket: names[def.id] }));
      } catch (error) {
        const name = (error as { name?: string }).name;
        if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
      }
      if (def.id === 'uploads') {
        await s3.send(
          new PutBucketCorsCommand({ Bucket: names[def.id], CORSConfiguration: { CORSRules: [LOCAL_UPLOAD_CORS] } }),
        );
      }
    }),
  );
}
