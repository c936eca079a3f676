/**
 * Optional contract terms that decide which evidence an evaluation reads
 * (a data cut-off per period) and how it counts it (withdrawals by reason),
 * worked through a log of evidence batches;
 * every expected figure is worked out by hand in the comments.
 */
import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '#contracts';
import { FixtureLedger, ledgerFor, pseudonym, Records, specWith } from '../support/evaluation-fixtures.ts';

/** Second Chance's metrics paying 50,000.00 per employed participant, no caps. */
function perJob(change: (raw: Record<string, unknown>) => void = () => {}): ContractSpec {
  return specWith('second-chance-kamchatka', (raw) => {
    raw.payments = [{ id: 'job', kind: 'per-outcome', metric: 'employed', price: '5000000' }];
    raw.caps = {};
    delete raw.returnCap;
    change(raw);
  });
}

describe('a data cut-off per period', () => {
  /** y1 (to 2024-07-31) cut off on 2024-08-15: a and b logged on 2024-08-10, c on 2024-08-20, all employed in y1. */
  function run(spec: ContractSpec) {
    const ledger = new FixtureLedger(spec.id);
    ledger.advanceTo('2024-08-01T00:00:00.000Z');
    ledger.register(spec);
    const ev = new Records();
    const [a, b, c] = ['a', 'b', 'c'].map((x) => pseudonym(`cutoff-${x}`)) as [string, string, string];
    ledger.advanceTo('2024-08-10T12:00:00.000Z');
    ledger.addBatch([
      ...[a, b].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      ...[a, b].map((p) => ev.job(p, '2023-09-01')),
    ]);
    ledger.advanceTo('2024-08-20T12:00:00.000Z');
    ledger.addBatch([ev.enrol(c, '2023-08-01', { cohort: '2023' }), ev.job(c, '2023-09-01')]);
    const y1 = ledger.evaluatePeriod('y1');
    const y2 = ledger.evaluatePeriod('y2');
    return { y1, y2, c };
  }

  it('absent: y1 reads every batch up to its checkpoint and pays the three outcomes', () => {
    const { y1, y2 } = run(perJob());
    // 3 × 50,000.00 = 150,000.00 in y1; nothing left for y2.
    expect(y1.inputs.batches).toBe(2);
    expect(y1.payments.total).toBe('15000000');
    expect(y2.payments.total).toBe('0');
  });

  it('y1 reads only the batch logged by its cut-off; the later batch is settled in y2', () => {
    const spec = perJob((raw) => {
      (raw.periods as { dataCutoff?: string }[])[0] = {
        ...(raw.periods as object[])[0],
        dataCutoff: '2024-08-15',
      };
    });
    const { y1, y2, c } = run(spec);
    // y1: batch 1 only -> a and b: 2 × 50,000.00 = 100,000.00. y2: both batches, a and b paid -> c: 50,000.00.
    expect(y1.inputs).toMatchObject({ batches: 1, records: 4 });
    expect(y1.payments.total).toBe('10000000');
    expect(y2.inputs).toMatchObject({ batches: 2, records: 6 });
    expect(y2.payments.total).toBe('5000000');
    expect(y2.outcomes.filter((o) => o.paidNow !== '0').map((o) => o.subject)).toEqual([c]);
  });

  it('refuses a cut-off before the end of its period', () => {
    expect(() =>
      perJob((raw) => {
        (raw.periods as object[])[0] = { ...(raw.periods as object[])[0], dataCutoff: '2024-07-30' };
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [{ field: 'periods.0.dataCutoff', message: 'must not be before the end of the period' }],
      }),
    );
  });
});

