import { Decimal } from 'decimal.js';

/**
 * Outcome statistics for the evaluation: normal CDF and quantile, Wilson and
 * normal-approximation intervals, two-proportion and difference-in-means
 * z-tests.
 *
 * Bit-for-bit reproducible: every number is a decimal.js Decimal (integer
 * digit arithmetic, no binary floats and no Math.exp/log/erf, whose results
 * may differ between platforms), with a private configuration so nobody
 * else's Decimal.set() can change a result. Special functions are computed
 * from series and continued fractions at 70 significant digits and returned
 * rounded to 50; reported figures are strings with STAT_DECIMALS places,
 * rounded half-even.
 */

/** Decimal places of every reported statistic. */
export const STAT_DECIMALS = 6;

/** A confidence interval; `low` and `high` are decimal strings with STAT_DECIMALS places. */
export interface Interval {
  readonly level: string;
  readonly low: string;
  readonly high: string;
}

/** The alternative hypothesis, for treatment minus control. */
export type Alternative = 'greater' | 'less' | 'two-sided';

export interface TestResult {
  readonly test: 'two-proportion' | 'difference-in-means';
  /** The z statistic, STAT_DECIMALS places. */
  readonly statistic: string;
  /** STAT_DECIMALS places. */
  readonly pValue: string;
  /** The significance level as given, e.g. "0.05". */
  readonly significance: string;
  readonly alternative: Alternative;
  /** pValue < significance, decided on the unrounded p-value. */
  readonly significant: boolean;
}

/** Count, sum and sum of squares of per-participant values (sums as decimal strings). */
export interface Moments {
  readonly n: number;
  readonly sum: string;
  readonly sumSquares: string;
}

/** Results: 50 significant digits, half-even. */
const D = Decimal.clone({ precision: 50, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -7, toExpPos: 21 });
/** Working precision of the special functions: 20 guard digits. */
const W = Decimal.clone({ precision: 70, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -7, toExpPos: 21 });
/** Relative size of the last series term kept. */
const SERIES_EPS = new W('1e-72');
/** Continued fraction convergence: |Δ - 1| at most this (well above the 1e-69 rounding noise of Δ). */
const CF_EPS = new W('1e-64');

/** √(2π) to 80 digits. */
const SQRT_2PI = new W('2.5066282746310005024157652848110452530069867406099383166299235763422936546078419750');
/** Below this |x| the CDF comes from its power series, above from the continued fraction. */
const SERIES_LIMIT = new W(3);
/** Beyond this |x|, normalCdf returns exactly 0 or 1 (the tail is below 1e-348). */
const CDF_LIMIT = new W(40);

const ZERO = new W(0);
const ONE = new W(1);
const HALF = new W('0.5');

/** A finite Decimal of the working precision, or a RangeError naming `what`. */
function finite(x: Decimal.Value, what: string): Decimal {
  let w: Decimal;
  try {
    w = new W(x);
  } catch {
    throw new RangeError(`${what} must be a number, got ${String(x)}`);
  }
  if (w.isNaN()) throw new RangeError(`${what} must be a number, got NaN`);
  return w;
}

/** A working-precision value rounded to the 50 digits returned to callers. */
function result(w: Decimal): Decimal {
  return new D(w).toSignificantDigits(50, D.ROUND_HALF_EVEN);
}

/** Standard normal density φ(x) = exp(-x²/2)/√(2π). */
function density(x: Decimal): Decimal {
  return W.exp(x.times(x).div(-2)).div(SQRT_2PI);
}

/**
 * Φ(x) - 1/2 = φ(x)·(x + x³/3 + x⁵/(3·5) + …) (Abramowitz & Stegun 26.2.11).
 * All terms have the sign of x, so nothing cancels inside the sum.
 */
function halfCentral(x: Decimal): Decimal {
  const x2 = x.times(x);
  let term = x;
  let sum = x;
  for (let k = 3; ; k += 2) {
    term = term.times(x2).div(k);
    sum = sum.plus(term);
    if (x2.lt(k) && term.abs().lte(sum.abs().times(SERIES_EPS))) break;
  }
  return density(x).times(sum);
}

