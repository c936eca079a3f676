/**
 * amountInWords: the whole units in words with the currency noun in the form
 * the number takes, the minor units in figures with theirs. Every expected
 * text was checked by hand against the rules of Russian number agreement
 * (тысяча feminine, рубль and тенге masculine, one/few/many by the last two
 * digits) and British English.
 */
import { describe, expect, it } from 'vitest';
import { amountInWords, ValidationError } from '#kernel';

/** Whole roubles as minor units (kopecks). */
const rub = (whole: bigint | number, kopecks = 0) => BigInt(whole) * 100n + BigInt(kopecks);

describe('amounts in words, Russian roubles', () => {
  const cases: [bigint, string][] = [
    [rub(0), 'ноль рублей 00 копеек'],
    [rub(1), 'один рубль 00 копеек'],
    [rub(2), 'два рубля 00 копеек'],
    [rub(5), 'пять рублей 00 копеек'],
    [rub(11), 'одиннадцать рублей 00 копеек'],
    [rub(12), 'двенадцать рублей 00 копеек'],
    [rub(19), 'девятнадцать рублей 00 копеек'],
    [rub(21), 'двадцать один рубль 00 копеек'],
    [rub(22), 'двадцать два рубля 00 копеек'],
    [rub(25), 'двадцать пять рублей 00 копеек'],
    [rub(100), 'сто рублей 00 копеек'],
    [rub(101), 'сто один рубль 00 копеек'],
    [rub(111), 'сто одиннадцать рублей 00 копеек'],
    [rub(1000), 'одна тысяча рублей 00 копеек'],
    [rub(1001), 'одна тысяча один рубль 00 копеек'],
    [rub(2000), 'две тысячи рублей 00 копеек'],
    [rub(5000), 'пять тысяч рублей 00 копеек'],
    [rub(21000), 'двадцать одна тысяча рублей 00 копеек'],
    [rub(22_000), 'двадцать две тысячи рублей 00 копеек'],
    [rub(1_000_000), 'один миллион рублей 00 копеек'],
    [rub(2_000_000), 'два миллиона рублей 00 копеек'],
    [rub(45_000_000), 'сорок пять миллионов рублей 00 копеек'],
    [rub(2_000_000_000), 'два миллиарда рублей 00 копеек'],
    [
      rub(1_234_567_891, 5),
      'один миллиард двести тридцать четыре миллиона пятьсот шестьдесят семь тысяч восемьсот девяносто один рубль 05 копеек',
    ],
    [rub(0, 1), 'ноль рублей 01 копейка'],
    [rub(0, 2), 'ноль рублей 02 копейки'],
    [rub(0, 5), 'ноль рублей 05 копеек'],
    [rub(3, 11), 'три рубля 11 копеек'],
    [rub(4, 21), 'четыре рубля 21 копейка'],
    [rub(7, 24), 'семь рублей 24 копейки'],
    [rub(8, 99), 'восемь рублей 99 копеек'],
  ];
  for (const [minor, text] of cases) {
    it(`${minor} kopecks: ${text}`, () => {
      expect(amountInWords(minor, 'RUB', 2, 'ru')).toBe(text);
      expect(amountInWords(minor.toString(), 'RUB', 2, 'ru')).toBe(text);
    });
  }

  it('the issue’s decision amount, 45,000,000.00 RUB', () => {
    expect(amountInWords('4500000000', 'RUB', 2, 'ru')).toBe('сорок пять миллионов рублей 00 копеек');
  });

  it('a negative amount is "минус"', () => {
    expect(amountInWords('-4500000000', 'RUB', 2, 'ru')).toBe('минус сорок пять миллионов рублей 00 копеек');
    expect(amountInWords(-5n, 'RUB', 2, 'ru')).toBe('минус ноль рублей 05 копеек');
  });

  it('a big amount keeps every digit (bigint throughout)', () => {
    expect(amountInWords('123456789012345678901', 'RUB', 2, 'ru')).toBe(
      'один квинтиллион двести тридцать четыре квадриллиона пятьсот шестьдесят семь триллионов восемьсот девяносто миллиардов сто двадцать три миллиона четыреста пятьдесят шесть тысяч семьсот восемьдесят девять рублей 01 копейка',
    );
  });
});

