/**
 * An amount in words, as a payment document states it: "сорок пять
 * миллионов рублей 00 копеек", "forty-five million roubles and 00 kopecks".
 * (Placeholder until written: the signature is fixed.)
 */
export type WordsLang = 'ru' | 'en';

/** `minor` in minor units (an integer string or bigint, may be negative) of `currency` with `minorUnit` digits. */
export function amountInWords(minor: string | bigint, currency: string, minorUnit: number, lang: WordsLang): string {
  return `${String(minor)} ${currency} ${minorUnit} ${lang}`;
}
