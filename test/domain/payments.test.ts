/**
 * The payment engine on hand-made inputs (metric values, participant
 * outcomes, comparison rows and trigger results), every expected figure
 * worked out by hand in the comments. Money is in minor units throughout
 * (100 = 1.00).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ContractSpec, parseContractSpec, type ROUNDING_MODES } from '#contracts';
import type { ExactComparison, MetricValue, ParticipantOutcome, TriggerResult } from '#evaluation';
import {
  allocateByShare,
  computePayments,
  formatMoney,
  formulaText,
  NO_PRIOR,
  type OutcomeLine,
  type PaymentInputs,
  type PriorPayments,
  priorPayments,
  returnCapLimit,
  roundToStep,
} from '#evaluation';
import { Decimal, dayNumber } from '#kernel';

// biome-ignore lint/suspicious/noExplicitAny: specs are built as plain JSON and parsed
type Json = any;

/** A small valid spec: three yearly periods, an `employed` rate and a `days` count; no rules or caps. */
function baseSpec(): Json {
  return {
    format: 'sib-ledger/contract/v1',
    id: 'unit',
    title: 'Unit test contract',
    currency: 'RUB',
    minorUnit: 2,
    term: { from: '2024-01-01', to: '2026-12-31' },
    version: 1,
    effectiveFrom: '2024-01-01',
    serviceTypes: ['legal-aid'],
    cohorts: ['a', 'b'],
    parties: {
      commissioner: { id: 'payer', name: 'Payer' },
      investors: [{ id: 'investor', name: 'Investor', share: '1' }],
      operator: { id: 'operator', name: 'Operator' },
      evaluator: { id: 'evaluator', name: 'Evaluator' },
    },
    periods: [
      { id: 'p1', from: '2024-01-01', to: '2024-12-31', paymentDate: '2025-01-31' },
      { id: 'p2', from: '2025-01-01', to: '2025-12-31', paymentDate: '2026-01-31' },
      { id: 'p3', from: '2026-01-01', to: '2026-12-31', paymentDate: '2026-12-31', final: true },
    ],
    withdrawals: 'exclude',
    confidenceLevel: '0.95',
    metrics: [
      { id: 'employed', title: 'Employed', kind: 'employed', window: { anchor: 'enrolment', days: 180 } },
      { id: 'days', title: 'Days employed', kind: 'days-employed', window: { anchor: 'enrolment', days: 365 } },
    ],
    comparisons: [],
    triggers: [],
    payments: [],
    caps: {},
    rounding: { mode: 'half-even', step: '1' },
  };
}

function specOf(change: (spec: Json) => void): ContractSpec {
  const raw = baseSpec();
  change(raw);
  return parseContractSpec(raw);
}

/** A readable pseudonym: P(1) = p-000…001 (keys sort in this order). */
const P = (n: number) => `p-${n.toString(16).padStart(32, '0')}`;
const WINDOW = { from: dayNumber('2024-02-01'), to: dayNumber('2024-07-29') };
const WINDOW_TEXT = '2024-02-01..2024-07-29';

/** A participant's part in a rate metric (achieved or not) or a count metric (value units). */
function outcome(participant: string, value: number | boolean): ParticipantOutcome {
  const achieved = typeof value === 'boolean' ? value : true;
  return {
    participant,
    cohort: 'a',
    window: WINDOW,
    counted: true,
    value: typeof value === 'boolean' ? Number(value) : value,
    achieved,
    excluded: false,
  };
}

/** Employed outcomes: these participants achieved it. */
const employed = (...ns: number[]) => new Map([['employed', ns.map((n) => outcome(P(n), true))]]);

interface Given {
  readonly period?: string;
  readonly values?: MetricValue[];
  readonly outcomes?: ReadonlyMap<string, readonly ParticipantOutcome[]>;
  readonly comparisons?: ExactComparison[];
  readonly triggers?: TriggerResult[];
  readonly prior?: PriorPayments;
}

function pay(spec: ContractSpec, given: Given = {}) {
  const period = spec.periods.find((p) => p.id === (given.period ?? 'p1'));
  if (period === undefined) throw new Error('no such period');
  const inputs: PaymentInputs = {
    spec,
    period,
    metricValues: new Map((given.values ?? []).map((v) => [v.id, v])),
    outcomes: given.outcomes ?? new Map(),
    comparisons: given.comparisons ?? [],
    triggers: given.triggers ?? [],
    prior: given.prior ?? NO_PRIOR,
  };
  return computePayments(inputs);
}

/** What earlier periods paid, from their results (oldest first). */
const paidBy = (...results: { outcomes: readonly OutcomeLine[] }[]) => priorPayments(results);

const amounts = (r: ReturnType<typeof pay>) =>
  r.payments.lines.map((l) => ({ rule: l.rule, type: l.type, amount: l.amount }));
const paidNow = (r: ReturnType<typeof pay>, participant: string) =>
  r.outcomes.find((o) => o.subject === participant)?.paidNow;

describe('allocateByShare', () => {
  const thirds = [
    { id: 'a', share: '0.334' },
    { id: 'b', share: '0.333' },
    { id: 'c', share: '0.333' },
  ];

  it('splits 100 among three investors of about a third each as 34, 33, 33', () => {
    // Exact parts 33.4, 33.3, 33.3 -> floors 33 + 33 + 33 = 99; the unit left goes to the largest remainder (a).
    expect(allocateByShare(100n, thirds).map((p) => p.amount)).toEqual(['34', '33', '33']);
  });

  it('gives a unit left over on a tie of remainders to the earlier investor', () => {
    // Equal shares: 100 × 0.3333 = 33.33 each, floors 99, one unit left, three equal remainders -> the first.
    const equal = ['a', 'b', 'c'].map((id) => ({ id, share: '0.3333' }));
    expect(allocateByShare(100n, equal).map((p) => p.amount)).toEqual(['34', '33', '33']);
    // 101 × 0.5 = 50.5 each -> 51, 50.
    const halves = [
      { id: 'a', share: '0.5' },
      { id: 'b', share: '0.5' },
    ];
    expect(allocateByShare(101n, halves).map((p) => p.amount)).toEqual(['51', '50']);
    // 7 × (0.25, 0.25, 0.5) = 1.75, 1.75, 3.5 -> floors 1, 1, 3; two units left -> the two .75 remainders.
    const quarters = [
      { id: 'a', share: '0.25' },
      { id: 'b', share: '0.25' },
      { id: 'c', share: '0.5' },
    ];
    expect(allocateByShare(7n, quarters).map((p) => p.amount)).toEqual(['2', '2', '3']);
    // 5 × (0.3, 0.7) = 1.5, 3.5 -> floors 1, 3; remainders tie at .5 -> the earlier: 2, 3.
    expect(
      allocateByShare(5n, [
        { id: 'a', share: '0.3' },
        { id: 'b', share: '0.7' },
      ]).map((p) => p.amount),
    ).toEqual(['2', '3']);
  });

  it('splits a negative total as its absolute value, negated', () => {
    expect(allocateByShare(-100n, thirds)).toEqual([
      { investor: 'a', share: '0.334', amount: '-34' },
      { investor: 'b', share: '0.333', amount: '-33' },
      { investor: 'c', share: '0.333', amount: '-33' },
    ]);
    expect(allocateByShare(0n, thirds).map((p) => p.amount)).toEqual(['0', '0', '0']);
  });

  it('always gives parts that sum exactly to the total', () => {
    const shareSets = [
      ['1'],
      ['0.6', '0.4'],
      ['0.334', '0.333', '0.333'],
      ['0.1', '0.2', '0.3', '0.4'],
      ['0.125', '0.875'],
    ];
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom(...shareSets), (total, set) => {
        const parts = allocateByShare(
          total,
          set.map((share, i) => ({ id: `i${i}`, share })),
        );
        expect(parts.reduce((s, p) => s + BigInt(p.amount), 0n)).toBe(total);
        // No part is more than one unit away from its exact share.
        parts.forEach((p, i) => {
          const exact = new Decimal(total.toString()).times(set[i] as string);
          expect(exact.minus(p.amount).abs().lt(1)).toBe(true);
        });
      }),
      { numRuns: 200 },
    );
  });
});

