/**
 * Load benchmark (issue 6, "Load and robustness"): many concurrent clients
 * mixing reads and writes against the local gateway (infra/local/gateway.ts)
 * on a throwaway local stack, for a fixed time.
 *
 * A copy of the Second Chance contract is registered (ministry token); then
 * every client loops until the time is up: about 20% of its requests are an
 * operator submitting a small batch (two new participants from the synthetic
 * cohort, a unique batch id), the rest are the evaluator, the ministry and
 * the investor reading: the checkpoint, entry proofs, consistency proofs,
 * payments, the contract, records queries and batch status. Each route's
 * count, p50 and p99 latency (client side, whole answer read) and status
 * histogram are recorded. Afterwards the log is exported through the API and
 * verified offline with the log's key, and no answer may have been a 5xx.
 *
 * `node bench/load.ts [--clients N] [--seconds S]`; in `npm run bench` only
 * with --load (it takes a minute and more).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ContractProfile } from '#contracts';
import { logVerifierKey, verifyExportBytes } from '#ledger';
import { ApiClient, ApiError } from '../cli/api-client.ts';
import { type ApiRole, issueToken } from '../functions/adapters/local-token.ts';
import { resetRuntime, runtime } from '../functions/shared/composition.ts';
import { loadProfile } from '../functions/shared/contracts.ts';
import { startGateway } from '../infra/local/gateway.ts';
import { type LocalStackFile, stackFilePath } from '../infra/local/stack.ts';
import { generateCohort } from '../scenarios/second-chance/cohort.ts';
import { throwawayStack } from './throwaway-stack.ts';

export interface RouteFigures {
  /** The route's operationId (functions/api/routes.ts). */
  readonly route: string;
  readonly count: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** The same, of the requests started after the warm-up (the first WARM_UP_SECONDS: cold handlers, JIT, connections). */
  readonly steady: { readonly count: number; readonly p50Ms: number; readonly p99Ms: number };
  /** Status code (or `error` for a failed connection) -> answers. */
  readonly statuses: Readonly<Record<string, number>>;
}

export interface LoadBench {
  readonly clients: number;
  readonly seconds: number;
  /** Wall time of the load phase, the last requests in flight included. */
  readonly elapsedSeconds: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly writeShare: number;
  /** The `steady` figures leave out requests started in the first this many seconds. */
  readonly warmUpSeconds: number;
  readonly routes: readonly RouteFigures[];
  /** Answers 500 to 599. */
  readonly serverErrors: number;
  /** Requests that got no HTTP answer at all. */
  readonly transportErrors: number;
  /** The event loop's delay, p50 and p99 (ms): the clients, the gateway and the handlers share one process. */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number };
  /** Up to 10 examples of 5xx answers and transport errors. */
  readonly failures: readonly string[];
  readonly batches: { readonly accepted: number; readonly records: number; readonly recordsPerSecond: number };
  readonly log: {
    readonly entries: number;
    readonly exportBytes: number;
    readonly exportMs: number;
    readonly verifyMs: number;
    /** The export verified with the log's key, and holds the registration and every accepted batch. */
    readonly verified: boolean;
    readonly detail: string;
  };
}

/** Batches carry this many new participants each (about 10 to 40 records). */
const PARTICIPANTS_PER_BATCH = 2;
const WRITE_SHARE = 0.2;
/** Requests started in the first seconds meet cold handler modules, V8 and DynamoDB Local's JIT, and new connections. */
const WARM_UP_SECONDS = 10;

type Reader = Exclude<ApiRole, 'operator'>;

/** The reads, with their weights (out of the 80% of requests that read) and who may call them. */
const READS: readonly { route: string; weight: number; roles: readonly ApiRole[] }[] = [
  { route: 'getCheckpoint', weight: 16, roles: ['evaluator', 'ministry', 'investor'] },
  { route: 'getEntryProof', weight: 14, roles: ['evaluator', 'ministry', 'investor'] },
  { route: 'getConsistencyProof', weight: 10, roles: ['evaluator', 'ministry', 'investor'] },
  { route: 'listPayments', weight: 8, roles: ['evaluator', 'ministry', 'investor'] },
  { route: 'getContract', weight: 8, roles: ['evaluator', 'ministry', 'investor'] },
  { route: 'queryRecords', weight: 12, roles: ['evaluator'] },
  { route: 'getBatch', weight: 12, roles: ['evaluator', 'ministry'] },
];
const READ_WEIGHT = READS.reduce((n, r) => n + r.weight, 0);

