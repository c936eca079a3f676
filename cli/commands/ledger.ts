/**
 * `sib ledger …`: the host's tools on the contract logs of the local stack
 * (checkpoint, export, verify, proof) and the offline checks anyone can run
 * on what they were given (verify --file, verify-proof). Witness
 * cosignatures are the evaluator's (`sib evaluator cosign`); evidence
 * records and their proofs, the operator's and the evaluator's
 * (`sib operator|evaluator records`, `… record-proof`).
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Command } from 'commander';
import type { Signer } from '#kernel';
import { toBase64 } from '#kernel';
import {
  checkEntryProof,
  checkRecordProof,
  contractOfNote,
  type EntryProofDocument,
  exportCheckpointNote,
  exportLog,
  isRecordProof,
  noteOrigin,
  parseVerifierKey,
  publishCheckpoint,
  type SeenCheckpoint,
  type TrustPolicy,
  verifyCheckpoint,
  verifyExportBytes,
  verifyStoredLog,
  type WitnessOptions,
  withWitnesses,
} from '#ledger';
import type { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { collect, seqArg, sizeArg } from '../args.ts';
import { type LedgerContext, openLedger, trustedKeys } from '../context.ts';
import { Exit, runAction, usage } from '../errors.ts';
import { readExportFile } from '../export-file.ts';
import { readInput, readStdin } from '../files.ts';
import { reportExportParties } from '../party-verification.ts';
import { type LogId, logIdOf, recall, remember } from '../seen-checkpoints.ts';
import { keysWith, logTrustFor, readTrustOption, withTrust } from '../trust.ts';
import { printVerify } from '../verification.ts';

export function register(program: Command): void {
  const ledger = program
    .command('ledger')
    .description(
      "the contract logs of this machine's stack: checkpoints, export, proofs, verification (and offline checks)",
    );
  registerCheckpoint(ledger);
  registerExport(ledger);
  registerVerify(ledger);
  registerProof(ledger);
  registerVerifyProof(ledger);
}

/** `sib ledger checkpoint`: the current signed checkpoint of a contract log. */
function registerCheckpoint(ledger: Command): void {
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
}

/** `sib ledger export`: the log as JSON Lines, to standard output or a file. */
function registerExport(ledger: Command): void {
  ledger
    .command('export')
    .description('write the log as JSON Lines: one canonical entry per line, then {"checkpoint": ...}')
    .requiredOption('--contract <id>', 'contract id')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(
      runAction(async (opts: { contract: string; output?: string }) => {
        const ctx = await openLedger();
        try {
          await writeExport(ctx, opts);
        } finally {
          ctx.close();
        }
      }),
    );
}

/** Streams the export of a contract log to `output` (or standard output), saying how many entries a file got. */
async function writeExport(ctx: LedgerContext, opts: { contract: string; output?: string }): Promise<void> {
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
}

interface VerifyOptions {
  contract?: string;
  file?: string;
  key: string[];
  witness: string[];
  requireWitness?: boolean;
  json?: boolean;
  strict?: boolean;
  checkpoint?: string;
  trust?: string;
  allowFewerWitnesses?: boolean;
}

/** `sib ledger verify`: a stored log (--contract) or an export file (--file), with its witnesses. */
function registerVerify(ledger: Command): void {
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
      'a signed checkpoint you kept (e.g. from an earlier `sib ledger checkpoint`); the log must extend it: the same root at its size',
    )
    .option(
      '--trust <policy.json>',
      "the investor's trust policy (docs/trust-policy.md): the checkpoint must be signed by its log key and cosigned by a quorum of its witnesses",
    )
    .option(
      '--allow-fewer-witnesses',
      "with --trust: accept fewer cosignatures than the policy's quorum (a warning, not a failure)",
    )
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger verify --contract second-chance-kamchatka\n  sib ledger verify --file log.jsonl --key "sib-ledger.local+1a2b3c4d+AX..."\n  sib ledger verify --file log.jsonl --trust trust.json --checkpoint kept.checkpoint\n  sib ledger verify --contract second-chance-kamchatka --witness "evaluator.example/witness+5e6f7a8b+BA..." --require-witness\n\nExit status: 0 when everything verifies, 1 otherwise (the first failing seq is named), 2 usage error.\nA --witness that has not cosigned is a warning, and a failure with --require-witness.\nThe last checkpoint verified of each log is kept in your config dir (SIB_CONFIG_DIR, else\n$XDG_CONFIG_HOME/sib-ledger or ~/.config/sib-ledger): a later log that is shorter or forked is refused.',
    )
    .action(runAction(verify));
}

