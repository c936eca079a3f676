import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../infra/local/processes.ts';
import { startServices, stopServices } from '../infra/local/stack.ts';
import { benchProfile, writeSyntheticCsv } from './stream-csv.ts';
import { mb, type StreamBenchStep } from './stream-measure.ts';
import { runStep, type StepArgs } from './stream-steps.ts';

export type { StreamBenchStep } from './stream-measure.ts';

/**
 * The streaming path (issue 3: "A 1,000,000-record CSV through the streaming
 * path: peak RSS under 512 MB; records/s"). A seeded generator writes the CSV
 * to a temp file (streaming: ~200,000 participants, each enrolled and then
 * with a few more events); the file is the source of the ingest, read three
 * times as the S3 object would be.
 *
 * Three measurements:
 * - scan: passes 1 and 2 (count; parse, validate, pseudonymise, hash, build
 *   the check tape) over the whole file, no stack needed;
 * - pipeline: ingestStream over the whole file with ports that do no I/O;
 * - end to end: ingestStream into a fresh file-backed DynamoDB Local and
 *   s3rver (the ledger lookups, the checks, the chunked record writes, the
 *   multipart archive upload, the append).
 *
 * Peak RSS is process.resourceUsage().maxRSS of this process (DynamoDB Local
 * and s3rver run as child processes and are not counted); `rssSampledMb` is
 * the largest resident size sampled every 250 ms during the measured step
 * alone, since maxRSS also covers whatever ran before in the process.
 *
 * The batch is written by stream-csv.ts, each step measured (stream-measure.ts)
 * as stream-steps.ts runs it, in a child process of its own.
 */

export interface StreamBenchResult {
  readonly file: { records: number; participants: number; bytes: number };
  /** The V8 heap flags the steps ran with. */
  readonly heap: { readonly config: HeapConfig; readonly flags: readonly string[] };
  /** Passes 1 and 2 over the whole file. */
  readonly scan: StreamBenchStep;
  /**
   * ingestStream over the whole file with in-process ports that do no I/O
   * (an empty ledger, writes and archive bytes counted and dropped): the
   * memory of all three passes, the checks and the write chunking at full
   * size, without DynamoDB Local's throughput in the way.
   */
  readonly pipeline: StreamBenchStep;
  /** ingestStream into DynamoDB Local and s3rver, of the first `records` rows (the whole file or a prefix file). */
  readonly endToEnd?: StreamBenchStep & {
    readonly file: { records: number; bytes: number };
    readonly dynamodb: 'in memory' | 'on disk';
  };
}

/**
 * V8 heap flags of the measured steps. `lambda-512` sizes the heap as for a
 * 512 MB function (V8 sizes its heap from the machine's memory: on a large
 * host it lets the young generation grow to 128 MB and garbage pile up, which
 * a 512 MB function would not; deploy the function with these NODE_OPTIONS).
 * `host` keeps Node's defaults on this machine.
 */
export const HEAP_FLAGS = {
  'lambda-512': ['--max-old-space-size=384', '--max-semi-space-size=8'],
  host: [],
} as const;
export type HeapConfig = keyof typeof HEAP_FLAGS;

/** Runs a step in a child Node process and returns what it measured. */
async function childStep(args: StepArgs, heap: HeapConfig): Promise<StreamBenchStep> {
  const argv = [...process.execArgv, ...HEAP_FLAGS[heap], import.meta.filename, '--step', JSON.stringify(args)];
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => {
    out += text;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`bench step ${args.step} exited with ${code}`);
  return JSON.parse(out) as StreamBenchStep;
}

export interface StreamBenchOptions {
  /** Records in the generated file (scanned whole, and through the no-I/O pipeline). Default 1,000,000. */
  readonly records?: number;
  /** Records ingested end to end (a file of the first rows of the same generator); 0 skips it. Default: all. */
  readonly endToEndRecords?: number;
  /** Keep DynamoDB Local in memory instead of on disk (faster writes; the other benches use disk). */
  readonly dynamoInMemory?: boolean;
  /** Heap flags of the measured steps; default lambda-512. */
  readonly heap?: HeapConfig;
  readonly log?: (line: string) => void;
}