/** The read whose share of READ_WEIGHT holds `x`. */
function pickRead(x: number): (typeof READS)[number] {
  let sum = 0;
  for (const read of READS) {
    sum += read.weight;
    if (x < sum) return read;
  }
  return READS[READS.length - 1] as (typeof READS)[number];
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const randomInt = (from: number, to: number) => from + Math.floor(Math.random() * (to - from + 1));

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Writes stack.json for the throwaway services, as `sib stack up` would: the handlers find the stack through it. */
function writeStackFile(dataDir: string, services: Awaited<ReturnType<typeof throwawayStack>>): void {
  const { config } = services;
  const stack: LocalStackFile = {
    ...config,
    dynamodb: {
      ...config.dynamodb,
      pid: services.dynamodb.pid,
      port: Number(new URL(config.dynamodb.endpoint).port),
    },
    s3: { ...config.s3, pid: services.s3.pid, port: Number(new URL(config.s3.endpoint).port) },
    startedAt: new Date().toISOString(),
  };
  writeFileSync(stackFilePath(dataDir), `${JSON.stringify(stack, null, 2)}\n`);
}

export async function benchLoad(options: { clients?: number; seconds?: number } = {}): Promise<LoadBench> {
  const clients = options.clients ?? 200;
  const seconds = options.seconds ?? 60;
  const services = await throwawayStack('load');
  const dataDir = join(services.dir, 'data');
  const contractsDir = join(services.dir, 'contracts');
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(contractsDir, { recursive: true });
  writeStackFile(dataDir, services);

  const saved = Object.fromEntries(
    ['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED', 'POWERTOOLS_DEV'].map(
      (n) => [n, process.env[n]],
    ),
  );
  process.env.SIB_DATA_DIR = dataDir;
  process.env.SIB_CONTRACTS_DIR = contractsDir;
  // A log line per request from 200 clients would measure the terminal: errors only, and no EMF metrics. Set
  // before the gateway loads the handler modules, whose Powertools singletons read them.
  process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  // Metrics then warn through the global console (not a console of their own) that there is nothing to publish.
  process.env.POWERTOOLS_DEV = 'true';
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === 'string' && args[0].startsWith('No application metrics to publish')) return;
    warn(...args);
  };
  resetRuntime();

  const gateway = await startGateway({ dataDir, port: 0 });
  try {
    // The contract: a copy of Second Chance under its own id, as a profile file (the ingest reads it) and registered.
    const contract = 'load-second-chance';
    const shipped = JSON.parse(
      readFileSync(join(import.meta.dirname, '..', 'contracts', 'second-chance-kamchatka.json'), 'utf8'),
    ) as Record<string, unknown>;
    const spec = { ...shipped, id: contract };
    writeFileSync(join(contractsDir, `${contract}.json`), JSON.stringify(spec));
    const profile: ContractProfile = await loadProfile(contract);

    const token = async (role: ApiRole) =>
      (await issueToken({ dataDir, sub: `load-${role}`, role, contracts: [contract] })).token;
    const api = new ApiClient({ baseUrl: gateway.url });
    const as: Record<ApiRole, ApiClient> = {
      operator: api.as(await token('operator')),
      ministry: api.as(await token('ministry')),
      investor: api.as(await token('investor')),
      evaluator: api.as(await token('evaluator')),
    };
    await as.ministry.call('registerContract', { body: spec });

    // Shared state the readers draw on: accepted batch ids and the latest tree size known.
    const accepted: string[] = [];
    let records = 0;
    let size = 1;
    let nextBatch = 0;
    const submit = async () => {
      const n = nextBatch++;
      const batchId = `load-${n}`;
      const values = generateCohort({
        seed: 6,
        participants: PARTICIPANTS_PER_BATCH,
        profile,
        firstParticipant: 1 + ((n * PARTICIPANTS_PER_BATCH) % 999_000),
      });
      const answer = await as.operator.call<{ seq: number; recordCount: number }>('submitBatch', {
        params: { contract },
        body: { batchId, records: values },
      });
      accepted.push(batchId);
      records += answer.body.recordCount;
      size = Math.max(size, answer.body.seq + 1);
    };
    // One batch before the clients start: something to read from the first request on.
    await submit();

    /** Per route: [started after the load began (ms), latency (ms)]. */
    const latencies = new Map<string, [number, number][]>();
    const statuses = new Map<string, Map<string, number>>();
    const failures: string[] = [];
    let serverErrors = 0;
    let transportErrors = 0;
    const record = (route: string, at: number, ms: number, status: string, detail?: string) => {
      const list = latencies.get(route) ?? [];
      latencies.set(route, list);
      list.push([at, ms]);
      const counts = statuses.get(route) ?? new Map<string, number>();
      statuses.set(route, counts);
      counts.set(status, (counts.get(status) ?? 0) + 1);
      if (status === 'error') transportErrors++;
      if (/^5/.test(status)) serverErrors++;
      if ((status === 'error' || /^5/.test(status)) && failures.length < 10)
        failures.push(`${route} ${status} ${detail}`);
    };

    const read = async (route: string, client: ApiClient) => {
      switch (route) {
        case 'getCheckpoint': {
          const answer = await client.call<{ size: number }>(route, { params: { contract } });
          size = Math.max(size, answer.body.size);
          return;
        }
        case 'getEntryProof':
          await client.call(route, { params: { contract, seq: randomInt(0, size - 1) } });
          return;
        case 'getConsistencyProof':
          await client.call(route, { params: { contract }, query: { from: randomInt(1, size) } });
          return;
        case 'queryRecords': {
          const batch = pick(accepted);
          await client.call(route, {
            params: { contract },
            query: Math.random() < 0.5 ? { batch } : { type: 'enrolment', from: '2024-03-01', to: '2024-03-07' },
          });
          return;
        }
        case 'getBatch':
          await client.call(route, { params: { contract, batchId: pick(accepted) } });
          return;
        default:
          await client.call(route, { params: { contract } });
      }
    };

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const deadline = performance.now() + seconds * 1000;
    const started = performance.now();
    const worker = async () => {
      while (performance.now() < deadline) {
        let route: string;
        let run: () => Promise<void>;
        if (Math.random() < WRITE_SHARE) {
          route = 'submitBatch';
          run = submit;
        } else {
          const chosen = pickRead(Math.random() * READ_WEIGHT);
          route = chosen.route;
          const client = as[pick(chosen.roles) as Reader];
          run = () => read(route, client);
        }
        const t0 = performance.now();
        try {
          await run();
          record(route, t0 - started, performance.now() - t0, '2xx');
        } catch (error) {
          const ms = performance.now() - t0;
          if (error instanceof ApiError) record(route, t0 - started, ms, String(error.status), error.message);
          else record(route, t0 - started, ms, 'error', (error as Error).message);
        }
      }
    };
    await Promise.all(Array.from({ length: clients }, worker));
    const elapsedSeconds = (performance.now() - started) / 1000;
    loop.disable();
    const eventLoopDelayMs = { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6 };

    // The log afterwards: exported through the API, verified offline with the log's key.
    let t0 = performance.now();
    const exported = await as.ministry.call<string>('exportLog', { params: { contract } });
    const exportMs = performance.now() - t0;
    const bytes = new TextEncoder().encode(exported.text);
    const rt = await runtime();
    const key = await logVerifierKey(rt.signer, contract);
    t0 = performance.now();
    const verification = await verifyExportBytes(bytes, [key], { contract });
    const verifyMs = performance.now() - t0;
    // Every accepted batch is in the log, and nothing but the registration and batches that were submitted.
    const lines = exported.text.split('\n').filter((l) => l !== '');
    const entries = lines.length - 1;
    const logged = new Set(
      lines.slice(0, -1).map((l) => (JSON.parse(l) as { body?: { batchId?: string } }).body?.batchId),
    );
    const missing = accepted.filter((id) => !logged.has(id));
    const verified = verification.ok && missing.length === 0 && entries <= 1 + nextBatch;
    const detail = !verification.ok
      ? `verification failed: ${JSON.stringify(verification).slice(0, 300)}`
      : `${entries} entries: the registration and ${entries - 1} batches; ${missing.length === 0 ? 'every accepted batch is there' : `${missing.length} accepted batches missing`}${entries > 1 + nextBatch ? `; more entries than the ${nextBatch} batches submitted` : ''}`;

    const warmUpMs = Math.min(WARM_UP_SECONDS, seconds / 6) * 1000;
    const routes: RouteFigures[] = [...latencies.entries()]
      .map(([route, list]) => {
        const sorted = list.map(([, ms]) => ms).sort((a, b) => a - b);
        const warm = list
          .filter(([at]) => at >= warmUpMs)
          .map(([, ms]) => ms)
          .sort((a, b) => a - b);
        return {
          route,
          count: list.length,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          maxMs: sorted.at(-1) ?? 0,
          steady: { count: warm.length, p50Ms: percentile(warm, 50), p99Ms: percentile(warm, 99) },
          statuses: Object.fromEntries([...(statuses.get(route) ?? new Map<string, number>())].sort()),
        };
      })
      .sort((a, b) => b.count - a.count);
    const requests = routes.reduce((n, r) => n + r.count, 0);
    return {
      clients,
      seconds,
      elapsedSeconds,
      requests,
      requestsPerSecond: requests / elapsedSeconds,
      writeShare: (latencies.get('submitBatch')?.length ?? 0) / Math.max(1, requests),
      warmUpSeconds: warmUpMs / 1000,
      routes,
      serverErrors,
      transportErrors,
      eventLoopDelayMs,
      failures,
      batches: { accepted: accepted.length, records, recordsPerSecond: records / elapsedSeconds },
      log: { entries, exportBytes: bytes.length, exportMs, verifyMs, verified, detail },
    };
  } finally {
    await gateway.close();
    const rt = await runtime().catch(() => undefined);
    rt?.dynamo.destroy();
    rt?.s3.destroy();
    resetRuntime();
    console.warn = warn;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await services.stop();
  }
}

