/**
 * Failure paths a real DynamoDB Local or s3rver cannot produce on demand,
 * injected with aws-sdk-client-mock into the clients of a runtime on the
 * real test stack: every call not scripted here goes through to the real
 * service, so each test ends by reading the real store and finding nothing
 * lost and nothing doubled.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DynamoDBDocumentClient,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HEAD_ATTRIBUTES } from '../../functions/adapters/storage-layout.ts';
import { handler } from '../../functions/ingest-batch.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, enrol, freshContract, invoke, job, operatorClaims, saveEnv } from '../support/http.ts';
import { registerFixture } from '../support/runtime.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const dir = mkdtempSync(join(tmpdir(), 'sib-handler-faults-'));
const contracts = join(dir, 'contracts');
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
const opened: Runtime[] = [];
const reader = DynamoDBDocumentClient.from(dynamoClient());

let plain: Runtime;

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  process.env.SIB_CONTRACTS_DIR = contracts;
  plain = await localRuntime(dir, testStack());
  opened.push(plain);
});

/** A fresh contract registered in its log through an unstubbed runtime (the faults are for the ingest). */
async function fresh(prefix: string): Promise<string> {
  const contract = freshContract(contracts, prefix);
  await registerFixture(plain, contract);
  return contract;
}
afterEach(() => resetRuntime());
afterAll(() => {
  for (const rt of opened) {
    rt.dynamo.destroy();
    rt.s3.destroy();
  }
  reader.destroy();
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

function awsError(name: string, status?: number): Error {
  return Object.assign(new Error(name), { name, $metadata: status === undefined ? {} : { httpStatusCode: status } });
}

/**
 * A runtime on the test stack whose DynamoDB and S3 clients are stubbed, each
 * stub passing every call through to the real client unless a test scripts
 * it (sinon falls back to the stub's default once a command's scripted
 * answers are used up). `real` sends past the stubs.
 */
async function faultyRuntime() {
  const rt = await localRuntime(dir, testStack());
  opened.push(rt);
  const real = {
    dynamo: rt.dynamo.send.bind(rt.dynamo) as (command: unknown) => Promise<unknown>,
    s3: rt.s3.send.bind(rt.s3) as (command: unknown) => Promise<unknown>,
  };
  const dynamo = mockClient(rt.dynamo);
  const s3 = mockClient(rt.s3);
  // The real clients answer with each command's own output type; the stub's signature only knows their union.
  dynamo.send.callsFake((command) => real.dynamo(command) as ReturnType<typeof dynamo.send>);
  s3.send.callsFake((command) => real.s3(command) as ReturnType<typeof s3.send>);
  setRuntime(rt);
  return { rt, dynamo, s3, real };
}

const batch = (contract: string, batchId: string, records: unknown[]) =>
  apiEvent({
    route: 'batches',
    contract,
    body: JSON.stringify({ batchId, records }),
    headers: { 'content-type': 'application/json' },
    claims: operatorClaims({ sub: 'operator-1' }),
  });

/** A transaction of the evidence records' puts (not the ledger append). */
const writesRecords = (input: TransactWriteCommandInput) =>
  input.TransactItems?.[0]?.Put?.TableName === testStack().tables.records &&
  input.TransactItems.every((item) => item.Put);

/** `n` participants, each enrolled and employed: 2n records. */
function cohort(n: number): { records: unknown[]; eventIds: string[] } {
  const records = Array.from({ length: n }, (_, i) => [
    enrol(`en-${i}`, `OP-${1000 + i}`),
    job(`jb-${i}`, `OP-${1000 + i}`),
  ]).flat();
  return { records, eventIds: records.map((r) => r.eventId).sort() };
}

/**
 * Nothing lost and nothing doubled, read from the real tables (not through
 * the stubs): exactly one ledger entry, and it is this batch's; every event
 * id stored exactly once, all under this batch; all visible to readers.
 */
async function expectExactlyOnce(rt: Runtime, contract: string, batchId: string, eventIds: readonly string[]) {
  const { tables } = testStack();
  const ledger = await reader.send(
    new QueryCommand({
      TableName: tables.ledger,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :e)',
      ExpressionAttributeValues: { ':pk': `LOG#${contract}`, ':e': 'E#' },
      ConsistentRead: true,
    }),
  );
  // The registration, then the batch once.
  expect(ledger.Items?.map((item) => JSON.parse(item.entry as string).body.batchId)).toEqual([undefined, batchId]);
  const stored: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await reader.send(
      new ScanCommand({
        TableName: tables.records,
        FilterExpression: 'begins_with(pk, :ev)',
        ExpressionAttributeValues: { ':ev': `EV#${contract}#` },
        ExclusiveStartKey: start,
        ConsistentRead: true,
      }),
    );
    stored.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  expect(stored.map((item) => JSON.parse(item.record as string).eventId).sort()).toEqual(eventIds);
  expect(new Set(stored.map((item) => item.batchId))).toEqual(new Set([batchId]));
  expect((await rt.store.byBatch(contract, batchId)).map((r) => r.record.eventId).sort()).toEqual(eventIds);
}

describe('ingest handler under DynamoDB and S3 faults', () => {
  it('retries throttled record writes and accepts the batch', async () => {
    const { rt, dynamo, real } = await faultyRuntime();
    const faults = [awsError('ProvisionedThroughputExceededException', 400), awsError('ThrottlingException', 400)];
    let recordWrites = 0;
    dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      if (!writesRecords(input)) return real.dynamo(new TransactWriteCommand(input));
      recordWrites++;
      const fault = faults.shift();
      if (fault) throw fault;
      return real.dynamo(new TransactWriteCommand(input));
    });
    const contract = await fresh('flt');
    const { records, eventIds } = cohort(20);

    const answer = await invoke(handler, batch(contract, 'b-throttled', records));

    expect(answer.status).toBe(201);
    // 40 records go out as one transaction of puts; each throttled call is made again.
    expect(recordWrites).toBe(3);
    await expectExactlyOnce(rt, contract, 'b-throttled', eventIds);
  });

  it('writes a record transaction cancelled by a conflict again, losing none and doubling none', async () => {
    const { rt, dynamo, real } = await faultyRuntime();
    let cancelled = 0;
    let recordWrites = 0;
    dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      if (!writesRecords(input)) return real.dynamo(new TransactWriteCommand(input));
      recordWrites++;
      if (cancelled++ === 0) {
        const reasons = (input.TransactItems ?? []).map((_, i) => ({ Code: i === 3 ? 'TransactionConflict' : 'None' }));
        throw Object.assign(awsError('TransactionCanceledException', 400), { CancellationReasons: reasons });
      }
      return real.dynamo(new TransactWriteCommand(input));
    });
    const contract = await fresh('flt');
    const { records, eventIds } = cohort(20);

    const answer = await invoke(handler, batch(contract, 'b-conflict', records));

    expect(answer.status).toBe(201);
    expect(recordWrites).toBe(2);
    await expectExactlyOnce(rt, contract, 'b-conflict', eventIds);
  });

  it('never sends BatchWriteItem (it can delete) nor UpdateItem outside the HEAD items', async () => {
    const { dynamo } = await faultyRuntime();
    const contract = await fresh('flt');
    const { records } = cohort(60);

    const answer = await invoke(handler, batch(contract, 'b-actions', records));

    expect(answer.status).toBe(201);
    const sent = dynamo.send
      .getCalls()
      .map((call) => call.args[0] as { constructor: { name: string }; input: unknown });
    const names = new Set(sent.map((command) => command.constructor.name));
    expect(names.has('BatchWriteCommand')).toBe(false);
    expect(names.has('UpdateCommand')).toBe(false);
    expect(names.has('DeleteCommand')).toBe(false);
    const updates = sent
      .filter((command) => command.constructor.name === 'TransactWriteCommand')
      .flatMap((command) => (command.input as TransactWriteCommandInput).TransactItems ?? [])
      .flatMap((item) => (item.Update ? [item.Update] : []));
    expect(updates.length).toBeGreaterThan(0);
    for (const update of updates) {
      // The IAM conditions of infra/stacks/function-policies.ts: a HEAD# partition, only HEAD attributes.
      expect(update.Key).toEqual({ pk: `HEAD#${contract}`, sk: 'HEAD' });
      const names = Object.values(update.ExpressionAttributeNames ?? {});
      for (const name of names) expect(HEAD_ATTRIBUTES).toContain(name);
    }
    expect(
      sent
        .filter((command) => command.constructor.name === 'TransactWriteCommand')
        .some((command) => (command.input as TransactWriteCommandInput).TransactItems?.some((item) => item.Delete)),
    ).toBe(false);
  });

  it('answers 503 when the append times out after committing, and a retry gets the receipt of the one entry', async () => {
    const { rt, dynamo, real } = await faultyRuntime();
    let appends = 0;
    dynamo.on(TransactWriteCommand).callsFake(async (input: TransactWriteCommandInput) => {
      const answer = await real.dynamo(new TransactWriteCommand(input));
      // The append's commit happens; its answer never arrives.
      if (!writesRecords(input) && appends++ === 0) throw awsError('TimeoutError');
      return answer;
    });
    const contract = await fresh('flt');
    const { records, eventIds } = cohort(5);

    const failed = await invoke(handler, batch(contract, 'b-timeout', records));
    const retried = await invoke(handler, batch(contract, 'b-timeout', records));

    expect(failed.status).toBe(503);
    expect(failed.headers['content-type']).toBe('application/problem+json');
    expect(failed.headers['retry-after']).toBe('1');
    expect(failed.body).toMatchObject({ status: 503, requestId: failed.headers['x-request-id'] });
    expect(JSON.stringify(failed.body)).not.toContain('TimeoutError');
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ batchId: 'b-timeout', seq: 1, recordCount: 10, replayed: true });
    await expectExactlyOnce(rt, contract, 'b-timeout', eventIds);
  });

  it('answers 503 when the append times out before committing, and a retry appends the batch once', async () => {
    const { rt, dynamo } = await faultyRuntime();
    dynamo.on(TransactWriteCommand).rejectsOnce(awsError('TimeoutError'));
    const contract = await fresh('flt');
    const { records, eventIds } = cohort(5);

    const failed = await invoke(handler, batch(contract, 'b-lost', records));
    const retried = await invoke(handler, batch(contract, 'b-lost', records));

    expect(failed.status).toBe(503);
    expect(retried.status).toBe(201);
    expect(retried.body).toMatchObject({ seq: 1, replayed: false });
    await expectExactlyOnce(rt, contract, 'b-lost', eventIds);
  });

  it('answers 503 when S3 refuses the archive write, and a retry archives and appends once', async () => {
    const { rt, s3 } = await faultyRuntime();
    s3.on(PutObjectCommand).rejectsOnce(awsError('SlowDown', 503));
    const contract = await fresh('flt');
    const { records, eventIds } = cohort(3);

    const failed = await invoke(handler, batch(contract, 'b-s3', records));
    const sizeAfterFailure = (await rt.log.head(contract)).size;
    const retried = await invoke(handler, batch(contract, 'b-s3', records));

    expect(failed.status).toBe(503);
    expect(sizeAfterFailure).toBe(1);
    expect(retried.status).toBe(201);
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
    await expectExactlyOnce(rt, contract, 'b-s3', eventIds);
  });
});
