/** The use cases' adapters wired to the shared test stack and a data dir's local keys, for tests that call them in-process. */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { registerContract } from '#services';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { REPO } from './cli.ts';
import { saveEnv } from './http.ts';
import { testStack } from './stack.ts';

export interface EvidenceContext extends Runtime {
  close(): void;
}

export async function openEvidence(dir: string, stack: StackConfig): Promise<EvidenceContext> {
  const runtime = await localRuntime(dir, stack);
  return {
    ...runtime,
    close: () => {
      runtime.dynamo.destroy();
      runtime.s3.destroy();
    },
  };
}

/**
 * Registers the shipped Second Chance spec under `id` (as `POST /contracts`
 * does): a contract's log starts with its registration, and evidence for a
 * contract that is not registered is refused.
 */
export async function registerFixture(rt: Pick<Runtime, 'contracts'>, id: string): Promise<void> {
  const spec = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8'));
  await registerContract(rt.contracts, { ...spec, id }, { sub: 'ministry-fixture', role: 'ministry' });
}

/**
 * A handler test's runtime on the test stack: a temporary data dir (its
 * contract profiles in `<dir>/contracts`), the environment the handlers read
 * set for the file and restored after it, the runtime set before each test,
 * and everything closed and removed after the file. `runtime()` is the
 * runtime, once the file's beforeAll hooks have run.
 */
export function useHandlerRuntime(prefix: string): { dir: string; contracts: string; runtime: () => Runtime } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const contracts = join(dir, 'contracts');
  const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
  let rt: Runtime | undefined;
  beforeAll(async () => {
    process.env.SIB_DATA_DIR = dir;
    process.env.SIB_CONTRACTS_DIR = contracts;
    rt = await localRuntime(dir, testStack());
  });
  beforeEach(() => setRuntime(rt as Runtime));
  afterAll(() => {
    resetRuntime();
    rt?.dynamo.destroy();
    rt?.s3.destroy();
    saved.restore();
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, contracts, runtime: () => rt as Runtime };
}
