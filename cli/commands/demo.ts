import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { toBase64 } from '../../domain/bytes.ts';
import type { Intent } from '../../domain/entry.ts';
import { verifyExportBytes } from '../../domain/export-verify.ts';
import { exportLog, publishCheckpoint, verifyStoredLog } from '../../domain/ledger.ts';
import { verifyInclusion } from '../../domain/merkle.ts';
import { verifierKey } from '../../domain/note.ts';
import { LocalSigner } from '../../functions/adapters/local-signer.ts';
import { dataDir, stackDown, stackUp } from '../../infra/local/stack.ts';
import { ledgerFor } from '../context.ts';
import { runAction } from '../errors.ts';
import { envPort } from './stack.ts';

export const DEMO_CONTRACT = 'second-chance-kamchatka';

/**
 * The first scenario of the main job: the Second Chance contract's log gets
 * a handful of entries (idempotent, so re-runs add nothing), a signed
 * checkpoint, and is verified as stored and as an offline export.
 */
const demoEntries: { key: string; intent: Intent; records?: Record<string, unknown>[] }[] = [
  {
    key: 'demo-log-opened',
    intent: {
      kind: 'log.opened',
      actor: { sub: 'minlabour-kamchatka', role: 'ministry' as const },
      body: {
        contract: DEMO_CONTRACT,
        title: 'Второй шанс: трудоустройство лиц, освободившихся из мест лишения свободы (Камчатский край)',
        currency: 'RUB',
        term: { from: '2023-08-01', to: '2026-03-31' },
      },
    },
  },
  ...[1, 2, 3].map((n) => ({
    key: `demo-batch-${n}`,
    intent: {
      kind: 'evidence.batch',
      actor: { sub: 'veb-rf-operator', role: 'operator' as const },
      body: { batchId: `demo-batch-${n}`, note: 'synthetic demo batch', recordCount: 10 * n },
    },
    records: Array.from({ length: 10 * n }, (_, i) => ({
      participant: `pseudonym-${n}-${i}`,
      event: i % 3 === 0 ? 'employment.started' : 'enrolment',
    })),
  })),
  {
    key: 'demo-comparison',
    intent: {
      kind: 'evaluator.note',
      actor: { sub: 'independent-evaluator', role: 'evaluator' as const },
      body: { baselineEmploymentRate: '0.30', baselinePermanentRate: '0.05', source: 'seed 000' },
    },
  },
];

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

async function runDemo(options: { serve: boolean }): Promise<boolean> {
  const dir = dataDir();
  const dynamoPort = envPort('SIB_DYNAMO_PORT');
  const s3Port = envPort('SIB_S3_PORT');
  const up = await stackUp({
    dataDir: dir,
    ...(dynamoPort === undefined ? {} : { dynamoPort }),
    ...(s3Port === undefined ? {} : { s3Port }),
  });
  const startedHere = up.status === 'started';
  for (const m of up.messages) say(m);
  const { store, client } = ledgerFor(up.stack);
  let ok = false;
  try {
    const signer = await LocalSigner.open({ dataDir: dir });
    const key = verifierKey(signer.name, await signer.publicKey());
    say(`\nLog key (verifier): ${key}`);

    say(`\nAppending to the log of ${DEMO_CONTRACT}:`);
    for (const e of demoEntries) {
      const r = await store.append({
        contract: DEMO_CONTRACT,
        idempotencyKey: e.key,
        intent: e.intent,
        ...(e.records ? { records: e.records } : {}),
      });
      say(
        `  seq ${r.seq}  ${e.intent.kind.padEnd(15)} ${r.entryHash.slice(0, 16)}…${r.replayed ? '  (already there)' : ''}`,
      );
    }

    const note = await publishCheckpoint(store, signer, DEMO_CONTRACT);
    say('\nSigned checkpoint (C2SP signed note):');
    say(note.trimEnd().replace(/^/gm, '  '));

    const stored = await verifyStoredLog(store, DEMO_CONTRACT, [key]);
    say(
      `\nVerify as stored in DynamoDB: ${stored.ok ? `OK, ${stored.entries} entries` : `FAILED: ${stored.failure?.message}`}`,
    );

    const exportDir = join(dir, 'exports');
    await mkdir(exportDir, { recursive: true });
    const exportFile = join(exportDir, `${DEMO_CONTRACT}.jsonl`);
    let text = '';
    for await (const line of exportLog(store, signer, DEMO_CONTRACT)) text += line;
    await writeFile(exportFile, text);
    const offline = await verifyExportBytes(new TextEncoder().encode(text), [key]);
    say(`Verify the export offline (${exportFile}): ${offline.ok ? 'OK' : `FAILED: ${offline.failure?.message}`}`);

    const seq = 1;
    const proof = await store.inclusionProof(DEMO_CONTRACT, seq);
    const included = verifyInclusion(proof.leafHash, seq, proof.size, proof.proof, proof.root);
    say(
      `\nInclusion proof of seq ${seq} in the tree of size ${proof.size}: ${included ? 'verifies' : 'DOES NOT VERIFY'}`,
    );
    say(`  leaf hash ${toBase64(proof.leafHash)}`);
    for (const [i, h] of proof.proof.entries()) say(`  path[${i}]   ${toBase64(h)}`);
    say(`  root      ${toBase64(proof.root)}`);

    ok = stored.ok && offline.ok && included;
    say(`\n${ok ? 'Everything verified.' : 'VERIFICATION FAILED.'}`);
    say(
      `Try: npx sib ledger verify --contract ${DEMO_CONTRACT}    npx sib ledger proof --contract ${DEMO_CONTRACT} --seq 2`,
    );

    if (options.serve) {
      say(
        `\nThe local stack is serving (DynamoDB ${up.stack.dynamodb.endpoint}, S3 ${up.stack.s3.endpoint}). Press Ctrl-C to stop.`,
      );
      // A signal listener alone does not keep Node running: a timer does, until the signal.
      const keepAlive = setInterval(() => {}, 60_000);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      clearInterval(keepAlive);
      // npm forwards the terminal's Ctrl-C too: let a second signal not cut the shutdown short.
      process.on('SIGINT', () => {});
      process.on('SIGTERM', () => {});
      say('');
    }
  } finally {
    client.destroy();
    if (startedHere) for (const m of (await stackDown(dir)).messages) say(m);
  }
  return ok;
}

export function register(program: Command): void {
  program
    .command('demo')
    .description('the main job: start the local stack if needed, run the Second Chance scenario, verify everything')
    .option('--serve', 'keep the stack up until Ctrl-C (npm start); otherwise stop what was started (npm run demo)')
    .action(
      runAction(async (opts: { serve?: boolean }) => {
        if (!(await runDemo({ serve: opts.serve === true }))) process.exitCode = 1;
      }),
    );
}
