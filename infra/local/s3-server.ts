/**
 * Runs s3rver in its own Node process so the local stack can leave it running
 * (detached) after `sib stack up` exits.
 * Usage: node infra/local/s3-server.ts --port <n> --directory <dir> [--data-dir <dir>]
 *
 * With --data-dir (the stack's data dir), it also plays S3 event
 * notifications: each object created under uploads/ in the archive bucket is
 * handed, as an S3 event, to the same Lambda handler that ingests uploads in
 * AWS (functions/ingest-s3.ts), one at a time, as a notification would.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { UPLOADS_PREFIX } from '../../functions/adapters/storage-layout.ts';

interface S3rverOptions {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
}
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
  on(
    event: 'event',
    listener: (event: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => void,
  ): void;
}

// s3rver is CommonJS and ships no types.
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: S3rverOptions) => S3rverInstance;

const { values } = parseArgs({
  options: { port: { type: 'string' }, directory: { type: 'string' }, 'data-dir': { type: 'string' } },
});
const port = Number(values.port);
if (!Number.isInteger(port) || !values.directory) {
  console.error('usage: s3-server.ts --port <n> --directory <dir>');
  process.exit(2);
}

const server = new S3rver({ port, address: '127.0.0.1', directory: values.directory, silent: true });
const address = await server.run();
const dataDir = values['data-dir'];
if (dataDir) {
  process.env.SIB_DATA_DIR = dataDir;
  let queue: Promise<unknown> = Promise.resolve();
  server.on('event', (event) => {
    const uploads = event.Records.filter(
      (r) => r.eventName.startsWith('ObjectCreated:') && r.s3.object.key.startsWith(UPLOADS_PREFIX),
    );
    if (uploads.length === 0) return;
    queue = queue.then(async () => {
      try {
        // Loaded on the first upload, so the emulator starts without the SDK and the handlers.
        const { useLocalRuntime } = await import('./runtime.ts');
        useLocalRuntime();
        const { handler } = await import('../../functions/ingest-s3.ts');
        const out = await handler({ Records: uploads } as never, { awsRequestId: `local-${Date.now()}` } as never);
        console.log(`ingested upload: ${JSON.stringify(out)}`);
      } catch (error) {
        console.error(`upload ingest failed: ${(error as Error).message}`);
      }
    });
  });
}
console.log(`s3rver listening on http://${address.address}:${address.port}, data in ${values.directory}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    server.close().finally(() => process.exit(0));
  });
}
