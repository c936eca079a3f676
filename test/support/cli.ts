/** Running the `sib` CLI in tests as a user would, against the shared test stack. */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { DYNAMO_MARKER, S3_MARKER } from '../../infra/local/processes.ts';
import type { LocalStackFile } from '../../infra/local/stack.ts';
import { testStack } from './stack.ts';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SIB = join(REPO, 'cli/bin/sib.js');

export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sib <args>` with the pinned Node (vitest's own) in data dir `dataDir` (and a config dir of its own), from `cwd`. */
export function sib(
  dataDir: string,
  args: readonly string[],
  input?: string,
  extraEnv: Record<string, string> = {},
  cwd: string = REPO,
): Promise<Run> {
  // The user's config dir (remembered checkpoints) lives with the test's data dir, never in the real home.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SIB_CONFIG_DIR: join(dataDir, 'user-config'),
    ...extraEnv,
    SIB_DATA_DIR: dataDir,
  };
  delete env.SIB_DEBUG; // it adds stack traces
  delete env.NODE_OPTIONS; // whatever the test runner injects is not the user's environment
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIB, ...args], { cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

/** Lines of some output, without the empty one after the final newline. */
export const lines = (text: string) => text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);

const portOf = (endpoint: string) => Number(new URL(endpoint).port);

/**
 * The pid of the test stack's service listening on `port`, found by its
 * command line (where /proc exists); `sib` checks the same marker to decide
 * that a stack is running.
 */
function servicePid(marker: string, portFlag: string, port: number): number {
  if (!existsSync('/proc/self/cmdline')) return process.pid; // without /proc any live pid passes
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let args: string[];
    try {
      args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // exited meanwhile
    }
    const at = args.indexOf(portFlag);
    if (args.some((a) => a.includes(marker)) && at >= 0 && args[at + 1] === String(port)) return Number(name);
  }
  throw new Error(`no process with ${marker} ${portFlag} ${port}: is the test stack running?`);
}

/** A stack.json that makes `sib` use the shared test stack (never run `sib stack down` on it). */
export function stackFileFor(stack: StackConfig): LocalStackFile {
  const dynamoPort = portOf(stack.dynamodb.endpoint);
  const s3Port = portOf(stack.s3.endpoint);
  return {
    ...stack,
    dynamodb: { ...stack.dynamodb, port: dynamoPort, pid: servicePid(DYNAMO_MARKER, '-port', dynamoPort) },
    s3: { ...stack.s3, port: s3Port, pid: servicePid(S3_MARKER, '--port', s3Port) },
    startedAt: '2024-01-01T00:00:00.000Z',
  };
}

/** A fresh data dir, removed after the describe block; with `withStack`, wired to the test stack. */
export function useDataDir(options: { withStack: boolean }): { readonly path: string } {
  const dir = { path: '' };
  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), 'sib-cli-'));
    if (options.withStack) {
      await writeFile(join(dir.path, 'stack.json'), `${JSON.stringify(stackFileFor(testStack()), null, 2)}\n`);
    }
  });
  afterAll(async () => {
    if (dir.path) await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}
