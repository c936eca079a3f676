/**
 * The encodings of CSV files (domain/intake/encoding.ts): Windows-1251, as
 * Russian Excel saves "CSV", refused with how to convert it unless the
 * sender names it, then converted before parsing; UTF-8, with or without a
 * BOM, read as before; a UTF-8 file said to be Windows-1251 refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looksLikeWindows1251, parseCsv, parseCsvStream, textEncodingOf } from '#intake';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/russian-excel/${name}`, import.meta.url)));
const CP1251 = fixture('cp1251.csv');
const NOTE = 'неявка на регистрацию, без уважительной причины';
const utf8Csv = () => new TextEncoder().encode(new TextDecoder('windows-1251').decode(CP1251));

async function streamed(bytes: Uint8Array, size: number, encoding?: 'utf-8' | 'windows-1251') {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const values: unknown[] = [];
  const problems: unknown[] = [];
  for await (const row of parseCsvStream(chunks(), encoding === undefined ? {} : { encoding })) {
    problems.push(...row.problems);
    if (row.value !== undefined) values.push(row.value);
  }
  return { values, problems };
}

describe('Windows-1251 CSV', () => {
  it('is refused, naming the likely encoding and how to convert it; reading stops there', () => {
    const { records, problems } = parseCsv(CP1251);

    expect(records.map((r) => r.at)).toEqual([2]); // the rows before the first Cyrillic byte
    expect(problems).toHaveLength(1);
    const message = problems[0]?.message ?? '';
    expect(message).toMatch(
      /^invalid UTF-8 at byte offset \d+: the file must be UTF-8 text; it looks like Windows-1251/,
    );
    expect(message).toContain('iconv -f WINDOWS-1251 -t UTF-8 in.csv > out.csv');
    expect(message).toContain('CSV UTF-8');
    expect(message).toContain('--encoding windows-1251');
  });

  it('gets the same refusal however the file is cut into chunks', async () => {
    const whole = parseCsv(CP1251);
    for (const size of [1, 2, 3, 5, 64, 100]) {
      const chunked = await streamed(CP1251, size);
      expect(chunked.problems).toEqual(whole.problems);
      expect(chunked.values).toEqual(whole.records.map((r) => r.value));
    }
  });

  it('is converted when the sender names it, whole or in chunks of any size', async () => {
    const { records, problems } = parseCsv(CP1251, { encoding: 'windows-1251' });

    expect(problems).toEqual([]);
    expect(records.map((r) => r.at)).toEqual([2, 3]);
    expect(records[1]?.value).toMatchObject({ eventId: 'w2', note: NOTE });
    for (const size of [1, 7, 64]) {
      const chunked = await streamed(CP1251, size, 'windows-1251');
      expect(chunked.problems).toEqual([]);
      expect(chunked.values).toEqual(records.map((r) => r.value));
    }
  });

  it('the same rows as the UTF-8 file holding the same text', () => {
    const converted = parseCsv(CP1251, { encoding: 'windows-1251' });

    expect(converted).toEqual({ ...parseCsv(utf8Csv()), dialect: { encoding: 'windows-1251' } });
  });

  it('a UTF-8 file said to be Windows-1251 is refused, never stored garbled', async () => {
    const { records, problems } = parseCsv(utf8Csv(), { encoding: 'windows-1251' });
    const bom = parseCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('eventId\n')]), {
      encoding: 'windows-1251',
    });

    expect(records).toEqual([]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /^the file was sent as Windows-1251 but is UTF-8 \(from byte offset \d+\): send it without --encoding/,
      ),
    ]);
    expect(bom.problems[0]?.message).toMatch(/is UTF-8 \(from byte offset 0\)/);
    expect((await streamed(utf8Csv(), 5, 'windows-1251')).problems).toHaveLength(1);
  });
});

describe('UTF-8 CSV', () => {
  it('is read unchanged, with or without a BOM', () => {
    const bytes = utf8Csv();
    const plain = parseCsv(bytes);
    const withBom = parseCsv(new Uint8Array([0xef, 0xbb, 0xbf, ...bytes]));

    expect(plain.problems).toEqual([]);
    expect(plain.records[1]?.value).toMatchObject({ note: NOTE });
    expect(withBom).toEqual(plain);
  });

  it('bytes that are not UTF-8 nor Cyrillic Windows-1251 get the plain UTF-8 message', () => {
    const head = new TextEncoder().encode(
      'eventId,participant,type,date,source,note\n1,SC-1,withdrawal,2024-05-01,caf',
    );
    const latin1 = new Uint8Array([...head, 0xe9, 0x0a]);

    expect(parseCsv(latin1).problems.map((p) => p.message)).toEqual([
      `invalid UTF-8 at byte offset ${head.length}: the file must be UTF-8 text`,
    ]);
  });
});

describe('the detection and the labels', () => {
  it('Cyrillic Windows-1251 is recognised; valid UTF-8 and Latin-1 are not', () => {
    expect(looksLikeWindows1251(CP1251)).toBe(true);
    expect(looksLikeWindows1251(utf8Csv())).toBe(false);
    // Latin-1 'café über': Latin words with a Windows-1251 Cyrillic letter inside
    expect(looksLikeWindows1251(new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x20, 0xfc, 0x62, 0x65, 0x72]))).toBe(false);
  });

  it('charset labels: utf-8 and windows-1251 by any of their names; others are not ours', () => {
    expect(['utf8', 'UTF-8', 'cp1251', 'windows-1251', 'x-cp1251'].map(textEncodingOf)).toEqual([
      'utf-8',
      'utf-8',
      'windows-1251',
      'windows-1251',
      'windows-1251',
    ]);
    expect(textEncodingOf('koi8-r')).toBeUndefined();
    expect(textEncodingOf('no-such-charset')).toBeUndefined();
  });
});
