/**
 * The operator's journey in Debian's chromium against the local stack: a
 * CSV with mistakes is refused (the problem table appears, the annotated
 * CSV downloads with its leading `problems` column, the log is unchanged);
 * the fixed CSV is accepted with a receipt; the same batch again shows the
 * original receipt as already received. axe-core finds no serious or
 * critical violation; screenshots in ru and en (.data/screenshots/operator-*.png).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { axeViolations, type Lang, screenshot, useConsoleBrowser } from '../support/browser.ts';
import { CONSENT_SHA256 } from '../support/evidence.ts';
import { workbookBytes } from '../support/xlsx.ts';

const HEADER =
  'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,reason,note';
const good = (n: number) =>
  `c${n},SC-0${n}00,enrolment,2024-03-01,operator,2024,released,female,1992,${CONSENT_SHA256},,,`;

describe('the operator in the console', () => {
  const b = useConsoleBrowser();

  for (const lang of ['ru', 'en'] as Lang[]) {
    it(`(${lang}) refuses a CSV with mistakes with every problem, then accepts the fixed file, and shows the same receipt again`, async () => {
      const contract = b.cli.freshContract(`op-${lang}`);
      const registered = await b.cli.run([
        'ministry',
        'register',
        '--contract',
        contract,
        '--token',
        await b.cli.token('ministry', 'm', [contract]),
      ]);
      expect(registered.code, registered.stderr).toBe(0);
      const bad = join(b.cli.path, `batch-${lang}-bad.csv`);
      const fixed = join(b.cli.path, `batch-${lang}.csv`);
      await writeFile(
        bad,
        [HEADER, good(1), `c2,SC-0200,enrolment,2030-01-01,operator,2024,released,x,1992,${CONSENT_SHA256},,,`].join(
          '\r\n',
        ),
      );
      await writeFile(fixed, [HEADER, good(1), good(2)].join('\r\n'));
      const before = await b.cli.logSize(contract);

      const p = await b.page({ lang });
      await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
      const { page } = p;
      await page.getByRole('link', { name: lang === 'ru' ? 'Передать данные' : 'Submit evidence' }).waitFor();
      const fileInput = page.locator('input[type=file]');
      await fileInput.setInputFiles(bad);
      const batchId = page.getByLabel(lang === 'ru' ? 'Идентификатор пакета' : 'Batch id');
      await expect.poll(() => batchId.inputValue()).toBe(`batch-${lang}-bad`);
      // The same id for the fixed file: the batch is the same, only corrected.
      await batchId.fill(`batch-${lang}`);
      await page.getByRole('button', { name: lang === 'ru' ? 'Передать пакет' : 'Submit batch' }).click();

      const table = page.getByTestId('problem-table');
      await table.waitFor();
      const rows = table.locator('tbody tr');
      expect(await rows.count()).toBeGreaterThanOrEqual(2);
      const cells = await table.locator('tbody td:first-child').allInnerTexts();
      expect(new Set(cells)).toEqual(new Set(['3']));
      const fields = await table.locator('tbody td:nth-child(3)').allInnerTexts();
      expect(fields).toEqual(expect.arrayContaining(['date', 'sex']));
      // The server's messages, in Russian where their pattern is known.
      const messages = await table.locator('tbody td:nth-child(4)').allInnerTexts();
      expect(messages).toEqual(
        expect.arrayContaining([
          expect.stringMatching(lang === 'ru' ? /^дата в будущем \(сегодня / : /^is in the future \(today is /),
          lang === 'ru' ? 'допустимые значения: male, female' : 'must be one of: male, female',
        ]),
      );
      expect(await b.cli.logSize(contract)).toBe(before);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-problems-${lang}`);

      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page
          .getByRole('button', {
            name: lang === 'ru' ? 'Скачать файл с ошибками (CSV)' : 'Download the file with its problems (CSV)',
          })
          .click(),
      ]);
      const annotated = (await readFile(await download.path())).toString('utf8').replace(/^\uFEFF/, '');
      const lines = annotated.trimEnd().split('\r\n');
      expect(lines[0]).toBe(`problems,${HEADER}`);
      expect(lines[1]).toBe(`,${good(1)}`);
      expect(lines[2]).toMatch(/^"[^"]*date: [^"]*"/);
      expect(lines[2]).toMatch(/^"[^"]*sex: [^"]*"/);
      expect(lines[2]).toContain('c2,SC-0200');

      await fileInput.setInputFiles(fixed);
      await expect.poll(() => batchId.inputValue()).toBe(`batch-${lang}`);
      await page.getByRole('button', { name: lang === 'ru' ? 'Передать пакет' : 'Submit batch' }).click();
      await page.getByTestId('receipt-seq').waitFor();
      expect(await page.getByTestId('receipt-count').innerText()).toBe('2');
      const seq = await page.getByTestId('receipt-seq').innerText();
      expect(Number(seq)).toBe(before);
      expect(await b.cli.logSize(contract)).toBe(before + 1);
      await page.getByText(lang === 'ru' ? 'Пакет принят.' : 'Batch accepted.').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-receipt-${lang}`);

      await page.getByRole('button', { name: lang === 'ru' ? 'Передать пакет' : 'Submit batch' }).click();
      await page
        .getByText(
          lang === 'ru'
            ? 'Этот пакет уже был принят: показана исходная квитанция.'
            : 'This batch had already been accepted: its original receipt is shown.',
        )
        .waitFor();
      expect(await page.getByTestId('receipt-seq').innerText()).toBe(seq);
      expect(await b.cli.logSize(contract)).toBe(before + 1);
      expect(p.errors.filter((e) => !/422|Unprocessable/.test(e))).toEqual([]);
    });
  }

  it('refuses an XLSX batch with its problems by row and cell, then accepts it from the sheet it names', async () => {
    const contract = b.cli.freshContract('op-xlsx');
    const token = await b.cli.token('ministry', 'm', [contract]);
    expect((await b.cli.run(['ministry', 'register', '--contract', contract, '--token', token])).code).toBe(0);
    const file = join(b.cli.path, 'intake-march.xlsx');
    await writeFile(
      file,
      await workbookBytes([
        { name: 'Notes', rows: [['nothing here']] },
        { name: 'Events', rows: [HEADER.split(','), good(1).split(','), good(2).split(',')] },
      ]),
    );
    const p = await b.page({ lang: 'en' });
    await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
    await p.page.locator('input[type=file]').setInputFiles(file);
    await expect.poll(() => p.page.getByLabel('Batch id').inputValue()).toBe('intake-march');
    // The first sheet is not the batch: refused, each problem placed by row and sheet.
    await p.page.getByRole('button', { name: 'Submit batch' }).click();
    await p.page.getByTestId('problem-table').waitFor();
    const columns = await p.page.getByTestId('problem-table').locator('tbody td:nth-child(2)').allInnerTexts();
    expect(columns.length).toBeGreaterThan(0);
    expect(columns.every((c) => c.startsWith('Notes'))).toBe(true);
    await screenshot(p.page, 'operator-xlsx-problems-en');
    expect(await b.cli.logSize(contract)).toBe(1);
    await p.page.getByLabel('Workbook sheet (optional)').fill('Events');
    await p.page.getByRole('button', { name: 'Submit batch' }).click();
    await p.page.getByText('Batch accepted.').waitFor();
    expect(await p.page.getByTestId('receipt-count').innerText()).toBe('2');
    expect(await b.cli.logSize(contract)).toBe(2);
  });

  it('refuses a file that is not JSON, CSV or XLSX, and an invalid batch id, in words', async () => {
    const contract = b.cli.freshContract('op-bad');
    const token = await b.cli.token('ministry', 'm', [contract]);
    expect((await b.cli.run(['ministry', 'register', '--contract', contract, '--token', token])).code).toBe(0);
    const p = await b.page({ lang: 'en' });
    await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
    const other = join(b.cli.path, 'notes.txt');
    await writeFile(other, 'hello');
    await p.page.locator('input[type=file]').setInputFiles(other);
    await p.page.getByText('notes.txt cannot be submitted').waitFor();
    const csv = join(b.cli.path, 'ok.csv');
    await writeFile(csv, [HEADER, good(1)].join('\r\n'));
    await p.page.locator('input[type=file]').setInputFiles(csv);
    await p.page.getByLabel('Batch id').fill('-bad id');
    await p.page.getByText('Batch id: only Latin letters').waitFor();
    expect(await p.page.getByRole('button', { name: 'Submit batch' }).isDisabled()).toBe(true);
  });
});
