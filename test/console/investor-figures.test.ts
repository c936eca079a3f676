/**
 * The investor pages' figures (console/src/pages/investor/figures.ts): each
 * payment split among the investors exactly (the domain's largest
 * remainder, by the shares of the version the evaluation cites), what is
 * owed and paid per investor, a rejected payment shown with its reason and a
 * recalculated one hidden, which report is current, the state a report
 * proves, and the spec's names in the page's language.
 */
import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '#contracts';
import type { PaymentStatus, PaymentStepRecord } from '#payments';
import {
  currentReports,
  investorLines,
  investorTotals,
  partyName,
  periodLabel,
  type ReportRef,
  stateAt,
} from '../../console/src/pages/investor/figures.ts';
import { loadSpec } from '../support/evaluation-fixtures.ts';

const base = loadSpec('second-chance-kamchatka');
/** Version 2: three investors by thirds (version 1 has one). */
const thirds: ContractSpec = {
  ...base,
  version: 2,
  parties: {
    ...base.parties,
    investors: [
      { id: 'veb-dv', name: 'ВЭБ.ДВ (VEB.DV)', share: '1/3' },
      { id: 'veb-rf', name: 'ВЭБ.РФ (VEB.RF)', share: '1/3' },
      { id: 'fund', name: 'Фонд', share: '1/3' },
    ],
  },
};
const versions = [
  { version: 1, spec: base },
  { version: 2, spec: thirds },
];

const actor = { sub: 's', role: 'ministry' } as const;
const step = (
  s: PaymentStepRecord['step'],
  seq: number,
  extra: Partial<PaymentStepRecord> = {},
): PaymentStepRecord => ({
  step: s,
  seq,
  actor,
  at: `2025-0${seq % 9}-01T00:00:00.000Z`,
  ...extra,
});

function payment(p: Partial<PaymentStatus> & Pick<PaymentStatus, 'payment' | 'period' | 'total'>): PaymentStatus {
  return {
    result: 'r',
    summary: 's',
    currency: 'RUB',
    minorUnit: 2,
    contract: { version: 2, hash: 'h' },
    checkpoint: 1,
    state: 'calculated',
    steps: [],
    calculatedBy: actor,
    calculatedAt: '2025-01-01T00:00:00.000Z',
    latest: true,
    ...p,
  };
}

describe("the investors' lines of the payments", () => {
  const payments = [
    payment({
      payment: 2,
      period: 'y1',
      total: '100',
      contract: { version: 1, hash: 'h' },
      state: 'paid',
      steps: [
        step('attested', 3),
        step('approved', 4),
        step('paid', 5, { paymentOrder: 'PP-1', paidOn: '2024-09-30' }),
      ],
    }),
    payment({
      payment: 6,
      period: 'y2',
      total: '1000',
      state: 'rejected',
      latest: false,
      steps: [step('attested', 7), step('rejected', 8, { reason: 'records missing' })],
    }),
    payment({
      payment: 9,
      period: 'y2',
      total: '1000',
      state: 'approved',
      steps: [step('attested', 10), step('approved', 11)],
    }),
    payment({ payment: 12, period: 'y3', total: '50', state: 'calculated', latest: false }),
    payment({ payment: 13, period: 'y3', total: '50', state: 'attested', steps: [step('attested', 14)] }),
  ];
  const lines = investorLines(payments, versions);

  it('splits each payment by the shares of the version it cites, exactly', () => {
    expect(lines.map((l) => [l.payment, l.investor, l.amount, l.standing])).toEqual([
      [2, 'veb-dv', '100', 'paid'],
      [6, 'veb-dv', '334', 'rejected'],
      [6, 'veb-rf', '333', 'rejected'],
      [6, 'fund', '333', 'rejected'],
      [9, 'veb-dv', '334', 'owed'],
      [9, 'veb-rf', '333', 'owed'],
      [9, 'fund', '333', 'owed'],
      [13, 'veb-dv', '17', 'pending'],
      [13, 'veb-rf', '17', 'pending'],
      [13, 'fund', '16', 'pending'],
    ]);
    expect(lines[0]).toMatchObject({ paymentOrder: 'PP-1', paidOn: '2024-09-30', decision: { step: 'approved' } });
    expect(lines[1]).toMatchObject({ reason: 'records missing', decision: { step: 'rejected' } });
    expect(lines[0]?.names).toEqual({ ru: 'ВЭБ.ДВ (VEB.DV)', en: 'VEB.DV' });
  });

  it('totals what each investor is owed and was paid', () => {
    expect(investorTotals(lines).map((t) => [t.investor, t.owed, t.paid])).toEqual([
      ['veb-dv', 334n, 100n],
      ['veb-rf', 333n, 0n],
      ['fund', 333n, 0n],
    ]);
  });
});

describe('the reports', () => {
  const report = (sha: string, payment: number, size: number, period = 'y1'): ReportRef => ({
    period,
    payment,
    size,
    sha256: sha,
  });

  it('names current the largest checkpoint of the current calculation; the rest are superseded', () => {
    const payments = [
      payment({ payment: 2, period: 'y1', total: '1', latest: false }),
      payment({ payment: 5, period: 'y1', total: '1' }),
      payment({ payment: 9, period: 'y2', total: '1' }),
    ];
    const reports = [report('a', 2, 4), report('b', 5, 7), report('c', 5, 8), report('d', 9, 10, 'y2')];
    expect([...currentReports(reports, payments)].sort()).toEqual(['c', 'd']);
  });

  it("gives the state a report proves: the payment's last step before its checkpoint", () => {
    const p = payment({
      payment: 2,
      period: 'y1',
      total: '1',
      state: 'paid',
      steps: [step('attested', 3), step('approved', 4), step('paid', 5)],
    });
    expect([3, 4, 5, 6].map((size) => stateAt(p, size))).toEqual(['calculated', 'attested', 'approved', 'paid']);
  });
});

describe("the spec's names", () => {
  it('in English from its translations, in Russian as written; a period by id where none is given', () => {
    expect(partyName(base, 'veb-dv', 'ВЭБ.ДВ (VEB.DV)', 'en')).toBe('VEB.DV');
    expect(partyName(base, 'veb-dv', 'ВЭБ.ДВ (VEB.DV)', 'ru')).toBe('ВЭБ.ДВ (VEB.DV)');
    expect(periodLabel(base, 'y1', 'en')).toBe('Year 1');
    expect(periodLabel(base, 'y1', 'ru')).toBe('y1');
  });
});
