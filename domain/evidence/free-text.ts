import { describeLimit, LIMITS } from './vocabulary.ts';

/**
 * The free-text policy: free text (FREE_TEXT_FIELDS) is bounded and must not
 * hold personal data (ID numbers, personal names). Messages give positions,
 * never the text.
 */

/** Whitespace and the hyphen/dash family: what may sit between the digits of a written ID number. */
const DIGIT_SEPARATOR = '[\\s\\-\\u2010-\\u2015\\u2212]';
/** 9 or more digits, with up to 3 separator characters between consecutive digits. */
const ID_NUMBER = new RegExp(`[0-9](?:${DIGIT_SEPARATOR}{0,3}[0-9]){8,}`, 'u');
/** Dates are not ID numbers: masked before the digit-run scan (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY). */
const DATE_LIKE = /\b(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}[./][0-9]{2}[./][0-9]{4})\b/g;
const WORD = /\p{L}+(?:['’-]\p{L}+)*/gu;
const CAPITALISED = /^\p{Lu}\p{Ll}+(?:['’-]\p{Lu}?\p{Ll}+)*$/u;
const INITIAL = /^\p{Lu}$/u;
/** Russian patronymics, including the declined masculine forms (Петровича, Петровичем). */
const PATRONYMIC = /(?:[оеё]вич(?:а|у|ем|е)?|ична|[оеё]вна)$/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;

/**
 * Why a free-text value is refused, as plain-English messages (none when it is
 * fine). Free text must not identify a person: no ID-number patterns (a run of
 * 9 or more digits, spaces or hyphens allowed between them: SNILS
 * 123-456-789 01, passport 4510 123456, IIN/INN 12 digits, phone numbers), no
 * personal names (a word with a Russian patronymic ending, two or more
 * consecutive capitalised words, a capitalised word next to an initial).
 * Messages give positions (1-based characters of the NFKC form), never the text.
 */
export function freeTextProblems(text: string, maxChars: number = LIMITS.freeTextChars): string[] {
  const problems: string[] = [];
  if (text.length > maxChars) problems.push(`is longer than ${describeLimit('freeTextChars', maxChars)}`);
  if (text.trim() === '') problems.push('must not be empty or blank (leave the field out instead)');
  const normalised = text.normalize('NFKC');
  const control = [...normalised].findIndex((ch) => ch !== '\n' && ch !== '\t' && CONTROL.test(ch));
  if (control >= 0) {
    problems.push(
      `contains an invisible or control character at character ${control + 1} (only line feeds and tabs are allowed)`,
    );
  }
  const masked = normalised.replace(DATE_LIKE, (date) => 'D'.repeat(date.length));
  const id = ID_NUMBER.exec(masked);
  if (id) {
    problems.push(
      `looks like it contains an ID number (9 or more digits, at character ${id.index + 1}): free text must not hold personal data`,
    );
  }
  const name = personalNameAt(normalised);
  if (name) {
    problems.push(
      `looks like it contains a personal name (${name.why}, at character ${name.index + 1}): free text must not identify a person`,
    );
  }
  return problems;
}

function personalNameAt(text: string): { index: number; why: string } | undefined {
  const words = [...text.matchAll(WORD)].map((m) => ({ word: m[0], start: m.index, end: m.index + m[0].length }));
  for (const [i, w] of words.entries()) {
    if (w.word.length > 4 && PATRONYMIC.test(w.word.toLowerCase())) {
      return { index: w.start, why: 'a word with a patronymic ending -ович/-евич/-ична/-овна/-евна' };
    }
    const next = words[i + 1];
    if (next === undefined) continue;
    const gap = text.slice(w.end, next.start);
    const adjacent = /^\s+$/u.test(gap);
    if (adjacent && CAPITALISED.test(w.word) && CAPITALISED.test(next.word)) {
      return { index: w.start, why: 'two capitalised words in a row' };
    }
    const initialAfter = INITIAL.test(next.word) && text[next.end] === '.';
    if (adjacent && CAPITALISED.test(w.word) && initialAfter) {
      return { index: w.start, why: 'a capitalised word followed by an initial' };
    }
    if (INITIAL.test(w.word) && /^\.\s*$/u.test(gap) && CAPITALISED.test(next.word)) {
      return { index: w.start, why: 'an initial followed by a capitalised word' };
    }
  }
  return undefined;
}
