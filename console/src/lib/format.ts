/**
 * How the console writes figures: money in the locale's grouping with the
 * currency (never minor units), dates and times in the contract's time zone
 * with the zone named, counts and rates, and an amount in words (the
 * domain's amountInWords, which the documents use too).
 */
import { amountInWords } from '#kernel';
import type { Lang } from '../i18n.tsx';

const LOCALE: Record<Lang, string> = { ru: 'ru-RU', en: 'en-GB' };

/** Minor units (integer string) as a decimal string in major units: "4500000000", 2 -> "45000000.00". */
export function majorUnits(minor: string | bigint, minorUnit: number): string {
  const v = BigInt(minor);
  const neg = v < 0n;
  const abs = (neg ? -v : v).toString().padStart(minorUnit + 1, '0');
  const whole = minorUnit === 0 ? abs : abs.slice(0, -minorUnit);
  const frac = minorUnit === 0 ? '' : `.${abs.slice(-minorUnit)}`;
  return `${neg ? '-' : ''}${whole}${frac}`;
}

/** "45 000 000,00 ₽" (ru) or "RUB 45,000,000.00" (en): exact, from minor units. */
export function money(minor: string | bigint, minorUnit: number, currency: string, lang: Lang): string {
  const f = new Intl.NumberFormat(LOCALE[lang], {
    style: 'currency',
    currency,
    currencyDisplay: lang === 'ru' ? 'symbol' : 'code',
    minimumFractionDigits: minorUnit,
    maximumFractionDigits: minorUnit,
  });
  // A decimal string keeps every digit (Intl formats strings exactly).
  return f.format(majorUnits(minor, minorUnit) as unknown as number);
}

/** An amount in words in the language: "сорок пять миллионов рублей 00 копеек". */
export function moneyInWords(minor: string | bigint, minorUnit: number, currency: string, lang: Lang): string {
  return amountInWords(minor, currency, minorUnit, lang);
}

/** A whole number in the locale's grouping. */
export function count(n: number | bigint, lang: Lang): string {
  return new Intl.NumberFormat(LOCALE[lang]).format(n);
}

/** A rate (a decimal string or number, 0..1) as a percentage: "35,0 %". */
export function percent(rate: string | number, lang: Lang, digits = 1): string {
  return new Intl.NumberFormat(LOCALE[lang], {
    style: 'percent',
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(Number(rate));
}

/** The zone's offset now, "UTC+12", for naming it beside a time. */
export function zoneOffset(timeZone: string, at: Date = new Date()): string {
  const part = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' })
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  return (part ?? 'GMT').replace('GMT', 'UTC').replace(/^UTC$/, 'UTC±0');
}

/** An instant (ISO 8601) as a date and time in the contract's zone, with the zone named: "06.12.2026, 19:15 (UTC+12)". */
export function dateTime(iso: string, timeZone: string, lang: Lang): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const text = new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(at);
  return `${text} (${zoneOffset(timeZone, at)})`;
}

/** A calendar day (YYYY-MM-DD, no zone) in the locale: "01.08.2023" / "1 Aug 2023". */
export function day(isoDay: string, lang: Lang): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(isoDay);
  if (m === null) return isoDay;
  const at = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return new Intl.DateTimeFormat(LOCALE[lang], {
    timeZone: 'UTC',
    year: 'numeric',
    month: lang === 'ru' ? '2-digit' : 'short',
    day: '2-digit',
  }).format(at);
}

/** How long ago an instant was, in minutes under an hour, hours under a day, else days, in words of the locale. */
export function age(iso: string, lang: Lang, now: Date = new Date()): string {
  const ms = Math.max(now.getTime() - new Date(iso).getTime(), 0);
  const rtf = new Intl.RelativeTimeFormat(LOCALE[lang], { numeric: 'auto' });
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return rtf.format(-minutes, 'minute');
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return rtf.format(-hours, 'hour');
  return rtf.format(-Math.floor(hours / 24), 'day');
}
