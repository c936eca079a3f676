/**
 * Reference values: unless noted, computed with mpmath 1.3.0 at mp.dps = 70
 * (Φ(x) = erfc(-x/√2)/2, Q(x) = erfc(x/√2)/2, Φ⁻¹(p) = -√2·erfinv(1 - 2p),
 * findroot for p < 1e-15) and cross-checked in double precision with
 * scipy 1.17.1 (norm.cdf, norm.sf, norm.ppf). Hand-worked cases show their
 * arithmetic in comments.
 */
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Alternative,
  differenceInMeansZTest,
  fixed,
  type Moments,
  meanInterval,
  normalCdf,
  normalQuantile,
  STAT_DECIMALS,
  twoProportionZTest,
  wilsonInterval,
  zForLevel,
} from '#evaluation';

const R = Decimal.clone({ precision: 80 });

/**
 * |actual - expected| <= tolerance, compared at 80 digits. The references are
 * printed to 45 significant digits and the functions return 50, so 1e-40 is
 * far tighter than anything the statistics need (1e-15) yet leaves room for
 * the references' own last digit.
 */
function expectClose(actual: Decimal, expected: string, tolerance = '1e-40'): void {
  const error = new R(actual).minus(expected).abs();
  expect(error.lte(tolerance), `${actual.toString()} vs ${expected}: error ${error.toExponential(3)}`).toBe(true);
}

/** |actual - expected| <= relative·|expected| (for far tails). */
function expectRelativelyClose(actual: Decimal, expected: string, relative = '1e-40'): void {
  const error = new R(actual).minus(expected).abs().div(new R(expected).abs());
  expect(error.lte(relative), `${actual.toString()} vs ${expected}: relative error ${error.toExponential(3)}`).toBe(
    true,
  );
}