describe('roundToStep', () => {
  const round = (amount: string, mode: (typeof ROUNDING_MODES)[number], step: string) =>
    roundToStep(amount, { rounding: { mode, step } }).toString();

  it.each([
    // amount, half-even, half-up, down (toward zero), up (away from zero)
    ['2.5', '2', '3', '2', '3'],
    ['3.5', '4', '4', '3', '4'],
    ['2.4', '2', '2', '2', '3'],
    ['7', '7', '7', '7', '7'],
    ['-2.5', '-2', '-3', '-2', '-3'],
  ])('step 1: %s -> half-even %s, half-up %s, down %s, up %s', (amount, halfEven, halfUp, down, up) => {
    expect([
      round(amount, 'half-even', '1'),
      round(amount, 'half-up', '1'),
      round(amount, 'down', '1'),
      round(amount, 'up', '1'),
    ]).toEqual([halfEven, halfUp, down, up]);
  });

  it.each([
    // 250 = 2.5 steps of 100; 350 = 3.5; 251 = 2.51; 200 = 2; 1 = 0.01
    ['250', '200', '300', '200', '300'],
    ['350', '400', '400', '300', '400'],
    ['251', '300', '300', '200', '300'],
    ['200', '200', '200', '200', '200'],
    ['1', '0', '0', '0', '100'],
  ])('step 100: %s -> half-even %s, half-up %s, down %s, up %s', (amount, halfEven, halfUp, down, up) => {
    expect([
      round(amount, 'half-even', '100'),
      round(amount, 'half-up', '100'),
      round(amount, 'down', '100'),
      round(amount, 'up', '100'),
    ]).toEqual([halfEven, halfUp, down, up]);
  });
});

describe('formatMoney', () => {
  it.each([
    [123456789n, 2, '1,234,567.89'],
    [5n, 2, '0.05'],
    [-5n, 2, '-0.05'],
    [0n, 2, '0.00'],
    ['-100000000', 2, '-1,000,000.00'],
    [10600000000n, 2, '106,000,000.00'],
    [123456n, 0, '123,456'],
    [1234567n, 3, '1,234.567'],
    [999n, 2, '9.99'],
    [100000n, 2, '1,000.00'],
  ] as const)('%s with %i digits -> %s', (minor, digits, text) => {
    expect(formatMoney(minor, digits)).toBe(text);
  });
});

describe('returnCapLimit', () => {
  it('is principal × 1.06 after 365 days at 6%: 100,000,000.00 -> 106,000,000.00', () => {
    // 2023-08-01 + 365 days = 2024-07-31 (2024 has a 29 February).
    const limit = returnCapLimit({ principal: '10000000000', annualRate: '0.06', from: '2023-08-01' }, '2024-07-31');
    expect(formatMoney(limit, 2)).toBe('106,000,000.00');
  });

  it('uses simple interest by the day, rounded down to the minor unit', () => {
    const cap = { principal: '10000000000', annualRate: '0.06', from: '2023-08-01' };
    // 2023-08-01 -> 2024-09-30 = 426 days: 1e10 × 0.06 × 426 / 365 = 700,273,972.6… -> 10,700,273,972.
    expect(returnCapLimit(cap, '2024-09-30')).toBe(10_700_273_972n);
    // On the start day and before it: the principal.
    expect(returnCapLimit(cap, '2023-08-01')).toBe(10_000_000_000n);
    expect(returnCapLimit(cap, '2023-07-01')).toBe(10_000_000_000n);
  });

  it('is exact where the interest is a whole number that decimals would round just below', () => {
    // 365 × 1 × 1 / 365 = 1 exactly: 366, not 365 (1/365 rounded to 40 digits, times 365, is 0.999…).
    expect(returnCapLimit({ principal: '365', annualRate: '1', from: '2024-01-01' }, '2024-01-02')).toBe(366n);
    // 36,500 × 0.03 × 100 / 365 = 300.
    expect(returnCapLimit({ principal: '36500', annualRate: '0.03', from: '2024-01-01' }, '2024-04-10')).toBe(36_800n);
  });
});

