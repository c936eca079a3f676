/**
 * Starts one throwaway local stack for the whole test run: DynamoDB Local in
 * memory and s3rver in a temp dir, on free ports, provisioned from
 * functions/adapters/storage-layout.ts. Tests reach it through
 * test/support/stack.ts. Builds the web console into console/dist, which the
 * local gateway serves to the browser tests (test/support/browser.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildConsole } from '../console/build.ts';
import type { StackConfig } from '../functions/adapters/storage-layout.ts';
import { freePorts } from '../infra/local/processes.ts';
import { type Services, startServices, stopServices } from '../infra/local/stack.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackConfig;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The console the local gateway serves (console/dist), built once for the browser tests.
  await buildConsole();
  const dir = mkdtempSync(join(tmpdir(), 'sib-test-stack-'));
  let services: Services | undefined;
  // If vitest dies without running teardown, do not leave the services behind.
  const killOnExit = () => {
    for (const p of services ? [services.dynamodb, services.s3] : []) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {}
    }
  };
  try {
    const [dynamoPort, s3Port] = (await freePorts(2)) as [number, number];
    services = await startServices({
      dynamoPort,
      s3Port,
      dynamoDbPath: null,
      s3Directory: join(dir, 's3'),
      logDir: join(dir, 'logs'),
      detached: false,
      readyTimeoutMs: 60_000,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  process.once('exit', killOnExit);
  project.provide('stack', services.config);
  const running = services;
  return async () => {
    try {
      await stopServices(running);
      process.off('exit', killOnExit);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
