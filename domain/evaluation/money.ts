import type { ContractSpec, RoundingMode } from '#contracts';
import { Decimal, type DecimalValue, type Rounding } from '#kernel';

/**
 * Money in minor units (bigint, exact): amounts rounded to a multiple of the
 * contract's step, cap room floored to it, amounts written with thousands
 * separators, and a total split among the investors by share (largest
 * remainder: the parts sum exactly to the total).
 */

export interface Allocation {
  readonly investor: string;
  readonly share: string;
  readonly amount: string;
}

const ROUNDING: Readonly<Record<RoundingMode, Rounding>> = {
  'half-even': Decimal.ROUND_HALF_EVEN,
  'half-up': Decimal.ROUND_HALF_UP,
  down: Decimal.ROUND_DOWN,
  up: Decimal.ROUND_UP,
};

/** Rounds a decimal amount of minor units to a multiple of the contract's step. */
export function roundToStep(amount: DecimalValue, spec: Pick<ContractSpec, 'rounding'>): bigint {
  const step = new Decimal(spec.rounding.step);
  const steps = new Decimal(amount).div(step).toDecimalPlaces(0, ROUNDING[spec.rounding.mode]);
  return BigInt(steps.times(step).toFixed(0));
}

/** The largest multiple of the step not above `amount` (cap room); 0 for no room. */
export function floorToStep(amount: bigint, spec: Pick<ContractSpec, 'rounding'>): bigint {
  const step = BigInt(spec.rounding.step);
  if (amount <= 0n) return 0n;
  return (amount / step) * step;
}

/** `123456789` minor units with 2 digits -> `1,234,567.89`; negative with a minus sign. */
export function formatMoney(minor: bigint | string, minorUnit: number): string {
  const v = BigInt(minor);
  const sign = v < 0n ? '-' : '';
  const digits = (v < 0n ? -v : v).toString().padStart(minorUnit + 1, '0');
  const whole = digits.slice(0, digits.length - minorUnit).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return minorUnit === 0 ? `${sign}${whole}` : `${sign}${whole}.${digits.slice(digits.length - minorUnit)}`;
}

/**
 * Splits `total` among parties by share with the largest-remainder method:
 * each gets the floor of its exact part, and the units left over go one each
 * to the largest remainders (ties: the earlier party). The parts sum to
 * `total` exactly; a negative total is split as its absolute value, negated.
 */
export function allocateByShare(total: bigint, shares: readonly { id: string; share: string }[]): Allocation[] {
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const exact = shares.map((s) => new Decimal(abs.toString()).times(s.share));
  const floors = exact.map((e) => BigInt(e.floor().toFixed(0)));
  let left = abs - floors.reduce((a, b) => a + b, 0n);
  const order = exact
    .map((e, i) => ({ i, rem: e.minus(e.floor()) }))
    .sort((a, b) => b.rem.comparedTo(a.rem) || a.i - b.i);
  const parts = [...floors];
  for (const { i } of order) {
    if (left <= 0n) break;
    parts[i] = (parts[i] as bigint) + 1n;
    left--;
  }
  return shares.map((s, i) => ({
    investor: s.id,
    share: s.share,
    amount: (negative ? -(parts[i] as bigint) : (parts[i] as bigint)).toString(),
  }));
}

/** A total split among the contract's investors by their shares. */
export function allocateToInvestors(spec: Pick<ContractSpec, 'parties'>, total: bigint): Allocation[] {
  return allocateByShare(
    total,
    spec.parties.investors.map((i) => ({ id: i.id, share: i.share })),
  );
}
