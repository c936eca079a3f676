/**
 * `sib trust show`: the trust policy a deployment publishes for a contract
 * (GET /contracts/{contract}/trust), as JSON on standard output, ready to
 * save as the `--trust` file of `sib report verify` and `sib ledger verify`;
 * and on standard error a summary of every key with its fingerprint, for the
 * investor to compare with the parties out of band before trusting it
 * (docs/trust-policy.md).
 */
import type { Command } from 'commander';
import { parseTrustPolicy, type TrustPolicy } from '#ledger';
import { API_ROLES, type ApiRole } from '../../functions/adapters/local-token.ts';
import { apiAction, usage } from '../errors.ts';
import { type ConnectionOptions, connect, connection, examples } from '../roles/connection.ts';
import { fingerprintLines } from '../trust.ts';

export function register(program: Command): void {
  const trust = program
    .command('trust')
    .description("the investor's trust policy: the keys a report or a log export is verified against");
  const show = trust
    .command('show')
    .description(
      'print the trust policy the deployment publishes for a contract (JSON), and a summary of its key fingerprints on standard error',
    )
    .requiredOption('--contract <id>', 'contract id')
    .option('--as <role>', `the role whose token to send (${API_ROLES.join(', ')})`, 'investor');
  examples(
    connection(show, 'the same JSON (the policy is always printed as JSON)'),
    [
      'sib trust show --contract second-chance-kamchatka > trust.json',
      'sib report verify report.json --trust trust.json',
    ],
    'Compare every fingerprint with the one each party gives you out of band (in person, a signed letter) before\nyou trust the file: a policy fetched from the API is only as good as that comparison.',
  ).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string; as: string }) => {
      if (!(API_ROLES as readonly string[]).includes(opts.as)) {
        throw usage(`--as must be one of ${API_ROLES.join(', ')}, not ${opts.as}`);
      }
      const api = connect(opts.as as ApiRole, opts);
      const answer = await api.call<TrustPolicy>('getTrustPolicy', { params: { contract: opts.contract } });
      // What is printed is what `--trust` reads: parse it as the verifiers will.
      const policy = parseTrustPolicy(JSON.stringify(answer.body));
      process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
      process.stderr.write(`${fingerprintLines(policy).join('\n')}\n`);
    }),
  );
}
