/**
 * The payment-order data of a payment (domain/payments/payment-order.ts) on
 * the shipped specs with an agreement added: the fields of form 0401060 in
 * ru and en, one line per investor summing to the total, the Kazakh
 * contract's in tenge, and the refusals of a payment not approved or paying
 * nothing. Money in minor units (100 = 1.00).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import { ConflictError, ValidationError } from '#kernel';
import type { PaymentState } from '#ledger';
import { type PaymentStatus, paymentOrder } from '#payments';
import { loadSpec, specWith } from '../support/evaluation-fixtures.ts';

const AGREEMENT = {
  agreementNumber: 'СИБ-КК-2023/01',
  agreementDate: '2023-07-28',
  budgetCode: '81910030140160010630',
};

const withAgreement = (id: string, extra: (raw: Record<string, unknown>) => void = () => {}) =>
  specWith(id, (raw) => {
    raw.legalBasis = { ...AGREEMENT };
    extra(raw);
  });

/** The shipped spec with its English texts (specWith drops them) and an agreement. */
function shippedWithAgreement(id: string) {
  const raw = JSON.parse(readFileSync(new URL(`../../contracts/${id}.json`, import.meta.url), 'utf8'));
  raw.legalBasis = { ...AGREEMENT };
  return parseContractSpec(raw);
}

function status(over: Partial<PaymentStatus> & { state?: PaymentState } = {}): PaymentStatus {
  return {
    payment: 7,
    period: 'y2',
    result: 'a'.repeat(64),
    summary: 'b'.repeat(64),
    total: '3500000000',
    currency: 'RUB',
    minorUnit: 2,
    contract: { version: 1, hash: 'c'.repeat(64) },
    checkpoint: 6,
    state: 'approved',
    steps: [
      { step: 'attested', seq: 7, actor: { sub: 'evaluator-1', role: 'evaluator' }, at: '2025-10-01T09:00:00.000Z' },
      { step: 'approved', seq: 8, actor: { sub: 'ministry-1', role: 'ministry' }, at: '2025-10-02T09:00:00.000Z' },
    ],
    calculatedBy: { sub: 'evaluator-2', role: 'evaluator' },
    calculatedAt: '2025-09-30T09:00:00.000Z',
    latest: true,
    ...over,
  } as PaymentStatus;
}

