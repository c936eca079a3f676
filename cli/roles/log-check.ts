/**
 * Before a role command first acts on a contract, the contract log is
 * checked against the checkpoint last verified on this machine (the user's
 * config dir, seen-checkpoints.ts): the API's current checkpoint must verify
 * with the log key, and a consistency proof from the remembered size to it
 * must hold (GET /contracts/{contract}/consistency). A shorter or forked log
 * is refused, naming both sizes and roots; otherwise the remembered
 * checkpoint advances. The log key is SIB_LOG_KEY (the contract's log key,
 * or the bare log key it is made from), else, for an API on this
 * machine, the local log key; without one there is nothing to check against.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '#kernel';
import {
  checkpointOrigin,
  checkSeenConsistency,
  parseVerifierKey,
  type VerifiedCheckpoint,
  verifierKey,
  verifyCheckpoint,
} from '#ledger';
import { DEFAULT_KEY_FILE } from '../../functions/adapters/local-signer.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { type ApiAnswer, ApiError, type CallOptions } from '../api-client.ts';
import { trustedKeys } from '../context.ts';
import { Exit } from '../errors.ts';
import { logIdOf, recall, remember } from '../seen-checkpoints.ts';

type Call = <T>(id: string, options: CallOptions) => Promise<ApiAnswer<T>>;

/**
 * The log keys of SIB_LOG_KEY (comma-separated) for `contract`: each log's
 * key is named by its checkpoint origin `<log name>/<contract>`; a key given
 * under the bare log name stands for the same key material, so the key of
 * this contract's log is made from it.
 */
export function logKeysFor(given: string, contract: string): string[] {
  return given
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map((text) => {
      const key = parseVerifierKey(text);
      if (key.name.includes('/')) return text;
      return verifierKey(checkpointOrigin(key.name, contract), key.publicKey);
    });
}

/** The log key to check the API's checkpoints with, if one is known. */
async function logKeys(local: boolean, contract: string): Promise<string[] | undefined> {
  const given = process.env.SIB_LOG_KEY;
  if (given !== undefined && given.trim() !== '') {
    try {
      return logKeysFor(given, contract);
    } catch (error) {
      throw new Exit(2, `SIB_LOG_KEY: ${(error as Error).message}`);
    }
  }
  if (!local || !existsSync(join(dataDir(), 'keys', DEFAULT_KEY_FILE))) return undefined;
  return trustedKeys([], contract);
}

/** The API's current checkpoint of `contract`, verified; undefined when the API has none to give (no log yet). */
async function currentCheckpoint(
  call: Call,
  contract: string,
  keys: readonly string[],
): Promise<{ cp: VerifiedCheckpoint; note: string } | undefined> {
  let note: string;
  try {
    note = (await call<{ note: string }>('getCheckpoint', { params: { contract } })).body.note;
  } catch (error) {
    // No log yet, or not this token's: the command itself says so.
    if (error instanceof ApiError) return undefined;
    throw error;
  }
  try {
    return { cp: verifyCheckpoint(note, keys), note };
  } catch (error) {
    throw new Exit(
      1,
      `the checkpoint the API gives for ${contract} does not verify with the log key: ${(error as Error).message}`,
    );
  }
}

/** Checks the log of `contract` against the checkpoint remembered for it, then remembers the current one. */
export async function checkAgainstSeen(call: Call, contract: string, local: boolean): Promise<void> {
  const keys = await logKeys(local, contract);
  if (keys === undefined) return;
  const current = await currentCheckpoint(call, contract, keys);
  const log = current === undefined ? undefined : logIdOf(current.cp);
  if (current === undefined || log === undefined) return;
  const { cp, note } = current;
  const seen = await recall(log);
  if (seen !== undefined) {
    let proof: readonly Uint8Array[] = [];
    if (cp.size > seen.size) {
      const answer = await call<{ proof: string[] }>('getConsistencyProof', {
        params: { contract },
        query: { from: seen.size, to: cp.size },
      });
      proof = answer.body.proof.map(fromHex);
    }
    try {
      checkSeenConsistency(seen, cp, proof);
    } catch (error) {
      throw new Exit(1, (error as Error).message);
    }
  }
  await remember(log, cp, note);
}
