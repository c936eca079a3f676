import { describeLimit, LIMITS } from './vocabulary.ts';

/**
 * The free-text policy: free text (FREE_TEXT_FIELDS) is bounded and must not
 * hold personal data (ID numbers, personal names). Messages give positions,
 * never the text.
 */

/**
 * What may sit between the digits of a written ID or phone number: whitespace,
 * the hyphen/dash family, dots, brackets, a plus, a slash and the number sign
 * (`+7 (914) 123-45-67`, `45.10 № 123456`, `990101.300.123`); up to 3 of them
 * between two digits. With the slash, a full court case number
 * (`№ 2-1234/2024`) counts too, and is refused on purpose: court registers
 * are public and name the person. A short internal number (`дело № 12`) has
 * too few digits to count, and passes: it identifies no one outside the
 * operator's files.
 */
const DIGIT_SEPARATOR = '[\\s\\-\\u2010-\\u2015\\u2212.()+/]';
/** The number sign between digits, as NFKC writes `№` (`No`), read as a separator (`#`). */
const NUMBER_SIGN = /(?<=[0-9]\s*)N[oº]\.?(?=\s*[0-9])/gu;
/** 9 or more digits, with up to 3 separator characters (or a number sign) between consecutive digits. */
const ID_NUMBER = new RegExp(`[0-9](?:(?:${DIGIT_SEPARATOR}{0,3}|\\s*#+\\s*)[0-9]){8,}`, 'u');
/** Dates are not ID numbers: masked before the digit-run scan (YYYY-MM-DD, DD.MM.YYYY, DD/MM/YYYY). */
const DATE_LIKE = /\b(?:[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{2}[./][0-9]{2}[./][0-9]{4})\b/g;
const WORD = /\p{L}+(?:['’-]\p{L}+)*/gu;
const CAPITALISED = /^\p{Lu}\p{Ll}+(?:['’-]\p{Lu}?\p{Ll}+)*$/u;
const INITIAL = /^\p{Lu}$/u;
/** Russian patronymics, including the declined masculine forms (Петровича, Петровичем). */
const PATRONYMIC = /(?:[оеё]вич(?:а|у|ем|е)?|ична|[оеё]вна)$/u;
const CONTROL = /[\p{Cc}\p{Cf}]/u;
/** A word in capitals (ИВАНОВ, IVAN) that reads like a name: 3 or more letters, 2 or more vowels (not ФСИН, ЦЗН). */
const UPPER_NAME = /^(?=\p{Lu}{3,}$)(?:[^AEIOUYАЕЁИОУЫЭЮЯІӘӨҮҰ]*[AEIOUYАЕЁИОУЫЭЮЯІӘӨҮҰ]){2}/u;
/**
 * Words after which a capitalised or upper-case word is a person's name, in
 * their common grammatical cases: `участник Иванов`, `дело Петрова` (the
 * genitive), `гражданина Нурланова`, `participant IVANOV`.
 */
const PERSON_MARKER =
  /^(?:participant|client|citizen|mr|mrs|ms|miss|участни(?:к|ка|ку|ком|ке|ца|цы|це|цей|цу)|граждан(?:ин|ина|ину|ином|ине|ка|ки|ке|кой|ку)|дел(?:о|а|у|ом|е)|осужд[её]нн(?:ый|ого|ому|ым|ом|ая|ой|ую)|клиент(?:|а|у|ом|е|ка|ки|ке|кой)|подопечн(?:ый|ого|ому|ым|ая|ой|ую)|заявител(?:ь|я|ю|ем|е))$/u;

/**
 * Why a free-text value is refused, as plain-English messages (none when it is
 * fine). Free text must not identify a person: no ID-number patterns (a run of
 * 9 or more digits, DIGIT_SEPARATOR between them: SNILS 123-456-789 01,
 * passport 45.10 № 123456, IIN/INN 12 digits, phones +7 (914) 123-45-67), no
 * personal names (a word with a Russian patronymic ending, two or more
 * consecutive capitalised words, a capitalised word next to an initial, two
 * name-like words in capitals, a capitalised or upper-case word after a
 * PERSON_MARKER such as участник or дело).
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
  const masked = normalised
    .replace(DATE_LIKE, (date) => 'D'.repeat(date.length))
    .replace(NUMBER_SIGN, (sign) => '#'.repeat(sign.length));
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
    const found = nameAfterMarker(text, w, words[i + 1]) ?? upperCaseName(text, w, words[i + 1]);
    if (found) return found;
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

interface Word {
  readonly word: string;
  readonly start: number;
  readonly end: number;
}

/** Letters only up to the next space: a name, not a code such as `SC-0042` or `IK-6`. */
const wholeWord = (text: string, w: Word) => !/^[-'’]?[\p{N}]/u.test(text.slice(w.end, w.end + 2));

/** `участник Иванов`, `дело Петрова`, `participant IVANOV`: a marker word, then a name. */
function nameAfterMarker(text: string, w: Word, next: Word | undefined): { index: number; why: string } | undefined {
  if (next === undefined || !PERSON_MARKER.test(w.word.toLowerCase())) return undefined;
  if (!/^\s+$/u.test(text.slice(w.end, next.start)) || !wholeWord(text, next)) return undefined;
  if (next.word === 'No') return undefined; // `дело № 12`: NFKC writes the number sign as `No`
  if (!CAPITALISED.test(next.word) && !UPPER_NAME.test(next.word)) return undefined;
  return { index: next.start, why: 'a name after a word such as участник, гражданин, дело or participant' };
}

/** `IVANOV IVAN`, `АБЕНОВ НУРЛАН`: two name-like words in capitals in a row. */
function upperCaseName(text: string, w: Word, next: Word | undefined): { index: number; why: string } | undefined {
  if (next === undefined || !/^\s+$/u.test(text.slice(w.end, next.start))) return undefined;
  if (!UPPER_NAME.test(w.word) || !UPPER_NAME.test(next.word)) return undefined;
  return { index: w.start, why: 'two name-like words in capitals in a row' };
}
