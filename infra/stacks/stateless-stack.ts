/**
 * The stateless part of sib-ledger in AWS: the HTTP API (API Gateway v2) with
 * its Cognito user pool and JWT authorizer, one Lambda function per handler
 * module of functions/api/routes.ts, and the S3-event ingest of large
 * uploads. Every function gets only the actions it uses (see GRANTS).
 *
 * Left for later: the scheduled checkpoint publisher, alarms and dashboard.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { Role } from '../../domain/entry.ts';
import { type HandlerModule, ROUTES } from '../../functions/api/routes.ts';
import { type FunctionModule, functionId, HandlerFunction, type Stage } from '../constructs/handler-function.ts';

export const GROUPS: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];

/** Where large batches are uploaded (presign-upload) and picked up (ingest-s3). */
export const UPLOADS_PREFIX = 'uploads/';

export interface StatelessStackProps extends StackProps {
  readonly stage: Stage;
  readonly ledgerTable: dynamodb.ITable;
  readonly recordsTable: dynamodb.ITable;
  readonly archiveBucket: s3.IBucket;
  readonly reportsBucket: s3.IBucket;
  /** Ed25519 (SIGN_VERIFY): checkpoints and reports. */
  readonly signingKey: kms.IKey;
  /** HMAC_256: pseudonyms. */
  readonly pseudonymKey: kms.IKey;
  /** Symmetric: encrypts the tables and buckets. */
  readonly dataKey: kms.IKey;
  /** The signer's key name in checkpoints (LOG_NAME); default `sib-ledger-<stage>`. */
  readonly logName?: string;
}

type Access = 'none' | 'read' | 'write';

/** What a function may do; anything not listed it may not. */
export interface Grants {
  readonly ledger: Access;
  readonly records: Access;
  /** `write` is put only (objects are never deleted or overwritten by design: Object Lock). */
  readonly archive: Access;
  readonly reports: Access;
  /** kms:Sign (and GetPublicKey) on the signing key. */
  readonly sign: boolean;
  /** kms:GenerateMac on the pseudonym key. */
  readonly mac: boolean;
}

/** THE least-privilege table: the tests assert the template against it. */
export const GRANTS: Readonly<Record<FunctionModule, Grants>> = {
  'ingest-batch': { ledger: 'write', records: 'write', archive: 'write', reports: 'none', sign: true, mac: true },
  'ingest-s3': { ledger: 'write', records: 'write', archive: 'write', reports: 'none', sign: false, mac: true },
  'presign-upload': { ledger: 'read', records: 'none', archive: 'write', reports: 'none', sign: false, mac: false },
  'api/ledger': { ledger: 'write', records: 'read', archive: 'read', reports: 'none', sign: true, mac: true },
  'api/contracts': { ledger: 'write', records: 'read', archive: 'none', reports: 'none', sign: false, mac: false },
  'api/payments': { ledger: 'write', records: 'read', archive: 'none', reports: 'write', sign: true, mac: false },
  'api/reports': { ledger: 'write', records: 'read', archive: 'none', reports: 'write', sign: true, mac: false },
  'api/openapi': { ledger: 'none', records: 'none', archive: 'none', reports: 'none', sign: false, mac: false },
};

const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:DescribeTable',
] as const;
/** Item writes, without DeleteItem (and without BatchWriteItem, which can delete). */
const TABLE_WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:ConditionCheckItem'] as const;
/** Batch writes are used by the evidence records (puts only). */
const RECORDS_WRITE_ACTIONS = [...TABLE_WRITE_ACTIONS, 'dynamodb:BatchWriteItem'] as const;

