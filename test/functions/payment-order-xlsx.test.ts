/**
 * The payment-order workbook (functions/adapters/xlsx/payment-order.ts) read
 * back with exceljs: the facts in the data's language, one row per order
 * with the form's field numbers (0401060 only), amounts as numbers and the
 * figures and budget code as text.
 */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { type PaymentOrderData, type PaymentStatus, paymentOrder } from '#payments';
import { paymentOrderXlsx } from '../../functions/adapters/xlsx-batch.ts';
import { specWith } from '../support/evaluation-fixtures.ts';

const status = (period: string, currency: string): PaymentStatus =>
  ({
    payment: 7,
    period,
    result: 'a'.repeat(64),
    summary: 'b'.repeat(64),
    total: '150000050',
    currency,
    minorUnit: 2,
    contract: { version: 1, hash: 'c'.repeat(64) },
    checkpoint: 6,
    state: 'approved',
    steps: [{ step: 'approved', seq: 8, actor: { sub: 'ministry-1', role: 'ministry' }, at: '2026-04-02T09:00:00Z' }],
    calculatedBy: { sub: 'evaluator-1', role: 'evaluator' },
    calculatedAt: '2026-04-01T09:00:00Z',
    latest: true,
  }) as PaymentStatus;

async function rows(order: PaymentOrderData): Promise<{ name: string; rows: unknown[][]; sheet: ExcelJS.Worksheet }> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(Buffer.from(await paymentOrderXlsx(order)) as never);
  const sheet = workbook.worksheets[0] as ExcelJS.Worksheet;
  const out: unknown[][] = [];
  sheet.eachRow((row) => {
    out.push((row.values as unknown[]).slice(1));
  });
  return { name: sheet.name, rows: out, sheet };
}

describe('the payment-order workbook', () => {
  it('form 0401060 in ru: facts, then one row per order with the field numbers; amount a number, code text', async () => {
    const spec = specWith('second-chance-kamchatka', (raw) => {
      raw.legalBasis = {
        agreementNumber: 'СИБ-КК-2023/01',
        agreementDate: '2023-07-28',
        budgetCode: '81910030140160010630',
      };
    });

    const { name, rows: all, sheet } = await rows(paymentOrder(spec, status('y2', 'RUB'), 'ru'));

    expect(name).toBe('Платёжное поручение');
    expect(all).toContainEqual(expect.arrayContaining(['Соглашение', '№ СИБ-КК-2023/01 от 28.07.2023']));
    expect(all).toContainEqual(expect.arrayContaining(['Период', 'с 01.08.2024 по 31.07.2025']));
    const header = all.find((r) => r.includes('КБК (поле 104)'));
    expect(header).toEqual([
      '№',
      'Плательщик (поле 8)',
      'Получатель (поле 16)',
      'Доля',
      'Сумма, RUB',
      'Сумма цифрами (поле 7)',
      'Сумма прописью (поле 6)',
      'Назначение платежа (поле 24)',
      'КБК (поле 104)',
    ]);
    const last = all.at(-1) as unknown[];
    expect(last.slice(0, 7)).toEqual([
      1,
      'Министерство труда и развития кадрового потенциала Камчатского края',
      'ВЭБ.ДВ (VEB.DV)',
      '1',
      1500000.5,
      '1500000-50',
      'Один миллион пятьсот тысяч рублей 50 копеек',
    ]);
    expect(last[8]).toBe('81910030140160010630');
    const amountCell = sheet.getRow(sheet.rowCount).getCell(5);
    expect(amountCell.numFmt).toBe('#,##0.00');
  });

  it('the Kazakh order in en: no field numbers of the Russian form, the amount in tenge', async () => {
    const spec = specWith('qarmet-karaganda-2026', (raw) => {
      raw.legalBasis = { agreementNumber: 'МС-2026/01', agreementDate: '2026-01-30', budgetCode: '253105' };
    });

    const { name, rows: all } = await rows(paymentOrder(spec, status('2026-03', 'KZT'), 'en'));

    expect(name).toBe('Payment order');
    expect(all[1]).toEqual(['', 'Payment order (Republic of Kazakhstan)']);
    expect(all.find((r) => r.includes('Payer'))).toContain('Budget classification code');
    expect(JSON.stringify(all)).not.toMatch(/field \d+/);
    expect((all.at(-1) as unknown[]).slice(5, 7)).toEqual([
      '1500000.50',
      'One million five hundred thousand tenge and 50 tiyn',
    ]);
  });
});