/**
 * Mills' ratio R(x) = (1 - Φ(x))/φ(x) for x > 0, from the even part of
 * Laplace's continued fraction (A&S 26.2.14):
 * R(x) = x/(x²+1 - 1·2/(x²+5 - 3·4/(x²+9 - …))), evaluated by modified Lentz.
 */
function millsRatio(x: Decimal): Decimal {
  const x2 = x.times(x);
  let f = x2.plus(1);
  let c = f;
  let d = ZERO;
  for (let j = 1; ; j++) {
    const a = new W(-(2 * j - 1) * (2 * j));
    const b = x2.plus(4 * j + 1);
    d = ONE.div(b.plus(a.times(d)));
    c = b.plus(a.div(c));
    const delta = c.times(d);
    f = f.times(delta);
    if (delta.minus(1).abs().lte(CF_EPS)) break;
  }
  return x.div(f);
}

/** The upper tail Q(x) = 1 - Φ(x), computed directly (no cancellation for large x); no cut-off. */
function upperTail(x: Decimal): Decimal {
  if (x.isZero()) return HALF;
  if (x.isNegative()) return ONE.minus(upperTail(x.neg()));
  if (x.lte(SERIES_LIMIT)) return HALF.minus(halfCentral(x));
  return density(x).times(millsRatio(x));
}

/** Φ(x) at working precision, with no cut-off (x finite). */
function cdf(x: Decimal): Decimal {
  return x.isNegative() ? upperTail(x.neg()) : ONE.minus(upperTail(x));
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: Decimal.Value): Decimal {
  const w = finite(x, 'x');
  if (w.gt(CDF_LIMIT)) return new D(1);
  if (w.lt(CDF_LIMIT.neg())) return new D(0);
  return result(cdf(w));
}

/** 1 - Φ(x), accurate in relative terms far into the upper tail; exactly 0 beyond 40. */
function tailProbability(x: Decimal): Decimal {
  if (x.gt(CDF_LIMIT)) return ZERO;
  if (x.lt(CDF_LIMIT.neg())) return ONE;
  return upperTail(x);
}

// Acklam's rational approximation of Φ⁻¹ (relative error below 1.15e-9), the starting point.
const ACKLAM_A = [
  '-3.969683028665376e+01',
  '2.209460984245205e+02',
  '-2.759285104469687e+02',
  '1.383577518672690e+02',
  '-3.066479806614716e+01',
  '2.506628277459239e+00',
].map((s) => new W(s));
const ACKLAM_B = [
  '-5.447609879822406e+01',
  '1.615858368580409e+02',
  '-1.556989798598866e+02',
  '6.680131188771972e+01',
  '-1.328068155288572e+01',
  '1',
].map((s) => new W(s));
const ACKLAM_C = [
  '-7.784894002430293e-03',
  '-3.223964580411365e-01',
  '-2.400758277161838e+00',
  '-2.549732539343734e+00',
  '4.374664141464968e+00',
  '2.938163982698783e+00',
].map((s) => new W(s));
const ACKLAM_D = [
  '7.784695709041462e-03',
  '3.224671290700398e-01',
  '2.445134137142996e+00',
  '3.754408661907416e+00',
  '1',
].map((s) => new W(s));
const ACKLAM_P_LOW = new W('0.02425');

/** Horner evaluation of a polynomial with coefficients from the highest degree down. */
function horner(coefficients: readonly Decimal[], x: Decimal): Decimal {
  return coefficients.reduce((acc, c) => acc.times(x).plus(c), ZERO);
}

/** Acklam's approximation for 0 < p <= 1/2. */
function acklamLower(p: Decimal): Decimal {
  if (p.lt(ACKLAM_P_LOW)) {
    const q = W.sqrt(W.ln(p).times(-2));
    return horner(ACKLAM_C, q).div(horner(ACKLAM_D, q));
  }
  const q = p.minus(HALF);
  const r = q.times(q);
  return horner(ACKLAM_A, r).times(q).div(horner(ACKLAM_B, r));
}

