/**
 * `sib export indigo`: a contract's log on the local stack (its terms,
 * evaluations and payments) in the field names of the INDIGO impact bond
 * data standard, for publication.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { EvaluationResult } from '#evaluation';
import { NotFoundError } from '#kernel';
import { recordedEvaluations } from '#ledger';
import { INDIGO_STANDARD, indigoExportFromLog } from '#reports';
import { loadResult, readVerifiedEntries } from '#services';
import { openRuntime } from '../context.ts';
import { runAction } from '../errors.ts';

export function register(program: Command): void {
  const exporter = program
    .command('export')
    .description('export a contract for publication in other data standards (INDIGO impact bond data standard)');

  exporter
    .command('indigo')
    .description(
      "write the contract's outcome metrics, pricings, payment plan, payments and results in the field names of the INDIGO impact bond data standard (Government Outcomes Lab), as JSON",
    )
    .requiredOption('--contract <id>', 'contract id')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--pretty', 'indent the JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib export indigo --contract second-chance-kamchatka --pretty\n  sib export indigo --contract peterborough -o peterborough-indigo.json\n\n' +
        `Field names: ${INDIGO_STANDARD.name} ${INDIGO_STANDARD.version} (${INDIGO_STANDARD.repository}).\n` +
        'Aggregates only: no pseudonyms; figures over fewer than 5 people are suppressed. Planned payments come from\n' +
        'the latest contract version, Actual payments from evaluations whose payment is paid. See docs/contracts.md.\n' +
        'Exit status: 0 written, 1 failed (e.g. the contract is not registered), 2 usage error.',
    )
    .action(
      runAction(async (opts: { contract: string; output?: string; pretty?: boolean }) => {
        const ctx = await openRuntime();
        try {
          const ports = ctx.contracts;
          const size = await ports.log.size(opts.contract);
          if (size === 0) throw new NotFoundError(`contract ${opts.contract} has no log (register it first)`);
          const { entries, root } = await readVerifiedEntries(ports.log, opts.contract, size);
          const results = new Map<string, EvaluationResult>();
          for (const r of recordedEvaluations(entries)) {
            if (!results.has(r.result.sha256)) results.set(r.result.sha256, await loadResult(ports, r, r.seq));
          }
          const project = indigoExportFromLog(entries, results, { size, root });
          const text = `${JSON.stringify(project, null, opts.pretty ? 2 : undefined)}\n`;
          if (opts.output === undefined) {
            process.stdout.write(text);
            return;
          }
          await writeFile(opts.output, text);
          process.stderr.write(
            `wrote the INDIGO export of ${opts.contract} to ${opts.output}: ${project.outcome_metrics.length} outcome metrics, ${project.outcome_pricings.length} pricings, ${project.outcome_payments.length} outcome payments, ${project.results.length} results (log size ${size})\n`,
          );
        } finally {
          ctx.close();
        }
      }),
    );
}
