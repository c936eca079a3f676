/**
 * `GET /contracts/{contract}/trust` (in the api/ledger handler module): the
 * trust policy this deployment publishes for the contract's log
 * (functions/shared/published-trust.ts), with the party keys enrolled in
 * its log, readable by every role of the contract, for `sib trust show`. An investor compares its fingerprints out
 * of band before trusting it (docs/trust-policy.md).
 */
import { TrustPolicySchema } from '#ledger';
import { readEnrolledKeys } from '#services';
import type { HttpResult } from '../shared/middleware.ts';
import { publishedTrust } from '../shared/published-trust.ts';
import { defineRoute, json } from './http.ts';
import { requireLog } from './ledger-log.ts';
import { ContractParams } from './ledger-schemas.ts';

/** `GET /contracts/{contract}/trust`: the policy of the contract's log (404 when it has none). */
export const getTrustPolicy = defineRoute(
  { params: ContractParams, response: TrustPolicySchema, status: 200 },
  async ({ params, rt }): Promise<HttpResult> => {
    await requireLog(rt, params.contract);
    const enrolled = await readEnrolledKeys(rt.contracts, params.contract);
    return json(200, await publishedTrust(rt.signer, params.contract, process.env, enrolled));
  },
);
