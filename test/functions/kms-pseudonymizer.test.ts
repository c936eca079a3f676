import { createHmac, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GenerateMacCommand,
  type GenerateMacCommandInput,
  InvalidKeyUsageException,
  KMSClient,
  KMSInternalException,
} from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPseudonym } from '#intake';
import { utf8, ValidationError } from '#kernel';
import { KmsPseudonymizer, KmsPseudonymizerError } from '../../functions/adapters/kms-pseudonymizer.ts';
import { LocalPseudonymizer } from '../../functions/adapters/local-pseudonym-key.ts';

const KEY_ID = 'arn:aws:kms:eu-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const kms = mockClient(KMSClient);

// A local key stands in for the KMS HMAC_256 key, so mocked answers are genuine HMACs.
const masterKey = new Uint8Array(randomBytes(32));

function answerWithRealMacs(key: Uint8Array = masterKey): void {
  kms.on(GenerateMacCommand).callsFake(async (input: GenerateMacCommandInput) => ({
    KeyId: KEY_ID,
    MacAlgorithm: input.MacAlgorithm,
    Mac: new Uint8Array(
      createHmac('sha256', key)
        .update(input.Message as Uint8Array)
        .digest(),
    ),
  }));
}

function pseudonymizer(): KmsPseudonymizer {
  return new KmsPseudonymizer({ keyId: KEY_ID, client: new KMSClient({ region: 'eu-west-2' }) });
}

let dataDir: string;
beforeEach(async () => {
  kms.reset();
  dataDir = await mkdtemp(join(tmpdir(), 'sib-kms-pseudonym-'));
});
afterEach(async () => {
  kms.reset();
  await rm(dataDir, { recursive: true, force: true });
});

describe('KmsPseudonymizer', () => {
  it('sends exactly the GenerateMac inputs of the derivation', async () => {
    answerWithRealMacs();
    const p = pseudonymizer();
    expect(p.keyId).toBe(KEY_ID);
    expect(isPseudonym(await p.pseudonym('second-chance-kamchatka', 'QQ123456C'))).toBe(true);
    const calls = kms.commandCalls(GenerateMacCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({
      KeyId: KEY_ID,
      MacAlgorithm: 'HMAC_SHA_256',
      Message: utf8('sib-ledger/pseudonym/v1\0second-chance-kamchatka'),
    });
  });

  it('agrees with the local key file holding the same master key', async () => {
    answerWithRealMacs();
    await mkdir(join(dataDir, 'keys'), { mode: 0o700 });
    await writeFile(join(dataDir, 'keys', 'pseudonym.hmac.key'), masterKey, { mode: 0o600 });
    const local = await LocalPseudonymizer.open({ dataDir });
    const remote = pseudonymizer();
    for (const contract of ['second-chance-kamchatka', 'qarmet-karaganda-2026']) {
      for (const reference of ['QQ 12 34 56 C', '990101300123', '123-456-789 01', 'кч-0042']) {
        expect(await remote.pseudonym(contract, reference)).toBe(await local.pseudonym(contract, reference));
      }
    }
    expect(await remote.pseudonym('qarmet-karaganda-2026', '990101300123')).not.toBe(
      await remote.pseudonym('second-chance-kamchatka', '990101300123'),
    );
    answerWithRealMacs(new Uint8Array(randomBytes(32)));
    expect(await pseudonymizer().pseudonym('qarmet-karaganda-2026', '990101300123')).not.toBe(
      await local.pseudonym('qarmet-karaganda-2026', '990101300123'),
    );
  });

  it('makes one KMS call per contract however many references, even concurrently', async () => {
    answerWithRealMacs();
    const p = pseudonymizer();
    const references = Array.from({ length: 10_000 }, (_, i) => `99010130${String(i).padStart(4, '0')}`);
    const a = await Promise.all(references.map((r) => p.pseudonym('c1', r)));
    const b = await Promise.all(references.slice(0, 1000).map((r) => p.pseudonym('c2', r)));
    await Promise.all(references.slice(0, 1000).map((r) => p.pseudonym('c1', r)));
    expect(new Set(a).size).toBe(10_000);
    expect(b[0]).not.toBe(a[0]);
    const messages = kms.commandCalls(GenerateMacCommand).map((c) => Buffer.from(c.args[0].input.Message ?? []));
    expect(messages.map((m) => m.toString('latin1'))).toEqual([
      'sib-ledger/pseudonym/v1\0c1',
      'sib-ledger/pseudonym/v1\0c2',
    ]);
  });

  it('propagates KMS errors with the SDK error as cause, and retries after a failure', async () => {
    const internal = new KMSInternalException({ message: 'internal error', $metadata: {} });
    kms.on(GenerateMacCommand).rejectsOnce(internal);
    const p = pseudonymizer();
    const error = await p.pseudonym('c1', 'QQ123456C').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KmsPseudonymizerError);
    expect((error as Error).message).toBe(
      `KMS GenerateMac failed for ${KEY_ID} (contract c1): KMSInternalException: internal error`,
    );
    expect((error as Error).cause).toBe(internal);
    expect((error as Error).message).not.toContain('QQ123456C');

    answerWithRealMacs();
    expect(isPseudonym(await p.pseudonym('c1', 'QQ123456C'))).toBe(true);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(2);

    const wrongKey = new InvalidKeyUsageException({ message: 'not a GENERATE_VERIFY_MAC key', $metadata: {} });
    kms.on(GenerateMacCommand).rejects(wrongKey);
    const other = await p.pseudonym('c2', 'QQ123456C').catch((e: unknown) => e);
    expect(other).toBeInstanceOf(KmsPseudonymizerError);
    expect((other as Error).cause).toBe(wrongKey);
    // c1's key is already in memory: KMS being down does not stop it.
    expect(isPseudonym(await p.pseudonym('c1', 'QQ999999C'))).toBe(true);
  });

  it('rejects answers that are not a 32-byte HMAC-SHA256', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /returned no MAC, not a 32-byte HMAC-SHA256/],
      [{ Mac: new Uint8Array(64), MacAlgorithm: 'HMAC_SHA_256' }, /returned 64 bytes/],
      [{ Mac: new Uint8Array(64), MacAlgorithm: 'HMAC_SHA_512' }, /used HMAC_SHA_512, not HMAC_SHA_256/],
    ];
    for (const [answer, why] of cases) {
      kms.reset();
      kms.on(GenerateMacCommand).resolves(answer);
      await expect(pseudonymizer().pseudonym('c1', 'QQ123456C')).rejects.toThrow(why);
    }
  });

  it('validates before calling KMS', async () => {
    answerWithRealMacs();
    const p = pseudonymizer();
    await expect(p.pseudonym('Not A Contract', 'QQ123456C')).rejects.toThrow(ValidationError);
    await expect(p.pseudonym('c1', '  ')).rejects.toThrow(ValidationError);
    expect(kms.commandCalls(GenerateMacCommand)).toHaveLength(0);
    expect(() => new KmsPseudonymizer({ keyId: '' })).toThrow(/key id is empty/);
  });
});
