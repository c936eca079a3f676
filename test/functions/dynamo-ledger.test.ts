import { DynamoDBDocumentClient, GetCommand, PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConflictError, fromHex, LogMovedError, toHex } from '#kernel';
import {
  decodeEntry,
  GENESIS_PREV,
  leafHash,
  publishCheckpoint,
  rootFromLeaves,
  verifyConsistency,
  verifyInclusion,
  verifyStoredLog,
} from '#ledger';
import { DynamoContractLog } from '../../functions/adapters/contract-log.ts';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { memorySigner } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

let counter = 0;
const uniqueContract = (name: string) => `${name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
const actor = { sub: 'operator-1', role: 'operator' } as const;
const intent = (n: number) => ({ kind: 'test.note', actor, body: { n, text: 'Вторая попытка' } });

function ledger(client = DynamoDBDocumentClient.from(dynamoClient())) {
  return new DynamoLedger({ client, tables: testStack().tables, retry: { baseMs: 5, capMs: 50 } });
}

async function storedEntries(log: DynamoLedger, contract: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const { bytes } of log.entries(contract)) out.push(bytes);
  return out;
}

describe('DynamoLedger append', () => {
  it('chains entries and keeps HEAD equal to the RFC 6962 root over their canonical bytes', async () => {
    const log = ledger();
    const contract = uniqueContract('chain');

    const receipts = [];
    for (let n = 0; n < 5; n++)
      receipts.push(await log.append({ contract, idempotencyKey: `k${n}`, intent: intent(n) }));

    const entries = await storedEntries(log, contract);
    const head = await log.head(contract);
    expect(receipts.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(head.size).toBe(5);
    expect(toHex(head.root)).toBe(toHex(rootFromLeaves(entries)));
    expect(receipts[4]?.root).toBe(toHex(head.root));
    const decoded = entries.map((bytes, seq) => decodeEntry(bytes, seq));
    expect(decoded[0]?.prev).toBe(GENESIS_PREV);
    for (let seq = 1; seq < 5; seq++) expect(decoded[seq]?.prev).toBe(toHex(leafHash(entries[seq - 1] as Uint8Array)));
    expect(decoded[2]?.body).toEqual({ n: 2, text: 'Вторая попытка' });
  });

  it('returns the original receipt for the same key and content, and appends nothing', async () => {
    const log = ledger();
    const contract = uniqueContract('idem');
    const first = await log.append({ contract, idempotencyKey: 'batch-1', intent: intent(1) });

    const again = await log.append({ contract, idempotencyKey: 'batch-1', intent: intent(1) });

    expect(again).toEqual({ ...first, replayed: true });
    expect((await log.head(contract)).size).toBe(1);
  });

  it('refuses the same key with other content, naming both hashes', async () => {
    const log = ledger();
    const contract = uniqueContract('conflict');
    const first = await log.append({ contract, idempotencyKey: 'batch-1', intent: intent(1) });

    const attempt = log.append({ contract, idempotencyKey: 'batch-1', intent: intent(2) });

    await expect(attempt).rejects.toBeInstanceOf(ConflictError);
    const error = (await attempt.catch((e: unknown) => e)) as ConflictError;
    expect(error.message).toContain(first.contentHash);
    expect(error.details.storedHash).toBe(first.contentHash);
    expect(error.details.requestHash).not.toBe(first.contentHash);
    expect((await log.head(contract)).size).toBe(1);
  });

  it('rejects an invalid intent with a field-level error and writes nothing', async () => {
    const log = ledger();
    const contract = uniqueContract('invalid');

    const attempt = log.append({
      contract,
      idempotencyKey: 'k',
      intent: { kind: 'Bad Kind', actor, body: {} },
    });

    await expect(attempt).rejects.toMatchObject({ problems: [expect.objectContaining({ field: 'kind' })] });
    expect((await log.head(contract)).size).toBe(0);
  });
});

describe('DynamoLedger append conditioned on the size a decision was checked against', () => {
  it('commits only on that size: a moved log is LogMovedError with nothing written, a replay still answers', async () => {
    // Prepare: two writers (two processes), each with its own idea of HEAD.
    const contract = uniqueContract('expected');
    const one = new DynamoContractLog(ledger());
    const two = new DynamoContractLog(ledger());
    await one.append(contract, 'k0', intent(0));
    await one.append(contract, 'k1', intent(1));

    // Act and assess: checked at size 2, appended at size 2.
    const decided = await one.append(contract, 'decision', intent(2), { expectedSize: 2 });
    expect(decided).toMatchObject({ seq: 2, treeSize: 3, replayed: false });

    // Another decision checked at size 2: the log has moved (HEAD read, not cached).
    const late = two.append(contract, 'other', intent(3), { expectedSize: 2 });
    await expect(late).rejects.toBeInstanceOf(LogMovedError);
    await expect(late).rejects.toThrow(
      `the log of ${contract} has 3 entries, not the 2 this entry was checked against`,
    );
    expect(await one.size(contract)).toBe(3);

    // The same decision again: the original entry, though the log is no longer at 2.
    expect(await two.append(contract, 'decision', intent(2), { expectedSize: 2 })).toEqual({
      ...decided,
      replayed: true,
    });

    // A writer whose cached HEAD (3) matches the expected size but is stale: HEAD's condition refuses it, no retry on 4.
    await two.append(contract, 'k3', intent(4), { expectedSize: 3 });
    const stale = one.append(contract, 'stale', intent(5), { expectedSize: 3 });
    await expect(stale).rejects.toBeInstanceOf(LogMovedError);
    await expect(stale).rejects.toThrow('has 4 entries, not the 3');
    expect(await one.size(contract)).toBe(4);
    expect(await one.append(contract, 'fresh', intent(5), { expectedSize: 4 })).toMatchObject({ seq: 4 });
  });
});

describe('DynamoLedger concurrency and faults', () => {
  it('8 concurrent writers produce a gap-free, fork-free log that verifies', async () => {
    const contract = uniqueContract('concurrent');
    const writers = Array.from({ length: 8 }, () => ledger());

    const receipts = (
      await Promise.all(
        writers.map(async (log, w) => {
          const mine = [];
          for (let n = 0; n < 12; n++) {
            mine.push(await log.append({ contract, idempotencyKey: `w${w}-n${n}`, intent: intent(w * 100 + n) }));
          }
          return mine;
        }),
      )
    ).flat();

    const log = ledger();
    const entries = await storedEntries(log, contract);
    expect(receipts.map((r) => r.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 96 }, (_, i) => i));
    expect(entries).toHaveLength(96);
    let prev = GENESIS_PREV;
    entries.forEach((bytes, seq) => {
      const entry = decodeEntry(bytes, seq);
      expect(entry.seq).toBe(seq);
      expect(entry.prev).toBe(prev);
      prev = toHex(leafHash(bytes));
    });
    expect(toHex((await log.head(contract)).root)).toBe(toHex(rootFromLeaves(entries)));
    const bodies = entries.map((bytes, seq) => decodeEntry(bytes, seq).body.n);
    expect(new Set(bodies).size).toBe(96);
    const { signer, keyFor } = memorySigner('sib-ledger.test');
    await publishCheckpoint(log, signer, contract);
    expect(await verifyStoredLog(log, contract, [keyFor(contract)])).toMatchObject({ ok: true, entries: 96 });
  });

  it('a writer that dies after writing its records leaves nothing visible, and a retry completes it', async () => {
    const contract = uniqueContract('crash');
    const client = DynamoDBDocumentClient.from(dynamoClient());
    const realSend = client.send.bind(client);
    let crash = true;
    client.send = ((command: unknown, ...rest: unknown[]) => {
      if (crash && command instanceof TransactWriteCommand) {
        crash = false;
        return Promise.reject(new Error('process killed before commit'));
      }
      return (realSend as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as typeof client.send;
    const log = ledger(client);
    const records = [{ participant: 'p1', outcome: 'employed' }, { participant: 'p2' }];

    await expect(log.append({ contract, idempotencyKey: 'batch-7', intent: intent(7), records })).rejects.toThrow(
      'process killed',
    );
    expect((await log.head(contract)).size).toBe(0);
    expect(await log.committedRecords(contract, 'batch-7')).toEqual([]);

    const receipt = await log.append({ contract, idempotencyKey: 'batch-7', intent: intent(7), records });

    expect(receipt).toMatchObject({ seq: 0, recordCount: 2, replayed: false });
    expect(await log.committedRecords(contract, 'batch-7')).toEqual(records);
    expect((await log.head(contract)).size).toBe(1);
  });

  it('a writer that dies after the commit gets the original receipt on retry, not a second entry', async () => {
    const contract = uniqueContract('lost-reply');
    const client = DynamoDBDocumentClient.from(dynamoClient());
    const realSend = client.send.bind(client) as (...args: unknown[]) => Promise<unknown>;
    let lose = true;
    client.send = (async (command: unknown, ...rest: unknown[]) => {
      const out = await realSend(command, ...rest);
      if (lose && command instanceof TransactWriteCommand) {
        lose = false;
        throw new Error('connection reset after commit');
      }
      return out;
    }) as typeof client.send;
    const log = ledger(client);

    await expect(log.append({ contract, idempotencyKey: 'once', intent: intent(1) })).rejects.toThrow('reset');
    const retry = await log.append({ contract, idempotencyKey: 'once', intent: intent(1) });

    expect(retry).toMatchObject({ seq: 0, replayed: true });
    expect((await log.head(contract)).size).toBe(1);
  });
});

describe('DynamoLedger proofs from stored nodes', () => {
  it('serves inclusion and consistency proofs for every size with O(log n) item reads', async () => {
    const log = ledger();
    const contract = uniqueContract('proofs');
    const n = 70;
    const writers = Array.from({ length: 4 }, (_, w) =>
      (async () => {
        for (let i = w; i < n; i += 4) await log.append({ contract, idempotencyKey: `e${i}`, intent: intent(i) });
      })(),
    );
    await Promise.all(writers);
    const entries = await storedEntries(log, contract);

    for (const size of [1, 2, 3, 7, 8, 33, 64, n]) {
      const root = await log.rootAt(contract, size);
      expect(toHex(root)).toBe(toHex(rootFromLeaves(entries.slice(0, size))));
      for (const seq of [0, Math.floor(size / 2), size - 1]) {
        const before = log.itemsRead;
        const proof = await log.inclusionProof(contract, seq, size);
        const reads = log.itemsRead - before;
        expect(verifyInclusion(leafHash(entries[seq] as Uint8Array), seq, size, proof.proof, root)).toBe(true);
        // HEAD once, the leaf, at most 2 log2(n) proof nodes and the root's nodes.
        expect(reads).toBeLessThanOrEqual(2 + 3 * Math.ceil(Math.log2(size + 1)));
      }
    }
    for (const [a, b] of [
      [1, 2],
      [3, 7],
      [8, 33],
      [33, n],
      [n, n],
    ] as const) {
      const before = log.itemsRead;
      const c = await log.consistencyProof(contract, a, b);
      expect(log.itemsRead - before).toBeLessThanOrEqual(1 + 4 * Math.ceil(Math.log2(b + 1)));
      expect(verifyConsistency(a, b, c.oldRoot, c.newRoot, c.proof)).toBe(true);
    }
    expect(fromHex(toHex(await log.rootAt(contract, 0)))).toHaveLength(32);
  });
});

describe('DynamoLedger HEAD items', () => {
  it('keeps HEAD in a partition of its own, apart from the log items', async () => {
    // Prepare
    const store = ledger();
    const contract = uniqueContract('head');

    // Act
    await store.append({ contract, idempotencyKey: 'k0', intent: { kind: 'test.note', actor, body: { n: 0 } } });

    // Assess
    const db = DynamoDBDocumentClient.from(dynamoClient());
    const table = testStack().tables.ledger;
    const head = await db.send(new GetCommand({ TableName: table, Key: { pk: `HEAD#${contract}`, sk: 'HEAD' } }));
    const misplaced = await db.send(new GetCommand({ TableName: table, Key: { pk: `LOG#${contract}`, sk: 'HEAD' } }));
    expect(head.Item?.size).toBe(1);
    expect(misplaced.Item).toBeUndefined();
  });

  it('refuses a log whose HEAD an older version kept under LOG#, rather than start it again at 0', async () => {
    // Prepare: a HEAD where versions before the HEAD# partition kept it.
    const store = ledger();
    const contract = uniqueContract('legacy');
    const db = DynamoDBDocumentClient.from(dynamoClient());
    await db.send(
      new PutCommand({ TableName: testStack().tables.ledger, Item: { pk: `LOG#${contract}`, sk: 'HEAD', size: 3 } }),
    );

    // Act and assess
    await expect(store.head(contract)).rejects.toThrow(/written by an older sib-ledger/);
    await expect(
      store.append({ contract, idempotencyKey: 'k0', intent: { kind: 'test.note', actor, body: {} } }),
    ).rejects.toThrow(/recreate the local data dir/);
  });
});
