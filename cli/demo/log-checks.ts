/**
 * The scenario's closing checks of the log: its signed checkpoint, the log
 * verified as stored (as `sib ledger verify --contract` does), the investor's
 * export verified offline, and an inclusion proof checked.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { checkEntryProof, type EntryProofDocument, verifyStoredLog } from '#ledger';
import type { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { say } from '../output.ts';
import { verifyExportText } from '../verification.ts';
import { type Clients, DEMO_CONTRACT } from './cast.ts';

const params = { contract: DEMO_CONTRACT };

/** Whether the stored log, its export and an inclusion proof all verify against the log key. */
export async function checkLog(clients: Clients, store: DynamoLedger, dir: string, key: string): Promise<boolean> {
  const checkpoint = (await clients.investor.call<{ note: string }>('getCheckpoint', { params })).body;
  say('\nSigned checkpoint (C2SP signed note, GET /contracts/{contract}/checkpoint):');
  say(checkpoint.note.trimEnd().replace(/^/gm, '  '));

  const stored = await verifyStoredLog(store, DEMO_CONTRACT, [key]);
  say(
    `\nVerify as stored in DynamoDB: ${stored.ok ? `OK, ${stored.entries} entries` : `FAILED: ${stored.failure?.message}`}`,
  );

  const exportDir = join(dir, 'exports');
  await mkdir(exportDir, { recursive: true });
  const exportFile = join(exportDir, `${DEMO_CONTRACT}.jsonl`);
  const text = (await clients.investor.call<string>('exportLog', { params })).text;
  await writeFile(exportFile, text);
  const offline = await verifyExportText(text, [key], DEMO_CONTRACT);
  say(
    `Verify the export offline (GET /contracts/{contract}/export -> ${exportFile}): ${offline.ok ? 'OK' : `FAILED: ${offline.failure?.message}`}`,
  );

  const seq = 1;
  const proof = (await clients.investor.call<EntryProofDocument>('getEntryProof', { params: { ...params, seq } })).body;
  const problem = checkEntryProof(proof, [key]);
  const included = problem === undefined;
  say(
    `\nInclusion proof of seq ${seq} in the tree of size ${proof.size}: ${included ? 'verifies' : `DOES NOT VERIFY (${problem})`}`,
  );
  say(`  leaf hash ${proof.leafHash}`);
  for (const [i, h] of proof.proof.entries()) say(`  path[${i}]   ${h}`);
  say(`  root      ${proof.root}`);
  return stored.ok && offline.ok && included;
}
