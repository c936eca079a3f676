/**
 * The stateless part of sib-ledger in AWS: the HTTP API (API Gateway v2) with
 * its Cognito user pool and JWT authorizer, the Lambda functions of
 * functions/ (one per handler module of functions/api/routes.ts, with the
 * operator's records lookup split out), the S3-event ingest of large
 * uploads, the scheduled checkpoint publisher, dead-letter queues of the
 * asynchronous invocations, the alarms and dashboard (Observability), and
 * the web console (ConsoleHosting: CloudFront in front of its bucket and the
 * API, so the console calls the API on its own origin; its /config.json
 * names this stack's user pool, client and hosted UI).
 *
 * Least privilege: every function gets exactly the statements FUNCTIONS
 * (function-specs.ts) lists for it (function-policies.ts); the tests assert
 * the template against it. The users and groups: users.ts.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as cognito from 'aws-cdk-lib/aws-cognito';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as cr from 'aws-cdk-lib/custom-resources';
import type { Construct } from 'constructs';
import { UPLOADS_PREFIX } from '../../functions/adapters/storage-layout.ts';
import { DEPLOYED_ROUTES } from '../../functions/api/routes.ts';
import { ConsoleHosting } from '../constructs/console-hosting.ts';
import type { Stage } from '../constructs/handler-function.ts';
import { HandlerFunction, SKIP_BUNDLING_CONTEXT } from '../constructs/handler-function.ts';
import { Observability } from '../constructs/observability.ts';
import { DEFAULT_CONSOLE_DIR } from '../local/console-files.ts';
import { type GrantTargets, grantFunction } from './function-policies.ts';
import { FUNCTIONS, type FunctionName, type FunctionSpec, functionOfRoute } from './function-specs.ts';
import { createUsers, OAUTH_SCOPES } from './users.ts';

export {
  FUNCTIONS,
  type FunctionName,
  type FunctionSpec,
  functionOfRoute,
  type Grants,
  type LedgerAccess,
  ROUTE_FUNCTIONS,
} from './function-specs.ts';
export { GROUPS } from './users.ts';

/** The default schedule of the checkpoint publisher. */
export const CHECKPOINT_SCHEDULE = events.Schedule.rate(Duration.hours(1));

/** The stage, the stateful stack's resources (GrantTargets) and the options. */
export interface StatelessStackProps extends StackProps, GrantTargets {
  readonly stage: Stage;
  /** The signer's key name in checkpoints (LOG_NAME); default `sib-ledger-<stage>`. */
  readonly logName?: string;
  /**
   * Prefix of the Cognito hosted domain (`<prefix>.auth.<region>.amazoncognito.com`, unique in the
   * region); default the stack's name and the account, `<stack name>-<account>` in lower case.
   */
  readonly cognitoDomainPrefix?: string;
  /** Where the hosted sign-in may return to; the first is the console's. Default `<console>/auth/callback`. */
  readonly callbackUrls?: readonly string[];
  /** Where the hosted sign-out may return to; the first is the console's. Default `<console>/sign-in`. */
  readonly logoutUrls?: readonly string[];
  /** The console's own domain and its ACM certificate (us-east-1); default CloudFront's domain. */
  readonly consoleDomain?: { readonly name: string; readonly certificateArn: string };
  /**
   * The built console (console/build.ts) deployed to its bucket; default console/dist, or a stub
   * page when bundling is skipped (context `sib:skipBundling`: template tests).
   */
  readonly consoleBuild?: { readonly dir: string } | { readonly stub: true };
  /** Who receives the alarms (an e-mail subscription of the alarm topic). */
  readonly alarmEmail?: string;
  /** Rejected records per hour that raise the ingest alarm; default 100. */
  readonly ingestRejectsPerHour?: number;
  /** Schedule of the checkpoint publisher; default every hour. */
  readonly checkpointSchedule?: events.Schedule;
  /** Comma-separated verifier keys of the witnesses that may cosign (SIB_WITNESS_KEYS); default none. */
  readonly witnessKeys?: string;
  /** Cosignatures of those witnesses the published trust policy requires (SIB_WITNESS_QUORUM); default all. */
  readonly witnessQuorum?: number;
  /** The parties' verifier keys per signing role, JSON (SIB_PARTY_KEYS), published in the trust policy. */
  readonly partyKeys?: string;
  /** Comma-separated URLs of the C2SP witnesses each new checkpoint is pushed to (SIB_WITNESS_URLS); default none. */
  readonly witnessUrls?: string;
}

