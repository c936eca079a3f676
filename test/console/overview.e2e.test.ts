/**
 * The console's foundation in Debian's chromium against the local stack: a
 * contract registered, evidence submitted, y1 evaluated twice (the first
 * evaluation superseded), the second attested, approved and paid, each by
 * its own subject through `sib`. Each role signs in through the development
 * form (subject, role, one contract), sees its contracts with its next
 * steps, opens the overview (parties, indicators, caps, the budget chart
 * with its table, the periods with each payment's state, the log) in
 * Russian and English, and signs out: sessionStorage emptied, no token in
 * localStorage. A session near its end says so. Every page is checked with
 * axe-core and screenshotted (.data/screenshots/overview-*).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { axeViolations, type ConsolePage, type Lang, screenshot, useConsoleBrowser } from '../support/browser.ts';
import { enrol, job } from '../support/evidence.ts';

const ROLES: readonly ApiRole[] = ['ministry', 'investor', 'operator', 'evaluator'];

describe('the contract overview in the console', () => {
  const b = useConsoleBrowser();
  const { cli } = b;
  let contract = '';

  const run = async (args: string[]) => {
    const result = await cli.run(args);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };

  beforeAll(async () => {
    contract = cli.freshContract('ov');
    const file = join(cli.contractsDir, `${contract}.json`);
    const spec = JSON.parse(await readFile(file, 'utf8')) as { payments: unknown[] };
    const perOutcome = { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: '5000000' };
    await writeFile(file, JSON.stringify({ ...spec, payments: [...spec.payments, perOutcome] }));
    const batch = (id: string, records: unknown[]) => {
      const path = join(cli.path, `${id}.json`);
      return writeFile(path, JSON.stringify({ batchId: id, records })).then(() => path);
    };
    const as = async (role: 'ministry' | 'operator' | 'evaluator', subject: string) => [
      '--token',
      await cli.token(role, subject, [contract]),
    ];
    const evaluate = async () =>
      run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y1', ...(await as('evaluator', 'calc'))]);
    await run(['ministry', 'register', '--contract', contract, ...(await as('ministry', 'ministry-registrar'))]);
    const first = await batch('b-1', [
      { ...enrol('e1', 'OP-1', '2024-01-10'), category: 'released' },
      job('j1', 'OP-1', '2024-02-01'),
    ]);
    await run(['operator', 'submit', '--contract', contract, first, ...(await as('operator', 'operator-1'))]);
    await evaluate(); // payment 2, superseded by the next
    const second = await batch('b-2', [
      { ...enrol('e2', 'OP-2', '2024-01-10'), category: 'released' },
      job('j2', 'OP-2', '2024-03-01'),
    ]);
    await run(['operator', 'submit', '--contract', contract, second, ...(await as('operator', 'operator-1'))]);
    await evaluate(); // payment 4
    const target = ['--contract', contract, '--payment', '4'];
    await run(['evaluator', 'attest', ...target, ...(await as('evaluator', 'field-evaluator'))]);
    await run(['ministry', 'approve', ...target, ...(await as('ministry', 'ministry-head'))]);
    await run([
      'ministry',
      'mark-paid',
      ...target,
      '--order',
      'PP-2025-000004',
      '--date',
      '2025-03-31',
      ...(await as('ministry', 'ministry-treasury')),
    ]);
  });

  /** Signs in through the development form as `role` with this test's contract only. */
  async function signInWithForm(p: ConsolePage, role: ApiRole, lang: Lang): Promise<void> {
    const { page } = p;
    await page.waitForURL(/\/sign-in/);
    await page.locator('#signin-role').waitFor();
    expect(await page.locator('.alert.warn').first().innerText()).toMatch(
      lang === 'ru' ? /только для локальной разработки/ : /local development only/,
    );
    expect(await axeViolations(page)).toEqual([]);
    await screenshot(page, `overview-sign-in-${lang}`);
    await page.selectOption('#signin-role', role);
    await page.fill('#signin-subject', `${role}-person`);
    for (const box of await page.locator('input[id^="signin-contract-"]:not(#signin-contract-all)').all()) {
      const id = (await box.getAttribute('id')) ?? '';
      if ((await box.isChecked()) !== (id === `signin-contract-${contract}`)) await box.click();
    }
    await page.getByRole('button', { name: lang === 'ru' ? 'Войти' : 'Sign in', exact: true }).click();
    await page.waitForURL((u) => u.pathname === '/');
  }

  for (const role of ROLES) {
    it(`${role}: signs in with the form, sees the contract, opens its overview in ru and en, signs out`, async () => {
      const p = await b.page({ lang: 'ru' });
      const { page } = p;
      await signInWithForm(p, role, 'ru');

      // Signed in as the subject typed (not a suggestion's name run into it).
      expect(await page.locator('.who').innerText()).toMatch(new RegExp(`^${role}-person · `));

      // Home: this contract only, with the role's next steps.
      const cards = page.locator('.contract-card');
      await expect.poll(() => cards.count()).toBe(1);
      const card = await cards.innerText();
      expect(card).toContain('Второй шанс');
      expect(card).toMatch(/Asia\/Kamchatka \(UTC\+12\)/);
      if (role === 'ministry') expect(card).toContain('Проверить выплаты, ожидающие вашего решения');
      if (role === 'ministry' || role === 'evaluator') {
        // Payment 4 is paid, 2 superseded: nothing waits for a decision or an attestation.
        await expect.poll(() => cards.innerText()).toContain('Платежей, ожидающих вашего действия, нет.');
      }
      if (role === 'investor') expect(card).toContain('Открыть отчёты по договору');
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `overview-home-${role}-ru`);

      // The overview.
      await page.locator('.contract-card a.button').click();
      await page.waitForURL(new RegExp(`/c/${contract}$`));
      await page.locator('ol.timeline').waitFor();
      const text = await page.locator('main').innerText();
      expect(text).toContain('Министерство труда и развития кадрового потенциала Камчатского края');
      expect(text).toMatch(/не менее 35,0\s%/); // a rate target as a percentage
      expect(text).toMatch(/Общий лимит по договору\s+110\s000\s000,00\s₽/);
      expect(text).toMatch(/Asia\/Kamchatka \(UTC\+12\)/);
      expect(text).toContain('Журнал и его подписи');
      await expect
        .poll(() => page.locator('main').innerText())
        .toContain('проверена ключом журнала из политики доверия');
      if (role === 'operator') {
        expect(text).toContain('Сведения о выплатах доступны министерству, инвесторам и оценщику.');
      } else {
        // Paid 4 (the second evaluation), 2 superseded; the budget's figures as a table beside the chart.
        const paid = page.locator('ul.evaluations li', { hasText: 'Платёж № 4' });
        expect(await paid.innerText()).toMatch(/Выплачен/);
        expect(await paid.getByRole('link').getAttribute('href')).toBe(`/c/${contract}/payments/4`);
        expect(await page.locator('ul.evaluations li.superseded').innerText()).toMatch(
          /Платёж № 2[\s\S]*заменён более поздним расчётом/,
        );
        await page.locator('.budget-chart canvas').waitFor();
        expect(await page.locator('section.table-scroll table').innerText()).toMatch(/Выплачен/);
      }
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `overview-${role}-ru`);

      // The switch re-renders the page in English, the spec's texts in their translation.
      await page.getByRole('button', { name: 'Switch to English' }).click();
      await expect.poll(() => page.locator('h1').innerText()).toMatch(/^Second Chance/);
      const en = await page.locator('main').innerText();
      expect(en).toContain('Ministry of Labour and Human Resources Development of Kamchatka Krai');
      expect(en).toContain('Periods and payments');
      expect(en).toMatch(/at least 35\.0%/);
      expect(en).toMatch(/Year 1 \(y1\)/);
      expect(await axeViolations(page)).toEqual([]);
      await screenshot(page, `overview-${role}-en`);
      await page.getByRole('link', { name: 'Contracts', exact: true }).click();
      await page.locator('.contract-card').waitFor();
      expect(await page.locator('.contract-card h2').innerText()).toMatch(/^Second Chance/);
      await screenshot(page, `overview-home-${role}-en`);

      // Sign-out forgets the token: nothing in sessionStorage, no token in localStorage.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/sign-in/);
      await page.locator('#signin-role').waitFor();
      expect(await page.locator('main').innerText()).not.toContain('session has ended'); // on purpose, not expired
      const stored = await page.evaluate(() => ({
        session: sessionStorage.getItem('sib-console.session'),
        sessionKeys: Object.keys(sessionStorage),
        local: JSON.stringify({ ...localStorage }),
      }));
      expect(stored.session).toBeNull();
      expect(stored.sessionKeys).toEqual([]);
      expect(stored.local).not.toMatch(/eyJ/);
      expect(p.errors).toEqual([]);
    });
  }

  it("signs in through Cognito's hosted UI: authorization code with PKCE (a stand-in on this machine)", async () => {
    const p = await b.page({ lang: 'ru' });
    const { page, context } = p;
    const domain = `${b.url}/fake-cognito`;
    const issuer = 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_TEST';
    let challenge = '';
    let form: Record<string, string> = {};
    await context.route(`${b.url}/config.json`, (r) =>
      r.fulfill({
        json: {
          apiBase: '',
          auth: {
            mode: 'cognito',
            domain,
            issuer,
            clientId: 'console-client',
            redirectUri: `${b.url}/auth/callback`,
            logoutUri: `${b.url}/sign-in`,
          },
        },
      }),
    );
    await context.route(`${domain}/oauth2/authorize?*`, (r) => {
      const q = new URL(r.request().url()).searchParams;
      challenge = q.get('code_challenge') ?? '';
      expect(q.get('code_challenge_method')).toBe('S256');
      expect(q.get('response_type')).toBe('code');
      return r.fulfill({
        status: 302,
        headers: { location: `${q.get('redirect_uri')}?code=the-code&state=${q.get('state')}` },
      });
    });
    await context.route(`${domain}/oauth2/token`, (r) => {
      form = Object.fromEntries(new URLSearchParams(r.request().postData() ?? ''));
      const now = Math.floor(Date.now() / 1000);
      const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const claims = {
        iss: issuer,
        aud: 'console-client',
        sub: 'official-7',
        iat: now,
        exp: now + 3600,
        'cognito:groups': ['ministry'],
        'custom:contracts': contract,
      };
      return r.fulfill({
        json: {
          id_token: `${b64({ alg: 'RS256' })}.${b64(claims)}.c2ln`,
          access_token: 'an-access-token',
          token_type: 'Bearer',
          expires_in: 3600,
        },
      });
    });
    // The API would refuse the stand-in's token: the contract list and its payments are answered here too.
    // The log watch's requests stay unanswered: a 401 would sign the session out before it is read.
    await context.route(new RegExp(`/contracts/${contract}/(checkpoint|trust|consistency)`), () => {});
    await context.route(`${b.url}/contracts`, (r) =>
      r.fulfill({
        json: {
          contracts: [
            {
              id: contract,
              title: { ru: 'Второй шанс' },
              currency: 'RUB',
              minorUnit: 2,
              timeZone: 'Asia/Kamchatka',
              term: { from: '2023-08-01', to: '2026-03-31' },
              version: 1,
              logSize: 8,
            },
          ],
        },
      }),
    );
    await context.route(`${b.url}/contracts/${contract}/payments`, (r) =>
      r.fulfill({ json: { contract, payments: [] } }),
    );
    await page.goto(`${b.url}/sign-in`);
    await page.getByRole('button', { name: 'Войти через единую учётную запись' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await page.locator('.contract-card').waitFor();
    // The verifier sent is the one whose S256 challenge went to the hosted UI.
    const { createHash } = await import('node:crypto');
    expect(
      createHash('sha256')
        .update(form.code_verifier ?? '')
        .digest('base64url'),
    ).toBe(challenge);
    expect(form).toMatchObject({ grant_type: 'authorization_code', code: 'the-code', client_id: 'console-client' });
    const stored = await page.evaluate(() => ({
      session: JSON.parse(sessionStorage.getItem('sib-console.session') ?? '{}') as Record<string, unknown>,
      pending: sessionStorage.getItem('sib-console.pkce'),
      local: JSON.stringify({ ...localStorage }),
    }));
    expect(stored.session).toMatchObject({
      subject: 'official-7',
      role: 'ministry',
      contracts: [contract],
      via: 'cognito',
    });
    expect(stored.pending).toBeNull();
    expect(stored.local).not.toMatch(/eyJ/);
    expect(p.errors).toEqual([]);
  });

  it('shows the sign-in pages in English too, and a callback no sign-in started is refused in words', async () => {
    for (const lang of ['en', 'ru'] as const) {
      const p = await b.page({ lang, path: '/sign-in' });
      await p.page.locator('#signin-role').waitFor();
      if (lang === 'en') {
        expect(await p.page.locator('h1').innerText()).toBe('Development sign-in');
        expect(await axeViolations(p.page)).toEqual([]);
        await screenshot(p.page, 'overview-sign-in-en');
      }
      // A callback in a tab that never went to the hosted UI: nothing is exchanged, and the page says so.
      await p.context.route(`${b.url}/config.json`, (r) =>
        r.fulfill({
          json: {
            apiBase: '',
            auth: {
              mode: 'cognito',
              domain: `${b.url}/fake-cognito`,
              issuer: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_TEST',
              clientId: 'console-client',
              redirectUri: `${b.url}/auth/callback`,
              logoutUri: `${b.url}/sign-in`,
            },
          },
        }),
      );
      await p.page.goto(`${b.url}/auth/callback?code=c&state=s`);
      const alert = p.page.getByRole('alert');
      await alert.waitFor();
      expect(await alert.innerText()).toMatch(
        lang === 'en'
          ? /Sign-in failed\. No sign-in was started/
          : /Войти не удалось\. В этой вкладке вход не начинался/,
      );
      expect(new URL(p.page.url()).search).toBe(''); // the code is taken out of the address bar
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `overview-auth-callback-${lang}`);
      await p.page.goto(`${b.url}/sign-in`);
      await p.page
        .getByRole('button', {
          name: lang === 'en' ? 'Sign in with your account' : 'Войти через единую учётную запись',
        })
        .waitFor();
      expect(await axeViolations(p.page)).toEqual([]);
      await screenshot(p.page, `overview-sign-in-cognito-${lang}`);
      expect(p.errors).toEqual([]);
    }
  });

  it('says that the session has ended, and asks to sign in again', async () => {
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'ministry', contracts: [contract] }, `/c/${contract}`);
    await p.page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('sib-console.session') ?? '{}') as { expiresAt: number };
      s.expiresAt = Math.floor(Date.now() / 1000) - 1;
      sessionStorage.setItem('sib-console.session', JSON.stringify(s));
    });
    await p.page.reload();
    await p.page.waitForURL(/\/sign-in\?next=.*reason=expired/);
    expect(new URL(p.page.url()).searchParams.get('next')).toBe(`/c/${contract}`);
    await expect.poll(() => p.page.locator('main').innerText()).toContain('Сеанс завершён. Войдите снова');
    expect(await p.page.evaluate(() => sessionStorage.getItem('sib-console.session'))).toBeNull();
    expect(p.errors).toEqual([]);
  });

  it('says when the session is about to end', async () => {
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'investor', contracts: [contract] });
    await p.page.evaluate(() => {
      const s = JSON.parse(sessionStorage.getItem('sib-console.session') ?? '{}') as { expiresAt: number };
      s.expiresAt = Math.floor(Date.now() / 1000) + 5 * 60;
      sessionStorage.setItem('sib-console.session', JSON.stringify(s));
    });
    await p.page.reload();
    const notice = p.page.locator('.expiry');
    await notice.waitFor();
    expect(await notice.innerText()).toMatch(/Сеанс истекает через 5 мин\./);
    expect(await axeViolations(p.page)).toEqual([]);
    expect(p.errors).toEqual([]);
  });
});
