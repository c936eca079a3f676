import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { ContractProfile } from '#contracts';
import { type IngestRequest, ingestBatch, registerContract } from '#services';
import { loadProfile } from '../functions/shared/contracts.ts';
import { localRuntime } from '../infra/local/runtime.ts';

import { throwawayStack } from './throwaway-stack.ts';

/**
 * A 10,000-record batch through the ingest use case (validate, pseudonymise,
 * check against the ledger, archive, write, append) into a file-backed
 * DynamoDB Local, against raw BatchWriteItem of as many items of the same
 * size into the same table with the same concurrency, in one run.
 */

const consent = createHash('sha256').update('consent').digest('hex');

/** `participants` people, each enrolled and then with four more events: 5 records each. */
export function syntheticBatch(participants: number, prefix: string): Record<string, unknown>[] {
  const records: Record<string, unknown>[] = [];
  for (let p = 0; p < participants; p++) {
    const ref = `${prefix}-${p.toString().padStart(6, '0')}`;
    const id = (k: string) => `${ref}-${k}`;
    const common = (k: string, type: string, date: string, source = 'operator') => ({
      eventId: id(k),
      participant: ref,
      type,
      date,
      source,
    });
    records.push(
      {
        ...common('enr', 'enrolment', '2024-02-01'),
        cohort: '2024',
        category: p % 3 === 0 ? 'released' : 'probation',
        sex: p % 4 === 0 ? 'female' : 'male',
        birthYear: 1970 + (p % 35),
        consentSha256: consent,
      },
      { ...common('svc', 'service', '2024-02-10'), serviceType: 'legal-aid', provider: 'VEB-RF' },
      {
        ...common('job', 'employment-started', '2024-03-01', 'employer'),
        employerId: 'KAMCHATKA-FISH',
        contractType: p % 10 === 0 ? 'permanent' : 'fixed-term',
        monthlyWage: String(4_500_000 + (p % 50) * 10_000),
      },
      {
        ...common('cf1', 'employment-confirmed', '2024-04-05', 'tax-records'),
        employerId: 'KAMCHATKA-FISH',
        month: '2024-03',
      },
      {
        ...common('cf2', 'employment-confirmed', '2024-05-05', 'tax-records'),
        employerId: 'KAMCHATKA-FISH',
        month: '2024-04',
      },
    );
  }
  return records;
}

function request(profile: ContractProfile, batchId: string, values: Record<string, unknown>[]): IngestRequest {
  return {
    profile,
    batchId,
    submitter: { sub: 'bench-operator', role: 'operator' },
    records: values.map((value, at) => ({ at, value })),
    today: '2026-01-01',
  };
}

export interface IngestBenchResult {
  records: number;
  ingestMs: number;
  rawMs: number;
  ratio: number;
  recordsPerSecond: number;
}

export async function benchIngest(options: { records?: number; rounds?: number } = {}): Promise<IngestBenchResult> {
  const participants = Math.floor((options.records ?? 10_000) / 5);
  const rounds = options.rounds ?? 2;
  const services = await throwawayStack('ingest');
  const rt = await localRuntime(join(services.dir, 'data'), services.config);
  try {
    const base = await loadProfile('second-chance-kamchatka');
    const profile = (n: number) => ({ ...base, id: `bench-ingest-${n}` });
    // Evidence is taken only for a registered contract: register each round's copy first (not timed).
    const spec = JSON.parse(
      await readFile(join(import.meta.dirname, '../contracts/second-chance-kamchatka.json'), 'utf8'),
    );
    for (let n = 0; n <= rounds; n++) {
      await registerContract(rt.contracts, { ...spec, id: profile(n).id }, { sub: 'bench-ministry', role: 'ministry' });
    }
    // Warm-up: DynamoDB Local's JVM, the SDK's connections, V8.
    await ingestBatch(request(profile(0), 'warm', syntheticBatch(400, 'W')), rt.ports);
    await rawWrite(rt, syntheticItems(profile(0).id, 2_000, 'warm'));

    const ingest: number[] = [];
    const raw: number[] = [];
    let records = 0;
    for (let round = 1; round <= rounds; round++) {
      const values = syntheticBatch(participants, `R${round}`);
      records = values.length;
      let t0 = performance.now();
      const receipt = await ingestBatch(request(profile(round), `b-${round}`, values), rt.ports);
      ingest.push(performance.now() - t0);
      if (receipt.recordCount !== records) throw new Error('bench batch was not accepted whole');
      // The same number of items of the same size, written raw into the same table
      // (a stored record is its JSON with a 34-character pseudonym for the reference).
      const size = Math.round(values.reduce((n, v) => n + JSON.stringify(v).length + 22, 0) / values.length);
      const items = syntheticItems(`raw-${round}`, records, `raw-${round}`, size);
      t0 = performance.now();
      await rawWrite(rt, items);
      raw.push(performance.now() - t0);
    }
    const ingestMs = Math.min(...ingest);
    const rawMs = Math.min(...raw);
    return { records, ingestMs, rawMs, ratio: rawMs / ingestMs, recordsPerSecond: records / (ingestMs / 1000) };
  } finally {
    rt.dynamo.destroy();
    rt.s3.destroy();
    await services.stop();
  }
}

/** Items shaped like stored records (same attributes and index keys, same size). */
function syntheticItems(contract: string, count: number, batchId: string, size = 300): Record<string, unknown>[] {
  const filler = 'x'.repeat(Math.max(0, size - 35));
  return Array.from({ length: count }, (_, index) => ({
    pk: `EV#${contract}#ev-${index}`,
    sk: 'R',
    record: `{"eventId":"ev-${index}","filler":"${filler}"}`,
    batchId,
    contentHash: '0'.repeat(64),
    index,
    gsi1pk: `P#${contract}#p-${(index % 2000).toString(16).padStart(32, '0')}`,
    gsi1sk: `2024-03-01#ev-${index}`,
    gsi2pk: `B#${contract}#${batchId}`,
    gsi2sk: index.toString().padStart(8, '0'),
    gsi3pk: `T#${contract}#service`,
    gsi3sk: `2024-03-01#ev-${index}`,
  }));
}

/** Plain BatchWriteItem, 25 items a request, the same four lanes the evidence store uses. */
async function rawWrite(rt: Awaited<ReturnType<typeof localRuntime>>, items: Record<string, unknown>[]): Promise<void> {
  const table = rt.stack.tables.records;
  const lanes = 4;
  const per = Math.ceil(items.length / lanes / 25) * 25;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      const mine = items.slice(lane * per, (lane + 1) * per);
      for (let i = 0; i < mine.length; i += 25) {
        let requests = mine.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
        while (requests.length > 0) {
          const out = await rt.dynamo.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
}

if (import.meta.main) {
  console.log(await benchIngest({ records: Number(process.argv[2] ?? 10_000), rounds: 2 }));
}
