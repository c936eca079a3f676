/**
 * The published checkpoints of the contract logs on DynamoDB (items
 * C#<size> of a log's checkpoint partition CKPT#<contract>, ledger-items.ts): each signed note stored
 * once, read back by size or as the latest, and witnesses' cosignatures
 * merged into it with conditional puts, never updates (no deployed role may
 * UpdateItem anything but HEAD items).
 */
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '#kernel';
import { mergeCosignatures } from '#ledger';
import { checkpointKey, checkpointPk, type LedgerDb } from './ledger-items.ts';

/** Stores a signed checkpoint note for `size`, once; returns the stored note. */
export async function saveCheckpoint(ledger: LedgerDb, contract: string, size: number, note: string): Promise<string> {
  try {
    await ledger.io.db.send(
      new PutCommand({
        TableName: ledger.tables.ledger,
        Item: { ...checkpointKey(contract, size), note },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return note;
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    const item = await ledger.io.get(ledger.tables.ledger, checkpointKey(contract, size));
    return item?.note as string;
  }
}

/** The checkpoint note published for `size`, if any. */
export async function checkpointAt(ledger: LedgerDb, contract: string, size: number): Promise<string | undefined> {
  if (!Number.isSafeInteger(size) || size < 0) return undefined;
  const item = await ledger.io.get(ledger.tables.ledger, checkpointKey(contract, size));
  return item?.note as string | undefined;
}

/**
 * Adds a witness's cosignature to the published checkpoint of `size`: the
 * stored note is replaced by itself plus the signature lines of
 * `cosignedNote` it lacks (mergeCosignatures: same text, existing lines
 * kept in order), on the condition that it is still the note just read.
 * A witness that lost the race to another re-reads and merges again, so
 * concurrent witnesses never drop each other's lines. The lines' signatures
 * are the caller's to check (cosignCheckpoint does). Returns the stored
 * note with every signature.
 */
export async function addCosignature(
  ledger: LedgerDb,
  contract: string,
  size: number,
  cosignedNote: string,
): Promise<string> {
  const key = checkpointKey(contract, size);
  for (let contention = 0; ; ) {
    const item = await ledger.io.get(ledger.tables.ledger, key);
    if (typeof item?.note !== 'string') {
      throw new NotFoundError(`no checkpoint of size ${size} has been published for ${contract}`);
    }
    const current = item.note;
    const merged = mergeCosignatures(current, cosignedNote);
    if (merged === current) return current;
    try {
      await ledger.io.withRetry(() =>
        ledger.io.db.send(
          // A conditional put of the whole item, not an UpdateItem: no role
          // may UpdateItem anything but HEAD items (infra/stacks).
          new PutCommand({
            TableName: ledger.tables.ledger,
            Item: { ...key, note: merged },
            ConditionExpression: '#note = :current',
            ExpressionAttributeNames: { '#note': 'note' },
            ExpressionAttributeValues: { ':current': current },
          }),
        ),
      );
      return merged;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
      if (++contention >= ledger.io.retry.maxContention) throw error;
      await ledger.io.sleep(Math.floor(ledger.io.random() * Math.min(10, contention)));
    }
  }
}

/** The latest published checkpoint note, if any. */
export async function latestCheckpoint(ledger: LedgerDb, contract: string): Promise<string | undefined> {
  const out = await ledger.io.withRetry(() =>
    ledger.io.db.send(
      new QueryCommand({
        TableName: ledger.tables.ledger,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': checkpointPk(contract), ':prefix': 'C#' },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    ),
  );
  ledger.io.itemsRead += out.Count ?? 0;
  return out.Items?.[0]?.note as string | undefined;
}
