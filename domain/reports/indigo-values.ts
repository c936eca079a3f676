import type { ContractSpec } from '#contracts';
import { formatMoney } from '#evaluation';
import { Decimal, ValidationError } from '#kernel';
import type { IndigoMoney, IndigoPeriod, V } from './indigo-schema.ts';

/**
 * How the INDIGO export writes values: every field an "object with value"
 * (`{ "value": … }`), periods as start and end dates, money in major units
 * (as text, or as an exact JSON number), percentages.
 */

export const v = <T>(value: T): V<T> => ({ value });
export const periodOf = (from: string, to: string): IndigoPeriod => ({ start_date: v(from), end_date: v(to) });

/** Minor units as major units without separators: `3000000000`, 2 -> `30000000.00`. */
export function major(minor: bigint | string, minorUnit: number): string {
  return formatMoney(minor, minorUnit).replaceAll(',', '');
}

/**
 * Minor units as a JSON number of major units (the schema types amounts as
 * numbers). Exact: a decimal of at most 15 significant digits survives the
 * round trip through a double; anything longer is refused.
 */
export function majorNumber(minor: bigint, minorUnit: number): number {
  const digits = (minor < 0n ? -minor : minor).toString();
  if (digits.length > 15) {
    throw new ValidationError(`amount ${minor} (minor units) is too large to write exactly as a JSON number`);
  }
  return Number(major(minor, minorUnit));
}

export function money(spec: ContractSpec, minor: bigint): IndigoMoney {
  return { currency: v(spec.currency), amount: v(majorNumber(minor, spec.minorUnit)) };
}

export const minOf = (values: readonly (bigint | undefined)[]): bigint | undefined =>
  values.reduce<bigint | undefined>((m, x) => (x === undefined ? m : m === undefined || x < m ? x : m), undefined);

export const percent = (ratio: string) => `${new Decimal(ratio).times(100).toString()}%`;
