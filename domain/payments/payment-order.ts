/**
 * The payment-order data of an approved (or paid) payment: the fields a
 * treasury officer needs to fill a Russian payment order (form 0401060, Bank
 * of Russia regulation No. 762-P) or its Kazakh equivalent (платёжное
 * поручение, KZT), taken from the contract spec and the payment as the log
 * holds it. It is data for a person to copy, not a bank file: the payer's
 * and payee's bank details are not in a contract spec, and the treasury adds
 * them. One line per investor: the payment is split among the investors by
 * their shares (allocateToInvestors), exactly as the audit report splits it.
 *
 * Pure: no I/O, no clock. Refuses (ConflictError, 409) a payment that is not
 * approved, and one that pays nothing (zero, or a net amount taken back).
 */
import type { ContractSpec } from '#contracts';
import { allocateToInvestors, formatMoney } from '#evaluation';
import { amountInWords, ConflictError, type WordsLang } from '#kernel';
import type { PaymentStatus } from './workflow.ts';

export const PAYMENT_ORDER_FORMAT = 'sib-ledger/payment-order/v1';

/** A party as the contract spec names it (an organisation: never a person). */
export interface OrderParty {
  readonly id: string;
  readonly name: string;
}

/** One payment order: from the commissioner to one investor. */
export interface PaymentOrderLine {
  /** Field 8 (плательщик): the commissioner. */
  readonly payer: OrderParty;
  /** Field 16 (получатель): the investor, with its share of the payment. */
  readonly payee: OrderParty & { readonly share: string };
  /** Minor units, a decimal string. */
  readonly amount: string;
  /** Field 7 (сумма) as the form writes it: `35000000-00` (roubles, kopecks after a dash) or `35000000.00`. */
  readonly amountFigures: string;
  /** The amount for a reader: `35,000,000.00 RUB`. */
  readonly amountText: string;
  /** Field 6 (сумма прописью). */
  readonly amountInWords: string;
  /** Field 24 (назначение платежа). */
  readonly purpose: string;
  /** Field 104 (КБК), where the contract's legalBasis gives one. */
  readonly budgetCode?: string;
}

export interface PaymentOrderData {
  readonly format: typeof PAYMENT_ORDER_FORMAT;
  /** `0401060`: the Russian form; `kz`: the Kazakh payment order (KZT). */
  readonly form: '0401060' | 'kz';
  readonly lang: WordsLang;
  readonly contract: { readonly id: string; readonly title: string; readonly version: number; readonly hash: string };
  /** The agreement the payment rests on (the spec's legalBasis), when given. */
  readonly agreement?: { readonly number: string; readonly date: string };
  readonly payment: number;
  readonly period: {
    readonly id: string;
    readonly label: string;
    readonly from: string;
    readonly to: string;
    readonly paymentDate: string;
  };
  readonly state: 'approved' | 'paid';
  /** The day the approval was recorded (UTC, YYYY-MM-DD). */
  readonly approvedOn: string;
  /** Once paid: the payment order's number and the day paid, as recorded. */
  readonly paid?: { readonly paymentOrder: string; readonly paidOn: string };
  readonly currency: string;
  readonly minorUnit: number;
  /** The whole payment, minor units. */
  readonly total: string;
  readonly totalText: string;
  readonly totalInWords: string;
  readonly lines: readonly PaymentOrderLine[];
}

type OrderSpec = Pick<
  ContractSpec,
  'id' | 'title' | 'currency' | 'minorUnit' | 'parties' | 'periods' | 'legalBasis' | 'translations'
>;

/** `2024-01-31` as the language writes a date: `31.01.2024` (ru), `31 January 2024` (en). */
export function orderDate(iso: string, lang: WordsLang): string {
  const [y, m, d] = iso.split('-');
  if (lang === 'ru') return `${d}.${m}.${y}`;
  const month = new Date(`${iso}T00:00:00Z`).toLocaleString('en-GB', { month: 'long', timeZone: 'UTC' });
  return `${Number(d)} ${month} ${y}`;
}

/** Field 7: roubles and kopecks split by a dash (form 0401060); other currencies with a point. */
/** Field 6 opens with a capital letter, as the form asks. */
const capitalised = (words: string) => words.charAt(0).toUpperCase() + words.slice(1);

function amountFigures(minor: bigint, currency: string, minorUnit: number): string {
  const plain = formatMoney(minor, minorUnit).replaceAll(',', '');
  return currency === 'RUB' ? plain.replace('.', '-') : plain;
}

/** The spec's text in the language: the spec's own (Russian) for ru, its translation for en where there is one. */
function texts(spec: OrderSpec, lang: WordsLang) {
  const t = lang === 'ru' ? undefined : spec.translations?.[lang];
  return {
    title: t?.title ?? spec.title,
    party: (p: OrderParty): OrderParty => ({ id: p.id, name: t?.parties?.[p.id] ?? p.name }),
    period: (id: string) => t?.periods?.[id],
  };
}

