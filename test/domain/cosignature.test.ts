/**
 * C2SP tlog-cosignature/v1: the bytes of a witness's line built by hand from
 * the spec text (https://c2sp.org/tlog-cosignature), with the RFC 8032
 * Ed25519 test key 1, so the format is pinned to the spec, not to our code.
 */
import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Signer } from '#kernel';
import { fromBase64, fromHex, IntegrityError, sha256, toBase64, utf8, ValidationError } from '#kernel';
import {
  ALG_COSIGNATURE_V1,
  checkSigners,
  cosignatureMessage,
  cosignerKey,
  cosignNote,
  openNote,
  parseVerifierKey,
  signNote,
  verifierKey,
  verifyCheckpoint,
} from '#ledger';
import { memorySigner } from '../support/signer.ts';

// RFC 8032, section 7.1, TEST 1.
const SEED = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const PUBLIC = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const PKCS8_PREFIX = fromHex('302e020100300506032b657004220420');
const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, SEED]), format: 'der', type: 'pkcs8' });
const NAME = 'witness.example.com/w1';
const witness: Signer = {
  name: NAME,
  publicKey: async () => PUBLIC,
  sign: async (message) => new Uint8Array(sign(null, message, privateKey)),
};
// The checkpoint body of the spec's example (tlog-cosignature.md), and its example time.
const BODY = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const TIME = 1679315147;

const lastLine = (note: string) => note.trimEnd().split('\n').at(-1) as string;

async function logNote(text = BODY) {
  const log = memorySigner('example.com/behind-the-sofa');
  return { log, note: await signNote(text, [log.signer]) };
}

describe('tlog-cosignature/v1 (C2SP)', () => {
  it('the RFC 8032 key is what the test thinks it is', () => {
    expect(new Uint8Array(createPublicKey(privateKey).export({ format: 'der', type: 'spki' })).slice(12)).toEqual(
      PUBLIC,
    );
  });

  it("a witness's line is keyid(4) || timestamp(8, big-endian) || Ed25519 over the spec's message", async () => {
    // Prepare: every byte from the spec text.
    const { log, note } = await logNote();
    const message = utf8(`cosignature/v1\ntime ${TIME}\n${BODY}`);
    const id = sha256(utf8(NAME), Uint8Array.of(0x0a, 0x04), PUBLIC).subarray(0, 4);
    const time = fromHex(TIME.toString(16).padStart(16, '0'));
    const signature = new Uint8Array(sign(null, message, privateKey));
    const expected = `\u2014 ${NAME} ${toBase64(Uint8Array.from([...id, ...time, ...signature]))}`;

    // Act
    const cosigned = await cosignNote(note, log.key, witness, TIME);

    // Assess
    expect(cosignatureMessage(BODY, TIME)).toEqual(message);
    expect(lastLine(cosigned)).toBe(expected);
    expect(cosigned).toBe(`${note}${expected}\n`);
    expect(verify(null, message, createPublicKey(privateKey), signature)).toBe(true);
  });

  it('the verifier key is type 0x04 with the key ID over name, 0x04 and the key', () => {
    const vkey = cosignerKey(NAME, PUBLIC);
    const id = sha256(utf8(NAME), Uint8Array.of(0x0a, 0x04), PUBLIC).subarray(0, 4);
    expect(vkey).toBe(`${NAME}+${Buffer.from(id).toString('hex')}+${toBase64(Uint8Array.from([0x04, ...PUBLIC]))}`);
    expect(parseVerifierKey(vkey)).toMatchObject({ name: NAME, type: ALG_COSIGNATURE_V1, publicKey: PUBLIC });
    // The same key as a plain note key (0x01) has another ID.
    expect(parseVerifierKey(verifierKey(NAME, PUBLIC)).keyId).not.toBe(parseVerifierKey(vkey).keyId);
    expect(() => parseVerifierKey(`${NAME}+00000000+${toBase64(Uint8Array.from([0x02, ...PUBLIC]))}`)).toThrow(
      ValidationError,
    );
  });

  it('verifiers accept the 0x04 line beside the log 0x01 signature, and refuse a changed time or body', async () => {
    // Prepare
    const { log, note } = await logNote();
    const cosigned = await cosignNote(note, log.key, witness, TIME);
    const wkey = cosignerKey(NAME, PUBLIC);
    const raw = fromBase64(lastLine(cosigned).split(' ')[2] as string);
    raw[11] = (raw[11] as number) ^ 1; // the last byte of the timestamp
    const otherTime = cosigned.replace(lastLine(cosigned), `\u2014 ${NAME} ${toBase64(raw)}`);

    // Act / Assess
    expect(openNote(cosigned, [log.key, wkey]).verified.map((s) => s.name)).toEqual([log.signer.name, NAME]);
    expect(verifyCheckpoint(cosigned, [log.key, wkey]).verified.map((s) => s.name)).toEqual([log.signer.name, NAME]);
    expect(checkSigners(cosigned, [wkey])[0]?.status).toBe('signed');
    expect(checkSigners(otherTime, [wkey])[0]?.status).toBe('invalid');
    expect(() => openNote(otherTime, [log.key, wkey])).toThrow(IntegrityError);
    // A plain 0x01 signature by the same key is not a cosignature: another key ID, so not its line.
    const plain = await signNote(BODY, [log.signer, witness]);
    expect(checkSigners(plain, [wkey])[0]?.status).toBe('missing');
  });

  it('a time the format cannot carry is refused before anything is signed', async () => {
    const { log, note } = await logNote();
    await expect(cosignNote(note, log.key, witness, -1)).rejects.toThrow(ValidationError);
    await expect(cosignNote(note, log.key, witness, 1.5)).rejects.toThrow(ValidationError);
    expect(() => cosignatureMessage(BODY, 1n << 63n)).toThrow(/2\^63-1/);
    expect(cosignatureMessage(BODY, 0)).toEqual(utf8(`cosignature/v1\ntime 0\n${BODY}`));
  });

  it('a timestamp with the top bit set (over 2^63-1) does not verify', async () => {
    const { log, note } = await logNote();
    const cosigned = await cosignNote(note, log.key, witness, TIME);
    const raw = fromBase64(lastLine(cosigned).split(' ')[2] as string);
    raw[4] = (raw[4] as number) | 0x80;
    const huge = cosigned.replace(lastLine(cosigned), `\u2014 ${NAME} ${toBase64(raw)}`);
    expect(checkSigners(huge, [cosignerKey(NAME, PUBLIC)])[0]?.status).toBe('invalid');
  });
});