describe('withdrawals handled by reason', () => {
  /**
   * y1: a employed; b withdrew (refused) and c withdrew (died) before finding work; d moved away, also
   * before finding work. The employed rate counts each participant in its denominator unless excluded.
   */
  function employedRate(change: (raw: Record<string, unknown>) => void) {
    const ledger = ledgerFor(perJob(change));
    const ev = new Records();
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => pseudonym(`withdrawn-${x}`)) as [
      string,
      string,
      string,
      string,
    ];
    ledger.addBatch([
      ...[a, b, c, d].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      ev.job(a, '2023-09-01'),
      ev.withdrawal(b, '2023-09-15', 'refused'),
      ev.withdrawal(c, '2023-09-15', 'died'),
      ev.withdrawal(d, '2023-09-15', 'moved-away'),
    ]);
    const y1 = ledger.evaluatePeriod('y1');
    const m = y1.metrics.find((x) => x.id === 'employed');
    return { value: m?.value, numerator: m?.numerator, denominator: m?.denominator, excluded: m?.excluded };
  }

  it('absent: the contract-wide rule for every reason (not-achieved: 1 of 4 employed)', () => {
    expect(employedRate(() => {})).toMatchObject({ value: '0.250000', denominator: 4 });
  });

  it('death excluded, the rest by the contract-wide rule (not-achieved): 1 of 3', () => {
    const rate = employedRate((raw) => {
      raw.withdrawalsByReason = { died: 'exclude' };
    });
    expect(rate).toMatchObject({ value: '0.333333', denominator: 3, excluded: 1 });
  });

  it('contract-wide exclude, refusal counted as not achieved: 1 of 2 (death and moving away excluded)', () => {
    const rate = employedRate((raw) => {
      raw.withdrawals = 'exclude';
      raw.withdrawalsByReason = { refused: 'not-achieved' };
    });
    expect(rate).toMatchObject({ value: '0.500000', denominator: 2, excluded: 2 });
  });

  it('refuses a reason the evidence vocabulary does not have', () => {
    expect(() => perJob((raw) => (raw.withdrawalsByReason = { death: 'exclude' }))).toThrow(
      expect.objectContaining({ problems: [{ field: 'withdrawalsByReason', message: 'Unrecognized key: "death"' }] }),
    );
  });
});

describe('a spell still open at a withdrawal (docs/contracts.md, "The order of the rules")', () => {
  /** 1.00 per day employed in the 365 days from enrolment (2023-08-01..2024-07-30); y1 ends 2024-07-31. */
  function daysPaid(withdrawals: 'exclude' | 'not-achieved') {
    const spec = perJob((raw) => {
      raw.withdrawals = withdrawals;
      (raw.metrics as object[]).push({
        id: 'days',
        title: 'Days employed',
        kind: 'days-employed',
        window: { anchor: 'enrolment', days: 365 },
      });
      raw.payments = [{ id: 'day', kind: 'per-outcome', metric: 'days', price: '100' }];
    });
    const ledger = ledgerFor(spec);
    const ev = new Records();
    const [a, b] = ['a', 'b'].map((x) => pseudonym(`open-spell-${x}`)) as [string, string];
    ledger.addBatch([
      ...[a, b].map((p) => ev.enrol(p, '2023-08-01', { cohort: '2023' })),
      ...[a, b].map((p) => ev.job(p, '2023-09-01')),
      ev.withdrawal(a, '2023-09-10', 'refused'),
    ]);
    const y1 = ledger.evaluatePeriod('y1');
    return [a, b].map((p) => y1.outcomes.find((o) => o.subject === p)?.entitled);
  }

  it('stops counting at the withdrawal day (counted, not-achieved), or leaves the participant out (exclude)', () => {
    // a: the spell opened 2023-09-01 is still open at the withdrawal on 2023-09-10: 1..10 September = 10 days
    // = 10.00; nothing after the withdrawal counts. b: 2023-09-01..2024-07-30 = 30 + 31 + 30 + 31 (Sep–Dec)
    // + 31 + 29 + 31 + 30 + 31 + 30 + 30 (Jan–Jul, 2024 a leap year) = 334 days = 334.00.
    expect(daysPaid('not-achieved')).toEqual(['1000', '33400']);
    // Excluded: a is paid nothing (no outcome line).
    expect(daysPaid('exclude')).toEqual([undefined, '33400']);
  });
});
