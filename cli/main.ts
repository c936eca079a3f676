#!/usr/bin/env node
import { Command } from 'commander';

const program = new Command();
program
  .name('sib')
  .description('sib-ledger: outcome verification and payments ledger for social impact bonds')
  .showHelpAfterError()
  // Usage errors exit 2 (help and --version exit 0); runtime failures exit 1 (cli/errors.ts).
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

const groups = [
  'stack',
  'login',
  'api',
  'keys',
  'contract',
  'evidence',
  'evaluate',
  'payment',
  'report',
  'export',
  'ledger',
  'demo',
  'roles',
] as const;
for (const group of groups) {
  const mod = (await import(`./commands/${group}.ts`).catch((error: unknown) => {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  })) as { register(program: Command): void } | undefined;
  mod?.register(program);
}

await program.parseAsync(process.argv);
