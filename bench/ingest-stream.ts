import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { ContractProfile } from '#contracts';
import { ALL_FIELDS } from '#evidence';
import type { Pseudonymizer } from '#intake';
import type { IngestPorts, IngestReceipt } from '#services';
import { ingestStream, type StreamPhase, type StreamProgress, scanBatch } from '#services';
import { LocalPseudonymizer } from '../functions/adapters/local-pseudonym-key.ts';
import type { StackConfig } from '../functions/adapters/storage-layout.ts';
import { loadProfile } from '../functions/shared/contracts.ts';
import { freePorts } from '../infra/local/processes.ts';
import { localRuntime } from '../infra/local/runtime.ts';
import { startServices, stopServices } from '../infra/local/stack.ts';

/**
 * The streaming path (issue 3: "A 1,000,000-record CSV through the streaming
 * path: peak RSS under 512 MB; records/s"). A seeded generator writes the CSV
 * to a temp file (streaming: ~200,000 participants, each enrolled and then
 * with a few more events); the file is the source of the ingest, read three
 * times as the S3 object would be.
 *
 * Two measurements:
 * - scan: passes 1 and 2 (count; parse, validate, pseudonymise, hash, build
 *   the check tape) over the whole file, no stack needed;
 * - end to end: ingestStream into a fresh file-backed DynamoDB Local and
 *   s3rver (the ledger lookups, the checks, the chunked record writes, the
 *   multipart archive upload, the append).
 *
 * Peak RSS is process.resourceUsage().maxRSS of this process (DynamoDB Local
 * and s3rver run as child processes and are not counted); `rssSampledMb` is
 * the largest resident size sampled every 250 ms during the measured step
 * alone, since maxRSS also covers whatever ran before in the process.
 */

const TODAY = '2026-04-01';

/** mulberry32: a small seeded PRNG, so every run writes the same file. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const DAY = 86_400_000;
const dayOf = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / DAY;
const isoOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

const CONSENT = createHash('sha256').update('consent form').digest('hex');
const EMPLOYERS = Array.from({ length: 60 }, (_, i) => `EMP-${String(i + 1).padStart(3, '0')}`);
const CATEGORIES = ['serving-sentence', 'probation', 'released'] as const;
const CONTRACT_TYPES = ['permanent', 'fixed-term', 'temporary'] as const;

type Row = Record<string, string | number>;

/**
 * The events of one participant, in time order: an enrolment, then up to
 * `extra` further events (services, releases, employment started / confirmed
 * / ended, reconvictions, probation violations, custody spells, corrections,
 * a withdrawal), all inside the contract term and valid together.
 */
function participantEvents(p: number, extra: number, rnd: () => number, profile: ContractProfile): Row[] {
  const ref = `KC-${String(p).padStart(7, '0')}`;
  const termStart = dayOf(profile.term.from);
  const termEnd = Math.min(dayOf(profile.term.to), dayOf(TODAY));
  let day = termStart + Math.floor(rnd() * (termEnd - termStart - 200));
  const enrolDate = isoOf(day);
  const year = enrolDate.slice(0, 4);
  const cohort = profile.cohorts.includes(year) ? year : (profile.cohorts[profile.cohorts.length - 1] as string);
  let k = 0;
  const id = () => `${ref}-${String(k++).padStart(2, '0')}`;
  const rows: Row[] = [
    {
      eventId: id(),
      participant: ref,
      type: 'enrolment',
      date: enrolDate,
      source: 'operator',
      cohort,
      category: CATEGORIES[p % 3] as string,
      sex: rnd() < 0.85 ? 'male' : 'female',
      birthYear: Number(year) - 20 - Math.floor(rnd() * 35),
      consentSha256: CONSENT,
    },
  ];
  let employer: { id: string; since: number } | undefined;
  for (let e = 0; e < extra; e++) {
    day += 1 + Math.floor(rnd() * 20);
    if (day > termEnd) break;
    const date = isoOf(day);
    const common = { eventId: id(), participant: ref, date };
    const roll = rnd();
    if (employer) {
      if (roll < 0.6 && day - employer.since > 35) {
        // A month worked and confirmed from tax records: the month before the record's.
        const month = isoOf(day - 31).slice(0, 7);
        rows.push({ ...common, type: 'employment-confirmed', source: 'tax-records', employerId: employer.id, month });
      } else if (roll < 0.8) {
        rows.push({
          ...common,
          type: 'employment-ended',
          source: 'employer',
          employerId: employer.id,
          reason: 'resigned',
        });
        employer = undefined;
      } else {
        rows.push({
          ...common,
          type: 'service',
          source: 'operator',
          serviceType: 'job-retention-support',
          provider: 'KAMCHATKA-CZN',
        });
      }
      continue;
    }
    if (roll < 0.4) {
      const serviceType = profile.serviceTypes[Math.floor(rnd() * profile.serviceTypes.length)] as string;
      rows.push({ ...common, type: 'service', source: 'operator', serviceType, provider: 'KAMCHATKA-CZN' });
    } else if (roll < 0.7) {
      employer = { id: EMPLOYERS[Math.floor(rnd() * EMPLOYERS.length)] as string, since: day };
      rows.push({
        ...common,
        type: 'employment-started',
        source: 'employer',
        employerId: employer.id,
        contractType: CONTRACT_TYPES[Math.floor(rnd() * 3)] as string,
        monthlyWage: String(3_500_000 + Math.floor(rnd() * 60) * 50_000),
      });
    } else if (roll < 0.78) {
      rows.push({ ...common, type: 'release', source: 'probation-service', institution: 'IK-6' });
    } else if (roll < 0.84) {
      rows.push({ ...common, type: 'probation-violation', source: 'probation-service' });
    } else if (roll < 0.88) {
      rows.push({
        ...common,
        type: 'reconviction',
        source: 'court',
        offenceDate: isoOf(Math.max(termStart, day - 30 - Math.floor(rnd() * 60))),
      });
    } else if (roll < 0.92) {
      rows.push({
        ...common,
        type: 'custody-spell',
        source: 'probation-service',
        to: isoOf(Math.min(day + 10, termEnd)),
      });
    } else if (roll < 0.98 && rows.length > 1) {
      const previous = rows[rows.length - 1] as Row;
      rows.push({
        ...common,
        type: 'correction',
        source: 'operator',
        supersedes: previous.eventId as string,
        reason: 'data entry error',
      });
    } else {
      rows.push({ ...common, type: 'withdrawal', source: 'operator', reason: 'moved-away' });
      break;
    }
  }
  return rows;
}

