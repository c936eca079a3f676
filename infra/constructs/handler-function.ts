/**
 * THE construct every sib-ledger Lambda function is built with, so the
 * defaults cannot drift between functions: Node.js 24 on arm64, an ESM bundle
 * (minified, with source maps, the AWS SDK bundled rather than taken from the
 * runtime), an explicit log group with a stage-dependent retention, active
 * X-Ray tracing and the Powertools environment.
 *
 * The report functions (PDF_MODULES) are bundled with code splitting, so the
 * PDF renderer is a chunk loaded on the first report, and carry the DejaVu
 * fonts in `fonts/`; so is the batch route (XLSX_MODULES), whose XLSX reader
 * is a chunk loaded on the first workbook. bench/bundles.ts and test/infra/cdk-bundling.test.ts
 * build with the same esbuild options (BUNDLE_OPTIONS, bundleBuildOptions).
 *
 * The entry is `functions/<module>.ts`. Template tests set the context
 * `sib:skipBundling` (or the prop `skipBundling`) so no esbuild runs: the
 * function then gets a stub inline code with the same configuration.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { BuildOptions } from 'esbuild';
import { DEPLOYED_ROUTES, type HandlerModule } from '../../functions/api/routes.ts';

export type Stage = 'dev' | 'prod';

/**
 * A function module under functions/: the API handlers, the S3-event ingest and the scheduled checkpoint publisher.
 * The local gateway's own module (the development sign-in) is never deployed.
 */
export type FunctionModule = Exclude<HandlerModule, 'api/dev'> | 'ingest-s3' | 'publish-checkpoints';

/** Every function module, in a fixed order: the API handlers of the route table, then the event-driven ones. */
export const FUNCTION_MODULES: readonly FunctionModule[] = [
  ...new Set(DEPLOYED_ROUTES.map((route) => route.handler as FunctionModule)),
  'ingest-s3',
  'publish-checkpoints',
];

/** The context key that turns bundling off (template tests). */
export const SKIP_BUNDLING_CONTEXT = 'sib:skipBundling';

export const RUNTIME = lambda.Runtime.NODEJS_24_X;
export const POWERTOOLS_METRICS_NAMESPACE = 'SibLedger';

/**
 * Gives the ESM bundle what bundled CommonJS dependencies expect of a module:
 * `require` (of Node built-ins) and `__filename`/`__dirname` (aws-xray-sdk-core
 * reads them at load). The helpers are imported under names no bundled module
 * uses; minification renames every top-level symbol of the bundle, so the
 * three names cannot clash either.
 */
export const ESM_BANNER = [
  "import { createRequire as __sibCreateRequire } from 'node:module';",
  "import { dirname as __sibDirname } from 'node:path';",
  "import { fileURLToPath as __sibFileURLToPath } from 'node:url';",
  'const require = __sibCreateRequire(import.meta.url);',
  'const __filename = __sibFileURLToPath(import.meta.url);',
  'const __dirname = __sibDirname(__filename);',
].join('');

/** The modules that render audit-report PDFs (payments issue a report on approval; reports re-issue them). */
export const PDF_MODULES: ReadonlySet<FunctionModule> = new Set<FunctionModule>(['api/payments', 'api/reports']);

/**
 * The modules that check evidence against the contract profiles of
 * contracts/ (functions/shared/contracts.ts): their bundles carry a copy of
 * contracts/*.json under `contracts/`, found through LAMBDA_TASK_ROOT.
 */
export const PROFILE_MODULES: ReadonlySet<FunctionModule> = new Set<FunctionModule>([
  'ingest-batch',
  'ingest-s3',
  'presign-upload',
]);

/** The shell commands that copy the contract profiles into a bundle's `contracts/`. */
export function profilesAfterBundling(inputDir: string, outputDir: string): string[] {
  return [`mkdir -p '${outputDir}/contracts'`, `cp '${inputDir}'/contracts/*.json '${outputDir}/contracts/'`];
}

/** The DejaVu fonts the PDF embeds, copied from dejavu-fonts-ttf/ttf/ into `fonts/` beside a PDF module's bundle. */
export const REPORT_FONTS = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSansMono.ttf'] as const;
export const BUNDLE_FONTS_DIR = 'fonts';
export const FONTS_SOURCE_DIR = 'node_modules/dejavu-fonts-ttf/ttf';

/**
 * The one lazy import of the PDF renderer (functions/shared/composition.ts):
 * pdfkit, fontkit and brotli's dictionary are about 0.9 MB minified. Without
 * code splitting esbuild inlines a dynamic import, so every function would
 * parse them at cold start. The modules that never render a PDF leave it
 * external (never reached); the PDF modules are bundled with splitting, so
 * it becomes a chunk loaded on the first report.
 */
