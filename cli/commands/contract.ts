import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseContractSpec } from '#contracts';
import { ValidationError } from '#kernel';
import { ContractIdSchema } from '#ledger';
import { contractVersions, publishComparison, registerContract } from '#services';
import { runAction } from '../errors.ts';
import { contractsDir, openEvidence } from '../evidence-context.ts';
import { table } from '../table.ts';

/** A contract spec from `--file`, or contracts/<id>.json for `--contract`. */
export async function readSpecFile(opts: { contract?: string; file?: string }): Promise<unknown> {
  if (opts.file === undefined && opts.contract === undefined)
    throw new Error('give --contract <id> or --file <spec.json>');
  if (opts.file === undefined && !ContractIdSchema.safeParse(opts.contract).success) {
    throw new Error(`not a contract id: ${opts.contract}`);
  }
  const file = opts.file ?? join(contractsDir(), `${opts.contract}.json`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`${file} is not JSON: ${(error as Error).message}`, { cause: error });
  }
}

/** Prints a ValidationError's problems as a table (path, problem) and sets exit code 1; rethrows anything else. */
export function reportProblems(error: unknown): void {
  if (!(error instanceof ValidationError)) throw error;
  process.exitCode = 1;
  process.stderr.write(
    `${error.message}\n\n${table(
      ['field', 'problem'],
      error.problems.map((p) => [p.field, p.message]),
    )}\n`,
  );
}

export function register(program: Command): void {
  const contract = program
    .command('contract')
    .description('contract specs: validate, register (and amend) in the log, publish comparison figures');

  contract
    .command('validate')
    .description('check a contract spec file and list every problem with the path of the bad field')
    .argument('<file>', 'a contract spec (JSON, see docs/contracts.md)')
    .addHelpText(
      'after',
      '\nExample:\n  sib contract validate contracts/peterborough.json\n\nExit status: 0 valid, 1 invalid.',
    )
    .action(
      runAction(async (file: string) => {
        try {
          const spec = parseContractSpec(await readSpecFile({ file }));
          process.stdout.write(
            `OK: ${spec.id} version ${spec.version} (${spec.metrics.length} metrics, ${spec.payments.length} payment rules)\n`,
          );
        } catch (error) {
          reportProblems(error);
        }
      }),
    );

  contract
    .command('register')
    .description('register a contract spec (or an amendment: the next version) as a contract.registered entry')
    .option('--contract <id>', 'register contracts/<id>.json')
    .option('--file <spec.json>', 'register this spec file')
    .option('--as <subject>', 'the registering subject (the commissioner)', 'local-ministry')
    .option('--json', 'print the receipt as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib contract register --contract second-chance-kamchatka\n  sib contract register --file amendment-v2.json\n\nRe-registering the same version with the same terms is harmless; other terms under a registered version are refused.',
    )
    .action(
      runAction(async (opts: { contract?: string; file?: string; as: string; json?: boolean }) => {
        const value = await readSpecFile(opts);
        const ctx = await openEvidence();
        try {
          const receipt = await registerContract(ctx.contracts, value, { sub: opts.as, role: 'ministry' });
          if (opts.json) process.stdout.write(`${JSON.stringify(receipt, null, 2)}\n`);
          else {
            process.stdout.write(
              `${receipt.replayed ? 'Already registered' : 'Registered'}: ${receipt.contract} version ${receipt.version}\n` +
                `  spec hash      ${receipt.specHash}\n  ledger entry   seq ${receipt.seq} (${receipt.entryHash})\n`,
            );
          }
        } catch (error) {
          reportProblems(error);
        } finally {
          ctx.close();
        }
      }),
    );

  contract
    .command('show')
    .description('the registered versions of a contract')
    .requiredOption('--contract <id>', 'contract id')
    .option('--json', 'print the versions (with the full specs) as JSON')
    .action(
      runAction(async (opts: { contract: string; json?: boolean }) => {
        const ctx = await openEvidence();
        try {
          const versions = await contractVersions(ctx.contracts, opts.contract);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(versions, null, 2)}\n`);
            return;
          }
          if (versions.length === 0) {
            process.stdout.write(`${opts.contract} is not registered\n`);
            process.exitCode = 1;
            return;
          }
          process.stdout.write(
            `${table(
              ['version', 'effective from', 'entry', 'spec hash', 'periods'],
              versions.map((v) => [
                v.spec.version,
                v.spec.effectiveFrom,
                v.seq,
                v.hash,
                v.spec.periods.map((p) => p.id).join(', '),
              ]),
            )}\n`,
          );
        } finally {
          ctx.close();
        }
      }),
    );

  contract
    .command('publish-comparison')
    .description("publish a comparison-group figure (the evaluator's comparison.published entry)")
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--comparison <id>', 'a published comparison of the contract')
    .requiredOption('--value <decimal>', 'the comparison figure: a rate or a mean per participant, e.g. 1.55')
    .option('--group <group>', 'all, or a cohort (comparisons computed per cohort)', 'all')
    .option('--denominator <n>', 'participants behind the figure')
    .option('--period <id>', 'the figure applies to this period only')
    .option('--note <text>', 'how the figure was obtained (no personal data)')
    .option('--as <subject>', 'the publishing evaluator subject', 'local-evaluator')
    .addHelpText(
      'after',
      '\nExample:\n  sib contract publish-comparison --contract peterborough --comparison matched-group --group cohort-1 --value 1.55 --denominator 1000',
    )
    .action(
      runAction(
        async (opts: {
          contract: string;
          comparison: string;
          value: string;
          group: string;
          denominator?: string;
          period?: string;
          note?: string;
          as: string;
        }) => {
          const ctx = await openEvidence();
          try {
            const denominator = opts.denominator === undefined ? undefined : Number(opts.denominator);
            const receipt = await publishComparison(
              ctx.contracts,
              opts.contract,
              {
                comparison: opts.comparison,
                group: opts.group,
                value: opts.value,
                ...(denominator === undefined ? {} : { denominator }),
                ...(opts.period === undefined ? {} : { period: opts.period }),
                ...(opts.note === undefined ? {} : { note: opts.note }),
              },
              { sub: opts.as, role: 'evaluator' },
            );
            process.stdout.write(
              `${receipt.replayed ? 'Already published' : 'Published'}: ${opts.comparison} ${opts.group} = ${opts.value} (entry seq ${receipt.seq})\n`,
            );
          } catch (error) {
            reportProblems(error);
          } finally {
            ctx.close();
          }
        },
      ),
    );
}