export class StatelessStack extends Stack {
  readonly stage: Stage;
  readonly api: apigw.HttpApi;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly functions: Readonly<Record<FunctionModule, lambda.Function>>;
  readonly ingestDeadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stage } = props;
    this.stage = stage;
    const prod = stage === 'prod';

    // Users and groups
    this.userPool = new cognito.UserPool(this, 'Users', {
      userPoolName: `sib-ledger-${stage}`,
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: prod,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const group of GROUPS) {
      new cognito.CfnUserPoolGroup(this, `Group${group.charAt(0).toUpperCase()}${group.slice(1)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: group,
        description: `sib-ledger role ${group}`,
      });
    }
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    const authorizer = new HttpJwtAuthorizer('Cognito', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.userPoolClient.userPoolClientId],
    });

    // Functions
    const environment = {
      LEDGER_TABLE: props.ledgerTable.tableName,
      RECORDS_TABLE: props.recordsTable.tableName,
      ARCHIVE_BUCKET: props.archiveBucket.bucketName,
      REPORTS_BUCKET: props.reportsBucket.bucketName,
      SIGNING_KEY_ID: props.signingKey.keyArn,
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      LOG_NAME: props.logName ?? `sib-ledger-${stage}`,
    };

    const handlerModules = [...new Set(ROUTES.map((r) => r.handler))] as HandlerModule[];
    const fns: Partial<Record<FunctionModule, lambda.Function>> = {};
    for (const module of handlerModules) {
      fns[module] = new HandlerFunction(this, functionId(module), {
        stage,
        module,
        memorySize: module === 'api/openapi' ? 128 : 512,
        timeout: Duration.seconds(29),
        environment,
      }).function;
    }

    // The S3-event ingest, with a dead-letter queue for its async invocations.
    this.ingestDeadLetterQueue = new sqs.Queue(this, 'IngestDeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const ingestS3 = new HandlerFunction(this, functionId('ingest-s3'), {
      stage,
      module: 'ingest-s3',
      memorySize: 512,
      timeout: Duration.minutes(5),
      deadLetterQueue: this.ingestDeadLetterQueue,
      retryAttempts: 2,
      environment: {
        ...environment,
        NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384 --max-semi-space-size=8',
      },
    }).function;
    fns['ingest-s3'] = ingestS3;
    // The bucket lives in the stateful stack: its notification is configured
    // from here (a custom resource), so the dependency stays one-way.
    const archive = s3.Bucket.fromBucketAttributes(this, 'Archive', {
      bucketArn: props.archiveBucket.bucketArn,
      bucketName: props.archiveBucket.bucketName,
    });
    archive.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(ingestS3), {
      prefix: UPLOADS_PREFIX,
    });

    this.functions = fns as Record<FunctionModule, lambda.Function>;

    for (const [module, fn] of Object.entries(this.functions) as [FunctionModule, lambda.Function][]) {
      this.grant(fn, GRANTS[module], props);
    }

    // The API
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `sib-ledger-${stage}`,
      description: 'sib-ledger HTTP API (routes from functions/api/routes.ts)',
      createDefaultStage: true,
    });
    const integrations = new Map<HandlerModule, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(
          `${functionId(route.handler)}Integration`,
          this.functions[route.handler],
        );
        integrations.set(route.handler, integration);
      }
      new apigw.HttpRoute(this, `Route-${route.id}`, {
        httpApi: this.api,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration,
        authorizer: route.roles === 'public' ? new apigw.HttpNoneAuthorizer() : authorizer,
      });
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'IngestDeadLetterQueueUrl', { value: this.ingestDeadLetterQueue.queueUrl });
  }

  private grant(fn: lambda.Function, grants: Grants, props: StatelessStackProps): void {
    const allow = (actions: readonly string[], resources: string[]) =>
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources }));

    // table.grant adds no key permissions: those are explicit below.
    const tableAccess = (table: dynamodb.ITable, access: Access, writeActions: readonly string[]) => {
      if (access === 'none') return;
      table.grant(fn, ...TABLE_READ_ACTIONS);
      if (access === 'write') table.grant(fn, ...writeActions);
    };
    tableAccess(props.ledgerTable, grants.ledger, TABLE_WRITE_ACTIONS);
    tableAccess(props.recordsTable, grants.records, RECORDS_WRITE_ACTIONS);

    const bucketAccess = (bucket: s3.IBucket, access: Access) => {
      if (access === 'none') return;
      allow(['s3:ListBucket'], [bucket.bucketArn]);
      allow(['s3:GetObject'], [bucket.arnForObjects('*')]);
      if (access === 'write') allow(['s3:PutObject'], [bucket.arnForObjects('*')]);
    };
    bucketAccess(props.archiveBucket, grants.archive);
    bucketAccess(props.reportsBucket, grants.reports);

    const all = [grants.ledger, grants.records, grants.archive, grants.reports];
    if (all.some((a) => a !== 'none')) allow(['kms:Decrypt'], [props.dataKey.keyArn]);
    if (all.includes('write')) allow(['kms:Encrypt', 'kms:GenerateDataKey'], [props.dataKey.keyArn]);
    if (grants.sign) allow(['kms:Sign', 'kms:GetPublicKey'], [props.signingKey.keyArn]);
    if (grants.mac) allow(['kms:GenerateMac'], [props.pseudonymKey.keyArn]);
  }
}
