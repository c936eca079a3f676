/**
 * The console in Firefox: Debian's firefox-esr driven by puppeteer-core over
 * WebDriver BiDi (stock Firefox, nothing downloaded). The same build as in
 * chromium: the frame and the sign-in page render in Russian with no error,
 * the overview renders for a signed-in ministry, and the verify page runs the
 * domain's verifier over Firefox's WebCrypto (SHA-256, Ed25519): a genuine
 * report green, a tampered one red. Safari has no Linux build to drive here.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TRUST_POLICY_FORMAT, type TrustPolicy } from '#ledger';
import { encodeReport } from '#reports';
import { copyOf, secondChanceReport } from '../support/audit-report.ts';
import { useRoleCli } from '../support/gateway.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';

const FIREFOX = process.env.SIB_FIREFOX ?? '/usr/bin/firefox-esr';

describe('the console in Firefox', () => {
  const cli = useRoleCli();
  let browser: Browser | undefined;
  let url = '';
  const errors: string[] = [];
  let reportFile = '';
  let tamperedFile = '';
  let policyFile = '';

  beforeAll(async () => {
    if (!existsSync(FIREFOX)) {
      throw new Error(
        `no Firefox at ${FIREFOX}: install Debian's firefox-esr (apt-get install firefox-esr) or set SIB_FIREFOX`,
      );
    }
    url = (JSON.parse(await readFile(join(cli.path, 'api.json'), 'utf8')) as { url: string }).url;
    browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
    const parties = memoryParties();
    const fixture = await secondChanceReport({ parties });
    reportFile = join(cli.path, 'report.json');
    await writeFile(reportFile, fixture.bytes);
    const changed = copyOf(fixture.report);
    (changed.payments as { total: string }).total = '1';
    tamperedFile = join(cli.path, 'tampered.json');
    await writeFile(tamperedFile, encodeReport(changed).bytes);
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
    policyFile = join(cli.path, 'policy.json');
    await writeFile(policyFile, JSON.stringify(policy));
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(path: string): Promise<Page> {
    if (browser === undefined) throw new Error('no browser');
    const page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(`page error: ${(e as Error).message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(`${url}${path}`);
    return page;
  }

  it('renders the sign-in page in Russian', async () => {
    const page = await open('/');
    // (Page-side code as strings: this project's TypeScript has no DOM types.)
    await page.waitForFunction("location.pathname === '/sign-in' && document.querySelector('main h1') !== null");
    expect(await page.evaluate('document.documentElement.lang')).toBe('ru');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("renders a contract's overview for a signed-in ministry", async () => {
    const contract = cli.freshContract('ff');
    const token = await cli.token('ministry', 'ff-ministry', [contract]);
    const register = await cli.run(['ministry', 'register', '--contract', contract, '--token', token]);
    expect(register.code, register.stderr).toBe(0);
    const page = await open('/sign-in');
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const session = {
      token,
      subject: 'ff-ministry',
      role: 'ministry',
      contracts: [contract],
      expiresAt: Number(payload.exp),
      via: 'local',
    };
    await page.evaluate((s) => sessionStorage.setItem('sib-console.session', s), JSON.stringify(session));
    await page.goto(`${url}/c/${contract}`);
    await page.waitForFunction("document.querySelector('main h1')?.textContent?.includes('Второй шанс') === true", {
      timeout: 30_000,
    });
    expect(errors).toEqual([]);
    await page.close();
  });

  it("verifies a genuine report green and a tampered one red with Firefox's WebCrypto", async () => {
    const page = await open('/investor/verify');
    const inputs = async () => {
      const report = await page.waitForSelector('[data-testid=report-drop] input[type=file]');
      const policy = await page.waitForSelector('[data-testid=policy-drop] input[type=file]');
      if (report === null || policy === null) throw new Error('no file inputs');
      return { report, policy };
    };
    let i = await inputs();
    await i.report.uploadFile(reportFile);
    await i.policy.uploadFile(policyFile);
    await (await page.waitForSelector('[data-testid=verify-run]'))?.click();
    await page.waitForSelector('[data-verdict="ok"]', { timeout: 30_000 });
    expect(await page.$$eval('tr.check-bad', (rows) => rows.length)).toBe(0);

    i = await inputs();
    await i.report.uploadFile(tamperedFile);
    await (await page.waitForSelector('[data-testid=verify-run]'))?.click();
    await page.waitForSelector('[data-verdict="failed"]', { timeout: 30_000 });
    expect(await page.$$eval('tr.check-bad', (rows) => rows.length)).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
