import { type Command, InvalidArgumentError } from 'commander';
import { computeEvaluation, evaluationKey, runEvaluation } from '#services';
import { runAction } from '../errors.ts';
import { renderEvaluation } from '../evaluation-view.ts';
import { openEvidence } from '../evidence-context.ts';
import { progressBar } from '../table.ts';
import { reportProblems } from './contract.ts';

// A usage error (commander's message, exit 2), not an exception out of the parser.
const sizeArg = (value: string) => {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('must be a tree size (a positive integer).');
  return Number(value);
};

export function register(program: Command): void {
  program
    .command('evaluate')
    .description(
      'evaluate a period of a contract at a checkpoint: outcomes vs targets, comparisons, triggers and payment lines; the result is stored and recorded in the log',
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--period <id>', 'a measurement period of the contract')
    .option('--checkpoint <size>', 'evaluate the log as it was at this tree size (default: its current size)', sizeArg)
    .option('--dry-run', 'compute and print, but store and record nothing')
    .option('--as <subject>', 'the evaluating subject', 'local-evaluator')
    .option('--json', 'print the full result (with the pseudonyms behind each outcome: evaluator only) as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib evaluate --contract second-chance-kamchatka --period y1\n  sib evaluate --contract peterborough --period cohort-1-result --checkpoint 12 --json\n\n' +
        'The same period at the same checkpoint gives the same bytes (and the same log entry).\n' +
        'Exit status: 0 evaluated, 1 refused or failed (e.g. an earlier period not evaluated yet).',
    )
    .action(
      runAction(
        async (opts: {
          contract: string;
          period: string;
          checkpoint?: number;
          dryRun?: boolean;
          as: string;
          json?: boolean;
        }) => {
          const ctx = await openEvidence();
          const bar = progressBar('reading evidence');
          const request = {
            contract: opts.contract,
            period: opts.period,
            ...(opts.checkpoint === undefined ? {} : { checkpoint: opts.checkpoint }),
            onProgress: (done: number, total: number) => {
              if (total >= 20_000) bar.update(done, total);
            },
          };
          try {
            if (opts.dryRun) {
              const { result, sha256 } = await computeEvaluation(ctx.contracts, request);
              bar.done();
              if (opts.json) process.stdout.write(`${JSON.stringify({ sha256, result }, null, 2)}\n`);
              else {
                process.stdout.write(
                  `${renderEvaluation(result, { key: `${evaluationKey(opts.contract, opts.period, sha256)} (dry run: not stored)`, sha256 })}\n`,
                );
              }
              return;
            }
            const run = await runEvaluation(ctx.contracts, { ...request, actor: { sub: opts.as, role: 'evaluator' } });
            bar.done();
            if (opts.json) {
              process.stdout.write(
                `${JSON.stringify({ sha256: run.sha256, key: run.key, entry: run.entry, result: run.result }, null, 2)}\n`,
              );
            } else {
              process.stdout.write(
                `${renderEvaluation(run.result, { key: run.key, sha256: run.sha256, seq: run.entry.seq })}${run.entry.replayed ? '\n  (already recorded: the same evaluation at this checkpoint)' : ''}\n`,
              );
            }
          } catch (error) {
            bar.done();
            reportProblems(error);
          } finally {
            ctx.close();
          }
        },
      ),
    );
}
