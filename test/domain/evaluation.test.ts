/**
 * evaluate() end to end on the shipped contracts, through a small in-memory
 * ledger (test/support/evaluation-fixtures.ts): real entries, stored evidence
 * records, published comparison figures and recorded evaluations. Every
 * expected figure is worked out by hand in the comments; money is in minor
 * units (100 = 1.00).
 */
import { describe, expect, it } from 'vitest';
import { type ContractSpec, specHash } from '#contracts';
import { type EvaluationResult, encodeResult, formatMoney } from '#evaluation';
import type { StoredRecord } from '#evidence';
import { ConflictError, IntegrityError, NotFoundError } from '#kernel';
import { Evaluation } from '#services';
import {
  addDays,
  comparisonOf,
  type FixtureLedger,
  ledgerFor,
  lineOf,
  loadSpec,
  pseudonym,
  Records,
  specWith,
  triggerOf,
} from '../support/evaluation-fixtures.ts';

const money = (result: EvaluationResult) => formatMoney(result.payments.total, result.payments.minorUnit);

/** Every number in a result is a safe integer: no floating point anywhere. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value)) return value.flatMap(numbersIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(numbersIn);
  return [];
}

describe('Peterborough: reconviction events against a published matched group', () => {
  const spec = loadSpec('peterborough');

  /**
   * A cohort released from prison: `n` participants enrolled on `enrolled` while serving a sentence, released on
   * `released`, and `events` reconviction events spread over them (two each for the first ones, then one each),
   * offences 50 and 150 days into the 365-day window, convicted 200 days in.
   */
  function cohort(ev: Records, name: string, n: number, events: number, enrolled: string, released: string) {
    const records: StoredRecord[] = [];
    const doubles = Math.max(0, events - n);
    for (let i = 0; i < n; i++) {
      const p = pseudonym(`${name}-${i}`);
      records.push(ev.enrol(p, enrolled, { cohort: name, category: 'serving-sentence' }), ev.release(p, released));
      const count = i < doubles ? 2 : i < events - doubles ? 1 : 0;
      for (let k = 0; k < count; k++) {
        records.push(ev.reconviction(p, addDays(released, 200), addDays(released, 50 + 100 * k)));
      }
    }
    return records;
  }

  it('cohort 1 at 142 events per 100 against 155: an 8.39% reduction, no early payment', () => {
    // Prepare: 100 participants released 2011-01-10 (window to 2012-01-09), 42 × 2 + 58 × 1 = 142 events.
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort(ev, 'cohort-1', 100, 142, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55', denominator: 1000 });

    // Act
    const result = ledger.evaluatePeriod('cohort-1-result');

    // Assess: t = 1.42, c = 1.55, (1.55 − 1.42) / 1.55 = 0.13 / 1.55 = 0.0838709… < 0.10.
    expect(result.metrics[0]).toMatchObject({ value: '1.420000', numerator: '142', denominator: 100 });
    expect(comparisonOf(result, 'matched-group', 'cohort-1')).toMatchObject({
      treatment: { value: '1.420000', numerator: '142', denominator: 100 },
      comparison: { value: '1.550000', denominator: 1000, source: 'published by the evaluator, entry 2' },
      effectSize: '0.083871',
    });
    expect(triggerOf(result, 'cohort-early', 'cohort-1')).toEqual({
      id: 'cohort-early',
      group: 'cohort-1',
      met: false,
      because: 'relative-reduction 8.39% < 10% (treatment 1.420000 vs comparison 1.550000)',
    });
    // Cohort 2 has no one yet, and the all-cohorts trigger waits for the final period.
    expect(triggerOf(result, 'cohort-early', 'cohort-2')?.met).toBe(false);
    expect(triggerOf(result, 'all-cohorts')).toMatchObject({ met: false, because: expect.stringContaining('final') });
    expect(result.payments.lines.map((l) => [l.rule, l.amount])).toEqual([
      ['early', '0'],
      ['final', '0'],
    ]);
    expect(result.payments.total).toBe('0');
  });

  it('a cohort at exactly a 10% reduction is paid early: (c − t) × n × price', () => {
    // Prepare: 200 participants, 79 × 2 + 121 × 1 = 279 events: t = 1.395 against c = 1.55.
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort(ev, 'cohort-1', 200, 279, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55' });

    // Act
    const result = ledger.evaluatePeriod('cohort-1-result');

    // Assess: (1.55 − 1.395) / 1.55 = 0.155 / 1.55 = 0.1 exactly: met.
    // (1.55 − 1.395) × 200 = 31 events prevented × 20,000.00 = 620,000.00 GBP.
    expect(comparisonOf(result, 'matched-group', 'cohort-1')?.effectSize).toBe('0.100000');
    expect(triggerOf(result, 'cohort-early', 'cohort-1')?.met).toBe(true);
    expect(lineOf(result, 'early')?.amount).toBe('62000000');
    expect(money(result)).toBe('620,000.00');
    expect(result.outcomes).toEqual([
      {
        subject: 'group:cohort-1',
        rule: 'early',
        window: '2010-09-01..2017-06-30',
        entitled: '62000000',
        paidBefore: '0',
        paidNow: '62000000',
      },
    ]);
  });

  /** Cohort 1 at t = 1.395 (paid early in period 1), cohort 2 at 142 per 100, and the published figures. */
  function twoCohorts(): { ledger: FixtureLedger; early: EvaluationResult } {
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort(ev, 'cohort-1', 200, 279, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55' });
    const early = ledger.evaluatePeriod('cohort-1-result');
    // Cohort 2: enrolled in the final period, released 2015-01-05, windows closed by 2016-01-04.
    ledger.addBatch(cohort(ev, 'cohort-2', 100, 142, '2014-08-01', '2015-01-05'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-2', value: '1.55' });
    ledger.publish({ comparison: 'matched-group', group: 'all', value: '1.55', period: 'final' });
    return { ledger, early };
  }

  it('the final period pays for all cohorts at 7.5% or more, net of the early payment', () => {
    // Prepare
    const { ledger, early } = twoCohorts();
    expect(early.payments.total).toBe('62000000');

    // Act
    const result = ledger.evaluatePeriod('final');

    // Assess: all cohorts: t = (279 + 142) / 300 = 1.40333…, c = 1.55: (1.55 − 1.40333…) / 1.55 = 9.46% >= 7.5%.
    // Units: 1.55 × 300 − 421 = 465 − 421 = 44 events × 20,000.00 = 880,000.00, less 620,000.00 paid early
    // = 260,000.00. Cohort 2 alone is at 8.39%: no early payment for it; cohort 1's early payment stands.
    expect(comparisonOf(result, 'matched-group', 'all')?.effectSize).toBe('0.094624');
    expect(triggerOf(result, 'all-cohorts')?.met).toBe(true);
    expect(triggerOf(result, 'cohort-early', 'cohort-2')?.met).toBe(false);
    expect(lineOf(result, 'early')?.amount).toBe('0');
    expect(lineOf(result, 'final')?.amount).toBe('26000000');
    expect(lineOf(result, 'final')?.formula).toContain('= 44 units × 20,000.00 GBP = 880,000.00 GBP − 620,000.00 GBP');
    expect(result.payments).toMatchObject({ total: '26000000', paidBefore: '62000000', cumulative: '88000000' });
    expect(result.inputs.priorEvaluations.map((p) => p.period)).toEqual(['cohort-1-result']);
  });

  it('an early payment due in the final period is netted out of the final payment of the same evaluation', () => {
    // Prepare: cohort 1 at 142 per 100 (no early payment in period 1); cohort 2 at 90 per 100 against 1.00
    // (exactly 10%) matures only in the final period.
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort(ev, 'cohort-1', 100, 142, '2010-10-01', '2011-01-10'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-1', value: '1.55' });
    expect(ledger.evaluatePeriod('cohort-1-result').payments.total).toBe('0');
    ledger.addBatch(cohort(ev, 'cohort-2', 100, 90, '2014-08-01', '2015-01-05'));
    ledger.publish({ comparison: 'matched-group', group: 'cohort-2', value: '1.00' });
    // All cohorts: t = 232 / 200 = 1.16 against 1.275: 9.02%.
    ledger.publish({ comparison: 'matched-group', group: 'all', value: '1.275' });

    // Act
    const result = ledger.evaluatePeriod('final');

    // Assess: early for cohort 2: (1.00 − 0.90) × 100 = 10 × 20,000.00 = 200,000.00;
    // final: 1.275 × 200 − 232 = 23 × 20,000.00 = 460,000.00 − 200,000.00 = 260,000.00; in all 460,000.00.
    expect(lineOf(result, 'early')?.amount).toBe('20000000');
    expect(lineOf(result, 'final')?.amount).toBe('26000000');
    expect(money(result)).toBe('460,000.00');
  });
});

describe('NYC ABLE: jail bed-days against a published matched historical group', () => {
  const spec = loadSpec('nyc-able');

  /** Participants released 2013-01-01 (window 2013-01-01..2013-12-31), each with one custody spell of the given days. */
  function evaluateBedDays(bedDays: readonly number[]): EvaluationResult {
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(
      bedDays.flatMap((days, i) => {
        const p = pseudonym(`able-${i}`);
        return [
          ev.enrol(p, '2012-10-01', { cohort: 'adolescents', category: 'serving-sentence' }),
          ev.release(p, '2013-01-01'),
          ev.custody(p, '2013-03-01', days),
        ];
      }),
    );
    ledger.publish({ comparison: 'matched-historical', group: 'all', value: '100' });
    return ledger.evaluatePeriod('final');
  }
  const all = (days: number) => Array.from({ length: 10 }, () => days);

  it.each([
    // mean bed-days against 100: reduction -> amount
    ['90 (10%: break-even)', all(90), '0.100000', '9,600,000.00'],
    ['80 (20%: the maximum)', all(80), '0.200000', '11,712,000.00'],
    ['70 (30%: still the maximum)', all(70), '0.300000', '11,712,000.00'],
    ['91.5 (exactly 8.5%: the lowest tier)', [...all(91).slice(5), ...all(92).slice(5)], '0.085000', '4,800,000.00'],
    ['92 (8%: below the lowest tier)', all(92), '0.080000', '0.00'],
  ])('mean %s pays %s', (_case, bedDays, effect, paid) => {
    // Act
    const result = evaluateBedDays(bedDays);

    // Assess
    expect(comparisonOf(result, 'matched-historical')?.effectSize).toBe(effect);
    expect(money(result)).toBe(paid);
    expect(result.payments.caps).toEqual([
      {
        cap: 'overall',
        limit: '1171200000',
        before: '0',
        after: result.payments.total,
        binding: false,
      },
    ]);
  });

  it('counts only custody days inside the window', () => {
    // A spell from 2013-12-22 of 20 days runs to 2014-01-10: 10 days are inside the window (to 2013-12-31).
    const ev = new Records();
    const ledger = ledgerFor(spec);
    const p = pseudonym('able-late');
    ledger.addBatch([
      ev.enrol(p, '2012-10-01', { cohort: 'adolescents', category: 'serving-sentence' }),
      ev.release(p, '2013-01-01'),
      ev.custody(p, '2013-12-22', 20),
    ]);
    expect(ledger.evaluatePeriod('final').metrics[0]).toMatchObject({ value: '10.000000', numerator: '10' });
  });
});

describe('Second Chance (Kamchatka): all-or-nothing subsidies', () => {
  const spec = loadSpec('second-chance-kamchatka');

  /**
   * `n` participants enrolled (released, so the windows start on enrolment) on 2023-08-01: the first `employed`
   * start a job on 2023-09-01 (the first `permanent` of them on a permanent contract), the last `reoffenders` commit
   * an offence on 2023-12-29 and are convicted 2024-02-17. By 2024-07-31 (the end of y1) every window has closed:
   * employed 2023-08-01..2024-01-27, the others 2023-08-01..2024-07-30.
   */
  function cohort(ev: Records, n: number, employed: number, permanent: number, reoffenders: number): StoredRecord[] {
    const records: StoredRecord[] = [];
    for (let i = 0; i < n; i++) {
      const p = pseudonym(`sc-${i}`);
      records.push(ev.enrol(p, '2023-08-01', { cohort: '2023' }));
      if (i < employed) records.push(ev.job(p, '2023-09-01', i < permanent ? 'permanent' : 'fixed-term'));
      if (i >= n - reoffenders) records.push(ev.reconviction(p, '2024-02-17', '2023-12-29'));
    }
    return records;
  }

  function ledgerWith(s: ContractSpec, employed: number): FixtureLedger {
    const ledger = ledgerFor(s);
    // 200 participants; 20 / 200 = 0.10 permanent (threshold 0.9 × 0.08 = 0.072);
    // 44 / 200 = 0.22 reoffending (at most 0.20 / 0.9 = 0.2222…).
    ledger.addBatch(cohort(new Records(), 200, employed, 20, 44));
    return ledger;
  }

  it('pays the whole y1 subsidy with employment exactly at 90% of its target', () => {
    // Act: 63 / 200 = 0.315 = 0.9 × 0.35.
    const result = ledgerWith(spec, 63).evaluatePeriod('y1');

    // Assess
    expect(result.participants).toEqual({ enrolled: 200, withdrawn: 0 });
    expect(result.indicators.map((i) => [i.metric, i.value, i.threshold, i.met])).toEqual([
      ['employed', '0.315000', '0.315', true],
      ['permanent-employment', '0.100000', '0.072', true],
      ['reoffending', '0.220000', '0.222222', true],
    ]);
    // The rules of other periods have no line in y1.
    expect(result.payments.lines.map((l) => [l.rule, l.amount])).toEqual([['subsidy-y1', '3000000000']]);
    expect(money(result)).toBe('30,000,000.00');
    expect(result.payments.allocation).toEqual([{ investor: 'veb-dv', share: '1', amount: '3000000000' }]);
    // Metrics carry their target and whether the (tolerant) indicator is met.
    expect(result.metrics.find((m) => m.id === 'employed')).toMatchObject({
      target: { value: '0.35', direction: 'at-least' },
      met: true,
    });
  });

  it('pays nothing with employment just below 90% of its target', () => {
    // 62 / 200 = 0.31 < 0.315.
    const result = ledgerWith(spec, 62).evaluatePeriod('y1');
    expect(result.indicators.find((i) => i.metric === 'employed')?.met).toBe(false);
    expect(lineOf(result, 'subsidy-y1')).toMatchObject({
      amount: '0',
      formula: 'not every indicator reached 90% of target (failed: employed): nothing is paid',
    });
    expect(result.payments.total).toBe('0');
  });

  it('caps what is paid by the return cap to each payment date', () => {
    // Prepare: principal 20,000,000.00 at 6% from 2023-08-01.
    const capped = specWith('second-chance-kamchatka', (raw) => {
      (raw.returnCap as { principal: string }).principal = '2000000000';
    });
    const ledger = ledgerWith(capped, 63);

    // Act
    const y1 = ledger.evaluatePeriod('y1');
    const y2 = ledger.evaluatePeriod('y2');

    // Assess: to 2024-09-30 (426 days): 2e9 × 0.06 × 426 / 365 = 140,054,794.52… -> 21,400,547.94 of 30,000,000.00.
    expect(money(y1)).toBe('21,400,547.94');
    expect(y1.payments.caps.find((c) => c.cap.startsWith('return cap'))).toEqual({
      cap: 'return cap (6% a year on 20,000,000.00 to 2024-09-30)',
      limit: '2140054794',
      before: '0',
      after: '2140054794',
      binding: true,
    });
    // To 2025-09-30 (791 days): limit 2,260,054,794; room 2,260,054,794 − 2,140,054,794 = 120,000,000
    // (a year's interest, 6% of 20,000,000.00) of the 35,000,000.00 due.
    expect(money(y2)).toBe('1,200,000.00');
    expect(y2.payments).toMatchObject({ paidBefore: '2140054794', cumulative: '2260054794' });
    expect(lineOf(y2, 'subsidy-y2')?.formula).toContain('capped by return cap');
  });
});

describe('reproducibility and the order of evaluations', () => {
  const spec = loadSpec('second-chance-kamchatka');
  const prepared = (ev = new Records()) => {
    const ledger = ledgerFor(spec);
    const records: StoredRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const p = pseudonym(`rep-${i}`);
      records.push(ev.enrol(p, '2023-08-01', { cohort: '2023' }));
      if (i % 2 === 0) records.push(ev.job(p, addDays('2023-08-01', 10 + i), i % 4 === 0 ? 'permanent' : 'temporary'));
      if (i % 7 === 3) records.push(ev.reconviction(p, '2024-03-01', '2024-01-15'));
    }
    ledger.addBatch(records);
    return ledger;
  };

  it('evaluates the same checkpoint to the same bytes, whenever and however it is computed', () => {
    // Prepare
    const ev = new Records();
    const ledger = prepared(ev);
    const size = ledger.size;

    // Act
    const first = encodeResult(ledger.evaluate('y1'));
    const again = encodeResult(ledger.evaluate('y1'));
    const evaluation = new Evaluation(ledger.request('y1'));
    for (const r of ledger.records()) evaluation.addRecord(r);
    const streamed = encodeResult(evaluation.finish(new Map()));
    // The log grows (an evaluation, more evidence): the old checkpoint still gives the same bytes.
    ledger.evaluatePeriod('y1');
    ledger.addBatch([ev.enrol(pseudonym('late'), '2024-01-01', { cohort: '2024' })]);
    const later = encodeResult(ledger.evaluate('y1', size));

    // Assess
    for (const other of [again, streamed, later]) {
      expect(other.sha256).toBe(first.sha256);
      expect(Buffer.from(other.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    }
    const result = ledger.evaluate('y1', size);
    expect(result.checkpoint).toEqual(ledger.checkpoint(size));
    expect(numbersIn(result).every(Number.isSafeInteger)).toBe(true);
    // A checkpoint one entry longer is another checkpoint, with other bytes.
    expect(encodeResult(ledger.evaluate('y1', size + 1)).sha256).not.toBe(first.sha256);
  });

  it('refuses a period before the earlier periods have an evaluation', () => {
    const ledger = prepared();
    expect(() => ledger.evaluate('y2')).toThrow(ConflictError);
    expect(() => ledger.evaluate('y2')).toThrow(/period y2 cannot be evaluated before period y1/);
    ledger.evaluatePeriod('y1');
    expect(() => ledger.evaluate('final')).toThrow(/before period y2/);
    expect(() => ledger.evaluate('y2')).not.toThrow();
  });

  it('refuses a prior result that does not match the hash its entry cites, or is missing', () => {
    // Prepare
    const ledger = prepared();
    ledger.evaluatePeriod('y1');
    const [[sha, result]] = [...ledger.results] as [[string, EvaluationResult]];
    const tampered = new Map([[sha, { ...result, payments: { ...result.payments, total: '1' } }]]);

    // Act, Assess
    expect(() => ledger.evaluate('y2', ledger.size, tampered)).toThrow(IntegrityError);
    expect(() => ledger.evaluate('y2', ledger.size, tampered)).toThrow(/does not match its hash/);
    expect(() => ledger.evaluate('y2', ledger.size, new Map())).toThrow(NotFoundError);
    expect(ledger.evaluate('y2').inputs.priorEvaluations).toEqual([
      { seq: 2, period: 'y1', sha256: sha, key: `evaluations/second-chance-kamchatka/y1/${sha}.json` },
    ]);
  });

  it('uses the contract version in force on the last day of the period, and cites its hash', () => {
    // Prepare: version 2 from 2024-08-01 (the first day of y2) raises the y2 subsidy to 40,000,000.00.
    const v2 = specWith('second-chance-kamchatka', (raw) => {
      raw.version = 2;
      raw.effectiveFrom = '2024-08-01';
      const subsidyY2 = (raw.payments as { id: string; amount: string }[]).find((p) => p.id === 'subsidy-y2');
      if (subsidyY2 !== undefined) subsidyY2.amount = '4000000000';
    });
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort200(ev));
    const amendment = ledger.register(v2);

    // Act
    const y1 = ledger.evaluatePeriod('y1');
    const y2 = ledger.evaluatePeriod('y2');

    // Assess
    expect(y1.contract).toEqual({ id: spec.id, version: 1, hash: specHash(spec), seq: 0 });
    expect(y2.contract).toEqual({ id: spec.id, version: 2, hash: specHash(v2), seq: amendment.seq });
    expect(specHash(v2)).not.toBe(specHash(spec));
    expect(lineOf(y1, 'subsidy-y1')?.amount).toBe('3000000000');
    expect(lineOf(y2, 'subsidy-y2')?.amount).toBe('4000000000');
    expect(y2.payments.cumulative).toBe('7000000000');
  });

  it('keeps the earlier version for a period that ends before the amendment applies', () => {
    const v2 = specWith('second-chance-kamchatka', (raw) => {
      raw.version = 2;
      raw.effectiveFrom = '2025-08-01';
    });
    const ledger = ledgerFor(spec);
    ledger.addBatch(cohort200(new Records()));
    ledger.register(v2);
    ledger.evaluatePeriod('y1');
    expect(ledger.evaluatePeriod('y2').contract.version).toBe(1);
    expect(ledger.evaluatePeriod('final').contract).toMatchObject({ version: 2, hash: specHash(v2) });
  });

  /** 200 participants meeting every y1 indicator (63 employed, 20 permanent, 44 reoffending). */
  function cohort200(ev: Records): StoredRecord[] {
    const records: StoredRecord[] = [];
    for (let i = 0; i < 200; i++) {
      const p = pseudonym(`amend-${i}`);
      records.push(ev.enrol(p, '2023-08-01', { cohort: '2023' }));
      if (i < 63) records.push(ev.job(p, '2023-09-01', i < 20 ? 'permanent' : 'fixed-term'));
      if (i >= 156) records.push(ev.reconviction(p, '2024-02-17', '2023-12-29'));
    }
    return records;
  }
});

describe('no outcome is paid twice (a per-outcome contract)', () => {
  // Second Chance with one rule: 50,000.00 RUB for each participant employed within 180 days; no caps.
  const spec = specWith('second-chance-kamchatka', (raw) => {
    raw.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '5000000' }];
    raw.caps = {};
    delete raw.returnCap;
  });
  const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((x) => pseudonym(`once-${x}`)) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const keyOf = (r: EvaluationResult, p: string) => r.outcomes.find((o) => o.subject === p);

  it('pays new outcomes only, takes back a corrected one, and pays it again once the correction is withdrawn', () => {
    // Prepare, y1: a, b and c employed; d enrolled but not employed.
    const ev = new Records();
    const ledger = ledgerFor(spec);
    const aJob = ev.job(a, '2023-09-01');
    ledger.addBatch([
      ...[a, b, c, d].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      aJob,
      ev.job(b, '2023-09-01'),
      ev.job(c, '2023-10-01'),
    ]);

    // Act, y1: 3 × 50,000.00 = 150,000.00.
    const y1 = ledger.evaluatePeriod('y1');

    // Assess
    expect(y1.payments.lines).toEqual([
      {
        rule: 'job',
        kind: 'per-outcome',
        type: 'payment',
        outcomes: 3,
        amount: '15000000',
        due: '15000000',
        cappedBy: [],
        figures: {
          basis: 'outcomes',
          metric: 'employed',
          per: 'outcome',
          price: '5000000',
          new: 3,
          newAmount: '15000000',
          carried: 0,
          carriedAmount: '0',
        },
        formula: '3 new employed outcome(s) × 50,000.00 RUB = 150,000.00 RUB',
      },
    ]);
    expect(keyOf(y1, a)).toEqual({
      subject: a,
      rule: 'job',
      window: '2023-08-01..2024-01-27',
      entitled: '5000000',
      paidBefore: '0',
      paidNow: '5000000',
    });
    expect(keyOf(y1, d)).toBeUndefined();

    // Prepare, y2: e and f enrolled and employed; a's job was entered in error (a correction).
    const correction = ev.correction(aJob, '2024-10-15');
    ledger.addBatch([
      ev.enrol(e, '2024-09-01', { cohort: '2024' }),
      ev.enrol(f, '2024-09-01', { cohort: '2024' }),
      ev.job(e, '2024-10-01'),
      ev.job(f, '2024-10-01'),
      correction,
    ]);

    // Act, y2: −50,000.00 for a, +100,000.00 for e and f = 50,000.00.
    const y2 = ledger.evaluatePeriod('y2');

    // Assess
    expect(y2.payments.lines.map((l) => [l.type, l.outcomes, l.amount])).toEqual([
      ['adjustment', 1, '-5000000'],
      ['payment', 2, '10000000'],
    ]);
    expect(keyOf(y2, a)).toMatchObject({ entitled: '0', paidBefore: '5000000', paidNow: '-5000000' });
    expect(keyOf(y2, b)).toMatchObject({ entitled: '5000000', paidBefore: '5000000', paidNow: '0' });
    expect(y2.payments).toMatchObject({ total: '5000000', paidBefore: '15000000', cumulative: '20000000' });
    expect(y2.payments.allocation).toEqual([{ investor: 'veb-dv', share: '1', amount: '5000000' }]);

    // Final: the correction itself is withdrawn (corrected): a's job counts again and is paid once more, net once.
    ledger.addBatch([ev.correction(correction, '2025-09-01')]);
    const last = ledger.evaluatePeriod('final');
    expect(last.payments.lines.map((l) => [l.type, l.outcomes, l.amount])).toEqual([['payment', 1, '5000000']]);
    expect(keyOf(last, a)).toMatchObject({ entitled: '5000000', paidBefore: '0', paidNow: '5000000' });

    // Over the three periods every employed participant's key is paid exactly 50,000.00 net.
    const net = new Map<string, bigint>();
    for (const r of [y1, y2, last]) {
      for (const o of r.outcomes) net.set(o.subject, (net.get(o.subject) ?? 0n) + BigInt(o.paidNow));
    }
    expect([...net.entries()].sort()).toEqual([a, b, c, e, f].map((p) => [p, 5000000n]).sort());
    expect(last.payments.cumulative).toBe('25000000');
  });

  // Re-evaluating y1 after y2 was evaluated leaves y2's priors out of date: an outcome paid in the first y1
  // evaluation, dropped by the second and restored later, is paid again in the final period.
  it('refuses to re-evaluate a period once a later period has an evaluation', () => {
    // Prepare: y1 and y2 evaluated.
    const ev = new Records();
    const ledger = ledgerFor(spec);
    ledger.addBatch([ev.enrol(a, '2023-08-01', { cohort: '2023' }), ev.job(a, '2023-09-01')]);
    ledger.evaluatePeriod('y1');
    ledger.evaluatePeriod('y2');

    // Act, Assess: y1 again is a conflict naming the later evaluation; y2 again and final are fine.
    expect(() => ledger.evaluatePeriod('y1')).toThrow(ConflictError);
    expect(() => ledger.evaluatePeriod('y1')).toThrow(/later period y2 was evaluated/);
    expect(ledger.evaluatePeriod('final').payments.paidBefore).toBe('5000000');
  });
});
