/**
 * The layout as a newcomer meets it: for each main use case, the modules whose
 * code its entry point uses (the repository's own files that esbuild keeps when
 * it bundles the entry with tree shaking: a barrel's unused re-exports do not
 * count), the folders they sit in and the imports among them that cross from
 * one folder to another; and the cold import time of the entry in a fresh Node
 * process (type stripping, no bundling: every module the entry imports is
 * loaded), the median of several runs.
 *
 * Run alone: `npx node bench/layout.ts [--runs=5] [--json]`; `npm run bench` runs it as one section.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const run = promisify(execFile);
const ROOT = new URL('../', import.meta.url).pathname;
/** Minified bytes below which a module contributes no code of its own. */
const MODULE_SHELL_BYTES = 80;

/** The use cases and the module a request or a command enters through. */
export const USE_CASES = [
  { name: 'submit a batch over HTTP', entry: 'functions/ingest-batch.ts' },
  { name: 'evaluate a period over HTTP', entry: 'functions/api/contracts.ts' },
  { name: 'verify a report offline (library)', entry: 'domain/index.ts' },
  { name: 'verify a report offline (sib report verify)', entry: 'cli/commands/report.ts' },
] as const;

export interface LayoutFigures {
  readonly name: string;
  readonly entry: string;
  readonly files: number;
  readonly lines: number;
  readonly folders: number;
  /** Distinct folder crossings: pairs of folders (A, B) where a module of A imports one of B (a barrel counts as its folder). */
  readonly crossings: number;
  /** The same, counted for domain/ only: its files and lines. */
  readonly domainFiles: number;
  readonly domainLines: number;
  /** The longest module on the way, in lines. */
  readonly largest: number;
  /** Pairs of folders, neither inside the other, that import each other (a use case that goes back and forth). */
  readonly backAndForth: number;
  readonly importMs: number;
}

/** The repository modules `entry` loads, with each one's imports among them (esbuild's metafile). */
async function closureOf(entry: string): Promise<Map<string, string[]>> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    splitting: true,
    minify: true,
    packages: 'external',
    outdir: 'bench/out/layout',
    logLevel: 'silent',
  });
  const metafile = result.metafile;
  if (metafile === undefined) throw new Error(`${entry}: esbuild returned no metafile`);
  // The chunks loaded when the entry loads: its output and the chunks it imports statically (not the
  // ones behind a dynamic import, such as the PDF renderer, which the use case may never load).
  const entryOutput = Object.keys(metafile.outputs).find((o) => metafile.outputs[o]?.entryPoint === entry);
  const loaded = new Set<string>();
  const visit = (output: string) => {
    if (loaded.has(output)) return;
    loaded.add(output);
    for (const i of metafile.outputs[output]?.imports ?? [])
      if (i.kind === 'import-statement' && !i.external) visit(i.path);
  };
  if (entryOutput !== undefined) visit(entryOutput);
  // The modules whose code the entry actually uses: esbuild's tree shaking leaves the others out of the output,
  // or keeps only a module shell of a few bytes (an init call, a namespace stub) where chunks share it.
  const used = new Set(
    [...loaded].flatMap((output) =>
      Object.entries(metafile.outputs[output]?.inputs ?? {})
        .filter(
          ([file, input]) =>
            input.bytesInOutput > MODULE_SHELL_BYTES && !file.includes('node_modules') && file.endsWith('.ts'),
        )
        .map(([file]) => file),
    ),
  );
  used.add(entry);
  return new Map(
    [...used].map((file) => [
      file,
      (metafile.inputs[file]?.imports ?? [])
        .map((i) => i.path)
        .filter((target) => !target.includes('node_modules') && target.endsWith('.ts')),
    ]),
  );
}

async function importMs(entry: string, runs: number): Promise<number> {
  const script = [
    'const t0 = performance.now();',
    `await import(${JSON.stringify(pathToFileURL(posix.join(ROOT, entry)).href)});`,
    'process.stdout.write(String(performance.now() - t0));',
  ].join('\n');
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    times.push(Number(stdout));
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1] ?? Number.NaN;
}

const linesOf = (file: string) => readFileSync(posix.join(ROOT, file), 'utf8').split('\n').length - 1;

export async function benchLayout(options: { runs?: number } = {}): Promise<LayoutFigures[]> {
  const figures: LayoutFigures[] = [];
  for (const { name, entry } of USE_CASES) {
    const graph = await closureOf(entry);
    const files = [...graph.keys()];
    const domain = files.filter((f) => f.startsWith('domain/'));
    const crossings = new Set<string>();
    for (const [file, imports] of graph) {
      for (const target of imports) {
        const [from, to] = [posix.dirname(file), posix.dirname(target)];
        if (from !== to) crossings.add(`${from} -> ${to}`);
      }
    }
    figures.push({
      name,
      entry,
      files: files.length,
      lines: files.reduce((sum, f) => sum + linesOf(f), 0),
      folders: new Set(files.map((f) => posix.dirname(f))).size,
      crossings: crossings.size,
      domainFiles: domain.length,
      domainLines: domain.reduce((sum, f) => sum + linesOf(f), 0),
      largest: Math.max(...files.map(linesOf)),
      backAndForth: [...crossings].filter((c) => {
        const [from, to] = c.split(' -> ');
        const nested =
          from !== undefined && to !== undefined && (from.startsWith(`${to}/`) || to.startsWith(`${from}/`));
        return from !== undefined && to !== undefined && from < to && !nested && crossings.has(`${to} -> ${from}`);
      }).length,
      importMs: await importMs(entry, options.runs ?? 5),
    });
  }
  return figures;
}

/** The table `npm run bench` prints. */
export function formatLayout(figures: readonly LayoutFigures[]): string[] {
  const lines = [
    'Use cases as a newcomer follows them (modules whose code the entry uses; cold import = fresh Node process, type stripping, median):',
    `  ${'use case'.padEnd(46)} ${'files'.padStart(5)} ${'lines'.padStart(6)} ${'largest'.padStart(7)} ${'folders'.padStart(7)} ${'crossings'.padStart(9)} ${'back-and-forth'.padStart(14)} ${'domain files/lines'.padStart(18)} ${'import'.padStart(8)}`,
  ];
  for (const f of figures) {
    lines.push(
      `  ${f.name.padEnd(46)} ${String(f.files).padStart(5)} ${String(f.lines).padStart(6)} ${String(f.largest).padStart(7)} ${String(f.folders).padStart(7)} ${String(f.crossings).padStart(9)} ${String(f.backAndForth).padStart(14)} ${`${f.domainFiles}/${f.domainLines}`.padStart(18)} ${`${f.importMs.toFixed(0)} ms`.padStart(8)}`,
    );
  }
  return lines;
}

if (import.meta.filename === process.argv[1]) {
  const runsArg = process.argv.find((arg) => arg.startsWith('--runs='));
  const figures = await benchLayout(runsArg ? { runs: Number(runsArg.slice('--runs='.length)) } : {});
  console.log(process.argv.includes('--json') ? JSON.stringify(figures, null, 2) : formatLayout(figures).join('\n'));
}
