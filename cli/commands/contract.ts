/**
 * `sib contract validate`: a contract spec file checked offline, every
 * problem listed with the path of the bad field; and reading a spec file
 * (`--contract <id>` or `--file`), which `sib ministry register` and the
 * scenarios share. Contracts are registered by the ministry
 * (`sib ministry register`) and read by every role (`sib <role> contract`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseContractSpec } from '#contracts';
import { ValidationError } from '#kernel';
import { ContractIdSchema } from '#ledger';
import { contractsDir } from '../../functions/shared/contracts.ts';
import { runAction } from '../errors.ts';
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
function reportProblems(error: unknown): void {
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
    .description('contract specs: validate a spec file offline (register it: sib ministry register)');

  contract
    .command('validate')
    .description('check a contract spec file and list every problem with the path of the bad field')
    .argument('<file>', 'a contract spec (JSON, see docs/contracts.md)')
    .addHelpText(
      'after',
      '\nExample:\n  sib contract validate contracts/peterborough.json\n\nExit status: 0 valid, 1 invalid, 2 usage error.',
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
}
