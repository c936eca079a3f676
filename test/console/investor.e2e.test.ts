/**
 * The investor's journeys in Debian's chromium against the local stack: a
 * contract registered, evidence submitted, y1 evaluated, attested, approved
 * (its report issued), paid and reported again, each by another subject
 * through `sib`. The investor sees the reports (the paid one current, the
 * approved one superseded) and the payments split per investor; verifies
 * the genuine report green and a tampered one red, in the page, signed out,
 * with the deployment's trust policy as a file; and a log restored to an
 * older copy (the DynamoDB items put back, as a restored data file would)
 * raises the rollback alarm naming both sizes, as does a fork of it. Every
 * page in ru and en is screenshotted (.data/screenshots/investor-*) and
 * checked with axe-core.
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import { encodeReport } from '#reports';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { checkpointPk, headKey, logPk } from '../../functions/adapters/ledger-items.ts';
import { copyOf, secondChanceReport } from '../support/audit-report.ts';
import {
  axeViolations,
  type ConsolePage,
  type Lang,
  screenshot,
  setLang,
  useConsoleBrowser,
} from '../support/browser.ts';
import { enrol, job } from '../support/evidence.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const client = dynamoClient();
const doc = DynamoDBDocumentClient.from(client);
const store = new DynamoLedger({ client: doc, tables: testStack().tables });
const TABLE = testStack().tables.ledger;
afterAll(() => client.destroy());

/** Every stored item of a contract's log (entries, nodes, checkpoints, HEAD): an older copy of the data file. */
async function snapshot(contract: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (const pk of [logPk(contract), checkpointPk(contract)]) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await doc.send(
        new QueryCommand({
          TableName: TABLE,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExclusiveStartKey: start,
        }),
      );
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  const head = await doc.send(new GetCommand({ TableName: TABLE, Key: headKey(contract) }));
  return [...items, head.Item as Record<string, unknown>];
}

/** Puts an older copy of a log back in place of the log as it is now. */
async function restore(contract: string, older: readonly Record<string, unknown>[]): Promise<void> {
  for (const item of await snapshot(contract)) {
    await doc.send(new DeleteCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));
  }
  for (const item of older) await doc.send(new PutCommand({ TableName: TABLE, Item: item }));
}

async function appendNotes(contract: string, tag: string, count: number): Promise<void> {
  for (let n = 0; n < count; n++) {
    await store.append({
      contract,
      idempotencyKey: `${tag}-${n}`,
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { tag, n } },
    });
  }
}

/** How long a page may take to show what it loads (the machine is shared). */
const WAIT = { timeout: 20_000 };

