/**
 * The log pushes each new checkpoint to its witnesses (C2SP tlog-witness
 * add-checkpoint, functions/adapters/witness-push.ts): the configured
 * witness's cosignature is stored on the checkpoint, an unconfigured
 * witness's is not, a witness that is down is logged and breaks neither the
 * publish nor an append, the old size follows the witness (a 409's size, then
 * the size it last cosigned, with a consistency proof), and the scheduled
 * publisher pushes through the runtime wired from SIB_WITNESS_URLS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSigners, logVerifierKey, publishCheckpoint, verifyStoredLog } from '#ledger';
import { type RunningWitness, startWitnessServer } from '../../cli/witness/server.ts';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { checkpointPusher, witnessUrlsFromEnv } from '../../functions/adapters/witness-push.ts';
import { handler } from '../../functions/publish-checkpoints.ts';
import { resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { createTables } from '../../infra/local/provision.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { lambdaContext, saveEnv } from '../support/http.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const client = dynamoClient();
const db = DynamoDBDocumentClient.from(client);
const actor = { sub: 'operator-1', role: 'operator' } as const;
const dataDir = mkdtempSync(join(tmpdir(), 'sib-push-'));
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_WITNESS_URLS', 'SIB_WITNESS_KEYS']);
const log = memorySigner('sib-ledger.test');
const configured = memoryWitness('evaluator.example/witness');
const unconfigured = memoryWitness('stranger.example/witness');
let tableCount = 0;
const servers: RunningWitness[] = [];
const stateDirs: string[] = [];
let downUrl = '';

async function freshStack(): Promise<StackConfig> {
  const n = tableCount++;
  const stack = {
    ...testStack(),
    tables: { ledger: `push-ledger-${suffix}-${n}`, records: `push-rec-${suffix}-${n}` },
  };
  await createTables(client, stack.tables);
  return stack;
}

async function witnessFor(w: typeof configured, logKeys: string[]): Promise<RunningWitness> {
  const state = await mkdtemp(join(tmpdir(), 'sib-push-state-'));
  stateDirs.push(state);
  const server = await startWitnessServer({ witness: w.signer, stateDir: state, logs: logKeys });
  servers.push(server);
  return server;
}

async function grow(store: DynamoLedger, contract: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    await store.append({ contract, idempotencyKey: `k${n}`, intent: { kind: 'test.note', actor, body: { n } } });
  }
}

beforeAll(async () => {
  // A URL nothing listens on: a server started, then closed.
  const gone = await startWitnessServer({ witness: configured.signer, stateDir: dataDir, logs: [] });
  downUrl = gone.url;
  await gone.close();
});
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of stateDirs) await rm(d, { recursive: true, force: true });
  resetRuntime();
  db.destroy();
  saved.restore();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('pushing checkpoints to witnesses', () => {
  it("stores the configured witness's cosignature only; a witness that is down is logged, the publish goes on", async () => {
    // Prepare
    const contract = 'c1';
    const logKey = await logVerifierKey(log.signer, contract);
    const good = await witnessFor(configured, [logKey]);
    const other = await witnessFor(unconfigured, [logKey]);
    const warnings: Record<string, unknown>[] = [];
    const store: DynamoLedger = new DynamoLedger({
      client: db,
      tables: (await freshStack()).tables,
      afterCheckpoint: checkpointPusher(() => store, {
        urls: [good.url, other.url, downUrl],
        witnessKeys: [configured.key],
        warn: (message, fields) => warnings.push({ message, ...fields }),
      }),
    });
    await grow(store, contract, 0, 3);

    // Act
    const first = await publishCheckpoint(store, log.signer, contract);
    await grow(store, contract, 3, 7);
    const second = await publishCheckpoint(store, log.signer, contract);

    // Assess
    for (const note of [first, second]) {
      expect(checkSigners(note, [configured.key, unconfigured.key]).map((c) => c.status)).toEqual([
        'signed',
        'missing',
      ]);
    }
    expect(await store.checkpointAt(contract, 7)).toBe(second);
    expect(
      await verifyStoredLog(store, contract, [logKey], { witnesses: [configured.key], requireWitnesses: true }),
    ).toMatchObject({ ok: true });
    const whys = warnings.map((w) => `${w.witness} ${w.why}`);
    expect(whys).toContain(`${other.url} no cosignature by a configured witness key`);
    expect(whys.filter((w) => w.startsWith(downUrl))).toHaveLength(2);
    expect(warnings.every((w) => w.contract === contract)).toBe(true);
  });

  it('a log with only a witness that is down: appends and checkpoints go on, uncosigned', async () => {
    // Prepare
    const warnings: unknown[] = [];
    const store: DynamoLedger = new DynamoLedger({
      client: db,
      tables: (await freshStack()).tables,
      afterCheckpoint: checkpointPusher(() => store, {
        urls: [downUrl],
        witnessKeys: [configured.key],
        warn: (_m, fields) => warnings.push(fields),
      }),
    });

    // Act
    await grow(store, 'c2', 0, 2);
    const note = await publishCheckpoint(store, log.signer, 'c2');
    await grow(store, 'c2', 2, 3);

    // Assess
    expect(checkSigners(note, [configured.key])[0]?.status).toBe('missing');
    expect((await store.head('c2')).size).toBe(3);
    expect(warnings).toHaveLength(1);
  });

  it('a log that forgot the size a witness holds starts from 0 and follows its 409', async () => {
    // Prepare
    const contract = 'c3';
    const logKey = await logVerifierKey(log.signer, contract);
    const good = await witnessFor(configured, [logKey]);
    const tables = (await freshStack()).tables;
    const pushed = (): DynamoLedger => {
      const store: DynamoLedger = new DynamoLedger({
        client: db,
        tables,
        afterCheckpoint: checkpointPusher(() => store, { urls: [good.url], witnessKeys: [configured.key] }),
      });
      return store;
    };
    const before = pushed();
    await grow(before, contract, 0, 2);
    await publishCheckpoint(before, log.signer, contract);
    const after = pushed(); // a new process: nothing remembered

    // Act
    await grow(after, contract, 2, 5);
    const note = await publishCheckpoint(after, log.signer, contract);

    // Assess
    expect(checkSigners(note, [configured.key])[0]?.status).toBe('signed');
  });

  it('SIB_WITNESS_URLS: comma-separated http(s) URLs; anything else is a deployment fault', () => {
    expect(witnessUrlsFromEnv({ SIB_WITNESS_URLS: ' http://a.test/w/ , https://b.test ' })).toEqual([
      'http://a.test/w',
      'https://b.test',
    ]);
    expect(witnessUrlsFromEnv({})).toEqual([]);
    expect(() => witnessUrlsFromEnv({ SIB_WITNESS_URLS: 'ftp://x' })).toThrow(/SIB_WITNESS_URLS/);
  });
});

describe('the publish-checkpoints handler', () => {
  it('pushes each checkpoint it publishes to the witnesses of SIB_WITNESS_URLS and stores the cosignature', async () => {
    // Prepare: the runtime is wired from the environment, as in AWS.
    const contract = 'second-chance';
    const signer = await LocalSigner.open({ dataDir });
    const good = await witnessFor(configured, [await logVerifierKey(signer, contract)]);
    process.env.SIB_DATA_DIR = dataDir;
    process.env.SIB_WITNESS_URLS = good.url;
    process.env.SIB_WITNESS_KEYS = configured.key;
    const rt = await localRuntime(dataDir, await freshStack());
    await grow(rt.log, contract, 0, 4);
    setRuntime(rt);

    // Act
    const summary = await handler({ source: 'aws.scheduler' }, lambdaContext());

    // Assess
    expect(summary.published).toEqual([{ contract, size: 4 }]);
    const stored = (await rt.log.checkpointAt(contract, 4)) as string;
    expect(checkSigners(stored, [configured.key])[0]?.status).toBe('signed');
    rt.dynamo.destroy();
    rt.s3.destroy();
  });
});