async function verify(opts: VerifyOptions): Promise<void> {
  if (!opts.contract && !opts.file) throw usage('give --contract (stored log) or --file (export)');
  if (opts.requireWitness && opts.witness.length === 0) {
    throw usage('--require-witness needs at least one --witness <verifier-key>');
  }
  const witnessOptions = {
    witnesses: opts.witness.map((key) => {
      try {
        return parseVerifierKey(key);
      } catch (error) {
        throw usage((error as Error).message);
      }
    }),
    requireWitnesses: opts.requireWitness === true,
  };
  const trust = await readTrustOption(opts);
  if (opts.file) await verifyFile(opts.file, opts, witnessOptions, trust);
  else await verifyStored(opts, witnessOptions, trust);
}

/**
 * Offline: an export file against the trusted keys, the checkpoint given
 * with --checkpoint and the one last verified on this machine.
 */
async function verifyFile(
  file: string,
  opts: VerifyOptions,
  witnessOptions: WitnessOptions,
  trust: TrustPolicy | undefined,
): Promise<void> {
  const data = await readExportFile(file);
  // The note first: verification borrows the buffer.
  const note = exportCheckpointNote(data.subarray(1));
  const contract = opts.contract ?? contractOfNote(note);
  if (trust !== undefined && contract === undefined) {
    throw new Exit(
      1,
      `${file} does not end with a signed checkpoint naming its contract: nothing to hold against the trust policy`,
    );
  }
  const logTrust = trust === undefined ? undefined : logTrustFor(trust, contract as string);
  const keys =
    logTrust === undefined
      ? await trustedKeys(opts.key, contract ?? firstEntryContract(data))
      : keysWith(opts.key, logTrust);
  const given = opts.checkpoint === undefined ? [] : [await givenCheckpoint(opts.checkpoint, keys, note)];
  const log = logOfNote(note, keys);
  const remembered = log === undefined ? undefined : await recall(log);
  const verified = await verifyExportBytes(data, keys, {
    ...(opts.contract ? { contract: opts.contract } : {}),
    strict: opts.strict === true,
    spareFirstByte: true,
    seen: [...given, ...(remembered === undefined ? [] : [remembered])],
  });
  const result = logTrust === undefined ? verified : withTrust(verified, note, logTrust, opts);
  if (result.ok && log !== undefined && result.checkpoint !== undefined) {
    await remember(log, result.checkpoint, note);
  }
  printVerify(withWitnesses(result, note, witnessOptions), opts.json === true);
  if (
    result.ok &&
    result.contract !== undefined &&
    !reportExportParties(data.subarray(1), result.contract, trust === undefined ? {} : { trust })
  ) {
    process.exitCode = 1;
  }
}

/** The log a signed checkpoint is of, if it verifies with `keys` (else the verification says why). */
function logOfNote(note: string | undefined, keys: readonly string[]): LogId | undefined {
  if (note === undefined) return undefined;
  try {
    return logIdOf(verifyCheckpoint(note, keys));
  } catch {
    return undefined;
  }
}

/** The contract the first entry of an export (after readExportFile's leading byte) names, if it parses. */
function firstEntryContract(data: Uint8Array): string | undefined {
  const end = data.indexOf(0x0a, 1);
  try {
    const entry = JSON.parse(new TextDecoder().decode(data.subarray(1, end < 0 ? data.length : end))) as {
      contract?: unknown;
    };
    return typeof entry.contract === 'string' ? entry.contract : undefined;
  } catch {
    return undefined;
  }
}

