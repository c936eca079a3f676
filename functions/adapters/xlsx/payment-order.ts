import ExcelJS from 'exceljs';
import { orderDate, type PaymentOrderData } from '#payments';

/**
 * The payment-order data (domain/payments/payment-order.ts) as an XLSX
 * workbook for the treasury: one sheet, the payment's facts as label and
 * value at the top, then one row per payment order (per investor) with the
 * form's fields, each column headed by the field's name and its number on
 * form 0401060. Labels in the data's language; amounts as numbers in
 * currency units with two decimals, and as the form writes them (text).
 */

const LABELS = {
  ru: {
    sheet: 'Платёжное поручение',
    title: 'Данные для платёжного поручения',
    form: {
      '0401060': 'Форма 0401060 (Положение Банка России № 762-П)',
      kz: 'Платёжное поручение (Республика Казахстан)',
    },
    contract: 'Контракт',
    version: 'Версия условий',
    agreement: 'Соглашение',
    period: 'Период',
    payment: 'Платёж (запись журнала)',
    state: 'Состояние',
    states: { approved: 'одобрен', paid: 'оплачен' },
    approvedOn: 'Дата одобрения',
    paid: 'Платёжное поручение № / дата оплаты',
    total: 'Сумма',
    totalInWords: 'Сумма прописью',
    note: {
      '0401060': 'Банковские реквизиты (ИНН, КПП, счета, БИК) в условиях контракта не указаны: их вносит казначейство.',
      kz: 'Банковские реквизиты (БИН, ИИК, БИК, КНП, КБе) в условиях контракта не указаны: их вносит казначейство.',
    },
    no: '№',
    columns: [
      'Плательщик (поле 8)',
      'Получатель (поле 16)',
      'Доля',
      'Сумма',
      'Сумма цифрами (поле 7)',
      'Сумма прописью (поле 6)',
      'Назначение платежа (поле 24)',
      'КБК (поле 104)',
    ],
    of: 'от',
    number: '№',
    dates: (from: string, to: string) => `с ${from} по ${to}`,
  },
  en: {
    sheet: 'Payment order',
    title: 'Payment order data',
    form: {
      '0401060': 'Form 0401060 (Bank of Russia regulation No. 762-P)',
      kz: 'Payment order (Republic of Kazakhstan)',
    },
    contract: 'Contract',
    version: 'Terms version',
    agreement: 'Agreement',
    period: 'Period',
    payment: 'Payment (log entry)',
    state: 'State',
    states: { approved: 'approved', paid: 'paid' },
    approvedOn: 'Approved on',
    paid: 'Payment order No. / paid on',
    total: 'Amount',
    totalInWords: 'Amount in words',
    note: {
      '0401060':
        "The bank details (tax ids, accounts, bank codes) are not in the contract's terms: the treasury adds them.",
      kz: "The bank details (BIN, IIK, BIC, KNP and KBe codes) are not in the contract's terms: the treasury adds them.",
    },
    no: 'No.',
    columns: [
      'Payer (field 8)',
      'Payee (field 16)',
      'Share',
      'Amount',
      'Amount in figures (field 7)',
      'Amount in words (field 6)',
      'Purpose of payment (field 24)',
      'Budget classification code (field 104)',
    ],
    of: 'of',
    number: 'No.',
    dates: (from: string, to: string) => `${from} to ${to}`,
  },
} as const;

/** Minor units as a number of currency units (exact for any amount a spec allows: at most 15 digits). */
const units = (minor: string, minorUnit: number) => Number(minor) / 10 ** minorUnit;

/** The workbook's bytes. */
export async function paymentOrderXlsx(order: PaymentOrderData): Promise<Uint8Array> {
  const t = LABELS[order.lang];
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet(t.sheet);
  const day = (iso: string) => orderDate(iso, order.lang);
  const dates = t.dates(day(order.period.from), day(order.period.to));
  // The field numbers are form 0401060's: the Kazakh order numbers its fields otherwise.
  const columns = order.form === '0401060' ? t.columns : t.columns.map((c) => c.replace(/ \((поле|field) \d+\)$/, ''));
  const money = `#,##0${order.minorUnit > 0 ? `.${'0'.repeat(order.minorUnit)}` : ''}`;
  // Column A numbers the orders below; the facts read from column B, each value across C to I.
  sheet.addRow(['', t.title]).font = { bold: true, size: 14 };
  sheet.addRow(['', t.form[order.form]]);
  sheet.addRow([]);
  const facts: [string, string | number][] = [
    [t.contract, `${order.contract.title} (${order.contract.id})`],
    [t.version, order.contract.version],
    ...(order.agreement === undefined
      ? []
      : [
          [t.agreement, `${t.number} ${order.agreement.number} ${t.of} ${day(order.agreement.date)}`] as [
            string,
            string,
          ],
        ]),
    [t.period, order.period.label === dates ? dates : `${order.period.label}: ${dates}`],
    [t.payment, order.payment],
    [t.state, t.states[order.state]],
    [t.approvedOn, day(order.approvedOn)],
    ...(order.paid === undefined
      ? []
      : [[t.paid, `${order.paid.paymentOrder} / ${day(order.paid.paidOn)}`] as [string, string]]),
    [t.total, order.totalText],
    [t.totalInWords, order.totalInWords],
  ];
  for (const [label, value] of facts) {
    const row = sheet.addRow(['', label, value]);
    row.getCell(2).font = { bold: true };
    row.getCell(3).alignment = { horizontal: 'left', vertical: 'top', wrapText: true };
    sheet.mergeCells(row.number, 3, row.number, 9);
  }
  const note = sheet.addRow(['', t.note[order.form]]);
  note.font = { italic: true };
  sheet.mergeCells(note.number, 2, note.number, 9);
  sheet.addRow([]);
  const head = sheet.addRow([t.no, ...columns.slice(0, 3), `${columns[3]}, ${order.currency}`, ...columns.slice(4)]);
  head.font = { bold: true };
  head.alignment = { wrapText: true, vertical: 'top' };
  order.lines.forEach((line, i) => {
    const row = sheet.addRow([
      i + 1,
      line.payer.name,
      line.payee.name,
      line.payee.share,
      units(line.amount, order.minorUnit),
      line.amountFigures,
      line.amountInWords,
      line.purpose,
      line.budgetCode ?? '',
    ]);
    row.getCell(5).numFmt = money;
    // The code and the figures stay text: a spreadsheet must not turn them into numbers.
    row.getCell(6).numFmt = '@';
    row.getCell(9).numFmt = '@';
    row.alignment = { wrapText: true, vertical: 'top' };
  });
  [6, 36, 30, 8, 18, 16, 40, 60, 24].forEach((width, i) => {
    sheet.getColumn(i + 1).width = width;
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