/**
 * Generates the file, then measures each step in a fresh child process:
 * scan and pipeline over the whole file, end to end over `endToEndRecords`
 * into a throwaway DynamoDB Local and s3rver.
 */
export async function benchIngestStream(options: StreamBenchOptions = {}): Promise<StreamBenchResult> {
  const records = options.records ?? 1_000_000;
  const e2eRecords = Math.min(options.endToEndRecords ?? records, records);
  const log = options.log ?? (() => {});
  const heap = options.heap ?? 'lambda-512';
  const dir = mkdtempSync(join(tmpdir(), 'sib-bench-stream-'));
  try {
    const profile = await benchProfile();
    const file = join(dir, 'batch.csv');
    const generated = await writeSyntheticCsv(file, records, profile);
    log(
      `generated ${records.toLocaleString('en')} records, ${generated.participants.toLocaleString('en')} participants, ${mb(generated.bytes).toFixed(1)} MB`,
    );
    const scan = await childStep({ step: 'scan', file, records, dir }, heap);
    log(`scan: ${scan.recordsPerSecond.toFixed(0)} records/s, peak RSS ${scan.peakRssMb.toFixed(0)} MB`);
    const pipeline = await childStep({ step: 'pipeline', file, records, dir }, heap);
    log(
      `pipeline (no I/O): ${pipeline.recordsPerSecond.toFixed(0)} records/s, peak RSS ${pipeline.peakRssMb.toFixed(0)} MB`,
    );
    const result = { file: { records, ...generated }, heap: { config: heap, flags: HEAP_FLAGS[heap] }, scan, pipeline };
    if (e2eRecords === 0) return result;
    const whole = { path: file, records, bytes: generated.bytes };
    return { ...result, endToEnd: await measureEndToEnd(dir, whole, e2eRecords, heap, options) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The end-to-end step over the first `e2eRecords` rows (the whole file, or a prefix file written for it). */
async function measureEndToEnd(
  dir: string,
  whole: { path: string; records: number; bytes: number },
  e2eRecords: number,
  heap: HeapConfig,
  options: StreamBenchOptions,
): Promise<NonNullable<StreamBenchResult['endToEnd']>> {
  let e2eFile = whole.path;
  let e2eBytes = whole.bytes;
  if (e2eRecords < whole.records) {
    e2eFile = join(dir, 'prefix.csv');
    e2eBytes = (await writeSyntheticCsv(e2eFile, e2eRecords, await benchProfile())).bytes;
  }
  const [dynamoPort, s3Port] = await freePorts(2);
  const services = await startServices({
    dynamoPort: dynamoPort as number,
    s3Port: s3Port as number,
    dynamoDbPath: options.dynamoInMemory ? null : join(dir, 'dynamodb'),
    s3Directory: join(dir, 's3'),
    logDir: join(dir, 'logs'),
    detached: false,
  });
  try {
    const e2e = await childStep({ step: 'e2e', file: e2eFile, records: e2eRecords, dir, stack: services.config }, heap);
    options.log?.(`end to end: ${e2e.recordsPerSecond.toFixed(0)} records/s, peak RSS ${e2e.peakRssMb.toFixed(0)} MB`);
    return {
      ...e2e,
      file: { records: e2eRecords, bytes: e2eBytes },
      dynamodb: options.dynamoInMemory ? 'in memory' : 'on disk',
    };
  } finally {
    await stopServices(services);
  }
}

/**
 * `npx node bench/ingest-stream.ts [--records N] [--e2e N] [--dynamo-in-memory] [--host-heap]`: this benchmark alone
 * (`--step` is how it runs its own steps).
 */
if (import.meta.main) {
  const at = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : process.argv[i + 1];
  };
  const step = at('--step');
  if (step !== undefined) {
    process.stdout.write(JSON.stringify(await runStep(JSON.parse(step) as StepArgs)));
  } else {
    const number = (name: string) => (at(name) === undefined ? undefined : Number(at(name)));
    const result = await benchIngestStream({
      records: number('--records'),
      endToEndRecords: number('--e2e'),
      dynamoInMemory: process.argv.includes('--dynamo-in-memory'),
      heap: process.argv.includes('--host-heap') ? 'host' : 'lambda-512',
      log: (line) => console.error(line),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  }
}
