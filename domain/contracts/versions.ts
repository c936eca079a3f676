import { IntegrityError, NotFoundError } from '#kernel';
import { CONTRACT_REGISTERED_KIND, type Entry } from '#ledger';
import { type ContractSpec, ContractSpecSchema, specHash } from './spec.ts';

/**
 * The versions of a contract as its log registers them (`contract.registered`
 * entries), and which version is in force for a period.
 */

/** The idempotency key of registering a version: a version is registered once. */
export const contractIdempotencyKey = (version: number) => `contract:v${version}`;

/** A registered version of the contract. */
export interface RegisteredContract {
  readonly seq: number;
  readonly spec: ContractSpec;
  readonly hash: string;
}

/** The contract versions registered in the entries, in log order. */
export function registeredVersions(entries: readonly Entry[]): RegisteredContract[] {
  const out: RegisteredContract[] = [];
  for (const e of entries) {
    if (e.kind !== CONTRACT_REGISTERED_KIND) continue;
    const parsed = ContractSpecSchema.safeParse(e.body.spec);
    if (!parsed.success) throw new IntegrityError('registered contract spec does not parse', e.seq);
    const hash = specHash(parsed.data);
    if (e.body.specHash !== hash) throw new IntegrityError('registered contract spec hash does not match', e.seq);
    out.push({ seq: e.seq, spec: parsed.data, hash });
  }
  return out;
}

/**
 * The version in force for a period: the highest version registered whose
 * effectiveFrom is on or before the period's last day.
 */
export function versionInForce(versions: readonly RegisteredContract[], periodId: string): RegisteredContract {
  let best: RegisteredContract | undefined;
  for (const v of versions) {
    const period = v.spec.periods.find((p) => p.id === periodId);
    if (period === undefined || v.spec.effectiveFrom > period.to) continue;
    if (best === undefined || v.spec.version > best.spec.version) best = v;
  }
  if (best === undefined) {
    const known = [...new Set(versions.flatMap((v) => v.spec.periods.map((p) => p.id)))];
    throw versions.length === 0
      ? new NotFoundError('the contract is not registered in the log (register it first: sib ministry register)')
      : new NotFoundError(`no period ${periodId} in the contract (periods: ${known.join(', ')})`);
  }
  return best;
}
