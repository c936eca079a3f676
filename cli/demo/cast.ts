/**
 * The Second Chance scenario's cast and fixed inputs: the contract, the
 * subjects of each role (four of them take a payment's four steps:
 * separation of duties), each with an API client holding its development
 * token, and the synthetic cohort's seed and batch ids.
 */
import { issueToken } from '../../functions/adapters/local-token.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { ApiClient } from '../api-client.ts';

export const DEMO_CONTRACT = 'second-chance-kamchatka';

type Subject = { readonly sub: string; readonly role: 'operator' | 'ministry' | 'investor' | 'evaluator' };

export const MINISTRY: Subject = { sub: 'minlabour-kamchatka', role: 'ministry' };
/** Separation of duties: who calculates, attests, approves and records the payment are four subjects. */
export const ANALYST: Subject = { sub: 'evaluator-analyst', role: 'evaluator' };
export const EVALUATOR: Subject = { sub: 'independent-evaluator', role: 'evaluator' };
export const TREASURY: Subject = { sub: 'minfin-kamchatka-treasury', role: 'ministry' };
export const INVESTOR: Subject = { sub: 'veb-dv-investor', role: 'investor' };
export const OPERATOR: Subject = { sub: 'veb-rf-operator', role: 'operator' };

/**
 * The synthetic Second Chance cohort (scenarios/synthetic-cohort.ts): a fixed
 * seed and fixed batch ids, so a second run replays every batch. Then the
 * next participants' batch, with deliberate mistakes: rejected every run.
 */
export const COHORT = { seed: 2023, participants: 300, batches: 5 } as const;
export const ERROR_BATCH = { participants: 20, firstParticipant: COHORT.participants + 1 } as const;
export const cohortBatchId = (n: number) => `sc-cohort-${COHORT.seed}-${n}`;

/** The tokens of the scenario's subjects (development tokens of the local gateway), one API client each. */
export interface Clients {
  readonly ministry: ApiClient;
  readonly treasury: ApiClient;
  readonly operator: ApiClient;
  readonly analyst: ApiClient;
  readonly evaluator: ApiClient;
  readonly investor: ApiClient;
}

export async function clientsFor(dir: string, url: string): Promise<Clients> {
  const client = async (who: Subject) =>
    new ApiClient({
      baseUrl: url,
      token: (await issueToken({ dataDir: dir, sub: who.sub, role: who.role, contracts: [DEMO_CONTRACT] })).token,
    });
  return {
    ministry: await client(MINISTRY),
    treasury: await client(TREASURY),
    operator: await client(OPERATOR),
    analyst: await client(ANALYST),
    evaluator: await client(EVALUATOR),
    investor: await client(INVESTOR),
  };
}

/**
 * A data dir kept from an older version of this scenario (or of sib-ledger)
 * holds a log of another shape (entries in other places), which this run cannot continue:
 * say so plainly instead of failing on a refused step.
 */
export function olderDataDir(why: string): Error {
  return new Error(
    `the data dir holds a ${DEMO_CONTRACT} log written by an older version of this scenario (${why}): delete the data dir (${dataDir()}) or set SIB_DATA_DIR to a new one, and run again`,
  );
}
