/**
 * The stateful part of sib-ledger in AWS: the DynamoDB tables and S3 buckets of
 * infra/definitions.ts (the same objects the local stack is provisioned from),
 * all encrypted with one customer-managed KMS key and all retained on stack
 * deletion.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { type AttributeType, type BucketDef, buckets, type KeyDef, type TableDef, tables } from '../definitions.ts';

export type Stage = 'dev' | 'prod';

export interface StatefulStackProps extends StackProps {
  readonly stage: Stage;
  /** Object Lock default retention (COMPLIANCE mode) of the write-once buckets, in days. */
  readonly reportRetentionDays: number;
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

export class StatefulStack extends Stack {
  readonly stage: Stage;
  /** Encrypts every table and bucket of this stack. */
  readonly dataKey: kms.Key;
  readonly tables: Readonly<Record<TableDef['id'], dynamodb.Table>>;
  readonly buckets: Readonly<Record<BucketDef['id'], s3.Bucket>>;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { stage, reportRetentionDays } = props;
    if (!Number.isInteger(reportRetentionDays) || reportRetentionDays < 1) {
      throw new Error(`reportRetentionDays must be a positive integer, got ${reportRetentionDays}`);
    }
    this.stage = stage;

    this.dataKey = new kms.Key(this, 'DataKey', {
      description: `sib-ledger ${stage}: encrypts the ledger tables and evidence buckets`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // dynamodb.Table rather than TableV2: TableV2 cannot render a customer-managed
    // key in an environment-agnostic stack.
    const tableEntries = tables.map((def): [TableDef['id'], dynamodb.Table] => {
      const table = new dynamodb.Table(this, `${def.id}Table`, {
        partitionKey: attribute(def.partitionKey),
        sortKey: optionalAttribute(def.sortKey),
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: true,
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

    const bucketEntries = buckets.map((def): [BucketDef['id'], s3.Bucket] => {
      const bucket = new s3.Bucket(this, `${def.id}Bucket`, {
        versioned: true,
        enforceSSL: true,
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.dataKey,
        bucketKeyEnabled: true,
        ...(def.objectLock
          ? {
              objectLockEnabled: true,
              objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(reportRetentionDays)),
            }
          : {}),
        removalPolicy: RemovalPolicy.RETAIN,
      });
      new CfnOutput(this, `${def.id}BucketName`, { value: bucket.bucketName, description: def.description });
      return [def.id, bucket];
    });
    this.buckets = Object.fromEntries(bucketEntries) as Record<BucketDef['id'], s3.Bucket>;
  }
}
