/**
 * Runs s3rver in its own Node process so the local stack can leave it running
 * (detached) after `sib stack up` exits.
 * Usage: node infra/local/s3-server.ts --port <n> --directory <dir>
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

interface S3rverOptions {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
}
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}

// s3rver is CommonJS and ships no types.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

const { values } = parseArgs({ options: { port: { type: 'string' }, directory: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || !values.directory) {
  console.error('usage: s3-server.ts --port <n> --directory <dir>');
  process.exit(2);
}

const server = new S3rver({ port, address: '127.0.0.1', directory: values.directory, silent: true });
const address = await server.run();
console.log(`s3rver listening on http://${address.address}:${address.port}, data in ${values.directory}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().finally(() => process.exit(0));
  });
}