describe('per-outcome payments', () => {
  const jobs = specOf((s) => {
    s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
  });

  it('pays each achieved outcome once, and a later period only the new keys', () => {
    // Period 1: P1 and P2 employed -> 2 × 1,000.00.
    const p1 = pay(jobs, { outcomes: employed(1, 2) });
    expect(amounts(p1)).toEqual([{ rule: 'job', type: 'payment', amount: '200000' }]);
    expect(p1.payments.lines[0]?.formula).toBe('2 new employed outcome(s) × 1,000.00 RUB = 2,000.00 RUB');
    expect(p1.outcomes).toEqual([
      { subject: P(1), rule: 'job', window: WINDOW_TEXT, entitled: '100000', paidBefore: '0', paidNow: '100000' },
      { subject: P(2), rule: 'job', window: WINDOW_TEXT, entitled: '100000', paidBefore: '0', paidNow: '100000' },
    ]);

    // Period 2: P1, P2 and P3 employed -> only P3 is new: 1,000.00.
    const p2 = pay(jobs, { period: 'p2', outcomes: employed(1, 2, 3), prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([{ rule: 'job', type: 'payment', amount: '100000' }]);
    expect(p2.payments.lines[0]?.outcomes).toBe(1);
    expect(p2.outcomes.map((o) => [o.subject, o.paidBefore, o.paidNow])).toEqual([
      [P(1), '100000', '0'],
      [P(2), '100000', '0'],
      [P(3), '0', '100000'],
    ]);
    expect(p2.payments).toMatchObject({ total: '100000', paidBefore: '200000', cumulative: '300000' });

    // Period 3: nothing new: no line at all for a per-outcome rule with nothing due.
    const p3 = pay(jobs, { period: 'p3', outcomes: employed(1, 2, 3), prior: paidBy(p1, p2) });
    expect(p3.payments.lines).toEqual([]);
    expect(p3.payments).toMatchObject({ total: '0', paidBefore: '300000', cumulative: '300000' });
  });

  it('does not pay a participant whose outcome is not achieved', () => {
    const outcomes = new Map([['employed', [outcome(P(1), true), outcome(P(2), false)]]]);
    expect(pay(jobs, { outcomes }).payments.total).toBe('100000');
  });

  it('pays a count metric by its units, and later only the increase', () => {
    // 5.00 a day: 30 days = 150.00; then 45 days = 225.00, of which 75.00 is new.
    const days = specOf((s) => {
      s.payments = [{ id: 'per-day', kind: 'per-outcome', metric: 'days', price: '500' }];
    });
    const p1 = pay(days, { outcomes: new Map([['days', [outcome(P(1), 30)]]]) });
    expect(p1.payments.total).toBe('15000');
    const p2 = pay(days, { period: 'p2', outcomes: new Map([['days', [outcome(P(1), 45)]]]), prior: paidBy(p1) });
    expect(p2.payments.total).toBe('7500');
    expect(p2.outcomes).toEqual([
      { subject: P(1), rule: 'per-day', window: WINDOW_TEXT, entitled: '22500', paidBefore: '15000', paidNow: '7500' },
    ]);
  });

  it("rounds each key's entitlement to the step", () => {
    // Price 1.50 with step 1.00 (100): 1.5 steps -> half-even 2 steps (2.00), down 1 step (1.00).
    const priced = (mode: string) =>
      specOf((s) => {
        s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '150' }];
        s.rounding = { mode, step: '100' };
      });
    expect(pay(priced('half-even'), { outcomes: employed(1, 2) }).payments.total).toBe('400');
    expect(pay(priced('down'), { outcomes: employed(1, 2) }).payments.total).toBe('200');
  });

  it('pays nothing while its trigger is not met, and keeps what was paid before', () => {
    const gated = specOf((s) => {
      s.triggers = [{ id: 'enough', metric: 'employed', atLeast: '0.5' }];
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000', trigger: 'enough' }];
    });
    const met: TriggerResult[] = [{ id: 'enough', group: 'all', met: true, because: 'employed 60% >= 50%' }];
    const notMet: TriggerResult[] = [{ id: 'enough', group: 'all', met: false, because: 'employed 40% < 50%' }];
    const p1 = pay(gated, { outcomes: employed(1), triggers: met });
    expect(p1.payments.total).toBe('100000');
    const p2 = pay(gated, { period: 'p2', outcomes: employed(1, 2), triggers: notMet, prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([]);
    expect(p2.outcomes.map((o) => [o.subject, o.entitled, o.paidNow])).toEqual([[P(1), '100000', '0']]);
  });
});

describe('adjustments', () => {
  it('takes back an outcome paid before and no longer achieved, as a negative line', () => {
    const jobs = specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
    });
    const p1 = pay(jobs, { outcomes: employed(1, 2) });
    // P1's employment was corrected away: -1,000.00.
    const p2 = pay(jobs, { period: 'p2', outcomes: employed(2), prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([{ rule: 'job', type: 'adjustment', amount: '-100000' }]);
    expect(p2.payments.lines[0]?.outcomes).toBe(1);
    expect(p2.outcomes.find((o) => o.subject === P(1))).toEqual({
      subject: P(1),
      rule: 'job',
      window: WINDOW_TEXT,
      entitled: '0',
      paidBefore: '100000',
      paidNow: '-100000',
    });
    expect(p2.payments).toMatchObject({ total: '-100000', paidBefore: '200000', cumulative: '100000' });
    expect(p2.payments.allocation).toEqual([{ investor: 'investor', share: '1', amount: '-100000' }]);
  });

  it('frees room under a cap for new payments in the same evaluation', () => {
    // Overall cap 3,000.00: period 1 pays P1, P2, P3 (3,000.00: the cap is reached, not cut).
    const capped = specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
      s.caps = { overall: '300000' };
    });
    const p1 = pay(capped, { outcomes: employed(1, 2, 3) });
    expect(p1.payments.total).toBe('300000');
    expect(p1.payments.caps[0]?.binding).toBe(false);
    // Period 2: P1 taken back (-1,000.00) frees 1,000.00 of room; P4 and P5 are due 2,000.00; P4 gets 1,000.00, P5 nothing.
    const p2 = pay(capped, { period: 'p2', outcomes: employed(2, 3, 4, 5), prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([
      { rule: 'job', type: 'adjustment', amount: '-100000' },
      { rule: 'job', type: 'payment', amount: '100000' },
    ]);
    expect(p2.payments.total).toBe('0');
    expect(p2.payments.caps).toEqual([
      { cap: 'overall', limit: '300000', before: '300000', after: '300000', binding: true },
    ]);
    expect([paidNow(p2, P(1)), paidNow(p2, P(4)), paidNow(p2, P(5))]).toEqual(['-100000', '100000', '0']);
    expect(p2.payments.lines[1]?.formula).toBe(
      '2 new employed outcome(s) × 1,000.00 RUB = 2,000.00 RUB; capped by overall: 1,000.00 RUB of 2,000.00 RUB due is paid',
    );
  });
});

describe('caps', () => {
  const withCaps = (caps: Json, extra?: (s: Json) => void) =>
    specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
      s.caps = caps;
      extra?.(s);
    });
  const five = employed(1, 2, 3, 4, 5); // 5 × 1,000.00 = 5,000.00 due

  it('overall: pays keys in order until the cap, the last one in part, and says the cap binds', () => {
    // Cap 2,500.00: P1 1,000.00, P2 1,000.00, P3 500.00, P4 and P5 nothing.
    const r = pay(withCaps({ overall: '250000' }), { outcomes: five });
    expect(r.payments.total).toBe('250000');
    expect(r.payments.lines[0]?.outcomes).toBe(3);
    expect([1, 2, 3, 4, 5].map((n) => paidNow(r, P(n)))).toEqual(['100000', '100000', '50000', '0', '0']);
    expect(r.payments.caps).toEqual([{ cap: 'overall', limit: '250000', before: '0', after: '250000', binding: true }]);
    // Next period: the overall cap has no room left; nothing more is paid.
    const next = pay(withCaps({ overall: '250000' }), { period: 'p2', outcomes: five, prior: paidBy(r) });
    expect(next.payments.total).toBe('0');
    expect(next.payments.caps[0]).toMatchObject({ before: '250000', after: '250000', binding: true });
  });

  it('per period: cuts one period, and the next period pays what was left', () => {
    const spec = withCaps({ perPeriod: '250000' });
    const p1 = pay(spec, { outcomes: five });
    expect(p1.payments.total).toBe('250000');
    expect(p1.payments.caps).toEqual([
      { cap: 'per period', limit: '250000', before: '0', after: '250000', binding: true },
    ]);
    // Period 2: P3's other 500.00, P4 and P5 = 2,500.00, within the period's 2,500.00: not cut.
    const p2 = pay(spec, { period: 'p2', outcomes: five, prior: paidBy(p1) });
    expect(p2.payments.total).toBe('250000');
    expect(p2.payments.caps[0]?.binding).toBe(false);
    expect([3, 4, 5].map((n) => paidNow(p2, P(n)))).toEqual(['50000', '100000', '100000']);
    expect(p2.payments.cumulative).toBe('500000');
  });

  it('per period: the next period states the outcome carried over from the capped one, so its arithmetic holds', () => {
    const spec = withCaps({ perPeriod: '250000' });
    const p1 = pay(spec, { outcomes: five });
    expect(p1.payments.lines[0]?.formula).toBe(
      '5 new employed outcome(s) × 1,000.00 RUB = 5,000.00 RUB; capped by per period: 2,500.00 RUB of 5,000.00 RUB due is paid',
    );
    // Period 2 pays P3's other 500.00 (carried over: P3 was paid 500.00 of 1,000.00), P4 and P5.
    const p2 = pay(spec, { period: 'p2', outcomes: five, prior: paidBy(p1) });
    expect(p2.payments.lines[0]).toMatchObject({
      outcomes: 3,
      amount: '250000',
      due: '250000',
      cappedBy: [],
      figures: { basis: 'outcomes', price: '100000', new: 2, newAmount: '200000', carried: 1, carriedAmount: '50000' },
      formula:
        '2 new employed outcome(s) × 1,000.00 RUB = 2,000.00 RUB + 1 employed outcome(s) carried over from a capped earlier period: 500.00 RUB still due = 2,500.00 RUB',
    });
    // The text is a function of the line's figures alone (the report verifier writes it again with it).
    for (const line of [...p1.payments.lines, ...p2.payments.lines]) {
      expect(formulaText(line, spec)).toBe(line.formula);
    }
  });

  it('per outcome: limits only its own rule', () => {
    // job-bonus (the same outcomes, 1,000.00 each) is capped at 1,500.00; job is not.
    const spec = withCaps({ perOutcome: { 'job-bonus': '150000' } }, (s) => {
      s.payments.push({ id: 'job-bonus', kind: 'per-outcome', metric: 'employed', price: '100000' });
    });
    const r = pay(spec, { outcomes: five });
    expect(amounts(r)).toEqual([
      { rule: 'job', type: 'payment', amount: '500000' },
      { rule: 'job-bonus', type: 'payment', amount: '150000' },
    ]);
    expect(r.payments.caps).toEqual([
      { cap: 'per outcome job-bonus', limit: '150000', before: '0', after: '150000', binding: true },
    ]);
  });

  it('return cap: the total paid to a payment date stays within principal plus simple interest', () => {
    // Principal 2,000.00 at 6% from 2024-01-01 to p1's payment date 2025-01-31 (396 days):
    // 200,000 × 0.06 × 396 / 365 = 13,019.17… -> limit 213,019 (2,130.19) of the 5,000.00 due.
    const spec = withCaps({}, (s) => {
      s.returnCap = { principal: '200000', annualRate: '0.06', from: '2024-01-01' };
    });
    const r = pay(spec, { outcomes: five });
    expect(r.payments.total).toBe('213019');
    expect(r.payments.caps).toEqual([
      {
        cap: 'return cap (6% a year on 2,000.00 to 2025-01-31)',
        limit: '213019',
        before: '0',
        after: '213019',
        binding: true,
      },
    ]);
  });

  it('leaves cap room rounded down to the step', () => {
    // Step 1.00: an overall cap of 2,550.50 leaves 550.50 after two keys, paid as 550.00.
    const spec = withCaps({ overall: '255050' }, (s) => {
      s.rounding = { mode: 'half-even', step: '100' };
    });
    const r = pay(spec, { outcomes: five });
    expect(r.payments.total).toBe('255000');
  });
});