/** The checkpoint of --checkpoint: a signed checkpoint that verifies with `keys`, else exit 1. */
async function givenCheckpoint(file: string, keys: readonly string[], of?: string): Promise<SeenCheckpoint> {
  const note = (await readInput(file)).toString('utf8');
  // Each log has its own key (named by its origin): a checkpoint of another log is named as such.
  const [origin, expected] = [noteOrigin(note), of === undefined ? undefined : noteOrigin(of)];
  if (expected !== undefined && origin !== expected && note.includes('\n')) {
    throw new Exit(1, `--checkpoint ${file} is of log ${origin}, not of ${expected}`);
  }
  try {
    const cp = verifyCheckpoint(note, keys);
    return {
      origin: cp.origin,
      size: cp.size,
      root: cp.root,
      label: `the checkpoint given with --checkpoint (${file})`,
    };
  } catch (error) {
    throw new Exit(1, `--checkpoint ${file} is not a checkpoint signed by the log key: ${(error as Error).message}`);
  }
}

/** The log as stored, against a checkpoint kept earlier (--checkpoint) and the one last verified on this machine. */
async function verifyStored(
  opts: VerifyOptions,
  witnessOptions: WitnessOptions,
  trust: TrustPolicy | undefined,
): Promise<void> {
  const ctx = await openLedger();
  try {
    const contract = opts.contract as string;
    const logTrust = trust === undefined ? undefined : logTrustFor(trust, contract);
    const keys = logTrust === undefined ? await trustedKeys(opts.key, contract) : keysWith(opts.key, logTrust);
    const pinned = opts.checkpoint === undefined ? {} : { pinned: (await readInput(opts.checkpoint)).toString('utf8') };
    const note = await ctx.store.latestCheckpoint(contract);
    const log = logOfNote(note, keys);
    const remembered = log === undefined ? undefined : await recall(log);
    const verified = await verifyStoredLog(ctx.store, contract, keys, {
      ...pinned,
      ...witnessOptions,
      ...(remembered === undefined ? {} : { seen: [remembered] }),
    });
    const result = logTrust === undefined ? verified : withTrust(verified, note, logTrust, opts);
    if (result.ok && log !== undefined && result.checkpoint?.origin === log.origin) {
      await remember(log, result.checkpoint);
    }
    printVerify(result, opts.json === true);
  } finally {
    ctx.close();
  }
}

/** `sib ledger proof`: an inclusion proof of an entry, with the entry and a signed checkpoint. */
function registerProof(ledger: Command): void {
  ledger
    .command('proof')
    .description('print an inclusion proof of an entry, with the entry and a signed checkpoint, as JSON')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--seq <n>', 'the entry', seqArg)
    .option('--size <m>', 'tree size to prove against (default: the current size)', sizeArg)
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger proof --contract second-chance-kamchatka --seq 2 > proof.json\n  sib ledger proof --contract second-chance-kamchatka --seq 2 | sib ledger verify-proof\n\nAn evidence record proved into its batch and the log: sib operator|evaluator record-proof --event <eventId>.',
    )
    .action(
      runAction(async (opts: { contract: string; seq: number; size?: number }) => {
        const ctx = await openLedger();
        try {
          const doc = await entryProof(ctx.store, ctx.signer, opts.contract, opts.seq, opts.size);
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } finally {
          ctx.close();
        }
      }),
    );
}

/** `sib ledger verify-proof`: an entry or record inclusion proof, checked offline. */
function registerVerifyProof(ledger: Command): void {
  ledger
    .command('verify-proof')
    .description('check an inclusion proof offline (from a file or standard input)')
    .argument('[file]', 'proof JSON from `sib ledger proof` (default: standard input)')
    .option('--key <verifier-key>', 'trusted verifier key (repeatable; default: the local log key)', collect, [])
    .action(
      runAction(async (file: string | undefined, opts: { key: string[] }) => {
        const text = file ? (await readInput(file)).toString('utf8') : await readStdin();
        const doc = JSON.parse(text) as EntryProofDocument;
        const keys = await trustedKeys(opts.key, contractOfNote(doc.checkpoint));
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
