/**
 * The stateful part of sib-ledger in AWS: the DynamoDB tables and S3 buckets of
 * functions/adapters/storage-layout.ts (the same objects the local stack is
 * provisioned from, and the functions read and write by),
 * the KMS keys (a symmetric data key that encrypts every table and bucket, an
 * Ed25519 signing key for checkpoints and reports, an HMAC key for pseudonyms)
 * and a separate bucket for the S3 server access logs. Everything is retained
 * on stack deletion; the stage only decides DynamoDB deletion protection.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import {
  type AttributeType,
  type BucketDef,
  buckets,
  type KeyDef,
  type TableDef,
  tables,
} from '../../functions/adapters/storage-layout.ts';

export type Stage = 'dev' | 'prod';

export interface StatefulStackProps extends StackProps {
  readonly stage: Stage;
  /** Object Lock default retention (COMPLIANCE mode) of the reports bucket, in days. */
  readonly reportRetentionDays: number;
  /** Object Lock default retention (COMPLIANCE mode) of the evidence archive bucket, in days. */
  readonly archiveRetentionDays: number;
}

const attributeTypes: Record<AttributeType, dynamodb.AttributeType> = {
  S: dynamodb.AttributeType.STRING,
  N: dynamodb.AttributeType.NUMBER,
  B: dynamodb.AttributeType.BINARY,
};

function attribute(key: KeyDef): dynamodb.Attribute {
  return { name: key.name, type: attributeTypes[key.type] };
}

function optionalAttribute(key: KeyDef | undefined): dynamodb.Attribute | undefined {
  return key ? attribute(key) : undefined;
}

function checkRetentionDays(name: string, days: number): void {
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`${name} must be a positive integer, got ${days}`);
  }
}

interface Keys {
  readonly dataKey: kms.Key;
  readonly signingKey: kms.Key;
  readonly pseudonymKey: kms.Key;
}