/** Throws unless the run had no 5xx, no failed connection, and a log that verified. */
export function assertLoadOk(result: LoadBench): void {
  const problems = [
    result.serverErrors > 0 && `${result.serverErrors} answers were 5xx`,
    result.transportErrors > 0 && `${result.transportErrors} requests got no answer`,
    !result.log.verified && `the log did not verify: ${result.log.detail}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) throw new Error(`load benchmark failed: ${problems.join('; ')}`);
}

/** The figures as lines of text. */
export function formatLoad(result: LoadBench): string[] {
  const fmt = (n: number, digits = 1) => n.toFixed(digits);
  const lines = [
    `Load: ${result.clients} concurrent clients for ${result.seconds} s against the local gateway (${fmt(result.elapsedSeconds)} s with the last requests in flight):`,
    `  ${result.requests.toLocaleString('en')} requests = ${fmt(result.requestsPerSecond)} requests/s; writes ${fmt(result.writeShare * 100)}%; ${result.batches.accepted.toLocaleString('en')} batches accepted (${result.batches.records.toLocaleString('en')} records, ${fmt(result.batches.recordsPerSecond, 0)} records/s)`,
    `  ${''.padEnd(20)} ${'all requests'.padEnd(34)}  after the first ${fmt(result.warmUpSeconds, 0)} s`,
    `  ${'route'.padEnd(20)} ${'count'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)}  ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}  statuses`,
  ];
  for (const r of result.routes) {
    const statuses = Object.entries(r.statuses)
      .map(([s, n]) => `${s}: ${n}`)
      .join(', ');
    lines.push(
      `  ${r.route.padEnd(20)} ${String(r.count).padStart(7)} ${fmt(r.p50Ms).padStart(8)} ${fmt(r.p99Ms).padStart(8)} ${fmt(r.maxMs).padStart(8)}  ${fmt(r.steady.p50Ms).padStart(8)} ${fmt(r.steady.p99Ms).padStart(8)}  ${statuses}`,
    );
  }
  lines.push(
    `  5xx answers: ${result.serverErrors}; requests without an answer: ${result.transportErrors}; event loop delay (clients, gateway and handlers in one process) p50 ${fmt(result.eventLoopDelayMs.p50)} ms, p99 ${fmt(result.eventLoopDelayMs.p99)} ms`,
    `  log afterwards: export ${fmt(result.log.exportBytes / 1e6, 2)} MB in ${fmt(result.log.exportMs, 0)} ms; offline verification ${fmt(result.log.verifyMs, 1)} ms: ${result.log.verified ? 'OK' : 'FAILED'}, ${result.log.detail}`,
  );
  for (const f of result.failures) lines.push(`  failure: ${f}`);
  return lines;
}

if (import.meta.main) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i < 0 ? undefined : Number(process.argv[i + 1]);
  };
  const clients = arg('--clients');
  const seconds = arg('--seconds');
  const result = await benchLoad({
    ...(clients === undefined ? {} : { clients }),
    ...(seconds === undefined ? {} : { seconds }),
  });
  console.log(formatLoad(result).join('\n'));
  assertLoadOk(result);
}