export const LAZY_PDF_IMPORT = '*/adapters/report-pdf.ts';

/** The one lazy import of the XLSX reader and writers (functions/ingest-batch.ts, api/contracts.ts, api/payments.ts): exceljs is about 1.2 MB minified. */
export const LAZY_XLSX_IMPORT = '*/adapters/xlsx-batch.ts';

/**
 * The modules that read or write XLSX workbooks (the batch route, the S3-event ingest, the contract's
 * template; the tables exported by format=xlsx: payments, batches, an evaluation): bundled with
 * splitting, exceljs a chunk.
 */
export const XLSX_MODULES: ReadonlySet<FunctionModule> = new Set<FunctionModule>([
  'ingest-batch',
  'ingest-s3',
  'api/contracts',
  // The payment-order data and exported tables as workbooks (issue 17).
  'api/payments',
  'api/ledger',
]);

/** The modules bundled with code splitting: each lazy import it reaches becomes a chunk. */
export const SPLIT_MODULES: ReadonlySet<FunctionModule> = new Set<FunctionModule>([...PDF_MODULES, ...XLSX_MODULES]);

/** The lazy imports `module` never reaches, left external (a function may import another's module for its schemas). */
export function lazyExternals(module: FunctionModule): string[] {
  return [
    ...(PDF_MODULES.has(module) ? [] : [LAZY_PDF_IMPORT]),
    ...(XLSX_MODULES.has(module) ? [] : [LAZY_XLSX_IMPORT]),
  ];
}

/**
 * The esbuild options of every function bundle, in esbuild's own terms: the
 * construct hands them to NodejsFunction, and bench/bundles.ts and
 * test/infra/cdk-bundling.test.ts build with them, so the three cannot drift.
 */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node' as const,
  format: 'esm' as const,
  target: 'node24',
  mainFields: ['module', 'main'],
  banner: { js: ESM_BANNER },
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  // The AWS SDK v3 is bundled too: a pinned, tree-shaken SDK rather than the runtime's.
  external: [] as string[],
} satisfies BuildOptions;

/** How a split bundle is laid out: `index.mjs` and chunks beside it (so a PDF module's `./fonts/` is theirs too). */
const SPLIT_LAYOUT = {
  splitting: true,
  entryNames: 'index',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
} satisfies BuildOptions;

/** The entry file of a module, relative to the project root. */
export const entryOf = (module: FunctionModule) => `functions/${module}.ts`;

/**
 * The esbuild build options of a module's bundle into `outdir` (as
 * `index.mjs`), exactly as the construct builds it: for use with esbuild's
 * JavaScript API (`build({ ...bundleBuildOptions(m, dir), absWorkingDir })`).
 * A PDF module also needs its fonts: see `REPORT_FONTS`.
 */
export function bundleBuildOptions(module: FunctionModule, outdir: string): BuildOptions {
  const common = { ...BUNDLE_OPTIONS, entryPoints: [entryOf(module)], banner: { ...BUNDLE_OPTIONS.banner } };
  const external = [...BUNDLE_OPTIONS.external, ...lazyExternals(module)];
  return SPLIT_MODULES.has(module)
    ? { ...common, ...SPLIT_LAYOUT, external, outExtension: { ...SPLIT_LAYOUT.outExtension }, outdir }
    : { ...common, external, outfile: `${outdir}/index.mjs` };
}

/** Quotes a word for `bash -c` (the command hooks run in a shell). */
const shellQuote = (word: string) => `'${word.replace(/'/g, "'\\''")}'`;

/**
 * The shell commands that finish a split module's asset after NodejsFunction's
 * esbuild run: NodejsFunction can only write one file (`--outfile`), so the
 * bundle is built again with splitting into the same directory (replacing
 * `index.mjs` and its map), then a PDF module's fonts are copied to `fonts/`.
 */
export function splitAfterBundling(module: FunctionModule, inputDir: string, outputDir: string): string[] {
  const split = [
    `${inputDir}/node_modules/.bin/esbuild`,
    '--bundle',
    `${inputDir}/${entryOf(module)}`,
    `--platform=${BUNDLE_OPTIONS.platform}`,
    `--format=${BUNDLE_OPTIONS.format}`,
    `--target=${BUNDLE_OPTIONS.target}`,
    `--main-fields=${BUNDLE_OPTIONS.mainFields.join(',')}`,
    `--banner:js=${BUNDLE_OPTIONS.banner.js}`,
    '--minify',
    '--sourcemap',
    `--sources-content=${BUNDLE_OPTIONS.sourcesContent}`,
    ...[...BUNDLE_OPTIONS.external, ...lazyExternals(module)].map((name) => `--external:${name}`),
    '--splitting',
    `--outdir=${outputDir}`,
    `--entry-names=${SPLIT_LAYOUT.entryNames}`,
    `--chunk-names=${SPLIT_LAYOUT.chunkNames}`,
    `--out-extension:.js=${SPLIT_LAYOUT.outExtension['.js']}`,
    '--log-level=warning',
  ];
  const fonts = `${outputDir}/${BUNDLE_FONTS_DIR}`;
  if (!PDF_MODULES.has(module)) return [split.map(shellQuote).join(' ')];
  return [
    split.map(shellQuote).join(' '),
    `mkdir -p ${shellQuote(fonts)}`,
    `cp ${REPORT_FONTS.map((font) => shellQuote(`${inputDir}/${FONTS_SOURCE_DIR}/${font}`)).join(' ')} ${shellQuote(fonts)}`,
  ];
}

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

