/**
 * The witness's durable state, one JSON file per log origin under the state
 * directory: the latest cosigned size and root, and the refusals it made.
 * Each write goes to a temporary file, is fsynced, renamed over the old one,
 * and the directory fsynced, so a crash leaves the old state or the new one.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ValidationError } from '#kernel';
import type { WitnessLogState } from '#ledger';

const LOGS_DIR = 'logs';

function fileOf(dir: string, origin: string): string {
  return join(dir, LOGS_DIR, `${createHash('sha256').update(origin).digest('hex').slice(0, 32)}.json`);
}

function checkState(value: unknown, file: string, origin?: string): WitnessLogState {
  const s = value as WitnessLogState;
  const ok =
    typeof s === 'object' &&
    s !== null &&
    typeof s.origin === 'string' &&
    (origin === undefined || s.origin === origin) &&
    Number.isSafeInteger(s.size) &&
    s.size >= 0 &&
    typeof s.root === 'string' &&
    Array.isArray(s.refusals);
  if (!ok) throw new ValidationError(`witness state file ${file} is damaged; refusing to guess the log's state`);
  return s;
}

export class WitnessStateDir {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The recorded state of the log, or undefined if the witness never cosigned nor refused it. */
  async read(origin: string): Promise<WitnessLogState | undefined> {
    const file = fileOf(this.dir, origin);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return checkState(JSON.parse(text), file, origin);
  }

  /** Writes the log's state durably (temp file, fsync, rename, fsync of the directory). */
  async write(state: WitnessLogState): Promise<void> {
    const dir = join(this.dir, LOGS_DIR);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = fileOf(this.dir, state.origin);
    const temp = `${file}.${process.pid}.tmp`;
    const handle = await open(temp, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(state, null, 2)}\n`);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    await rename(temp, file);
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  /** Every log's recorded state, by origin. */
  async all(): Promise<WitnessLogState[]> {
    const dir = join(this.dir, LOGS_DIR);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    const states: WitnessLogState[] = [];
    for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
      const file = join(dir, name);
      states.push(checkState(JSON.parse(await readFile(file, 'utf8')), file));
    }
    return states.sort((a, b) => a.origin.localeCompare(b.origin));
  }
}
