/**
 * The operator's batch history and evidence due over HTTP: GET
 * /contracts/{contract}/batches (functions/api/ledger-batches.ts) and GET
 * /contracts/{contract}/due (functions/api/contracts-due.ts), against the
 * local test stack (DynamoDB Local, s3rver).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { type IngestReceipt, ingestBatch } from '#services';
import * as contractsApi from '../../functions/api/contracts.ts';
import { EvidenceDueSchema } from '../../functions/api/contracts-due.ts';
import * as ledgerApi from '../../functions/api/ledger.ts';
import { BatchListSchema } from '../../functions/api/ledger-batches.ts';
import { resultKey } from '../../functions/ingest-s3.ts';
import { uploadKey } from '../../functions/presign-upload.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { apiEvent, type Role, token } from '../support/api-event.ts';
import { release } from '../support/evidence.ts';
import { enrol, freshContract, invoke, job } from '../support/http.ts';
import { registerFixture, useHandlerRuntime } from '../support/runtime.ts';
import { testStack } from '../support/stack.ts';

const { contracts, runtime } = useHandlerRuntime('sib-api-batches-');

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  readonly body: any;
}

function call(
  api: 'ledger' | 'contracts',
  id: string,
  contract: string,
  role: Role,
  query: Record<string, string> = {},
) {
  const event = apiEvent(id, contract, { claims: token(role, `${role}-1`, contract) });
  const withQuery = {
    ...event,
    rawQueryString: new URLSearchParams(query).toString(),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
  };
  return invoke((api === 'ledger' ? ledgerApi : contractsApi).handler, withQuery) as Promise<Answer>;
}

async function ingest(contract: string, batchId: string, records: unknown[]): Promise<IngestReceipt> {
  return ingestBatch(
    {
      profile: await loadProfile(contract),
      batchId,
      submitter: { sub: 'operator-7', role: 'operator' },
      records: records.map((value, at) => ({ at, value })),
      today: '2026-01-01',
    },
    runtime().ports,
  );
}

let contract: string;
let receipts: IngestReceipt[];
beforeAll(async () => {
  contract = freshContract(contracts, 'history');
  await registerFixture(runtime(), contract);
  receipts = [
    await ingest(contract, 'b-1', [
      { ...enrol('e1', 'OP-0001', '2024-01-05'), category: 'serving-sentence' },
      release('r1', 'OP-0001', '2024-01-10'),
      { ...enrol('e2', 'OP-0002', '2024-01-05'), category: 'serving-sentence' },
      release('r2', 'OP-0002', '2024-01-10'),
    ]),
    await ingest(contract, 'b-2', [job('j1', 'OP-0002', '2024-02-01')]),
    await ingest(contract, 'b-3', [enrol('e3', 'OP-0003', '2024-05-01')]),
  ];
});

describe('GET /contracts/{contract}/batches', () => {
  it('lists the batches newest first, each with its receipt, counts per type and when it was appended', async () => {
    const answer = await call('ledger', 'listBatches', contract, 'operator');

    expect(answer.status).toBe(200);
    const body = BatchListSchema.parse(answer.body);
    expect(body.size).toBe(4);
    expect(body.next).toBeUndefined();
    expect(body.batches.map((b) => [b.batchId, b.seq])).toEqual([
      ['b-3', 3],
      ['b-2', 2],
      ['b-1', 1],
    ]);
    const first = receipts[0] as IngestReceipt;
    expect(body.batches[2]).toEqual({
      batchId: 'b-1',
      seq: first.seq,
      entryHash: first.entryHash,
      recordsRoot: first.recordsRoot,
      recordCount: 4,
      types: { enrolment: 2, release: 2 },
      archive: first.archive,
      appendedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect(body.uploads).toEqual([]);
  });

  it('pages with limit, then before = next', async () => {
    const one = await call('ledger', 'listBatches', contract, 'evaluator', { limit: '2' });
    const two = await call('ledger', 'listBatches', contract, 'evaluator', {
      limit: '2',
      before: String(one.body.next),
    });

    expect(one.body.batches.map((b: { batchId: string }) => b.batchId)).toEqual(['b-3', 'b-2']);
    expect(one.body.next).toBe(2);
    expect(two.body.batches.map((b: { batchId: string }) => b.batchId)).toEqual(['b-1']);
    expect(two.body.next).toBeUndefined();
    expect(two.body.uploads).toEqual([]);
  });

  it('lists the uploads not in the log: pending, and rejected with their problem count', async () => {
    const s3 = runtime().s3;
    const Bucket = testStack().buckets.uploads;
    await s3.send(new PutObjectCommand({ Bucket, Key: uploadKey(contract, 'u-pending'), Body: 'x' }));
    await s3.send(
      new PutObjectCommand({
        Bucket,
        Key: resultKey(contract, 'u-bad'),
        Body: JSON.stringify({
          status: 422,
          title: 'Invalid batch',
          detail: '2 problems',
          errors: [],
          problemCount: 2,
        }),
      }),
    );

    const answer = await call('ledger', 'listBatches', contract, 'operator');

    expect(answer.body.uploads).toEqual([
      { batchId: 'u-pending', status: 'pending', at: expect.any(String) },
      { batchId: 'u-bad', status: 'rejected', at: expect.any(String), title: 'Invalid batch', problemCount: 2 },
    ]);
  });

  it('refuses the investor, and a page beyond the log', async () => {
    const investor = await call('ledger', 'listBatches', contract, 'investor');
    const beyond = await call('ledger', 'listBatches', contract, 'operator', { before: '99' });
    const zero = await call('ledger', 'listBatches', contract, 'operator', { limit: '0' });

    expect(investor.status).toBe(403);
    expect(beyond.status).toBe(422);
    expect(beyond.body.errors[0].field).toBe('query.before');
    expect(zero.status).toBe(422);
  });
});

describe('GET /contracts/{contract}/due', () => {
  it('answers the periods near their cut-off and the windows closing soon, by pseudonym', async () => {
    const answer = await call('contracts', 'evidenceDue', contract, 'operator', { asOf: '2024-06-01' });

    expect(answer.status).toBe(200);
    const body = EvidenceDueSchema.parse(answer.body);
    expect(body.periods.map((p) => [p.id, p.status, p.daysLeft])).toEqual([['y1', 'due', 60]]);
    // OP-0001, released 2024-01-10, not employed: the 180-day window closes 2024-07-07. OP-0002 is employed.
    expect(body.windows).toEqual([
      expect.objectContaining({
        to: '2024-07-07',
        daysLeft: 36,
        metrics: [expect.objectContaining({ id: 'employed' })],
      }),
    ]);
    expect(body.windows[0]?.participant).toMatch(/^p-[0-9a-f]{32}$/);
    expect(JSON.stringify(body)).not.toContain('OP-000');
  });

  it('takes the horizons from the query, and refuses bad ones naming the field', async () => {
    const wide = await call('contracts', 'evidenceDue', contract, 'evaluator', {
      asOf: '2024-06-01',
      periodDays: '500',
      windowDays: '0',
    });
    const bad = await call('contracts', 'evidenceDue', contract, 'operator', { asOf: '2024-02-30' });
    const ministry = await call('contracts', 'evidenceDue', contract, 'ministry');

    expect(wide.body.periods.map((p: { id: string }) => p.id)).toEqual(['y1', 'y2']);
    expect(wide.body.windows).toEqual([]);
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0].field).toBe('query.asOf');
    expect(ministry.status).toBe(403);
  });
});