const csvLine = (row: Row) => `${ALL_FIELDS.map((f) => row[f] ?? '').join(',')}\n`;

/** Writes `records` rows of seeded evidence to `file`, streaming; returns the participant count. */
export async function writeSyntheticCsv(
  file: string,
  records: number,
  profile: ContractProfile,
  seed = 20_260_401,
): Promise<{ participants: number; bytes: number }> {
  const rnd = prng(seed);
  const out = createWriteStream(file);
  let buffer = `${ALL_FIELDS.join(',')}\n`;
  let written = 0;
  let p = 0;
  while (written < records) {
    // 1 + 0..8 events: 5 per participant on average, so ~records / 5 participants.
    const rows = participantEvents(p++, Math.floor(rnd() * 9), rnd, profile).slice(0, records - written);
    for (const row of rows) buffer += csvLine(row);
    written += rows.length;
    if (buffer.length > 1 << 16) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { participants: p, bytes: statSync(file).size };
}

export interface StreamBenchStep {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  /** process.resourceUsage().maxRSS after the step, MB. */
  readonly peakRssMb: number;
  /** Largest RSS sampled during the step, MB. */
  readonly rssSampledMb: number;
  /** Seconds per phase (count, scan, lookup, check, write, append). */
  readonly phases: Partial<Record<StreamPhase, number>>;
  /** Largest RSS sampled in each phase, MB. */
  readonly rssByPhaseMb: Partial<Record<StreamPhase, number>>;
}

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

const mb = (bytes: number) => bytes / 1024 / 1024;

/** Runs `step`, timing its phases and sampling RSS. */
async function measured(
  records: number,
  step: (onProgress: (p: StreamProgress) => void) => Promise<unknown>,
): Promise<StreamBenchStep> {
  let sampled = process.memoryUsage.rss();
  const rssByPhase: Partial<Record<StreamPhase, number>> = {};
  let phase: StreamPhase | undefined;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    sampled = Math.max(sampled, rss);
    if (phase) rssByPhase[phase] = Math.max(rssByPhase[phase] ?? 0, mb(rss));
  };
  const sampler = setInterval(sample, 250);
  const phases: Partial<Record<StreamPhase, number>> = {};
  let phaseStart = 0;
  const t0 = performance.now();
  const endPhase = (now: number) => {
    if (phase) phases[phase] = (phases[phase] ?? 0) + (now - phaseStart) / 1000;
  };
  try {
    await step((p) => {
      if (p.phase === phase) return;
      const now = performance.now();
      sample();
      endPhase(now);
      phase = p.phase;
      phaseStart = now;
    });
  } finally {
    clearInterval(sampler);
  }
  const t1 = performance.now();
  endPhase(t1);
  sampled = Math.max(sampled, process.memoryUsage.rss());
  const seconds = (t1 - t0) / 1000;
  return {
    records,
    seconds,
    recordsPerSecond: records / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    rssSampledMb: mb(sampled),
    phases,
    rssByPhaseMb: rssByPhase,
  };
}

