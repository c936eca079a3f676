/**
 * The words of the report's first page, the decision (sections/decision.ts),
 * in Russian and English: its headings and labels, the states of a party's
 * signature, and the phrases of the plain-language summary of why the
 * amount is due. Kept apart from the rest of the dictionary (words.ts) so
 * the page can change without touching the other sections' words.
 */
import type { PaymentState } from '#ledger';

/** A no-break space (words.ts has the same; imported from there it would make an import cycle, words.ts naming these words' type). */
const NBSP = '\u00a0';

export interface DecisionWords {
  readonly kicker: string;
  readonly contract: string;
  /** `version 1, registered 01.08.2023` */
  readonly versionRegistered: (version: number, on: string) => string;
  readonly period: string;
  /** `Final period: 01.08.2025 – 31.03.2026` */
  readonly periodName: (name: string, from: string, to: string) => string;
  /** A period the spec gives no label for in the language: by its place in the contract. */
  readonly periodNo: (n: number) => string;
  readonly finalPeriod: string;
  readonly amountDue: string;
  readonly inWords: string;
  readonly paymentDate: string;
  readonly payees: string;
  readonly investor: string;
  readonly share: string;
  readonly amount: string;
  readonly legalBasis: string;
  readonly agreement: string;
  /** `No. 12 of 28.07.2023` */
  readonly agreementLine: (number: string, on: string) => string;
  readonly budgetCode: string;
  readonly noLegalBasis: string;
  readonly decision: string;
  readonly step: string;
  readonly who: string;
  readonly date: string;
  readonly signature: string;
  /** The decision steps as page 1 names them (`approved by`). */
  readonly steps: Readonly<Record<PaymentState, string>>;
  /** A step not taken yet. */
  readonly awaited: string;
  /** A subject the contract's directory does not name: the organisation acting in a role. */
  readonly unnamed: (role: string) => string;
  readonly roles: Readonly<Record<string, string>>;
  readonly sigValid: string;
  /** Under a verifying signature: its key is the one the trust policy names for the role. */
  readonly sigValidTrusted: string;
  /** Under a verifying signature, when the PDF is rendered without the trust policy. */
  readonly sigValidUntrusted: string;
  readonly sigMissing: string;
  readonly sigInvalid: string;
  /** Why: the signature is not over this entry's statement (the entry changed after it was signed). */
  readonly sigNotEntry: string;
  /** Why: it verifies, but by a key the trust policy does not name for the role. */
  readonly sigNotRoleKey: string;
  readonly paymentOrder: (n: string) => string;
  readonly why: string;
  // The summary, sentence by sentence
  readonly dueTotal: (amount: string, period: string) => string;
  readonly nothingDue: (period: string) => string;
  readonly ruleAllMet: (rule: string, n: number) => string;
  readonly ruleNotMet: (rule: string) => string;
  readonly indicatorFigure: (metric: string, value: string, threshold: string) => string;
  readonly ruleOutcomes: (rule: string, n: string) => string;
  readonly ruleMet: (rule: string) => string;
  readonly triggersMet: (titles: readonly string[]) => string;
  readonly capped: string;
  /** A contract without outcome payment rules (a grant or a pilot). */
  readonly noRules: string;
  readonly cumulative: (paidBefore: string, cumulative: string) => string;
  readonly illustrative: string;
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** A Russian noun in the form a count takes (1 показатель, 2 показателя, 5 показателей). */
function ruCount(n: number, one: string, few: string, many: string): string {
  const c = new Intl.PluralRules('ru').select(n);
  return c === 'one' ? one : c === 'few' ? few : many;
}

export const DECISION_RU: DecisionWords = {
  kicker: 'РЕШЕНИЕ О ВЫПЛАТЕ ПО КОНТРАКТУ СОЦИАЛЬНОГО ВОЗДЕЙСТВИЯ',
  contract: 'Контракт',
  versionRegistered: (v, on) => `редакция ${v}, зарегистрирована ${on}`,
  period: 'Отчётный период',
  periodName: (name, from, to) => `${name}: с ${from} по ${to}`,
  periodNo: (n) => `Период ${n}`,
  finalPeriod: 'Итоговый период',
  amountDue: 'Сумма к выплате',
  inWords: 'Прописью',
  paymentDate: 'Срок выплаты',
  payees: 'Получатели выплаты',
  investor: 'Инвестор',
  share: 'Доля',
  amount: 'Сумма',
  legalBasis: 'Основание',
  agreement: 'Соглашение',
  agreementLine: (n, on) => `№${NBSP}${n} от ${on}`,
  budgetCode: 'КБК',
  noLegalBasis: 'реквизиты соглашения в условиях контракта не указаны',
  decision: 'Решение',
  step: 'Шаг',
  who: 'Кто принял решение',
  date: 'Дата',
  signature: 'Электронная подпись',
  steps: {
    calculated: 'Рассчитал',
    attested: 'Заверил',
    approved: 'Одобрил',
    rejected: 'Отклонил',
    paid: 'Оплатил',
  },
  awaited: 'ещё не принято',
  unnamed: (role) => `${role} (лицо не указано в справочнике контракта)`,
  roles: {
    calculated: 'аналитик оценщика',
    attested: 'независимый оценщик',
    approved: 'заказчик',
    rejected: 'заказчик',
    paid: 'казначейство заказчика',
  },
  sigValid: 'подпись верна',
  sigValidTrusted: 'ключ стороны по политике доверия',
  sigValidUntrusted: 'ключ не сверен с политикой доверия',
  sigMissing: 'без подписи стороны',
  sigInvalid: 'подпись НЕ подтверждается',
  sigNotEntry: 'подпись не соответствует записи журнала',
  sigNotRoleKey: 'ключ не тот, что политика доверия называет для этой роли',
  paymentOrder: (n) => `платёжное поручение №${NBSP}${n}`,
  why: 'Почему причитается эта сумма',
  dueTotal: (amount, period) => `За ${lowerFirst(period)} причитается ${amount}.`,
  nothingDue: (period) => `За ${lowerFirst(period)} ничего не причитается.`,
  ruleAllMet: (rule, n) =>
    n === 1
      ? `По правилу «${rule}» показатель достиг порога`
      : `По правилу «${rule}» все ${n} ${ruCount(n, 'показатель', 'показателя', 'показателей')} достигли порога`,
  ruleNotMet: (rule) => `По правилу «${rule}» не достигнут порог`,
  indicatorFigure: (metric, value, threshold) => `${metric} — ${value} (порог ${threshold})`,
  ruleOutcomes: (rule, n) => `По правилу «${rule}» оплачено подтверждённых результатов: ${n}.`,
  ruleMet: (rule) => `Условие правила «${rule}» выполнено.`,
  triggersMet: (list) => `Выполнены условия: ${list.map((x) => `«${x}»`).join(', ')}.`,
  capped: 'Сумма уменьшена до ограничения, установленного контрактом.',
  noRules: 'Контракт не предусматривает выплат за результаты.',
  cumulative: (before, cumulative) =>
    `Ранее по контракту выплачено ${before}; всего с начала контракта — ${cumulative}.`,
  illustrative: 'Лица и реквизиты, отмеченные в условиях контракта как иллюстративные, вымышлены.',
};

export const DECISION_EN: DecisionWords = {
  kicker: 'PAYMENT DECISION UNDER A SOCIAL IMPACT BOND',
  contract: 'Contract',
  versionRegistered: (v, on) => `version ${v}, registered ${on}`,
  period: 'Reporting period',
  periodName: (name, from, to) => `${name}: ${from} to ${to}`,
  periodNo: (n) => `Period ${n}`,
  finalPeriod: 'Final period',
  amountDue: 'Amount payable',
  inWords: 'In words',
  paymentDate: 'Payment due',
  payees: 'Paid to',
  investor: 'Investor',
  share: 'Share',
  amount: 'Amount',
  legalBasis: 'Legal basis',
  agreement: 'Agreement',
  agreementLine: (n, on) => `No.${NBSP}${n} of ${on}`,
  budgetCode: 'Budget code (KBK)',
  noLegalBasis: 'the contract terms give no agreement details',
  decision: 'Decision',
  step: 'Step',
  who: 'Decided by',
  date: 'Date',
  signature: 'Electronic signature',
  steps: {
    calculated: 'Calculated by',
    attested: 'Attested by',
    approved: 'Approved by',
    rejected: 'Rejected by',
    paid: 'Paid by',
  },
  awaited: 'not taken yet',
  unnamed: (role) => `${role} (person not named in the contract's directory)`,
  roles: {
    calculated: "evaluator's analyst",
    attested: 'independent evaluator',
    approved: 'commissioner',
    rejected: 'commissioner',
    paid: "commissioner's treasury",
  },
  sigValid: 'signature verifies',
  sigValidTrusted: "the party's key in the trust policy",
  sigValidUntrusted: 'key not checked against a trust policy',
  sigMissing: 'not signed by the party',
  sigInvalid: 'signature does NOT verify',
  sigNotEntry: 'the signature does not match the log entry',
  sigNotRoleKey: 'not the key the trust policy names for this role',
  paymentOrder: (n) => `payment order No.${NBSP}${n}`,
  why: 'Why this amount is due',
  // English period names are proper (`February 2026`) or common (`Final period`): named as they are, in brackets.
  dueTotal: (amount, period) => `${amount} is due for this period (${period}).`,
  nothingDue: (period) => `Nothing is due for this period (${period}).`,
  ruleAllMet: (rule, n) =>
    n === 1
      ? `Under the rule “${rule}” the indicator reached its threshold`
      : `Under the rule “${rule}” all ${n} indicators reached their thresholds`,
  ruleNotMet: (rule) => `Under the rule “${rule}” a threshold was not reached`,
  indicatorFigure: (metric, value, threshold) => `${metric}: ${value} (threshold ${threshold})`,
  ruleOutcomes: (rule, n) => `Under the rule “${rule}”, ${n} confirmed outcomes are paid for.`,
  ruleMet: (rule) => `The condition of the rule “${rule}” is met.`,
  triggersMet: (list) => `Conditions met: ${list.map((x) => `“${x}”`).join(', ')}.`,
  capped: 'The amount was reduced to a cap the contract sets.',
  noRules: 'The contract provides for no outcome payments.',
  cumulative: (before, cumulative) =>
    `Paid under the contract before: ${before}; in total since the contract began: ${cumulative}.`,
  illustrative: 'People and details the contract terms mark as illustrative are invented.',
};
