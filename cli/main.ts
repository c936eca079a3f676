#!/usr/bin/env node
/**
 * The `sib` command: the roles' use cases through the HTTP API (operator,
 * ministry, evaluator, investor) and the host's own tools (the local stack,
 * keys, the API server, development tokens, the ledger's offline checks,
 * exports, the demo). Every group is imported here, statically: a module
 * that fails to load fails the command, it never silently vanishes.
 */
import { Command } from 'commander';
import { register as api } from './commands/api.ts';
import { register as contract } from './commands/contract.ts';
import { register as demo } from './commands/demo.ts';
import { register as exporter } from './commands/export.ts';
import { register as keys } from './commands/keys.ts';
import { register as ledger } from './commands/ledger.ts';
import { register as login } from './commands/login.ts';
import { register as report } from './commands/report.ts';
import { register as stack } from './commands/stack.ts';
import { register as trust } from './commands/trust.ts';
import { register as witness } from './commands/witness.ts';
import { EXIT_HELP } from './errors.ts';
import { register as evaluator } from './roles/evaluator.ts';
import { register as investor } from './roles/investor.ts';
import { register as ministry } from './roles/ministry.ts';
import { register as operator } from './roles/operator.ts';

const program = new Command();
program
  .name('sib')
  .description('sib-ledger: outcome verification and payments ledger for social impact bonds')
  .showHelpAfterError()
  .addHelpText(
    'after',
    `\nThe roles (operator, ministry, evaluator, investor) act through the HTTP API, each with its own token;\nthe other commands are this machine's own tools. Every command has --help with examples.\n\n${EXIT_HELP}`,
  )
  // Usage errors exit 2 (help and --version exit 0); the rest of the policy is cli/errors.ts.
  .exitOverride((error) => {
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

for (const register of [
  operator,
  ministry,
  evaluator,
  investor,
  stack,
  api,
  login,
  keys,
  ledger,
  report,
  trust,
  contract,
  exporter,
  demo,
  witness,
]) {
  register(program);
}

await program.parseAsync(process.argv);