describe('amounts in words, tenge', () => {
  const cases: [bigint, string][] = [
    [0n, 'ноль тенге 00 тиынов'],
    [101n, 'один тенге 01 тиын'],
    [202n, 'два тенге 02 тиына'],
    [505n, 'пять тенге 05 тиынов'],
    [1111n, 'одиннадцать тенге 11 тиынов'],
    [2121n, 'двадцать один тенге 21 тиын'],
    [100_000n, 'одна тысяча тенге 00 тиынов'],
    [4_500_000_000n, 'сорок пять миллионов тенге 00 тиынов'],
  ];
  for (const [minor, text] of cases) {
    it(`${minor} tiyn: ${text}`, () => expect(amountInWords(minor, 'KZT', 2, 'ru')).toBe(text));
  }
  it('in English', () => {
    expect(amountInWords(101n, 'KZT', 2, 'en')).toBe('one tenge and 01 tiyn');
    expect(amountInWords(4_500_000_050n, 'KZT', 2, 'en')).toBe('forty-five million tenge and 50 tiyn');
  });
});

describe('amounts in words, English', () => {
  const cases: [bigint, string][] = [
    [rub(0), 'zero roubles and 00 kopecks'],
    [rub(1), 'one rouble and 00 kopecks'],
    [rub(2, 1), 'two roubles and 01 kopeck'],
    [rub(21, 21), 'twenty-one roubles and 21 kopecks'],
    [rub(101), 'one hundred and one roubles and 00 kopecks'],
    [rub(1000), 'one thousand roubles and 00 kopecks'],
    [rub(21_000), 'twenty-one thousand roubles and 00 kopecks'],
    [rub(45_000_000), 'forty-five million roubles and 00 kopecks'],
    [
      rub(1_234_567_891, 5),
      'one billion two hundred and thirty-four million five hundred and sixty-seven thousand eight hundred and ninety-one roubles and 05 kopecks',
    ],
  ];
  for (const [minor, text] of cases) {
    it(`${minor} kopecks: ${text}`, () => expect(amountInWords(minor, 'RUB', 2, 'en')).toBe(text));
  }
  it('a negative amount is "minus"', () => {
    expect(amountInWords('-4500000000', 'RUB', 2, 'en')).toBe('minus forty-five million roubles and 00 kopecks');
  });
});

describe('other currencies and minor units', () => {
  it('any other currency is named by its ISO code, the minor units as a fraction', () => {
    expect(amountInWords('4500000005', 'USD', 2, 'ru')).toBe('сорок пять миллионов USD 05/100');
    expect(amountInWords('4500000005', 'USD', 2, 'en')).toBe('forty-five million USD and 05/100');
    expect(amountInWords('1234', 'BHD', 3, 'en')).toBe('one BHD and 234/1000');
  });

  it('a currency without minor units has no fraction', () => {
    expect(amountInWords('21', 'JPY', 0, 'ru')).toBe('двадцать один JPY');
    expect(amountInWords('21', 'JPY', 0, 'en')).toBe('twenty-one JPY');
    expect(amountInWords('2000', 'RUB', 0, 'ru')).toBe('две тысячи рублей');
    expect(amountInWords('-1', 'KZT', 0, 'en')).toBe('minus one tenge');
  });

  it('refuses malformed arguments, naming them', () => {
    expect(() => amountInWords('45.00', 'RUB', 2, 'ru')).toThrow(ValidationError);
    expect(() => amountInWords('45.00', 'RUB', 2, 'ru')).toThrow(/minor "45\.00"/);
    expect(() => amountInWords('1', 'rub', 2, 'ru')).toThrow(/currency "rub"/);
    expect(() => amountInWords('1', 'RUB', -1, 'ru')).toThrow(/minorUnit -1/);
    expect(() => amountInWords('1', 'RUB', 2, 'de' as 'ru')).toThrow(/language "de"/);
  });
});
