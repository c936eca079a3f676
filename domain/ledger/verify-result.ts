/**
 * The verdict of a log verification, of a stored log (log.ts) or of an
 * export (export-verify.ts): what it reports, how it is made from the error
 * that stopped the check or from the checkpoint that verified, and how the
 * witnesses stand on that checkpoint.
 */
import { DomainError, IntegrityError, toBase64 } from '#kernel';
import type { VerifiedCheckpoint } from './checkpoint.ts';
import type { LogVerifier } from './log-verifier.ts';
import { checkSigners, type SignerCheck, type VerifierKey } from './note.ts';

export interface VerifyResult {
  readonly ok: boolean;
  readonly contract?: string;
  /** Entries checked before the first failure (all of them when ok). */
  readonly entries: number;
  /** Merkle root (hex) over the entries checked, when ok. */
  readonly root?: string;
  readonly checkpoint?: { origin: string; size: number; root: string; signedBy: string[] };
  /**
   * With witness keys: how each stands on the checkpoint (`signed` = cosigned
   * it). Reported only once the log's own signature has verified.
   */
  readonly witnesses?: readonly SignerCheck[];
  readonly failure?: { seq?: number; message: string };
}

/** Witness keys to look for on the checkpoint; with `requireWitnesses`, each must have cosigned it. */
export interface WitnessOptions {
  readonly witnesses?: readonly (string | VerifierKey)[];
  readonly requireWitnesses?: boolean;
}

/**
 * Adds to a verification result how each witness key stands on the signed
 * checkpoint `note` it verified. A witness that did not cosign (or whose line
 * does not verify) is reported; with `requireWitnesses` it fails the result.
 * A result whose checkpoint did not verify is returned as it is.
 */
export function withWitnesses(
  result: VerifyResult,
  note: string | undefined,
  options: WitnessOptions = {},
): VerifyResult {
  const keys = options.witnesses ?? [];
  if (keys.length === 0 || result.checkpoint === undefined || note === undefined) return result;
  const witnesses = checkSigners(note, keys);
  const absent = witnesses.filter((w) => w.status !== 'signed');
  if (!options.requireWitnesses || absent.length === 0 || !result.ok) return { ...result, witnesses };
  const why = absent.map(
    (w) => `${w.name}+${w.keyId} (${w.status === 'missing' ? 'no signature' : 'its signature does not verify'})`,
  );
  return {
    ...result,
    ok: false,
    witnesses,
    failure: { message: `the checkpoint is not cosigned by every required witness: ${why.join(', ')}` },
  };
}

/** The checkpoint as a verdict reports it: origin, size, base64 root, who signed it. */
export function checkpointSummary(cp: VerifiedCheckpoint): NonNullable<VerifyResult['checkpoint']> {
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), signedBy: cp.verified.map((s) => s.name) };
}

/** The verdict of a check stopped by `error` (infrastructure failures are thrown, not returned). */
export function failedVerification(
  error: unknown,
  verifier: LogVerifier,
  checkpoint?: VerifiedCheckpoint,
): VerifyResult {
  // Infrastructure failures (the store did not answer) are errors, not verdicts.
  if (!(error instanceof DomainError) && (error as { $metadata?: unknown }).$metadata !== undefined) throw error;
  if (!(error instanceof Error)) throw error;
  const seq = error instanceof IntegrityError ? error.seq : undefined;
  return {
    ok: false,
    ...(verifier.contract === undefined ? {} : { contract: verifier.contract }),
    entries: verifier.size,
    ...(checkpoint ? { checkpoint: checkpointSummary(checkpoint) } : {}),
    failure: { ...(seq === undefined ? {} : { seq }), message: error.message },
  };
}
