/**
 * The browser's kernel crypto (console/src/crypto/kernel.ts): WebCrypto
 * behind the domain's synchronous SHA-256, HMAC and Ed25519, by the memo
 * withWebCrypto reruns. Node has the same crypto.subtle, so the module is
 * tested here: on the standard vectors against node:crypto's kernel, and on
 * the real thing, the domain's verifyReport and signNote bundled as the
 * console bundles them (console/build.ts's plugin swaps the kernel's crypto
 * module) with Node's Buffer hidden, as in a browser, giving exactly what the
 * Node verifier gives.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8 } from '#kernel';
import { openNote, TRUST_POLICY_FORMAT, type TrustPolicy, verifierKey } from '#ledger';
import { verifyReport } from '#reports';
import * as web from '../../console/src/crypto/kernel.ts';
import { rawPublicKey, type WebCryptoKeyPair } from '../../console/src/crypto/signer.ts';
import * as node from '../../domain/kernel/crypto.ts';
import { copyOf, type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { type BrowserDomain, browserDomainBundle } from '../support/browser-domain.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';

const hex = (h: string) => fromHex(h.replace(/\s+/g, ''));

// NIST FIPS 180-4 examples (and the one-million-'a' vector of the NESSIE/NIST test suite).
const SHA256_VECTORS: [Uint8Array, string][] = [
  [utf8(''), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
  [utf8('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
  [
    utf8('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'),
    '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  ],
  [utf8('a'.repeat(1_000_000)), 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0'],
];

// RFC 8032 §7.1, tests 1 to 3 and the 1023-byte test.
const ED25519_VECTORS: { publicKey: string; message: string; signature: string }[] = [
  {
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    message: '',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    publicKey: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    message: '72',
    signature:
      '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    publicKey: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    message: 'af82',
    signature:
      '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
];

describe('the browser kernel on the standard vectors', () => {
  it('SHA-256 agrees with node:crypto and FIPS 180-4, for one part and many', async () => {
    for (const [data, digest] of SHA256_VECTORS) {
      const got = await web.withWebCrypto(() => web.sha256(data));
      expect(toHex(got)).toBe(digest);
      expect(toHex(node.sha256(data))).toBe(digest);
    }
    const parts = [utf8('abcdbcdecdefdefg'), utf8(''), utf8('efghfghighijhijkijkljklmklmnlmnomnopnopq')];
    expect(toHex(await web.withWebCrypto(() => web.sha256(...parts)))).toBe(toHex(node.sha256(...parts)));
    const binary = await web.withWebCrypto(() => web.sha256Binary(utf8('abc')));
    expect(binary).toBe(node.sha256Binary(utf8('abc')));
  });

  it('the incremental SHA-256 gives the one-shot digest', async () => {
    const hexDigest = await web.withWebCrypto(() =>
      web.createSha256().update('abcdbcdecdefdefg').update(utf8('efgh')).hex(),
    );
    expect(hexDigest).toBe(node.createSha256().update('abcdbcdecdefdefg').update(utf8('efgh')).hex());
  });

  it('HMAC-SHA256 agrees with RFC 4231 (test case 2), with raw bytes and a held key', async () => {
    const expected = '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843';
    const key = utf8('Jefe');
    const data = 'what do ya want for nothing?';
    const [raw, held] = await web.withWebCrypto(() => [
      web.hmacSha256(key, data),
      web.hmacSha256(web.secretKey(key), utf8(data)),
    ]);
    expect(toHex(raw as Uint8Array)).toBe(expected);
    expect(toHex(held as Uint8Array)).toBe(expected);
    expect(toHex(node.hmacSha256(node.secretKey(key), data))).toBe(expected);
  });

  it('Ed25519 verifies the RFC 8032 vectors as node:crypto does, and refuses altered or malformed ones', async () => {
    for (const v of ED25519_VECTORS) {
      const [pk, msg, sig] = [hex(v.publicKey), hex(v.message), hex(v.signature)];
      const altered = sig.slice();
      altered[5] = (altered[5] as number) ^ 1;
      const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
        [pk, msg, sig],
        [pk, Uint8Array.of(...msg, 0), sig],
        [pk, msg, altered],
        [pk.subarray(1), msg, sig],
        [pk, msg, sig.subarray(1)],
        [new Uint8Array(32).fill(0xff), msg, sig],
      ];
      const got = await web.withWebCrypto(() => cases.map(([p, m, s]) => web.ed25519Verify(p, m, s)));
      expect(got).toEqual(cases.map(([p, m, s]) => node.ed25519Verify(p, m, s)));
      expect(got[0]).toBe(true);
      expect(got.slice(1).every((ok) => !ok)).toBe(true);
    }
    expect(web.ED25519_SPKI_PREFIX).toEqual(node.ED25519_SPKI_PREFIX);
  });

  it('has the node kernel’s types (the held HMAC key aside, opaque to the domain)', () => {
    type Same = 'sha256' | 'sha256Binary' | 'createSha256' | 'ed25519Verify' | 'ED25519_SPKI_PREFIX';
    const asWeb: Pick<typeof web, Same> = node;
    const asNode: Pick<typeof node, Same> = web;
    const hmac: (key: Uint8Array, data: Uint8Array | string) => Uint8Array = web.hmacSha256;
    const held: (bytes: Uint8Array) => web.SecretKey = web.secretKey;
    expect([asWeb, asNode, hmac, held].every((x) => x !== undefined)).toBe(true);
  });

  it('exports exactly the names of the node kernel, and withWebCrypto', () => {
    expect(Object.keys(web).sort()).toEqual([...Object.keys(node), 'withWebCrypto'].sort());
  });
});

describe('the memo', () => {
  it('refuses a call outside withWebCrypto, naming the way in; SHA-256 of nothing is a constant', () => {
    expect(() => web.sha256(utf8('abc'))).toThrow(/sha256 was called outside withWebCrypto/);
    expect(() => web.ed25519Verify(new Uint8Array(32), new Uint8Array(0), new Uint8Array(64))).toThrow(
      /ed25519Verify was called outside withWebCrypto/,
    );
    expect(() => web.hmacSha256(utf8('k'), 'data')).toThrow(/hmacSha256 was called outside withWebCrypto/);
    expect(toHex(web.sha256(new Uint8Array(0)))).toBe(SHA256_VECTORS[0]?.[1]);
  });

  it('runs a chain of hashes (each the input of the next) to the real result', async () => {
    const chain = (f: (d: Uint8Array) => Uint8Array) => {
      let h = utf8('seed');
      for (let i = 0; i < 20; i++) h = f(h);
      return toHex(h);
    };
    expect(await web.withWebCrypto(() => chain((d) => web.sha256(d)))).toBe(chain((d) => node.sha256(d)));
  });

  it('copes with a caller that reuses one input buffer, as the Merkle module does', async () => {
    const buf = new Uint8Array(3);
    const run = (f: (d: Uint8Array) => Uint8Array) =>
      [1, 2, 3].map((i) => {
        buf.fill(i);
        return toHex(f(buf));
      });
    expect(await web.withWebCrypto(() => run((d) => web.sha256(d)))).toEqual(run((d) => node.sha256(d)));
  });

  it('serializes concurrent callers, each getting its own result', async () => {
    const inputs = Array.from({ length: 8 }, (_, i) => utf8(`input ${i}`));
    const got = await Promise.all(
      inputs.map((d) =>
        web.withWebCrypto(async () => {
          const first = web.sha256(d);
          await Promise.resolve();
          return toHex(web.sha256(first));
        }),
      ),
    );
    expect(got).toEqual(inputs.map((d) => toHex(node.sha256(node.sha256(d)))));
  });

  it('a withWebCrypto inside a run joins it', async () => {
    const got = await web.withWebCrypto(async () => {
      const inner = await web.withWebCrypto(() => web.sha256(utf8('abc')));
      return toHex(inner);
    });
    expect(got).toBe(SHA256_VECTORS[1]?.[1]);
  });

  it('rethrows the final run’s error, not a placeholder run’s', async () => {
    await expect(
      web.withWebCrypto(() => {
        const h = web.sha256(utf8('abc'));
        if (h[0] === 0) throw new Error('placeholder seen');
        throw new Error(`real ${toHex(h).slice(0, 6)}`);
      }),
    ).rejects.toThrow(/^real ba7816$/);
  });

  it('a computation that never settles fails after 256 runs, saying why', async () => {
    let n = 0;
    await expect(web.withWebCrypto(() => web.sha256(utf8(`run ${n++}`)))).rejects.toThrow(
      /after 256 runs; the computation is not deterministic/,
    );
    expect(n).toBe(256);
    // The queue goes on after a failure.
    expect(toHex(await web.withWebCrypto(() => web.sha256(utf8('abc'))))).toBe(SHA256_VECTORS[1]?.[1]);
  });
});

let dir: string;
let browser: BrowserDomain;
let f: ReportFixture;
const parties = memoryParties();
const CONTRACT = 'second-chance-kamchatka';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sib-kernel-'));
  const text = await browserDomainBundle({ hideBuffer: true });
  expect(text).not.toMatch(/node:crypto|createHash/);
  await writeFile(join(dir, 'domain.mjs'), text);
  browser = (await import(pathToFileURL(join(dir, 'domain.mjs')).href)) as BrowserDomain;
  f = await secondChanceReport({ parties });
}, 60_000);

afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
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

const failed = (r: { checks: readonly { ok: boolean; name: string }[] }) =>
  r.checks.filter((c) => !c.ok).map((c) => c.name);

describe('the domain verifier in the browser build', () => {
  it('verifies the genuine report exactly as `sib report verify` does, against the trust policy', async () => {
    const expected = verifyReport(f.bytes, [], { trust: policy() });
    expect(expected.ok).toBe(true);
    const got = await browser.withWebCrypto(() => browser.verifyReport(f.bytes, [], { trust: policy() }));
    expect(got).toEqual(expected);
  });

  it('and against the bare keys', async () => {
    const keys = [f.logKey, f.witnessKey];
    const got = await browser.withWebCrypto(() => browser.verifyReport(f.bytes, keys));
    expect(got).toEqual(verifyReport(f.bytes, keys));
  });

  it('a tampered report fails the same checks, with the same messages', async () => {
    const report = copyOf(f.report);
    const line = report.payments.lines[0] as { amount: string };
    line.amount = (BigInt(line.amount) + 100_000_00n).toString();
    const bytes = utf8(JSON.stringify(report));
    const expected = verifyReport(bytes, [], { trust: policy() });
    expect(expected.ok).toBe(false);
    const got = await browser.withWebCrypto(() => browser.verifyReport(bytes, [], { trust: policy() }));
    expect(failed(got)).toEqual(failed(expected));
    expect(failed(got)).toContain('report signature');
    expect(got).toEqual(expected);
  });

  it('outside withWebCrypto, the verifier fails rather than pass, saying why', () => {
    const got = browser.verifyReport(f.bytes, [], { trust: policy() });
    expect(got.ok).toBe(false);
    expect(JSON.stringify(got.checks)).toMatch(/outside withWebCrypto/);
  });

  it('a report with one flipped byte in its checkpoint note fails as in Node', async () => {
    const text = new TextDecoder().decode(f.bytes);
    const at = text.indexOf('test.log/second-chance-kamchatka\\n') + 40;
    const bytes = utf8(`${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`);
    const got = await browser.withWebCrypto(() => browser.verifyReport(bytes, [], { trust: policy() }));
    const expected = verifyReport(bytes, [], { trust: policy() });
    expect(got.ok).toBe(false);
    expect(got).toEqual(expected);
  });
});

describe('a note signed in the browser', () => {
  it('by a WebCrypto key through the domain’s signNote, is accepted by Node’s openNote', async () => {
    // Node's types pick generateKey's single-key overload for Ed25519; it makes a pair.
    const pair = (await crypto.subtle.generateKey({ name: 'Ed25519' }, false, [
      'sign',
      'verify',
    ])) as unknown as WebCryptoKeyPair;
    const signer = browser.webCryptoSigner('ministry.official', pair);
    const text = 'second-chance-kamchatka\npayment approved\n';
    const note = await browser.withWebCrypto(() => browser.signNote(text, [signer]));
    const key = verifierKey('ministry.official', await rawPublicKey(pair.publicKey));
    const opened = openNote(note, [key]);
    expect(opened.text).toBe(text);
    expect(opened.verified.map((s) => s.name)).toEqual(['ministry.official']);
    const inBrowser = await browser.withWebCrypto(() => browser.openNote(note, [key]));
    expect(inBrowser).toEqual(opened);
    expect(await signer.publicKey()).toEqual(await rawPublicKey(pair.publicKey));
  });

  it('the signer refuses a key pair that is not Ed25519', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, [
      'sign',
      'verify',
    ])) as WebCryptoKeyPair;
    expect(() => browser.webCryptoSigner('x', pair)).toThrow(/not Ed25519/);
  });
});