describe('all-or-nothing', () => {
  const spec = specOf((s) => {
    s.metrics = [
      { id: 'enrolled', title: 'Enrolled', kind: 'enrolled', target: { value: '300', direction: 'at-least' } },
      {
        id: 'employed',
        title: 'Employed',
        kind: 'employed',
        window: { anchor: 'enrolment', days: 180 },
        target: { value: '0.35', direction: 'at-least' },
      },
      {
        id: 'reoffending',
        title: 'Reoffending',
        kind: 'reconviction',
        window: { anchor: 'enrolment', days: 365 },
        target: { value: '0.20', direction: 'at-most' },
      },
    ];
    s.payments = [
      {
        id: 'subsidy',
        kind: 'all-or-nothing',
        indicators: ['enrolled', 'employed', 'reoffending'],
        tolerance: '0.9',
        amount: '3000000000',
        periods: ['p1'],
      },
    ];
  });
  const rate = (
    id: string,
    kind: 'employed' | 'reconviction',
    numerator: number,
    denominator: number,
  ): MetricValue => ({
    id,
    title: id,
    kind,
    unit: 'rate',
    value: new Decimal(numerator).div(denominator).toFixed(6),
    numerator: String(numerator),
    denominator,
  });
  const count = (id: string, n: number): MetricValue => ({
    id,
    title: id,
    kind: 'enrolled',
    unit: 'count',
    value: String(n),
  });
  // Thresholds: enrolled 0.9 × 300 = 270; employed 0.9 × 0.35 = 0.315; reoffending at most 0.20 / 0.9 = 0.2222…
  const values = (enrolled: number, employedOf200: number, reoffending: [number, number]) => [
    count('enrolled', enrolled),
    rate('employed', 'employed', employedOf200, 200),
    rate('reoffending', 'reconviction', ...reoffending),
  ];

  it('pays the whole amount when every indicator is exactly at 90% of its target', () => {
    // 270 enrolled; 63 / 200 = 0.315 employed; 4 / 18 = 2/9 = 0.2/0.9 reoffending.
    const r = pay(spec, { values: values(270, 63, [4, 18]) });
    expect(amounts(r)).toEqual([{ rule: 'subsidy', type: 'payment', amount: '3000000000' }]);
    expect(r.payments.lines[0]?.formula).toBe('every indicator within 90% of target: 30,000,000.00 RUB');
    expect(r.outcomes).toEqual([
      {
        subject: 'contract',
        rule: 'subsidy',
        window: '2024-01-01..2024-12-31',
        entitled: '3000000000',
        paidBefore: '0',
        paidNow: '3000000000',
      },
    ]);
  });

  it.each([
    ['enrolled', values(269, 63, [4, 18])], // 269 < 270
    ['employed', values(270, 62, [4, 18])], // 62 / 200 = 0.31 < 0.315
    ['reoffending', values(270, 63, [222223, 1000000])], // 0.222223 > 0.2222…
  ])('pays nothing when %s is just short of 90% of its target', (failed, given) => {
    const r = pay(spec, { values: given });
    expect(amounts(r)).toEqual([{ rule: 'subsidy', type: 'payment', amount: '0' }]);
    expect(r.payments.lines[0]?.formula).toBe(
      `not every indicator reached 90% of target (failed: ${failed}): nothing is paid`,
    );
  });

  it('meets an at-most indicator up to target ÷ tolerance', () => {
    // 0.222222 <= 0.2222… (met) although above the target 0.20.
    expect(pay(spec, { values: values(270, 63, [222222, 1000000]) }).payments.total).toBe('3000000000');
  });

  it('does not meet an at-most indicator over nobody (no window closed yet)', () => {
    // 0 / 0 reoffending is not 0%: with no participant counted the indicator has no value and is not met.
    const r = pay(spec, { values: values(270, 63, [0, 0]) });
    expect(r.payments.total).toBe('0');
    expect(r.payments.lines[0]?.formula).toContain('(failed: reoffending)');
    // One participant counted, not reconvicted: 0 / 1 = 0 is met.
    expect(pay(spec, { values: values(270, 63, [0, 1]) }).payments.total).toBe('3000000000');
  });

  it('pays nothing outside its periods, and has no line there', () => {
    const r = pay(spec, { period: 'p2', values: values(300, 100, [0, 18]) });
    expect(r.payments.lines).toEqual([]);
    expect(r.payments.total).toBe('0');
  });
});

