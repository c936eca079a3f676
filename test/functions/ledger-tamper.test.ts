import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  exportLog,
  publishCheckpoint,
  splitLines,
  verifyExportBytes,
  verifyExportLines,
  verifyStoredLog,
} from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { memorySigner } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const ENTRIES = 12;
const { signer, keyFor } = memorySigner('sib-ledger.test');
const other = memorySigner('sib-ledger.test');
let counter = 0;

function setup() {
  const db = DynamoDBDocumentClient.from(dynamoClient());
  const store = new DynamoLedger({ client: db, tables: testStack().tables });
  return { db, store, table: testStack().tables.ledger };
}

async function filledLog(store: DynamoLedger): Promise<string> {
  const contract = `tamper-${process.pid}-${counter++}`;
  for (let n = 0; n < ENTRIES; n++) {
    await store.append({
      contract,
      idempotencyKey: `k${n}`,
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n, note: `запись ${n}` } },
    });
  }
  return contract;
}

async function* queryAll(db: DynamoDBDocumentClient, table: string, pk: string) {
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: start,
      }),
    );
    yield* out.Items ?? [];
    start = out.LastEvaluatedKey;
  } while (start);
}

const sk = (seq: number) => `E#${seq.toString().padStart(16, '0')}`;

async function exportText(store: DynamoLedger, contract: string): Promise<string> {
  let text = '';
  for await (const line of exportLog(store, signer, contract)) text += line;
  return text;
}

/** The contract of the export the export tests tamper with. */
let exported = '';
const verifyText = (text: string, keys = [keyFor(exported)]) =>
  verifyExportLines(splitLines(new TextEncoder().encode(text)), keys);

