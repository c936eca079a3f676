/**
 * sib stack up|down|status: the local stack (DynamoDB Local + s3rver) under
 * the data dir ($SIB_DATA_DIR or ./.data).
 */
import { type Command, InvalidArgumentError } from 'commander';
import {
  DEFAULT_DYNAMO_PORT,
  DEFAULT_S3_PORT,
  dataDir,
  type ServiceStatus,
  stackDown,
  stackStatus,
  stackUp,
} from '../../infra/local/stack.ts';
import { runAction } from '../errors.ts';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new InvalidArgumentError('Not a port number.');
  return port;
}

export function envPort(name: string): number | undefined {
  const value = process.env[name];
  if (!value) return undefined;
  try {
    return parsePort(value);
  } catch {
    throw new Error(`${name}=${value} is not a port number`);
  }
}

function statusLine(s: ServiceStatus): string {
  const answers = s.state === 'running' || s.answers ? (s.answers ? 'answers' : 'does not answer') : '';
  return [s.name.padEnd(15), s.state.padEnd(8), `pid ${s.pid ?? '-'}`.padEnd(12), s.endpoint ?? '-', answers]
    .join(' ')
    .trimEnd();
}

export function register(program: Command): void {
  const stack = program
    .command('stack')
    .description('run the local stack (DynamoDB Local + s3rver) with its data in $SIB_DATA_DIR or ./.data');

  stack
    .command('up')
    .description('start the local stack and create its tables and buckets; if it already runs, say so and exit 0')
    .option('--dynamo-port <n>', `DynamoDB Local port (env SIB_DYNAMO_PORT, default ${DEFAULT_DYNAMO_PORT})`, parsePort)
    .option('--s3-port <n>', `S3 (s3rver) port (env SIB_S3_PORT, default ${DEFAULT_S3_PORT})`, parsePort)
    .action(
      runAction(async (options: { dynamoPort?: number; s3Port?: number }) => {
        const result = await stackUp({
          dataDir: dataDir(),
          dynamoPort: options.dynamoPort ?? envPort('SIB_DYNAMO_PORT'),
          s3Port: options.s3Port ?? envPort('SIB_S3_PORT'),
        });
        for (const line of result.messages) console.log(line);
      }),
    );

  stack
    .command('down')
    .description('stop the local stack (its data is kept)')
    .action(
      runAction(async () => {
        for (const line of (await stackDown(dataDir())).messages) console.log(line);
      }),
    );

  stack
    .command('status')
    .description('show whether each local service runs and answers')
    .option('--json', 'print the status as JSON')
    .action(
      runAction(async (options: { json?: boolean }) => {
        const status = await stackStatus(dataDir());
        if (options.json) {
          console.log(JSON.stringify(status, null, 2));
          return;
        }
        console.log(`Local stack ${status.running ? 'running' : 'not running'} (data dir ${status.dataDir})`);
        if (status.note) console.log(`note: ${status.note}`);
        console.log(statusLine(status.services.dynamodb));
        console.log(statusLine(status.services.s3));
      }),
    );
}
