/**
 * The scenario's deciding parties and their own keys: the evaluator's
 * analyst, the independent evaluator, the ministry and the treasury each
 * hold a party key file under `<data dir>/keys/` (created on the first run,
 * reused after), whose verifier keys the deployment publishes
 * (SIB_PARTY_KEYS). Every decision of the scenario is signed with its
 * party's key: the statement is built from what the API shows, as `sib …
 * --key` does.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type ComparisonFacts,
  comparisonStatement,
  type DecisionFacts,
  decisionStatement,
  type SignedStatement,
  type SigningRole,
  signNote,
} from '#ledger';
import { createPartyKey, openPartyKey, type PartyKey } from '../commands/party-keys.ts';
import { ANALYST, EVALUATOR, MINISTRY, TREASURY } from './cast.ts';

/** The subject whose key signs for each role. */
const SUBJECT_OF_ROLE: Readonly<Record<SigningRole, string>> = {
  analyst: ANALYST.sub,
  evaluator: EVALUATOR.sub,
  ministry: MINISTRY.sub,
  treasury: TREASURY.sub,
};

export type PartyKeys = Readonly<Record<SigningRole, PartyKey>>;

/** Each party's key file, `<data dir>/keys/<subject>.key`, created on first use. */
export async function partyKeys(dir: string): Promise<PartyKeys> {
  await mkdir(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const keyOf = async (role: SigningRole) => {
    const subject = SUBJECT_OF_ROLE[role];
    const file = join(dir, 'keys', `${subject}.key`);
    return existsSync(file) ? openPartyKey(file) : createPartyKey(file, `${subject}.kamchatka.example`);
  };
  return {
    analyst: await keyOf('analyst'),
    evaluator: await keyOf('evaluator'),
    ministry: await keyOf('ministry'),
    treasury: await keyOf('treasury'),
  };
}

/** The parties' verifier keys by role, as SIB_PARTY_KEYS carries them (JSON: role -> array of verifier keys). */
export function partyKeysEnv(keys: PartyKeys): string {
  return JSON.stringify(Object.fromEntries(Object.entries(keys).map(([role, k]) => [role, [k.verifierKey]])));
}

/** A party's signed note over a decision statement. */
export async function signDecision(party: PartyKey, facts: DecisionFacts): Promise<SignedStatement> {
  return { key: party.verifierKey, note: await signNote(decisionStatement(facts), [party.signer]) };
}

/** The evaluator's signed note over a comparison figure. */
export async function signComparison(party: PartyKey, facts: ComparisonFacts): Promise<SignedStatement> {
  return { key: party.verifierKey, note: await signNote(comparisonStatement(facts), [party.signer]) };
}