describe('the investor in the console', () => {
  const b = useConsoleBrowser();
  const { cli } = b;
  let contract = '';
  let reportFile = '';
  let policyFile = '';
  let tamperedFile = '';
  let downloadedFile = '';
  let publishedFile = '';
  let reports: { sha256: string; size: number }[] = [];

  const run = async (args: string[]) => {
    const result = await cli.run(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };

  beforeAll(async () => {
    contract = cli.freshContract('inv');
    const file = join(cli.contractsDir, `${contract}.json`);
    const spec = JSON.parse(await readFile(file, 'utf8')) as { payments: unknown[] };
    const perOutcome = { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' };
    await writeFile(file, JSON.stringify({ ...spec, payments: [...spec.payments, perOutcome] }));
    const batch = join(cli.path, 'investor-batch.json');
    await writeFile(
      batch,
      JSON.stringify({
        batchId: 'b-1',
        records: [
          { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
          job('j1', 'OP-1', '2024-02-01'),
          { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'released' },
          job('j2', 'OP-2', '2024-03-01'),
          enrol('e3', 'OP-3', '2024-02-01'),
        ],
      }),
    );
    const as = async (role: 'ministry' | 'operator' | 'evaluator', subject: string) => [
      '--token',
      await cli.token(role, subject, [contract]),
    ];
    const target = ['--contract', contract, '--payment', '2'];
    await run(['ministry', 'register', '--contract', contract, ...(await as('ministry', 'ministry-registrar'))]);
    await run(['operator', 'submit', '--contract', contract, batch, ...(await as('operator', 'operator-1'))]);
    await run([
      'evaluator',
      'evaluate',
      '--contract',
      contract,
      '--period',
      'y1',
      ...(await as('evaluator', 'calc-evaluator')),
    ]);
    await run(['evaluator', 'attest', ...target, ...(await as('evaluator', 'field-evaluator'))]);
    await run(['ministry', 'approve', ...target, ...(await as('ministry', 'ministry-head'))]);
    await run([
      'ministry',
      'mark-paid',
      ...target,
      '--order',
      'PP-2025-000002',
      '--date',
      '2025-03-31',
      ...(await as('ministry', 'ministry-treasury')),
    ]);
    const officer = await as('ministry', 'ministry-head');
    await run(['ministry', 'issue-report', ...target, '--lang', 'ru', ...officer]);
    await run(['ministry', 'issue-report', ...target, '--lang', 'en', ...officer]);

    // The investor's own copy of the report and of the deployment's trust policy (compared out of band).
    const investor = await cli.token('investor', 'investor-1', [contract]);
    const headers = { authorization: `Bearer ${investor}` };
    const listed = (await (await fetch(`${b.url}/contracts/${contract}/reports`, { headers })).json()) as {
      reports: { sha256: string; size: number }[];
    };
    reports = listed.reports;
    expect(reports).toHaveLength(2);
    const current = [...reports].sort((x, y) => y.size - x.size)[0] as { sha256: string };
    const dir = join(cli.path, 'investor-downloads');
    const downloaded = await run([
      'investor',
      'download',
      '--contract',
      contract,
      '--report',
      current.sha256,
      '-o',
      dir,
      '--json',
      '--token',
      investor,
    ]);
    downloadedFile = (JSON.parse(downloaded.stdout) as { files: string[] }).files[0] as string;
    publishedFile = join(cli.path, 'published-trust-policy.json');
    await writeFile(publishedFile, await (await fetch(`${b.url}/contracts/${contract}/trust`, { headers })).text());
    // The report to verify in the page: the Second Chance fixture, every decision signed by its party's key,
    // with the trust policy naming those keys (a stack without enrolled party keys fails `party signatures`).
    const parties = memoryParties();
    const fixture = await secondChanceReport({ parties });
    reportFile = join(cli.path, 'second-chance-y2.json');
    await writeFile(reportFile, fixture.bytes);
    policyFile = join(cli.path, 'trust-policy.json');
    const policy: TrustPolicy = {
      format: TRUST_POLICY_FORMAT,
      logs: [
        {
          contract: fixture.spec.id,
          origin: `test.log/${fixture.spec.id}`,
          logKey: fixture.logKey,
          witnesses: { quorum: 1, keys: [fixture.witnessKey] },
          parties: partyKeysOf(parties),
        },
      ],
    };
    await writeFile(policyFile, JSON.stringify(policy, null, 2));
    const changed = copyOf(fixture.report);
    (changed.payments.lines[0] as { amount: string }).amount = '3500000001';
    tamperedFile = join(cli.path, 'second-chance-y2-changed.json');
    await writeFile(tamperedFile, encodeReport(changed).bytes);
  });

  const signedIn = async (lang: Lang, path: string): Promise<ConsolePage> => {
    // Opened first where a stranger's page asks the API nothing (the contracts page would, before its redirect).
    const p = await b.page({ lang, path: '/investor/verify' });
    await b.signIn(p, { role: 'investor', subject: 'investor-1', contracts: [contract] }, path);
    return p;
  };

  it('lists the reports: the paid one current, the approved one superseded, each downloadable', async () => {
    for (const lang of ['ru', 'en'] as const) {
      const p = await signedIn(lang, '/investor/reports');
      const rows = p.page.locator('tr[data-report]');
      await expect.poll(() => rows.count(), WAIT).toBe(2);
      const current = p.page.locator('tr.current');
      await expect.poll(() => current.count(), WAIT).toBe(1);
      const text = await current.innerText();
      expect(text).toMatch(lang === 'ru' ? /Текущий/ : /Current/);
      expect(text).toMatch(lang === 'ru' ? /Выплачен/ : /paid/i);
      expect(text).toMatch(/100[\s\u00a0\u202f,]000[.,]00/);
      expect(await p.page.locator('tr.superseded').innerText()).toMatch(lang === 'ru' ? /Заменён/ : /Superseded/);
      // The JSON opens from its presigned link (a navigation, not a fetch the CSP would refuse).
      const popup = p.page.waitForEvent('popup');
      await current.getByRole('link', { name: /JSON/ }).click();
      const opened = await popup;
      await opened.waitForLoadState();
      expect(opened.url()).toMatch(/\.json\?/);
      await opened.close();
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `investor-reports-${lang}`);
      expect(p.errors).toEqual([]);
    }
  });

  it('shows what each investor was paid, per period, with totals', async () => {
    for (const lang of ['ru', 'en'] as const) {
      const p = await signedIn(lang, '/investor/payments');
      const table = p.page.locator('table.payments');
      await expect.poll(() => table.locator('tbody tr').count(), WAIT).toBeGreaterThan(0);
      expect(await table.innerText()).toMatch(/PP-2025-000002/);
      expect(await table.innerText()).toMatch(lang === 'ru' ? /Выплачено/ : /Paid/);
      expect(await p.page.locator('table.payment-totals tfoot').innerText()).toMatch(/100[\s\u00a0\u202f,]000[.,]00/);
      // The table downloads as CSV: every line, the amount in major units.
      const download = p.page.waitForEvent('download');
      await p.page
        .getByRole('button', { name: lang === 'ru' ? /Скачать CSV/ : /Download CSV/ })
        .first()
        .click();
      const csv = await readFile((await (await download).path()) as string, 'utf8');
      expect(csv).toMatch(/PP-2025-000002/);
      expect(csv).toMatch(/100000\.00/);
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `investor-payments-${lang}`);
      expect(p.errors).toEqual([]);
    }
  });

  it("marks the investor's own line when the subject is the spec's investor id", async () => {
    const p = await b.page({ lang: 'ru', path: '/investor/verify' });
    await b.signIn(p, { role: 'investor', subject: 'veb-dv', contracts: [contract] }, '/investor/payments');
    const mine = p.page.locator('table.payments tr.mine');
    await expect.poll(() => mine.count(), WAIT).toBe(1);
    expect(await mine.innerText()).toMatch(/ВЭБ\.ДВ \(VEB\.DV\) \(вы\)/);
    expect(p.errors).toEqual([]);
  });

  it('verifies the genuine report green and a tampered one red, in the page, signed out', async () => {
    for (const lang of ['ru', 'en'] as const) {
      const p = await b.page({ lang, path: '/investor/verify' });
      const uploads: string[] = [];
      p.page.on('request', (r) => {
        if (r.method() !== 'GET') uploads.push(`${r.method()} ${r.url()}`);
      });
      const t =
        lang === 'ru'
          ? { report: 'Файл отчёта (JSON)', policy: 'Политика доверия (JSON)', run: 'Проверить отчёт' }
          : { report: 'Report file (JSON)', policy: 'Trust policy (JSON)', run: 'Verify the report' };
      if (lang === 'ru') {
        // Dropped onto its zone (in English, picked with the labelled input).
        const text = await readFile(reportFile, 'utf8');
        const dropped = await p.page.evaluateHandle((json) => {
          // In the page: the browser's DataTransfer (the test's own types have no DOM).
          const page = globalThis as unknown as { DataTransfer: new () => { items: { add(file: File): void } } };
          const data = new page.DataTransfer();
          data.items.add(new File([json], 'second-chance-y2.json', { type: 'application/json' }));
          return data;
        }, text);
        await p.page.dispatchEvent('[data-testid="report-drop"]', 'drop', { dataTransfer: dropped });
        await expect
          .poll(() => p.page.getByTestId('report-drop').innerText(), WAIT)
          .toMatch(/Выбран: second-chance-y2\.json/);
      } else {
        await p.page.getByLabel(t.report).setInputFiles(reportFile);
      }
      await p.page.getByLabel(t.policy).setInputFiles(policyFile);
      await p.page.getByRole('button', { name: t.run }).click();
      await p.page.locator('[data-verdict="ok"]').waitFor();
      expect(await p.page.locator('tr.check-bad').count()).toBe(0);
      expect(await p.page.locator('tr.check-ok').count()).toBeGreaterThan(20);
      expect(await p.page.locator('[data-verify-ms]').getAttribute('data-verify-ms')).toMatch(/^\d+(\.\d)?$/);
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `investor-verify-ok-${lang}`);

      await p.page.getByLabel(t.report).setInputFiles(tamperedFile);
      await p.page.getByRole('button', { name: t.run }).click();
      await p.page.locator('[data-verdict="failed"]').waitFor();
      const failed = await p.page
        .locator('tr.check-bad')
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-check')));
      expect(failed).toEqual(expect.arrayContaining(['report signature', 'payment lines', 'total']));
      expect(await p.page.getByRole('alert').first().innerText()).toMatch(
        lang === 'ru' ? /Подпись отчёта/ : /Report signature/,
      );
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `investor-verify-tampered-${lang}`);
      expect(uploads).toEqual([]);
      expect(p.errors).toEqual([]);
    }
  });

  it("gives the stack's report the same verdict, check by check, as `sib report verify --trust`", async () => {
    const cliRun = await cli.run(['report', 'verify', downloadedFile, '--trust', publishedFile, '--json']);
    const expected = (JSON.parse(cliRun.stdout) as { checks: { name: string; ok: boolean; message?: string }[] })
      .checks;
    const p = await b.page({ lang: 'en', path: '/investor/verify' });
    await p.page.getByLabel('Report file (JSON)').setInputFiles(downloadedFile);
    await p.page.getByLabel('Trust policy (JSON)').setInputFiles(publishedFile);
    await p.page.getByRole('button', { name: 'Verify the report' }).click();
    await p.page.locator('[data-verdict]').waitFor();
    const shown = await p.page.locator('tr[data-check]').evaluateAll((rows) =>
      rows.map((r) => ({
        name: r.getAttribute('data-check'),
        ok: r.classList.contains('check-ok'),
        message: r.querySelector('.check-message')?.textContent ?? '',
      })),
    );
    expect(shown).toEqual(expected.map((c) => ({ name: c.name, ok: c.ok, message: c.message ?? '' })));
    expect(p.errors).toEqual([]);
  });

  it("signed in, offers the deployment's policy with its fingerprints and a warning, and verifies with it", async () => {
    for (const lang of ['ru', 'en'] as const) {
      const t =
        lang === 'ru'
          ? {
              fetch: 'Загрузить политику, опубликованную сервером',
              use: 'Использовать эту политику для проверки',
              report: 'Файл отчёта (JSON)',
              run: 'Проверить отчёт',
              warning: /из ваших собственных документов/,
            }
          : {
              fetch: 'Fetch the policy the server publishes',
              use: 'Use this policy for the check',
              report: 'Report file (JSON)',
              run: 'Verify the report',
              warning: /from your own records/,
            };
      const p = await signedIn(lang, '/investor/verify');
      await p.page.getByText(t.fetch, { exact: true }).first().click();
      await p.page.getByRole('button', { name: t.fetch }).click();
      const keys = p.page.locator('table.keys');
      await keys.waitFor();
      expect(await keys.innerText()).toMatch(/[0-9a-f]{4} [0-9a-f]{4} [0-9a-f]{4}/);
      expect(await p.page.locator('details.panel').innerText()).toMatch(t.warning);
      await screenshot(p.page, `investor-verify-published-${lang}`);
      await p.page.getByRole('button', { name: t.use }).click();
      await p.page.getByLabel(t.report).setInputFiles(downloadedFile);
      await p.page.getByRole('button', { name: t.run }).click();
      await p.page.locator('[data-verdict]').waitFor();
      expect(await p.page.locator('tr[data-check="trust policy"]').getAttribute('class')).toBe('check-ok');
      expect(await axeViolations(p.page)).toEqual([]);
      expect(p.errors).toEqual([]);
    }
  });

  it('a log restored to an older copy raises the rollback alarm, and a fork of it too; the remembered checkpoint stays', async () => {
    // Prepare: a contract registered (1 entry), its log copied, then grown to 3 and seen by the investor.
    const watched = cli.freshContract('watch');
    await run(['ministry', 'register', '--contract', watched, '--token', await cli.token('ministry', 'm', [watched])]);
    const older = await snapshot(watched);
    await appendNotes(watched, `grow-${randomUUID().slice(0, 6)}`, 2);
    const p = await b.page({ lang: 'ru', path: '/investor/verify' });
    await b.signIn(p, { role: 'investor', subject: 'investor-1', contracts: [watched] }, '/investor/reports');
    await expect.poll(() => p.page.locator('.log-watch-status').innerText(), WAIT).toMatch(/проверен: 3 записи/);
    const remembered = () =>
      p.page.evaluate(() => Object.values(JSON.parse(localStorage.getItem('sib-console.log-watch.v1') ?? '{}')));
    expect(await remembered()).toEqual([expect.objectContaining({ size: 3 })]);

    // Act: the older copy put back (1 entry), and the page visited again.
    await restore(watched, older);
    await p.page.reload();

    // Assess
    const alarm = p.page.locator('[data-alarm]');
    await alarm.waitFor();
    expect(await alarm.getAttribute('data-alarm')).toBe('rollback');
    expect(await alarm.getAttribute('role')).toBe('alert');
    const text = await alarm.innerText();
    expect(text).toMatch(
      new RegExp(`${watched}.*записей в нём сейчас: 1, а при прошлой проверке в этом браузере было: 3`, 's'),
    );
    expect(await axeViolations(p.page)).toEqual([]);
    await screenshot(p.page, 'investor-alarm-rollback-ru');
    await setLang(p.page, 'en');
    await alarm.waitFor();
    expect(await alarm.innerText()).toMatch(/now holds 1 entry, but this browser verified it before at 3 entries/);
    expect(await axeViolations(p.page)).toEqual([]);
    await screenshot(p.page, 'investor-alarm-rollback-en');
    expect(await remembered()).toEqual([expect.objectContaining({ size: 3 })]);

    // Act: two other entries on the older copy: a log of the remembered size that does not extend it.
    await appendNotes(watched, `fork-${randomUUID().slice(0, 6)}`, 2);
    await p.page.reload();
    await expect.poll(() => p.page.locator('[data-alarm]').getAttribute('data-alarm'), WAIT).toBe('fork');
    expect(await p.page.locator('[data-alarm]').innerText()).toMatch(
      /does not extend the log this browser verified before \(3 entries then, 3 entries now\)/,
    );
    expect(await remembered()).toEqual([expect.objectContaining({ size: 3 })]);

    // A log reset on purpose: the person forgets the checkpoint (two steps), and the log is remembered anew.
    const before = (await remembered())[0] as { root: string };
    await p.page.locator('[data-alarm] summary').click();
    await p.page.getByRole('button', { name: /Forget the checkpoint verified before/ }).click();
    expect(await axeViolations(p.page)).toEqual([]);
    await screenshot(p.page, 'investor-alarm-fork-forget-en');
    await p.page.getByRole('button', { name: 'Yes, forget it and check again' }).click();
    await expect.poll(() => p.page.locator('[data-alarm]').count(), WAIT).toBe(0);
    await expect.poll(() => p.page.locator('.log-watch-status').innerText(), WAIT).toMatch(/is verified: 3 entries/);
    expect(await remembered()).toEqual([expect.objectContaining({ size: 3 })]);
    expect(((await remembered())[0] as { root: string }).root).not.toBe(before.root);
    expect(p.errors).toEqual([]);
  });
});
