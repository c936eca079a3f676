import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { bytesEqual, fromBase64, toBase64 } from '../../domain/bytes.ts';
import { entryHash } from '../../domain/entry.ts';
import { verifyExportBytes } from '../../domain/export-verify.ts';
import { exportLog, publishCheckpoint, type VerifyResult, verifyStoredLog } from '../../domain/ledger.ts';
import { verifyInclusion } from '../../domain/merkle.ts';
import { verifyCheckpoint } from '../../domain/note.ts';
import { openLedger, trustedKeys } from '../context.ts';
import { runAction } from '../errors.ts';
import { readExportFile } from '../export-file.ts';

const collect = (value: string, previous: string[]) => [...previous, value];
const seqArg = (value: string) => {
  if (!/^(0|[1-9][0-9]*)$/.test(value)) throw new Error(`not a non-negative integer: ${value}`);
  return Number(value);
};

/** An inclusion proof as `sib ledger proof` prints it: self-contained, checkable offline. */
export interface ProofDocument {
  readonly contract: string;
  readonly seq: number;
  readonly size: number;
  /** The entry's canonical JSON text (the leaf data). */
  readonly entry: string;
  readonly leafHash: string;
  readonly proof: string[];
  readonly root: string;
  /** Signed checkpoint for (size, root). */
  readonly checkpoint: string;
}

export function printVerify(result: VerifyResult, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else if (result.ok) {
    const cp = result.checkpoint;
    process.stdout.write(
      `OK: ${result.entries} entries of ${result.contract ?? '(no contract)'} verified` +
        (cp ? `; checkpoint ${cp.origin} size ${cp.size} signed by ${cp.signedBy.join(', ')}` : '') +
        '\n',
    );
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
  const ledger = program.command('ledger').description('the contract logs: checkpoints, proofs, export, verification');

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
    .option('--strict', 'with --file: also check every entry against the entry schema and canonical JSON form')
    .option(
      '--checkpoint <file>',
      'with --contract: a signed checkpoint you kept (e.g. from an earlier `sib ledger checkpoint`); the log must still hold exactly its tree',
    )
    .option('--json', 'machine-readable result')
    .addHelpText(
      'after',
      '\nExamples:\n  sib ledger verify --contract second-chance-kamchatka\n  sib ledger verify --file log.jsonl --key "sib-ledger.local+1a2b3c4d+AX..."\n\nExit status: 0 when everything verifies, 1 otherwise (the first failing seq is named).',
    )
    .action(
      runAction(
        async (opts: {
          contract?: string;
          file?: string;
          key: string[];
          json?: boolean;
          strict?: boolean;
          checkpoint?: string;
        }) => {
          if (!opts.contract && !opts.file) throw new Error('give --contract (stored log) or --file (export)');
          if (opts.file) {
            const keys = await trustedKeys(opts.key);
            const result = await verifyExportBytes(await readExportFile(opts.file), keys, {
              ...(opts.contract ? { contract: opts.contract } : {}),
              strict: opts.strict === true,
              spareFirstByte: true,
            });
            printVerify(result, opts.json === true);
            return;
          }
          const ctx = await openLedger();
          try {
            const keys = await trustedKeys(opts.key);
            const pinned = opts.checkpoint === undefined ? {} : { pinned: await readFile(opts.checkpoint, 'utf8') };
            printVerify(await verifyStoredLog(ctx.store, opts.contract as string, keys, pinned), opts.json === true);
          } finally {
            ctx.close();
          }
        },
      ),
    );

  ledger
    .command('proof')
    .description('print an inclusion proof of one entry, with the entry and a signed checkpoint')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--seq <n>', 'the entry', seqArg)
    .option('--size <m>', 'tree size to prove against (default: the current size)', seqArg)
    .action(
      runAction(async (opts: { contract: string; seq: number; size?: number }) => {
        const ctx = await openLedger();
        try {
          const p = await ctx.store.inclusionProof(opts.contract, opts.seq, opts.size);
          const checkpoint = await publishCheckpoint(ctx.store, ctx.signer, opts.contract, p.size);
          const doc: ProofDocument = {
            contract: opts.contract,
            seq: p.seq,
            size: p.size,
            entry: new TextDecoder().decode(await ctx.store.entry(opts.contract, p.seq)),
            leafHash: toBase64(p.leafHash),
            proof: p.proof.map(toBase64),
            root: toBase64(p.root),
            checkpoint,
          };
          process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        } finally {
          ctx.close();
        }
      }),
    );

  ledger
    .command('verify-proof')
    .description('check an inclusion proof offline (from a file or standard input)')
    .argument('[file]', 'proof JSON from `sib ledger proof` (default: standard input)')
    .option('--key <verifier-key>', 'trusted verifier key (repeatable; default: the local log key)', collect, [])
    .action(
      runAction(async (file: string | undefined, opts: { key: string[] }) => {
        const text = file ? await readFile(file, 'utf8') : await readStdin();
        const failure = checkProofDocument(JSON.parse(text) as ProofDocument, await trustedKeys(opts.key));
        if (failure) {
          process.stderr.write(`FAILED: ${failure}\n`);
          process.exitCode = 1;
        } else process.stdout.write('OK: the entry is included in the signed checkpoint\n');
      }),
    );
}

/** Returns why a proof document does not hold, or undefined when it does. */
export function checkProofDocument(doc: ProofDocument, keys: readonly string[]): string | undefined {
  try {
    const leaf = entryHash(new TextEncoder().encode(doc.entry));
    if (!bytesEqual(leaf, fromBase64(doc.leafHash))) return 'the entry text does not hash to leafHash';
    const entry = JSON.parse(doc.entry) as { contract?: unknown; seq?: unknown };
    if (entry.contract !== doc.contract || entry.seq !== doc.seq) {
      return `the entry is seq ${String(entry.seq)} of ${String(entry.contract)}, not seq ${doc.seq} of ${doc.contract}`;
    }
    const root = fromBase64(doc.root);
    if (!verifyInclusion(leaf, doc.seq, doc.size, doc.proof.map(fromBase64), root)) {
      return `the inclusion proof of seq ${doc.seq} in a tree of size ${doc.size} does not lead to the root`;
    }
    const cp = verifyCheckpoint(doc.checkpoint, keys);
    if (cp.size !== doc.size || !bytesEqual(cp.root, root)) return 'the signed checkpoint is for another size or root';
    if (!cp.origin.endsWith(`/${doc.contract}`)) return `the checkpoint is for ${cp.origin}, not ${doc.contract}`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
