/**
 * The stateless part of sib-ledger in AWS: the HTTP API (API Gateway v2) with
 * its Cognito user pool and JWT authorizer, the Lambda functions of
 * functions/ (one per handler module of functions/api/routes.ts, with the
 * operator's records lookup split out), the S3-event ingest of large
 * uploads, the scheduled checkpoint publisher, dead-letter queues of the
 * asynchronous invocations, and the alarms and dashboard (Observability).
 *
 * Least privilege: every function gets exactly the statements FUNCTIONS
 * lists for it (see grant()); the tests assert the template against it.
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
// cdk-nag's own rendering of a resource in its finding ids (no exports map: a deep import).
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { Construct } from 'constructs';
import type { Role } from '#ledger';
import { HEAD_ATTRIBUTES, HEAD_PK_PREFIX } from '../../functions/adapters/storage-layout.ts';
import { ROUTES } from '../../functions/api/routes.ts';
import type { FunctionModule, Stage } from '../constructs/handler-function.ts';
import { HandlerFunction } from '../constructs/handler-function.ts';
import { Observability } from '../constructs/observability.ts';

export const GROUPS: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];

/** Where large batches are uploaded (presign-upload) and picked up (ingest-s3). */
export const UPLOADS_PREFIX = 'uploads/';

/** The default schedule of the checkpoint publisher. */
export const CHECKPOINT_SCHEDULE = events.Schedule.rate(Duration.hours(1));

export interface StatelessStackProps extends StackProps {
  readonly stage: Stage;
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
  /** The signer's key name in checkpoints (LOG_NAME); default `sib-ledger-<stage>`. */
  readonly logName?: string;
  /** Prefix of the Cognito hosted domain (`<prefix>.auth.<region>.amazoncognito.com`); none without it. */
  readonly cognitoDomainPrefix?: string;
  /** Where the hosted sign-in may return to (with a domain); default the CLI's loopback. */
  readonly callbackUrls?: readonly string[];
  /** Who receives the alarms (an e-mail subscription of the alarm topic). */
  readonly alarmEmail?: string;
  /** Rejected records per hour that raise the ingest alarm; default 100. */
  readonly ingestRejectsPerHour?: number;
  /** Schedule of the checkpoint publisher; default every hour. */
  readonly checkpointSchedule?: events.Schedule;
}

/** Access to the ledger table (the logs). */
export type LedgerAccess =
  | 'none'
  | 'read'
  /** read, and PutItem: signed checkpoints and cosignatures (C# items). */
  | 'checkpoint'
  /** checkpoint, plus appends: UpdateItem of HEAD items only (their HEAD# partitions and attributes). */
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

