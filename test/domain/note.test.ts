import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Signer } from '#kernel';
import { fromBase64, IntegrityError, toBase64, toHex, utf8, ValidationError } from '#kernel';
import {
  checkpointOrigin,
  ed25519PublicKeyFromSpki,
  formatCheckpoint,
  keyId,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  verifierKey,
  verifyCheckpoint,
} from '#ledger';

// ---- Public vectors, copied verbatim from golang.org/x/mod/sumdb/note/note_test.go
// (TestNewVerifier, TestNewSigner, TestSign, TestVerifierList, TestOpen).
const PETER_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';
const TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const PETER_SIG =
  '— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_SIG =
  '— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n';
// From the same file: mangled keys with adjusted key hashes (wrong length; unknown algorithm).
const BAD_LENGTH_VKEY = 'PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==';
const BAD_ALG_VKEY = 'PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const PETER = { name: 'PeterNeumann', keyId: 'c74f20a3' };
const ENOCH = { name: 'EnochRoot', keyId: 'af0cfe78' };

// ---- Examples from the C2SP specs (signed-note.md, tlog-checkpoint.md); their keys are not published.
const C2SP_NOTE =
  'Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n' +
  '— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n';
const C2SP_CHECKPOINT_BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';

function keySigner(name: string, key: KeyObject): Signer {
  const pub = ed25519PublicKeyFromSpki(new Uint8Array(createPublicKey(key).export({ format: 'der', type: 'spki' })));
  return { name, publicKey: async () => pub, sign: async (msg) => new Uint8Array(sign(null, msg, key)) };
}

/** A Signer from a Go `PRIVATE+KEY+<name>+<hash>+base64(0x01 || seed)` string (test-only). */
function goSigner(skey: string): Signer {
  const m = /^PRIVATE\+KEY\+([^+]+)\+[0-9a-f]{8}\+(.+)$/.exec(skey);
  if (!m) throw new Error('bad skey');
  const seed = fromBase64(m[2] as string).subarray(1);
  // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410).
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return keySigner(m[1] as string, createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

function freshSigner(name: string): Signer {
  return keySigner(name, generateKeyPairSync('ed25519').privateKey);
}

async function vkeyOf(s: Signer): Promise<string> {
  return verifierKey(s.name, await s.publicKey());
}

/** Inserts text at a char offset into the base64 of a signature line (Go inserts at byte 60 = b64 char 43). */
function spliceSig(line: string, at: number, insert: string): string {
  const start = line.indexOf(' ', 2) + 1;
  return line.slice(0, start + at) + insert + line.slice(start + at);
}

describe('verifier keys', () => {
  it('parses the Go PeterNeumann key and re-encodes it exactly', () => {
    const v = parseVerifierKey(PETER_VKEY);
    expect(v.name).toBe('PeterNeumann');
    expect(v.keyId).toBe('c74f20a3');
    expect(v.publicKey).toHaveLength(32);
    expect(toHex(keyId(v.name, v.publicKey))).toBe('c74f20a3');
    expect(verifierKey(v.name, v.publicKey)).toBe(PETER_VKEY);
    expect(verifierKey(ENOCH.name, parseVerifierKey(ENOCH_VKEY).publicKey)).toBe(ENOCH_VKEY);
  });

  it('derives the Go verifier key from the Go signer key', async () => {
    expect(await vkeyOf(goSigner(PETER_SKEY))).toBe(PETER_VKEY);
  });

  it('rejects every substring and every single-byte mangling (as Go TestNewVerifier)', () => {
    const bad = (k: string) => expect(() => parseVerifierKey(k), k).toThrow(ValidationError);
    for (let i = 0; i <= PETER_VKEY.length; i++) {
      for (let j = i + 1; j <= PETER_VKEY.length; j++)
        if (i !== 0 || j !== PETER_VKEY.length) bad(PETER_VKEY.slice(i, j));
    }
    for (let i = 0; i < PETER_VKEY.length; i++) {
      bad(PETER_VKEY.slice(0, i) + String.fromCharCode(PETER_VKEY.charCodeAt(i) + 1) + PETER_VKEY.slice(i + 1));
    }
  });

  it('explains why a key is rejected', () => {
    expect(() => parseVerifierKey(BAD_LENGTH_VKEY)).toThrow(/Ed25519 key must be 32 bytes/);
    expect(() => parseVerifierKey(BAD_ALG_VKEY)).toThrow(/unsupported signature type 0x65/);
    expect(() => parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'c74f20a4'))).toThrow(/key ID does not match/);
    expect(() => parseVerifierKey(PETER_VKEY.replace('c74f20a3', 'C74F20A3'))).toThrow(/lower-case hex/);
    expect(() => parseVerifierKey(`Peter Neumann${PETER_VKEY.slice(12)}`)).toThrow(/bad key name/);
    expect(() => parseVerifierKey('PeterNeumann')).toThrow(/<name>\+<keyid>\+<key>/);
  });

  it('rejects invalid names and key lengths when encoding', () => {
    const pk = new Uint8Array(32);
    for (const name of ['', 'a b', 'a+b', 'a\u00a0b', 'a\u2028b', 'a\u0085b', 'a\tb']) {
      expect(() => verifierKey(name, pk), JSON.stringify(name)).toThrow(ValidationError);
    }
    expect(() => keyId('x', new Uint8Array(31))).toThrow(/32 bytes/);
  });
});

