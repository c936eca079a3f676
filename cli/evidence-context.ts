import type { StackConfig } from '../functions/adapters/storage-layout.ts';
import type { Runtime } from '../functions/shared/composition.ts';
import { localRuntime } from '../infra/local/runtime.ts';
import { dataDir, loadStackConfig } from '../infra/local/stack.ts';

// Contract profiles are read the same way by the CLI and the handlers.
export { contractsDir, loadProfile } from '../functions/shared/contracts.ts';

export interface EvidenceContext extends Runtime {
  close(): void;
}

/** The ingest use case wired to the running local stack and the local keys. */
export async function openEvidence(
  dir = dataDir(),
  stack: StackConfig = loadStackConfig(dir),
): Promise<EvidenceContext> {
  const runtime = await localRuntime(dir, stack);
  return {
    ...runtime,
    close: () => {
      runtime.dynamo.destroy();
      runtime.s3.destroy();
    },
  };
}