describe('normalCdf', () => {
  it('is exactly 1/2 at 0', () => {
    expect(normalCdf(0).toString()).toBe('0.5');
    expect(normalCdf('-0').toString()).toBe('0.5');
  });

  it.each([
    // scipy: norm.cdf(-1) = 0.15865525393145707
    ['-1', '0.158655253931457051414767454367962077522087033'],
    ['1', '0.841344746068542948585232545632037922477912967'],
    // scipy: norm.cdf(3) = 0.9986501019683699
    ['3', '0.998650101968369905473348185232405022622170632'],
    ['-3', '0.00134989803163009452665181476759497737782936816'],
    // Either side of the switch from power series to continued fraction (|x| = 3).
    ['2.999999', '0.998650097536514845756813968079484163155592908'],
    ['3.000001', '0.998650106400211669644646581716026457123427637'],
    // The 97.5% point to 16 digits: Φ = 0.975 - 1.38e-17.
    ['1.959963984540054', '0.974999999999999986234748637705580581359977475'],
    ['6', '0.999999999013412354962301859299135867601957981'],
    ['10', '0.999999999999999999999992380146975839473934027'],
  ])('Φ(%s) = %s', (x, expected) => {
    expectClose(normalCdf(x), expected);
  });

  it('keeps full relative accuracy far into the lower tail', () => {
    // scipy: norm.cdf(-6) = 9.865876450376946e-10
    expectRelativelyClose(normalCdf('-6'), '9.8658764503769814070086413239804201866979125e-10');
    expectRelativelyClose(normalCdf('-10'), '7.61985302416052606597334325159930836350403328e-24');
    expectRelativelyClose(normalCdf('-20'), '2.75362411860623369507562278085746533280749773e-89');
    expectRelativelyClose(normalCdf('-37.5'), '4.60535300958195484382796909761089623892069264e-308');
    expectRelativelyClose(normalCdf('-40'), '3.65589354091502970374898580268828366505394462e-350');
  });

  it('is exactly 0 or 1 beyond |x| = 40, and at infinity', () => {
    expect(normalCdf('-40.0001').toString()).toBe('0');
    expect(normalCdf('40.0001').toString()).toBe('1');
    expect(normalCdf(-Infinity).toString()).toBe('0');
    expect(normalCdf(Infinity).toString()).toBe('1');
  });

  it('rejects NaN and non-numbers', () => {
    expect(() => normalCdf(Number.NaN)).toThrow(RangeError);
    expect(() => normalCdf('abc')).toThrow(RangeError);
  });

  it('is symmetric: Φ(x) + Φ(-x) = 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: -12_000_000, max: 12_000_000 }), (k) => {
        const x = new Decimal(k).div(1_000_000);
        expectClose(normalCdf(x).plus(normalCdf(x.neg())), '1', '1e-49');
      }),
      { numRuns: 60 },
    );
  });

  it('is non-decreasing and within [0, 1], never NaN', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), fc.double({ noNaN: true }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const pLo = normalCdf(lo);
        const pHi = normalCdf(hi);
        expect(pLo.isNaN() || pHi.isNaN()).toBe(false);
        expect(pLo.gte(0) && pHi.lte(1) && pLo.lte(pHi)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

describe('normalQuantile', () => {
  it.each([
    // scipy: norm.ppf(0.975) = 1.959963984540054
    ['0.975', '1.95996398454005423552459443052055152795555008'],
    ['0.025', '-1.95996398454005423552459443052055152795555008'],
    // scipy: norm.ppf(0.995) = 2.5758293035489004
    ['0.995', '2.57582930354890076097857674860381411730601763'],
    // scipy: norm.ppf(0.9) = 1.2815515655446004
    ['0.9', '1.28155156554460046696510332944874281861990782'],
    ['0.001', '-3.09023230616781354154039983010737920549100849'],
    ['1e-12', '-7.0344838253011319298095150689885130152526253'],
    ['1e-100', '-21.2734535609653242951172121886622264186487655'],
    ['0.5000001', '0.000000250662827463102675176567482275453909127816664'],
  ])('Φ⁻¹(%s) = %s', (p, expected) => {
    expectClose(normalQuantile(p), expected);
  });

  it('is exactly 0 at 1/2', () => {
    expect(normalQuantile('0.5').toString()).toBe('0');
  });

  it('rejects p outside (0, 1)', () => {
    for (const p of ['0', '1', '-0.1', '1.5', 'NaN', Infinity]) {
      expect(() => normalQuantile(p), String(p)).toThrow(RangeError);
    }
  });

  it('inverts normalCdf on [-8, 8]', () => {
    fc.assert(
      fc.property(fc.integer({ min: -8_000_000, max: 8_000_000 }), (k) => {
        const x = new Decimal(k).div(1_000_000);
        // Φ(8) = 1 - 6.2e-16 keeps 35 significant digits of 1 - p at 50 digits, so ~1e-36 at worst.
        expectClose(normalQuantile(normalCdf(x)), x.toString(), '1e-30');
      }),
      { numRuns: 60 },
    );
  });
});

describe('zForLevel', () => {
  it.each([
    // scipy: norm.ppf(0.95) = 1.6448536269514722, norm.ppf(0.975), norm.ppf(0.995)
    ['0.9', '1.64485362695147271486384890799163213608319574'],
    ['0.95', '1.95996398454005423552459443052055152795555008'],
    ['0.99', '2.57582930354890076097857674860381411730601763'],
  ])('level %s -> %s', (level, expected) => {
    expectClose(zForLevel(level), expected);
  });

  it('rejects levels outside (0, 1)', () => {
    for (const level of ['0', '1', '95', '-0.5', 'x']) expect(() => zForLevel(level), level).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  it.each([
    // p̂ = 0.24, z = 1.959964: centre = (p̂ + z²/2n)/(1 + z²/n), half = z/(1 + z²/n)·√(p̂(1-p̂)/n + z²/4n²);
    // mpmath: (0.14297391397, 0.374126837579), scipy/float the same.
    [12, 50, '0.95', '0.142974', '0.374127'],
    // x = 0: centre = half exactly, so the low end is 0; high = z²/(n + z²) = 0.277532799863.
    [0, 10, '0.95', '0.000000', '0.277533'],
    [10, 10, '0.95', '0.722467', '1.000000'],
    // mpmath: (0.269865948784, 1.0)
    [1, 1, '0.9', '0.269866', '1.000000'],
    // mpmath: (0.21219370709, 0.424557289399)
    [37, 120, '0.99', '0.212194', '0.424557'],
  ])('%i/%i at %s -> [%s, %s]', (successes, n, level, low, high) => {
    expect(wilsonInterval(successes, n, level)).toEqual({ level, low, high });
  });

  it('is undefined when n = 0', () => {
    expect(wilsonInterval(0, 0, '0.95')).toBeUndefined();
  });

  it('rejects impossible counts and levels', () => {
    expect(() => wilsonInterval(6, 5, '0.95')).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 5, '0.95')).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 5, '0.95')).toThrow(RangeError);
    expect(() => wilsonInterval(1, 5, '1')).toThrow(RangeError);
  });

  it('contains p̂ and stays within [0, 1]', () => {
    const cases = fc
      .integer({ min: 1, max: 10_000 })
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(cases, fc.constantFrom('0.8', '0.9', '0.95', '0.99'), ([successes, n], level) => {
        const interval = wilsonInterval(successes, n, level);
        expect(interval).toBeDefined();
        if (!interval) return;
        const pHat = new R(successes).div(n);
        const low = new R(interval.low);
        const high = new R(interval.high);
        expect(low.gte(0) && low.lte(pHat) && pHat.lte(high) && high.lte(1)).toBe(true);
        expect(interval.low).toMatch(/^[01]\.\d{6}$/);
        expect(interval.high).toMatch(/^[01]\.\d{6}$/);
        // Same inputs, same strings.
        expect(wilsonInterval(successes, n, level)).toEqual(interval);
      }),
      { numRuns: 80 },
    );
  });
});

