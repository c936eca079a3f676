import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';

// Failure paths a real DynamoDB Local cannot produce on demand: throttling
// and transaction conflicts, answered by aws-sdk-client-mock.
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const ddb = mockClient(documentClient);
const actor = { sub: 'op', role: 'operator' } as const;

function awsError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(name), { name, $metadata: {}, ...extra });
}

function ledgerWithSleeps() {
  const sleeps: number[] = [];
  const log = new DynamoLedger({
    client: documentClient,
    tables: { ledger: 'ledger', records: 'records' },
    retry: { maxAttempts: 5, baseMs: 10, capMs: 1_000 },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.999,
    clock: { now: () => new Date('2026-11-22T10:00:00.000Z') },
  });
  return { log, sleeps };
}

describe('DynamoLedger under throttling', () => {
  beforeEach(() => {
    ddb.reset();
    ddb.on(GetCommand).resolves({});
  });

  it('retries a throttled append with exponential backoff and then succeeds', async () => {
    ddb
      .on(TransactWriteCommand)
      .rejectsOnce(awsError('ThrottlingException'))
      .rejectsOnce(awsError('ProvisionedThroughputExceededException'))
      .rejectsOnce(
        awsError('TransactionCanceledException', {
          CancellationReasons: [{ Code: 'ThrottlingError' }, { Code: 'None' }, { Code: 'None' }],
        }),
      )
      .resolves({});
    const { log, sleeps } = ledgerWithSleeps();

    const receipt = await log.append({
      contract: 'c1',
      idempotencyKey: 'k',
      intent: { kind: 'test.note', actor, body: {} },
    });

    expect(receipt.seq).toBe(0);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(4);
    expect(sleeps).toEqual([9, 19, 39]);
  });

  it('gives up after the retry budget and surfaces the throttling error', async () => {
    ddb.on(TransactWriteCommand).rejects(awsError('ThrottlingException'));
    const { log } = ledgerWithSleeps();

    const attempt = log.append({ contract: 'c1', idempotencyKey: 'k', intent: { kind: 'test.note', actor, body: {} } });

    await expect(attempt).rejects.toMatchObject({ name: 'ThrottlingException' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(5);
  });

  it('retries throttled reads', async () => {
    ddb.reset();
    ddb.on(GetCommand).rejectsOnce(awsError('ThrottlingException')).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    const { log, sleeps } = ledgerWithSleeps();

    const receipt = await log.append({
      contract: 'c1',
      idempotencyKey: 'k',
      intent: { kind: 'test.note', actor, body: {} },
    });

    expect(receipt.seq).toBe(0);
    expect(sleeps).toEqual([9]);
  });

  it('does not retry an error that is not transient', async () => {
    ddb.on(TransactWriteCommand).rejects(awsError('ValidationException'));
    const { log } = ledgerWithSleeps();

    await expect(
      log.append({ contract: 'c1', idempotencyKey: 'k', intent: { kind: 'test.note', actor, body: {} } }),
    ).rejects.toMatchObject({ name: 'ValidationException' });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });
});
