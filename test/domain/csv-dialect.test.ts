/**
 * Russian Excel's CSV dialect (domain/intake/csv-dialect.ts, the separator
 * in csv-reader.ts), on fixture files of synthetic data: `;` separators,
 * dd.mm.yyyy dates and upper-case hashes are accepted and converted, and the
 * file's dialect is stated; amounts with thousands separators or a decimal
 * comma, mixed or other date spellings are refused with the line, the column
 * and what to write instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CsvDialect, parseCsv, parseCsvStream } from '#intake';
import { CONSENT_SHA256 } from '../support/evidence.ts';

const fixture = (name: string) =>
  new Uint8Array(readFileSync(new URL(`../fixtures/russian-excel/${name}`, import.meta.url)));
const csv = (...lines: string[]) => new TextEncoder().encode(`${lines.join('\r\n')}\r\n`);
const HEADER = 'eventId;participant;type;date;source;cohort;category;sex;birthYear;consentSha256';
const enrolRow = (id: string, date: string, hash = CONSENT_SHA256.toUpperCase()) =>
  `${id};SC-1;enrolment;${date};operator;2024;released;male;1990;${hash}`;

/** The same file in the documented form: commas, ISO dates, lower-case hashes. */
const DOCUMENTED = csv(
  'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,contractType,monthlyWage,reason,note',
  `x1,SC-7001,enrolment,2024-03-01,operator,2024,released,female,1990,${CONSENT_SHA256},,,,,`,
  'x2,SC-7001,employment-started,2024-04-15,employer,,,,,,KAMRYBPROM,fixed-term,5200000,,',
  'x3,SC-7001,employment-ended,2024-05-31,employer,,,,,,KAMRYBPROM,,,contract-ended,"сезон закончился; работодатель ""готов взять снова"""',
);

async function streamed(bytes: Uint8Array, size: number, encoding?: 'windows-1251') {
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  const seen: { dialect?: CsvDialect } = {};
  const values: unknown[] = [];
  const problems: unknown[] = [];
  for await (const row of parseCsvStream(chunks(), encoding ? { encoding } : {}, seen)) {
    problems.push(...row.problems);
    if (row.value !== undefined) values.push(row.value);
  }
  return { values, problems, dialect: seen.dialect };
}

describe('accepted and converted', () => {
  it("Russian Excel's file (BOM, ';', dd.mm.yyyy, upper-case hash) reads as the documented form, its dialect stated", () => {
    const excel = parseCsv(fixture('excel-ru-utf8.csv'));
    const documented = parseCsv(DOCUMENTED);

    expect(excel.problems).toEqual([]);
    expect(excel.records).toEqual(documented.records);
    expect(excel.dialect).toEqual({ separator: ';', dates: 'dd.mm.yyyy', upperCaseHashes: true });
    expect(documented.dialect).toBeUndefined();
  });

  it('the same in Windows-1251, named by the sender: the encoding is part of the dialect', () => {
    const file = parseCsv(fixture('excel-ru-cp1251.csv'), { encoding: 'windows-1251' });

    expect(file.problems).toEqual([]);
    expect(file.records.map((r) => (r.value as { date: string }).date)).toEqual([
      '2024-03-01',
      '2024-04-15',
      '2024-05-31',
    ]);
    expect(file.dialect).toEqual({
      encoding: 'windows-1251',
      separator: ';',
      dates: 'dd.mm.yyyy',
      upperCaseHashes: true,
    });
  });

  it('gives the same rows and dialect in chunks of any size as whole', async () => {
    const whole = parseCsv(fixture('excel-ru-utf8.csv'));
    for (const size of [1, 3, 17, 4096]) {
      const chunked = await streamed(fixture('excel-ru-utf8.csv'), size);
      expect(chunked.problems).toEqual([]);
      expect(chunked.values).toEqual(whole.records.map((r) => r.value));
      expect(chunked.dialect).toEqual(whole.dialect);
    }
  });

  it('a comma-separated header keeps commas, whatever the cells hold; blank lines before the header are skipped', () => {
    const commas = parseCsv(csv('eventId,participant,type,date,source,note', 'a;b,SC-1,withdrawal,2024-05-01,x,'));
    const blank = parseCsv(csv('', '', HEADER, enrolRow('e1', '01.03.2024')));

    expect(commas.dialect).toBeUndefined();
    expect(commas.records[0]?.value).toMatchObject({ eventId: 'a;b' });
    expect(blank.problems).toEqual([]);
    expect(blank.dialect).toEqual({ separator: ';', dates: 'dd.mm.yyyy', upperCaseHashes: true });
    expect(blank.records[0]?.at).toBe(4);
    expect(blank.records[0]?.value).toMatchObject({ date: '2024-03-01', consentSha256: CONSENT_SHA256 });
  });
});

