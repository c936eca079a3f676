/**
 * The local stack: DynamoDB Local and s3rver running detached under one data
 * dir. <data dir>/stack.json exists exactly while both are up and provisioned;
 * it is what the CLI and the functions read to find them.
 */

import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, type DynamoDBClientConfig, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ListBucketsCommand, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import {
  assertPortFree,
  checkJava,
  DYNAMO_MARKER,
  isAlive,
  S3_MARKER,
  type ServiceProcess,
  serviceMarkers,
  startDynamo,
  startS3,
  stopProcess,
  waitReady,
} from './processes.ts';
import { createBuckets, createTables, localBucketNames, localTableNames } from './provision.ts';

export const REGION = 'us-east-1';
export const DEFAULT_DYNAMO_PORT = 8000;
export const DEFAULT_S3_PORT = 4569;

export function dataDir(): string {
  return resolve(process.env.SIB_DATA_DIR || '.data');
}

export function stackFilePath(dir: string): string {
  return join(dir, 'stack.json');
}

interface LocalService {
  readonly endpoint: string;
  readonly pid: number;
  readonly port: number;
}

/** The content of stack.json: a StackConfig plus what is needed to manage the processes. */
export interface LocalStackFile extends StackConfig {
  readonly dynamodb: LocalService;
  readonly s3: LocalService;
  readonly startedAt: string;
}

/** SDK client options for the local endpoints: `new DynamoDBClient(clientConfig(cfg))`, `new S3Client(clientConfig(cfg, 's3'))`. */
export function clientConfig(cfg: StackConfig, service?: 'dynamodb'): DynamoDBClientConfig;
export function clientConfig(cfg: StackConfig, service: 's3'): S3ClientConfig;
export function clientConfig(
  cfg: StackConfig,
  service: 'dynamodb' | 's3' = 'dynamodb',
): DynamoDBClientConfig | S3ClientConfig {
  // s3rver only accepts signatures made with its built-in S3RVER key; DynamoDB Local accepts any key.
  const common = { region: cfg.region, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } };
  if (service === 'dynamodb') return { ...common, endpoint: cfg.dynamodb.endpoint };
  return {
    ...common,
    endpoint: cfg.s3.endpoint,
    forcePathStyle: true,
    // s3rver predates flexible checksums: it would store an aws-chunked body with its framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

async function dynamoAnswers(cfg: StackConfig, abortSignal: AbortSignal): Promise<void> {
  const client = new DynamoDBClient({ ...clientConfig(cfg), maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }), { abortSignal });
  } finally {
    client.destroy();
  }
}

async function s3Answers(cfg: StackConfig, abortSignal: AbortSignal): Promise<void> {
  const client = new S3Client({ ...clientConfig(cfg, 's3'), maxAttempts: 1 });
  try {
    await client.send(new ListBucketsCommand({}), { abortSignal });
  } finally {
    client.destroy();
  }
}

export async function provision(cfg: StackConfig): Promise<void> {
  const dynamodb = new DynamoDBClient(clientConfig(cfg));
  const s3 = new S3Client(clientConfig(cfg, 's3'));
  try {
    await Promise.all([createTables(dynamodb, cfg.tables), createBuckets(s3, cfg.buckets)]);
  } finally {
    dynamodb.destroy();
    s3.destroy();
  }
}

export interface ServicesOptions {
  readonly dynamoPort: number;
  readonly s3Port: number;
  /** null keeps DynamoDB Local in memory. */
  readonly dynamoDbPath: string | null;
  readonly s3Directory: string;
  readonly logDir: string;
  readonly detached: boolean;
  readonly readyTimeoutMs?: number;
  /** Ingest uploads under uploads/ as S3 event notifications would (the stack's data dir). */
  readonly eventsDataDir?: string;
}

export interface Services {
  readonly config: StackConfig;
  readonly dynamodb: ServiceProcess;
  readonly s3: ServiceProcess;
}

