import { it } from 'vitest';
import { screenshot, useConsoleBrowser } from '../support/browser.ts';

const b = useConsoleBrowser();
it('debug', async () => {
  const p = await b.page({ lang: 'ru' });
  await b.signIn(p, { role: 'ministry', subject: 'dbg', contracts: ['second-chance-kamchatka'] }, '/keys');
  await new Promise((r) => setTimeout(r, 4000));
  await screenshot(p.page, 'dbg-keys');
  console.log('ERRORS', p.errors, await p.page.content().then((c) => c.slice(0, 3000)));
  await p.page.goto(`${b.url}/ministry/queue`);
  await new Promise((r) => setTimeout(r, 3000));
  await screenshot(p.page, 'dbg-queue');
  console.log('ERRORS2', p.errors, (await p.page.innerText('main')).slice(0, 2000));
});
