/**
 * Rollback caught without the user's help: `sib ledger verify --checkpoint`
 * with an export file, and the checkpoint each verifier remembers in the
 * user's config dir (a shorter or forked log is refused, naming both sizes).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '#kernel';
import {
  checkpointOrigin,
  type Entry,
  encodeEntry,
  entryHash,
  logSigner,
  rootFromLeaves,
  signCheckpoint,
} from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { checkpointPk, headKey, logPk } from '../../functions/adapters/ledger-items.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { lines, sib, useDataDir } from '../support/cli.ts';
import { useRoleCli } from '../support/gateway.ts';
import { memorySigner } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const client = dynamoClient();
const doc = DynamoDBDocumentClient.from(client);
const store = new DynamoLedger({ client: doc, tables: testStack().tables });
const TABLE = testStack().tables.ledger;
afterAll(() => client.destroy());

async function filledLog(count: number, contract = `rb-${randomUUID().slice(0, 8)}`): Promise<string> {
  const head = await store.head(contract);
  for (let n = head.size; n < count; n++) {
    await store.append({
      contract,
      idempotencyKey: `k${n}`,
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n } },
    });
  }
  return contract;
}

const exportText = (entries: readonly string[], note: string) =>
  `${[...entries, JSON.stringify({ checkpoint: note })].join('\n')}\n`;

/** The root of a log's entry lines, as a checkpoint carries it. */
const rootOf = (entries: readonly string[]) =>
  toBase64(rootFromLeaves(entries.map((l) => new TextEncoder().encode(l))));