function purposeText(
  spec: OrderSpec,
  lang: WordsLang,
  title: string,
  period: { id: string; from: string; to: string; label?: string | undefined },
  version: number,
): string {
  const basis = spec.legalBasis;
  const from = orderDate(period.from, lang);
  const to = orderDate(period.to, lang);
  if (lang === 'ru') {
    const under =
      basis === undefined
        ? `по контракту ${spec.id} (версия ${version})`
        : `по соглашению № ${basis.agreementNumber} от ${orderDate(basis.agreementDate, lang)}`;
    return `Субсидия на оплату достигнутых результатов проекта «${title}» за период с ${from} по ${to} ${under}. Без НДС`;
  }
  const under =
    basis === undefined
      ? `under contract ${spec.id} (version ${version})`
      : `under agreement No. ${basis.agreementNumber} of ${orderDate(basis.agreementDate, lang)}`;
  const label = period.label === undefined ? '' : ` (${period.label})`;
  return `Subsidy paying for the results achieved by the project "${title}" for the period ${from} to ${to}${label} ${under}. VAT exempt`;
}

/**
 * The payment-order data of `status` (a payment of the contract `spec`, the
 * version its evaluation cites), in `lang`. Throws ConflictError for a
 * payment not approved or paid, or one that pays nothing.
 */
export function paymentOrder(spec: OrderSpec, status: PaymentStatus, lang: WordsLang): PaymentOrderData {
  const what = `payment ${spec.id}/${status.payment} (period ${status.period})`;
  if (status.state !== 'approved' && status.state !== 'paid') {
    throw new ConflictError(
      `${what} is ${status.state}, not approved: a payment order is drawn only for a payment the ministry has approved (sib ministry approve)`,
      { payment: status.payment, state: status.state },
    );
  }
  const total = BigInt(status.total);
  if (total <= 0n) {
    throw new ConflictError(
      `${what} pays nothing (its total is ${formatMoney(total, status.minorUnit)} ${status.currency}): there is no payment order to draw`,
      { payment: status.payment, total: status.total },
    );
  }
  const period = spec.periods.find((p) => p.id === status.period);
  if (period === undefined) {
    throw new ConflictError(`${what}: the contract version it cites has no period ${status.period}`, {
      payment: status.payment,
    });
  }
  const t = texts(spec, lang);
  const label = t.period(period.id);
  const purpose = purposeText(spec, lang, t.title, { ...period, label }, status.contract.version);
  const { currency, minorUnit } = status;
  const text = (v: bigint) => `${formatMoney(v, minorUnit)} ${currency}`;
  const payer = t.party(spec.parties.commissioner);
  const budgetCode = spec.legalBasis?.budgetCode;
  const lines = allocateToInvestors(spec, total).map((a): PaymentOrderLine => {
    const investor = spec.parties.investors.find((i) => i.id === a.investor) as OrderParty;
    const amount = BigInt(a.amount);
    return {
      payer,
      payee: { ...t.party(investor), share: a.share },
      amount: a.amount,
      amountFigures: amountFigures(amount, currency, minorUnit),
      amountText: text(amount),
      amountInWords: capitalised(amountInWords(amount, currency, minorUnit, lang)),
      purpose,
      ...(budgetCode === undefined ? {} : { budgetCode }),
    };
  });
  const approved = status.steps.find((s) => s.step === 'approved');
  const paidStep = status.steps.find((s) => s.step === 'paid');
  return {
    format: PAYMENT_ORDER_FORMAT,
    form: currency === 'KZT' ? 'kz' : '0401060',
    lang,
    contract: { id: spec.id, title: t.title, version: status.contract.version, hash: status.contract.hash },
    ...(spec.legalBasis === undefined
      ? {}
      : { agreement: { number: spec.legalBasis.agreementNumber, date: spec.legalBasis.agreementDate } }),
    payment: status.payment,
    period: {
      id: period.id,
      label:
        label ?? (lang === 'ru' ? `с ${orderDate(period.from, lang)} по ${orderDate(period.to, lang)}` : period.id),
      from: period.from,
      to: period.to,
      paymentDate: period.paymentDate,
    },
    state: status.state,
    approvedOn: (approved?.at ?? '').slice(0, 10),
    ...(paidStep?.paymentOrder !== undefined && paidStep.paidOn !== undefined
      ? { paid: { paymentOrder: paidStep.paymentOrder, paidOn: paidStep.paidOn } }
      : {}),
    currency,
    minorUnit,
    total: status.total,
    totalText: text(total),
    totalInWords: capitalised(amountInWords(total, currency, minorUnit, lang)),
    lines,
  };
}
