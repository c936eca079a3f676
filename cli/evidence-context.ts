import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ContractProfile, ContractProfileSchema } from '../domain/contract-profile.ts';
import { NotFoundError, ValidationError } from '../domain/errors.ts';
import { localRuntime, type Runtime } from '../functions/shared/composition.ts';
import type { StackConfig } from '../infra/definitions.ts';
import { dataDir, loadStackConfig } from '../infra/local/stack.ts';

/** Where contract profiles live: `contracts/<id>.json` beside the project (SIB_CONTRACTS_DIR overrides). */
export function contractsDir(): string {
  return resolve(process.env.SIB_CONTRACTS_DIR ?? join(import.meta.dirname, '..', 'contracts'));
}

export async function loadProfile(contract: string): Promise<ContractProfile> {
  let text: string;
  try {
    text = await readFile(join(contractsDir(), `${contract}.json`), 'utf8');
  } catch {
    throw new NotFoundError(`no contract profile ${contract} (looked in ${contractsDir()})`);
  }
  const parsed = ContractProfileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new ValidationError(
      `contract profile ${contract} is invalid`,
      parsed.error.issues.map((i) => ({ field: i.path.join('.'), message: i.message })),
    );
  }
  return parsed.data;
}

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