/** A comparison row (what evaluateComparisons returns) with exact t, c and n. */
function row(id: string, group: string, t: string, c: string, n: number): ExactComparison {
  const effect = new Decimal(c).minus(t).div(c);
  return {
    result: {
      id,
      metric: 'm',
      kind: 'published',
      group,
      effect: 'relative-reduction',
      treatment: { value: t, denominator: n },
      comparison: { value: c, source: 'published' },
      effectSize: effect.toFixed(6),
    },
    effect,
    t: new Decimal(t),
    c: new Decimal(c),
    n,
  };
}

describe('tiered', () => {
  const spec = specOf((s) => {
    s.metrics = [
      { id: 'bed-days', title: 'Bed-days', kind: 'custody-days', window: { anchor: 'enrolment', days: 365 } },
    ];
    s.comparisons = [{ id: 'cmp', metric: 'bed-days', kind: 'published', effect: 'relative-reduction' }];
    s.payments = [
      {
        id: 'success',
        kind: 'tiered',
        comparison: 'cmp',
        tiers: [
          { effectAtLeast: '0.085', amount: '480000' },
          { effectAtLeast: '0.10', amount: '960000' },
          { effectAtLeast: '0.20', amount: '1171200' },
        ],
      },
    ];
  });

  it('pays the highest tier reached, and a later period only the increase, never taking back', () => {
    // 100 -> 85 bed-days: 15% reduction: the 10% tier (9,600.00), not the 20% one.
    const p1 = pay(spec, { comparisons: [row('cmp', 'all', '85', '100', 50)] });
    expect(amounts(p1)).toEqual([{ rule: 'success', type: 'payment', amount: '960000' }]);
    expect(p1.payments.lines[0]?.formula).toBe('all: effect 0.150000 → tier ≥ 0.10 = 9,600.00 RUB; new: 9,600.00 RUB');
    // 25%: the 20% tier, 11,712.00, of which 9,600.00 was paid: 2,112.00.
    const p2 = pay(spec, { period: 'p2', comparisons: [row('cmp', 'all', '75', '100', 50)], prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([{ rule: 'success', type: 'payment', amount: '211200' }]);
    // 5%: no tier; nothing is taken back.
    const p3 = pay(spec, { period: 'p3', comparisons: [row('cmp', 'all', '95', '100', 50)], prior: paidBy(p1, p2) });
    expect(amounts(p3)).toEqual([{ rule: 'success', type: 'payment', amount: '0' }]);
    expect(p3.payments.cumulative).toBe('1171200');
  });

  it('reaches a tier at exactly its effect', () => {
    // 100 -> 91.5: exactly 8.5%.
    expect(pay(spec, { comparisons: [row('cmp', 'all', '91.5', '100', 10)] }).payments.total).toBe('480000');
    // 91.6: 8.4%: nothing.
    expect(pay(spec, { comparisons: [row('cmp', 'all', '91.6', '100', 10)] }).payments.total).toBe('0');
  });
});

describe('per-effect with deduct (Peterborough-style)', () => {
  const spec = specOf((s) => {
    s.metrics = [
      { id: 'events', title: 'Events', kind: 'reconviction-events', window: { anchor: 'enrolment', days: 365 } },
    ];
    s.comparisons = [
      { id: 'cmp', metric: 'events', kind: 'published', effect: 'relative-reduction', groupBy: 'cohort' },
    ];
    s.triggers = [
      { id: 'early-t', comparison: 'cmp', group: 'each-cohort', effectAtLeast: '0.10' },
      { id: 'final-t', comparison: 'cmp', group: 'all', effectAtLeast: '0.075', periods: ['p3'] },
    ];
    s.payments = [
      { id: 'early', kind: 'per-effect', trigger: 'early-t', pricePerUnit: '2000000' },
      { id: 'final', kind: 'per-effect', trigger: 'final-t', pricePerUnit: '2000000', deduct: ['early'] },
    ];
  });
  const trig = (id: string, group: string, met: boolean): TriggerResult => ({ id, group, met, because: 'given' });

  // Cohort a: 0.90 vs 1.00 per participant over 100 (10% fewer); cohort b: 1.42 vs 1.55 (8.387%);
  // all: (90 + 142) / 200 = 1.16 vs a published 1.275 (9.02%).
  const a = row('cmp', 'a', '0.90', '1.00', 100);
  const b = row('cmp', 'b', '1.42', '1.55', 100);
  const all = row('cmp', 'all', '1.16', '1.275', 200);

  it('pays early per event prevented, and the final payment net of early payments made before', () => {
    // Period 1: cohort a meets 10%: (1.00 − 0.90) × 100 = 10 events × 20,000.00 = 200,000.00.
    const p1 = pay(spec, {
      comparisons: [a],
      triggers: [trig('early-t', 'a', true), trig('early-t', 'b', false), trig('final-t', 'all', false)],
    });
    expect(amounts(p1)).toEqual([
      { rule: 'early', type: 'payment', amount: '20000000' },
      { rule: 'final', type: 'payment', amount: '0' },
    ]);
    // Final: all cohorts (1.275 − 1.16) × 200 = 23 events × 20,000.00 = 460,000.00, less 200,000.00 early = 260,000.00.
    const p3 = pay(spec, {
      period: 'p3',
      comparisons: [all, a, b],
      triggers: [trig('early-t', 'a', true), trig('early-t', 'b', false), trig('final-t', 'all', true)],
      prior: paidBy(p1),
    });
    expect(amounts(p3)).toEqual([
      { rule: 'early', type: 'payment', amount: '0' },
      { rule: 'final', type: 'payment', amount: '26000000' },
    ]);
    expect(p3.payments.cumulative).toBe('46000000');
  });

  it('nets out an early payment made in the same evaluation as the final one', () => {
    // Cohort b reaches 10% only in the final period: its early payment (200,000.00) and the final payment
    // fall in one evaluation; the final pays 460,000.00 − 200,000.00, so the period pays 460,000.00 in all.
    const bMet = row('cmp', 'b', '0.90', '1.00', 100);
    const r = pay(spec, {
      period: 'p3',
      comparisons: [all, row('cmp', 'a', '1.42', '1.55', 100), bMet],
      triggers: [trig('early-t', 'a', false), trig('early-t', 'b', true), trig('final-t', 'all', true)],
    });
    expect(amounts(r)).toEqual([
      { rule: 'early', type: 'payment', amount: '20000000' },
      { rule: 'final', type: 'payment', amount: '26000000' },
    ]);
    expect(r.payments.total).toBe('46000000');
  });

  it('rounds the gross per-effect amount first, then subtracts what the deducted rules paid', () => {
    // Whole roubles (step 100), half-even, 1.50 per unit. p1: cohort a (1.00 − 0.98) × 100 = 2 units = 3.00.
    // p3: all (1.275 − 1.16) × 200 = 23 units = 34.50 -> 34.00 (half-even), less 3.00 = 31.00.
    // (Subtracting first would give 34.50 − 3.00 = 31.50 -> 32.00.)
    const rounded = parseContractSpec({
      ...spec,
      payments: spec.payments.map((p) => ({ ...p, pricePerUnit: '150' })),
      rounding: { mode: 'half-even', step: '100' },
    });
    const p1 = pay(rounded, {
      comparisons: [row('cmp', 'a', '0.98', '1.00', 100)],
      triggers: [trig('early-t', 'a', true), trig('early-t', 'b', false), trig('final-t', 'all', false)],
    });
    expect(p1.payments.total).toBe('300');
    const p3 = pay(rounded, {
      period: 'p3',
      comparisons: [all, row('cmp', 'a', '0.98', '1.00', 100), b],
      triggers: [trig('early-t', 'a', true), trig('early-t', 'b', false), trig('final-t', 'all', true)],
      prior: paidBy(p1),
    });
    expect(amounts(p3)).toEqual([
      { rule: 'early', type: 'payment', amount: '0' },
      { rule: 'final', type: 'payment', amount: '3100' },
    ]);
  });

  it('counts the units of effect exactly, as c × n − the events counted', () => {
    // 7 events over 6 participants against 1.55: (1.55 − 7/6) × 6 = 9.3 − 7 = 2.3 events × 20,000.00 = 46,000.00.
    // Rounding down must not pay 45,999.99 for a t of 1.1666… cut at 40 digits.
    const down = parseContractSpec({ ...spec, rounding: { mode: 'down', step: '1' } });
    const t = new Decimal(7).div(6);
    const exact: ExactComparison = {
      result: {
        id: 'cmp',
        metric: 'events',
        kind: 'published',
        group: 'a',
        effect: 'relative-reduction',
        treatment: { value: t.toFixed(6), numerator: '7', denominator: 6 },
      },
      effect: new Decimal('1.55').minus(t).div('1.55'),
      t,
      c: new Decimal('1.55'),
      n: 6,
    };
    const r = pay(down, { comparisons: [exact], triggers: [trig('early-t', 'a', true)] });
    expect(amounts(r)[0]).toEqual({ rule: 'early', type: 'payment', amount: '4600000' });
    expect(r.payments.lines[0]?.formula).toContain('= 2.3 units × 20,000.00 RUB = 46,000.00 RUB');
  });

  it('never takes back an effect payment when the effect falls', () => {
    const p1 = pay(spec, { comparisons: [a], triggers: [trig('early-t', 'a', true)] });
    const p2 = pay(spec, {
      period: 'p2',
      comparisons: [row('cmp', 'a', '0.95', '1.00', 100)],
      triggers: [trig('early-t', 'a', false)],
      prior: paidBy(p1),
    });
    expect(p2.payments.total).toBe('0');
    expect(p2.outcomes).toEqual([
      {
        subject: 'group:a',
        rule: 'early',
        window: '2024-01-01..2026-12-31',
        entitled: '20000000',
        paidBefore: '20000000',
        paidNow: '0',
      },
    ]);
  });
});

describe('investor shares as exact fractions', () => {
  const thirds = ['a', 'b', 'c'].map((id) => ({ id, name: `Investor ${id}`, share: '1/3' }));

  it('splits 100.00 RUB among three investors of 1/3 each as 33.34, 33.33, 33.33', () => {
    // 10000 × 1/3 = 3333 1/3 each -> floors 3333 × 3 = 9999; one unit left, three equal remainders -> the first.
    expect(allocateByShare(10000n, thirds).map((p) => p.amount)).toEqual(['3334', '3333', '3333']);
    // -100.00 is split as 100.00, negated.
    expect(allocateByShare(-10000n, thirds).map((p) => p.amount)).toEqual(['-3334', '-3333', '-3333']);
  });

  it('mixes fractions with decimals, comparing remainders exactly', () => {
    // 10000 × (0.5, 1/3, 1/6) = 5000, 3333 1/3, 1666 2/3 -> floors 9999; the unit goes to the largest remainder, 2/3.
    const mixed = [
      { id: 'a', share: '0.5' },
      { id: 'b', share: '1/3' },
      { id: 'c', share: '1/6' },
    ];
    expect(allocateByShare(10000n, mixed).map((p) => p.amount)).toEqual(['5000', '3333', '1667']);
    // 2 × (1/3, 2/3) = 2/3, 1 1/3 -> floors 0, 1; the unit left goes to the larger remainder, 2/3 (a): 1, 1.
    const uneven = [
      { id: 'a', share: '1/3' },
      { id: 'b', share: '2/3' },
    ];
    expect(allocateByShare(2n, uneven).map((p) => p.amount)).toEqual(['1', '1']);
  });

  it('pays a contract with shares of 1/3 each, its allocation summing exactly to the total', () => {
    const spec = specOf((s) => {
      s.parties.investors = thirds;
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '10000' }];
    });
    // One outcome at 100.00 -> 33.34, 33.33, 33.33.
    const r = pay(spec, { outcomes: employed(1) });
    expect(r.payments.total).toBe('10000');
    expect(r.payments.allocation).toEqual([
      { investor: 'a', share: '1/3', amount: '3334' },
      { investor: 'b', share: '1/3', amount: '3333' },
      { investor: 'c', share: '1/3', amount: '3333' },
    ]);
  });

  it('refuses fractions that do not sum to exactly 1, or are not fractions of whole numbers', () => {
    const problems = (investors: Json) => {
      try {
        specOf((s) => (s.parties.investors = investors));
      } catch (error) {
        return (error as { problems: { field: string; message: string }[] }).problems;
      }
      throw new Error('the spec parsed');
    };
    // 1/3 + 1/3 = 2/3.
    expect(problems(thirds.slice(0, 2))).toEqual([
      { field: 'parties.investors', message: 'investor shares must sum to exactly 1 (they sum to 2/3)' },
    ]);
    // 1/2 + 0.25 + 1/3 = 13/12.
    const over = [
      { id: 'a', name: 'A', share: '1/2' },
      { id: 'b', name: 'B', share: '0.25' },
      { id: 'c', name: 'C', share: '1/3' },
    ];
    expect(problems(over)[0]?.message).toMatch(/sum to 13\/12/);
    expect(problems([{ id: 'a', name: 'A', share: '1.5/2' }])[0]).toMatchObject({
      field: 'parties.investors.0.share',
      message: expect.stringMatching(/fraction of whole numbers/),
    });
    expect(problems([{ id: 'a', name: 'A', share: '4/3' }])[0]).toMatchObject({
      field: 'parties.investors.0.share',
      message: 'must be at most 1',
    });
    expect(problems([{ id: 'a', name: 'A', share: '0/3' }])[0]?.field).toBe('parties.investors.0.share');
  });
});

