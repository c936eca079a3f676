/** Witness cosignatures stored on DynamoDB: the C#<size> item's note gains lines, never loses them. */
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { IntegrityError, NotFoundError, ValidationError } from '#kernel';
import {
  cosignCheckpoint,
  cosignNote,
  exportLog,
  noteSigners,
  openNote,
  publishCheckpoint,
  signCheckpoint,
  verifyStoredLog,
} from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

let counter = 0;
const uniqueContract = (name: string) => `${name}-${process.pid}-${Date.now().toString(36)}-${counter++}`;
const actor = { sub: 'operator-1', role: 'operator' } as const;
const db = DynamoDBDocumentClient.from(dynamoClient());
afterAll(() => db.destroy());

function ledger() {
  return new DynamoLedger({ client: db, tables: testStack().tables, retry: { baseMs: 5, capMs: 50 } });
}

/** A log of `count` entries with a checkpoint published over all of them. */
async function publishedLog(count = 4) {
  const store = ledger();
  const log = memorySigner('sib-ledger.test');
  const contract = uniqueContract('witness');
  for (let n = 0; n < count; n++) {
    await store.append({ contract, idempotencyKey: `k${n}`, intent: { kind: 'test.note', actor, body: { n } } });
  }
  const note = await publishCheckpoint(store, log.signer, contract);
  return { store, log, contract, note, size: count };
}

const storedNote = async (contract: string, size: number) =>
  (
    await db.send(
      new GetCommand({
        TableName: testStack().tables.ledger,
        Key: { pk: `CKPT#${contract}`, sk: `C#${String(size).padStart(16, '0')}` },
      }),
    )
  ).Item?.note as string;

describe('DynamoLedger cosignatures', () => {
  it('stores the cosigned checkpoint; latestCheckpoint, checkpoint publishing and export return every signature', async () => {
    // Prepare
    const { store, log, contract, note, size } = await publishedLog();
    const evaluator = memoryWitness('evaluator.example/witness');

    // Act
    const result = await cosignCheckpoint(store, contract, log.keyFor(contract), evaluator.signer, {
      time: 1_767_000_000,
    });

    // Assess
    expect(result).toMatchObject({ size, added: true, witness: evaluator.key });
    expect(result.note.startsWith(note)).toBe(true);
    expect(await storedNote(contract, size)).toBe(result.note);
    expect(await store.latestCheckpoint(contract)).toBe(result.note);
    expect(await store.checkpointAt(contract, size)).toBe(result.note);
    expect(await store.checkpointAt(contract, size + 1)).toBeUndefined();
    // Publishing the same size again hands back the stored, cosigned note.
    expect(await publishCheckpoint(store, log.signer, contract)).toBe(result.note);
    const exported: string[] = [];
    for await (const line of exportLog(store, log.signer, contract)) exported.push(line);
    expect(JSON.parse(exported.at(-1) as string).checkpoint).toBe(result.note);
    expect(noteSigners(result.note, [log.keyFor(contract), evaluator.key])).toEqual([
      `sib-ledger.test/${contract}`,
      'evaluator.example/witness',
    ]);
  });

  it('cosigning again adds nothing', async () => {
    // Prepare
    const { store, log, contract, size } = await publishedLog();
    const evaluator = memoryWitness('evaluator.example/witness');
    const first = await cosignCheckpoint(store, contract, log.keyFor(contract), evaluator.signer, {
      time: 1_767_000_000,
    });

    // Act
    const second = await cosignCheckpoint(store, contract, log.keyFor(contract), evaluator.signer, {
      time: 1_767_000_000,
    });
    const direct = await store.addCosignature(contract, size, first.note);

    // Assess
    expect(second).toEqual({ ...first, added: false });
    expect(direct).toBe(first.note);
    expect(await storedNote(contract, size)).toBe(first.note);
  });

  it('8 witnesses cosigning at once (each through its own ledger instance) all keep their lines', async () => {
    // Prepare
    const { log, contract, note, size } = await publishedLog();
    const witnesses = Array.from({ length: 8 }, (_, i) => memoryWitness(`witness-${i}.example`));

    // Act
    const results = await Promise.all(
      witnesses.map((w) =>
        cosignCheckpoint(ledger(), contract, log.keyFor(contract), w.signer, { time: 1_767_000_000 }),
      ),
    );

    // Assess
    const final = await storedNote(contract, size);
    expect(final.startsWith(note)).toBe(true);
    expect(final.split('\n').filter((l) => l.startsWith('— '))).toHaveLength(9);
    expect(
      noteSigners(
        final,
        witnesses.map((w) => w.key),
      ),
    ).toHaveLength(8);
    expect(openNote(final, [log.keyFor(contract), ...witnesses.map((w) => w.key)]).verified).toHaveLength(9);
    for (const [i, r] of results.entries()) {
      expect(r.added).toBe(true);
      expect(noteSigners(r.note, [witnesses[i]?.key as string])).toHaveLength(1);
    }
  });

  it('a cosigned note made from a stale read does not drop the lines added meanwhile', async () => {
    // Prepare: two witnesses cosign the note as first published; the first is stored.
    const { store, log, contract, note, size } = await publishedLog();
    const a = memoryWitness('a.example');
    const b = memoryWitness('b.example');
    const byA = await cosignNote(note, log.keyFor(contract), a.signer, 1_767_000_000);
    const byB = await cosignNote(note, log.keyFor(contract), b.signer, 1_767_000_000);
    await store.addCosignature(contract, size, byA);

    // Act
    const stored = await store.addCosignature(contract, size, byB);

    // Assess
    expect(stored.startsWith(byA)).toBe(true);
    expect(noteSigners(stored, [log.keyFor(contract), a.key, b.key])).toHaveLength(3);
    expect(await storedNote(contract, size)).toBe(stored);
  });

  it('a witness whose conditional put loses the race re-reads, merges and writes again', async () => {
    // Prepare: a client that lets witness B store its line just before A's first update reaches DynamoDB.
    const { store, log, contract, note, size } = await publishedLog();
    const a = memoryWitness('a.example');
    const b = memoryWitness('b.example');
    const byB = await cosignNote(note, log.keyFor(contract), b.signer, 1_767_000_000);
    let updates = 0;
    const racing = {
      send: async (command: unknown) => {
        if (command instanceof PutCommand && updates++ === 0) await store.addCosignature(contract, size, byB);
        return db.send(command as GetCommand);
      },
    } as unknown as DynamoDBDocumentClient;
    const witnessA = new DynamoLedger({ client: racing, tables: testStack().tables });

    // Act
    const result = await cosignCheckpoint(witnessA, contract, log.keyFor(contract), a.signer, { time: 1_767_000_000 });

    // Assess
    expect(updates).toBe(2);
    expect(result.note).toBe(await storedNote(contract, size));
    expect(result.note.startsWith(byB)).toBe(true);
    expect(noteSigners(result.note, [log.keyFor(contract), b.key, a.key])).toEqual([
      `sib-ledger.test/${contract}`,
      'b.example',
      'a.example',
    ]);
  });

  it('refuses a checkpoint that was never published, and a note of other text, changing nothing', async () => {
    // Prepare
    const { store, log, contract, note, size } = await publishedLog();
    const other = await signCheckpoint({ origin: `sib-ledger.test/${contract}`, size, root: new Uint8Array(32) }, [
      log.signer,
    ]);

    // Act / Assess
    await expect(store.addCosignature(contract, size + 1, note)).rejects.toThrow(NotFoundError);
    await expect(store.addCosignature(contract, size, other)).rejects.toThrow(IntegrityError);
    expect(await storedNote(contract, size)).toBe(note);
  });

  it('refuses to cosign a stored checkpoint whose log signature was tampered with', async () => {
    // Prepare: the stored checkpoint's size line changed in the table.
    const { store, log, contract, note, size } = await publishedLog();
    await db.send(
      new PutCommand({
        TableName: testStack().tables.ledger,
        Item: {
          pk: `CKPT#${contract}`,
          sk: `C#${String(size).padStart(16, '0')}`,
          note: note.replace(`\n${size}\n`, `\n${size + 1}\n`),
        },
      }),
    );

    // Act / Assess
    await expect(
      cosignCheckpoint(store, contract, log.keyFor(contract), memoryWitness('evaluator.example').signer, {
        time: 1_767_000_000,
      }),
    ).rejects.toThrow(/invalid signature/);
  });
});