// Treatment values 3, 5, 7, 9: n = 4, sum = 24, sum of squares = 9 + 25 + 49 + 81 = 164,
// mean 6, sample variance (164 - 24²/4)/3 = 20/3.
const TREATMENT: Moments = { n: 4, sum: '24', sumSquares: '164' };
// Control values 2, 4, 6: n = 3, sum = 12, sum of squares = 56, mean 4, sample variance (56 - 48)/2 = 4.
const CONTROL: Moments = { n: 3, sum: '12', sumSquares: '56' };

describe('meanInterval', () => {
  it('is mean ± z·s/√n', () => {
    // 6 ± 1.959963984540054·√(20/3/4): mpmath 3.46969737623668, 8.53030262376332.
    expect(meanInterval(TREATMENT, '0.95')).toEqual({ level: '0.95', low: '3.469697', high: '8.530303' });
  });

  it('has zero width when every value is the same', () => {
    expect(meanInterval({ n: 5, sum: '12.5', sumSquares: '31.25' }, '0.95')).toEqual({
      level: '0.95',
      low: '2.500000',
      high: '2.500000',
    });
  });

  it('is undefined when n < 2', () => {
    expect(meanInterval({ n: 1, sum: '3', sumSquares: '9' }, '0.95')).toBeUndefined();
    expect(meanInterval({ n: 0, sum: '0', sumSquares: '0' }, '0.95')).toBeUndefined();
  });
});

