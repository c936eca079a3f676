/**
 * The Second Chance generator's dates: whole days since 1970-01-01 (UTC) and
 * back, months, and the month arithmetic its timelines need. Date.parse
 * reads a date the caller gives (`until`), so a malformed one is NaN, not a
 * number of days.
 */

const DAY_MS = 86_400_000;

export const toDays = (iso: string): number => Date.parse(`${iso}T00:00:00Z`) / DAY_MS;
export const toIso = (days: number): string => new Date(days * DAY_MS).toISOString().slice(0, 10);
export const monthOf = (days: number): string => toIso(days).slice(0, 7);
export const daysBefore = (date: string, days: number): string => toIso(toDays(date) - days);

/** The first day of the month after the month of `days`. */
export function nextMonthStart(days: number): number {
  const [y, m] = toIso(days).split('-').map(Number) as [number, number];
  return Date.UTC(y, m, 1) / DAY_MS;
}

/** The last day of the month `months` before the month of `days`. */
export function endOfMonthBefore(days: number, months: number): number {
  const [y, m] = toIso(days).split('-').map(Number) as [number, number];
  return Date.UTC(y, m - months, 1) / DAY_MS - 1;
}
