import { verifyCheckpoint } from './checkpoint.ts';
import { checkSigners, parseVerifierKey, type SignerCheck, type VerifierKey } from './note.ts';
import type { LogTrust, TrustPolicy } from './trust.ts';
import { trustForContract } from './trust.ts';

/**
 * A signed checkpoint held against the investor's trust policy (trust.ts):
 * it must be of the log the policy names for its contract (the same origin),
 * signed by the policy's log key, and cosigned by at least `quorum` of the
 * policy's witnesses. One source for the report verifier and the export
 * verifier (`sib report verify --trust`, `sib ledger verify --file --trust`).
 * Pure; throws only on a key the policy parser refuses (parseTrustPolicy).
 */

export interface CheckpointTrust {
  /** What is wrong; empty when the checkpoint meets the policy (or falls short of the quorum with the opt-out). */
  readonly problems: readonly string[];
  /** Set when fewer witnesses than the quorum cosigned and the opt-out accepted it. */
  readonly warning?: string;
  /** The policy's witnesses whose cosignatures verify. */
  readonly cosigned: readonly string[];
  /** One line of what was found. */
  readonly summary: string;
}

/** The policy's keys for a contract's log: the log key, then the witnesses' (the keys a verifier trusts). */
export function trustedKeysOf(log: LogTrust): string[] {
  return [log.logKey, ...log.witnesses.keys];
}

/** The policy's entry for `contract`, or a problem naming the contract and the contracts it does name. */
export function logTrustOf(policy: TrustPolicy, contract: string): LogTrust | string {
  return (
    trustForContract(policy, contract) ??
    `the trust policy names no log for contract ${contract} (it names ${policy.logs.map((l) => l.contract).join(', ')})`
  );
}

const idOf = (k: { name: string; keyId: string }) => `${k.name}+${k.keyId}`;

/** Checks `note` (a signed checkpoint) against the policy's entry for its log. */
export function checkCheckpointTrust(
  note: string,
  log: LogTrust,
  options: { readonly allowFewerWitnesses?: boolean } = {},
): CheckpointTrust {
  const problems: string[] = [];
  const logKey = parseVerifierKey(log.logKey);
  try {
    const cp = verifyCheckpoint(note, [logKey]);
    if (cp.origin !== log.origin) {
      problems.push(`the checkpoint is of the log ${cp.origin}, but the trust policy names ${log.origin}`);
    }
  } catch (error) {
    problems.push(`the checkpoint is not signed by the policy's log key ${idOf(logKey)}: ${(error as Error).message}`);
  }
  let signers: SignerCheck[] = [];
  try {
    signers = checkSigners(note, log.witnesses.keys.map(parseVerifierKey) as VerifierKey[]);
  } catch (error) {
    problems.push(`the checkpoint's cosignatures cannot be read: ${(error as Error).message}`);
  }
  for (const s of signers.filter((x) => x.status === 'invalid')) {
    problems.push(`the cosignature of witness ${idOf(s)} does not verify`);
  }
  const cosigned = signers.filter((s) => s.status === 'signed');
  const missing = signers.filter((s) => s.status !== 'signed').map(idOf);
  const { quorum } = log.witnesses;
  const count = `${cosigned.length} of the policy's ${signers.length} witness(es) cosigned the checkpoint, the quorum is ${quorum}`;
  let warning: string | undefined;
  if (cosigned.length < quorum) {
    const need = `${count}: ${quorum - cosigned.length} more needed (missing: ${missing.join(', ')})`;
    if (options.allowFewerWitnesses === true) warning = `fewer witnesses than the quorum accepted: ${need}`;
    else problems.push(`not enough witnesses: ${need}`);
  }
  const names = cosigned.map(idOf);
  return {
    problems,
    ...(warning === undefined ? {} : { warning }),
    cosigned: names,
    summary: `${log.origin} signed by the policy's log key; ${count}${names.length > 0 ? ` (${names.join(', ')})` : ''}`,
  };
}