describe('twoProportionZTest', () => {
  // 30/100 vs 20/100: pooled p = 50/200 = 0.25, se = √(0.25·0.75·(1/100 + 1/100)) = √0.00375,
  // z = 0.1/√0.00375 = 1.632993161855452; scipy: norm.sf(z) = 0.051235217429874684.
  it.each<[Alternative, string, boolean]>([
    ['greater', '0.051235', false],
    ['less', '0.948765', false],
    ['two-sided', '0.102470', false],
  ])('30/100 vs 20/100, %s', (alternative, pValue, significant) => {
    expect(twoProportionZTest(30, 100, 20, 100, alternative, '0.05')).toEqual({
      test: 'two-proportion',
      statistic: '1.632993',
      pValue,
      significance: '0.05',
      alternative,
      significant,
    });
  });

  it('is significant at 0.1 one-sided', () => {
    expect(twoProportionZTest(30, 100, 20, 100, 'greater', '0.1')?.significant).toBe(true);
    expect(twoProportionZTest(20, 100, 30, 100, 'less', '0.1')).toMatchObject({
      statistic: '-1.632993',
      pValue: '0.051235',
      significant: true,
    });
  });

  it('is undefined for an empty group or a zero pooled variance', () => {
    expect(twoProportionZTest(0, 0, 3, 10, 'greater', '0.05')).toBeUndefined();
    expect(twoProportionZTest(3, 10, 0, 0, 'greater', '0.05')).toBeUndefined();
    expect(twoProportionZTest(0, 10, 0, 20, 'two-sided', '0.05')).toBeUndefined();
    expect(twoProportionZTest(10, 10, 20, 20, 'two-sided', '0.05')).toBeUndefined();
  });

  it('rejects impossible counts and significance levels', () => {
    expect(() => twoProportionZTest(11, 10, 3, 10, 'greater', '0.05')).toThrow(RangeError);
    expect(() => twoProportionZTest(1, 10, 3, 10, 'greater', '0')).toThrow(RangeError);
    expect(() => twoProportionZTest(1, 10, 3, 10, 'greater', '5%')).toThrow(RangeError);
  });

  it('gives a z of 0 and a two-sided p of exactly 1 for equal rates', () => {
    expect(twoProportionZTest(5, 10, 10, 20, 'two-sided', '0.05')).toMatchObject({
      statistic: '0.000000',
      pValue: '1.000000',
      significant: false,
    });
  });

  it('returns well-formed, reproducible results for any counts', () => {
    const group = fc
      .integer({ min: 0, max: 5_000 })
      .chain((n) => fc.tuple(fc.integer({ min: 0, max: n }), fc.constant(n)));
    fc.assert(
      fc.property(
        group,
        group,
        fc.constantFrom<Alternative>('greater', 'less', 'two-sided'),
        ([x1, n1], [x2, n2], alternative) => {
          const result = twoProportionZTest(x1, n1, x2, n2, alternative, '0.05');
          expect(twoProportionZTest(x1, n1, x2, n2, alternative, '0.05')).toEqual(result);
          if (result === undefined) return;
          expect(result.statistic).toMatch(/^-?\d+\.\d{6}$/);
          expect(result.pValue).toMatch(/^[01]\.\d{6}$/);
          expect(new R(result.pValue).lte(1)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('differenceInMeansZTest', () => {
  // mean difference 6 - 4 = 2; se = √((20/3)/4 + 4/3) = √3; z = 2/√3 = 1.154700538379252;
  // mpmath: Q(z) = 0.124106539494962, scipy: norm.sf(2/3**0.5) = 0.12410653949496186.
  it.each<[Alternative, string]>([
    ['greater', '0.124107'],
    ['less', '0.875893'],
    ['two-sided', '0.248213'],
  ])('hand-worked example, %s', (alternative, pValue) => {
    expect(differenceInMeansZTest(TREATMENT, CONTROL, alternative, '0.05')).toEqual({
      test: 'difference-in-means',
      statistic: '1.154701',
      pValue,
      significance: '0.05',
      alternative,
      significant: false,
    });
  });

  it('decides significance on the unrounded p-value', () => {
    // Treatment a - 1, a + 1 (variance 2), control 0, 0 (variance 0): se = √(2/2) = 1, so z = a exactly.
    const treatment = (a: string): Moments => {
      const x = new R(a);
      return { n: 2, sum: x.times(2).toString(), sumSquares: x.times(x).times(2).plus(2).toString() };
    };
    const control: Moments = { n: 2, sum: '0', sumSquares: '0' };
    // mpmath: Q(1.644854) = 0.0499999615254…, Q(1.644853) = 0.0500000646610…: both print 0.050000.
    expect(differenceInMeansZTest(treatment('1.644854'), control, 'greater', '0.05')).toMatchObject({
      statistic: '1.644854',
      pValue: '0.050000',
      significant: true,
    });
    expect(differenceInMeansZTest(treatment('1.644853'), control, 'greater', '0.05')).toMatchObject({
      statistic: '1.644853',
      pValue: '0.050000',
      significant: false,
    });
  });

  it('reports a vanishing tail as 0.000000 and stays significant', () => {
    const big: Moments = { n: 1000, sum: '10000', sumSquares: '101000' }; // mean 10, variance 1000/999
    const small: Moments = { n: 1000, sum: '0', sumSquares: '1000' }; // mean 0, variance 1000/999
    expect(differenceInMeansZTest(big, small, 'greater', '0.001')).toMatchObject({
      pValue: '0.000000',
      significant: true,
    });
    expect(differenceInMeansZTest(big, small, 'less', '0.001')).toMatchObject({
      pValue: '1.000000',
      significant: false,
    });
  });

  it('is undefined when a group has fewer than 2 values or the standard error is 0', () => {
    expect(differenceInMeansZTest({ n: 1, sum: '5', sumSquares: '25' }, CONTROL, 'greater', '0.05')).toBeUndefined();
    expect(differenceInMeansZTest(TREATMENT, { n: 0, sum: '0', sumSquares: '0' }, 'greater', '0.05')).toBeUndefined();
    const constant: Moments = { n: 3, sum: '6', sumSquares: '12' };
    expect(differenceInMeansZTest(constant, constant, 'two-sided', '0.05')).toBeUndefined();
  });

  it('never returns NaN and is reproducible', () => {
    const sample = fc.array(fc.integer({ min: -1_000, max: 1_000 }), { minLength: 2, maxLength: 30 });
    const moments = (values: number[]): Moments => ({
      n: values.length,
      sum: String(values.reduce((a, b) => a + b, 0)),
      sumSquares: String(values.reduce((a, b) => a + b * b, 0)),
    });
    fc.assert(
      fc.property(sample, sample, fc.constantFrom<Alternative>('greater', 'less', 'two-sided'), (t, c, alternative) => {
        const result = differenceInMeansZTest(moments(t), moments(c), alternative, '0.05');
        expect(differenceInMeansZTest(moments(t), moments(c), alternative, '0.05')).toEqual(result);
        if (result === undefined) return;
        expect(result.statistic).toMatch(/^-?\d+\.\d{6}$/);
        expect(result.pValue).toMatch(/^[01]\.\d{6}$/);
      }),
      { numRuns: 60 },
    );
  });
});

describe('fixed', () => {
  it('prints STAT_DECIMALS places, rounding half to even', () => {
    expect(STAT_DECIMALS).toBe(6);
    expect(fixed('0.1234565')).toBe('0.123456');
    expect(fixed('0.1234575')).toBe('0.123458');
    expect(fixed('0.12345650001')).toBe('0.123457');
    expect(fixed(2)).toBe('2.000000');
    expect(fixed('2.5', 0)).toBe('2');
    expect(fixed('3.5', 0)).toBe('4');
    expect(fixed('-1.0000005')).toBe('-1.000000');
  });

  it('never prints a negative zero', () => {
    expect(fixed('-0')).toBe('0.000000');
    expect(fixed('-0.0000004')).toBe('0.000000');
    expect(fixed('-0.0000005')).toBe('0.000000');
    expect(fixed('-0.4', 0)).toBe('0');
    expect(fixed('-0.0000006')).toBe('-0.000001');
  });

  it('rejects what it cannot print', () => {
    expect(() => fixed(Number.NaN)).toThrow(RangeError);
    expect(() => fixed(Infinity)).toThrow(RangeError);
    expect(() => fixed('1', -1)).toThrow(RangeError);
    expect(() => fixed('1', 1.5)).toThrow(RangeError);
  });
});
