/**
 * The investor's trust policy on the command line: reading a `--trust` file
 * (a malformed one is a usage error naming each field), the keys it trusts
 * for a contract, and holding a verified log's checkpoint against it
 * (`sib ledger verify --trust`), and its keys' fingerprints as a person
 * compares them (`sib trust show`). The report verifier applies the policy
 * itself (#reports verifyReport's `trust` option).
 */

import { ValidationError } from '#kernel';
import {
  checkCheckpointTrust,
  keyFingerprint,
  type LogTrust,
  logTrustOf,
  parseTrustPolicy,
  parseVerifierKey,
  SIGNING_ROLES,
  type TrustPolicy,
  trustedKeysOf,
  type VerifyResult,
} from '#ledger';
import { Exit, usage } from './errors.ts';
import { readInput } from './files.ts';

/** The options every verifying command takes for a policy. */
export interface TrustOptions {
  trust?: string;
  allowFewerWitnesses?: boolean;
}

/** The policy of `--trust FILE`, if given; exit 2 naming each wrong field of a malformed one. */
export async function readTrustOption(opts: TrustOptions): Promise<TrustPolicy | undefined> {
  if (opts.trust === undefined) {
    if (opts.allowFewerWitnesses === true) throw usage('--allow-fewer-witnesses needs --trust <policy.json>');
    return undefined;
  }
  const text = (await readInput(opts.trust)).toString('utf8');
  try {
    return parseTrustPolicy(text);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const fields = error.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    throw usage(`--trust ${opts.trust}: ${error.message}${fields === '' ? '' : ` (${fields})`}`);
  }
}

/** The policy's entry for `contract`; exit 1 naming the contract when it names none. */
export function logTrustFor(policy: TrustPolicy, contract: string): LogTrust {
  const log = logTrustOf(policy, contract);
  if (typeof log === 'string') throw new Exit(1, log);
  return log;
}

/** The keys to verify with: those given with --key, then the policy's log key and witnesses. */
export function keysWith(given: readonly string[], log: LogTrust): string[] {
  return [...given, ...trustedKeysOf(log).filter((k) => !given.includes(k))];
}

/**
 * A log's verification held against the policy: its checkpoint `note` must be
 * of the policy's origin, signed by its log key and cosigned by a quorum of
 * its witnesses (fewer, with the opt-out: a warning on standard error).
 */
export function withTrust(
  result: VerifyResult,
  note: string | undefined,
  log: LogTrust,
  opts: TrustOptions,
): VerifyResult {
  if (!result.ok) return result;
  if (note === undefined) return { ...result, ok: false, failure: { message: 'the log has no signed checkpoint' } };
  const found = checkCheckpointTrust(note, log, { allowFewerWitnesses: opts.allowFewerWitnesses === true });
  if (found.warning !== undefined) process.stderr.write(`warning: ${found.warning}\n`);
  if (found.problems.length > 0) {
    return { ...result, ok: false, failure: { message: `trust policy: ${found.problems.join('; ')}` } };
  }
  return result;
}

/** The policy in lines a person reads: each log, its log key, witnesses with the quorum, and party keys, each with its fingerprint. */
export function fingerprintLines(policy: TrustPolicy): string[] {
  const key = (label: string, text: string) => {
    const k = parseVerifierKey(text);
    return [`  ${label} ${k.name}+${k.keyId}`, `      ${text}`, `      sha256 ${keyFingerprint(text)}`];
  };
  return policy.logs.flatMap((log) => [
    `trust policy of ${log.contract} (log ${log.origin})`,
    ...key('log key', log.logKey),
    `  witnesses: a quorum of ${log.witnesses.quorum} of ${log.witnesses.keys.length}`,
    ...log.witnesses.keys.flatMap((w) => key('witness', w)),
    ...SIGNING_ROLES.flatMap((role) => log.parties[role].flatMap((p) => key(`${role}`, p))),
  ]);
}

export { keyFingerprint };