describe('refused with what to write instead, by line and column', () => {
  it('an amount with a no-break space for thousands and a decimal comma: the minor units to write', () => {
    const { records, problems } = parseCsv(fixture('excel-ru-amounts.csv'));

    expect(records.map((r) => r.at)).toEqual([2]);
    expect(problems).toEqual([
      {
        at: 3,
        field: 'monthlyWage',
        message:
          'write the amount in minor units (kopecks, tiyn) as digits only: 1250050 for 12\u00a0500,50, without spaces, thousands separators or a decimal comma',
      },
    ]);
  });

  it.each([
    ['12 500', '1250000'],
    ['12500,5', '1250050'],
    ['6500.00', '650000'],
    ['1\u202f234\u202f567,89', '123456789'],
  ])('the amount %s: write %s', (shown, minor) => {
    const { problems } = parseCsv(
      csv(
        'eventId;participant;type;date;source;employerId;contractType;monthlyWage',
        `j1;SC-1;employment-started;2024-04-01;employer;KAMRYBPROM;permanent;${shown}`,
      ),
    );
    expect(problems).toEqual([expect.objectContaining({ at: 2, field: 'monthlyWage' })]);
    expect(problems[0]?.message).toContain(`: ${minor} for ${shown},`);
  });

  it('dates mixed in one file: the cells written otherwise than the first date, with the rewrite', () => {
    const dottedFirst = parseCsv(csv(HEADER, enrolRow('e1', '01.03.2024'), enrolRow('e2', '2024-03-02')));
    const isoFirst = parseCsv(csv(HEADER, enrolRow('e1', '2024-03-01'), enrolRow('e2', '02.03.2024')));

    expect(dottedFirst.problems).toEqual([
      {
        at: 3,
        field: 'date',
        message:
          'the file writes dates as dd.mm.yyyy (first at line 2, date): write 2024-03-02 as 02.03.2024, as every other date in the file',
      },
    ]);
    expect(isoFirst.problems).toEqual([
      {
        at: 3,
        field: 'date',
        message:
          'the file writes dates as YYYY-MM-DD (first at line 2, date): write 02.03.2024 as 2024-03-02, as every other date in the file',
      },
    ]);
  });

  it('other date spellings (one-digit parts, two-digit years, slashes) and days not in the calendar', () => {
    const { problems } = parseCsv(
      csv(
        HEADER,
        enrolRow('e1', '1.3.2024'),
        enrolRow('e2', '01.03.24'),
        enrolRow('e3', '01/03/2024'),
        enrolRow('e4', '31.02.2024'),
      ),
    );

    expect(problems.map((p) => [p.at, p.field, p.message])).toEqual([
      [
        2,
        'date',
        '1.3.2024: write dates as YYYY-MM-DD, or as dd.mm.yyyy with two-digit day and month and a four-digit year (e.g. 01.03.2024); slashes are not read',
      ],
      [3, 'date', expect.stringContaining('(e.g. 01.03.2024)')],
      [4, 'date', expect.stringContaining('slashes are not read')],
      [5, 'date', '31.02.2024 is not a calendar date (dd.mm.yyyy)'],
    ]);
  });

  it('structural problems of a semicolon file name the semicolon', () => {
    const { problems } = parseCsv(
      csv(HEADER, `"e1"x;SC-1;enrolment;2024-03-01;operator;2024;released;male;1990;${CONSENT_SHA256}`),
    );

    expect(problems).toEqual([
      {
        at: 2,
        field: 'eventId',
        message:
          'text after a closing quote: a quoted field must end at a semicolon or line end (double a quote inside quotes)',
      },
    ]);
  });

  it('a hash that is not 64 hex digits is left to the record check (not lower-cased, no dialect)', () => {
    const file = parseCsv(csv(HEADER, enrolRow('e1', '2024-03-01', 'ABC')));

    expect(file.records[0]?.value).toMatchObject({ consentSha256: 'ABC' });
    expect(file.dialect).toEqual({ separator: ';' });
  });
});