describe('sib ledger verify --file against a kept or remembered checkpoint', () => {
  const data = useDataDir({ withStack: true });
  let contract = '';
  let entries: string[] = [];
  let full = '';
  let kept = '';
  let signer: LocalSigner;
  const path = (name: string) => join(data.path, name);
  /** A fresh config dir: nothing remembered. */
  const fresh = () => ({ SIB_CONFIG_DIR: path(`config-${randomUUID().slice(0, 8)}`) });

  beforeAll(async () => {
    contract = await filledLog(6);
    full = path('full.jsonl');
    expect((await sib(data.path, ['ledger', 'export', '--contract', contract, '-o', full])).code).toBe(0);
    entries = lines(await readFile(full, 'utf8')).slice(0, 6);
    kept = path('kept.checkpoint');
    const cp = await sib(data.path, ['ledger', 'checkpoint', '--contract', contract]);
    await writeFile(kept, cp.stdout);
    signer = await LocalSigner.open({ dataDir: data.path });
  });

  /** The first `size` entries, with a checkpoint the log key signed for them: a log rolled back to `size`. */
  async function truncated(size: number): Promise<string> {
    const origin = checkpointOrigin(signer.name, contract);
    const note = await signCheckpoint({ origin, size, root: Buffer.from(rootOf(entries.slice(0, size)), 'base64') }, [
      logSigner(signer, contract),
    ]);
    const file = path(`truncated-${size}-${randomUUID().slice(0, 8)}.jsonl`);
    await writeFile(file, exportText(entries.slice(0, size), note));
    return file;
  }

  /** The first 4 entries, then two others chained on them, signed by the log key: a fork at size 6. */
  async function forked(): Promise<{ file: string; root: string }> {
    const rewritten = entries.slice(0, 4);
    for (const n of [4, 5]) {
      const entry = JSON.parse(entries[n] as string) as Entry;
      const prev = toHex(entryHash(new TextEncoder().encode(rewritten[n - 1] as string)));
      rewritten.push(new TextDecoder().decode(encodeEntry({ ...entry, prev, body: { n, forked: true } })));
    }
    const root = rootOf(rewritten);
    const origin = checkpointOrigin(signer.name, contract);
    const note = await signCheckpoint({ origin, size: 6, root: Buffer.from(root, 'base64') }, [
      logSigner(signer, contract),
    ]);
    const file = path(`forked-${randomUUID().slice(0, 8)}.jsonl`);
    await writeFile(file, exportText(rewritten, note));
    return { file, root };
  }

  it('uses --checkpoint: the export that extends it verifies (fast and --strict)', async () => {
    const env = fresh();
    for (const extra of [[], ['--strict']]) {
      const run = await sib(data.path, ['ledger', 'verify', '--file', full, '--checkpoint', kept, ...extra], '', env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^OK: 6 entries/);
    }
  });

  it('refuses a forged --checkpoint (root changed, or signed by another key): exit 1', async () => {
    // Prepare
    const note = await readFile(kept, 'utf8');
    const [origin, size, root, ...rest] = note.split('\n');
    const flipped = `${(root as string)[0] === 'A' ? 'B' : 'A'}${(root as string).slice(1)}`;
    const forgedRoot = path('forged-root.checkpoint');
    await writeFile(forgedRoot, [origin, size, flipped, ...rest].join('\n'));
    const other = logSigner(memorySigner(signer.name).signer, contract);
    const forgedKey = path('forged-key.checkpoint');
    await writeFile(
      forgedKey,
      await signCheckpoint({ origin: origin as string, size: 6, root: Buffer.from(rootOf(entries), 'base64') }, [
        other,
      ]),
    );

    for (const forged of [forgedRoot, forgedKey]) {
      // Act
      const run = await sib(data.path, ['ledger', 'verify', '--file', full, '--checkpoint', forged], '', fresh());

      // Assess
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(`--checkpoint ${forged} is not a checkpoint signed by the log key`);
    }
  });

  it('refuses an export shorter than --checkpoint, naming both sizes', async () => {
    const file = await truncated(4);
    const run = await sib(data.path, ['ledger', 'verify', '--file', file, '--checkpoint', kept], '', fresh());
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^FAILED: rollback: the log of .* now holds 4 entries \(root .*\), fewer than the 6 entries/,
    );
    expect(run.stderr).toContain('the checkpoint given with --checkpoint');
  });

  it('refuses an export forked from --checkpoint, naming both sizes and roots', async () => {
    const { file, root } = await forked();
    const run = await sib(data.path, ['ledger', 'verify', '--file', file, '--checkpoint', kept], '', fresh());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `fork: the log of ${signer.name}/${contract} at 6 entries (root ${root}) does not extend`,
    );
  });

  it('--checkpoint of another log: exit 1', async () => {
    const other = await filledLog(2);
    const cp = await sib(data.path, ['ledger', 'checkpoint', '--contract', other]);
    const otherFile = path('other.checkpoint');
    await writeFile(otherFile, cp.stdout);
    const run = await sib(data.path, ['ledger', 'verify', '--file', full, '--checkpoint', otherFile], '', fresh());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`is of log ${signer.name}/${other}, not of ${signer.name}/${contract}`);
  });

  it('remembers the verified checkpoint in the config dir, then refuses a truncated or forked export without --checkpoint', async () => {
    // Prepare: verify the full export once (remembered), nothing in the data dir.
    const env = fresh();
    const first = await sib(data.path, ['ledger', 'verify', '--file', full], '', env);
    expect(first.code, first.stderr).toBe(0);
    const kept = await readdir(join(env.SIB_CONFIG_DIR, 'checkpoints'));
    expect(kept).toHaveLength(1);
    const shorter = await truncated(3);
    const { file: fork } = await forked();

    // Act
    const rolledBack = await sib(data.path, ['ledger', 'verify', '--file', shorter], '', env);
    const forkRun = await sib(data.path, ['ledger', 'verify', '--file', fork, '--strict'], '', env);
    const again = await sib(data.path, ['ledger', 'verify', '--file', full], '', env);

    // Assess
    expect(rolledBack.code).toBe(1);
    expect(rolledBack.stderr).toMatch(
      /rollback: .* now holds 3 entries .*, fewer than the 6 entries .* last verified on this machine/,
    );
    expect(forkRun.code).toBe(1);
    expect(forkRun.stderr).toMatch(/fork: .* at 6 entries .* does not extend the 6 entries/);
    expect(again.code, again.stderr).toBe(0);
    // Alone, with nothing remembered, the shorter export verifies: only the memory caught it.
    expect((await sib(data.path, ['ledger', 'verify', '--file', shorter], '', fresh())).code).toBe(0);
  });

  it('advances the remembered checkpoint when the log grew, and refuses the older export after that', async () => {
    // Prepare
    const env = fresh();
    const older = await truncated(5);
    expect((await sib(data.path, ['ledger', 'verify', '--file', older], '', env)).code).toBe(0);

    // Act
    const grown = await sib(data.path, ['ledger', 'verify', '--file', full], '', env);
    const back = await sib(data.path, ['ledger', 'verify', '--file', older], '', env);

    // Assess
    expect(grown.code, grown.stderr).toBe(0);
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/now holds 5 entries .*, fewer than the 6 entries/);
  });

  it('verify --contract remembers too, in the config dir (never the data dir), and --file advances it', async () => {
    // Prepare: the stored log of a new contract verified at 4 entries, then its export at 5.
    const env = fresh();
    const c = await filledLog(4);
    expect((await sib(data.path, ['ledger', 'checkpoint', '--contract', c])).code).toBe(0);
    expect((await sib(data.path, ['ledger', 'verify', '--contract', c], '', env)).code).toBe(0);
    await filledLog(5, c);
    const file = path(`${c}.jsonl`);
    expect((await sib(data.path, ['ledger', 'export', '--contract', c, '-o', file])).code).toBe(0);
    expect((await sib(data.path, ['ledger', 'verify', '--file', file], '', env)).code).toBe(0);
    const record = JSON.parse(
      await readFile(
        join(env.SIB_CONFIG_DIR, 'checkpoints', (await readdir(join(env.SIB_CONFIG_DIR, 'checkpoints')))[0] as string),
        'utf8',
      ),
    ) as { size: number };
    expect(record.size).toBe(5);
    expect(existsSync(join(data.path, 'checkpoints'))).toBe(false);
  });
});

