/**
 * `sib report verify`: an audit report checked offline (no stack, no API):
 * every signature, the checkpoint, every inclusion proof, and every amount
 * recomputed. Reports are issued, listed and downloaded by the roles
 * (`sib ministry issue-report`, `sib investor reports|download`).
 */
import type { Command } from 'commander';
import { collect } from '../args.ts';
import { runAction } from '../errors.ts';
import type { TrustOptions } from '../trust.ts';
import { verifyReportFile } from '../verification.ts';

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('audit reports for investors: signed JSON with proofs, checked offline with `sib report verify`');

  report
    .command('verify')
    .description(
      'verify an audit report offline: every signature, the checkpoint, every inclusion proof, and every amount recomputed from the figures and the contract terms it carries',
    )
    .argument('<report.json>', 'the report file (canonical JSON, as downloaded)')
    .option(
      '--key <verifier-key>',
      "trusted verifier key name+id+base64: the log's, and any witness's (repeatable; default: the local log key)",
      collect,
      [],
    )
    .option(
      '--trust <policy.json>',
      "the investor's trust policy (docs/trust-policy.md; `sib trust show --contract C`): the log key, the witnesses with their quorum",
    )
    .option(
      '--allow-fewer-witnesses',
      "with --trust: accept a checkpoint cosigned by fewer witnesses than the policy's quorum (a warning, not a failure)",
    )
    .option('--json', 'print the result (every check) as JSON')
    .option('--verbose', 'print a table of every check')
    .addHelpText(
      'after',
      '\nExamples:\n  sib report verify report.json\n  sib report verify report.json --key "sib-ledger.local+1a2b3c4d+AX..." --key "evaluator+5e6f7a8b+BA..."\n  sib report verify report.json --trust trust.json\n\n' +
        'Exit status: 0 when every check holds, 1 otherwise (each failed check is named, with the figures), 2 usage error.',
    )
    .action(
      runAction((file: string, opts: { key: string[]; json?: boolean; verbose?: boolean } & TrustOptions) =>
        verifyReportFile(file, opts),
      ),
    );
}
