/**
 * sib keys witness, and sib ledger verify listing the witnesses that cosigned
 * (cosigned here through the library; the evaluator's command, sib evaluator
 * cosign, is tested with the role commands).
 */
import { randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toHex } from '#kernel';
import { cosignCheckpoint, keyId, parseVerifierKey } from '#ledger';
import { openWitnessKey } from '../../cli/commands/keys.ts';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { lines, sib, useDataDir } from '../support/cli.ts';
import { memoryWitness } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const client = dynamoClient();
const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: testStack().tables });
afterAll(() => client.destroy());

async function filledLog(count: number): Promise<string> {
  const contract = `wit-${randomUUID().slice(0, 8)}`;
  for (let n = 0; n < count; n++) {
    await store.append({
      contract,
      idempotencyKey: `k${n}`,
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n } },
    });
  }
  return contract;
}

const WITNESS = 'evaluator.example/witness';
const VKEY = /^evaluator\.example\/witness\+[0-9a-f]{8}\+[A-Za-z0-9+/]+={0,2}$/;
const sigLines = (note: string) => lines(note).filter((l) => l.startsWith('\u2014 '));

describe('sib keys witness', () => {
  const data = useDataDir({ withStack: false });

  it('creates a 0600 key file naming the witness, prints its verifier key, and refuses to overwrite it', async () => {
    // Prepare
    const file = join(data.path, 'evaluator.pem');

    // Act
    const first = await sib(data.path, ['keys', 'witness', '--name', WITNESS, '--file', file]);
    const before = await readFile(file, 'utf8');
    const again = await sib(data.path, ['keys', 'witness', '--name', WITNESS, '--file', file]);
    const json = await sib(data.path, ['keys', 'witness', '--name', 'm', '--file', join(data.path, 'm.pem'), '--json']);

    // Assess
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toHaveLength(1);
    expect(first.stdout.trim()).toMatch(VKEY);
    // A C2SP tlog-cosignature/v1 key: signature type 0x04, the key ID over name, 0x04 and the key.
    const printed = parseVerifierKey(first.stdout.trim());
    expect(printed.type).toBe(0x04);
    expect(fromBase64(first.stdout.trim().split('+').slice(2).join('+'))[0]).toBe(0x04);
    expect(printed.keyId).toBe(toHex(keyId(WITNESS, printed.publicKey, 0x04)));
    expect(first.stderr).toContain(`created witness key ${file}`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(before).toMatch(/^Witness-Name: evaluator\.example\/witness\n-----BEGIN PRIVATE KEY-----\n/);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: .*already exists; refusing to overwrite/);
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'm', verifierKey: expect.stringMatching(/^m\+/) });
  });

  it('refuses an invalid name', async () => {
    // Act
    const run = await sib(data.path, ['keys', 'witness', '--name', 'two words', '--file', join(data.path, 'x.pem')]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: invalid witness name "two words"/);
  });

  it('--help shows examples', async () => {
    // Act
    const run = await sib(data.path, ['keys', 'witness', '--help']);

    // Assess
    expect(run.code).toBe(0);
    for (const text of ['--name', '--file', 'Examples:', 'sib evaluator cosign']) expect(run.stdout).toContain(text);
  });
});

describe('sib ledger verify --witness', () => {
  const data = useDataDir({ withStack: true });
  let contract = '';
  let witnessKey = '';
  const other = memoryWitness('ministry.example/witness').key;

  beforeAll(async () => {
    contract = await filledLog(4);
    const keyFile = join(data.path, 'evaluator.pem');
    const created = await sib(data.path, ['keys', 'witness', '--name', WITNESS, '--file', keyFile]);
    witnessKey = created.stdout.trim();
    const logKey = (await sib(data.path, ['keys', 'show', '--contract', contract])).stdout.trim();
    expect((await sib(data.path, ['ledger', 'checkpoint', '--contract', contract])).code).toBe(0);
    const witness = await openWitnessKey(keyFile);
    const cosigned = await cosignCheckpoint(store, contract, logKey, witness.signer, { time: 1_767_000_000 });
    expect(sigLines(cosigned.note)).toHaveLength(2);
  });

  it('the checkpoint carries the cosignature: sib ledger checkpoint prints both signature lines', async () => {
    // Act
    const checkpoint = await sib(data.path, ['ledger', 'checkpoint', '--contract', contract]);

    // Assess
    expect(checkpoint.code).toBe(0);
    expect(lines(checkpoint.stdout)[1]).toBe('4');
    expect(sigLines(checkpoint.stdout)).toHaveLength(2);
  });

  it('verify --contract and --file list the witness that cosigned', async () => {
    // Prepare
    const file = join(data.path, `${contract}.jsonl`);
    expect((await sib(data.path, ['ledger', 'export', '--contract', contract, '-o', file])).code).toBe(0);

    // Act
    const stored = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--witness', witnessKey]);
    const offline = await sib(data.path, ['ledger', 'verify', '--file', file, '--witness', witnessKey]);
    const strict = await sib(data.path, ['ledger', 'verify', '--file', file, '--strict', '--witness', witnessKey]);
    const json = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--witness', witnessKey, '--json']);

    // Assess
    for (const run of [stored, offline, strict]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        new RegExp(
          `^OK: 4 entries of ${contract} verified; checkpoint .* signed by sib-ledger\\.local/${contract}; cosigned by ${WITNESS}\\n$`,
        ),
      );
      expect(run.stderr).toBe('');
    }
    expect(JSON.parse(json.stdout)).toMatchObject({
      ok: true,
      witnesses: [{ name: WITNESS, status: 'signed' }],
    });
  });

  it('a witness that did not cosign is a warning, and a failure with --require-witness', async () => {
    // Act
    const warned = await sib(data.path, [
      'ledger',
      'verify',
      '--contract',
      contract,
      '--witness',
      witnessKey,
      '--witness',
      other,
    ]);
    const required = await sib(data.path, [
      'ledger',
      'verify',
      '--contract',
      contract,
      '--witness',
      other,
      '--require-witness',
    ]);
    const satisfied = await sib(data.path, [
      'ledger',
      'verify',
      '--contract',
      contract,
      '--witness',
      witnessKey,
      '--require-witness',
    ]);

    // Assess
    expect(warned.code).toBe(0);
    expect(warned.stdout).toMatch(/; cosigned by evaluator\.example\/witness\n$/);
    expect(warned.stderr).toMatch(/^warning: witness ministry\.example\/witness\+[0-9a-f]{8} has not cosigned/);
    expect(required.code).toBe(1);
    expect(required.stdout).toBe('');
    expect(lines(required.stderr)).toHaveLength(1);
    expect(required.stderr).toMatch(
      /^FAILED: the checkpoint is not cosigned by every required witness: ministry\.example\/witness\+[0-9a-f]{8} \(no signature\)/,
    );
    expect(satisfied.code).toBe(0);
  });

  it('usage mistakes are exit 2: a bad --witness key, --require-witness alone', async () => {
    // Act
    const badKey = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--witness', 'nonsense']);
    const alone = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--require-witness']);

    // Assess
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/^error: invalid verifier key "nonsense"/);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/^error: --require-witness needs at least one --witness/);
  });

  it('verify --help shows the witness options', async () => {
    // Act
    const verify = await sib(data.path, ['ledger', 'verify', '--help']);

    // Assess
    expect(verify.code).toBe(0);
    for (const text of ['--witness', '--require-witness']) expect(verify.stdout).toContain(text);
  });
});
