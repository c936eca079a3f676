/**
 * An amount in words, as a payment document states it: "сорок пять
 * миллионов рублей 00 копеек", "forty-five million roubles and 00 kopecks".
 * The whole units are in words, the minor units in figures (the Russian
 * accounting custom, "сумма прописью"), each followed by its noun in the
 * form the number takes. Used by the console's decision screens and the PDFs.
 *
 * The number words come from n2words (docs/decisions/0012-web-console.md):
 * its Russian cardinal puts тысяча in the feminine and the last group in the
 * gender asked for, which is the currency noun's. The nouns' plural forms
 * (one/few/many: рубль, рубля, рублей) come from Intl.PluralRules. Roubles
 * and tenge have their own nouns; any other currency is named by its ISO
 * code with the minor units as a fraction ("USD 05/100").
 */
import { toCardinal as enCardinal } from 'n2words/en-GB';
import { toCardinal as ruCardinal } from 'n2words/ru-RU';
import { ValidationError } from './errors.ts';

export type WordsLang = 'ru' | 'en';

/** A noun's forms: Russian one/few/many (1, 2, 5), English one/other. */
interface RuNoun {
  readonly one: string;
  readonly few: string;
  readonly many: string;
}
interface EnNoun {
  readonly one: string;
  readonly other: string;
}

interface CurrencyWords {
  readonly ru: { readonly major: RuNoun; readonly gender: 'masculine' | 'feminine'; readonly minor: RuNoun };
  readonly en: { readonly major: EnNoun; readonly minor: EnNoun };
}

const CURRENCIES: Readonly<Record<string, CurrencyWords>> = {
  RUB: {
    ru: {
      major: { one: 'рубль', few: 'рубля', many: 'рублей' },
      gender: 'masculine',
      minor: { one: 'копейка', few: 'копейки', many: 'копеек' },
    },
    en: { major: { one: 'rouble', other: 'roubles' }, minor: { one: 'kopeck', other: 'kopecks' } },
  },
  KZT: {
    // Тенге is masculine and indeclinable: "один тенге", "два тенге", "пять тенге".
    ru: {
      major: { one: 'тенге', few: 'тенге', many: 'тенге' },
      gender: 'masculine',
      minor: { one: 'тиын', few: 'тиына', many: 'тиынов' },
    },
    en: { major: { one: 'tenge', other: 'tenge' }, minor: { one: 'tiyn', other: 'tiyn' } },
  },
};

const ruPlural = new Intl.PluralRules('ru');

/** The Russian noun's form for a whole number: the category depends on its last two digits only. */
function ruForm(n: bigint, noun: RuNoun): string {
  const category = ruPlural.select(Number(n % 100n));
  return category === 'one' ? noun.one : category === 'few' ? noun.few : noun.many;
}

function enForm(n: bigint, noun: EnNoun): string {
  return n === 1n ? noun.one : noun.other;
}

/**
 * `minor` in minor units (an integer string or bigint, may be negative) of
 * `currency` (ISO 4217) with `minorUnit` digits, in words in the language.
 * Throws ValidationError naming the argument for a malformed one.
 */
export function amountInWords(minor: string | bigint, currency: string, minorUnit: number, lang: WordsLang): string {
  if (typeof minor === 'string' && !/^-?\d+$/.test(minor)) {
    throw new ValidationError(`amount in words: minor ${JSON.stringify(minor)} is not a whole number of minor units`, [
      { field: 'minor', message: 'not a whole number of minor units' },
    ]);
  }
  if (!/^[A-Z]{3}$/.test(currency)) {
    throw new ValidationError(`amount in words: currency ${JSON.stringify(currency)} is not an ISO 4217 code`, [
      { field: 'currency', message: 'not an ISO 4217 code' },
    ]);
  }
  if (!Number.isInteger(minorUnit) || minorUnit < 0 || minorUnit > 18) {
    throw new ValidationError(`amount in words: minorUnit ${minorUnit} is not a whole number from 0 to 18`, [
      { field: 'minorUnit', message: 'not a whole number from 0 to 18' },
    ]);
  }
  if (lang !== 'ru' && lang !== 'en') {
    throw new ValidationError(`amount in words: language ${JSON.stringify(lang)} is not ru or en`, [
      { field: 'lang', message: 'not ru or en' },
    ]);
  }
  const value = BigInt(minor);
  const negative = value < 0n;
  const abs = negative ? -value : value;
  const scale = 10n ** BigInt(minorUnit);
  const whole = abs / scale;
  const fraction = abs % scale;
  const digits = minorUnit === 0 ? '' : fraction.toString().padStart(minorUnit, '0');
  const known = CURRENCIES[currency];
  let text: string;
  if (lang === 'ru') {
    const words = ruCardinal(whole, { gender: known?.ru.gender ?? 'masculine' });
    if (known === undefined)
      text = minorUnit === 0 ? `${words} ${currency}` : `${words} ${currency} ${digits}/${scale}`;
    else {
      const major = `${words} ${ruForm(whole, known.ru.major)}`;
      text = minorUnit === 0 ? major : `${major} ${digits} ${ruForm(fraction, known.ru.minor)}`;
    }
    return negative ? `минус ${text}` : text;
  }
  const words = enCardinal(whole);
  if (known === undefined)
    text = minorUnit === 0 ? `${words} ${currency}` : `${words} ${currency} and ${digits}/${scale}`;
  else {
    const major = `${words} ${enForm(whole, known.en.major)}`;
    text = minorUnit === 0 ? major : `${major} and ${digits} ${enForm(fraction, known.en.minor)}`;
  }
  return negative ? `minus ${text}` : text;
}
