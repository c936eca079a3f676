/**
 * Numbers, amounts, percentages and dates the way readers of the report's
 * language expect them (ru: no-break space thousands, comma decimals,
 * DD.MM.YYYY dates; en: as written in the JSON), and a metric's figure,
 * target and interval in its unit.
 */
import { type MetricUnit, shareRatio } from '#contracts';
import { formatMoney } from '#evaluation';
import { Decimal } from '#kernel';
import type { ReportLang } from '#services';
import { NBSP } from './locales/words.ts';

/** Formats numbers and dates the way readers of a language expect. */
export class Format {
  readonly lang: ReportLang;
  readonly currency: string;
  readonly minorUnit: number;
  constructor(lang: ReportLang, currency: string, minorUnit: number) {
    this.lang = lang;
    this.currency = currency;
    this.minorUnit = minorUnit;
  }

  /** `1234567.5` in the `en` convention -> the language's (ru: no-break space thousands, comma decimals). */
  private local(en: string): string {
    return this.lang === 'en' ? en : en.replace(/[,.]/g, (c) => (c === ',' ? NBSP : ','));
  }

  /** A whole number with thousands separators. */
  int(v: string | number): string {
    const text = String(v);
    const sign = text.startsWith('-') ? '-' : '';
    const digits = sign === '' ? text : text.slice(1);
    return this.local(`${sign}${digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}`);
  }

  /** A decimal to `places` places (half-even), with separators. */
  decimal(v: string, places: number): string {
    const [whole = '0', fraction] = new Decimal(v).toFixed(places).split('.');
    const grouped = `${this.int(whole)}`;
    return fraction === undefined ? grouped : `${grouped}${this.lang === 'en' ? '.' : ','}${fraction}`;
  }

  /** A ratio as a percentage: 0.3777 -> `37.8%` / `37,8 %`. */
  percent(v: string, places = 1): string {
    return `${this.decimal(new Decimal(v).times(100).toString(), places)}${this.lang === 'en' ? '%' : `${NBSP}%`}`;
  }

  /** A share as a percentage: whole when it is a whole percent, else to `places` places (`25%`, `12.5%`). */
  share(v: string, places: number): string {
    const r = shareRatio(v);
    const d = new Decimal(r.num.toString()).div(r.den.toString());
    return this.percent(d.toString(), d.times(100).isInteger() ? 0 : places);
  }

  /** A signed difference of ratios in percentage points. */
  points(v: string): string {
    const d = new Decimal(v).times(100);
    const sign = d.gt(0) ? '+' : '';
    return `${sign}${this.decimal(d.toString(), 1)}${this.lang === 'en' ? ' pp' : `${NBSP}п.${NBSP}п.`}`;
  }

  /** A count out of a total: `12 / 40`, kept on one line. */
  fraction(numerator: string | number, denominator: string | number): string {
    return `${this.int(numerator)}${NBSP}/${NBSP}${this.int(denominator)}`;
  }

  /** Minor units with the currency code. */
  money(minor: string | bigint): string {
    return `${this.local(formatMoney(minor, this.minorUnit))}${NBSP}${this.currency}`;
  }

  /** Minor units as a bare number (amount columns headed with the currency). */
  amount(minor: string | bigint): string {
    return this.local(formatMoney(minor, this.minorUnit));
  }

  /** `2024-08-01` -> `01.08.2024` (ru) or itself (en). */
  date(iso: string): string {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (m === null || this.lang === 'en') return iso;
    return `${m[3]}.${m[2]}.${m[1]}`;
  }

  /** An ISO instant -> date and time to the second, UTC. */
  dateTime(iso: string): string {
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
    if (m === null) return iso;
    return `${this.date(m[1] as string)} ${m[2]}`;
  }

  /** A metric's figure in its unit. */
  figure(unit: MetricUnit, v: string): string {
    switch (unit) {
      case 'rate':
        return this.percent(v);
      case 'mean':
        return this.decimal(v, 3);
      case 'money':
        return this.money(v);
      default:
        return this.int(v);
    }
  }

  /** `≥ 35.0%` */
  target(unit: MetricUnit, t: { value: string; direction: string }): string {
    return `${t.direction === 'at-most' ? '≤' : '≥'}${NBSP}${this.figure(unit, t.value)}`;
  }

  interval(unit: MetricUnit, i: { low: string; high: string }): string {
    if (unit === 'rate') {
      const num = (v: string) => this.decimal(new Decimal(v).times(100).toString(), 1);
      return `${num(i.low)}–${num(i.high)}${this.lang === 'en' ? '%' : `${NBSP}%`}`;
    }
    return `${this.decimal(i.low, 3)}–${this.decimal(i.high, 3)}`;
  }
}
