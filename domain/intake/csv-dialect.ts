import * as z from 'zod';
import type { Problem } from '#kernel';

/**
 * The CSV dialect of Russian Excel, cell by cell: what is accepted and
 * converted to the documented form (`;` as separator, chosen by the CSV
 * reader from the header line; dates written dd.mm.yyyy, when the whole file
 * writes them so; upper-case SHA-256 hashes, as PowerShell's Get-FileHash
 * prints them), what is refused with the exact text to write instead
 * (amounts with thousands separators or a decimal comma; other date
 * spellings), and the record of what a file used, for its receipt.
 * docs/decisions/0010-russian-excel-csv.md says why.
 */

/** What a CSV file used beyond the documented form (a member only when used), as receipts state it. */
export const CsvDialectSchema = z.strictObject({
  /** The file was Windows-1251, converted to UTF-8 (the sender named it). */
  encoding: z.literal('windows-1251').optional(),
  /** Cells separated by semicolons (the header line has semicolons and no comma). */
  separator: z.literal(';').optional(),
  /** Dates written dd.mm.yyyy, converted to YYYY-MM-DD. */
  dates: z.literal('dd.mm.yyyy').optional(),
  /** SHA-256 hashes in upper case, converted to lower case. */
  upperCaseHashes: z.literal(true).optional(),
});
export type CsvDialect = Readonly<z.infer<typeof CsvDialectSchema>>;

/** The columns holding a day, and those holding a SHA-256 hash. */
const DATE_COLUMNS: ReadonlySet<string> = new Set(['date', 'offenceDate', 'to']);
const HASH_COLUMNS: ReadonlySet<string> = new Set(['consentSha256', 'documentSha256']);
const MONEY_COLUMNS: ReadonlySet<string> = new Set(['monthlyWage']);

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
const DOTTED_DAY = /^(\d{2})\.(\d{2})\.(\d{4})$/;
/** Dates Excel or a person may write that are not dd.mm.yyyy: one-digit day or month, two-digit year, slashes. */
const OTHER_DAY = /^(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})$/;
const MIXED_CASE_HASH = /^(?=.*[A-F])[0-9A-Fa-f]{64}$/;
/** An amount as a spreadsheet shows it: thousands separated by spaces (any kind), or a decimal comma or point. */
const SHOWN_AMOUNT = /^(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[,.](\d{1,2}))?$/;

type DateStyle = 'iso' | 'dotted';

/** The dialect rules of one file: the date style fixed by its first date, and what it used. */
export class CsvDialectRules {
  #separator: ';' | undefined;
  #dates: { style: DateStyle; at: number; column: string } | undefined;
  #upperCaseHashes = false;

  /** The reader found semicolons as separator. */
  semicolons(): void {
    this.#separator = ';';
  }

  /** What the file used, so far. */
  dialect(encoding?: string): CsvDialect {
    return {
      ...(encoding === 'windows-1251' ? { encoding } : {}),
      ...(this.#separator === undefined ? {} : { separator: this.#separator }),
      ...(this.#dates?.style === 'dotted' ? { dates: 'dd.mm.yyyy' as const } : {}),
      ...(this.#upperCaseHashes ? { upperCaseHashes: true as const } : {}),
    };
  }

  /** A non-empty cell as the record field holds it, or the problem that refuses it (naming what to write). */
  cell(at: number, column: string, cell: string): { value: string } | { problem: Problem } {
    if (DATE_COLUMNS.has(column)) return this.#date(at, column, cell);
    if (HASH_COLUMNS.has(column) && MIXED_CASE_HASH.test(cell)) {
      this.#upperCaseHashes = true;
      return { value: cell.toLowerCase() };
    }
    if (MONEY_COLUMNS.has(column)) {
      const minor = minorUnits(cell);
      if (minor !== undefined) {
        return {
          problem: {
            at,
            field: column,
            message: `write the amount in minor units (kopecks, tiyn) as digits only: ${minor} for ${cell}, without spaces, thousands separators or a decimal comma`,
          },
        };
      }
    }
    return { value: cell };
  }

  #date(at: number, column: string, cell: string): { value: string } | { problem: Problem } {
    const dotted = DOTTED_DAY.exec(cell);
    const style: DateStyle | undefined = dotted ? 'dotted' : ISO_DAY.test(cell) ? 'iso' : undefined;
    if (style === undefined) {
      const other = OTHER_DAY.exec(cell);
      if (other === null) return { value: cell }; // not a date at all: the record's own check names it
      const [, day = '', month = '', year = ''] = other;
      const example = `${day.padStart(2, '0')}.${month.padStart(2, '0')}.${year.length === 4 ? year : `20${year}`}`;
      return {
        problem: {
          at,
          field: column,
          message: `${cell}: write dates as YYYY-MM-DD, or as dd.mm.yyyy with two-digit day and month and a four-digit year (e.g. ${example}); slashes are not read`,
        },
      };
    }
    this.#dates ??= { style, at, column };
    const first = this.#dates;
    if (first.style !== style) {
      const shown = first.style === 'dotted' ? 'dd.mm.yyyy' : 'YYYY-MM-DD';
      const rewrite = style === 'iso' ? isoToDotted(cell) : dottedToIso(cell);
      return {
        problem: {
          at,
          field: column,
          message: `the file writes dates as ${shown} (first at line ${first.at}, ${first.column}): write ${cell} as ${rewrite}, as every other date in the file`,
        },
      };
    }
    if (style === 'iso' || !dotted) return { value: cell };
    const [, day = '', month = '', year = ''] = dotted;
    if (!isCalendarDay(Number(year), Number(month), Number(day))) {
      return { problem: { at, field: column, message: `${cell} is not a calendar date (dd.mm.yyyy)` } };
    }
    return { value: `${year}-${month}-${day}` };
  }
}

/** The digits of an amount a spreadsheet shows (`12 500,50`), in minor units (`1250050`); undefined for plain digits. */
function minorUnits(cell: string): string | undefined {
  const shown = SHOWN_AMOUNT.exec(cell);
  if (shown === null || /^\d+$/.test(cell)) return undefined;
  const [, units = '', fraction = ''] = shown;
  const digits = `${units.replace(/\D/g, '')}${fraction.padEnd(2, '0')}`.replace(/^0+(?=\d)/, '');
  return digits;
}

const dottedToIso = (cell: string) => cell.replace(DOTTED_DAY, '$3-$2-$1');
const isoToDotted = (cell: string) => cell.replace(/^(\d{4})-(\d{2})-(\d{2})$/, '$3.$2.$1');

function isCalendarDay(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}