describe('signNote', () => {
  it('reproduces the Go TestSign note byte for byte', async () => {
    expect(await signNote(TEXT, [goSigner(PETER_SKEY)])).toBe(`${TEXT}\n${PETER_SIG}`);
  });

  it('rejects text without a final newline, bad characters, no signers, and duplicate signers', async () => {
    const peter = goSigner(PETER_SKEY);
    await expect(signNote('abc', [peter])).rejects.toThrow(/must end with a newline/);
    await expect(signNote('a\u0001b\n', [peter])).rejects.toThrow(/control character U\+0001/);
    await expect(signNote('a\ud800\n', [peter])).rejects.toThrow(/lone surrogate/);
    await expect(signNote(TEXT, [])).rejects.toThrow(/at least one signer/);
    await expect(signNote(TEXT, [peter, peter])).rejects.toThrow(/same key is listed twice/);
    await expect(signNote(TEXT, [{ ...peter, name: 'bad name' }])).rejects.toThrow(/invalid key name/);
  });

  it('refuses to publish a signature that does not verify', async () => {
    const peter = goSigner(PETER_SKEY);
    const broken: Signer = { ...peter, sign: async () => new Uint8Array(64) };
    await expect(signNote(TEXT, [broken])).rejects.toThrow(/does not verify/);
  });

  it('signs texts containing blank lines (the last blank line separates signatures)', async () => {
    const s = freshSigner('example.com/log');
    for (const text of ['a\n\nb\n', 'a\n\n', '\n', '— x AAAA\n\n']) {
      expect(openNote(await signNote(text, [s]), [await vkeyOf(s)]).text).toBe(text);
    }
  });
});