/** Starts both services and provisions them; on any failure stops whatever it started. */
export async function startServices(options: ServicesOptions): Promise<Services> {
  checkJava();
  if (options.dynamoPort === options.s3Port) {
    throw new Error(`DynamoDB Local and S3 cannot share port ${options.dynamoPort}; choose another with --s3-port <n>`);
  }
  await assertPortFree(options.dynamoPort, 'DynamoDB Local', '--dynamo-port <n> or SIB_DYNAMO_PORT');
  await assertPortFree(options.s3Port, 'S3 (s3rver)', '--s3-port <n> or SIB_S3_PORT');
  for (const dir of [options.dynamoDbPath, options.s3Directory, options.logDir]) {
    if (dir) mkdirSync(dir, { recursive: true });
  }
  const config: StackConfig = {
    version: 1,
    region: REGION,
    dynamodb: { endpoint: `http://127.0.0.1:${options.dynamoPort}` },
    s3: { endpoint: `http://127.0.0.1:${options.s3Port}` },
    tables: localTableNames(),
    buckets: localBucketNames(),
  };
  const timeout = options.readyTimeoutMs ?? 60_000;
  const started: ServiceProcess[] = [];
  // Detached services would outlive a Ctrl-C during startup, unrecorded in any stack.json.
  const interrupted = () => {
    for (const p of started) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
    process.exit(130);
  };
  if (options.detached) process.once('SIGINT', interrupted);
  try {
    const dynamodb = startDynamo({
      port: options.dynamoPort,
      dbPath: options.dynamoDbPath,
      logFile: join(options.logDir, 'dynamodb.log'),
      detached: options.detached,
    });
    started.push(dynamodb);
    const s3 = startS3({
      port: options.s3Port,
      directory: options.s3Directory,
      logFile: join(options.logDir, 's3.log'),
      detached: options.detached,
      ...(options.eventsDataDir ? { eventsDataDir: options.eventsDataDir } : {}),
    });
    started.push(s3);
    await Promise.all([
      waitReady(dynamodb, (signal) => dynamoAnswers(config, signal), timeout),
      waitReady(s3, (signal) => s3Answers(config, signal), timeout),
    ]);
    await provision(config);
    return { config, dynamodb, s3 };
  } catch (error) {
    await Promise.all(started.map((p) => stopProcess(p.pid, p.marker)));
    throw error;
  } finally {
    process.off('SIGINT', interrupted);
  }
}

export async function stopServices(services: Services): Promise<void> {
  await Promise.all([services.dynamodb, services.s3].map((p) => stopProcess(p.pid, p.marker)));
}

