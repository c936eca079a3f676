/**
 * Builds the web console (console/src) into console/dist: one ESM entry with
 * code-split chunks (pages that need the verifier or the XLSX writer load
 * them on demand), the CSS, and index.html. The domain's one door to
 * node:crypto (domain/kernel/crypto.ts) is replaced by the browser's
 * (console/src/crypto/kernel.ts, WebCrypto), so the console runs the same
 * domain code as the CLI. Names carry content hashes; index.html does not
 * and is served with no-cache.
 *
 * `node console/build.ts` builds; `buildConsole()` is for the tests, the
 * local gateway and the bench. The result states the first load's bytes
 * (what index.html loads before any lazy page: entry, its static imports,
 * CSS), raw and gzipped.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
export const CONSOLE_SRC = join(here, 'src');
export const CONSOLE_DIST = join(here, 'dist');

export interface ConsoleBuild {
  readonly outDir: string;
  /** The entry script's path under outDir (`assets/main-XXXX.js`). */
  readonly entry: string;
  /** What the first load fetches: index.html, the entry, its static imports and the CSS. */
  readonly firstLoad: readonly { path: string; bytes: number; gzipBytes: number }[];
  readonly firstLoadBytes: number;
  readonly firstLoadGzipBytes: number;
}

/** esbuild: the kernel's node:crypto module becomes the browser's WebCrypto module (also for the tests' bundles of the domain). */
export const browserKernel: Plugin = {
  name: 'browser-kernel-crypto',
  setup(b) {
    b.onResolve({ filter: /(^|\/)crypto\.ts$/ }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (target === resolve(here, '../domain/kernel/crypto.ts')) {
        return { path: join(CONSOLE_SRC, 'crypto', 'kernel.ts') };
      }
      return undefined;
    });
  },
};

/** The HTML shell: no inline script or style, so the CSP needs no 'unsafe-inline'. */
function indexHtml(entries: readonly string[], css: readonly string[]): string {
  return `<!doctype html>
<html lang="ru">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>SIB Ledger</title>
<link rel="icon" href="data:,">
${css.map((c) => `<link rel="stylesheet" href="/${c}">`).join('\n')}
${entries.map((e) => `<script type="module" src="/${e}"></script>`).join('\n')}
</head>
<body>
<div id="app"></div>
<noscript>Для работы консоли нужен JavaScript. The console needs JavaScript.</noscript>
</body>
</html>
`;
}

/** The files the entry loads before anything runs: itself, its static imports (transitively) and its CSS. */
function firstLoadFiles(meta: Metafile, entryOut: string): string[] {
  const seen = new Set<string>();
  const visit = (out: string) => {
    if (seen.has(out)) return;
    seen.add(out);
    const o = meta.outputs[out];
    if (o === undefined) return;
    for (const imp of o.imports) if (imp.kind === 'import-statement' && !imp.external) visit(imp.path);
    if (o.cssBundle !== undefined) visit(o.cssBundle);
  };
  visit(entryOut);
  return [...seen];
}

export async function buildConsole(options: { outDir?: string; minify?: boolean } = {}): Promise<ConsoleBuild> {
  const outDir = options.outDir ?? CONSOLE_DIST;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(join(outDir, 'assets'), { recursive: true });
  const result = await build({
    // The settings entry runs first (module scripts run in document order), before any chunk loads zod.
    entryPoints: [join(CONSOLE_SRC, 'settings.ts'), join(CONSOLE_SRC, 'main.tsx')],
    outdir: join(outDir, 'assets'),
    absWorkingDir: resolve(here, '..'),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome120', 'firefox128', 'safari17'],
    minify: options.minify ?? true,
    sourcemap: false,
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: '[name]-[hash]',
    chunkNames: 'chunk-[hash]',
    assetNames: '[name]-[hash]',
    metafile: true,
    legalComments: 'none',
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [browserKernel],
    logLevel: 'silent',
  });
  const meta = result.metafile;
  const root = resolve(here, '..');
  // Pages loaded with import() are entry points too: the page's entry is main.tsx's output.
  const entryOut = Object.entries(meta.outputs).find(
    ([out, o]) => out.endsWith('.js') && o.entryPoint?.endsWith('console/src/main.tsx') === true,
  )?.[0];
  const settingsOut = Object.entries(meta.outputs).find(
    ([out, o]) => out.endsWith('.js') && o.entryPoint?.endsWith('console/src/settings.ts') === true,
  )?.[0];
  if (entryOut === undefined || settingsOut === undefined) throw new Error('console build: no entry output');
  const outRoot = resolve(outDir);
  const abs = (p: string) => resolve(root, p);
  // A stylesheet imported by a lazy chunk (uPlot's) is its own CSS file, which
  // importing the chunk does not load: index.html links every stylesheet (they
  // are small), so each is in the first load.
  const lazyCss = Object.keys(meta.outputs).filter((p) => p.endsWith('.css'));
  const first = [...new Set([settingsOut, ...firstLoadFiles(meta, entryOut), ...lazyCss])].map((p) =>
    relative(outRoot, abs(p)),
  );
  const entry = relative(outRoot, abs(entryOut));
  const css = first.filter((p) => p.endsWith('.css'));
  const html = indexHtml([relative(outRoot, abs(settingsOut)), entry], css);
  await writeFile(join(outDir, 'index.html'), html);
  const files = ['index.html', ...first];
  const firstLoad = await Promise.all(
    files.map(async (path) => {
      const bytes = await readFile(join(outDir, path));
      return { path, bytes: bytes.byteLength, gzipBytes: gzipSync(bytes, { level: 9 }).byteLength };
    }),
  );
  return {
    outDir,
    entry,
    firstLoad,
    firstLoadBytes: firstLoad.reduce((s, f) => s + f.bytes, 0),
    firstLoadGzipBytes: firstLoad.reduce((s, f) => s + f.gzipBytes, 0),
  };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const b = await buildConsole();
  console.log(
    `console built into ${relative(process.cwd(), b.outDir) || '.'}: first load ${(b.firstLoadGzipBytes / 1024).toFixed(1)} KB gzipped (${(b.firstLoadBytes / 1024).toFixed(1)} KB raw)`,
  );
}
