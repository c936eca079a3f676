/**
 * The scheduled checkpoint publisher, on tables of its own (the shared test
 * tables hold other files' logs, which it would checkpoint too): it signs a
 * checkpoint at HEAD for exactly the logs that grew, leaves current logs
 * alone, and one log's failure neither stops the others nor goes unnoticed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openNote, type PublishStore, publishCheckpoint, publishCheckpoints, verifyStoredLog } from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { CheckpointsFailedError, handler } from '../../functions/publish-checkpoints.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { createTables } from '../../infra/local/provision.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { lambdaContext, saveEnv } from '../support/http.ts';
import { memorySigner } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const client = dynamoClient();
const db = DynamoDBDocumentClient.from(client);
const dir = mkdtempSync(join(tmpdir(), 'sib-publisher-'));
const saved = saveEnv(['SIB_DATA_DIR']);
const actor = { sub: 'operator-1', role: 'operator' } as const;
let tableCount = 0;

/** A fresh pair of tables: only the logs a test writes are listed. */
async function freshStack(): Promise<StackConfig> {
  const n = tableCount++;
  const stack: StackConfig = {
    ...testStack(),
    tables: { ledger: `pub-ledger-${suffix}-${n}`, records: `pub-records-${suffix}-${n}` },
  };
  await createTables(client, stack.tables);
  return stack;
}

const ledgerOn = (stack: StackConfig) =>
  new DynamoLedger({ client: db, tables: stack.tables, retry: { baseMs: 5, capMs: 50 } });

async function grow(store: DynamoLedger, contract: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    await store.append({ contract, idempotencyKey: `k${n}`, intent: { kind: 'test.note', actor, body: { n } } });
  }
}

beforeAll(() => {
  process.env.SIB_DATA_DIR = dir;
});
afterAll(() => {
  resetRuntime();
  db.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

describe('publishCheckpoints', () => {
  it('checkpoints at HEAD exactly the logs that grew since their last checkpoint, and leaves current logs alone', async () => {
    // Prepare: A never checkpointed, B checkpointed at HEAD, C checkpointed at 1 and grown to 3.
    const store = ledgerOn(await freshStack());
    const log = memorySigner('sib-ledger.test');
    await grow(store, 'a', 0, 3);
    await grow(store, 'b', 0, 2);
    const bNote = await publishCheckpoint(store, log.signer, 'b');
    await grow(store, 'c', 0, 1);
    await publishCheckpoint(store, log.signer, 'c');
    await grow(store, 'c', 1, 3);

    // Act
    const first = await publishCheckpoints(store, log.signer);
    const second = await publishCheckpoints(store, log.signer);

    // Assess
    const listed: string[] = [];
    for await (const contract of store.logs()) listed.push(contract);
    expect(listed).toEqual(['a', 'b', 'c']);
    expect(first).toEqual({
      published: [
        { contract: 'a', size: 3 },
        { contract: 'c', size: 3 },
      ],
      current: 1,
      failed: [],
    });
    expect(second).toEqual({ published: [], current: 3, failed: [] });
    expect(await store.checkpointAt('b', 2)).toBe(bNote);
    for (const contract of ['a', 'c']) {
      const note = (await store.latestCheckpoint(contract)) as string;
      expect(openNote(note, [log.keyFor(contract)]).text).toContain(`\n3\n`);
      const verified = await verifyStoredLog(store, contract, [log.keyFor(contract)]);
      expect(verified).toMatchObject({ ok: true, checkpoint: { size: 3 } });
    }
  });

  it('reports a log it could not checkpoint and still publishes the others', async () => {
    // Prepare: a store whose HEAD read fails for one contract.
    const store = ledgerOn(await freshStack());
    const log = memorySigner('sib-ledger.test');
    await grow(store, 'broken', 0, 2);
    await grow(store, 'fine', 0, 2);
    const failing: PublishStore = {
      ...bind(store),
      head: async (contract) => {
        if (contract === 'broken') throw new Error('DynamoDB is unreachable');
        return store.head(contract);
      },
    };

    // Act
    const summary = await publishCheckpoints(failing, log.signer);

    // Assess
    expect(summary).toEqual({
      published: [{ contract: 'fine', size: 2 }],
      current: 0,
      failed: [{ contract: 'broken', error: 'DynamoDB is unreachable' }],
    });
    expect(await store.latestCheckpoint('broken')).toBeUndefined();
  });

  it('lists a log once, however many entries it has', async () => {
    // Prepare
    const stack = await freshStack();
    const store = ledgerOn(stack);

    // Act
    await grow(store, 'one', 0, 5);

    // Assess: a second listing put for the same log is refused by its condition.
    const listed: string[] = [];
    for await (const contract of store.logs()) listed.push(contract);
    expect(listed).toEqual(['one']);
    await expect(
      db.send(
        new PutCommand({
          TableName: stack.tables.ledger,
          Item: { pk: 'LOGS', sk: 'one' },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
  });
});

describe('the publish-checkpoints handler', () => {
  it('publishes with the runtime signer and answers the summary', async () => {
    // Prepare
    const stack = await freshStack();
    const rt = await localRuntime(dir, stack);
    await grow(rt.log, 'second-chance', 0, 4);
    setRuntime(rt);

    // Act
    const summary = await handler({ source: 'aws.scheduler' }, lambdaContext());

    // Assess
    expect(summary).toEqual({ published: [{ contract: 'second-chance', size: 4 }], current: 0, failed: [] });
    expect(await rt.log.checkpointAt('second-chance', 4)).toBeDefined();
    rt.dynamo.destroy();
    rt.s3.destroy();
  });

  it('fails the invocation when a log could not be checkpointed, after publishing the others', async () => {
    // Prepare
    const stack = await freshStack();
    const rt = await localRuntime(dir, stack);
    await grow(rt.log, 'broken', 0, 1);
    await grow(rt.log, 'fine', 0, 1);
    const failingLog: PublishStore = {
      ...bind(rt.log),
      head: async (contract) => {
        if (contract === 'broken') throw new Error('throttled for too long');
        return rt.log.head(contract);
      },
    };
    setRuntime({ ...rt, log: failingLog } as unknown as Runtime);

    // Act
    const answer = handler({ source: 'aws.scheduler' }, lambdaContext());

    // Assess
    await expect(answer).rejects.toBeInstanceOf(CheckpointsFailedError);
    await expect(answer).rejects.toThrow('1 log(s) could not be checkpointed: broken');
    expect(await rt.log.checkpointAt('fine', 1)).toBeDefined();
    expect(await rt.log.latestCheckpoint('broken')).toBeUndefined();
    rt.dynamo.destroy();
    rt.s3.destroy();
  });
});

/** The store's methods bound to it, as a plain object a test can override. */
function bind(store: DynamoLedger): PublishStore {
  return {
    head: (c) => store.head(c),
    rootAt: (c, s) => store.rootAt(c, s),
    entries: (c, from, to) => store.entries(c, from, to),
    leafHashes: (c, s) => store.leafHashes(c, s),
    interiorNodes: (c) => store.interiorNodes(c),
    latestCheckpoint: (c) => store.latestCheckpoint(c),
    saveCheckpoint: (c, s, n) => store.saveCheckpoint(c, s, n),
    checkpointAt: (c, s) => store.checkpointAt(c, s),
    logs: () => store.logs(),
  };
}
