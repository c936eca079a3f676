import { type ContractSpec, type RoundingMode, shareRatio } from '#contracts';
import { Decimal, type DecimalValue, type Rounding } from '#kernel';

/**
 * Money in minor units (bigint, exact): amounts rounded to a multiple of the
 * contract's step, cap room floored to it, amounts written with thousands
 * separators, and a total split among the investors by share, exactly
 * (largest remainder: the parts sum exactly to the total).
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
 * Splits `total` among parties by share (a decimal or a fraction such as
 * "1/3", read exactly) with the largest-remainder method: each gets the floor
 * of its exact part, and the units left over go one each to the largest
 * remainders (ties: the earlier party). The parts sum to `total` exactly; a
 * negative total is split as its absolute value, negated.
 */
export function allocateByShare(total: bigint, shares: readonly { id: string; share: string }[]): Allocation[] {
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const exact = shares.map((s) => {
    const r = shareRatio(s.share);
    return { floor: (abs * r.num) / r.den, rem: (abs * r.num) % r.den, den: r.den };
  });
  let left = abs - exact.reduce((a, e) => a + e.floor, 0n);
  // rem_a / den_a against rem_b / den_b, cross-multiplied: exact.
  const bigger = (a: (typeof exact)[number], b: (typeof exact)[number]) => b.rem * a.den - a.rem * b.den;
  const order = exact
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const d = bigger(a.e, b.e);
      return d > 0n ? 1 : d < 0n ? -1 : a.i - b.i;
    });
  const parts = exact.map((e) => e.floor);
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
