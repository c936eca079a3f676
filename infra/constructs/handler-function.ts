/**
 * THE construct every sib-ledger Lambda function is built with, so the
 * defaults cannot drift between functions: Node.js 24 on arm64, an ESM bundle
 * (minified, with source maps, the AWS SDK bundled rather than taken from the
 * runtime), an explicit log group with a stage-dependent retention, active
 * X-Ray tracing and the Powertools environment.
 *
 * The entry is `functions/<module>.ts`. Template tests set the context
 * `sib:skipBundling` (or the prop `skipBundling`) so no esbuild runs: the
 * function then gets a stub inline code with the same configuration.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerModule } from '../../functions/api/routes.ts';

export type Stage = 'dev' | 'prod';

/** A function module under functions/: the API handlers and the S3-event ingest. */
export type FunctionModule = HandlerModule | 'ingest-s3';

/** The context key that turns bundling off (template tests). */
export const SKIP_BUNDLING_CONTEXT = 'sib:skipBundling';

export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const POWERTOOLS_METRICS_NAMESPACE = 'SibLedger';

/** Lets bundled CommonJS dependencies `require` Node built-ins from the ESM bundle. */
const ESM_REQUIRE_BANNER =
  "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);";

const FUNCTIONS_DIR = new URL('../../functions/', import.meta.url);
const LOCK_FILE = new URL('../../package-lock.json', import.meta.url);
const PROJECT_ROOT = new URL('../../', import.meta.url);

export interface HandlerFunctionProps {
  readonly stage: Stage;
  /** The module under functions/ (without `.ts`) whose `handler` this function runs. */
  readonly module: FunctionModule;
  /** Default 256 MB. */
  readonly memorySize?: number;
  /** Default 15 seconds. */
  readonly timeout?: Duration;
  /** Added to (and may override) the Powertools environment. */
  readonly environment?: Readonly<Record<string, string>>;
  /** Default: debug in dev, info in prod. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** Default: 1 month in dev, 1 year in prod. */
  readonly logRetention?: logs.RetentionDays;
  /** Skip esbuild (template tests); default: the context `sib:skipBundling`. */
  readonly skipBundling?: boolean;
  readonly description?: string;
  /** Dead-letter queue of async invocations. */
  readonly deadLetterQueue?: lambda.FunctionProps['deadLetterQueue'];
  /** Retries of async invocations (0 to 2). */
  readonly retryAttempts?: number;
  readonly reservedConcurrentExecutions?: number;
}

/** The Powertools service name of a module: `api/ledger` becomes `sib-ledger-api-ledger`. */
export const serviceName = (module: FunctionModule) => `sib-ledger-${module.replace(/\//g, '-')}`;

/** The construct id of a module's function: `api/ledger` becomes `ApiLedger`. */
export const functionId = (module: FunctionModule) =>
  module
    .split(/[/-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');

function skipBundlingFromContext(scope: Construct): boolean {
  const value: unknown = scope.node.tryGetContext(SKIP_BUNDLING_CONTEXT);
  return value === true || value === 'true';
}

export class HandlerFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly module: FunctionModule;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { stage, module } = props;
    this.module = module;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? (stage === 'prod' ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH),
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    const common = {
      runtime: RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(15),
      tracing: lambda.Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      description: props.description ?? `sib-ledger ${stage}: functions/${module}.ts`,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: props.retryAttempts,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      environment: {
        POWERTOOLS_SERVICE_NAME: serviceName(module),
        POWERTOOLS_METRICS_NAMESPACE,
        LOG_LEVEL: props.logLevel ?? (stage === 'prod' ? 'INFO' : 'DEBUG'),
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
    } satisfies Partial<lambda.FunctionProps>;

    if (props.skipBundling ?? skipBundlingFromContext(this)) {
      this.function = new lambda.Function(this, 'Function', {
        ...common,
        handler: 'index.handler',
        code: lambda.Code.fromInline(
          `export const handler = async () => { throw new Error('${module}: not bundled'); };`,
        ),
      });
    } else {
      this.function = new nodejs.NodejsFunction(this, 'Function', {
        ...common,
        entry: new URL(`${module}.ts`, FUNCTIONS_DIR).pathname,
        handler: 'handler',
        projectRoot: PROJECT_ROOT.pathname,
        depsLockFilePath: LOCK_FILE.pathname,
        awsSdkConnectionReuse: false,
        bundling: {
          format: nodejs.OutputFormat.ESM,
          mainFields: ['module', 'main'],
          banner: ESM_REQUIRE_BANNER,
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          target: 'node24',
          // Bundle the AWS SDK v3 too: a pinned, tree-shaken SDK rather than the runtime's.
          externalModules: [],
        },
      });
    }
  }
}