/** Why a wildcard resource is as narrow as it can be. */
function WILDCARD_REASONS(resource: string, props: StatelessStackProps): string {
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

const TABLE_READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

export class StatelessStack extends Stack {
  readonly stage: Stage;
  readonly api: apigw.HttpApi;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain?: cognito.UserPoolDomain;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  /** Async invocations that failed every retry, per event-driven function. */
  readonly deadLetterQueues: Readonly<{ IngestS3: sqs.Queue; PublishCheckpoints: sqs.Queue }>;
  readonly checkpointRule: events.Rule;
  readonly observability: Observability;

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
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      // Which contracts a user may act on: set by an administrator, never by the user (see the client's writeAttributes).
      customAttributes: { contracts: new cognito.StringAttribute({ minLen: 1, maxLen: 2048, mutable: true }) },
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
    if (props.cognitoDomainPrefix !== undefined) {
      this.userPoolDomain = this.userPool.addDomain('Domain', {
        cognitoDomain: { domainPrefix: props.cognitoDomainPrefix },
        managedLoginVersion: cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
      });
    }
    this.userPoolClient = this.userPool.addClient('ApiClient', {
      authFlows: { userSrp: true },
      generateSecret: false,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
      // Users read their contracts but cannot grant themselves more.
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes('contracts'),
      // Nothing: not even the e-mail, which is the sign-in name (an administrator changes it).
      writeAttributes: new cognito.ClientAttributes(),
      ...(props.cognitoDomainPrefix !== undefined
        ? {
            oAuth: {
              flows: { authorizationCodeGrant: true },
              scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
              callbackUrls: [...(props.callbackUrls ?? ['http://localhost:8765/callback'])],
            },
          }
        : { disableOAuth: true }),
    });
    const authorizer = new HttpJwtAuthorizer('Cognito', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.userPoolClient.userPoolClientId],
    });

    // Functions
    const environment = {
      LEDGER_TABLE: props.ledgerTable.tableName,
      RECORDS_TABLE: props.recordsTable.tableName,
      ARCHIVE_BUCKET: props.archiveBucket.bucketName,
      UPLOADS_BUCKET: props.uploadsBucket.bucketName,
      REPORTS_BUCKET: props.reportsBucket.bucketName,
      SIGNING_KEY_ID: props.signingKey.keyArn,
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      LOG_NAME: props.logName ?? `sib-ledger-${stage}`,
    };
    const deadLetterQueue = (name: string) => {
      const queue = new sqs.Queue(this, name, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(queue).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of a function.',
      });
      return queue;
    };
    this.deadLetterQueues = {
      IngestS3: deadLetterQueue('IngestDeadLetters'),
      PublishCheckpoints: deadLetterQueue('CheckpointDeadLetters'),
    };

    const fns: Partial<Record<FunctionName, lambda.Function>> = {};
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const spec: FunctionSpec = FUNCTIONS[name];
      const async = name === 'IngestS3' || name === 'PublishCheckpoints';
      const fn = new HandlerFunction(this, name, {
        stage,
        module: spec.module,
        description: `sib-ledger ${stage}: ${spec.description}`,
        memorySize: spec.memorySize,
        timeout: Duration.seconds(spec.timeoutSeconds),
        environment: {
          ...environment,
          ...(name === 'IngestS3'
            ? { NODE_OPTIONS: '--enable-source-maps --max-old-space-size=384 --max-semi-space-size=8' }
            : {}),
          // Same code as ApiLedger: its own service name keeps its logs and metrics apart.
          ...(name === 'RecordsQuery' ? { POWERTOOLS_SERVICE_NAME: 'sib-ledger-records-query' } : {}),
        },
        ...(async ? { deadLetterQueue: this.deadLetterQueues[name], retryAttempts: 2 } : {}),
      }).function;
      this.grant(fn, spec.grants, props);
      fns[name] = fn;
    }
    this.functions = fns as Record<FunctionName, lambda.Function>;

    // The bucket lives in the stateful stack: its notification is configured
    // from here (a custom resource), so the dependency stays one-way.
    const uploads = s3.Bucket.fromBucketAttributes(this, 'Uploads', {
      bucketArn: props.uploadsBucket.bucketArn,
      bucketName: props.uploadsBucket.bucketName,
    });
    uploads.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.functions.IngestS3), {
      prefix: UPLOADS_PREFIX,
    });
    // CDK's own singleton that configures bucket notifications (a custom resource).
    for (const child of this.node.children) {
      if (child.node.id.startsWith('BucketNotificationsHandler')) {
        Validations.of(child).acknowledge({
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            "CDK's bucket-notifications custom resource (aws-cdk-lib internal) uses AWSLambdaBasicExecutionRole for its own logs; it runs only at deployment.",
        });
      }
    }

    this.checkpointRule = new events.Rule(this, 'CheckpointSchedule', {
      description: 'Publishes a signed checkpoint for every log that grew since its last one',
      schedule: props.checkpointSchedule ?? CHECKPOINT_SCHEDULE,
      targets: [
        new targets.LambdaFunction(this.functions.PublishCheckpoints, {
          deadLetterQueue: this.deadLetterQueues.PublishCheckpoints,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    // The API, with access logs (ids and statuses only: no bodies, no query strings).
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: prod ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.api = new apigw.HttpApi(this, 'Api', {
      apiName: `sib-ledger-${stage}`,
      description: 'sib-ledger HTTP API (routes from functions/api/routes.ts)',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      autoDeploy: true,
      throttle: { rateLimit: 200, burstLimit: 400 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            routeKey: '$context.routeKey',
            status: '$context.status',
            sub: '$context.authorizer.claims.sub',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
            ip: '$context.identity.sourceIp',
            at: '$context.requestTime',
          }),
        ),
      },
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES) {
      const name = functionOfRoute(route);
      let integration = integrations.get(name);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${name}Integration`, this.functions[name]);
        integrations.set(name, integration);
      }
      const httpRoute = new apigw.HttpRoute(this, `Route-${route.id}`, {
        httpApi: this.api,
        routeKey: apigw.HttpRouteKey.with(route.path, apigw.HttpMethod[route.method]),
        integration,
        authorizer: route.roles === 'public' ? new apigw.HttpNoneAuthorizer() : authorizer,
      });
      if (route.roles === 'public') {
        Validations.of(httpRoute).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason: `${route.method} ${route.path} is public by design (functions/api/routes.ts): it serves the API description, no data.`,
        });
      }
    }

    this.observability = new Observability(this, 'Observability', {
      stage,
      api: this.api,
      functions: this.functions,
      deadLetterQueues: this.deadLetterQueues,
      ingestServices: [FUNCTIONS.IngestBatch.module, FUNCTIONS.IngestS3.module],
      ingestRejectsPerHour: props.ingestRejectsPerHour ?? 100,
      checkpointPublisher: 'PublishCheckpoints',
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    if (this.userPoolDomain) {
      new CfnOutput(this, 'CognitoDomain', { value: this.userPoolDomain.baseUrl() });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }

  private grant(fn: lambda.Function, grants: Grants, props: StatelessStackProps): void {
    /** Every wildcard resource of this role, with why: acknowledged to cdk-nag one by one. */
    const wildcards: { resource: string; reason: string }[] = [
      {
        resource: '*',
        reason: 'X-Ray tracing (PutTraceSegments, PutTelemetryRecords) has no resource-level permissions.',
      },
    ];
    const allow = (actions: readonly string[], resources: string[], conditions?: Record<string, unknown>) => {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: [...actions], resources, conditions }));
      for (const resource of resources) {
        if (resource.endsWith('*')) {
          wildcards.push({ resource, reason: `${actions.join(', ')} ${WILDCARD_REASONS(resource, props)}` });
        }
      }
    };
    acknowledgeWildcards(fn, wildcards);
    const tableResources = (table: dynamodb.ITable) => [table.tableArn, `${table.tableArn}/index/*`];

    const ledger = props.ledgerTable;
    if (grants.ledger !== 'none') allow(TABLE_READ_ACTIONS, [ledger.tableArn]);
    if (grants.ledger === 'checkpoint' || grants.ledger === 'append') allow(['dynamodb:PutItem'], [ledger.tableArn]);
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

    const archive = props.archiveBucket;
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
    const reports = props.reportsBucket;
    if (grants.reportsRead) {
      allow(['s3:ListBucket'], [reports.bucketArn]);
      allow(['s3:GetObject'], [reports.arnForObjects('*')]);
    }
    if (grants.reportsPut) {
      // Create only: a PutObject must carry If-None-Match, so S3 refuses to replace a report.
      allow(['s3:PutObject'], [reports.arnForObjects('reports/*')], { Null: { 's3:if-none-match': 'false' } });
    }
    const uploads = props.uploadsBucket;
    if (grants.uploads === 'put') {
      // The presigned PUT is signed with this role: the operator's upload is this put.
      allow(['s3:PutObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`)]);
    }
    if (grants.uploads === 'read' || grants.uploads === 'ingest') {
      allow(['s3:ListBucket'], [uploads.bucketArn]);
      allow(['s3:GetObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`), uploads.arnForObjects('results/*')]);
    }
    if (grants.uploads === 'ingest') {
      allow(['s3:PutObject'], [uploads.arnForObjects('results/*')]);
      allow(['s3:DeleteObject'], [uploads.arnForObjects(`${UPLOADS_PREFIX}*`)]);
    }

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
}
