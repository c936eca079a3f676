/**
 * sib witness serve: a C2SP tlog-witness for the given logs, with a key made
 * by `sib keys witness` and its state in a directory; it prints its URL once
 * it listens. sib witness status: what that state records per log (size,
 * root, refusals of rollbacks and forks).
 */
import type { Command } from 'commander';
import { ValidationError } from '#kernel';
import { runAction } from '../errors.ts';
import { startWitnessServer } from '../witness/server.ts';
import { WitnessStateDir } from '../witness/state.ts';
import { openWitnessKey } from './keys.ts';

const collect = (value: string, previous: string[] = []) => [...previous, value];

function parsePort(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!/^[0-9]+$/.test(text) || port > 65535) throw new ValidationError(`--port must be 0-65535, not ${text}`);
  return port;
}

export function register(program: Command): void {
  const witness = program
    .command('witness')
    .description('a C2SP tlog-witness: cosigns the checkpoints of logs it checks');

  witness
    .command('serve')
    .description('serve POST /add-checkpoint (C2SP tlog-witness) for the given logs, printing the URL once listening')
    .requiredOption('--key <file>', 'the witness key file (made by sib keys witness)')
    .requiredOption('--state <dir>', 'directory holding the latest cosigned checkpoint of each log (created)')
    .requiredOption('--log <vkey>', "a log's verifier key, named by its checkpoint origin (repeatable)", collect)
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addHelpText(
      'after',
      '\nExample:\n  sib witness serve --key evaluator.pem --state witness-state \\\n    --log "$(sib keys show --contract second-chance-kamchatka)"\n\nThe log pushes its checkpoints to the printed URL (SIB_WITNESS_URLS).',
    )
    .action(
      runAction(async (options: { key: string; state: string; log: string[]; port?: string; host: string }) => {
        const key = await openWitnessKey(options.key);
        const running = await startWitnessServer({
          witness: key.signer,
          stateDir: options.state,
          logs: options.log,
          port: parsePort(options.port),
          host: options.host,
        });
        console.error(`witness ${key.verifierKey}`);
        console.log(running.url);
        await new Promise<void>((resolve) => {
          const stop = () => void running.close().then(resolve, resolve);
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      }),
    );

  witness
    .command('status')
    .description("print each log's latest cosigned size and root, and the rollbacks and forks refused")
    .requiredOption('--state <dir>', 'the witness state directory')
    .option('--json', 'print the state as JSON')
    .action(
      runAction(async (options: { state: string; json?: boolean }) => {
        const states = await new WitnessStateDir(options.state).all();
        if (options.json) return console.log(JSON.stringify(states, null, 2));
        if (states.length === 0) return console.log('no log witnessed yet');
        for (const s of states) {
          console.log(`${s.origin}: cosigned size ${s.size}, root ${s.root}`);
          for (const r of s.refusals) {
            console.log(`  refused ${r.kind} at ${new Date(r.time * 1000).toISOString()}: ${r.reason}`);
          }
        }
      }),
    );
}
