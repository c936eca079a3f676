/** The use cases' adapters wired to the shared test stack and a data dir's local keys, for tests that call them in-process. */

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { registerContract } from '#services';
import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import type { Runtime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { REPO } from './cli.ts';

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
