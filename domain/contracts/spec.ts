/**
 * The contract spec: its schema (spec-schema.ts) with the rules across fields
 * (spec-checks.ts), checked by ContractSpecSchema and registered in the
 * contract's log as a `contract.registered` entry. Amendments are new
 * versions registered the same way, effective from a date. Parsing, the
 * contract hash, looking up a period, its per-period cap, and the
 * withdrawal rule for a reason.
 */
import type * as z from 'zod';
import { canonicalBytes, sha256, toHex, ValidationError } from '#kernel';
import { specCrossChecks, specProblems } from './spec-checks.ts';
import { ContractSpecShape } from './spec-schema.ts';

export const ContractSpecSchema = ContractSpecShape.superRefine(specCrossChecks);
export type ContractSpec = z.infer<typeof ContractSpecSchema>;

/** Parses a contract spec, or throws ValidationError naming the path of every bad field. */
export function parseContractSpec(value: unknown): ContractSpec {
  const parsed = ContractSpecSchema.safeParse(value);
  if (!parsed.success) {
    const id = typeof (value as { id?: unknown })?.id === 'string' ? ` ${(value as { id: string }).id}` : '';
    throw new ValidationError(`contract spec${id} is invalid`, specProblems(parsed.error));
  }
  return parsed.data;
}

/** SHA-256 (hex) of the spec's canonical JSON: the contract hash every evaluation cites. */
export function specHash(spec: ContractSpec): string {
  return toHex(sha256(canonicalBytes(spec)));
}

/** The period of a spec by id, or undefined. */
export function periodOf(spec: ContractSpec, id: string): ContractSpec['periods'][number] | undefined {
  return spec.periods.find((p) => p.id === id);
}

/** Whether a withdrawal (of a reason, when the evidence gives one) excludes the participant, or counts as not achieved. */
export function withdrawalRule(
  spec: Pick<ContractSpec, 'withdrawals' | 'withdrawalsByReason'>,
  reason: string | undefined,
): ContractSpec['withdrawals'] {
  const byReason = spec.withdrawalsByReason as Readonly<Record<string, ContractSpec['withdrawals']>> | undefined;
  return (reason === undefined ? undefined : byReason?.[reason]) ?? spec.withdrawals;
}

/** The per-period cap of a period (the one figure, or the period's own), or undefined when it has none. */
export function perPeriodCap(spec: Pick<ContractSpec, 'caps'>, periodId: string): bigint | undefined {
  const cap = spec.caps.perPeriod;
  if (cap === undefined) return undefined;
  const amount = typeof cap === 'string' ? cap : cap[periodId];
  return amount === undefined ? undefined : BigInt(amount);
}