/** What every function of a module shares, bundled or not: its role, runtime, limits, logging and environment. */
function commonFunctionProps(props: HandlerFunctionProps, role: iam.Role, logGroup: logs.LogGroup) {
  const { stage, module } = props;
  return {
    role,
    runtime: RUNTIME,
    architecture: lambda.Architecture.ARM_64,
    memorySize: props.memorySize ?? 256,
    timeout: props.timeout ?? Duration.seconds(15),
    tracing: lambda.Tracing.ACTIVE,
    logGroup,
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
}

type CommonFunctionProps = ReturnType<typeof commonFunctionProps>;

/** Without bundling (template tests): a stub inline code that only says it was not bundled. */
function stubFunction(scope: Construct, module: FunctionModule, common: CommonFunctionProps): lambda.Function {
  return new lambda.Function(scope, 'Function', {
    ...common,
    handler: 'index.handler',
    code: lambda.Code.fromInline(`export const handler = async () => { throw new Error('${module}: not bundled'); };`),
  });
}

/** The command hooks of a split or profile module: the split bundle (and fonts), the contract profiles. */
function commandHooks(module: FunctionModule): Pick<nodejs.BundlingOptions, 'commandHooks'> {
  if (!(SPLIT_MODULES.has(module) || PROFILE_MODULES.has(module))) return {};
  return {
    commandHooks: {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (inputDir: string, outputDir: string) => [
        ...(SPLIT_MODULES.has(module) ? splitAfterBundling(module, inputDir, outputDir) : []),
        ...(PROFILE_MODULES.has(module) ? profilesAfterBundling(inputDir, outputDir) : []),
      ],
    },
  };
}

/** The module bundled by esbuild with BUNDLE_OPTIONS. */
function bundledFunction(scope: Construct, module: FunctionModule, common: CommonFunctionProps): lambda.Function {
  return new nodejs.NodejsFunction(scope, 'Function', {
    ...common,
    entry: new URL(`${module}.ts`, FUNCTIONS_DIR).pathname,
    handler: 'handler',
    projectRoot: PROJECT_ROOT.pathname,
    depsLockFilePath: LOCK_FILE.pathname,
    awsSdkConnectionReuse: false,
    bundling: {
      format: nodejs.OutputFormat.ESM,
      mainFields: [...BUNDLE_OPTIONS.mainFields],
      banner: BUNDLE_OPTIONS.banner.js,
      minify: BUNDLE_OPTIONS.minify,
      sourceMap: BUNDLE_OPTIONS.sourcemap,
      sourcesContent: BUNDLE_OPTIONS.sourcesContent,
      target: BUNDLE_OPTIONS.target,
      // The split modules' first build is replaced by the split one (splitAfterBundling); keep it cheap.
      externalModules: [...BUNDLE_OPTIONS.external, LAZY_PDF_IMPORT, LAZY_XLSX_IMPORT],
      ...commandHooks(module),
    },
  });
}

export class HandlerFunction extends Construct {
  readonly function: lambda.Function;
  readonly logGroup: logs.LogGroup;
  readonly role: iam.Role;
  readonly module: FunctionModule;

  constructor(scope: Construct, id: string, props: HandlerFunctionProps) {
    super(scope, id);
    const { stage, module } = props;
    this.module = module;

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? (stage === 'prod' ? logs.RetentionDays.ONE_YEAR : logs.RetentionDays.ONE_MONTH),
      removalPolicy: stage === 'prod' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });

    // Its own role, without AWS managed policies: logs go to this function's log group only.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `sib-ledger ${stage}: functions/${module}.ts`,
    });
    this.logGroup.grantWrite(this.role);

    const common = commonFunctionProps(props, this.role, this.logGroup);
    this.function =
      (props.skipBundling ?? skipBundlingFromContext(this))
        ? stubFunction(this, module, common)
        : bundledFunction(this, module, common);
  }
}