describe('tampering in DynamoDB is detected and the seq named', () => {
  const { db, store, table } = setup();

  async function tamperedResult(change: (contract: string) => Promise<void>) {
    const contract = await filledLog(store);
    await exportText(store, contract); // publishes a checkpoint over all entries
    expect((await verifyStoredLog(store, contract, [keyFor(contract)])).ok).toBe(true);
    await change(contract);
    return verifyStoredLog(store, contract, [keyFor(contract)]);
  }

  async function rewrite(contract: string, seq: number, edit: (text: string) => string) {
    const item = (await db.send(new GetCommand({ TableName: table, Key: { pk: `LOG#${contract}`, sk: sk(seq) } })))
      .Item;
    await db.send(new PutCommand({ TableName: table, Item: { ...item, entry: edit(item?.entry as string) } }));
  }

  it('an untouched log verifies', async () => {
    const contract = await filledLog(store);
    await exportText(store, contract);

    const result = await verifyStoredLog(store, contract, [keyFor(contract)]);

    expect(result).toMatchObject({
      ok: true,
      entries: ENTRIES,
      checkpoint: { size: ENTRIES, signedBy: [`sib-ledger.test/${contract}`] },
    });
  });

  it.each([0, 4, ENTRIES - 1])('one changed byte in entry %i', async (seq) => {
    const result = await tamperedResult((c) => rewrite(c, seq, (t) => t.replace(`"n":${seq}`, `"n":${seq + 50}`)));

    expect(result.ok).toBe(false);
    expect(result.failure?.seq).toBe(seq);
  });

  it('a changed prev field is pinned on its own entry', async () => {
    const result = await tamperedResult((c) =>
      rewrite(c, 6, (t) => t.replace(/"prev":"(.)/, (_m, ch: string) => `"prev":"${ch === 'a' ? 'b' : 'a'}`)),
    );

    expect(result.failure?.seq).toBe(6);
  });

  it('a deleted entry', async () => {
    const result = await tamperedResult((c) =>
      db.send(new DeleteCommand({ TableName: table, Key: { pk: `LOG#${c}`, sk: sk(6) } })).then(() => undefined),
    );

    expect(result.failure).toMatchObject({ seq: 6 });
    expect(result.failure?.message).toContain('missing');
  });

  it('two entries swapped', async () => {
    const result = await tamperedResult(async (c) => {
      const get = (seq: number) =>
        db.send(new GetCommand({ TableName: table, Key: { pk: `LOG#${c}`, sk: sk(seq) } })).then((o) => o.Item);
      const [three, five] = [await get(3), await get(5)];
      await db.send(new PutCommand({ TableName: table, Item: { ...three, entry: five?.entry, hash: five?.hash } }));
      await db.send(new PutCommand({ TableName: table, Item: { ...five, entry: three?.entry, hash: three?.hash } }));
    });

    expect(result.failure?.seq).toBe(3);
  });

  it('a changed interior Merkle node, which proofs are built from', async () => {
    const result = await tamperedResult(async (c) => {
      const key = { pk: `LOG#${c}`, sk: `N#01#${'2'.padStart(16, '0')}` };
      const item = (await db.send(new GetCommand({ TableName: table, Key: key }))).Item;
      const h = new Uint8Array(item?.h as Uint8Array);
      h[0] = (h[0] as number) ^ 1;
      await db.send(new PutCommand({ TableName: table, Item: { ...item, h } }));
    });

    expect(result.ok).toBe(false);
    expect(result.failure?.seq).toBe(4);
    expect(result.failure?.message).toContain('Merkle node at level 1');
  });

  it.each([
    ['last', (item: Record<string, unknown>) => ({ ...item, last: '0'.repeat(64) })],
    [
      'frontier',
      (item: Record<string, unknown>) => ({ ...item, frontier: [...(item.frontier as Uint8Array[])].reverse() }),
    ],
  ])('a changed HEAD %s', async (_field, change) => {
    const result = await tamperedResult(async (c) => {
      const item = (await db.send(new GetCommand({ TableName: table, Key: { pk: `HEAD#${c}`, sk: 'HEAD' } }))).Item;
      await db.send(new PutCommand({ TableName: table, Item: change(item as Record<string, unknown>) }));
    });

    expect(result.ok).toBe(false);
    expect(result.failure?.message).toContain('HEAD');
  });

  it('a log being appended to while it is verified still verifies', async () => {
    const contract = await filledLog(store);
    await exportText(store, contract);
    let appending = true;
    const writer = (async () => {
      for (let n = 100; appending; n++) {
        await store.append({
          contract,
          idempotencyKey: `live-${n}`,
          intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n } },
        });
      }
    })();

    const results = [];
    for (let round = 0; round < 3; round++) results.push(await verifyStoredLog(store, contract, [keyFor(contract)]));
    appending = false;
    await writer;

    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
  });

  it('a log rolled back to an older checkpoint and rewritten is caught by a checkpoint kept elsewhere', async () => {
    // Prepare: six entries and a checkpoint; six more and a checkpoint the investor keeps.
    const contract = `rollback-${process.pid}-${counter++}`;
    const append = (n: number, tag: string) =>
      store.append({
        contract,
        idempotencyKey: `${tag}${n}`,
        intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n, tag } },
      });
    for (let n = 0; n < 6; n++) await append(n, 'a');
    await publishCheckpoint(store, signer, contract);
    const headAt6 = (await db.send(new GetCommand({ TableName: table, Key: { pk: `HEAD#${contract}`, sk: 'HEAD' } })))
      .Item;
    for (let n = 6; n < 12; n++) await append(n, 'a');
    const kept = await publishCheckpoint(store, signer, contract);
    // Act: the log's operator rolls back to size 6 and writes another history after it.
    const pk = `LOG#${contract}`;
    const items = [];
    for await (const item of queryAll(db, table, pk)) items.push(item);
    for (const item of items) {
      const sk = item.sk as string;
      const after6 =
        (sk.startsWith('E#') && Number(sk.slice(2)) >= 6) ||
        (sk.startsWith('N#') && (Number(sk.slice(5)) + 1) * 2 ** Number(sk.slice(2, 4)) > 6) ||
        (sk.startsWith('K#a') && Number(sk.slice(3)) >= 6);
      if (after6) await db.send(new DeleteCommand({ TableName: table, Key: { pk, sk } }));
    }
    await db.send(
      new DeleteCommand({ TableName: table, Key: { pk: `CKPT#${contract}`, sk: `C#${'12'.padStart(16, '0')}` } }),
    );
    await db.send(new PutCommand({ TableName: table, Item: headAt6 }));
    const rewriter = new DynamoLedger({ client: db, tables: testStack().tables });
    for (let n = 6; n < 12; n++) {
      await rewriter.append({
        contract,
        idempotencyKey: `b${n}`,
        intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n, tag: 'b' } },
      });
    }
    await publishCheckpoint(rewriter, signer, contract);

    const alone = await verifyStoredLog(rewriter, contract, [keyFor(contract)]);
    const pinned = await verifyStoredLog(rewriter, contract, [keyFor(contract)], { pinned: kept });

    // Assess: on its own the rewritten log is consistent; against the kept checkpoint it is not.
    expect(alone.ok).toBe(true);
    expect(pinned.ok).toBe(false);
    expect(pinned.failure?.message).toContain('does not match the signed checkpoint');
  });

  it('a checkpoint signed by another key is refused', async () => {
    const contract = await filledLog(store);
    await exportText(store, contract);

    const result = await verifyStoredLog(store, contract, [other.keyFor(contract)]);

    expect(result.ok).toBe(false);
    expect(result.failure?.message).toMatch(/signature|unknown|verif/i);
  });
});