/** Φ⁻¹(p) for 0 < p < 1/2, refined by Halley's method (cubic: 1e-9 -> 1e-27 -> 1e-80). */
function quantileLower(p: Decimal): Decimal {
  let x = acklamLower(p);
  for (let step = 0; step < 4; step++) {
    // Φ(x) for x < 0 is the upper tail at -x: relative accuracy however small p is.
    const e = cdf(x).minus(p);
    const u = e.div(density(x));
    const correction = u.div(ONE.plus(x.times(u).div(2)));
    x = x.minus(correction);
    if (correction.abs().lte(x.abs().times('1e-60'))) break;
  }
  return x;
}

/** Inverse standard normal: Φ⁻¹(p) for 0 < p < 1 (RangeError otherwise). */
export function normalQuantile(p: Decimal.Value): Decimal {
  const w = finite(p, 'p');
  if (!(w.gt(0) && w.lt(1))) throw new RangeError(`p must be strictly between 0 and 1, got ${w.toString()}`);
  if (w.eq(HALF)) return new D(0);
  // Work in the lower half, where 1 - p is exact and Φ(x) - p does not cancel.
  return w.lt(HALF) ? result(quantileLower(w)) : result(quantileLower(ONE.minus(w)).neg());
}

/** A level or significance: a decimal strictly between 0 and 1. */
function probability(value: string, what: string): Decimal {
  const w = finite(value, what);
  if (!(w.gt(0) && w.lt(1))) throw new RangeError(`${what} must be strictly between 0 and 1, got ${value}`);
  return w;
}

/** Two-sided critical z at working precision, computed once per level (a pure function of it). */
const criticalZs = new Map<string, Decimal>();
function criticalZ(level: string): Decimal {
  let z = criticalZs.get(level);
  if (z === undefined) {
    const alpha = ONE.minus(probability(level, 'level'));
    z = quantileLower(alpha.div(2)).neg();
    if (criticalZs.size < 64) criticalZs.set(level, z);
  }
  return z;
}

/** Two-sided critical z for a confidence level, e.g. "0.95" -> 1.959963984540054… */
export function zForLevel(level: string): Decimal {
  return result(criticalZ(level));
}

