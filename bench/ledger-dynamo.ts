import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLedger } from '../functions/adapters/dynamo-ledger.ts';
import { clientConfig } from '../infra/local/stack.ts';
import { throwawayStack } from './throwaway-stack.ts';

/**
 * Appends into a real DynamoDB Local (file-backed, like the local stack) with
 * 1 and 8 concurrent writers, and counts the items read per inclusion and
 * consistency proof at 1,000 and 10,000 entries.
 */

const body = (n: number) => ({
  batchId: `batch-${n}`,
  recordCount: 25,
  recordsRoot: n.toString(16).padStart(64, '0'),
});

async function fill(store: () => DynamoLedger, contract: string, from: number, to: number, writers: number) {
  let next = from;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      const log = store();
      for (let n = next++; n < to; n = next++) {
        await log.append({
          contract,
          idempotencyKey: `b-${n}`,
          intent: { kind: 'evidence.batch', actor: { sub: 'bench', role: 'operator' }, body: body(n) },
        });
      }
    }),
  );
}

export interface LedgerBenchResult {
  appendPerSecond: { writers: number; entries: number; seconds: number; perSecond: number }[];
  readsPerProof: { size: number; inclusionMax: number; inclusionMean: number; consistencyMax: number; log2: number }[];
}

export async function benchLedger(
  options: { appendEntries?: number; sizes?: number[] } = {},
): Promise<LedgerBenchResult> {
  const appendEntries = options.appendEntries ?? 400;
  const sizes = options.sizes ?? [1_000, 10_000];
  const services = await throwawayStack('ddb');
  const clients: DynamoDBClient[] = [];
  const store = () => {
    const client = new DynamoDBClient(clientConfig(services.config));
    clients.push(client);
    return new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: services.config.tables });
  };
  try {
    const appendPerSecond = [];
    for (const writers of [1, 8]) {
      const contract = `bench-append-${writers}`;
      await fill(store, contract, 0, 300, writers); // warm-up: DynamoDB Local's JVM, connections
      const t0 = performance.now();
      await fill(store, contract, 300, 300 + appendEntries, writers);
      const seconds = (performance.now() - t0) / 1000;
      appendPerSecond.push({ writers, entries: appendEntries, seconds, perSecond: appendEntries / seconds });
    }

    const readsPerProof = [];
    const contract = 'bench-proofs';
    let size = 0;
    for (const target of sizes) {
      await fill(store, contract, size, target, 1);
      size = target;
      const log = store();
      const inclusion: number[] = [];
      for (let k = 0; k < 50; k++) {
        const seq = Math.floor(((k + 0.5) / 50) * size);
        const before = log.itemsRead;
        await log.inclusionProof(contract, seq, size);
        inclusion.push(log.itemsRead - before);
      }
      const consistency: number[] = [];
      for (const old of [1, Math.floor(size / 3), size - 1]) {
        const before = log.itemsRead;
        await log.consistencyProof(contract, old, size);
        consistency.push(log.itemsRead - before);
      }
      readsPerProof.push({
        size,
        inclusionMax: Math.max(...inclusion),
        inclusionMean: inclusion.reduce((a, b) => a + b, 0) / inclusion.length,
        consistencyMax: Math.max(...consistency),
        log2: Math.log2(size),
      });
    }
    return { appendPerSecond, readsPerProof };
  } finally {
    for (const c of clients) c.destroy();
    await services.stop();
  }
}
