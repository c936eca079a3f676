/**
 * How a function's Grants (function-specs.ts) become the statements of its
 * IAM role, and nothing more: each table, bucket prefix and key it may use,
 * with the conditions that narrow them (HEAD items only for UpdateItem, log
 * partitions only for PutItem by appending functions and checkpoint
 * partitions only for the others, If-None-Match for report puts, the data
 * key only through DynamoDB and S3),
 * and every wildcard resource acknowledged to cdk-nag with its reason.
 */
import { Aws, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
// cdk-nag's own rendering of a resource in its finding ids (no exports map: a deep import).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import {
  CHECKPOINT_PK_PREFIX,
  HEAD_ATTRIBUTES,
  HEAD_PK_PREFIX,
  LOG_PK_PREFIX,
  LOGS_PK,
  RESULTS_PREFIX,
  UPLOADS_PREFIX,
} from '../../functions/adapters/storage-layout.ts';
import type { Grants } from './function-specs.ts';

/** The stateful stack's tables, buckets and keys, as a function's statements name them. */
export interface GrantTargets {
  readonly ledgerTable: dynamodb.ITable;
  readonly recordsTable: dynamodb.ITable;
  readonly archiveBucket: s3.IBucket;
  /** Raw CSV uploads and their outcomes: transient, never under Object Lock. */
  readonly uploadsBucket: s3.IBucket;
  readonly reportsBucket: s3.IBucket;
  /** Ed25519 (SIGN_VERIFY): checkpoints and reports. */
  readonly signingKey: kms.IKey;
  /** HMAC_256: pseudonyms. */
  readonly pseudonymKey: kms.IKey;
  /** Symmetric: encrypts the tables and buckets. */
  readonly dataKey: kms.IKey;
}

/** Why a wildcard resource is as narrow as it can be. */
function WILDCARD_REASONS(resource: string, props: GrantTargets): string {
  if (resource.endsWith('/index/*'))
    return "on the table's global secondary indexes (queries by participant, batch, type).";
  if (resource.startsWith(props.reportsBucket.bucketArn)) {
    return 'on report objects: keys are content-addressed (contract/period/payment/hash); puts carry If-None-Match.';
  }
  if (resource.startsWith(props.uploadsBucket.bucketArn)) {
    return 'on the uploads bucket under uploads/ or results/: one object per contract and batch id, expired by lifecycle.';
  }
  return 'on objects under a key prefix of the evidence archive: keys are content-addressed or per batch id.';
}

/**
 * cdk-nag reports each wildcard resource of a policy as its own finding,
 * named by the resource as it renders in the template (cross-stack imports
 * by export name). Those names exist only once references are resolved, so
 * the findings are acknowledged from a validation of the role, which runs
 * after references are resolved and before the policy-validation plugins.
 */
