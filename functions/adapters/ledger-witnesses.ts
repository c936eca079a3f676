/**
 * What each witness last answered to the log's checkpoint pushes
 * (witness-push.ts), kept on DynamoDB beside the checkpoints so that the API
 * can show a witness's standing (`GET /contracts/{contract}/witnesses`):
 * per witness URL, the last checkpoint it cosigned and the last checkpoint
 * it refused (rollback, fork or other), with the HTTP status and sizes.
 *
 * Items of the log's checkpoint partition (pk = CKPT#<contract>, which the
 * functions that publish checkpoints may already PutItem in): sk
 * W#C#<url> (last cosigned) and W#R#<url> (last refusal). Two items, each a
 * plain put, so that no write reads another first; a cosigned item is only
 * replaced by one of the same or a larger size (a late push of an older
 * checkpoint does not hide a newer cosignature). Off the log: nothing here
 * is an entry, and a failure to write is the caller's to log, never to throw
 * into an append or a publish.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { WitnessAnswer } from '#ledger';
import { checkpointPk, type LedgerDb } from './ledger-items.ts';

/** A witness's last cosignature, as the log saw it. */
export interface WitnessCosigned {
  readonly size: number;
  /** ISO time the log stored the answer. */
  readonly at: string;
  /** The names of the configured witness keys whose cosignature verified. */
  readonly witnesses: string[];
}

/** A witness's last refusal, as the log saw it. */
export interface WitnessRefused {
  readonly kind: 'rollback' | 'fork' | 'other';
  readonly status?: number;
  readonly size: number;
  readonly witnessSize?: number;
  readonly why: string;
  readonly at: string;
}

export interface WitnessAnswers {
  readonly url: string;
  readonly lastCosigned?: WitnessCosigned;
  readonly lastRefusal?: WitnessRefused;
}

const COSIGNED = 'W#C#';
const REFUSED = 'W#R#';

/** Stores one witness's answer (at `at`, ISO). */
export async function saveWitnessAnswer(
  ledger: LedgerDb,
  contract: string,
  answer: WitnessAnswer,
  at: string,
): Promise<void> {
  const pk = checkpointPk(contract);
  if (answer.outcome === 'cosigned') {
    const cosigned: WitnessCosigned = { size: answer.size, at, witnesses: answer.witnesses };
    try {
      await ledger.io.withRetry(() =>
        ledger.io.db.send(
          new PutCommand({
            TableName: ledger.tables.ledger,
            Item: { pk, sk: `${COSIGNED}${answer.url}`, url: answer.url, cosigned, size: answer.size },
            ConditionExpression: 'attribute_not_exists(pk) OR #size <= :size',
            ExpressionAttributeNames: { '#size': 'size' },
            ExpressionAttributeValues: { ':size': answer.size },
          }),
        ),
      );
    } catch (error) {
      // A newer cosignature is already there: it stays.
      if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    }
    return;
  }
  const refused: WitnessRefused = {
    kind: answer.kind,
    ...(answer.status === undefined ? {} : { status: answer.status }),
    size: answer.size,
    ...(answer.witnessSize === undefined ? {} : { witnessSize: answer.witnessSize }),
    // The why is a status or a transport error's message: no personal data (a checkpoint holds none).
    why: answer.why.slice(0, 300),
    at,
  };
  await ledger.io.withRetry(() =>
    ledger.io.db.send(
      new PutCommand({
        TableName: ledger.tables.ledger,
        Item: { pk, sk: `${REFUSED}${answer.url}`, url: answer.url, refused },
      }),
    ),
  );
}

/** Every witness's last answers for the log, by URL (in URL order). */
export async function witnessAnswers(ledger: LedgerDb, contract: string): Promise<WitnessAnswers[]> {
  const byUrl = new Map<string, { url: string; lastCosigned?: WitnessCosigned; lastRefusal?: WitnessRefused }>();
  for await (const item of ledger.io.query({
    TableName: ledger.tables.ledger,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': checkpointPk(contract), ':prefix': 'W#' },
    ConsistentRead: true,
  })) {
    const url = item.url as string;
    const entry = byUrl.get(url) ?? { url };
    if (item.cosigned !== undefined) entry.lastCosigned = item.cosigned as WitnessCosigned;
    if (item.refused !== undefined) entry.lastRefusal = item.refused as WitnessRefused;
    byUrl.set(url, entry);
  }
  return [...byUrl.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
}