describe('per-period caps that differ by period', () => {
  const spec = specOf((s) => {
    s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
    // Budget years: 1,500.00 in p1, 3,000.00 in p2; p3 is not named, so it has no per-period cap.
    s.caps = { perPeriod: { p1: '150000', p2: '300000' } };
  });
  const five = employed(1, 2, 3, 4, 5); // 5 × 1,000.00 = 5,000.00 due

  it('cuts each period to its own figure, and a period not named pays without a per-period cap', () => {
    // p1: cap 1,500.00 -> P1 1,000.00, P2 500.00; P3..P5 nothing.
    const p1 = pay(spec, { outcomes: five });
    expect([1, 2, 3, 4, 5].map((n) => paidNow(p1, P(n)))).toEqual(['100000', '50000', '0', '0', '0']);
    expect(p1.payments.caps).toEqual([
      { cap: 'per period', limit: '150000', before: '0', after: '150000', binding: true },
    ]);
    // p2: 3,500.00 due (P2's other 500.00, P3, P4, P5), cap 3,000.00 -> P2 500.00, P3 1,000.00, P4 1,000.00, P5 500.00.
    const p2 = pay(spec, { period: 'p2', outcomes: five, prior: paidBy(p1) });
    expect([2, 3, 4, 5].map((n) => paidNow(p2, P(n)))).toEqual(['50000', '100000', '100000', '50000']);
    expect(p2.payments.caps).toEqual([
      { cap: 'per period', limit: '300000', before: '0', after: '300000', binding: true },
    ]);
    // p3: no per-period cap -> P5's other 500.00; no cap is listed.
    const p3 = pay(spec, { period: 'p3', outcomes: five, prior: paidBy(p1, p2) });
    expect(p3.payments.total).toBe('50000');
    expect(p3.payments.caps).toEqual([]);
    expect(p3.payments.cumulative).toBe('500000');
  });

  it('refuses a per-period cap naming a period the contract does not have', () => {
    let problems: unknown;
    try {
      specOf((s) => (s.caps = { perPeriod: { p1: '100', y9: '100' } }));
    } catch (error) {
      problems = (error as { problems: unknown }).problems;
    }
    expect(problems).toEqual([{ field: 'caps.perPeriod.y9', message: 'unknown period y9' }]);
  });
});

