import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import type { StoredRecord } from '#evidence';
import { isPseudonym } from '#intake';
import type { Signer } from '#kernel';
import { toBase64 } from '#kernel';
import {
  checkEntryProof,
  checkRecordProof,
  cosignCheckpoint,
  type EntryProofDocument,
  exportCheckpointNote,
  exportLog,
  isRecordProof,
  parseVerifierKey,
  publishCheckpoint,
  type RecordProofDocument,
  type VerifyResult,
  verifyExportBytes,
  verifyStoredLog,
  withWitnesses,
} from '#ledger';
import type { QueriedRecord } from '../../functions/adapters/dynamo-evidence.ts';
import type { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { recordInBatch } from '../../functions/adapters/evidence-ledger.ts';
import { dataDir, loadStackConfig } from '../../infra/local/stack.ts';
import { ledgerFor, openLedger, trustedKeys } from '../context.ts';
import { runAction } from '../errors.ts';
import { type EvidenceContext, openEvidence } from '../evidence-context.ts';
import { readExportFile } from '../export-file.ts';
import { table } from '../table.ts';
import { openWitnessKey } from './keys.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const seqArg = (value: string) => {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new InvalidArgumentError('must be a non-negative integer.');
  return Number(value);
};

export function printVerify(result: VerifyResult, json: boolean): void {
  const witnesses = result.witnesses ?? [];
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    const cp = result.checkpoint;
    const cosigned = witnesses.filter((w) => w.status === 'signed').map((w) => w.name);
    const cosigners =
      witnesses.length === 0
        ? ''
        : cosigned.length > 0
          ? `; cosigned by ${cosigned.join(', ')}`
          : '; cosigned by no witness';
    process.stdout.write(
      `OK: ${result.entries} entries of ${result.contract ?? '(no contract)'} verified` +
        (cp ? `; checkpoint ${cp.origin} size ${cp.size} signed by ${cp.signedBy.join(', ')}` : '') +
        cosigners +
        '\n',
    );
    // Not fatal without --require-witness, but not to be missed either.
    for (const w of witnesses) {
      if (w.status === 'missing')
        process.stderr.write(`warning: witness ${w.name}+${w.keyId} has not cosigned the checkpoint\n`);
      if (w.status === 'invalid') {
        process.stderr.write(
          `warning: the signature of witness ${w.name}+${w.keyId} on the checkpoint does not verify\n`,
        );
      }
    }
  } else {
    const seq = result.failure?.seq;
    const where = seq === undefined ? '' : ` at seq ${seq}`;
    // IntegrityError messages already start with `seq N: `; name the seq once.
    let message = result.failure?.message ?? '';
    if (message.startsWith(`seq ${seq}: `)) message = message.slice(`seq ${seq}: `.length);
    process.stderr.write(`FAILED${where}: ${message}\n`);
  }
  if (!result.ok) process.exitCode = 1;
}

