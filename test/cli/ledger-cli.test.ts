import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVerifierKey } from '#ledger';
import { DynamoLedger } from '../../functions/adapters/dynamo-ledger.ts';
import { DEFAULT_KEY_NAME } from '../../functions/adapters/local-signer.ts';
import { lines, sib, stackFileFor, useDataDir } from '../support/cli.ts';
import { memorySigner } from '../support/signer.ts';
import { dynamoClient, testStack } from '../support/stack.ts';

const client = dynamoClient();
const store = new DynamoLedger({ client: DynamoDBDocumentClient.from(client), tables: testStack().tables });
afterAll(() => client.destroy());

/** Appends `count` entries to a new contract log through the library; returns the contract id. */
async function filledLog(count: number): Promise<string> {
  const contract = `cli-${randomUUID().slice(0, 8)}`;
  for (let n = 0; n < count; n++) {
    await store.append({
      contract,
      idempotencyKey: `k${n}`,
      intent: { kind: 'test.note', actor: { sub: 'op', role: 'operator' }, body: { n, note: `запись ${n}` } },
    });
  }
  return contract;
}

const VERIFIER_KEY = new RegExp(`^${DEFAULT_KEY_NAME.replaceAll('.', '\\.')}\\+[0-9a-f]{8}\\+[A-Za-z0-9+/]+={0,2}$`);

describe('sib keys show', () => {
  const data = useDataDir({ withStack: false });

  it('creates the signing key (mode 0600) and prints its verifier key name+keyid+base64', async () => {
    // Prepare: a data dir without a key.
    const keyFile = join(data.path, 'keys', 'log.ed25519.pem');
    expect(existsSync(keyFile)).toBe(false);

    // Act
    const first = await sib(data.path, ['keys', 'show']);
    const second = await sib(data.path, ['keys', 'show']);

    // Assess
    expect(first.code).toBe(0);
    expect(lines(first.stdout)).toHaveLength(1);
    expect(first.stdout.trim()).toMatch(VERIFIER_KEY);
    expect(first.stderr).toContain(`created a new signing key at ${keyFile}`);
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toBe('');
  });

  it("--contract prints the key of that contract's log: the same key, named by its checkpoint origin", async () => {
    // Act
    const base = await sib(data.path, ['keys', 'show']);
    const run = await sib(data.path, ['keys', 'show', '--contract', 'second-chance-kamchatka']);
    const json = await sib(data.path, ['keys', 'show', '--contract', 'second-chance-kamchatka', '--json']);

    // Assess
    expect(run.code).toBe(0);
    const key = parseVerifierKey(run.stdout.trim());
    expect(key.name).toBe(`${DEFAULT_KEY_NAME}/second-chance-kamchatka`);
    expect(key.publicKey).toEqual(parseVerifierKey(base.stdout.trim()).publicKey);
    expect(key.keyId).not.toBe(parseVerifierKey(base.stdout.trim()).keyId);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: key.name, keyId: key.keyId, verifierKey: run.stdout.trim() });
  });
});