describe('what becomes of an amount a cap cuts (caps.capped)', () => {
  /** An employed outcome achieved in a window (the key's window). */
  const achievedIn = (participant: string, from: string, to: string): ParticipantOutcome => ({
    ...outcome(participant, true),
    window: { from: dayNumber(from), to: dayNumber(to) },
  });
  // p1: P5, P6, P7 employed in 2024. p2: P1 employed in 2025 too (P1 sorts before P5..P7 in key order).
  const old = [5, 6, 7].map((n) => achievedIn(P(n), '2024-02-01', '2024-07-29')) as [
    ParticipantOutcome,
    ParticipantOutcome,
    ParticipantOutcome,
  ];
  const fresh = achievedIn(P(1), '2025-02-01', '2025-07-30');
  const p1Outcomes = new Map([['employed', old]]);
  const p2Outcomes = new Map([['employed', [fresh, ...old]]]);
  const withCapped = (capped?: string) =>
    specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
      s.caps = { perPeriod: '150000', ...(capped === undefined ? {} : { capped }) };
    });
  const run = (spec: ContractSpec) => {
    const p1 = pay(spec, { outcomes: p1Outcomes });
    const p2 = pay(spec, { period: 'p2', outcomes: p2Outcomes, prior: paidBy(p1) });
    return { p1, p2 };
  };

  it('absent: carried forward and paid in key order, so the new outcome is paid before the old debts', () => {
    // p1: cap 1,500.00 -> P5 1,000.00, P6 500.00, P7 nothing. p2: due P1 1,000.00, P6 500.00, P7 1,000.00;
    // cap 1,500.00 in key order P1, P5, P6, P7 -> P1 1,000.00, P6 500.00, P7 nothing.
    const { p1, p2 } = run(withCapped());
    expect([5, 6, 7].map((n) => paidNow(p1, P(n)))).toEqual(['100000', '50000', '0']);
    expect([1, 6, 7].map((n) => paidNow(p2, P(n)))).toEqual(['100000', '50000', '0']);
  });

  it('carry-forward: the two old debts are paid before the new outcome (oldest first), and the line says so', () => {
    // p1 as before. p2: oldest first -> P6 500.00 and P7 1,000.00 (windows ending 2024-07-29, key order between
    // them), then P1 (window ending 2025-07-30): nothing left of the 1,500.00.
    const spec = withCapped('carry-forward');
    const { p1, p2 } = run(spec);
    expect([5, 6, 7].map((n) => paidNow(p1, P(n)))).toEqual(['100000', '50000', '0']);
    expect(p1.payments.lines[0]?.formula).toBe(
      '3 new employed outcome(s) × 1,000.00 RUB = 3,000.00 RUB; capped by per period: 1,500.00 RUB of 3,000.00 RUB due is paid, the rest is carried forward (oldest paid first)',
    );
    expect([1, 6, 7].map((n) => paidNow(p2, P(n)))).toEqual(['0', '50000', '100000']);
    expect(p2.payments.total).toBe('150000');
    // P7 was paid nothing before, so the figures count it with the new outcomes (before = 0); P6 was paid in part.
    expect(p2.payments.lines[0]?.formula).toBe(
      '2 new employed outcome(s) × 1,000.00 RUB = 2,000.00 RUB + 1 employed outcome(s) carried over from a capped earlier period (oldest paid first): 500.00 RUB still due = 2,500.00 RUB; capped by per period: 1,500.00 RUB of 2,500.00 RUB due is paid, the rest is carried forward (oldest paid first)',
    );
    for (const line of [...p1.payments.lines, ...p2.payments.lines]) expect(formulaText(line, spec)).toBe(line.formula);
  });

  it('forfeit: what the cap cuts is never paid; the outcome lines record it and the next period pays only new outcomes', () => {
    // p1: P5 1,000.00, P6 500.00 (500.00 forfeited), P7 nothing (1,000.00 forfeited).
    const spec = withCapped('forfeit');
    const { p1, p2 } = run(spec);
    expect(p1.outcomes.map((o) => [o.subject, o.paidNow, o.forfeitedNow])).toEqual([
      [P(5), '100000', undefined],
      [P(6), '50000', '50000'],
      [P(7), '0', '100000'],
    ]);
    expect(p1.payments.lines[0]?.formula).toBe(
      '3 new employed outcome(s) × 1,000.00 RUB = 3,000.00 RUB; capped by per period: 1,500.00 RUB of 3,000.00 RUB due is paid, the rest is forfeited',
    );
    // p2: P6 1,000.00 − 500.00 paid − 500.00 forfeited = 0; P7 1,000.00 − 1,000.00 forfeited = 0; P1 1,000.00.
    expect(p2.payments.total).toBe('100000');
    expect(p2.payments.caps[0]?.binding).toBe(false);
    expect(p2.outcomes.map((o) => [o.subject, o.paidNow, o.forfeitedBefore])).toEqual([
      [P(1), '100000', undefined],
      [P(5), '0', undefined],
      [P(6), '0', '50000'],
      [P(7), '0', '100000'],
    ]);
    // A correction that removes P6 takes back only what was paid (500.00), not what was forfeited.
    const p2Corrected = pay(spec, {
      period: 'p2',
      outcomes: new Map([['employed', [fresh, old[0], old[2]]]]),
      prior: paidBy(p1),
    });
    expect(amounts(p2Corrected)).toEqual([
      { rule: 'job', type: 'adjustment', amount: '-50000' },
      { rule: 'job', type: 'payment', amount: '100000' },
    ]);
  });
});

