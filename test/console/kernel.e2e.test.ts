/**
 * The browser kernel in a real browser (Debian's chromium): the domain's
 * verifyReport, bundled as the console bundles it, run in the page inside
 * withWebCrypto on a genuine and a tampered report gives exactly what the
 * Node verifier gives; and a note the page signs with a non-extractable
 * WebCrypto Ed25519 key through the domain's signNote opens in Node.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, utf8 } from '#kernel';
import { openNote, TRUST_POLICY_FORMAT, type TrustPolicy, verifierKey } from '#ledger';
import { verifyReport } from '#reports';
import type { WebCryptoKeyPair } from '../../console/src/crypto/signer.ts';
import { copyOf, type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { launchChromium } from '../support/browser.ts';
import { type BrowserDomain, browserDomainBundle } from '../support/browser-domain.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';

const CONTRACT = 'second-chance-kamchatka';
const parties = memoryParties();
let f: ReportFixture;
let server: Server;
let browser: Browser;
let page: Page;
/** The page's uncaught errors: none is expected. */
const errors: string[] = [];

beforeAll(async () => {
  const bundle = await browserDomainBundle();
  f = await secondChanceReport({ parties });
  // Served from localhost, a secure context, so the page has crypto.subtle.
  server = createServer((req, res) => {
    if (req.url === '/domain.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(bundle);
    } else {
      // The page puts the bundle's exports on globalThis.domain (page.evaluate's code cannot import: vitest rewrites import()).
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(
          '<!doctype html><title>kernel</title><script type="module">import * as d from "/domain.mjs"; globalThis.domain = d;</script>',
        );
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`http://localhost:${(server.address() as AddressInfo).port}/`);
  await page.waitForFunction(() => 'domain' in globalThis);
}, 120_000);

afterEach(() => {
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
});

function policy(): TrustPolicy {
  return {
    format: TRUST_POLICY_FORMAT,
    logs: [
      {
        contract: CONTRACT,
        origin: `test.log/${CONTRACT}`,
        logKey: f.logKey,
        witnesses: { quorum: 1, keys: [f.witnessKey] },
        parties: partyKeysOf(parties),
      },
    ],
  };
}

/** verifyReport in the page, inside withWebCrypto; the result as JSON. */
function verifyInPage(bytes: Uint8Array, trust: TrustPolicy): Promise<string> {
  return page.evaluate(
    async ({ b64, trust }) => {
      const m = (globalThis as unknown as { domain: BrowserDomain }).domain;
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      return JSON.stringify(await m.withWebCrypto(() => m.verifyReport(bytes, [], { trust })));
    },
    { b64: toBase64(bytes), trust },
  );
}

describe('the domain verifier in chromium', () => {
  it('verifies the genuine report green, exactly as Node does', async () => {
    const expected = verifyReport(f.bytes, [], { trust: policy() });
    expect(expected.ok).toBe(true);
    expect(JSON.parse(await verifyInPage(f.bytes, policy()))).toEqual(JSON.parse(JSON.stringify(expected)));
  });

  it('a tampered report goes red with the same failed checks and messages', async () => {
    const report = copyOf(f.report);
    const line = report.payments.lines[0] as { amount: string };
    line.amount = (BigInt(line.amount) + 100_000_00n).toString();
    const bytes = utf8(JSON.stringify(report));
    const expected = verifyReport(bytes, [], { trust: policy() });
    expect(expected.ok).toBe(false);
    const got = JSON.parse(await verifyInPage(bytes, policy())) as typeof expected;
    expect(got.ok).toBe(false);
    expect(got).toEqual(JSON.parse(JSON.stringify(expected)));
  });
});

describe('a note signed in chromium', () => {
  it('with a non-extractable WebCrypto key through signNote, opens in Node', async () => {
    const text = `${CONTRACT}\npayment approved\n`;
    const signed = await page.evaluate(async (text) => {
      const m = (globalThis as unknown as { domain: BrowserDomain }).domain;
      // (Node's types, which check this page code, pick generateKey's single-key overload for Ed25519.)
      const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
        'sign',
        'verify',
      ])) as unknown as WebCryptoKeyPair;
      const signer = m.webCryptoSigner('ministry.official', pair);
      const note = await m.withWebCrypto(() => m.signNote(text, [signer]));
      const raw = await signer.publicKey();
      return { note, publicKey: btoa(String.fromCharCode(...raw)), extractable: pair.privateKey.extractable };
    }, text);
    expect(signed.extractable).toBe(false);
    const opened = openNote(signed.note, [verifierKey('ministry.official', fromBase64(signed.publicKey))]);
    expect(opened.text).toBe(text);
    expect(opened.verified.map((s) => s.name)).toEqual(['ministry.official']);
  });
});
