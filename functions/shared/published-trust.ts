/**
 * The trust policy this deployment publishes for a contract's log, built
 * from its configuration: the log's origin and verifier key, the configured
 * witnesses (SIB_WITNESS_KEYS) with their quorum (SIB_WITNESS_QUORUM,
 * default all of them), and the parties' verifier keys per signing role
 * (SIB_PARTY_KEYS, a JSON object role -> array of verifier keys) joined by
 * the keys enrolled in the contract's log (`party.enrolled` entries,
 * domain/services/party-keys.ts). A malformed setting is a deployment fault. Served by `GET /contracts/{contract}/trust`
 * (functions/api/trust-policy.ts) and printed in the report PDFs.
 */
import * as z from 'zod';
import type { Signer } from '#kernel';
import {
  checkpointOrigin,
  type LogTrust,
  logVerifierKey,
  parseVerifierKey,
  SIGNING_ROLES,
  type SigningRole,
  TRUST_POLICY_FORMAT,
  type TrustPolicy,
  TrustPolicySchema,
} from '#ledger';
import { witnessKeysFromEnv } from '../api/witness-keys.ts';

const fault = (name: string, message: string, cause?: unknown) =>
  new Error(`${name}: ${message}`, cause === undefined ? undefined : { cause });

/** The quorum of SIB_WITNESS_QUORUM (a whole number up to the witnesses configured), default all of them. */
export function witnessQuorumFromEnv(witnesses: number, env: NodeJS.ProcessEnv = process.env): number {
  const text = (env.SIB_WITNESS_QUORUM ?? '').trim();
  if (text === '') return witnesses;
  if (!/^(0|[1-9][0-9]*)$/.test(text))
    throw fault('SIB_WITNESS_QUORUM', `${JSON.stringify(text)} is not a whole number`);
  const quorum = Number(text);
  if (quorum > witnesses) {
    throw fault(
      'SIB_WITNESS_QUORUM',
      `a quorum of ${quorum} needs that many witnesses (SIB_WITNESS_KEYS has ${witnesses})`,
    );
  }
  return quorum;
}

const PartyKeysSchema = z.strictObject(
  Object.fromEntries(SIGNING_ROLES.map((r) => [r, z.array(z.string()).optional()])) as Record<
    SigningRole,
    z.ZodOptional<z.ZodArray<z.ZodString>>
  >,
);

/** The parties' verifier keys per signing role, from SIB_PARTY_KEYS (JSON); every role present, default none. */
export function partyKeysFromEnv(env: NodeJS.ProcessEnv = process.env): Record<SigningRole, string[]> {
  const text = (env.SIB_PARTY_KEYS ?? '').trim();
  const parties = Object.fromEntries(SIGNING_ROLES.map((r) => [r, [] as string[]])) as Record<SigningRole, string[]>;
  if (text === '') return parties;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw fault('SIB_PARTY_KEYS', `not JSON: ${(error as Error).message}`, error);
  }
  const parsed = PartyKeysSchema.safeParse(json);
  if (!parsed.success) {
    throw fault(
      'SIB_PARTY_KEYS',
      `must be a JSON object of role (${SIGNING_ROLES.join(', ')}) to an array of verifier keys: ${parsed.error.issues
        .map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`)
        .join('; ')}`,
    );
  }
  for (const role of SIGNING_ROLES) {
    for (const key of parsed.data[role] ?? []) {
      try {
        parseVerifierKey(key);
      } catch (error) {
        throw fault('SIB_PARTY_KEYS', `${role}: ${(error as Error).message}`, error);
      }
    }
    parties[role] = [...(parsed.data[role] ?? [])];
  }
  return parties;
}

/** The verifier key of a contract's log, made by the log's signer. */
export function contractLogKey(signer: Signer, contract: string): Promise<string> {
  return logVerifierKey(signer, contract);
}

/** A party key enrolled in the contract's log: its signing role and verifier key. */
export interface EnrolledPartyKey {
  readonly role: SigningRole;
  readonly key: string;
}

/** The configured keys per role, then the enrolled ones not configured already, in log order. */
function partyKeys(env: NodeJS.ProcessEnv, enrolled: readonly EnrolledPartyKey[]): Record<SigningRole, string[]> {
  const parties = partyKeysFromEnv(env);
  for (const { role, key } of enrolled) if (!parties[role].includes(key)) parties[role].push(key);
  return parties;
}

/**
 * The policy of one contract's log, as this deployment is configured (the
 * log's signer, the environment), with the party keys enrolled in its log.
 */
export async function publishedTrust(
  signer: Signer,
  contract: string,
  env = process.env,
  enrolled: readonly EnrolledPartyKey[] = [],
): Promise<TrustPolicy> {
  const keys = witnessKeysFromEnv(env);
  const log: LogTrust = {
    contract,
    origin: checkpointOrigin(signer.name, contract),
    logKey: await contractLogKey(signer, contract),
    witnesses: { quorum: witnessQuorumFromEnv(keys.length, env), keys },
    parties: partyKeys(env, enrolled),
  };
  // What is published is what `sib report verify --trust` parses.
  return TrustPolicySchema.parse({ format: TRUST_POLICY_FORMAT, logs: [log] });
}

/** The published policy's entry for the contract's log (what a report's PDF prints). */
export async function publishedLogTrust(
  signer: Signer,
  contract: string,
  env = process.env,
  enrolled: readonly EnrolledPartyKey[] = [],
): Promise<LogTrust> {
  return (await publishedTrust(signer, contract, env, enrolled)).logs[0] as LogTrust;
}
