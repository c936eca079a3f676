/**
 * The witness status route (`GET /contracts/{contract}/witnesses`,
 * functions/api/witness-status.ts): the log's checkpoint push records each
 * witness's answer off the log (functions/adapters/ledger-witnesses.ts), and
 * the route shows the last checkpoint a witness cosigned (with the stored
 * note, whose cosignature verifies) and the rollback another refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { checkSigners, logVerifierKey, publishCheckpoint } from '#ledger';
import { type RunningWitness, startWitnessServer } from '../../cli/witness/server.ts';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { checkpointPusher } from '../../functions/adapters/witness-push.ts';
import { handler } from '../../functions/api/ledger.ts';
import { WitnessStatusSchema } from '../../functions/api/witness-status.ts';
import { resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { createTables } from '../../infra/local/provision.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { apiEvent, token } from '../support/api-event.ts';
import { invoke, saveEnv } from '../support/http.ts';
import { memoryWitness } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const suffix = `${process.pid}-${Date.now().toString(36)}`;
const client = dynamoClient();
const db = DynamoDBDocumentClient.from(client);
const actor = { sub: 'operator-1', role: 'operator' } as const;
const dataDir = mkdtempSync(join(tmpdir(), 'sib-witstatus-'));
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_WITNESS_URLS', 'SIB_WITNESS_KEYS']);
const faithful = memoryWitness('evaluator.example/witness');
const strict = memoryWitness('auditor.example/witness');
const servers: RunningWitness[] = [];
const stateDirs: string[] = [];
let tableCount = 0;

async function freshStack(): Promise<StackConfig> {
  const n = tableCount++;
  const stack = {
    ...testStack(),
    tables: { ledger: `wstatus-ledger-${suffix}-${n}`, records: `wstatus-rec-${suffix}-${n}` },
  };
  await createTables(client, stack.tables);
  return stack;
}

async function witnessFor(w: typeof faithful, logKeys: string[]): Promise<RunningWitness> {
  const state = await mkdtemp(join(tmpdir(), 'sib-witstatus-state-'));
  stateDirs.push(state);
  const server = await startWitnessServer({ witness: w.signer, stateDir: state, logs: logKeys });
  servers.push(server);
  return server;
}

async function grow(store: DynamoLedger, contract: string, from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    await store.append({ contract, idempotencyKey: `k${n}`, intent: { kind: 'test.note', actor, body: { n } } });
  }
}

afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of stateDirs) await rm(d, { recursive: true, force: true });
  resetRuntime();
  db.destroy();
  saved.restore();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('GET /contracts/{contract}/witnesses', () => {
  it('shows the checkpoint a witness cosigned (its note verifies) and the rollback another refused', async () => {
    // Prepare: two witnesses of the log; the strict one has already cosigned a larger tree of the same
    // log (another copy of it, signed by the same key, at size 6): the log at size 3 is a rollback to it.
    const contract = 'second-chance';
    const signer = await LocalSigner.open({ dataDir });
    const logKey = await logVerifierKey(signer, contract);
    const good = await witnessFor(faithful, [logKey]);
    const refusing = await witnessFor(strict, [logKey]);
    const elsewhere: DynamoLedger = new DynamoLedger({
      client: db,
      tables: (await freshStack()).tables,
      afterCheckpoint: checkpointPusher(() => elsewhere, { urls: [refusing.url], witnessKeys: [strict.key] }),
    });
    await grow(elsewhere, contract, 0, 6);
    await publishCheckpoint(elsewhere, signer, contract);
    process.env.SIB_DATA_DIR = dataDir;
    process.env.SIB_WITNESS_URLS = `${good.url},${refusing.url}`;
    process.env.SIB_WITNESS_KEYS = `${faithful.key},${strict.key}`;
    const rt = await localRuntime(dataDir, await freshStack());
    setRuntime(rt);
    await grow(rt.log, contract, 0, 3);

    // Act
    await publishCheckpoint(rt.log, rt.signer, contract);
    const answer = await invoke(
      handler,
      apiEvent('getWitnessStatus', contract, { claims: token('evaluator', 'evaluator-1', contract) }),
    );
    const refused = await invoke(
      handler,
      apiEvent('getWitnessStatus', contract, { claims: token('operator', 'operator-1', contract) }),
    );

    // Assess
    expect(answer.status).toBe(200);
    const status = WitnessStatusSchema.parse(answer.body);
    expect(status).toMatchObject({ contract, size: 3, keys: [faithful.key, strict.key] });
    const byUrl = new Map(status.witnesses.map((w) => [w.url, w]));
    const cosigned = byUrl.get(good.url);
    expect(cosigned?.lastCosigned).toMatchObject({ size: 3, witnesses: ['evaluator.example/witness'] });
    expect(cosigned?.lastRefusal).toBeUndefined();
    expect(checkSigners(cosigned?.lastCosigned?.note ?? '', [faithful.key])[0]?.status).toBe('signed');
    const rollback = byUrl.get(refusing.url);
    expect(rollback?.lastCosigned).toBeUndefined();
    expect(rollback?.lastRefusal).toMatchObject({ kind: 'rollback', status: 409, size: 3, witnessSize: 6 });
    expect(refused.status).toBe(403);
    rt.dynamo.destroy();
    rt.s3.destroy();
  });
});
