/**
 * Investor shares read exactly: a share is a decimal ("0.6") or a fraction
 * ("1/3"), and either becomes a ratio of two whole numbers, so that the
 * shares' sum and the split of a payment among investors are exact.
 */

/** A share as numerator / denominator (both positive whole numbers). */
export interface ShareRatio {
  readonly num: bigint;
  readonly den: bigint;
}

/** A share written as a fraction of whole numbers: "1/3". */
export const SHARE_FRACTION = /^[1-9][0-9]{0,14}\/[1-9][0-9]{0,14}$/;

/** "0.6" -> 6/10; "1/3" -> 1/3 (not reduced). The share must already be valid (spec-schema.ts). */
export function shareRatio(share: string): ShareRatio {
  if (share.includes('/')) {
    const [num = '0', den = '1'] = share.split('/');
    return { num: BigInt(num), den: BigInt(den) };
  }
  const [whole = '0', fraction = ''] = share.split('.');
  return { num: BigInt(`${whole}${fraction}`), den: 10n ** BigInt(fraction.length) };
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/** The exact sum of shares, as a ratio in lowest terms. */
export function sumOfShares(shares: readonly string[]): ShareRatio {
  let num = 0n;
  let den = 1n;
  for (const s of shares) {
    const r = shareRatio(s);
    num = num * r.den + r.num * den;
    den *= r.den;
  }
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}
