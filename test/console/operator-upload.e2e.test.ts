/**
 * The operator's submit page beyond the batch route, in Debian's chromium
 * against the local stack: a CSV over the batch route's limit (a few records
 * and a long tail of empty rows, as spreadsheets export them) goes through
 * the presigned upload straight from the browser to the S3 emulator (its CORS
 * rule, the console's CSP naming it), with a <progress> bar, and the S3-event
 * ingest's outcome appears as the batch route's would: the receipt, or the
 * problem table. The test stack plays no S3 notifications: the test hands
 * the ingest its event once the upload has landed, as
 * test/cli/roles-cli.test.ts does. A refused workbook downloads annotated as
 * XLSX (parsed here: its `problems` column, every other cell as sent); the
 * contract's template downloads as XLSX and CSV. axe-core finds no serious
 * or critical violation; screenshots in ru and en
 * (.data/screenshots/operator-upload-*.png, operator-xlsx-annotated-*.png).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LIMITS } from '#evidence';
import type { S3Event } from '../../functions/ingest-s3.ts';
import { axeViolations, type Lang, screenshot, useConsoleBrowser } from '../support/browser.ts';
import { CONSENT_SHA256 } from '../support/evidence.ts';
import { lambdaContext } from '../support/http.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { testStack } from '../support/stack.ts';
import { workbookBytes } from '../support/xlsx.ts';

const HEADER =
  'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,reason,note';
const good = (n: number) =>
  `c${n},SC-0${n}00,enrolment,2024-03-01,operator,2024,released,female,1992,${CONSENT_SHA256},,,`;
const bad = (n: number) => `c${n},SC-0${n}00,enrolment,2030-01-01,operator,2024,released,x,1992,${CONSENT_SHA256},,,`;
/** An empty spreadsheet row: skipped by the reader, but it weighs. */
const EMPTY_ROW = ',,,,,,,,,,,,';

/** The rows, then empty rows until the file is past the batch route's limit. */
function largeCsv(rows: readonly string[]): string {
  const head = `${[HEADER, ...rows].join('\r\n')}\r\n`;
  const padding = Math.ceil((LIMITS.jsonBytes + 64 * 1024 - head.length) / (EMPTY_ROW.length + 2));
  return head + `${EMPTY_ROW}\r\n`.repeat(padding);
}