/** Ports without I/O: an empty ledger and store that count what they are given. */
function noIoPorts(pseudonymizer: Pseudonymizer, sink: { records: number; archiveBytes: number }): IngestPorts {
  return {
    pseudonymizer,
    store: {
      knownState: async () => ({ enrolled: new Set(), eventIds: new Set(), employments: new Map() }),
      writeRecords: async (_contract, _batch, records) => {
        sink.records += records.length;
      },
      withIngestLease: (_contract, work) => work(undefined),
    },
    archive: {
      put: async () => {},
      putStream: async (_key, body) => {
        for await (const chunk of body) sink.archiveBytes += chunk.length;
      },
    },
    ledger: {
      batchEntry: async () => undefined,
      append: async (_contract, _key, intent) => ({ seq: 0, entryHash: '0'.repeat(64), body: intent.body }),
      checkpoint: async () => '',
    },
  };
}

type StepName = 'scan' | 'pipeline' | 'e2e';

interface StepArgs {
  readonly step: StepName;
  readonly file: string;
  readonly records: number;
  /** Data dir for keys (and, for e2e, the stack config). */
  readonly dir: string;
  readonly stack?: StackConfig;
}

const benchProfile = async (): Promise<ContractProfile> => ({
  ...(await loadProfile('second-chance-kamchatka')),
  id: 'bench-stream',
});

/** One measured step, in this process (run as a child of benchIngestStream, so its peak RSS is its own). */
async function runStep(args: StepArgs): Promise<StreamBenchStep> {
  const profile = await benchProfile();
  const source = () => createReadStream(args.file, { highWaterMark: 256 * 1024 });
  const request = (onProgress: (p: StreamProgress) => void) => ({
    profile,
    batchId: `${args.step}-1`,
    submitter: { sub: 'bench', role: 'operator' as const },
    today: TODAY,
    onProgress,
  });
  if (args.step === 'scan') {
    const pseudonymizer = await LocalPseudonymizer.open({ dataDir: args.dir });
    return measured(args.records, async (onProgress) => {
      const result = await scanBatch(request(onProgress), source, pseudonymizer);
      if (result.problems.total > 0) {
        throw new Error(`the generated batch has problems: ${JSON.stringify(result.problems.listed.slice(0, 5))}`);
      }
    });
  }
  if (args.step === 'pipeline') {
    const pseudonymizer = await LocalPseudonymizer.open({ dataDir: args.dir });
    const sink = { records: 0, archiveBytes: 0 };
    return measured(args.records, async (onProgress) => {
      const receipt = await ingestStream(request(onProgress), source, noIoPorts(pseudonymizer, sink));
      if (sink.records !== args.records || receipt.recordCount !== args.records) {
        throw new Error('the pipeline lost records');
      }
    });
  }
  const rt = await localRuntime(args.dir, args.stack as StackConfig);
  try {
    let receipt: IngestReceipt | undefined;
    const step = await measured(args.records, async (onProgress) => {
      receipt = await ingestStream(request(onProgress), source, rt.ports);
    });
    if (receipt?.recordCount !== args.records) {
      throw new Error(`ingested ${receipt?.recordCount} records, not ${args.records}`);
    }
    // The archive (a multipart upload at this size) is there and hashes as the receipt says.
    const object = await rt.s3.send(
      new GetObjectCommand({ Bucket: rt.stack.buckets.archive, Key: receipt.archive.key }),
    );
    const hash = createHash('sha256');
    for await (const chunk of object.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
    if (hash.digest('hex') !== receipt.archive.sha256) throw new Error('the archive does not hash as the receipt says');
    return step;
  } finally {
    rt.dynamo.destroy();
    rt.s3.destroy();
  }
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

    let e2eFile = file;
    let e2eBytes = generated.bytes;
    if (e2eRecords < records) {
      e2eFile = join(dir, 'prefix.csv');
      e2eBytes = (await writeSyntheticCsv(e2eFile, e2eRecords, profile)).bytes;
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
      const e2e = await childStep(
        { step: 'e2e', file: e2eFile, records: e2eRecords, dir, stack: services.config },
        heap,
      );
      log(`end to end: ${e2e.recordsPerSecond.toFixed(0)} records/s, peak RSS ${e2e.peakRssMb.toFixed(0)} MB`);
      return {
        ...result,
        endToEnd: {
          ...e2e,
          file: { records: e2eRecords, bytes: e2eBytes },
          dynamodb: options.dynamoInMemory ? 'in memory' : 'on disk',
        },
      };
    } finally {
      await stopServices(services);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