/** Every stored item of a contract log (its entries, nodes, keys, its checkpoints' partition, HEAD): an older copy of the data file. */
async function snapshot(contract: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const pk of [logPk(contract), checkpointPk(contract)]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  const head = await doc.send(new GetCommand({ TableName: TABLE, Key: headKey(contract) }));
  return [...items, head.Item as Record<string, unknown>];
}

/** Puts an older copy of a log back in place of the log as it is now (a restored DynamoDB file). */
async function restore(contract: string, older: readonly Record<string, unknown>[]): Promise<void> {
  for (const item of await snapshot(contract)) {
    await doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));
  }
  for (const item of older) await doc.send(new PutCommand({ TableName: TABLE, Item: item }));
}

describe('the role commands remember the last checkpoint and refuse a restored older log', () => {
  const cli = useRoleCli();

  it('after an older copy of the log is restored: shorter refused, then forked refused, both sizes named', async () => {
    // Prepare: a log of 4 entries copied, grown to 6, seen by the investor (remembered).
    const contract = await filledLog(4);
    const older = await snapshot(contract);
    await filledLog(6, contract);
    await cli.login('investor', 'investor-1', [contract]);
    const seen = await cli.run(['investor', 'checkpoint', '--contract', contract]);
    expect(seen.code, seen.stderr).toBe(0);
    const record = join(cli.path, 'user-config', 'checkpoints');
    expect(await readdir(record)).toHaveLength(1);

    // Act: the older copy restored; then two other entries appended on it (a fork of the same size).
    await restore(contract, older);
    const shorter = await cli.run(['investor', 'checkpoint', '--contract', contract]);
    await store.append({
      contract,
      idempotencyKey: 'other-4',
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n: 4, other: true } },
    });
    await store.append({
      contract,
      idempotencyKey: 'other-5',
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n: 5, other: true } },
    });
    const forkRun = await cli.run(['investor', 'contract', '--contract', contract]);

    // Assess
    expect(shorter.code).toBe(1);
    expect(shorter.stdout).toBe('');
    expect(shorter.stderr).toMatch(
      /^error: rollback: the log of \S+ now holds 4 entries \(root \S+\), fewer than the 6 entries \(root \S+\) of the checkpoint last verified on this machine/,
    );
    expect(forkRun.code).toBe(1);
    expect(forkRun.stderr).toMatch(
      /^error: fork: the log of \S+ at 6 entries \(root \S+\) does not extend the 6 entries/,
    );
  });

  it('a log that grew is checked with a consistency proof and the remembered checkpoint advances', async () => {
    // Prepare
    const contract = await filledLog(3);
    await cli.login('investor', 'investor-2', [contract]);
    expect((await cli.run(['investor', 'checkpoint', '--contract', contract])).code).toBe(0);
    await filledLog(7, contract);

    // Act
    const grown = await cli.run(['investor', 'checkpoint', '--contract', contract, '--json']);

    // Assess
    expect(grown.code, grown.stderr).toBe(0);
    expect((JSON.parse(grown.stdout) as { size: number }).size).toBe(7);
    const dir = join(cli.path, 'user-config', 'checkpoints');
    const files = await readdir(dir);
    const sizes = await Promise.all(
      files.map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as { origin: string; size: number }),
    );
    expect(sizes.find((r) => r.origin.endsWith(`/${contract}`))?.size).toBe(7);
  });
});