describe('what happens first (docs/contracts.md, "The order of the rules")', () => {
  it('caps are net of adjustments: a per-period cap counts the period’s own adjustments, freeing room', () => {
    // Per period 2,000.00. p1 pays P1 and P2 (2,000.00). p2: P1 taken back (-1,000.00) first, so the period's
    // cap has 3,000.00 of room: P3, P4, P5 (3,000.00) are paid in full; the period nets 2,000.00, the cap.
    const spec = specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '100000' }];
      s.caps = { perPeriod: '200000' };
    });
    const p1 = pay(spec, { outcomes: employed(1, 2) });
    const p2 = pay(spec, { period: 'p2', outcomes: employed(2, 3, 4, 5), prior: paidBy(p1) });
    expect(amounts(p2)).toEqual([
      { rule: 'job', type: 'adjustment', amount: '-100000' },
      { rule: 'job', type: 'payment', amount: '300000' },
    ]);
    expect(p2.payments.caps).toEqual([
      { cap: 'per period', limit: '200000', before: '0', after: '200000', binding: false },
    ]);
  });

  it('caps cut lines in rule order, not pro rata: the first rule is paid in full, the next gets what is left', () => {
    // Rules a and b, 1,000.00 per outcome, two outcomes each (4,000.00 due); overall cap 3,000.00:
    // a 2,000.00, b 1,000.00 (pro rata would be 1,500.00 each).
    const spec = specOf((s) => {
      s.payments = [
        { id: 'a', kind: 'per-outcome', metric: 'employed', price: '100000' },
        { id: 'b', kind: 'per-outcome', metric: 'employed', price: '100000' },
      ];
      s.caps = { overall: '300000' };
    });
    const r = pay(spec, { outcomes: employed(1, 2) });
    expect(amounts(r)).toEqual([
      { rule: 'a', type: 'payment', amount: '200000' },
      { rule: 'b', type: 'payment', amount: '100000' },
    ]);
    expect(r.payments.lines.map((l) => l.cappedBy)).toEqual([[], ['overall']]);
  });

  it('rounding comes before the caps, and a cap’s room is rounded down to the step', () => {
    // Whole roubles (step 100), half-up: an outcome at 1.50 is 2.00. Overall cap 3.50: room 3.50 floored to
    // 3.00: P1 2.00, then room 1.50 floored to 1.00: P2 1.00. Total 3.00, not 3.50.
    const spec = specOf((s) => {
      s.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '150' }];
      s.caps = { overall: '350' };
      s.rounding = { mode: 'half-up', step: '100' };
    });
    const r = pay(spec, { outcomes: employed(1, 2) });
    expect([paidNow(r, P(1)), paidNow(r, P(2))]).toEqual(['200', '100']);
    expect(r.payments.total).toBe('300');
  });
});
