/**
 * The console in a real browser: Debian's chromium (`/usr/bin/chromium`, or
 * SIB_CHROMIUM) driven by playwright-core, which downloads nothing. A test
 * file calls `useConsoleBrowser()` once: it starts the role CLI's gateway
 * (test/support/gateway.ts: the shared test stack, tokens, the console
 * served from console/dist, built by test/global-setup.ts) and one browser
 * for the file. Each `page()` is a fresh browser context (its own
 * sessionStorage, localStorage and IndexedDB), which records the page's
 * errors and CSP violations so a test can require none.
 *
 * Helpers: sign in with a development token (what the sign-in form does,
 * without the form), set the language, run axe-core (serious and critical
 * violations), and screenshot into .data/screenshots/ for a person to look
 * at.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { type RoleCli, useRoleCli } from './gateway.ts';

export const CHROMIUM = process.env.SIB_CHROMIUM ?? '/usr/bin/chromium';
/** The flags this machine's closed network needs (no background connections, no GPU, no sandbox as root). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];
export const SCREENSHOT_DIR = resolve(import.meta.dirname, '../../.data/screenshots');

export type Lang = 'ru' | 'en';

/** A page with what went wrong in it: uncaught errors, console errors, CSP violations. */
export interface ConsolePage {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly errors: string[];
}

export interface ConsoleBrowser {
  /** The gateway, tokens, contracts and `sib …` (test/support/gateway.ts). */
  readonly cli: RoleCli;
  /** The gateway's URL (the console is at `${url}/`). */
  readonly url: string;
  readonly browser: Browser;
  /** A fresh context and page in `lang` (Russian by default), at the console's root unless `path` says otherwise. */
  page(options?: { lang?: Lang; path?: string }): Promise<ConsolePage>;
  /** Signs the page in with a development token for subject/role/contracts, then opens `path` (default `/`). */
  signIn(
    p: ConsolePage,
    who: { role: ApiRole; subject?: string; contracts: readonly string[] },
    path?: string,
  ): Promise<void>;
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no browser at ${CHROMIUM}: install Debian's chromium (apt-get install chromium) or set SIB_CHROMIUM`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

function gatewayUrl(cli: RoleCli): string {
  const api = JSON.parse(readFileSync(join(cli.path, 'api.json'), 'utf8')) as { url: string };
  return api.url;
}

/** The console's session for a token, as the sign-in page stores it (console/src/auth/session.ts sessionFromToken). */
export function sessionFor(token: string) {
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
    sub: string;
    'cognito:groups'?: ApiRole[];
    'custom:contracts'?: string;
    exp: number;
  };
  return {
    token,
    subject: payload.sub,
    // Local tokens carry Cognito's claims: the role in cognito:groups, the contracts comma-separated.
    role: payload['cognito:groups']?.[0],
    contracts: (payload['custom:contracts'] ?? '')
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c !== ''),
    expiresAt: payload.exp,
    via: 'local',
  };
}

/** Sets up the gateway and a browser for the file (or describe block) it is called in. */
export function useConsoleBrowser(): ConsoleBrowser {
  const cli = useRoleCli();
  let browser: Browser | undefined;
  let url = '';
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    url = gatewayUrl(cli);
    browser = await launchChromium();
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close();
  });
  const self: ConsoleBrowser = {
    cli,
    get url() {
      return url;
    },
    get browser() {
      if (browser === undefined) throw new Error('the browser is not started');
      return browser;
    },
    async page(options = {}) {
      const context = await self.browser.newContext({
        locale: options.lang === 'en' ? 'en-GB' : 'ru-RU',
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      contexts.push(context);
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`console: ${m.text()}`);
      });
      // The language switch's memory, set before the console's scripts run.
      if (options.lang !== undefined) {
        await context.addInitScript((lang: string) => {
          if (localStorage.getItem('sib-console.lang') === null) localStorage.setItem('sib-console.lang', lang);
        }, options.lang);
      }
      await page.goto(`${url}${options.path ?? '/'}`);
      return { page, context, errors };
    },
    async signIn(p, who, path = '/') {
      const token = await cli.token(who.role, who.subject ?? `local-${who.role}`, who.contracts);
      await p.page.evaluate((s) => sessionStorage.setItem('sib-console.session', JSON.stringify(s)), sessionFor(token));
      await p.page.goto(`${url}${path}`);
    },
  };
  return self;
}

/** Sets the language as the switch does (remembered) and reloads. */
export async function setLang(page: Page, lang: Lang): Promise<void> {
  await page.evaluate((l) => localStorage.setItem('sib-console.lang', l), lang);
  await page.reload();
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

/**
 * axe-core's serious and critical violations on the page as it is now. The
 * script is evaluated through the DevTools protocol, which the page's CSP
 * does not govern: the page's own policy stays as served.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(
            ctx: unknown,
            opts: unknown,
          ): Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run((globalThis as unknown as { document: unknown }).document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** A full-page PNG in .data/screenshots/<name>.png (for a person to look at); its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
