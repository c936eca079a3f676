import { checkCheckpointTrust, logTrustOf, type TrustPolicy, trustedKeysOf } from '#ledger';
import type { Fail, ReportContext } from './verify-context.ts';

/**
 * The report verifier against the investor's trust policy: the keys it
 * trusts for the report's contract (the policy's log key and witnesses, with
 * any given besides), and the `trust policy` check: the contract is in the
 * policy, the checkpoint is of the policy's origin, signed by its log key and
 * cosigned by a quorum of its witnesses (with the opt-out, fewer is a
 * warning, not a failure).
 */

/** The keys to trust: those given, and with a policy naming the contract, its log key and witness keys. */
export function keysWithPolicy(keys: readonly string[], trust: TrustPolicy | undefined, contract: string): string[] {
  if (trust === undefined) return [...keys];
  const log = logTrustOf(trust, contract);
  return typeof log === 'string' ? [...keys] : [...keys, ...trustedKeysOf(log).filter((k) => !keys.includes(k))];
}

export function checkTrust(ctx: ReportContext, fail: Fail): string | undefined {
  const trust = ctx.options.trust;
  if (trust === undefined) return undefined;
  const log = logTrustOf(trust, ctx.report.contract.id);
  if (typeof log === 'string') {
    fail(log);
    return undefined;
  }
  const found = checkCheckpointTrust(ctx.report.checkpoint.note, log, ctx.options);
  for (const problem of found.problems) fail(problem);
  if (found.warning !== undefined) ctx.warnings.push(found.warning);
  return found.warning === undefined ? found.summary : `${found.summary}; warning: ${found.warning}`;
}