function count(value: number, what: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${what} must be a non-negative integer, got ${value}`);
  }
}

/** Wilson score interval for successes/n at the given confidence level (e.g. "0.95"); undefined when n = 0. Clamped to [0,1]. */
export function wilsonInterval(successes: number, n: number, level: string): Interval | undefined {
  count(successes, 'successes');
  count(n, 'n');
  if (successes > n) throw new RangeError(`successes (${successes}) must not exceed n (${n})`);
  const z = criticalZ(level);
  if (n === 0) return undefined;
  const nn = new W(n);
  const pHat = new W(successes).div(nn);
  const z2n = z.times(z).div(nn);
  const denominator = ONE.plus(z2n);
  const centre = pHat.plus(z2n.div(2)).div(denominator);
  const spread = W.sqrt(
    pHat
      .times(ONE.minus(pHat))
      .div(nn)
      .plus(z2n.div(nn.times(4))),
  );
  const half = z.times(spread).div(denominator);
  const low = W.max(ZERO, centre.minus(half));
  const high = W.min(ONE, centre.plus(half));
  return { level, low: fixed(low), high: fixed(high) };
}

/** Mean and sample variance (n - 1) of moments with n >= 2; the variance is clamped at 0. */
function meanAndVariance(m: Moments, what: string): { mean: Decimal; variance: Decimal } {
  count(m.n, `${what}.n`);
  const n = new W(m.n);
  const sum = finite(m.sum, `${what}.sum`);
  const sumSquares = finite(m.sumSquares, `${what}.sumSquares`);
  if (!sum.isFinite() || !sumSquares.isFinite()) throw new RangeError(`${what} sums must be finite`);
  const variance = sumSquares.minus(sum.times(sum).div(n)).div(n.minus(1));
  return { mean: sum.div(n), variance: W.max(ZERO, variance) };
}

/** Normal-approximation interval for a mean from moments (sample variance with n-1); undefined when n < 2. */
export function meanInterval(m: Moments, level: string): Interval | undefined {
  const z = criticalZ(level);
  count(m.n, 'n');
  if (m.n < 2) return undefined;
  const { mean, variance } = meanAndVariance(m, 'moments');
  const half = z.times(W.sqrt(variance.div(m.n)));
  return { level, low: fixed(mean.minus(half)), high: fixed(mean.plus(half)) };
}

/** The p-value of z under the alternative, at working precision. */
function pValueOf(z: Decimal, alternative: Alternative): Decimal {
  switch (alternative) {
    case 'greater':
      return tailProbability(z);
    case 'less':
      return tailProbability(z.neg());
    case 'two-sided':
      return W.min(ONE, tailProbability(z.abs()).times(2));
    default:
      throw new RangeError(`unknown alternative ${String(alternative)}`);
  }
}

function testResult(
  test: TestResult['test'],
  z: Decimal,
  alternative: Alternative,
  significance: string,
  alpha: Decimal,
): TestResult {
  const p = pValueOf(z, alternative);
  return {
    test,
    statistic: fixed(z),
    pValue: fixed(p),
    significance,
    alternative,
    significant: p.lt(alpha),
  };
}

/** Pooled two-proportion z-test of treatment (x1/n1) minus control (x2/n2). undefined if n1 or n2 is 0 or the pooled variance is 0. */
export function twoProportionZTest(
  x1: number,
  n1: number,
  x2: number,
  n2: number,
  alternative: Alternative,
  significance: string,
): TestResult | undefined {
  for (const [value, what] of [
    [x1, 'x1'],
    [n1, 'n1'],
    [x2, 'x2'],
    [n2, 'n2'],
  ] as const) {
    count(value, what);
  }
  if (x1 > n1 || x2 > n2) throw new RangeError('successes must not exceed the group size');
  const alpha = probability(significance, 'significance');
  if (n1 === 0 || n2 === 0) return undefined;
  const pooled = new W(x1 + x2).div(n1 + n2);
  const variance = pooled.times(ONE.minus(pooled)).times(ONE.div(n1).plus(ONE.div(n2)));
  if (variance.isZero()) return undefined;
  const difference = new W(x1).div(n1).minus(new W(x2).div(n2));
  return testResult('two-proportion', difference.div(W.sqrt(variance)), alternative, significance, alpha);
}

/** Large-sample z-test of mean1 - mean2 with unpooled sample variances (Welch-type standard error), normal reference distribution. undefined if either n < 2 or the standard error is 0. */
export function differenceInMeansZTest(
  treatment: Moments,
  control: Moments,
  alternative: Alternative,
  significance: string,
): TestResult | undefined {
  const alpha = probability(significance, 'significance');
  count(treatment.n, 'treatment.n');
  count(control.n, 'control.n');
  if (treatment.n < 2 || control.n < 2) return undefined;
  const t = meanAndVariance(treatment, 'treatment');
  const c = meanAndVariance(control, 'control');
  const variance = t.variance.div(treatment.n).plus(c.variance.div(control.n));
  if (variance.isZero()) return undefined;
  const z = t.mean.minus(c.mean).div(W.sqrt(variance));
  return testResult('difference-in-means', z, alternative, significance, alpha);
}

/** Decimal -> fixed STAT_DECIMALS dp string, half-even, no negative zero. */
export function fixed(x: Decimal.Value, decimals: number = STAT_DECIMALS): string {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 100) {
    throw new RangeError(`decimals must be an integer from 0 to 100, got ${decimals}`);
  }
  const w = finite(x, 'value');
  if (!w.isFinite()) throw new RangeError(`cannot print ${w.toString()} as a fixed decimal`);
  const text = w.toFixed(decimals, W.ROUND_HALF_EVEN);
  return /^-0(?:\.0*)?$/.test(text) ? text.slice(1) : text;
}
