/** sib keys witness, sib ledger cosign, and verification listing the witnesses. */
import { randomUUID } from 'node:crypto';
import { chmod, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noteSigners } from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { lines, sib, useDataDir } from '../support/cli.ts';
import { memorySigner } from '../support/signer.ts';
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
    for (const text of ['--name', '--file', 'Examples:', 'sib ledger cosign']) expect(run.stdout).toContain(text);
  });
});

describe('sib ledger cosign and verify --witness', () => {
  const data = useDataDir({ withStack: true });
  let contract = '';
  let keyFile = '';
  let witnessKey = '';
  let logKey = '';
  const other = memorySigner('ministry.example/witness').key;

  beforeAll(async () => {
    contract = await filledLog(4);
    keyFile = join(data.path, 'evaluator.pem');
    const created = await sib(data.path, ['keys', 'witness', '--name', WITNESS, '--file', keyFile]);
    witnessKey = created.stdout.trim();
    logKey = (await sib(data.path, ['keys', 'show'])).stdout.trim();
    expect((await sib(data.path, ['ledger', 'checkpoint', '--contract', contract])).code).toBe(0);
  });

  it('cosign prints the checkpoint with both lines and the witness key; again adds nothing', async () => {
    // Act
    const run = await sib(data.path, ['ledger', 'cosign', '--contract', contract, '--key', keyFile]);
    const again = await sib(data.path, ['ledger', 'cosign', '--contract', contract, '--key', keyFile]);
    const checkpoint = await sib(data.path, ['ledger', 'checkpoint', '--contract', contract]);

    // Assess
    expect(run.code).toBe(0);
    expect(lines(run.stdout)[1]).toBe('4');
    expect(sigLines(run.stdout)).toHaveLength(2);
    expect(noteSigners(run.stdout, [logKey, witnessKey])).toEqual(['sib-ledger.local', WITNESS]);
    expect(run.stderr).toBe(`cosigned checkpoint size 4 of ${contract} by witness ${witnessKey}\n`);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(run.stdout);
    expect(again.stderr).toMatch(/^already cosigned checkpoint size 4/);
    expect(checkpoint.stdout).toBe(run.stdout);
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
          `^OK: 4 entries of ${contract} verified; checkpoint .* signed by sib-ledger\\.local; cosigned by ${WITNESS}\\n$`,
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

  it('refuses usage mistakes: a bad --witness key, --require-witness alone, another log key, a readable key file', async () => {
    // Prepare
    const loose = join(data.path, 'loose.pem');
    expect((await sib(data.path, ['keys', 'witness', '--name', 'loose', '--file', loose])).code).toBe(0);
    await chmod(loose, 0o644);

    // Act
    const badKey = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--witness', 'nonsense']);
    const alone = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--require-witness']);
    const wrongLog = await sib(data.path, [
      'ledger',
      'cosign',
      '--contract',
      contract,
      '--key',
      keyFile,
      '--log-key',
      memorySigner('sib-ledger.local').key,
    ]);
    const readable = await sib(data.path, ['ledger', 'cosign', '--contract', contract, '--key', loose]);

    // Assess
    expect(badKey.code).toBe(1);
    expect(badKey.stderr).toMatch(/^error: invalid verifier key "nonsense"/);
    expect(alone.code).toBe(1);
    expect(alone.stderr).toMatch(/^error: --require-witness needs at least one --witness/);
    expect(wrongLog.code).toBe(1);
    expect(wrongLog.stderr).toMatch(/^error: note has no verifiable signatures/);
    expect(readable.code).toBe(1);
    expect(readable.stderr).toMatch(/^error: refusing to use witness key .*chmod 600/);
  });

  it('cosign on a contract without a checkpoint exits 1 with one line', async () => {
    // Prepare
    const fresh = await filledLog(1);

    // Act
    const run = await sib(data.path, ['ledger', 'cosign', '--contract', fresh, '--key', keyFile]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`error: no checkpoint has been published for ${fresh}\n`);
  });

  it('cosign --help and verify --help show the witness options and examples', async () => {
    // Act
    const cosign = await sib(data.path, ['ledger', 'cosign', '--help']);
    const verify = await sib(data.path, ['ledger', 'verify', '--help']);
    const group = await sib(data.path, ['ledger', '--help']);

    // Assess
    expect(cosign.code).toBe(0);
    for (const text of ['--contract', '--key', '--log-key', '--size', 'Examples:', 'sib ledger cosign --contract']) {
      expect(cosign.stdout).toContain(text);
    }
    for (const text of ['--witness', '--require-witness']) expect(verify.stdout).toContain(text);
    expect(group.stdout).toMatch(/^ {2}cosign\b/m);
  });
});
