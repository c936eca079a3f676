import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from '../infra/local/processes.ts';
import { type Services, startServices, stopServices } from '../infra/local/stack.ts';

/**
 * A fresh local stack for one benchmark: file-backed DynamoDB Local (as
 * `sib stack up` runs it) and s3rver on free ports, in a temp dir that is
 * removed with it.
 */
export async function throwawayStack(name: string): Promise<Services & { dir: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), `sib-bench-${name}-`));
  const [dynamoPort, s3Port] = await freePorts(2);
  try {
    const services = await startServices({
      dynamoPort: dynamoPort as number,
      s3Port: s3Port as number,
      dynamoDbPath: join(dir, 'dynamodb'),
      s3Directory: join(dir, 's3'),
      logDir: join(dir, 'logs'),
      detached: false,
    });
    return {
      ...services,
      dir,
      stop: async () => {
        await stopServices(services);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
