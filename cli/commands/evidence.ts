import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import type { Command } from 'commander';
import { parseCsv, parseJsonBatch } from '#intake';
import { ConflictError, type Problem, ValidationError } from '#kernel';
import type { StreamProgress } from '#services';
import { type IngestReceipt, ingestBatch } from '#services';
import { todayEarliestZone } from '../../functions/shared/clock.ts';
import { problemDocument } from '../../functions/shared/problem.ts';
import { runAction } from '../errors.ts';
import { loadProfile, openEvidence } from '../evidence-context.ts';
import { progressBar, table } from '../table.ts';

// Shared with the Lambda handlers, so the CLI and the API refuse the same dates and answer with the same document.
export { todayEarliestZone } from '../../functions/shared/clock.ts';
export { problemDocument } from '../../functions/shared/problem.ts';

export function problemTable(problems: readonly Problem[], unit: 'record' | 'line'): string {
  return table(
    [unit, 'field', 'problem'],
    problems.map((p) => [p.at, p.field, p.message]),
  );
}

function printReceipt(receipt: IngestReceipt): void {
  const lines = [
    `${receipt.replayed ? 'Already accepted' : 'Accepted'}: batch ${receipt.batchId} of ${receipt.contract}, ${receipt.recordCount} records`,
    `  ledger entry   seq ${receipt.seq} (${receipt.entryHash})`,
    `  records root   ${receipt.recordsRoot}`,
    `  archive        ${receipt.archive.key}`,
    '  checkpoint after the append:',
    ...receipt.checkpoint
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  const evidence = program.command('evidence').description("the operator's evidence batches");

  evidence
    .command('submit')
    .description('validate and append a batch of evidence (JSON or CSV); all or nothing, every problem listed')
    .requiredOption('--contract <id>', 'contract id (its profile is contracts/<id>.json)')
    .argument('<file>', 'a JSON batch {"batchId", "records": [...]} or a CSV file (see docs/evidence.md)')
    .option('--batch-id <id>', 'the client batch id (required for CSV; for JSON it may stand in the file)')
    .option('--format <format>', 'json or csv (default: from the file name)')
    .option('--as <subject>', 'the submitting operator subject', 'local-operator')
    .option('--json', 'print the receipt, or the problem document (RFC 9457), as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib evidence submit --contract second-chance-kamchatka batch-2024-05.json\n  sib evidence submit --contract antares-vko-2017 --batch-id 2017-09-a services.csv\n\nExit status: 0 accepted (or already accepted), 1 rejected (the problems are listed) or failed.',
    )
    .action(
      runAction(
        async (
          file: string,
          opts: { contract: string; batchId?: string; format?: string; as: string; json?: boolean },
        ) => {
          const format = (opts.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'json')).toLowerCase();
          if (format !== 'csv' && format !== 'json') throw new Error(`--format must be json or csv, not ${format}`);
          const bytes = new Uint8Array(await readFile(file));
          const parsed = format === 'csv' ? { ...parseCsv(bytes), batchId: undefined } : parseJsonBatch(bytes);
          if (opts.batchId && parsed.batchId && opts.batchId !== parsed.batchId) {
            throw new Error(`--batch-id ${opts.batchId} differs from the file's batchId ${parsed.batchId}`);
          }
          const batchId = opts.batchId ?? parsed.batchId;
          if (!batchId)
            throw new Error(`give the batch id with --batch-id${format === 'json' ? ' or "batchId" in the file' : ''}`);
          const unit = format === 'csv' ? 'line' : 'record';
          const profile = await loadProfile(opts.contract);
          const ctx = await openEvidence();
          const bars = { scan: progressBar('validating'), write: progressBar('writing   ') };
          try {
            const receipt = await ingestBatch(
              {
                profile,
                batchId,
                submitter: { sub: opts.as, role: 'operator' },
                records: parsed.records,
                parseProblems: parsed.problems,
                today: todayEarliestZone(),
                unit,
                // A bar only for batches worth watching, and only on a terminal.
                ...(parsed.records.length >= 5_000
                  ? {
                      onProgress: (p: StreamProgress) => {
                        if (p.phase === 'scan' || p.phase === 'write') bars[p.phase].update(p.rows, p.total ?? p.rows);
                      },
                    }
                  : {}),
              },
              ctx.ports,
            );
            bars.scan.done();
            bars.write.done();
            if (opts.json) process.stdout.write(`${JSON.stringify(receipt, null, 2)}\n`);
            else printReceipt(receipt);
          } catch (error) {
            if (!(error instanceof ValidationError || error instanceof ConflictError)) throw error;
            process.exitCode = 1;
            if (opts.json) {
              process.stdout.write(`${JSON.stringify(problemDocument(error, `batch/${batchId}`), null, 2)}\n`);
            } else if (error instanceof ValidationError && error.problems.length > 0) {
              process.stderr.write(`${error.message}\n\n${problemTable(error.problems, unit)}\n`);
            } else {
              process.stderr.write(`error: ${error.message}\n`);
            }
          } finally {
            bars.scan.done();
            bars.write.done();
            ctx.close();
          }
        },
      ),
    );
}
