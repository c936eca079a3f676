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

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `sib-ledger ${stage}: encrypts the ledger tables and evidence buckets`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Rotation is not supported on asymmetric or HMAC keys.
    this.signingKey = new kms.Key(this, 'SigningKey', {
      description: `sib-ledger ${stage}: signs checkpoints and reports (Ed25519)`,
      keySpec: kms.KeySpec.ECC_NIST_EDWARDS25519,
      keyUsage: kms.KeyUsage.SIGN_VERIFY,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.pseudonymKey = new kms.Key(this, 'PseudonymKey', {
      description: `sib-ledger ${stage}: derives participant pseudonyms (HMAC-SHA-256)`,
      keySpec: kms.KeySpec.HMAC_256,
      keyUsage: kms.KeyUsage.GENERATE_VERIFY_MAC,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'SigningKeyArn', { value: this.signingKey.keyArn, description: 'Ed25519 signing key' });
    new CfnOutput(this, 'PseudonymKeyArn', { value: this.pseudonymKey.keyArn, description: 'HMAC_256 pseudonym key' });

    // dynamodb.Table rather than TableV2: TableV2 cannot render a customer-managed
    // key in an environment-agnostic stack.
    const tableEntries = tables.map((def): [TableDef['id'], dynamodb.Table] => {
      const table = new dynamodb.Table(this, `${def.id}Table`, {
        partitionKey: attribute(def.partitionKey),
        sortKey: optionalAttribute(def.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        // dev may be torn down by hand; the table itself is still retained.
        deletionProtection: stage === 'prod',
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.dataKey,
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
      new CfnOutput(this, `${def.id}TableName`, { value: table.tableName, description: def.description });
      return [def.id, table];
    });
    this.tables = Object.fromEntries(tableEntries) as Record<TableDef['id'], dynamodb.Table>;

    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      versioned: true,
      enforceSSL: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new CfnOutput(this, 'AccessLogsBucketName', {
      value: this.accessLogsBucket.bucketName,
      description: 'S3 server access logs of the archive and reports buckets, one prefix per bucket.',
    });

    const bucketEntries = buckets.map((def): [BucketDef['id'], s3.Bucket] => {
      const bucket = new s3.Bucket(this, `${def.id}Bucket`, {
        // A transient bucket keeps no old versions: a deleted upload is gone.
        versioned: def.expireDays === undefined,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.dataKey,
        bucketKeyEnabled: true,
        serverAccessLogsBucket: this.accessLogsBucket,
        serverAccessLogsPrefix: `${def.id}/`,
        ...(def.objectLock
          ? {
              objectLockEnabled: true,
              objectLockDefaultRetention: s3.ObjectLockRetention.compliance(
                Duration.days(retentionDays[def.id] ?? reportRetentionDays),
              ),
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
      if (def.objectLock) {
        // Nobody, whatever their IAM policy, hides an object behind a delete
        // marker (Object Lock already keeps every version of a locked object).
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
      if (def.id === 'reports') {
        // Reports are written once: a put must carry If-None-Match, so S3 refuses to replace one.
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
      new CfnOutput(this, `${def.id}BucketName`, { value: bucket.bucketName, description: def.description });
      return [def.id, bucket];
    });
    this.buckets = Object.fromEntries(bucketEntries) as Record<BucketDef['id'], s3.Bucket>;
  }
}
