/**
 * The Lambda bundles for real (the template tests skip esbuild): a bare stack
 * with one HandlerFunction per function module is synthesized with bundling,
 * and every asset must hold a minified ESM `index.mjs` of at most 1 MB with
 * its source map, the report functions their DejaVu fonts, and each bundle
 * must load in a fresh Node 24 process and export `handler`. The PDF renderer,
 * bundled with the same esbuild options, must render a report from fonts
 * beside the bundle (outside the project, where the package cannot be found).
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App, Stack } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BUNDLE_FONTS_DIR,
  BUNDLE_OPTIONS,
  FONTS_SOURCE_DIR,
  FUNCTION_MODULES,
  type FunctionModule,
  functionId,
  HandlerFunction,
  PDF_MODULES,
  PROFILE_MODULES,
  REPORT_FONTS,
} from '../../infra/constructs/handler-function.ts';
import { sampleHistory, sampleReport } from '../support/report-fixture.ts';

const run = promisify(execFile);
const ROOT = new URL('../../', import.meta.url).pathname;
const MAX_BYTES = 1_000_000;
const ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'test',
  AWS_SECRET_ACCESS_KEY: 'test',
  LEDGER_TABLE: 'ledger',
  RECORDS_TABLE: 'records',
  ARCHIVE_BUCKET: 'archive',
  REPORTS_BUCKET: 'reports',
  SIGNING_KEY_ID: 'signing-key',
  PSEUDONYM_KEY_ID: 'pseudonym-key',
  LOG_NAME: 'sib-ledger-test',
  NODE_OPTIONS: '--enable-source-maps',
};

/**
 * The JavaScript a bundle loads at cold start: `file` and the chunks it
 * imports statically (`from"./chunk.mjs"`, not `import("./lazy.mjs")`), transitively.
 */
function initBytes(asset: string, file = 'index.mjs', seen = new Set<string>()): number {
  if (seen.has(file)) return 0;
  seen.add(file);
  const code = readFileSync(join(asset, file), 'utf8');
  let bytes = Buffer.byteLength(code);
  for (const [, chunk] of code.matchAll(/(?:from|import)\s*"\.\/([^"]+\.mjs)"/g)) {
    if (chunk) bytes += initBytes(asset, chunk, seen);
  }
  return bytes;
}

/** Runs an ES module script with this worker's Node (24) in `cwd`, outside the project. */
const node = (script: string, cwd: string) =>
  run(process.execPath, ['--input-type=module', '-e', script], { env: ENV, cwd, maxBuffer: 1 << 20 });

let dir: string;
const assets = new Map<FunctionModule, string>();

beforeAll(async () => {
  // Prepare: synthesize with bundling into a temp outdir.
  dir = mkdtempSync(join(tmpdir(), 'sib-bundling-'));
  const app = new App({ outdir: join(dir, 'cdk.out') });
  const stack = new Stack(app, 'Bundles');
  const functions = FUNCTION_MODULES.map(
    (module) => [module, new HandlerFunction(stack, functionId(module), { stage: 'dev', module })] as const,
  );
  const assembly = app.synth();
  const template = assembly.getStackByName('Bundles').template as {
    Resources: Record<string, { Properties: { Code?: { S3Key?: string } } }>;
  };
  for (const [module, fn] of functions) {
    const logicalId = stack.getLogicalId(fn.function.node.defaultChild as lambda.CfnFunction);
    const key = template.Resources[logicalId]?.Properties.Code?.S3Key;
    if (!key) throw new Error(`${module}: no asset key in the template`);
    assets.set(module, join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`));
  }
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('function bundles', () => {
  it('covers every function module', () => {
    expect([...assets.keys()]).toEqual([...FUNCTION_MODULES]);
  });

  it.each(FUNCTION_MODULES)(
    '%s: index.mjs with a source map, at most 1 MB loaded at cold start, fonts if it renders PDFs',
    (module) => {
      const asset = assets.get(module) ?? '';
      const index = join(asset, 'index.mjs');
      expect(existsSync(index)).toBe(true);
      expect(statSync(index).size).toBeGreaterThan(0);
      expect(initBytes(asset)).toBeLessThanOrEqual(MAX_BYTES);
      expect(readFileSync(index, 'utf8')).toMatch(/\/\/# sourceMappingURL=index\.mjs\.map\s*$/);
      expect(existsSync(join(asset, 'index.mjs.map'))).toBe(true);
      for (const font of REPORT_FONTS) {
        expect(existsSync(join(asset, BUNDLE_FONTS_DIR, font))).toBe(PDF_MODULES.has(module));
      }
    },
  );

  it.each(FUNCTION_MODULES)(
    '%s: carries the contract profiles exactly if it checks evidence against them',
    (module) => {
      const asset = assets.get(module) ?? '';
      const shipped = readdirSync(new URL('../../contracts/', import.meta.url)).filter((f) => f.endsWith('.json'));
      if (!PROFILE_MODULES.has(module)) {
        expect(existsSync(join(asset, 'contracts'))).toBe(false);
        return;
      }
      expect(readdirSync(join(asset, 'contracts')).sort()).toEqual(shipped.sort());
      for (const file of shipped) {
        expect(readFileSync(join(asset, 'contracts', file))).toEqual(
          readFileSync(new URL(`../../contracts/${file}`, import.meta.url)),
        );
      }
    },
  );

  it.each(FUNCTION_MODULES)('%s: loads in a fresh Node 24 process and exports handler', async (module) => {
    const asset = assets.get(module) ?? '';
    const { stdout } = await node(
      `const m = await import('./index.mjs'); console.log(process.versions.node.split('.')[0], typeof m.handler);`,
      asset,
    );
    expect(stdout.trim()).toBe('24 function');
  });
});

describe('the PDF renderer, bundled', () => {
  it('renders a report from the fonts beside the bundle', async () => {
    // Prepare: bundle report-pdf.ts as the functions are bundled, fonts beside it, outside the project tree.
    const out = join(dir, 'report-pdf');
    await build({
      ...BUNDLE_OPTIONS,
      entryPoints: ['functions/adapters/report-pdf.ts'],
      outfile: join(out, 'index.mjs'),
      absWorkingDir: ROOT,
      logLevel: 'error',
    });
    mkdirSync(join(out, BUNDLE_FONTS_DIR));
    for (const font of REPORT_FONTS)
      copyFileSync(join(ROOT, FONTS_SOURCE_DIR, font), join(out, BUNDLE_FONTS_DIR, font));
    const report = sampleReport();
    writeFileSync(join(out, 'report.json'), JSON.stringify({ report, history: sampleHistory() }));
    const driver = [
      `import { readFileSync, writeFileSync } from 'node:fs';`,
      `const { renderReportPdf } = await import('./index.mjs');`,
      `const { report, history } = JSON.parse(readFileSync('report.json', 'utf8'));`,
      `const options = { lang: 'ru', jsonSha256: '${'0'.repeat(64)}', jsonFileName: 'report.json', history };`,
      `writeFileSync('report.pdf', await renderReportPdf(report, options));`,
    ].join('\n');

    // Act
    await node(driver, out);

    // Assess
    const pdf = readFileSync(join(out, 'report.pdf'));
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.length).toBeGreaterThan(10_000);
  });
});
