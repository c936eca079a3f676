/**
 * sib api serve: the HTTP API on this machine (infra/local/gateway.ts), the
 * same routes and handlers as API Gateway in AWS, on the running local stack.
 * Serves until Ctrl-C (SIGINT) or SIGTERM, then lets requests in flight
 * finish (up to 10 s) and exits.
 */
import { type Command, InvalidArgumentError } from 'commander';
import { type AccessLogEntry, announceGateway, DEFAULT_API_PORT, startGateway } from '../../infra/local/gateway.ts';
import { dataDir, loadStackConfig } from '../../infra/local/stack.ts';
import { runAction } from '../errors.ts';
import { envPort } from './stack.ts';

function portArg(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new InvalidArgumentError('Not a port number.');
  return port;
}

function accessLine(entry: AccessLogEntry): string {
  return `${entry.method} ${entry.path} ${entry.status} ${entry.ms} ms ${entry.requestId}`;
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((done) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      done(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

export function register(program: Command): void {
  const api = program.command('api').description('the HTTP API on this machine');

  api
    .command('serve')
    .description('serve the HTTP API on 127.0.0.1 against the running local stack, until Ctrl-C')
    .option('--port <n>', `port (env SIB_API_PORT, default ${DEFAULT_API_PORT}; 0 picks a free one)`, portArg)
    .option('--quiet', 'do not print a line per request')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ sib stack up && sib api serve',
        '  $ sib login --as operator --contract second-chance-kamchatka',
        '  $ curl -H "Authorization: Bearer $SIB_TOKEN" http://127.0.0.1:8787/contracts/second-chance-kamchatka/checkpoint',
      ].join('\n'),
    )
    .action(
      runAction(async (opts: { port?: number; quiet?: boolean }) => {
        const dir = dataDir();
        loadStackConfig(dir); // a clear error if the stack is not running
        const port = opts.port ?? envPort('SIB_API_PORT') ?? DEFAULT_API_PORT;
        const gateway = await startGateway({
          dataDir: dir,
          port,
          ...(opts.quiet ? {} : { onRequest: (entry: AccessLogEntry) => console.error(accessLine(entry)) }),
        }).catch((error: unknown) => {
          if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
            throw new Error(`port ${port} is in use: choose another with --port <n> or SIB_API_PORT`);
          }
          throw error;
        });
        const stopped = untilSignal();
        const unannounce = await announceGateway(dir, gateway.url);
        console.log(`API listening on ${gateway.url} (local stack in ${dir})`);
        console.log(`OpenAPI: ${gateway.url}/openapi.json`);
        if (gateway.servesConsole) console.log(`The web console: ${gateway.url}/`);
        console.log('Tokens: npx sib login --as <role> --contract <id|*>');
        console.log('Ctrl-C to stop');
        const signal = await stopped;
        console.log(`${signal}: finishing requests in flight…`);
        await gateway.close();
        await unannounce();
        console.log('API stopped');
      }),
    );
}