/** The three KMS keys, and the outputs naming the signing and pseudonym keys. */
function createKeys(scope: Stack, stage: Stage): Keys {
  const dataKey = new kms.Key(scope, 'DataKey', {
    description: `sib-ledger ${stage}: encrypts the ledger tables and evidence buckets`,
    enableKeyRotation: true,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  // Rotation is not supported on asymmetric or HMAC keys.
  const signingKey = new kms.Key(scope, 'SigningKey', {
    description: `sib-ledger ${stage}: signs checkpoints and reports (Ed25519)`,
    keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  const pseudonymKey = new kms.Key(scope, 'PseudonymKey', {
    description: `sib-ledger ${stage}: derives participant pseudonyms (HMAC-SHA-256)`,
    keySpec: kms.KeySpec.HMAC_256,
    keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  new CfnOutput(scope, 'SigningKeyArn', { value: signingKey.keyArn, description: 'Ed25519 signing key' });
  new CfnOutput(scope, 'PseudonymKeyArn', { value: pseudonymKey.keyArn, description: 'HMAC_256 pseudonym key' });
  return { dataKey, signingKey, pseudonymKey };
}

/** A table of the storage layout, with its indexes and an output naming it. */
function createTable(scope: Stack, def: TableDef, stage: Stage, dataKey: kms.Key): dynamodb.Table {
  // dynamodb.Table rather than TableV2: TableV2 cannot render a customer-managed
  // key in an environment-agnostic stack.
  const table = new dynamodb.Table(scope, `${def.id}Table`, {
    partitionKey: attribute(def.partitionKey),
    sortKey: optionalAttribute(def.sortKey),
    billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    // dev may be torn down by hand; the table itself is still retained.
    deletionProtection: stage === 'prod',
    encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
    encryptionKey: dataKey,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  for (const index of def.globalSecondaryIndexes) {
    table.addGlobalSecondaryIndex({
      indexName: index.indexName,
      partitionKey: attribute(index.partitionKey),
      sortKey: optionalAttribute(index.sortKey),
      projectionType: dynamodb.ProjectionType.ALL,
    });
  }
  new CfnOutput(scope, `${def.id}TableName`, { value: table.tableName, description: def.description });
  return table;
}

/** The target of the data buckets' server access logs (SSE-S3), and an output naming it. */
function createAccessLogsBucket(scope: Stack): s3.Bucket {
  const bucket = new s3.Bucket(scope, 'AccessLogsBucket', {
    versioned: true,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy: RemovalPolicy.RETAIN,
  });
  new CfnOutput(scope, 'AccessLogsBucketName', {
    value: bucket.bucketName,
    description: 'S3 server access logs of the archive and reports buckets, one prefix per bucket.',
  });
  return bucket;
}

/** What a data bucket is created with besides its definition. */
interface BucketContext {
  readonly dataKey: kms.Key;
  readonly accessLogsBucket: s3.Bucket;
  /** The Object Lock default retention of a locked bucket, in days. */
  readonly retentionDays: number;
}

/** A data bucket of the storage layout, with its deny policies and an output naming it. */
function createBucket(scope: Stack, def: BucketDef, context: BucketContext): s3.Bucket {
  const bucket = new s3.Bucket(scope, `${def.id}Bucket`, {
    // A transient bucket keeps no old versions: a deleted upload is gone.
    versioned: def.expireDays === undefined,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: context.dataKey,
    bucketKeyEnabled: true,
    serverAccessLogsBucket: context.accessLogsBucket,
    serverAccessLogsPrefix: `${def.id}/`,
    ...(def.objectLock
      ? {
          objectLockEnabled: true,
          objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(context.retentionDays)),
        }
      : {}),
    lifecycleRules: [
      { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ...Object.entries(def.expireDays ?? {}).map(([prefix, days]) => ({
        prefix,
        expiration: Duration.days(days),
      })),
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  if (def.objectLock) denyObjectDeletes(bucket);
  if (def.id === 'reports') denyReportOverwrites(bucket);
  new CfnOutput(scope, `${def.id}BucketName`, { value: bucket.bucketName, description: def.description });
  return bucket;
}

/**
 * Nobody, whatever their IAM policy, hides an object behind a delete
 * marker (Object Lock already keeps every version of a locked object).
 */
function denyObjectDeletes(bucket: s3.Bucket): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyObjectDeletes',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: [bucket.arnForObjects('*')],
    }),
  );
}

/** Reports are written once: a put must carry If-None-Match, so S3 refuses to replace one. */
function denyReportOverwrites(bucket: s3.Bucket): void {
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'DenyReportOverwrites',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:PutObject'],
      resources: [bucket.arnForObjects('*')],
      conditions: { Null: { 's3:if-none-match': 'true' } },
    }),
  );
}

export class StatefulStack extends Stack {
  readonly stage: Stage;
  /** Symmetric, rotating: encrypts every table and data bucket of this stack. */
  readonly dataKey: kms.Key;
  /** Ed25519 (ECC_NIST_EDWARDS25519, SIGN_VERIFY): signs checkpoints and reports. */
  readonly signingKey: kms.Key;
  /** HMAC_256 (GENERATE_VERIFY_MAC): derives participant pseudonyms. */
  readonly pseudonymKey: kms.Key;
  readonly tables: Readonly<Record<TableDef['id'], dynamodb.Table>>;
  readonly buckets: Readonly<Record<BucketDef['id'], s3.Bucket>>;
  /** Target of the server access logs of the data buckets (SSE-S3: log delivery cannot use SSE-KMS). */
  readonly accessLogsBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage, reportRetentionDays, archiveRetentionDays } = props;
    checkRetentionDays('reportRetentionDays', reportRetentionDays);
    checkRetentionDays('archiveRetentionDays', archiveRetentionDays);
    this.stage = stage;
    const retentionDays: Partial<Record<BucketDef['id'], number>> = {
      archive: archiveRetentionDays,
      reports: reportRetentionDays,
    };
    // Grant S3 log delivery through the target bucket's policy, not an ACL (ACLs
    // stay disabled: BucketOwnerEnforced). Set here, before any child exists, so
    // the stack does not depend on cdk.json's feature flags.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);

    const keys = createKeys(this, stage);
    this.dataKey = keys.dataKey;
    this.signingKey = keys.signingKey;
    this.pseudonymKey = keys.pseudonymKey;
    this.tables = Object.fromEntries(
      tables.map((def) => [def.id, createTable(this, def, stage, this.dataKey)]),
    ) as Record<TableDef['id'], dynamodb.Table>;
    this.accessLogsBucket = createAccessLogsBucket(this);
    const bucketEntries = buckets.map((def): [BucketDef['id'], s3.Bucket] => [
      def.id,
      createBucket(this, def, {
        dataKey: this.dataKey,
        accessLogsBucket: this.accessLogsBucket,
        retentionDays: retentionDays[def.id] ?? reportRetentionDays,
      }),
    ]);
    this.buckets = Object.fromEntries(bucketEntries) as Record<BucketDef['id'], s3.Bucket>;
  }
}