describe('openNote (Go TestOpen vectors)', () => {
  it('verifies a known key and reports an unknown one', () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [PETER_VKEY]);
    expect(n).toEqual({ text: TEXT, verified: [PETER], unverified: [ENOCH] });
  });

  it('verifies both keys when both are known', () => {
    const n = openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [PETER_VKEY, ENOCH_VKEY]);
    expect(n).toEqual({ text: TEXT, verified: [PETER, ENOCH], unverified: [] });
  });

  it('accepts bytes as well as strings', () => {
    expect(openNote(utf8(`${TEXT}\n${PETER_SIG}`), [PETER_VKEY]).verified).toEqual([PETER]);
  });

  it('rejects a note signed only by unknown keys, naming them', () => {
    expect(() => openNote(`${TEXT}\n${PETER_SIG}${ENOCH_SIG}`, [])).toThrow(
      'note has no verifiable signatures (signed only by unknown keys: PeterNeumann+c74f20a3, EnochRoot+af0cfe78)',
    );
    // A key sharing the name but not the ID is a different key: ignored, not a failure.
    const misnamed = PETER_SIG.replace('PeterNeumann', 'CarmenSandiego');
    expect(() => openNote(`${TEXT}\n${misnamed}`, [PETER_VKEY])).toThrow(/CarmenSandiego\+c74f20a3/);
    const wrongId = PETER_SIG.replace('x08g', 'xxxx');
    expect(() => openNote(`${TEXT}\n${wrongId}`, [PETER_VKEY])).toThrow(/no verifiable signatures/);
  });

  it('rejects an invalid signature from a known key', () => {
    const note = `${TEXT}\n${spliceSig(PETER_SIG, 43, 'ABCD')}`;
    expect(() => openNote(note, [PETER_VKEY])).toThrow('invalid signature for key PeterNeumann+c74f20a3');
    // ...even when another known key signed correctly.
    expect(() =>
      openNote(`${TEXT}\n${ENOCH_SIG}${spliceSig(PETER_SIG, 43, 'ABCD')}`, [PETER_VKEY, ENOCH_VKEY]),
    ).toThrow(IntegrityError);
  });

  it('dedupes repeated signatures and tolerates bad ones from unknown keys', () => {
    const enochABCD = spliceSig(ENOCH_SIG, 43, 'ABCD');
    const n = openNote(`${TEXT}\n${PETER_SIG}${PETER_SIG}${ENOCH_SIG}${ENOCH_SIG}${enochABCD}`, [PETER_VKEY]);
    expect(n.verified).toEqual([PETER]);
    expect(n.unverified).toEqual([ENOCH]);
  });

  it('rejects more than 100 signatures', () => {
    expect(() => openNote(`${TEXT}\n${PETER_SIG.repeat(101)}`, [PETER_VKEY])).toThrow(/more than 100 signatures/);
    expect(openNote(`${TEXT}\n${PETER_SIG.repeat(100)}`, [PETER_VKEY]).verified).toEqual([PETER]);
  });

  it('rejects the Go malformed messages with a clear reason', () => {
    const cases: [string | Uint8Array, RegExp][] = [
      [TEXT, /no blank line/],
      [`${TEXT}\n`, /no signature lines/],
      [`${TEXT}\n${PETER_SIG.slice(0, -1)}`, /missing final newline/],
      [`\u0001${TEXT}\n${PETER_SIG}`, /control character U\+0001/],
      [Buffer.concat([Buffer.from([0xff]), Buffer.from(`${TEXT}\n${PETER_SIG}`)]), /not valid UTF-8/],
      [
        `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=`,
        /missing final newline/,
      ],
      [
        `${TEXT}\n— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
        /line 1 signature is not canonical base64/,
      ],
      [`${TEXT}\n${PETER_SIG}Unexpected line.\n`, /line 2 does not start with "— "/],
    ];
    for (const [msg, why] of cases) {
      expect(() => openNote(msg, [PETER_VKEY]), String(msg)).toThrow(IntegrityError);
      expect(() => openNote(msg, [PETER_VKEY]), String(msg)).toThrow(why);
    }
  });

  it('rejects other malformed signature lines', () => {
    const bad = (line: string, why: RegExp) => expect(() => openNote(`${TEXT}\n${line}\n`, [PETER_VKEY])).toThrow(why);
    bad('— PeterNeumann', /line 1 has no signature/);
    bad('— PeterNeumann ', /line 1 has no signature/);
    bad('— PeterNeumann  AAAAAAA=', /not canonical base64/);
    bad('— PeterNeumann AAAAAA==', /too short/);
    bad('— a+b AAAAAAA=', /invalid key name/);
    bad('— ', /invalid key name/);
    bad('-- PeterNeumann AAAAAAA=', /does not start with/);
    bad(PETER_SIG.slice(0, -2), /not canonical base64/); // dropped padding
    expect(() => openNote(`${TEXT}\n${PETER_SIG}`, ['not a key'])).toThrow(ValidationError);
  });

  it('parses the C2SP signed-note example (blank line inside the text) and reports its unknown key', () => {
    expect(() => openNote(C2SP_NOTE, [PETER_VKEY])).toThrow(
      /no verifiable signatures \(signed only by unknown keys: quasimodo\.example\/salvatore\+[0-9a-f]{8}\)/,
    );
  });

  it('rejects tampered text and wrong keys on a fresh round trip', async () => {
    const s = freshSigner('sib-ledger.local');
    const note = await signNote('hello\nworld\n', [s]);
    expect(openNote(note, [await vkeyOf(s)])).toEqual({
      text: 'hello\nworld\n',
      verified: [{ name: s.name, keyId: toHex(keyId(s.name, await s.publicKey())) }],
      unverified: [],
    });
    const vkey = await vkeyOf(s);
    expect(() => openNote(note.replace('world', 'World'), [vkey])).toThrow(/invalid signature for key/);
    // Same name, different key: a different key ID, so the signature is simply unknown.
    const other = await vkeyOf(freshSigner('sib-ledger.local'));
    expect(() => openNote(note, [other])).toThrow(/no verifiable signatures/);
  });
});

describe('checkpoints', () => {
  const root = new Uint8Array(32).map((_, i) => i);

  it('formats and parses the C2SP tlog-checkpoint example body', () => {
    const cp = parseCheckpoint(C2SP_CHECKPOINT_BODY);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.size).toBe(20852163);
    expect(toBase64(cp.root)).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(C2SP_CHECKPOINT_BODY);
  });

  it('builds this product’s origin', () => {
    expect(checkpointOrigin('sib-ledger.local', 'sib-2024-001')).toBe('sib-ledger.local/sib-2024-001');
    expect(() => checkpointOrigin('sib-ledger.local', 'a b')).toThrow(ValidationError);
    expect(() => checkpointOrigin('', 'c')).toThrow(ValidationError);
  });

  it('signs and verifies, checking the expected origin', async () => {
    const s = freshSigner('sib-ledger.local');
    const origin = checkpointOrigin(s.name, 'c1');
    const note = await signCheckpoint({ origin, size: 7, root }, [s]);
    expect(note).toBe(`sib-ledger.local/c1\n7\n${toBase64(root)}\n\n— sib-ledger.local ${note.split(' ').at(-1)}`);
    const vkey = await vkeyOf(s);
    const v = verifyCheckpoint(note, [vkey], { origin });
    expect(v.size).toBe(7);
    expect(v.root).toEqual(root);
    expect(v.verified).toEqual([{ name: s.name, keyId: toHex(keyId(s.name, await s.publicKey())) }]);
    expect(() => verifyCheckpoint(note, [vkey], { origin: 'sib-ledger.local/c2' })).toThrow(
      'checkpoint origin "sib-ledger.local/c1" is not "sib-ledger.local/c2"',
    );
  });

  it('rejects malformed bodies', () => {
    const r = toBase64(root);
    const cases: [string, RegExp][] = [
      [`o\n1\n${r}`, /missing final newline/],
      ['o\n1\n', /fewer than three lines/],
      [`\n1\n${r}\n`, /empty origin/],
      [`o\n01\n${r}\n`, /without leading zeros/],
      [`o\n-1\n${r}\n`, /without leading zeros/],
      [`o\n1e3\n${r}\n`, /without leading zeros/],
      [`o\n 1\n${r}\n`, /without leading zeros/],
      [`o\n\n${r}\n`, /without leading zeros/],
      [`o\n9007199254740992\n${r}\n`, /too large/],
      [`o\n1\n${toBase64(root.subarray(1))}\n`, /32 bytes, not 31/],
      [`o\n1\n${r.slice(0, -1)}\n`, /canonical base64/],
      [`o\n1\n${r}\n\n`, /empty extension line/],
      [`o\n1\n${r}\next\n\nmore\n`, /empty extension line/],
    ];
    for (const [body, why] of cases) {
      expect(() => parseCheckpoint(body), JSON.stringify(body)).toThrow(why);
      expect(() => parseCheckpoint(body)).toThrow(IntegrityError);
    }
    expect(parseCheckpoint(`o\n0\n${r}\next one\next two\n`).extensions).toEqual(['ext one', 'ext two']);
  });

  it('rejects invalid checkpoints when formatting', () => {
    expect(() => formatCheckpoint({ origin: '', size: 1, root })).toThrow(/origin is empty/);
    expect(() => formatCheckpoint({ origin: 'a\nb', size: 1, root })).toThrow(/origin contains a newline/);
    expect(() => formatCheckpoint({ origin: 'o', size: -1, root })).toThrow(/size/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1.5, root })).toThrow(/size/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, root: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => formatCheckpoint({ origin: 'o', size: 1, root, extensions: [''] })).toThrow(
      /extension line 1 is empty/,
    );
  });

  it('round-trips random checkpoints through sign and verify', async () => {
    const s = freshSigner('sib-ledger.local');
    const vkey = await vkeyOf(s);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: excluding control characters is the point
    const line = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((x) => !/[\u0000-\u001f]/.test(x));
    await fc.assert(
      fc.asyncProperty(
        line,
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        async (origin, size, rootBytes, extensions) => {
          const cp = { origin, size, root: rootBytes, extensions };
          expect(parseCheckpoint(formatCheckpoint(cp))).toEqual(cp);
          const v = verifyCheckpoint(await signCheckpoint(cp, [s]), [vkey], { origin });
          expect({ origin: v.origin, size: v.size, root: v.root, extensions: v.extensions }).toEqual(cp);
        },
      ),
      { numRuns: 200 },
    );
  });
});