describe('the operator submits large files, annotated workbooks and templates in the console', () => {
  const b = useConsoleBrowser();

  /**
   * Once the browser's upload has landed whole in the uploads bucket, hands
   * the S3-event ingest the ObjectCreated event S3 would send.
   */
  async function playNotification(key: string, size: number): Promise<void> {
    const bucket = testStack().buckets.uploads;
    let head: { ETag?: string; ContentLength?: number } | undefined;
    for (let i = 0; i < 600 && head?.ContentLength !== size; i++) {
      head = await b.cli.rt.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
      if (head?.ContentLength !== size) await sleep(100);
    }
    if (head?.ContentLength !== size) throw new Error(`the upload ${key} never landed whole`);
    const event = objectCreatedEvent({ bucket, key, size, eTag: head.ETag ?? '', eventTime: new Date().toISOString() });
    const { handler } = await import('../../functions/ingest-s3.ts');
    await (handler as unknown as (e: S3Event, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
      event,
      lambdaContext(),
    );
  }

  /** Limits the page's upload to `bytesPerSecond` until the session is detached. */
  async function throttle(context: BrowserContext, page: Page, bytesPerSecond: number): Promise<CDPSession> {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: bytesPerSecond,
    });
    return cdp;
  }

  async function registered(prefix: string): Promise<string> {
    const contract = b.cli.freshContract(prefix);
    const token = await b.cli.token('ministry', 'm', [contract]);
    const result = await b.cli.run(['ministry', 'register', '--contract', contract, '--token', token]);
    expect(result.code, result.stderr).toBe(0);
    return contract;
  }

  for (const lang of ['ru', 'en'] as Lang[]) {
    it(`(${lang}) uploads a CSV over the batch route's limit with a progress bar: its problems, then its receipt`, async () => {
      const contract = await registered(`up-${lang}`);
      const mistaken = join(b.cli.path, `large-${lang}-bad.csv`);
      const fixed = join(b.cli.path, `large-${lang}.csv`);
      const badText = largeCsv([good(1), bad(2)]);
      const goodText = largeCsv([good(1), good(2), good(3)]);
      await writeFile(mistaken, badText);
      await writeFile(fixed, goodText);
      expect(badText.length).toBeGreaterThan(LIMITS.jsonBytes);
      const before = await b.cli.logSize(contract);

      const p = await b.page({ lang });
      await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
      const { page } = p;
      const send = page.getByRole('button', { name: lang === 'ru' ? 'Передать пакет' : 'Submit batch' });
      await send.waitFor();
      await page.locator('input[type=file]').setInputFiles(mistaken);
      await page.getByTestId('upload-note').waitFor();
      const batchId = page.getByLabel(lang === 'ru' ? 'Идентификатор пакета' : 'Batch id');
      await batchId.fill(`large-${lang}`);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-upload-chosen-${lang}`);

      // The mistaken file: uploaded (slowed down, to see the bar move), then refused by the ingest with every problem.
      const network = await throttle(p.context, page, 1_500_000);
      await send.click();
      const progress = page.getByTestId('upload-progress');
      await expect
        .poll(async () => Number((await progress.getAttribute('value')) ?? 0), { timeout: 30_000 })
        .toBeGreaterThan(0);
      expect(Number(await progress.getAttribute('value'))).toBeLessThan(badText.length);
      await screenshot(page, `operator-upload-sending-${lang}`);
      await network.detach();
      await playNotification(`uploads/${contract}/large-${lang}.csv`, badText.length);
      const table = page.getByTestId('problem-table');
      await table.waitFor({ timeout: 60_000 });
      expect(new Set(await table.locator('tbody td:first-child').allInnerTexts())).toEqual(new Set(['3']));
      expect(await table.locator('tbody td:nth-child(3)').allInnerTexts()).toEqual(
        expect.arrayContaining(['date', 'sex']),
      );
      // The bar is full (every byte sent), its accessible value says so in figures.
      expect(Number(await progress.getAttribute('value'))).toBe(badText.length);
      expect(Number(await progress.getAttribute('max'))).toBe(badText.length);
      expect(await progress.getAttribute('aria-valuetext')).toMatch(/100\s?%/);
      expect(await b.cli.logSize(contract)).toBe(before);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-upload-problems-${lang}`);

      // The fixed file under the same batch id: accepted, its receipt shown.
      await page.locator('input[type=file]').setInputFiles(fixed);
      await batchId.fill(`large-${lang}`);
      await send.click();
      await playNotification(`uploads/${contract}/large-${lang}.csv`, goodText.length);
      await page.getByTestId('receipt-seq').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('receipt-count').innerText()).toBe('3');
      expect(Number(await page.getByTestId('receipt-seq').innerText())).toBe(before);
      expect(await b.cli.logSize(contract)).toBe(before + 1);
      await page.getByText(lang === 'ru' ? 'Пакет принят.' : 'Batch accepted.').waitFor();
      await page
        .getByText(lang === 'ru' ? 'Файл загружен и проверен.' : 'The file was uploaded and checked.')
        .waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-upload-receipt-${lang}`);
      expect(p.errors).toEqual([]);
    });

    it(`(${lang}) downloads a refused workbook annotated as XLSX: a problems column, every cell as sent`, async () => {
      const contract = await registered(`ax-${lang}`);
      const file = join(b.cli.path, `annotate-${lang}.xlsx`);
      const rows = [HEADER.split(','), good(1).split(','), bad(2).split(',')];
      await writeFile(
        file,
        await workbookBytes([
          { name: 'Events', rows },
          { name: 'Notes', rows: [['kept as it is']] },
        ]),
      );
      const p = await b.page({ lang });
      await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
      const { page } = p;
      await page.locator('input[type=file]').setInputFiles(file);
      await page.getByRole('button', { name: lang === 'ru' ? 'Передать пакет' : 'Submit batch' }).click();
      await page.getByTestId('problem-table').waitFor();
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-xlsx-annotated-${lang}`);
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page
          .getByRole('button', {
            name: lang === 'ru' ? 'Скачать книгу с ошибками (XLSX)' : 'Download the workbook with its problems (XLSX)',
          })
          .click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await readFile(await download.path())) as unknown as ArrayBuffer);
      expect(book.worksheets.map((s) => s.name)).toEqual(['Events', 'Notes']);
      const events = book.getWorksheet('Events');
      if (events === undefined) throw new Error('no sheet Events');
      // exceljs's row values are 1-based and sparse: holes are empty cells.
      const values = (n: number) =>
        Array.from((events.getRow(n).values as unknown[]).slice(1), (v) => (v ?? '') as string);
      expect(values(1)).toEqual(['problems', ...(rows[0] ?? [])]);
      // The good row: no problems, its cells as sent (empty trailing cells are not written).
      expect(values(2)[0]).toBe('');
      expect(values(2).slice(1, 11)).toEqual(rows[1]?.slice(0, 10));
      const problems = values(3)[0] ?? '';
      expect(problems).toMatch(
        lang === 'ru' ? /date: дата в будущем \(сегодня / : /date: is in the future \(today is /,
      );
      expect(problems).toContain(
        lang === 'ru' ? 'sex: допустимые значения: male, female' : 'sex: must be one of: male, female',
      );
      expect(values(3).slice(1, 11)).toEqual(rows[2]?.slice(0, 10));
      expect(book.getWorksheet('Notes')?.getCell('A1').value).toBe('kept as it is');
      expect(p.errors.filter((e) => !/422|Unprocessable/.test(e))).toEqual([]);
    });
  }

  it('cancels an upload while it is sent, and refuses a workbook or a JSON batch too large to be read whole, in words', async () => {
    const contract = await registered('up-cancel');
    const file = join(b.cli.path, 'cancelled.csv');
    await writeFile(file, largeCsv([good(1)]));
    const p = await b.page({ lang: 'en' });
    await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
    const { page } = p;
    await page.locator('input[type=file]').setInputFiles(file);
    const network = await throttle(p.context, page, 200_000);
    await page.getByRole('button', { name: 'Submit batch' }).click();
    const progress = page.getByTestId('upload-progress');
    await expect
      .poll(async () => Number((await progress.getAttribute('value')) ?? 0), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await page.getByRole('button', { name: 'Cancel the upload' }).click();
    await page.getByText('The upload was cancelled: the file was not sent and nothing was written.').waitFor();
    expect(await progress.count()).toBe(0);
    await network.detach();
    expect(await b.cli.logSize(contract)).toBe(1);

    // The page refuses by size alone, before reading anything.
    const workbook = join(b.cli.path, 'huge.xlsx');
    await writeFile(workbook, Buffer.alloc(1024 ** 2 + 1));
    await page.locator('input[type=file]').setInputFiles(workbook);
    await page.getByText('Save the sheet as "CSV UTF-8" and submit the CSV').waitFor();
    const json = join(b.cli.path, 'huge.json');
    await writeFile(json, Buffer.alloc(LIMITS.jsonBytes + 1, 0x20));
    await page.locator('input[type=file]').setInputFiles(json);
    await page.getByText('a JSON batch that large is not taken').waitFor();
    expect(await page.getByRole('button', { name: 'Submit batch' }).isDisabled()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, 'operator-upload-too-large-en');
  });

  it("downloads the contract's fill-in template as XLSX and as CSV; the page's CSP names the S3 emulator", async () => {
    // The browser PUTs uploads to the emulator's origin: the console's connect-src must allow it, and only it beyond its own.
    const shell = await fetch(`${b.url}/`, { headers: { accept: 'text/html' } });
    const connect = /connect-src ([^;]*)/.exec(shell.headers.get('content-security-policy') ?? '')?.[1];
    expect(connect).toBe(`'self' ${new URL(testStack().s3.endpoint).origin}`);
    const contract = await registered('tpl');
    const p = await b.page({ lang: 'en' });
    await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/batches');
    const { page } = p;
    const get = async (name: string) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name }).click()]);
      return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
    };
    const xlsx = await get('Download the template (XLSX)');
    expect(xlsx.name).toBe(`${contract}-template.xlsx`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes as unknown as ArrayBuffer);
    expect(book.getWorksheet('Evidence')).toBeDefined();
    const csv = await get('Download the template (CSV)');
    expect(csv.name).toBe(`${contract}-template.csv`);
    expect(csv.bytes.toString('utf8').split('\r\n')[0]).toContain('[eventId]');
    expect(p.errors).toEqual([]);
  });
});
