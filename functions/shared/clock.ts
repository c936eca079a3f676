/**
 * Today's date for "not dated in the future": the calendar date in UTC+14,
 * the earliest time zone, so that an event recorded today anywhere (Kamchatka
 * is UTC+12) is never refused as a future one. Shared by the CLI and the
 * handlers so both refuse exactly the same dates.
 */
export function todayEarliestZone(now = new Date()): string {
  return new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
}