function acknowledgeWildcards(fn: lambda.Function, wildcards: readonly { resource: string; reason: string }[]): void {
  const role = fn.role as iam.Role;
  role.node.addValidation({
    validate: () => {
      const stack = Stack.of(role);
      for (const { resource, reason } of wildcards) {
        Validations.of(role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${flattenCfnReference(stack.resolve(resource))}]`,
          reason,
        });
      }
      return [];
    },
  });
}

/** The ledger table partitions (dynamodb:LeadingKeys patterns) each access may PutItem in. */
export const LEDGER_PUT_PARTITIONS: Readonly<Record<Grants['ledger'], readonly string[]>> = {
  none: [],
  read: [],
  checkpoint: [`${CHECKPOINT_PK_PREFIX}*`],
  append: [`${LOG_PK_PREFIX}*`, LOGS_PK, `${CHECKPOINT_PK_PREFIX}*`],
};

const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/** Adds one statement to the role (and notes its wildcard resources, with why). */
type Allow = (actions: readonly string[], resources: string[], conditions?: Record<string, unknown>) => void;

export function grantFunction(fn: lambda.Function, grants: Grants, props: GrantTargets): void {
  /** Every wildcard resource of this role, with why: acknowledged to cdk-nag one by one. */
  const wildcards: { resource: string; reason: string }[] = [
    {
      resource: '*',
      reason: 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords) has no resource-level permissions.',
    },
  ];
  const allow: Allow = (actions, resources, conditions) => {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources, conditions }));
    for (const resource of resources) {
      if (resource.endsWith('*')) {
        wildcards.push({ resource, reason: `${actions.join(', ')} ${WILDCARD_REASONS(resource, props)}` });
      }
    }
  };
  acknowledgeWildcards(fn, wildcards);
  grantTables(allow, grants, props);
  grantArchive(allow, grants, props.archiveBucket);
  grantReports(allow, grants, props.reportsBucket);
  grantUploads(allow, grants, props.uploadsBucket);
  grantKeys(allow, grants, props);
}

/** The ledger and records tables. */
function grantTables(allow: Allow, grants: Grants, props: GrantTargets): void {
  const tableResources = (table: dynamodb.ITable) => [table.tableArn, `${table.tableArn}/index/*`];
  const ledger = props.ledgerTable;
  if (grants.ledger !== 'none') allow(TABLE_READ_ACTIONS, [ledger.tableArn]);
  // PutItem only in the partitions the function writes: checkpoints (CKPT#<contract>), and for an
  // append the log's items (LOG#<contract>) and the list of logs (LOGS). Never a HEAD: only UpdateItem.
  const putPartitions = LEDGER_PUT_PARTITIONS[grants.ledger];
  if (putPartitions.length > 0) {
    allow(['dynamodb:PutItem'], [ledger.tableArn], {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...putPartitions] },
    });
  }
  if (grants.ledger === 'append') {
    // UpdateItem on HEAD items only: their partitions (HEAD#<contract>), their attributes.
    allow(['dynamodb:UpdateItem'], [ledger.tableArn], {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${HEAD_PK_PREFIX}*`] },
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...HEAD_ATTRIBUTES] },
    });
  }
  const records = props.recordsTable;
  if (grants.records !== 'none') allow(TABLE_READ_ACTIONS, tableResources(records));
  if (grants.records === 'write') allow(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem'], [records.tableArn]);
}

/** The evidence archive, under the granted key prefixes. */
function grantArchive(allow: Allow, grants: Grants, archive: s3.IBucket): void {
  if (grants.archiveRead.length > 0) {
    // ListBucket: a HEAD of a missing key answers 404 rather than 403.
    allow(['s3:ListBucket'], [archive.bucketArn]);
    allow(
      ['s3:GetObject'],
      grants.archiveRead.map((prefix) => archive.arnForObjects(`${prefix}*`)),
    );
  }
  if (grants.archivePut.length > 0) {
    allow(
      ['s3:PutObject'],
      grants.archivePut.map((prefix) => archive.arnForObjects(`${prefix}*`)),
    );
  }
  if (grants.archiveMultipart) {
    allow(
      ['s3:AbortMultipartUpload'],
      grants.archivePut.map((prefix) => archive.arnForObjects(`${prefix}*`)),
    );
  }
}

/** The reports bucket. */
function grantReports(allow: Allow, grants: Grants, reports: s3.IBucket): void {
  if (grants.reportsRead) {
    allow(['s3:ListBucket'], [reports.bucketArn]);
    allow(['s3:GetObject'], [reports.arnForObjects('*')]);
  }
  if (grants.reportsPut) {
    // Create only: a PutObject must carry If-None-Match, so S3 refuses to replace a report.
    allow(['s3:PutObject'], [reports.arnForObjects('reports/*')], { Null: { 's3:if-none-match': 'false' } });
  }
}

/** The uploads bucket: raw uploads under uploads/, their outcomes under results/. */
function grantUploads(allow: Allow, grants: Grants, uploads: s3.IBucket): void {
  if (grants.uploads === 'put') {
    // The presigned PUT is signed with this role: the operator's upload is this put.
    allow(['s3:PutObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`)]);
  }
  if (grants.uploads === 'read' || grants.uploads === 'ingest') {
    allow(['s3:ListBucket'], [uploads.bucketArn]);
    allow(['s3:GetObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`), uploads.arnForObjects(`${RESULTS_PREFIX}*`)]);
  }
  if (grants.uploads === 'ingest') {
    allow(['s3:PutObject'], [uploads.arnForObjects(`${RESULTS_PREFIX}*`)]);
    allow(['s3:DeleteObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`)]);
  }
}

/** The data key, as the storage the function reads and writes needs it; the signing and pseudonym keys. */
function grantKeys(allow: Allow, grants: Grants, props: GrantTargets): void {
  const reads =
    grants.ledger !== 'none' ||
    grants.records !== 'none' ||
    grants.archiveRead.length > 0 ||
    grants.reportsRead ||
    grants.uploads === 'read' ||
    grants.uploads === 'ingest';
  const tableWrites = grants.ledger === 'checkpoint' || grants.ledger === 'append' || grants.records === 'write';
  const objectWrites =
    grants.archivePut.length > 0 || grants.reportsPut || grants.uploads === 'put' || grants.uploads === 'ingest';
  // The data key only through DynamoDB and S3 (their encryption at rest), never directly.
  const viaStorage = {
    StringEquals: {
      'kms:ViaService': [`dynamodb.${Aws.REGION}.amazonaws.com`, `s3.${Aws.REGION}.amazonaws.com`],
    },
  };
  if (reads || tableWrites) allow(KEY_READ_ACTIONS, [props.dataKey.keyArn], viaStorage);
  // SSE-KMS object writes need a data key; DynamoDB writes with a customer key also encrypt.
  if (tableWrites) allow(['kms:Encrypt', 'kms:GenerateDataKey'], [props.dataKey.keyArn], viaStorage);
  else if (objectWrites) allow(['kms:GenerateDataKey'], [props.dataKey.keyArn], viaStorage);
  if (grants.sign) allow(['kms:Sign', 'kms:GetPublicKey'], [props.signingKey.keyArn]);
  if (grants.mac) allow(['kms:GenerateMac'], [props.pseudonymKey.keyArn]);
}
