/**
 * The settlement races (test/support/settlement-races.ts) on DynamoDB Local,
 * through DynamoContractLog and the append protocol: each order of the two
 * operations' size() and append() calls is run on a new contract, and the
 * expected size each decision carries is enforced by HEAD's condition in the
 * commit transaction. (Every order of every pair runs in memory in
 * test/domain/settlement-races.test.ts; here the three shorter pairs.)
 */
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { DynamoContractLog } from '../../functions/adapters/contract-log.ts';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { specWith } from '../support/evaluation-fixtures.ts';
import { forEachInterleaving } from '../support/interleavings.ts';
import { RACES, runRace } from '../support/settlement-races.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

let counter = 0;
const RUN = `${process.pid.toString(36)}${Date.now().toString(36)}`;

function dynamoLog(): DynamoContractLog {
  const client = DynamoDBDocumentClient.from(dynamoClient());
  return new DynamoContractLog(
    new DynamoLedger({ client, tables: testStack().tables, retry: { baseMs: 5, capMs: 50 } }),
  );
}

describe('settle once on DynamoDB: every order of two concurrent operations has one winner', () => {
  for (const race of RACES.filter((r) => !r.name.startsWith('approve vs approve'))) {
    it(race.name, async () => {
      const log = dynamoLog();
      const runs = await forEachInterleaving((interleaving) => {
        const spec = specWith('second-chance-kamchatka', (raw) => {
          raw.id = `settle-${RUN}-${counter++}`;
        });
        return runRace({ ...race, gating: 'size-and-append' }, interleaving, { spec, log });
      });
      expect(runs).toBeGreaterThan(1);
    }, 300_000);
  }
});
