/**
 * The console's frame in Debian's chromium: served at `/` with a CSP that
 * has no 'unsafe-inline', Russian by default, English by the switch (and
 * remembered), and nothing the page does is refused by its own policy.
 */
import { describe, expect, it } from 'vitest';
import { axeViolations, useConsoleBrowser } from '../support/browser.ts';

describe('the console frame', () => {
  const b = useConsoleBrowser();

  it('is served at / with a strict Content-Security-Policy', async () => {
    const response = await fetch(`${b.url}/`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(await response.text()).toContain('<div id="app">');
  });

  it('opens in Russian, sends a stranger to sign in, switches to English and remembers it', async () => {
    const p = await b.page();
    await p.page.waitForURL(/\/sign-in/);
    expect(await p.page.getAttribute('html', 'lang')).toBe('ru');
    await p.page.getByRole('button', { name: 'Switch to English' }).click();
    await expect.poll(() => p.page.getAttribute('html', 'lang')).toBe('en');
    await p.page.reload();
    await expect.poll(() => p.page.getAttribute('html', 'lang')).toBe('en');
    expect(await p.page.evaluate(() => localStorage.getItem('sib-console.lang'))).toBe('en');
    expect(await axeViolations(p.page)).toEqual([]);
    expect(p.errors).toEqual([]);
  });

  it('keeps the token in sessionStorage only, and sign-out forgets it', async () => {
    const p = await b.page();
    await b.signIn(p, { role: 'investor', contracts: ['*'] });
    await p.page.getByRole('button', { name: 'Выйти' }).click();
    await p.page.waitForURL(/\/sign-in/);
    const stored = await p.page.evaluate(() => ({
      session: sessionStorage.getItem('sib-console.session'),
      local: JSON.stringify({ ...localStorage }),
    }));
    expect(stored.session).toBeNull();
    expect(stored.local).not.toMatch(/eyJ/); // no JWT anywhere in localStorage
    expect(p.errors).toEqual([]);
  });
});
