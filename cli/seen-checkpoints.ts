/**
 * The last checkpoint this user verified of each log, kept in the user's own
 * config dir (SIB_CONFIG_DIR, else $XDG_CONFIG_HOME/sib-ledger, else
 * ~/.config/sib-ledger; never the data dir, which the party running the log
 * can restore): one file per log, keyed by its origin and the log key that
 * signed it. `sib ledger verify`, `sib report verify` and the role commands
 * check every later log against it (a shorter or forked log is refused),
 * then advance it to the newer checkpoint.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fromBase64, toBase64 } from '#kernel';
import type { SeenCheckpoint, VerifiedCheckpoint } from '#ledger';
import { Exit } from './errors.ts';

/** The user's config dir of sib-ledger. */
export function configDir(): string {
  const own = process.env.SIB_CONFIG_DIR;
  if (own !== undefined && own !== '') return own;
  const xdg = process.env.XDG_CONFIG_HOME;
  return join(xdg !== undefined && xdg !== '' ? xdg : join(homedir(), '.config'), 'sib-ledger');
}

/** The log key a checkpoint is remembered under: the first signature that verified (the log's). */
export interface LogId {
  readonly origin: string;
  /** `name+keyid` of the log key. */
  readonly key: string;
}

/** The log a verified checkpoint is of. */
export function logIdOf(cp: VerifiedCheckpoint): LogId | undefined {
  const first = cp.verified[0];
  return first === undefined ? undefined : { origin: cp.origin, key: `${first.name}+${first.keyId}` };
}

/** Where the checkpoint of a log is kept. */
export function seenFile(log: LogId): string {
  const safe = (text: string) => text.replace(/[^A-Za-z0-9._-]/g, '_');
  return join(configDir(), 'checkpoints', `${safe(log.origin)}.${safe(log.key)}.json`);
}

interface SeenRecord {
  origin: string;
  logKey: string;
  size: number;
  /** Base64, as in the checkpoint. */
  root: string;
  /** The signed checkpoint, when it was at hand. */
  note?: string;
}

/** The checkpoint of `log` verified last on this machine, if any; a damaged record is exit 1 naming its file. */
export async function recall(log: LogId): Promise<SeenCheckpoint | undefined> {
  const file = seenFile(log);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new Exit(1, `cannot read ${file}: ${(error as Error).message}`);
  }
  try {
    const record = JSON.parse(text) as SeenRecord;
    if (record.origin !== log.origin || record.logKey !== log.key || !Number.isSafeInteger(record.size)) {
      throw new Error('it is not a checkpoint of this log');
    }
    return {
      origin: record.origin,
      size: record.size,
      root: fromBase64(record.root),
      label: `the checkpoint last verified on this machine (kept in ${file}; delete that file only if this log was reset on purpose)`,
    };
  } catch (error) {
    throw new Exit(1, `${file} is not a remembered checkpoint: ${(error as Error).message}`);
  }
}

/** Keeps `cp` as the last verified checkpoint of `log`, unless the one kept is as large already. */
export async function remember(
  log: LogId,
  cp: { size: number; root: Uint8Array | string },
  note?: string,
): Promise<void> {
  const kept = await recall(log);
  if (kept !== undefined && kept.size >= cp.size) return;
  const file = seenFile(log);
  const record: SeenRecord = {
    origin: log.origin,
    logKey: log.key,
    size: cp.size,
    root: typeof cp.root === 'string' ? cp.root : toBase64(cp.root),
    ...(note === undefined ? {} : { note }),
  };
  await mkdir(join(configDir(), 'checkpoints'), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temp, file);
}
