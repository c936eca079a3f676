import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractProfile } from '../domain/contract-profile.ts';
import { ALL_FIELDS } from '../domain/evidence.ts';
import { ingestStream, type StreamPhase, type StreamProgress, scanBatch } from '../domain/ingest-stream.ts';
import { LocalPseudonymizer } from '../functions/adapters/local-pseudonym-key.ts';
import { localRuntime } from '../functions/shared/composition.ts';
import { loadProfile } from '../functions/shared/contracts.ts';
import { freePorts } from '../infra/local/processes.ts';
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
}

export interface StreamBenchResult {
  readonly file: { records: number; participants: number; bytes: number };
  /** Passes 1 and 2 over the whole file. */
  readonly scan: StreamBenchStep;
  /** ingestStream into DynamoDB Local and s3rver, of the first `records` rows (the whole file or a prefix file). */
  readonly endToEnd?: StreamBenchStep & { readonly file: { records: number; bytes: number } };
}

const mb = (bytes: number) => bytes / 1024 / 1024;

/** Runs `step`, timing its phases and sampling RSS. */
async function measured(
  records: number,
  step: (onProgress: (p: StreamProgress) => void) => Promise<unknown>,
): Promise<StreamBenchStep> {
  let sampled = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    sampled = Math.max(sampled, process.memoryUsage.rss());
  }, 250);
  const phases: Partial<Record<StreamPhase, number>> = {};
  let phase: StreamPhase | undefined;
  let phaseStart = 0;
  const t0 = performance.now();
  const endPhase = (now: number) => {
    if (phase) phases[phase] = (phases[phase] ?? 0) + (now - phaseStart) / 1000;
  };
  try {
    await step((p) => {
      if (p.phase === phase) return;
      const now = performance.now();
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
  };
}

export interface StreamBenchOptions {
  /** Records in the generated file (scanned whole). Default 1,000,000. */
  readonly records?: number;
  /** Records ingested end to end (a prefix of the same generator); 0 skips it. Default: all. */
  readonly endToEndRecords?: number;
  readonly log?: (line: string) => void;
}

export async function benchIngestStream(options: StreamBenchOptions = {}): Promise<StreamBenchResult> {
  const records = options.records ?? 1_000_000;
  const e2eRecords = Math.min(options.endToEndRecords ?? records, records);
  const log = options.log ?? (() => {});
  const dir = mkdtempSync(join(tmpdir(), 'sib-bench-stream-'));
  try {
    const profile = { ...(await loadProfile('second-chance-kamchatka')), id: 'bench-stream' };
    const file = join(dir, 'batch.csv');
    const generated = await writeSyntheticCsv(file, records, profile);
    log(
      `generated ${records.toLocaleString('en')} records, ${generated.participants.toLocaleString('en')} participants, ${mb(generated.bytes).toFixed(1)} MB`,
    );
    const source = (path: string) => () => createReadStream(path, { highWaterMark: 256 * 1024 });
    const request = (batchId: string, onProgress: (p: StreamProgress) => void) => ({
      profile,
      batchId,
      submitter: { sub: 'bench', role: 'operator' as const },
      today: TODAY,
      onProgress,
    });

    const pseudonymizer = await LocalPseudonymizer.open({ dataDir: dir });
    const scan = await measured(records, async (onProgress) => {
      const result = await scanBatch(request('scan-1', onProgress), source(file), pseudonymizer);
      if (result.problems.total > 0) {
        throw new Error(`the generated batch has problems: ${JSON.stringify(result.problems.listed.slice(0, 5))}`);
      }
    });
    log(`scan: ${scan.recordsPerSecond.toFixed(0)} records/s, peak RSS ${scan.peakRssMb.toFixed(0)} MB`);
    if (e2eRecords === 0) return { file: { records, ...generated }, scan };

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
      dynamoDbPath: process.env.BENCH_DDB_MEMORY ? null : join(dir, "dynamodb"),
      s3Directory: join(dir, 's3'),
      logDir: join(dir, 'logs'),
      detached: false,
    });
    const rt = await localRuntime(dir, services.config);
    try {
      let receipt: Awaited<ReturnType<typeof ingestStream>> | undefined;
      const e2e = await measured(e2eRecords, async (onProgress) => {
        receipt = await ingestStream(request('e2e-1', onProgress), source(e2eFile), rt.ports);
      });
      if (receipt?.recordCount !== e2eRecords)
        throw new Error(`ingested ${receipt?.recordCount} records, not ${e2eRecords}`);
      log(`end to end: ${e2e.recordsPerSecond.toFixed(0)} records/s, peak RSS ${e2e.peakRssMb.toFixed(0)} MB`);
      return {
        file: { records, ...generated },
        scan,
        endToEnd: { ...e2e, file: { records: e2eRecords, bytes: e2eBytes } },
      };
    } finally {
      rt.dynamo.destroy();
      rt.s3.destroy();
      await stopServices(services);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `npx node bench/ingest-stream.ts [--records N] [--e2e N]`: this benchmark alone. */
if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : Number(process.argv[i + 1]);
  };
  const result = await benchIngestStream({
    records: arg('--records'),
    endToEndRecords: arg('--e2e'),
    log: (line) => console.error(line),
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
