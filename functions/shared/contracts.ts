import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ContractProfile, ContractProfileSchema } from '#contracts';
import { NotFoundError, ValidationError } from '#kernel';
import { ContractIdSchema } from '#ledger';

/**
 * Where contract profiles live: `contracts/<id>.json` beside the project, or
 * in a Lambda bundle `contracts/` beside the code (LAMBDA_TASK_ROOT, copied
 * there by infra/constructs/handler-function.ts). SIB_CONTRACTS_DIR overrides.
 */
export function contractsDir(): string {
  const { SIB_CONTRACTS_DIR, LAMBDA_TASK_ROOT } = process.env;
  if (SIB_CONTRACTS_DIR) return resolve(SIB_CONTRACTS_DIR);
  if (LAMBDA_TASK_ROOT) return join(LAMBDA_TASK_ROOT, 'contracts');
  return resolve(join(import.meta.dirname, '..', '..', 'contracts'));
}

/**
 * The profile of a contract. The id is checked first: it comes from URLs and
 * command lines, and must never name a file outside the contracts dir. The
 * not-found message names no directory, since the API shows it to clients.
 */
export async function loadProfile(contract: string): Promise<ContractProfile> {
  if (!ContractIdSchema.safeParse(contract).success) throw new NotFoundError(`no contract profile ${contract}`);
  let text: string;
  try {
    text = await readFile(join(contractsDir(), `${contract}.json`), 'utf8');
  } catch (error) {
    throw new NotFoundError(`no contract profile ${contract}`, { cause: error });
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

/**
 * loadProfile for the handlers: a profile file that does not parse is the
 * deployment's fault, not the caller's, so it becomes a plain error (500)
 * instead of a 422 that would blame the request.
 */
export async function profileForRequest(contract: string): Promise<ContractProfile> {
  try {
    return await loadProfile(contract);
  } catch (error) {
    if (error instanceof ValidationError) throw new Error(error.message, { cause: error });
    throw error;
  }
}
