import { LIMITS, type Limits } from '#evidence';
import type { TextEncoding } from './encoding.ts';

/**
 * What the parsers share: their options (bounds other than LIMITS) and the
 * raw record they hand to validateRecord. The parsers turn operator files
 * into raw records: bytes -> text (UTF-8, utf8.ts), then a JSON batch
 * (json.ts) or a CSV file (csv-reader.ts, csv.ts) -> `{ at, value }` records,
 * where `at` is the record's index (JSON) or the 1-based line its row starts
 * on (CSV). Bad input never throws: it comes back as problems, each bound
 * named (`LIMITS.x`). Documented in docs/evidence.md.
 */

export interface ParseOptions {
  /** Bounds to use instead of LIMITS (tests, or a deployment with other sizes). */
  readonly limits?: Partial<Limits>;
  /** The encoding the sender named for a CSV file (default UTF-8); JSON is always UTF-8. */
  readonly encoding?: TextEncoding;
}

export interface ParsedRecord {
  readonly at: number;
  readonly value: unknown;
}

/** LIMITS with the bounds `options` overrides. */
export function limitsOf(options: ParseOptions): Limits {
  return { ...LIMITS, ...options.limits };
}