/** Serialises stack commands on one data dir, so two `up`s cannot both start services. */
async function withLock<T>(dir: string, fn: () => Promise<T>, timeoutMs = 120_000): Promise<T> {
  const lockFile = join(dir, 'stack.lock');
  const deadline = Date.now() + timeoutMs;
  while (!tryLock(lockFile)) {
    if (Date.now() >= deadline) {
      throw new Error(`Another sib stack command is still running (lock ${lockFile}); remove the file if none is`);
    }
    await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

function tryLock(lockFile: string): boolean {
  try {
    const fd = openSync(lockFile, 'wx');
    try {
      writeSync(fd, String(process.pid));
    } finally {
      closeSync(fd);
    }
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  let holder = Number.NaN;
  try {
    holder = Number.parseInt(readFileSync(lockFile, 'utf8'), 10);
  } catch {
    // Released since we tried: retry.
  }
  // A crashed command leaves its lock behind; an empty file is one being written right now.
  if (Number.isInteger(holder) && !isAlive(holder)) rmSync(lockFile, { force: true });
  return false;
}

type StackState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'unreadable'; readonly reason: string }
  | { readonly kind: 'running'; readonly stack: LocalStackFile }
  | {
      readonly kind: 'stale';
      readonly stack: LocalStackFile;
      readonly dynamoAlive: boolean;
      readonly s3Alive: boolean;
    };

function readStack(dir: string): StackState {
  let text: string;
  try {
    text = readFileSync(stackFilePath(dir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw error;
  }
  let stack: LocalStackFile;
  try {
    stack = JSON.parse(text) as LocalStackFile;
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  }
  if (stack?.version !== 1 || !Number.isInteger(stack.dynamodb?.pid) || !Number.isInteger(stack.s3?.pid)) {
    return { kind: 'unreadable', reason: 'not a version 1 stack file' };
  }
  // The jar or script AND the port recorded: a pid reused by another stack's service is not ours.
  const dynamoAlive = isAlive(stack.dynamodb.pid, serviceMarkers(DYNAMO_MARKER, stack.dynamodb.port));
  const s3Alive = isAlive(stack.s3.pid, serviceMarkers(S3_MARKER, stack.s3.port));
  return dynamoAlive && s3Alive ? { kind: 'running', stack } : { kind: 'stale', stack, dynamoAlive, s3Alive };
}

function describe(stack: LocalStackFile): string {
  return `DynamoDB Local at ${stack.dynamodb.endpoint} (pid ${stack.dynamodb.pid}), S3 at ${stack.s3.endpoint} (pid ${stack.s3.pid})`;
}

/** Stops whatever is left of a stack (pids are checked against their command line first) and forgets it. */
async function clear(dir: string, state: Exclude<StackState, { kind: 'absent' }>): Promise<string> {
  const file = stackFilePath(dir);
  let detail: string;
  if (state.kind === 'unreadable') {
    detail = `unreadable: ${state.reason}`;
  } else {
    await Promise.all([
      stopProcess(state.stack.dynamodb.pid, serviceMarkers(DYNAMO_MARKER, state.stack.dynamodb.port)),
      stopProcess(state.stack.s3.pid, serviceMarkers(S3_MARKER, state.stack.s3.port)),
    ]);
    if (state.kind === 'running') {
      rmSync(file, { force: true });
      return `Local stack stopped (${describe(state.stack)}); data kept in ${dir}`;
    }
    const gone = [!state.dynamoAlive && 'DynamoDB Local', !state.s3Alive && 'S3'].filter(Boolean).join(' and ');
    const stopped = [state.dynamoAlive && 'DynamoDB Local', state.s3Alive && 'S3'].filter(Boolean).join(' and ');
    detail = `${gone} no longer running${stopped ? `; stopped the remaining ${stopped}` : ''}`;
  }
  rmSync(file, { force: true });
  return `Removed stale ${file} (${detail})`;
}

export interface StackUpOptions {
  readonly dataDir: string;
  readonly dynamoPort?: number;
  readonly s3Port?: number;
  readonly readyTimeoutMs?: number;
}

export interface StackResult {
  readonly status: 'started' | 'already-running' | 'stopped' | 'not-running';
  /** Lines for the user. */
  readonly messages: readonly string[];
}

export async function stackUp(options: StackUpOptions): Promise<StackResult & { readonly stack: LocalStackFile }> {
  const dir = resolve(options.dataDir);
  mkdirSync(dir, { recursive: true });
  return withLock(dir, async () => {
    const previous = readStack(dir);
    if (previous.kind === 'running') {
      return {
        status: 'already-running',
        stack: previous.stack,
        messages: [`The local stack is already running: ${describe(previous.stack)}`],
      };
    }
    const messages = previous.kind === 'absent' ? [] : [`${await clear(dir, previous)}; starting fresh, data kept`];
    const dynamoPort = options.dynamoPort ?? DEFAULT_DYNAMO_PORT;
    const s3Port = options.s3Port ?? DEFAULT_S3_PORT;
    const services = await startServices({
      dynamoPort,
      s3Port,
      dynamoDbPath: join(dir, 'dynamodb'),
      s3Directory: join(dir, 's3'),
      logDir: join(dir, 'logs'),
      detached: true,
      eventsDataDir: dir,
      readyTimeoutMs: options.readyTimeoutMs,
    });
    const { config } = services;
    const stack: LocalStackFile = {
      ...config,
      dynamodb: { ...config.dynamodb, pid: services.dynamodb.pid, port: dynamoPort },
      s3: { ...config.s3, pid: services.s3.pid, port: s3Port },
      startedAt: new Date().toISOString(),
    };
    // Readers never see a half-written file.
    const file = stackFilePath(dir);
    writeFileSync(`${file}.${process.pid}.tmp`, `${JSON.stringify(stack, null, 2)}\n`);
    renameSync(`${file}.${process.pid}.tmp`, file);
    messages.push(`Local stack started: ${describe(stack)}; data in ${dir}`);
    return { status: 'started', stack, messages };
  });
}

export async function stackDown(dataDir: string): Promise<StackResult> {
  const dir = resolve(dataDir);
  const notRunning = `The local stack is not running (no ${stackFilePath(dir)})`;
  if (!existsSync(dir)) return { status: 'not-running', messages: [notRunning] };
  return withLock(dir, async () => {
    const state = readStack(dir);
    if (state.kind === 'absent') return { status: 'not-running', messages: [notRunning] };
    const message = await clear(dir, state);
    if (state.kind === 'running') return { status: 'stopped', messages: [message] };
    return { status: 'not-running', messages: [`The local stack was not running: ${message}`] };
  });
}

export interface ServiceStatus {
  readonly name: string;
  readonly state: 'running' | 'stopped';
  readonly pid: number | null;
  readonly endpoint: string | null;
  readonly answers: boolean;
}

export interface StackStatus {
  readonly dataDir: string;
  readonly stackFile: string;
  readonly running: boolean;
  readonly note: string | null;
  readonly services: { readonly dynamodb: ServiceStatus; readonly s3: ServiceStatus };
}

async function answers(probe: (signal: AbortSignal) => Promise<void>): Promise<boolean> {
  return probe(AbortSignal.timeout(3_000)).then(
    () => true,
    () => false,
  );
}

export async function stackStatus(dataDir: string): Promise<StackStatus> {
  const dir = resolve(dataDir);
  const stackFile = stackFilePath(dir);
  const state = readStack(dir);
  const stopped = (name: string): ServiceStatus => ({
    name,
    state: 'stopped',
    pid: null,
    endpoint: null,
    answers: false,
  });
  if (state.kind === 'absent' || state.kind === 'unreadable') {
    const note = state.kind === 'absent' ? `no ${stackFile}` : `unreadable ${stackFile}: ${state.reason}`;
    const services = { dynamodb: stopped('DynamoDB Local'), s3: stopped('S3 (s3rver)') };
    return { dataDir: dir, stackFile, running: false, note, services };
  }
  const { stack } = state;
  const dynamoAlive = state.kind === 'running' || state.dynamoAlive;
  const s3Alive = state.kind === 'running' || state.s3Alive;
  const service = async (name: string, svc: LocalService, up: boolean, probe: typeof dynamoAnswers) => ({
    name,
    state: up ? ('running' as const) : ('stopped' as const),
    pid: svc.pid,
    endpoint: svc.endpoint,
    answers: await answers((signal) => probe(stack, signal)),
  });
  const [dynamodb, s3] = await Promise.all([
    service('DynamoDB Local', stack.dynamodb, dynamoAlive, dynamoAnswers),
    service('S3 (s3rver)', stack.s3, s3Alive, s3Answers),
  ]);
  const note = state.kind === 'stale' ? `stale ${stackFile}: \`sib stack up\` will clean it up` : null;
  return { dataDir: dir, stackFile, running: state.kind === 'running', note, services: { dynamodb, s3 } };
}

/** Where the running local stack is; throws a one-line error when it is not running. */
export function loadStackConfig(dir: string = dataDir()): StackConfig {
  const file = stackFilePath(resolve(dir));
  const state = readStack(resolve(dir));
  if (state.kind !== 'running') {
    const why = state.kind === 'absent' ? `no ${file}` : `stale ${file}`;
    throw new Error(`The local stack is not running (${why}): start it with: npx sib stack up`);
  }
  const { version, region, tables, buckets, dynamodb, s3 } = state.stack;
  return {
    version,
    region,
    tables,
    // A stack.json written before a bucket was added names it as the current version would.
    buckets: { ...localBucketNames(), ...buckets },
    dynamodb: { endpoint: dynamodb.endpoint },
    s3: { endpoint: s3.endpoint },
  };
}