describe('payment-order data', () => {
  it('ru: the fields of form 0401060 from the contract and the period', () => {
    const order = paymentOrder(withAgreement('second-chance-kamchatka'), status(), 'ru');

    expect(order).toMatchObject({
      format: 'sib-ledger/payment-order/v1',
      form: '0401060',
      agreement: { number: 'СИБ-КК-2023/01', date: '2023-07-28' },
      period: { id: 'y2', from: '2024-08-01', to: '2025-07-31' },
      state: 'approved',
      approvedOn: '2025-10-02',
      total: '3500000000',
      totalText: '35,000,000.00 RUB',
      totalInWords: 'Тридцать пять миллионов рублей 00 копеек',
    });
    expect(order.lines).toEqual([
      {
        payer: {
          id: 'kamchatka-mintrud',
          name: 'Министерство труда и развития кадрового потенциала Камчатского края',
        },
        payee: { id: 'veb-dv', name: 'ВЭБ.ДВ (VEB.DV)', share: '1' },
        amount: '3500000000',
        amountFigures: '35000000-00',
        amountText: '35,000,000.00 RUB',
        amountInWords: 'Тридцать пять миллионов рублей 00 копеек',
        purpose:
          'Субсидия на оплату достигнутых результатов проекта «Второй шанс: трудоустройство лиц, освободившихся из мест лишения свободы (Камчатский край)» за период с 01.08.2024 по 31.07.2025 по соглашению № СИБ-КК-2023/01 от 28.07.2023. Без НДС',
        budgetCode: '81910030140160010630',
      },
    ]);
  });

  it('en: the names and title from the translation, the amount in English words', () => {
    const [line] = paymentOrder(shippedWithAgreement('second-chance-kamchatka'), status(), 'en').lines;

    expect(line?.payer.name).toBe('Ministry of Labour and Human Resources Development of Kamchatka Krai');
    expect(line?.payee.name).toBe('VEB.DV');
    expect(line?.amountInWords).toBe('Thirty-five million roubles and 00 kopecks');
    expect(line?.purpose).toBe(
      'Subsidy paying for the results achieved by the project "Second Chance: employment of people released from prison (Kamchatka Krai)" for the period 1 August 2024 to 31 July 2025 (Year 2) under agreement No. СИБ-КК-2023/01 of 28 July 2023. VAT exempt',
    );
  });

  it('one line per investor, split by share, the parts summing to the total', () => {
    const spec = withAgreement('second-chance-kamchatka', (raw) => {
      (raw.parties as { investors: unknown[] }).investors = [
        { id: 'fund-a', name: 'Фонд А', share: '1/3' },
        { id: 'fund-b', name: 'Фонд Б', share: '2/3' },
      ];
    });

    const order = paymentOrder(spec, status({ total: '100000001' }), 'ru');

    // 1,000,000.01 split 1/3 : 2/3 is 333,333.33⅔ and 666,666.67⅓: the kopeck left over goes to the larger remainder.
    expect(order.lines.map((l) => [l.payee.id, l.payee.share, l.amount, l.amountFigures])).toEqual([
      ['fund-a', '1/3', '33333334', '333333-34'],
      ['fund-b', '2/3', '66666667', '666666-67'],
    ]);
    expect(order.lines.reduce((a, l) => a + BigInt(l.amount), 0n)).toBe(100000001n);
    expect(order.lines[0]?.amountInWords).toBe('Триста тридцать три тысячи триста тридцать три рубля 34 копейки');
  });

  it('Kazakhstan (KZT): the Kazakh form, the amount in tenge and tiyn', () => {
    const spec = withAgreement('qarmet-karaganda-2026', (raw) => {
      (raw.legalBasis as { budgetCode: string }).budgetCode = '253105';
    });
    const kz = status({ period: '2026-03', total: '150000050', currency: 'KZT' });

    const ru = paymentOrder(spec, kz, 'ru');
    const en = paymentOrder(spec, kz, 'en');

    expect(ru.form).toBe('kz');
    expect(ru.lines[0]).toMatchObject({
      payer: { id: 'karaganda-akimat', name: 'Акимат Карагандинской области' },
      payee: { id: 'qarmet' },
      amountFigures: '1500000.50',
      amountText: '1,500,000.50 KZT',
      amountInWords: 'Один миллион пятьсот тысяч тенге 50 тиынов',
      budgetCode: '253105',
    });
    expect(ru.lines[0]?.purpose).toContain('за период с 01.03.2026 по 31.03.2026 по соглашению № СИБ-КК-2023/01');
    expect(en.lines[0]?.amountInWords).toMatch(/^One million five hundred thousand tenge and 50 tiyn/);
  });

  it('paid: the payment order number and day as recorded', () => {
    const paid = status({
      state: 'paid',
      steps: [
        ...status().steps,
        {
          step: 'paid',
          seq: 9,
          actor: { sub: 'ministry-1', role: 'ministry' },
          at: '2025-10-05T09:00:00.000Z',
          paymentOrder: '1234',
          paidOn: '2025-10-04',
        },
      ],
    });

    expect(paymentOrder(withAgreement('second-chance-kamchatka'), paid, 'ru').paid).toEqual({
      paymentOrder: '1234',
      paidOn: '2025-10-04',
    });
  });

  it('without an agreement in the spec: the purpose names the contract and version, no budget code', () => {
    const bare = specWith('second-chance-kamchatka', (raw) => {
      delete raw.legalBasis;
      delete raw.people;
    });
    const [line] = paymentOrder(bare, status(), 'ru').lines;

    expect(line?.purpose).toMatch(/по контракту second-chance-kamchatka \(версия 1\)\. Без НДС$/);
    expect(line).not.toHaveProperty('budgetCode');
  });

  it.each(['calculated', 'attested', 'rejected'] as const)(
    'refuses a payment %s, not approved (409, in words)',
    (state) => {
      const spec = withAgreement('second-chance-kamchatka');

      const draw = () => paymentOrder(spec, status({ state, steps: [] }), 'ru');

      expect(draw).toThrow(ConflictError);
      expect(draw).toThrow(
        `payment second-chance-kamchatka/7 (period y2) is ${state}, not approved: a payment order is drawn only for a payment the ministry has approved`,
      );
    },
  );

  it('refuses a payment that pays nothing, or takes money back', () => {
    const spec = withAgreement('second-chance-kamchatka');

    expect(() => paymentOrder(spec, status({ total: '0' }), 'ru')).toThrow(/pays nothing \(its total is 0\.00 RUB\)/);
    expect(() => paymentOrder(spec, status({ total: '-500' }), 'ru')).toThrow(ConflictError);
  });

  it('the spec refuses a budget code that is not 20 digits (or 6 in Kazakhstan), naming the field', () => {
    const raw = JSON.parse(JSON.stringify(loadSpec('second-chance-kamchatka')));
    raw.legalBasis = { ...AGREEMENT, budgetCode: '8191003014016001063' };

    expect(() => parseContractSpec(raw)).toThrow(ValidationError);
    try {
      parseContractSpec(raw);
    } catch (error) {
      expect((error as ValidationError).problems).toContainEqual(
        expect.objectContaining({ field: 'legalBasis.budgetCode', message: expect.stringMatching(/20 digits/) }),
      );
    }
  });
});