describe('sib ledger on a log filled through the library', () => {
  const data = useDataDir({ withStack: true });

  it('checkpoint prints a signed note whose size line is the entry count', async () => {
    // Prepare
    const contract = await filledLog(5);

    // Act
    const run = await sib(data.path, ['ledger', 'checkpoint', '--contract', contract]);

    // Assess
    expect(run.code).toBe(0);
    const note = lines(run.stdout);
    expect(note[0]).toBe(`${DEFAULT_KEY_NAME}/${contract}`);
    expect(note[1]).toBe('5');
    expect(note[2]).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(note[3]).toBe('');
    // Signed by the log's key named by the origin, <log name>/<contract>.
    expect(note[4]).toMatch(
      new RegExp(`^\u2014 ${DEFAULT_KEY_NAME.replaceAll('.', '\\.')}/${contract} [A-Za-z0-9+/]+=*$`),
    );
  });

  it('export then verify --file (fast and --strict) and verify --contract all exit 0 with OK', async () => {
    // Prepare
    const contract = await filledLog(5);
    const file = join(data.path, `${contract}.jsonl`);

    // Act
    const exported = await sib(data.path, ['ledger', 'export', '--contract', contract, '-o', file]);
    const fast = await sib(data.path, ['ledger', 'verify', '--file', file]);
    const strict = await sib(data.path, ['ledger', 'verify', '--file', file, '--strict']);
    const pinned = await sib(data.path, ['ledger', 'verify', '--file', file, '--contract', contract]);
    const stored = await sib(data.path, ['ledger', 'verify', '--contract', contract]);

    // Assess
    expect(exported.code).toBe(0);
    expect(exported.stderr).toContain(`wrote 5 entries and the checkpoint to ${file}`);
    const text = await readFile(file, 'utf8');
    expect(lines(text)).toHaveLength(6);
    expect(JSON.parse(lines(text)[5] as string)).toHaveProperty('checkpoint');
    for (const run of [fast, strict, pinned, stored]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^OK: 5 entries of ${contract} verified; checkpoint .* size 5 signed by`));
      expect(run.stderr).toBe('');
    }
  });

  it('verify --file with another verifier key exits 1', async () => {
    // Prepare: a key with the same name as the log key, but not its key.
    const contract = await filledLog(3);
    const file = join(data.path, `${contract}.jsonl`);
    expect((await sib(data.path, ['ledger', 'export', '--contract', contract, '-o', file])).code).toBe(0);
    const other = memorySigner(DEFAULT_KEY_NAME).key;

    // Act
    const run = await sib(data.path, ['ledger', 'verify', '--file', file, '--key', other]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^FAILED: .*signature/);
  });

  it('verify --contract on a log altered in DynamoDB exits 1 naming the seq; --checkpoint pins a kept checkpoint', async () => {
    // Prepare: a 6-entry log with a checkpoint kept in a file, then one entry altered in the table.
    const contract = await filledLog(6);
    const kept = join(data.path, `${contract}.checkpoint`);
    const cp = await sib(data.path, ['ledger', 'checkpoint', '--contract', contract]);
    await writeFile(kept, cp.stdout);
    const pinnedBefore = await sib(data.path, ['ledger', 'verify', '--contract', contract, '--checkpoint', kept]);
    const db = DynamoDBDocumentClient.from(dynamoClient());
    const key = { pk: `LOG#${contract}`, sk: `E#${'3'.padStart(16, '0')}` };
    const item = (await db.send(new GetCommand({ TableName: testStack().tables.ledger, Key: key }))).Item;
    await db.send(
      new PutCommand({
        TableName: testStack().tables.ledger,
        Item: { ...item, entry: String(item?.entry).replace('"n":3', '"n":30') },
      }),
    );

    // Act
    const run = await sib(data.path, ['ledger', 'verify', '--contract', contract]);

    // Assess
    expect(pinnedBefore.code).toBe(0);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^FAILED at seq 3: altered/);
    db.destroy();
  });

  it('proof --seq beyond the log exits 1 with a one-line error and no stack trace', async () => {
    // Prepare
    const contract = await filledLog(5);

    // Act
    const run = await sib(data.path, ['ledger', 'proof', '--contract', contract, '--seq', '99']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: seq 99 is not in a tree of size 5$/m);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('sib ledger verify --file on a tampered export', () => {
  const data = useDataDir({ withStack: true });
  let exportLines: string[] = [];

  beforeAll(async () => {
    const contract = await filledLog(8);
    const file = join(data.path, 'original.jsonl');
    const run = await sib(data.path, ['ledger', 'export', '--contract', contract, '-o', file]);
    expect(run.code).toBe(0);
    // Line i of the file is the entry of seq i; line 8 is the checkpoint.
    exportLines = lines(await readFile(file, 'utf8'));
    expect(exportLines).toHaveLength(9);
  });

  const swap = (all: string[], i: number, j: number) => all.map((l, k) => (k === i ? all[j] : k === j ? all[i] : l));
  const file = (all: (string | undefined)[]) => `${all.join('\n')}\n`;

  it.each([
    {
      change: 'one byte changed in the entry of seq 3',
      tamper: (all: string[]) => file(all.map((l, i) => (i === 3 ? l.replace('"n":3', '"n":7') : l))),
      seq: 3,
    },
    {
      change: 'the entry of seq 5 deleted',
      tamper: (all: string[]) => file(all.filter((_, i) => i !== 5)),
      seq: 5,
    },
    {
      change: 'the entries of seq 2 and 4 swapped',
      tamper: (all: string[]) => file(swap(all, 2, 4)),
      seq: 2,
    },
    {
      change: 'truncated in the middle of the entry of seq 6',
      tamper: (all: string[]) => file(all).slice(0, file(all.slice(0, 6)).length + 40),
      seq: 6,
    },
    {
      change: 'truncated after the entry of seq 6 (the checkpoint line lost)',
      tamper: (all: string[]) => file(all.slice(0, 7)),
      seq: 6,
    },
  ])('$change: exit 1, "at seq $seq"', async ({ tamper, seq }) => {
    // Prepare
    const path = join(data.path, `tampered-${randomUUID().slice(0, 8)}.jsonl`);
    await writeFile(path, tamper(exportLines));

    // Act
    const fast = await sib(data.path, ['ledger', 'verify', '--file', path]);
    const strict = await sib(data.path, ['ledger', 'verify', '--file', path, '--strict']);

    // Assess
    for (const run of [fast, strict]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(new RegExp(`^FAILED at seq ${seq}: `));
      expect(run.stderr).not.toMatch(/: seq \d+: /); // the seq is named once
    }
  });

  it('the root in the checkpoint line changed: exit 1', async () => {
    // Prepare: change the root in the signed note.
    const file = join(data.path, 'tampered-checkpoint.jsonl');
    const note = JSON.parse(exportLines[8] as string) as { checkpoint: string };
    const [origin, size, root, ...rest] = note.checkpoint.split('\n');
    const flipped = `${(root as string)[0] === 'A' ? 'B' : 'A'}${(root as string).slice(1)}`;
    const checkpoint = [origin, size, flipped, ...rest].join('\n');
    await writeFile(file, `${[...exportLines.slice(0, 8), JSON.stringify({ checkpoint })].join('\n')}\n`);

    // Act
    const run = await sib(data.path, ['ledger', 'verify', '--file', file]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^FAILED: .*signature/);
  });
});

describe('sib ledger proof and verify-proof', () => {
  const data = useDataDir({ withStack: true });
  let proofText = '';
  let proofFile = '';

  interface ProofJson {
    contract: string;
    seq: number;
    size: number;
    entry: string;
    leafHash: string;
    proof: string[];
    root: string;
    checkpoint: string;
  }

  beforeAll(async () => {
    const contract = await filledLog(5);
    const run = await sib(data.path, ['ledger', 'proof', '--contract', contract, '--seq', '2']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    proofText = run.stdout;
    proofFile = join(data.path, 'proof.json');
    await writeFile(proofFile, proofText);
  });

  it('proof prints the entry, its inclusion path and a signed checkpoint as JSON', () => {
    // Prepare / Act: done in beforeAll.
    const doc = JSON.parse(proofText) as ProofJson;

    // Assess
    expect(doc).toMatchObject({ seq: 2, size: 5 });
    expect(JSON.parse(doc.entry)).toMatchObject({ seq: 2, contract: doc.contract });
    expect(doc.proof).toHaveLength(3);
    expect(doc.checkpoint.split('\n')[1]).toBe('5');
  });

  it('verify-proof accepts it from a file and from standard input', async () => {
    // Act
    const fromFile = await sib(data.path, ['ledger', 'verify-proof', proofFile]);
    const fromStdin = await sib(data.path, ['ledger', 'verify-proof'], proofText);

    // Assess
    for (const run of [fromFile, fromStdin]) {
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('OK: the entry is included in the signed checkpoint\n');
      expect(run.stderr).toBe('');
    }
  });

  const flip = (b64: string) => `${b64[0] === 'A' ? 'B' : 'A'}${b64.slice(1)}`;

  it.each([
    {
      change: 'one character of a path element flipped',
      edit: (d: ProofJson) => ({ ...d, proof: d.proof.map((p, i) => (i === 1 ? flip(p) : p)) }),
      reason: /does not lead to the root/,
    },
    {
      change: 'the seq changed',
      edit: (d: ProofJson) => ({ ...d, seq: 3 }),
      reason: /the entry is seq 2 of .*, not seq 3/,
    },
    {
      change: 'the entry text changed',
      edit: (d: ProofJson) => ({ ...d, entry: d.entry.replace('"n":2', '"n":9') }),
      reason: /does not hash to leafHash/,
    },
    {
      change: 'the root changed',
      edit: (d: ProofJson) => ({ ...d, root: flip(d.root) }),
      reason: /does not lead to the root/,
    },
  ])('$change: exit 1 with a reason', async ({ edit, reason }) => {
    // Prepare
    const forged = `${JSON.stringify(edit(JSON.parse(proofText) as ProofJson), null, 2)}\n`;
    const file = join(data.path, `forged-${randomUUID().slice(0, 8)}.json`);
    await writeFile(file, forged);

    // Act
    const fromFile = await sib(data.path, ['ledger', 'verify-proof', file]);
    const fromStdin = await sib(data.path, ['ledger', 'verify-proof'], forged);

    // Assess
    for (const run of [fromFile, fromStdin]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^FAILED: \S/);
      expect(run.stderr).toMatch(reason);
    }
  });

  it('verify-proof with another verifier key exits 1', async () => {
    // Act
    const run = await sib(data.path, [
      'ledger',
      'verify-proof',
      proofFile,
      '--key',
      memorySigner(DEFAULT_KEY_NAME).key,
    ]);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^FAILED: .*signature/);
  });
});

describe('sib ledger without a running local stack', () => {
  const data = useDataDir({ withStack: false });

  it.each([
    ['ledger', 'checkpoint', '--contract', 'c'],
    ['ledger', 'export', '--contract', 'c'],
    ['ledger', 'verify', '--contract', 'c'],
    ['ledger', 'proof', '--contract', 'c', '--seq', '0'],
  ])('sib %s %s … exits 1 with one line telling how to start it', async (...args) => {
    // Act
    const run = await sib(data.path, args);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(lines(run.stderr)).toHaveLength(1);
    expect(run.stderr).toContain('The local stack is not running');
    expect(run.stderr).toContain('npx sib stack up');
  });
});

describe('sib stack with a stale stack.json whose pids now belong to another stack', () => {
  const data = useDataDir({ withStack: false });

  it('is not taken for running, and down leaves the other stack alone', async () => {
    // Prepare: the test stack's real pids, but recorded with other ports, as after a reboot that reused them.
    const real = stackFileFor(testStack());
    const stale = {
      ...real,
      dynamodb: { ...real.dynamodb, port: real.dynamodb.port + 1 },
      s3: { ...real.s3, port: real.s3.port + 1 },
    };
    await writeFile(join(data.path, 'stack.json'), `${JSON.stringify(stale, null, 2)}\n`);

    // Act
    const status = await sib(data.path, ['stack', 'status']);
    const down = await sib(data.path, ['stack', 'down']);

    // Assess
    expect(status.stdout).toContain('not running');
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('was not running');
    expect(() => process.kill(real.dynamodb.pid, 0)).not.toThrow();
    expect(() => process.kill(real.s3.pid, 0)).not.toThrow();
  });
});

describe('sib help', () => {
  const data = useDataDir({ withStack: false });

  it('sib --help lists the command groups', async () => {
    // Act
    const run = await sib(data.path, ['--help']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: sib /);
    for (const group of ['stack', 'keys', 'ledger', 'demo'])
      expect(run.stdout).toMatch(new RegExp(`^  ${group}\\b`, 'm'));
  });

  it('sib ledger --help lists its subcommands', async () => {
    // Act
    const run = await sib(data.path, ['ledger', '--help']);

    // Assess
    expect(run.code).toBe(0);
    for (const sub of ['checkpoint', 'export', 'verify', 'proof', 'verify-proof']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'));
    }
  });

  it('sib ledger verify --help shows its options, examples and exit status', async () => {
    // Act
    const run = await sib(data.path, ['ledger', 'verify', '--help']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: sib ledger verify /);
    for (const option of ['--contract', '--file', '--key', '--strict', '--json']) expect(run.stdout).toContain(option);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain('sib ledger verify --file log.jsonl --key');
    expect(run.stdout).toContain('Exit status: 0');
  });
});