describe('sib report verify against the checkpoint remembered of its log', () => {
  const data = useDataDir({ withStack: false });
  let f: ReportFixture;
  const report = () => join(data.path, 'report.json');
  const verify = (env: Record<string, string>) =>
    sib(data.path, ['report', 'verify', report(), '--key', f.logKey, '--key', f.witnessKey], '', env);

  beforeAll(async () => {
    f = await secondChanceReport();
    await writeFile(report(), f.bytes);
  });

  /** Verifies the report once in a fresh config dir, then rewrites what was remembered. */
  async function remembered(edit: (r: { size: number; root: string }) => void): Promise<Record<string, string>> {
    const env = { SIB_CONFIG_DIR: join(data.path, `config-${randomUUID().slice(0, 8)}`) };
    const first = await verify(env);
    expect(first.code, first.stderr).toBe(0);
    const dir = join(env.SIB_CONFIG_DIR, 'checkpoints');
    const file = join(dir, (await readdir(dir))[0] as string);
    const record = JSON.parse(await readFile(file, 'utf8')) as { size: number; root: string };
    edit(record);
    await writeFile(file, JSON.stringify(record));
    return env;
  }

  it('the same checkpoint again: OK, nothing more said', async () => {
    const env = await remembered(() => {});
    const run = await verify(env);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
  });

  it('another root at the same size (a fork): exit 1, the check names both roots', async () => {
    const env = await remembered((r) => {
      r.root = toBase64(new Uint8Array(32).fill(7));
    });
    const run = await verify(env);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /checkpoint seen before: fork: the log of test\.log\/\S+ at \d+ entries \(root \S+\) does not extend/,
    );
    expect(run.stderr).toContain(`(root ${toBase64(new Uint8Array(32).fill(7))})`);
  });

  it('a newer or an older checkpoint than the one remembered: OK, and it says so', async () => {
    const newer = await verify(await remembered((r) => (r.size -= 1)));
    const older = await verify(await remembered((r) => (r.size += 1)));
    expect(newer.code).toBe(0);
    expect(newer.stderr).toMatch(
      /^note: the report's checkpoint \(size (\d+)\) is newer than the one last verified .* \(size \d+\)/,
    );
    expect(older.code).toBe(0);
    expect(older.stderr).toMatch(/is older than the one last verified/);
  });
});
