/** The use cases' adapters wired to the shared test stack and a data dir's local keys, for tests that call them in-process. */

import type { StackConfig } from '../../functions/adapters/storage-layout.ts';
import type { Runtime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';

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
