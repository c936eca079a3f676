/**
 * The operator's batch history and evidence due in Debian's chromium against
 * the local stack: a registered contract with two batches submitted through
 * `sib operator submit`. The history shows each batch with its receipt and
 * "inclusion verified against checkpoint N", checked in the page; a proof
 * altered on its way (page.route) turns that batch's row red. The due page
 * lists the periods whose cut-off passed unevaluated and, as of a chosen
 * day, the participants whose windows close soon, by pseudonym; the
 * operator's own mapping file adds a reference column that never leaves the
 * browser. axe-core finds no serious or critical violation; screenshots in
 * ru and en (.data/screenshots/operator-history-*.png, operator-due-*.png).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, type Lang, screenshot, useConsoleBrowser } from '../support/browser.ts';
import { enrol, job, release } from '../support/evidence.ts';

describe('the operator: batch history and evidence due', () => {
  const b = useConsoleBrowser();
  let contract = '';

  beforeAll(async () => {
    const { cli } = b;
    contract = cli.freshContract('hist');
    const run = async (args: string[]) => {
      const result = await cli.run(args);
      expect(result.code, result.stderr).toBe(0);
    };
    const as = async (role: 'ministry' | 'operator', subject: string) => [
      '--token',
      await cli.token(role, subject, [contract]),
    ];
    const first = join(cli.path, 'history-1.json');
    const second = join(cli.path, 'history-2.json');
    await writeFile(
      first,
      JSON.stringify({
        batchId: 'intake-2024-01',
        records: [
          { ...enrol('e1', 'OP-1', '2024-01-05'), category: 'serving-sentence' },
          release('r1', 'OP-1', '2024-01-10'),
          { ...enrol('e2', 'OP-2', '2024-01-05'), category: 'serving-sentence' },
          release('r2', 'OP-2', '2024-01-12'),
          { ...enrol('e3', 'OP-3', '2024-01-08'), category: 'released' },
        ],
      }),
    );
    await writeFile(second, JSON.stringify({ batchId: 'jobs-2024-02', records: [job('j1', 'OP-2', '2024-02-01')] }));
    await run(['ministry', 'register', '--contract', contract, ...(await as('ministry', 'ministry-registrar'))]);
    await run(['operator', 'submit', '--contract', contract, first, ...(await as('operator', 'operator-1'))]);
    await run(['operator', 'submit', '--contract', contract, second, ...(await as('operator', 'operator-1'))]);
  });

  for (const lang of ['ru', 'en'] as Lang[]) {
    it(`(${lang}) shows each batch with its receipt and its inclusion verified in the page`, async () => {
      const p = await b.page({ lang });
      await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/history');
      const { page } = p;
      const rows = page.getByTestId('history-row');
      await expect.poll(() => page.getByTestId('inclusion-ok').count(), { timeout: 20_000 }).toBe(2);
      expect(await rows.locator('th').allInnerTexts()).toEqual(['jobs-2024-02', 'intake-2024-01']);
      const verified = await page.getByTestId('inclusion-ok').first().innerText();
      expect(verified).toMatch(
        lang === 'ru'
          ? /по контрольной точке 3 \(корень [0-9a-f]{12}…\)/
          : /against checkpoint 3 \(root [0-9a-f]{12}…\)/,
      );
      expect(await rows.nth(1).innerText()).toMatch(lang === 'ru' ? /зачисление\s+3/ : /enrolment\s+3/);
      expect(await page.getByTestId('inclusion-failed').count()).toBe(0);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-history-${lang}`);
      expect(p.errors).toEqual([]);
    });
  }

  it('turns a batch red when its proof is altered on the way, and says why', async () => {
    const p = await b.page({ lang: 'en' });
    await p.page.route('**/entries/1/proof**', async (route) => {
      const response = await route.fetch();
      const doc = (await response.json()) as { proof: string[]; leafHash: string };
      // One bit of the first sibling hash flipped: the path no longer leads to the signed root.
      const bytes = Uint8Array.from(atob(doc.proof[0] ?? ''), (c) => c.charCodeAt(0));
      bytes[0] = (bytes[0] ?? 0) ^ 1;
      doc.proof[0] = btoa(String.fromCharCode(...bytes));
      await route.fulfill({ response, json: doc });
    });
    await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/history');
    const failed = p.page.getByTestId('inclusion-failed');
    await failed.waitFor({ timeout: 20_000 });
    expect(await failed.count()).toBe(1);
    expect(await failed.innerText()).toMatch(
      /verification failed: the inclusion proof of seq 1 .* does not lead to the root/,
    );
    await expect.poll(() => p.page.getByTestId('inclusion-ok').count()).toBe(1);
    expect(await p.page.getByTestId('history-summary').innerText()).toBe('1 of 2 verified.');
    await screenshot(p.page, 'operator-history-tampered-en');
  });

  for (const lang of ['ru', 'en'] as Lang[]) {
    it(`(${lang}) lists the periods due and the windows closing soon, with the operator's own references`, async () => {
      const p = await b.page({ lang });
      await b.signIn(p, { role: 'operator', subject: 'operator-1', contracts: [contract] }, '/operator/due');
      const { page } = p;
      // Today: every period's cut-off has passed and none is evaluated.
      const periods = page.getByTestId('due-periods');
      await periods.waitFor({ timeout: 20_000 });
      expect(await periods.locator('tbody tr').count()).toBe(3);

      await page.getByLabel(lang === 'ru' ? 'На дату' : 'As of').fill('2024-06-01');
      await page.getByRole('button', { name: lang === 'ru' ? 'Показать' : 'Show', exact: true }).click();
      const windows = page.getByTestId('due-window-row');
      await expect.poll(() => windows.count(), { timeout: 20_000 }).toBe(2);
      // OP-1 (released 2024-01-10) and OP-3 (released at enrolment, 2024-01-08) are not employed: the 180-day windows close in July.
      const pseudonyms = await windows.locator('th').allInnerTexts();
      for (const ps of pseudonyms) expect(ps).toMatch(/^p-[0-9a-f]{32}$/);
      const closes = await windows.locator('td:nth-last-child(2)').allInnerTexts();
      expect(closes).toEqual(lang === 'ru' ? ['через 34 дн.', 'через 36 дн.'] : ['in 34 days', 'in 36 days']);
      expect(await page.getByTestId('due-periods').locator('tbody tr').count()).toBe(1);

      const mapping = join(b.cli.path, `mapping-${lang}.csv`);
      await writeFile(mapping, `pseudonym,reference\n${pseudonyms[0]},MY-REF-0001\n`);
      await page.getByTestId('due-reference-drop').locator('input[type=file]').setInputFiles(mapping);
      await page.getByTestId('due-reference').first().waitFor();
      expect(await page.getByTestId('due-reference').allInnerTexts()).toEqual(['MY-REF-0001', '—']);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `operator-due-${lang}`);
      expect(p.errors).toEqual([]);
    });
  }
});