export class StatelessStack extends Stack {
  readonly stage: Stage;
  readonly api: apigw.HttpApi;
  readonly userPool: cognito.UserPool;
  readonly userPoolClient: cognito.UserPoolClient;
  readonly userPoolDomain: cognito.UserPoolDomain;
  /** The web console: its bucket, CloudFront distribution and origin. */
  readonly console: ConsoleHosting;
  readonly functions: Readonly<Record<FunctionName, lambda.Function>>;
  /** Async invocations that failed every retry, per event-driven function. */
  readonly deadLetterQueues: Readonly<{ IngestS3: sqs.Queue; PublishCheckpoints: sqs.Queue }>;
  readonly checkpointRule: events.Rule;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    this.stage = props.stage;
    this.api = this.#createApi(props.stage);
    const cognitoDomainPrefix =
      props.cognitoDomainPrefix ?? `${this.stackName.toLowerCase().replace(/[^a-z0-9-]/g, '-')}-${Aws.ACCOUNT_ID}`;
    // The hosted UI's address follows from the prefix (UserPoolDomain.baseUrl()); the console's CSP needs it first.
    const hostedUi = `https://${cognitoDomainPrefix}.auth.${Aws.REGION}.amazoncognito.com`;
    const uploads = `https://${props.uploadsBucket.bucketRegionalDomainName}`;
    this.console = new ConsoleHosting(this, 'Console', {
      stage: props.stage,
      api: this.api,
      routes: DEPLOYED_ROUTES,
      connect: [hostedUi, uploads],
      ...(props.consoleDomain === undefined ? {} : { domain: props.consoleDomain }),
    });
    const callbackUrls = props.callbackUrls ?? [`${this.console.origin}/auth/callback`];
    const logoutUrls = props.logoutUrls ?? [`${this.console.origin}/sign-in`];
    const users = createUsers(this, { stage: props.stage, cognitoDomainPrefix, callbackUrls, logoutUrls });
    this.userPool = users.userPool;
    this.userPoolClient = users.userPoolClient;
    this.userPoolDomain = users.userPoolDomain;
    this.deadLetterQueues = {
      IngestS3: this.#deadLetterQueue('IngestDeadLetters'),
      PublishCheckpoints: this.#deadLetterQueue('CheckpointDeadLetters'),
    };
    this.functions = this.#createFunctions(props);
    this.#ingestUploads(props);
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
    this.#route();
    this.console.deploy(
      {
        apiBase: '',
        auth: {
          mode: 'cognito',
          domain: this.userPoolDomain.baseUrl(),
          issuer: this.userPool.userPoolProviderUrl,
          clientId: this.userPoolClient.userPoolClientId,
          redirectUri: callbackUrls[0] ?? '',
          logoutUri: logoutUrls[0] ?? '',
          scopes: OAUTH_SCOPES.map((s) => s.scopeName),
        },
      },
      this.#consoleBuild(props),
    );
    this.#uploadsCors(props);
    this.observability = new Observability(this, 'Observability', {
      stage: props.stage,
      api: this.api,
      functions: this.functions,
      deadLetterQueues: this.deadLetterQueues,
      ingestServices: [FUNCTIONS.IngestBatch.module, FUNCTIONS.IngestS3.module],
      ingestRejectsPerHour: props.ingestRejectsPerHour ?? 100,
      checkpointPublisher: 'PublishCheckpoints',
      ...(props.alarmEmail === undefined ? {} : { alarmEmail: props.alarmEmail }),
    });
    this.#outputs();
  }

  /** What the console's bucket gets: the given build, a stub when bundling is skipped, else console/dist. */
  #consoleBuild(props: StatelessStackProps): { dir: string } | { stub: true } {
    if (props.consoleBuild) return props.consoleBuild;
    const skip = this.node.tryGetContext(SKIP_BUNDLING_CONTEXT);
    if (skip === true || skip === 'true') return { stub: true };
    if (!existsSync(join(DEFAULT_CONSOLE_DIR, 'index.html'))) {
      throw new Error(`the console is not built: ${DEFAULT_CONSOLE_DIR} has no index.html (npx node console/build.ts)`);
    }
    return { dir: DEFAULT_CONSOLE_DIR };
  }

  /**
   * The browser PUTs a large batch straight to the evidence uploads bucket
   * with a presigned URL (functions/presign-upload.ts): the bucket allows
   * that PUT from the console's origin only, with the headers the URL signs
   * (content-type, x-amz-meta-*, x-amz-checksum-sha256) and the ETag
   * readable. The bucket lives in the stateful stack: its CORS rule is set
   * from here (a custom resource), so the dependency stays one-way.
   */
  #uploadsCors(props: StatelessStackProps): void {
    const bucket = props.uploadsBucket.bucketName;
    new cr.AwsCustomResource(this, 'UploadsCors', {
      resourceType: 'Custom::UploadsCors',
      onUpdate: {
        service: 'S3',
        action: 'putBucketCors',
        parameters: {
          Bucket: bucket,
          CORSConfiguration: {
            CORSRules: [
              {
                AllowedMethods: ['PUT'],
                AllowedOrigins: [this.console.origin],
                AllowedHeaders: ['content-type', 'content-md5', 'x-amz-*'],
                ExposeHeaders: ['ETag'],
                MaxAgeSeconds: 3000,
              },
            ],
          },
        },
        physicalResourceId: cr.PhysicalResourceId.of(`${bucket}-cors`),
      },
      onDelete: { service: 'S3', action: 'deleteBucketCors', parameters: { Bucket: bucket } },
      policy: cr.AwsCustomResourcePolicy.fromStatements([
        new iam.PolicyStatement({ actions: ['s3:PutBucketCORS'], resources: [props.uploadsBucket.bucketArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    // CDK's singleton function behind every AwsCustomResource of the stack.
    const provider = this.node.tryFindChild(`AWS${cr.AwsCustomResource.PROVIDER_FUNCTION_UUID.replaceAll('-', '')}`);
    if (provider === undefined) throw new Error('the AwsCustomResource provider function is missing');
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        "CDK's AwsCustomResource function (aws-cdk-lib internal) uses AWSLambdaBasicExecutionRole for its own logs; it runs only at deployment.",
    });
  }

  /** A dead-letter queue of a function's asynchronous invocations. */
  #deadLetterQueue(name: string): sqs.Queue {
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
  }

  /** Every function of FUNCTIONS, with the resources' names in its environment and exactly its grants. */
  #createFunctions(props: StatelessStackProps): Record<FunctionName, lambda.Function> {
    const { stage } = props;
    const environment = {
      LEDGER_TABLE: props.ledgerTable.tableName,
      RECORDS_TABLE: props.recordsTable.tableName,
      ARCHIVE_BUCKET: props.archiveBucket.bucketName,
      UPLOADS_BUCKET: props.uploadsBucket.bucketName,
      REPORTS_BUCKET: props.reportsBucket.bucketName,
      SIGNING_KEY_ID: props.signingKey.keyArn,
      PSEUDONYM_KEY_ID: props.pseudonymKey.keyArn,
      LOG_NAME: props.logName ?? `sib-ledger-${stage}`,
      ...(props.witnessKeys === undefined ? {} : { SIB_WITNESS_KEYS: props.witnessKeys }),
      ...(props.witnessQuorum === undefined ? {} : { SIB_WITNESS_QUORUM: String(props.witnessQuorum) }),
      ...(props.partyKeys === undefined ? {} : { SIB_PARTY_KEYS: props.partyKeys }),
      // Every function that signs a checkpoint (the publisher, and the API on demand) pushes it to the witnesses.
      ...(props.witnessUrls === undefined ? {} : { SIB_WITNESS_URLS: props.witnessUrls }),
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
      grantFunction(fn, spec.grants, props);
      fns[name] = fn;
    }
    return fns as Record<FunctionName, lambda.Function>;
  }

  /** Uploads under uploads/ invoke the S3-event ingest. */
  #ingestUploads(props: StatelessStackProps): void {
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
  }

  /** The HTTP API and its default stage, with access logs (ids and statuses only: no bodies, no query strings). */
  #createApi(stage: Stage): apigw.HttpApi {
    const prod = stage === 'prod';
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: prod ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH,
      removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    const api = new apigw.HttpApi(this, 'Api', {
      apiName: `sib-ledger-${stage}`,
      description: 'sib-ledger HTTP API (routes from functions/api/routes.ts)',
      createDefaultStage: false,
    });
    new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: api,
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
    return api;
  }

  /**
   * Each route of functions/api/routes.ts to its function, behind the Cognito JWT authorizer unless public.
   * The local gateway's own routes (`localOnly`: the development sign-in) are never deployed.
   */
  #route(): void {
    const authorizer = new HttpJwtAuthorizer('Cognito', this.userPool.userPoolProviderUrl, {
      jwtAudience: [this.userPoolClient.userPoolClientId],
    });
    const integrations = new Map<FunctionName, HttpLambdaIntegration>();
    for (const route of DEPLOYED_ROUTES) {
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
  }

  /** What a deployment tells its operators: the API URL, the user pool and client, the sign-in domain, alarms and dashboard. */
  #outputs(): void {
    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.userPoolClient.userPoolClientId });
    new CfnOutput(this, 'CognitoDomain', { value: this.userPoolDomain.baseUrl() });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.origin, description: 'The web console (and the API)' });
    new CfnOutput(this, 'ConsoleDistributionId', { value: this.console.distribution.distributionId });
    new CfnOutput(this, 'ConsoleBucketName', { value: this.console.bucket.bucketName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.alarmTopic.topicArn });
    new CfnOutput(this, 'DashboardName', { value: this.observability.dashboard.dashboardName });
  }
}