export function register(program: Command): void {
  const ledger = program
    .command('ledger')
    .description('the contract logs: checkpoints, witness cosignatures, proofs, export, verification');

  ledger
    .command('checkpoint')
    .description('print the current signed checkpoint (C2SP signed note) of a contract log')
    .requiredOption('--contract <id>', 'contract id')
    .action(
      runAction(async (opts: { contract: string }) => {
        const ctx = await openLedger();
        try {
          process.stdout.write(await publishCheckpoint(ctx.store, ctx.signer, opts.contract));
        } finally {
          ctx.close();
        }
      }),
    );

  ledger
    .command('export')
    .description('write the log as JSON Lines: one canonical entry per line, then {"checkpoint": ...}')
    .requiredOption('--contract <id>', 'contract id')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(
      runAction(async (opts: { contract: string; output?: string }) => {
        const ctx = await openLedger();
        try {
          const out = opts.output ? createWriteStream(opts.output) : process.stdout;
          let lines = 0;
          for await (const line of exportLog(ctx.store, ctx.signer, opts.contract)) {
            lines++;
            if (!out.write(line)) await once(out, 'drain');
          }
          if (opts.output) {
            await new Promise<void>((resolve, reject) =>
              (out as WriteStream).end((e?: Error | null) => (e ? reject(e) : resolve())),
            );
            process.stderr.write(`wrote ${lines - 1} entries and the checkpoint to ${opts.output}\n`);
          }
        } finally {
          ctx.close();
        }
      }),
    );

  ledger
    .command('cosign')
    .description(
      "cosign a published checkpoint as a witness (e.g. the independent evaluator): add the witness's signature line beside the log's",
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--key <file>', "the witness's Ed25519 private key (PEM, from `sib keys witness`)")
    .option('--name <name>', 'witness name, for a key file without a Witness-Name line')
    .option('--log-key <verifier-key>', "the log's verifier key, checked first (default: the local log key)")
    .option('--size <n>', 'cosign the checkpoint published for this tree size (default: the latest)', seqArg)
    .option('--json', 'print contract, size, witness verifier key, whether a line was added, and the note as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib keys witness --name evaluator.example/witness --file evaluator.pem\n  sib ledger cosign --contract second-chance-kamchatka --key evaluator.pem\n  sib ledger verify --contract second-chance-kamchatka --witness "evaluator.example/witness+1a2b3c4d+AX..."\n\nPrints the cosigned checkpoint (every signature line) on standard output and the witness\'s verifier key on\nstandard error. Cosigning twice adds nothing. A checkpoint the log key did not sign is refused.',
    )
    .action(
      runAction(
        async (opts: {
          contract: string;
          key: string;
          name?: string;
          logKey?: string;
          size?: number;
          json?: boolean;
        }) => {
          const witness = await openWitnessKey(opts.key, opts.name);
          const [logKey] = await trustedKeys(opts.logKey === undefined ? [] : [opts.logKey]).catch(() => {
            throw new Error(
              "no log verifier key: give --log-key <name+id+key> (the log's key, from `sib keys show` where the log runs)",
            );
          });
          // The witness needs no log signing key: open the store alone.
          const { store, client } = ledgerFor(loadStackConfig(dataDir()));
          try {
            const result = await cosignCheckpoint(store, opts.contract, logKey as string, witness.signer, {
              ...(opts.size === undefined ? {} : { size: opts.size }),
            });
            if (opts.json) {
              process.stdout.write(`${JSON.stringify({ contract: opts.contract, ...result }, null, 2)}\n`);
              return;
            }
            process.stdout.write(result.note);
            process.stderr.write(
              `${result.added ? 'cosigned' : 'already cosigned'} checkpoint size ${result.size} of ${opts.contract} by witness ${result.witness}\n`,
            );
          } finally {
            client.destroy();
          }
        },
      ),
    );

  ledger
    .command('verify')
    .description('verify a log: entry hashes, the prev chain, the Merkle tree and the checkpoint signature')
    .option('--contract <id>', 'verify the log as stored in DynamoDB (or pin the contract of --file)')
    .option('--file <export.jsonl>', 'verify an export file offline')
    .option(
      '--key <verifier-key>',
      'trusted verifier key name+id+base64 (repeatable; default: the local log key)',
      collect,
      [],
    )
    .option(
      '--witness <verifier-key>',
      "a witness's verifier key: report whether it cosigned the checkpoint (repeatable)",
      collect,
      [],
    )
    .option('--require-witness', 'fail unless every --witness cosigned the checkpoint')
    .option('--strict', 'with --file: also check every entry against the entry schema and canonical JSON form')
    .option(
      '--checkpoint <file>',
      'with --contract: a signed checkpoint you kept (e.g. from an earlier `sib ledger checkpoint`); the log must still hold exactly its tree',
    )
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger verify --contract second-chance-kamchatka\n  sib ledger verify --file log.jsonl --key "sib-ledger.local+1a2b3c4d+AX..."\n  sib ledger verify --contract second-chance-kamchatka --witness "evaluator.example/witness+5e6f7a8b+AY..." --require-witness\n\nExit status: 0 when everything verifies, 1 otherwise (the first failing seq is named).\nA --witness that has not cosigned is a warning, and a failure with --require-witness.',
    )
    .action(
      runAction(
        async (opts: {
          contract?: string;
          file?: string;
          key: string[];
          witness: string[];
          requireWitness?: boolean;
          json?: boolean;
          strict?: boolean;
          checkpoint?: string;
        }) => {
          if (!opts.contract && !opts.file) throw new Error('give --contract (stored log) or --file (export)');
          if (opts.requireWitness && opts.witness.length === 0) {
            throw new Error('--require-witness needs at least one --witness <verifier-key>');
          }
          const witnessOptions = {
            witnesses: opts.witness.map(parseVerifierKey),
            requireWitnesses: opts.requireWitness === true,
          };
          if (opts.file) {
            const keys = await trustedKeys(opts.key);
            const data = await readExportFile(opts.file);
            // The note first: verification borrows the buffer.
            const note = exportCheckpointNote(data.subarray(1));
            const result = await verifyExportBytes(data, keys, {
              ...(opts.contract ? { contract: opts.contract } : {}),
              strict: opts.strict === true,
              spareFirstByte: true,
            });
            printVerify(withWitnesses(result, note, witnessOptions), opts.json === true);
            return;
          }
          const ctx = await openLedger();
          try {
            const keys = await trustedKeys(opts.key);
            const pinned = opts.checkpoint === undefined ? {} : { pinned: await readFile(opts.checkpoint, 'utf8') };
            printVerify(
              await verifyStoredLog(ctx.store, opts.contract as string, keys, { ...pinned, ...witnessOptions }),
              opts.json === true,
            );
          } finally {
            ctx.close();
          }
        },
      ),
    );

  ledger
    .command('proof')
    .description('print an inclusion proof of an entry (--seq) or of an evidence record in its batch and log (--event)')
    .requiredOption('--contract <id>', 'contract id')
    .option('--seq <n>', 'the entry', seqArg)
    .option(
      '--event <eventId>',
      'an evidence record: proved into its batch root, and its batch entry into the checkpoint',
    )
    .option('--size <m>', 'tree size to prove against (default: the current size)', seqArg)
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger proof --contract second-chance-kamchatka --seq 2 > proof.json\n  sib ledger proof --contract second-chance-kamchatka --event SC-000123-enrol | sib ledger verify-proof',
    )
    .action(
      runAction(async (opts: { contract: string; seq?: number; event?: string; size?: number }) => {
        if ((opts.seq === undefined) === (opts.event === undefined)) throw new Error('give either --seq or --event');
        if (opts.event !== undefined) {
          const ctx = await openEvidence();
          try {
            const doc = await recordProof(ctx, opts.contract, opts.event, opts.size);
            process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
          } finally {
            ctx.close();
          }
          return;
        }
        const ctx = await openLedger();
        try {
          const doc = await entryProof(ctx.store, ctx.signer, opts.contract, opts.seq as number, opts.size);
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } finally {
          ctx.close();
        }
      }),
    );

  ledger
    .command('query')
    .description(
      "evidence records, newest knowledge only: one participant's timeline, one batch, or one type in a date range",
    )
    .requiredOption('--contract <id>', 'contract id')
    .option(
      '--participant <ref>',
      'a participant: pseudonym (p-…) or the operator reference (pseudonymised here first)',
    )
    .option('--batch <batchId>', 'a batch, in record order')
    .option('--type <type>', 'a record type, with --from/--to dates (YYYY-MM-DD)')
    .option('--from <date>', 'first date (with --type)')
    .option('--to <date>', 'last date (with --type)')
    .option('--json', 'JSON lines instead of a table')
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger query --contract second-chance-kamchatka --participant SC-000042\n  sib ledger query --contract second-chance-kamchatka --type employment-started --from 2024-01-01 --to 2024-12-31',
    )
    .action(
      runAction(
        async (opts: {
          contract: string;
          participant?: string;
          batch?: string;
          type?: string;
          from?: string;
          to?: string;
          json?: boolean;
        }) => {
          const chosen = [opts.participant, opts.batch, opts.type].filter((x) => x !== undefined).length;
          if (chosen !== 1) throw new Error('give exactly one of --participant, --batch, --type');
          const date = /^\d{4}-\d{2}-\d{2}$/;
          for (const [flag, value] of [
            ['--from', opts.from],
            ['--to', opts.to],
          ] as const) {
            if (value !== undefined && !date.test(value)) throw new Error(`${flag} must be a date YYYY-MM-DD`);
          }
          const ctx = await openEvidence();
          try {
            let found: QueriedRecord[];
            if (opts.participant !== undefined) {
              const pseudonym = isPseudonym(opts.participant)
                ? opts.participant
                : await ctx.ports.pseudonymizer.pseudonym(opts.contract, opts.participant);
              found = await ctx.store.byParticipant(opts.contract, pseudonym);
            } else if (opts.batch !== undefined) found = await ctx.store.byBatch(opts.contract, opts.batch);
            else found = await ctx.store.byType(opts.contract, opts.type as string, opts.from, opts.to);
            if (opts.json) {
              for (const r of found) {
                process.stdout.write(`${JSON.stringify({ ...r.record, batchId: r.batchId, index: r.index })}\n`);
              }
              return;
            }
            process.stdout.write(
              `${table(
                ['date', 'type', 'eventId', 'participant', 'batch', 'details'],
                found.map(({ record, batchId, index }) => [
                  record.date,
                  record.type,
                  record.eventId,
                  record.participant,
                  `${batchId}#${index}`,
                  details(record),
                ]),
              )}\n${found.length} record${found.length === 1 ? '' : 's'}\n`,
            );
          } finally {
            ctx.close();
          }
        },
      ),
    );

  ledger
    .command('verify-proof')
    .description('check an inclusion proof offline (from a file or standard input)')
    .argument('[file]', 'proof JSON from `sib ledger proof` (default: standard input)')
    .option('--key <verifier-key>', 'trusted verifier key (repeatable; default: the local log key)', collect, [])
    .action(
      runAction(async (file: string | undefined, opts: { key: string[] }) => {
        const text = file ? await readFile(file, 'utf8') : await readStdin();
        const doc = JSON.parse(text) as EntryProofDocument;
        const keys = await trustedKeys(opts.key);
        const failure = isRecordProof(doc) ? checkRecordProof(doc, keys) : checkEntryProof(doc, keys);
        if (failure) {
          process.stderr.write(`FAILED: ${failure}\n`);
          process.exitCode = 1;
        } else if (isRecordProof(doc)) {
          process.stdout.write(
            `OK: event ${doc.eventId} is record ${doc.batch.index} of batch ${doc.batch.batchId}, whose entry seq ${doc.seq} is included in the signed checkpoint\n`,
          );
        } else process.stdout.write('OK: the entry is included in the signed checkpoint\n');
      }),
    );
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The fields that matter beyond date, type and ids, in a few words. */
function details(record: StoredRecord): string {
  const skip = new Set(['eventId', 'participant', 'type', 'date', 'source', 'documentSha256', 'consentSha256']);
  return Object.entries(record)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

async function entryProof(
  store: DynamoLedger,
  signer: Signer,
  contract: string,
  seq: number,
  size?: number,
): Promise<EntryProofDocument> {
  const p = await store.inclusionProof(contract, seq, size);
  return {
    contract,
    seq: p.seq,
    size: p.size,
    entry: new TextDecoder().decode(await store.entry(contract, p.seq)),
    leafHash: toBase64(p.leafHash),
    proof: p.proof.map(toBase64),
    root: toBase64(p.root),
    checkpoint: await publishCheckpoint(store, signer, contract, p.size),
  };
}

/** Two levels: the record in its batch's records root, the batch's entry in the log. */
async function recordProof(
  ctx: EvidenceContext,
  contract: string,
  eventId: string,
  size?: number,
): Promise<RecordProofDocument> {
  const { seq, ...inBatch } = await recordInBatch(ctx.store, ctx.ledger, contract, eventId);
  return { ...(await entryProof(ctx.log, ctx.signer, contract, seq, size)), ...inBatch };
}
