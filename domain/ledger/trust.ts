import * as z from 'zod';
import { sha256, toHex, utf8, ValidationError } from '#kernel';
import type { PaymentState } from './kinds.ts';
import { parseVerifierKey } from './note.ts';

/**
 * The trust policy an investor (or any verifier) holds: per contract log,
 * the log's verifier key, the witnesses' verifier keys with the quorum of
 * cosignatures a checkpoint needs, and the verifier keys of the parties who
 * sign decisions, per signing role. Reports and log exports are verified
 * against it: a report is accepted only if its checkpoint is cosigned by a
 * quorum of the named witnesses and every decision in it is signed by a key
 * the policy names for that role. Format: docs/trust-policy.md.
 */

export const TRUST_POLICY_FORMAT = 'sib-ledger/trust-policy/v1';

/** Who signs what: the roles a policy names keys for. */
export const SIGNING_ROLES = ['analyst', 'evaluator', 'ministry', 'treasury'] as const;
export type SigningRole = (typeof SIGNING_ROLES)[number];

/** The role whose key must sign each payment step (`calculated` is the evaluation entry itself). */
export const SIGNING_ROLE_OF_STEP: Readonly<Record<PaymentState, SigningRole>> = {
  calculated: 'analyst',
  attested: 'evaluator',
  approved: 'ministry',
  rejected: 'ministry',
  paid: 'treasury',
};

/** A published comparison figure is signed by the evaluator. */
export const SIGNING_ROLE_OF_COMPARISON: SigningRole = 'evaluator';

const VerifierKeyText = z.string().superRefine((text, ctx) => {
  try {
    parseVerifierKey(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message });
  }
});

export const LogTrustSchema = z.strictObject({
  /** The contract whose log this is. */
  contract: z.string().min(1),
  /** The checkpoint origin, `<log name>/<contract>`; also the log key's name. */
  origin: z.string().min(1),
  /** The log's verifier key (signs checkpoints and reports). */
  logKey: VerifierKeyText,
  witnesses: z.strictObject({
    /** How many of `keys` must have cosigned a checkpoint. */
    quorum: z.int().min(0),
    keys: z.array(VerifierKeyText),
  }),
  /** Verifier keys of the parties, per signing role. */
  parties: z.strictObject({
    analyst: z.array(VerifierKeyText).default([]),
    evaluator: z.array(VerifierKeyText).default([]),
    ministry: z.array(VerifierKeyText).default([]),
    treasury: z.array(VerifierKeyText).default([]),
  }),
});
export type LogTrust = z.infer<typeof LogTrustSchema>;

export const TrustPolicySchema = z
  .strictObject({
    format: z.literal(TRUST_POLICY_FORMAT),
    logs: z.array(LogTrustSchema).min(1),
  })
  .superRefine((policy, ctx) => {
    policy.logs.forEach((log, i) => {
      if (log.witnesses.quorum > log.witnesses.keys.length) {
        ctx.addIssue({
          code: 'custom',
          path: ['logs', i, 'witnesses', 'quorum'],
          message: `a quorum of ${log.witnesses.quorum} needs at least that many witness keys (${log.witnesses.keys.length} given)`,
        });
      }
      if (!log.origin.endsWith(`/${log.contract}`)) {
        ctx.addIssue({
          code: 'custom',
          path: ['logs', i, 'origin'],
          message: `the origin of contract ${log.contract}'s log ends in /${log.contract}`,
        });
      }
    });
  });
export type TrustPolicy = z.infer<typeof TrustPolicySchema>;

/** Parses a trust policy file's text; throws ValidationError naming each field that is wrong. */
export function parseTrustPolicy(text: string): TrustPolicy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(`the trust policy is not JSON: ${(error as Error).message}`);
  }
  const parsed = TrustPolicySchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(
      'the trust policy is not a valid sib-ledger/trust-policy/v1 document',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(document)', message: i.message })),
    );
  }
  return parsed.data;
}

/** The policy's entry for a contract's log, if it names one. */
export function trustForContract(policy: TrustPolicy, contract: string): LogTrust | undefined {
  return policy.logs.find((l) => l.contract === contract);
}

/**
 * A verifier key's fingerprint, for comparing keys out of band (by phone, in
 * a letter): SHA-256 of the key's text, hex in groups of four. `sib trust
 * show` and the console's verify page print it alike.
 */
export function keyFingerprint(key: string): string {
  return toHex(sha256(utf8(key)))
    .match(/.{4}/g)
    ?.join(' ') as string;
}
