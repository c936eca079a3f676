/**
 * What every section of a payment's page shares: the view of a loaded
 * payment (its status, summary, contract terms, currency, time zone and the
 * texts in the current language, with the small formatters the sections
 * use), a metric's figure by its unit, and a table's heading with its
 * export buttons.
 */
import { ExportButtons } from '../../components/ExportButtons.tsx';
import type { Lang } from '../../i18n.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { count, money, percent } from '../../lib/format.ts';
import type { Messages } from '../../locales/ru/index.ts';
import { specText } from './data.ts';
import type { Loaded } from './payment-load.ts';
import { capName } from './words.ts';

/** A loaded payment as its page's sections read it. */
export interface PaymentView {
  readonly loaded: Loaded;
  readonly contractId: string;
  readonly lang: Lang;
  readonly t: Messages;
  readonly m: Messages['ministry']['payment'];
  readonly status: Loaded['answer']['status'];
  readonly summary: Loaded['answer']['summary'];
  readonly contract: Loaded['answer']['contract'];
  readonly signatures: Loaded['answer']['signatures'];
  readonly spec: Loaded['answer']['contract']['spec'];
  readonly zone: string;
  readonly cur: string;
  readonly mu: number;
  readonly exportBase: string;
  readonly fm: (v: string) => string;
  readonly periodLabel: (id: string) => string;
  readonly capText: (name: string) => string;
}

export function paymentView(loaded: Loaded, contractId: string, t: Messages, lang: Lang): PaymentView {
  const { status, summary, contract, signatures } = loaded.answer;
  const spec = contract.spec;
  const zone = loaded.contract?.timeZone ?? (spec as { timeZone?: string }).timeZone ?? 'UTC';
  const cur = status.currency;
  const mu = status.minorUnit;
  return {
    loaded,
    contractId,
    lang,
    t,
    m: t.ministry.payment,
    status,
    summary,
    contract,
    signatures,
    spec,
    zone,
    cur,
    mu,
    exportBase: `${contractId}-${status.payment}`,
    fm: (v: string) => money(v, mu, cur, lang),
    // A spec names periods by id; a translation may give them a label ("Year 1").
    periodLabel: (id: string) => specText(spec, lang, 'periods', id, id),
    capText: (name: string) => capName(name, spec, lang, t.ministry.caps),
  };
}

/** A metric's figure by its unit: rates as percentages, money from minor units, counts grouped. */
export function figure(value: string, unit: string, lang: Lang, currency: string, minorUnit: number): string {
  switch (unit) {
    case 'rate':
      return percent(value, lang);
    case 'money':
      return /^-?\d+$/.test(value) ? money(value, minorUnit, currency, lang) : value;
    case 'count':
      return /^-?\d+$/.test(value) ? count(BigInt(value), lang) : value;
    default:
      return new Intl.NumberFormat(lang === 'ru' ? 'ru-RU' : 'en-GB', { maximumFractionDigits: 3 }).format(
        Number(value),
      );
  }
}

export function TableHead(props: { title: string; table: () => ExportTable; caption: string }) {
  return (
    <div class="table-head">
      <h3>{props.title}</h3>
      <ExportButtons table={props.table} label={props.caption} />
    </div>
  );
}
