import { Decimal } from 'decimal.js';
import type { CellValue } from 'exceljs';

/**
 * One XLSX cell as the text a CSV cell would hold: Excel date cells as
 * YYYY-MM-DD (the calendar day the cell shows, with no time-zone shift),
 * numbers without binary float noise (Excel's 15 significant digits, no
 * exponent, no trailing ".0"), text as it is. A cell that cannot stand for a
 * field's text (an Excel error, a date with a time of day, a formula never
 * calculated) is a problem, in words an operator can act on.
 */

export type CellText = { readonly text: string } | { readonly problem: string };

/** Excel's column letters: 1 is A, 27 is AA. */
export function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/** A number as Excel shows it at most: 15 significant digits, plain notation (0.1+0.2 is "0.3", 12500 is "12500"). */
export function numberText(value: number): string {
  return new Decimal(value.toPrecision(15)).toFixed();
}

/** A date cell's calendar day. exceljs reads a date serial as that day at 00:00 UTC, so UTC is the sheet's own day. */
function dateText(value: Date): CellText {
  if (Number.isNaN(value.getTime())) return { problem: 'the cell holds a date Excel cannot show' };
  const day = value.toISOString().slice(0, 10);
  if (value.getUTCHours() + value.getUTCMinutes() + value.getUTCSeconds() + value.getUTCMilliseconds() !== 0) {
    return {
      problem: `the cell holds a date with a time of day (${day} ${value.toISOString().slice(11, 19)}): give the date only`,
    };
  }
  return { text: day };
}

/** The text of any cell value exceljs reads. */
export function cellText(value: CellValue): CellText {
  if (value === null || value === undefined) return { text: '' };
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    return Number.isFinite(value) ? { text: numberText(value) } : { problem: 'the cell holds no finite number' };
  }
  if (typeof value === 'boolean') return { text: value ? 'TRUE' : 'FALSE' };
  if (value instanceof Date) return dateText(value);
  if ('error' in value)
    return { problem: `the cell holds the Excel error ${value.error}: correct the formula or type the value` };
  if ('richText' in value) return { text: value.richText.map((r) => r.text).join('') };
  if ('hyperlink' in value) return { text: String(value.text ?? '') };
  if ('formula' in value || 'sharedFormula' in value) {
    const result = (value as { result?: CellValue }).result;
    if (result === undefined) {
      return {
        problem:
          'the cell holds a formula that was never calculated: open and save the file in Excel, or type the value',
      };
    }
    return cellText(result);
  }
  return {
    problem: 'the cell holds a value of a kind the ledger does not read (type the value as text, number or date)',
  };
}
