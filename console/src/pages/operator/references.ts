/**
 * The operator's own mapping from pseudonym to its reference, for the
 * evidence due page (Due.tsx): parsed in the browser from a file the
 * operator picks, kept in the page's memory only, never sent.
 */
import { isPseudonym } from '#intake';

/**
 * A mapping file's text: one `pseudonym,reference` a line (a header line
 * without a pseudonym is skipped; `;` and tab separate too, as spreadsheets
 * save them). Throws the 1-based number of the first line that is not one.
 */
export function parseReferences(text: string): Map<string, string> {
  const map = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const [first = '', ...rest] = line.split(/[,;\t]/).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
    const reference = rest.join(' ').trim();
    if (i === 0 && !isPseudonym(first)) return;
    if (!isPseudonym(first) || reference === '') throw new Error(String(i + 1));
    map.set(first, reference);
  });
  return map;
}