describe('verifyStoredLog with witnesses', () => {
  it('reports which witnesses cosigned; requiring a missing one fails; a bad witness key throws', async () => {
    // Prepare
    const { store, log, contract } = await publishedLog();
    const evaluator = memoryWitness('evaluator.example/witness');
    const ministry = memoryWitness('ministry.example/witness');
    await cosignCheckpoint(store, contract, log.keyFor(contract), evaluator.signer, { time: 1_767_000_000 });

    // Act
    const plain = await verifyStoredLog(store, contract, [log.keyFor(contract)]);
    const reported = await verifyStoredLog(store, contract, [log.keyFor(contract)], {
      witnesses: [evaluator.key, ministry.key],
    });
    const required = await verifyStoredLog(store, contract, [log.keyFor(contract)], {
      witnesses: [evaluator.key, ministry.key],
      requireWitnesses: true,
    });
    const satisfied = await verifyStoredLog(store, contract, [log.keyFor(contract)], {
      witnesses: [evaluator.key],
      requireWitnesses: true,
    });

    // Assess
    expect(plain.ok).toBe(true);
    expect(plain.witnesses).toBeUndefined();
    expect(plain.checkpoint?.signedBy).toEqual([`sib-ledger.test/${contract}`]);
    expect(reported.ok).toBe(true);
    expect(reported.witnesses?.map((w) => w.status)).toEqual(['signed', 'missing']);
    expect(required.ok).toBe(false);
    expect(required.failure?.message).toMatch(/not cosigned by every required witness: ministry\.example\/witness\+/);
    expect(satisfied).toMatchObject({ ok: true, witnesses: [{ name: 'evaluator.example/witness', status: 'signed' }] });
    await expect(verifyStoredLog(store, contract, [log.keyFor(contract)], { witnesses: ['nonsense'] })).rejects.toThrow(
      ValidationError,
    );
    await expect(verifyStoredLog(store, contract, [log.keyFor(contract)], { requireWitnesses: true })).rejects.toThrow(
      ValidationError,
    );
  });
});