describe('tampering in an export file is detected and the seq named', () => {
  const { store } = setup();
  let contract: string;
  let text: string;
  let lines: string[];

  beforeAll(async () => {
    contract = await filledLog(store);
    exported = contract;
    text = await exportText(store, contract);
    lines = text.trimEnd().split('\n');
  });

  const join = (ls: string[]) => `${ls.join('\n')}\n`;

  it('the export verifies offline, each line being the canonical entry', async () => {
    const result = await verifyText(text);

    expect(result).toMatchObject({ ok: true, contract, entries: ENTRIES });
    expect(lines).toHaveLength(ENTRIES + 1);
    expect(JSON.parse(lines[ENTRIES] as string)).toHaveProperty('checkpoint');
  });

  it('any single changed byte in any entry line names that entry', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: ENTRIES - 1 }),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (seq, at, xor) => {
          const bytes = new TextEncoder().encode(lines[seq]);
          const pos = at % bytes.length;
          bytes[pos] = (bytes[pos] as number) ^ xor;
          const data = Buffer.concat(
            lines.map((l, i) => Buffer.concat([i === seq ? Buffer.from(bytes) : Buffer.from(l), Buffer.from('\n')])),
          );
          const strict = await verifyExportLines(splitLines(new Uint8Array(data)), [keyFor(contract)]);
          const fast = await verifyExportBytes(new Uint8Array(data), [keyFor(contract)]);
          for (const result of [strict, fast]) {
            expect(result.ok).toBe(false);
            // The last entry's prev field is the one case the file alone cannot tell from its predecessor.
            const lastPrev = seq === ENTRIES - 1 && result.failure?.seq === seq - 1;
            if (!lastPrev) expect(result.failure?.seq).toBe(seq);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a changed contract id in entry 0 names entry 0, not entry 1 (fast-check found it)', async () => {
    const first = lines[0] as string;
    const at = first.indexOf(`"contract":"${contract}"`) + '"contract":"'.length;
    const altered = `${first.slice(0, at)}${first[at] === 'x' ? 'y' : 'x'}${first.slice(at + 1)}`;
    const data = new TextEncoder().encode([altered, ...lines.slice(1)].map((l) => `${l}\n`).join(''));
    for (const result of [
      await verifyExportLines(splitLines(data), [keyFor(contract)]),
      await verifyExportBytes(data, [keyFor(contract)]),
    ]) {
      expect(result).toMatchObject({ ok: false, failure: { seq: 0 } });
    }
  });

  it('a deleted line', async () => {
    const result = await verifyText(join(lines.filter((_, i) => i !== 6)));

    expect(result.failure?.seq).toBe(6);
  });

  it('two lines swapped', async () => {
    const swapped = [...lines];
    [swapped[3], swapped[5]] = [lines[5] as string, lines[3] as string];

    const result = await verifyText(join(swapped));

    expect(result.failure?.seq).toBe(3);
  });

  it('a truncated file', async () => {
    const result = await verifyText(text.slice(0, Math.floor(text.length / 2)));

    expect(result.ok).toBe(false);
    expect(result.failure?.message).toMatch(/truncated|not valid|missing/);
  });

  it('a removed checkpoint line', async () => {
    const result = await verifyText(join(lines.slice(0, ENTRIES)));

    expect(result.ok).toBe(false);
    expect(result.failure?.message).toContain('checkpoint');
  });

  it('the wrong verifier key', async () => {
    const result = await verifyText(text, [other.keyFor(contract)]);

    expect(result.ok).toBe(false);
  });
});
