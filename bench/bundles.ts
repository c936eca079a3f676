/**
 * The Lambda bundles: every function module bundled exactly as the CDK
 * construct bundles it (infra/constructs/handler-function.ts exports the
 * esbuild options), then per function the JavaScript loaded at cold start
 * (minified bytes and gzip), the lazily loaded PDF chunk of the report
 * functions, and the cold initialisation: the time to `import()` the bundle
 * in a fresh Node process (the median of several), measured inside the child
 * with performance.now(). Targets: at most 1 MB of JavaScript loaded at cold
 * start and 300 ms to import it.
 *
 * Run alone: `npx node bench/bundles.ts [--runs=5] [--json]`; `npm run bench` runs it as one section.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import {
  BUNDLE_FONTS_DIR,
  bundleBuildOptions,
  FONTS_SOURCE_DIR,
  FUNCTION_MODULES,
  type FunctionModule,
  PDF_MODULES,
  REPORT_FONTS,
} from '../infra/constructs/handler-function.ts';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;

export const SIZE_TARGET_BYTES = 1_000_000;
export const INIT_TARGET_MS = 300;

/** What a function's environment names in AWS (functions/shared/composition.ts awsRuntime), with stand-in values. */
export const DUMMY_LAMBDA_ENV: Readonly<Record<string, string>> = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  LEDGER_TABLE: 'sib-ledger-dev-ledger',
  RECORDS_TABLE: 'sib-ledger-dev-records',
  ARCHIVE_BUCKET: 'sib-ledger-dev-archive',
  REPORTS_BUCKET: 'sib-ledger-dev-reports',
  SIGNING_KEY_ID: '00000000-0000-0000-0000-000000000001',
  PSEUDONYM_KEY_ID: '00000000-0000-0000-0000-000000000002',
  LOG_NAME: 'sib-ledger-dev',
  NODE_OPTIONS: '--enable-source-maps',
};

export interface BundleFigures {
  readonly module: FunctionModule;
  /** Minified JavaScript loaded at cold start: index.mjs and the chunks it imports statically. */
  readonly initBytes: number;
  readonly initGzipBytes: number;
  /** Chunks loaded only by a dynamic import (the report functions' PDF renderer, the SDK credential providers). */
  readonly lazyBytes: number;
  /** Median over fresh processes of the time to import index.mjs, measured in the child. */
  readonly importMs: number;
  readonly importRunsMs: readonly number[];
  readonly exportsHandler: boolean;
}

/** Bundles `module` into `outdir` as the construct does (fonts included); returns esbuild's metafile. */
export async function bundleModule(module: FunctionModule, outdir: string): Promise<Metafile> {
  const result = await build({
    ...bundleBuildOptions(module, outdir),
    absWorkingDir: ROOT,
    metafile: true,
    logLevel: 'warning',
  });
  if (PDF_MODULES.has(module)) {
    mkdirSync(join(outdir, BUNDLE_FONTS_DIR), { recursive: true });
    for (const font of REPORT_FONTS)
      copyFileSync(join(ROOT, FONTS_SOURCE_DIR, font), join(outdir, BUNDLE_FONTS_DIR, font));
  }
  if (!result.metafile) throw new Error(`${module}: esbuild returned no metafile`);
  return result.metafile;
}

/** The output files (paths as in the metafile) loaded when `entry` loads: it and its static imports, transitively. */
function staticClosure(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const imported of metafile.outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entry);
  return seen;
}

/** Imports `file` in a fresh Node process; the child reports the import's duration and whether `handler` is a function. */
export async function importInChild(
  file: string,
  env: Readonly<Record<string, string>> = DUMMY_LAMBDA_ENV,
): Promise<{ ms: number; handler: boolean }> {
  const script = [
    `const t0 = performance.now();`,
    `const m = await import(${JSON.stringify(pathToFileURL(file).href)});`,
    `const ms = performance.now() - t0;`,
    `process.stdout.write(JSON.stringify({ ms, handler: typeof m.handler === 'function' }));`,
  ].join('\n');
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    cwd: tmpdir(),
  });
  return JSON.parse(stdout) as { ms: number; handler: boolean };
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};

export async function benchBundles(options: { runs?: number } = {}): Promise<BundleFigures[]> {
  const runs = options.runs ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'sib-bundles-'));
  try {
    const figures: BundleFigures[] = [];
    for (const module of FUNCTION_MODULES) {
      const outdir = join(dir, module.replace(/\//g, '-'));
      const metafile = await bundleModule(module, outdir);
      const js = Object.keys(metafile.outputs).filter((file) => file.endsWith('.mjs'));
      const entry = js.find((file) => file.endsWith('/index.mjs'));
      if (!entry) throw new Error(`${module}: esbuild wrote no entry point`);
      const init = staticClosure(metafile, entry);
      const read = (file: string) => readFileSync(join(ROOT, file));
      const initCode = Buffer.concat([...init].map(read));
      const lazyBytes = js.filter((file) => !init.has(file)).reduce((sum, file) => sum + read(file).length, 0);
      const importRunsMs: number[] = [];
      let exportsHandler = true;
      for (let i = 0; i < runs; i++) {
        const child = await importInChild(join(ROOT, entry));
        importRunsMs.push(child.ms);
        exportsHandler &&= child.handler;
      }
      figures.push({
        module,
        initBytes: initCode.length,
        initGzipBytes: gzipSync(initCode).length,
        lazyBytes,
        importMs: median(importRunsMs),
        importRunsMs,
        exportsHandler,
      });
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The table `npm run bench` prints. */
export function formatBundles(figures: readonly BundleFigures[]): string[] {
  const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const lines = [
    `Lambda bundles as the construct builds them (minified ESM, AWS SDK bundled); cold init = import() in a fresh Node ${process.version} process, median:`,
    `  ${'function'.padEnd(20)} ${'init JS bytes'.padStart(13)} ${'KB'.padStart(8)} ${'gzip'.padStart(8)} ${'lazy'.padStart(8)}  ${'size/1MB'.padStart(8)}      ${'import'.padStart(8)}  ${'/300ms'.padStart(6)}`,
  ];
  for (const f of figures) {
    const sizeRatio = f.initBytes / SIZE_TARGET_BYTES;
    const timeRatio = f.importMs / INIT_TARGET_MS;
    lines.push(
      `  ${f.module.padEnd(20)} ${f.initBytes.toLocaleString('en').padStart(13)} ${kb(f.initBytes).padStart(8)} ${kb(f.initGzipBytes).padStart(8)} ${(f.lazyBytes ? kb(f.lazyBytes) : '-').padStart(8)}  ${sizeRatio.toFixed(2).padStart(8)} ${verdict(sizeRatio <= 1)} ${`${f.importMs.toFixed(0)} ms`.padStart(8)}  ${timeRatio.toFixed(2).padStart(6)} ${verdict(timeRatio <= 1)}${f.exportsHandler ? '' : '  (no handler export!)'}`,
    );
  }
  lines.push(
    '  (init JS: index.mjs and its static chunks; lazy: chunks loaded only by a dynamic import, i.e. the PDF renderer (first report) and the SDK credential providers; targets <= 1 MB, <= 300 ms)',
  );
  return lines;
}

if (import.meta.filename === process.argv[1]) {
  const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
  const figures = await benchBundles(runsArg ? { runs: Number(runsArg.slice('--runs='.length)) } : {});
  console.log(process.argv.includes('--json') ? JSON.stringify(figures, null, 2) : formatBundles(figures).join('\n'));
}
