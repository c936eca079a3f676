/**
 * Calendar days as whole numbers: days since 1970-01-01 (proleptic
 * Gregorian, UTC), so windows and spells are integer arithmetic. Pure
 * integer arithmetic (H. Hinnant's days_from_civil / civil_from_days): no
 * Date object, no clock, and fast enough for millions of records.
 */

/** Days since 1970-01-01 of a year, month (1-12) and day. */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const digits = (s: string, from: number, to: number): number => {
  let n = 0;
  for (let i = from; i < to; i++) n = n * 10 + (s.charCodeAt(i) - 48);
  return n;
};

/** `2024-03-01` -> days since 1970-01-01. The date must be a valid `YYYY-MM-DD` (schemas check that first). */
export function dayNumber(iso: string): number {
  return daysFromCivil(digits(iso, 0, 4), digits(iso, 5, 7), digits(iso, 8, 10));
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** Days since 1970-01-01 -> `YYYY-MM-DD` (years 0000-9999). */
export function isoDay(day: number): string {
  const z = day + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${String(y).padStart(4, '0')}-${pad2(m)}-${pad2(d)}`;
}

/** First and last day of a month written `YYYY-MM`. */
export function monthDays(month: string): { first: number; last: number } {
  const y = digits(month, 0, 4);
  const m = digits(month, 5, 7);
  const first = daysFromCivil(y, m, 1);
  const next = m === 12 ? daysFromCivil(y + 1, 1, 1) : daysFromCivil(y, m + 1, 1);
  return { first, last: next - 1 };
}

/** Days from `from` to `to` inclusive of both ends (0 when to < from). */
export function daysInclusive(from: number, to: number): number {
  return to < from ? 0 : to - from + 1;
}
