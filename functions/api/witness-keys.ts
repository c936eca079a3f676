/**
 * The deployment's witnesses: the verifier keys in SIB_WITNESS_KEYS
 * (comma-separated), the witnesses reports name and the only ones whose
 * cosignatures the ledger stores. Kept apart so the ledger's handler does
 * not load the reports' modules.
 */
import { parseVerifierKey } from '#ledger';

/** Verifier keys of the configured witnesses: SIB_WITNESS_KEYS; a malformed one is a deployment fault (500). */
export function witnessKeysFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const keys = (env.SIB_WITNESS_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const key of keys) {
    try {
      parseVerifierKey(key);
    } catch (error) {
      throw new Error(`SIB_WITNESS_KEYS: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
  return keys;
}
