/**
 * The local stack against real DynamoDB Local and s3rver processes, each test
 * with its own data dir and free ports.
 */
import { spawn } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { buckets, type StackConfig, tables } from '../../functions/adapters/storage-layout.ts';
import { checkJava, freePorts, isAlive, JAVA_REQUIRED, javaMajorVersion } from '../../infra/local/processes.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import {
  clientConfig,
  type LocalStackFile,
  loadStackConfig,
  stackDown,
  stackFilePath,
  stackStatus,
  stackUp,
} from '../../infra/local/stack.ts';
import { registerFixture } from '../support/runtime.ts';

const repoRoot = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];
const servers: Server[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sib-stack-test-'));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  for (const dir of dirs.splice(0)) {
    await stackDown(dir).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
});

async function up(dir: string) {
  const [dynamoPort, s3Port] = await freePorts(2);
  return stackUp({ dataDir: dir, dynamoPort, s3Port });
}

function readStackFile(dir: string): LocalStackFile {
  return JSON.parse(readFileSync(stackFilePath(dir), 'utf8')) as LocalStackFile;
}

/** Pids of processes whose command line mentions `text` (Linux only). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function occupy(port: number): Promise<void> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
}

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((done) => child.once('exit', done));
  return child.pid as number;
}

describe('stack up', () => {
  it('creates stack.json and the tables and buckets of functions/adapters/storage-layout.ts', async () => {
    const dir = tempDir();
    const result = await up(dir);
    expect(result.status).toBe('started');
    expect(readStackFile(dir)).toEqual(result.stack);
    const cfg = loadStackConfig(dir);
    expect(cfg.tables).toEqual({ ledger: 'sib-ledger', records: 'sib-records' });
    expect(cfg.buckets).toEqual({ archive: 'sib-archive', reports: 'sib-reports', uploads: 'sib-uploads' });

    const dynamodb = new DynamoDBClient(clientConfig(cfg));
    for (const def of tables) {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: cfg.tables[def.id] }));
      expect(Table?.TableStatus).toBe('ACTIVE');
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      expect(Table?.KeySchema).toEqual([
        { AttributeName: def.partitionKey.name, KeyType: 'HASH' },
        ...(def.sortKey ? [{ AttributeName: def.sortKey.name, KeyType: 'RANGE' }] : []),
      ]);
      // DescribeTable lists indexes in no fixed order.
      const byName = (a: { indexName?: string }, b: { indexName?: string }) =>
        (a.indexName ?? '').localeCompare(b.indexName ?? '');
      const indexes = (Table?.GlobalSecondaryIndexes ?? [])
        .map((i) => ({
          indexName: i.IndexName,
          keys: i.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`),
          projection: i.Projection?.ProjectionType,
        }))
        .sort(byName);
      expect(indexes).toEqual(
        def.globalSecondaryIndexes
          .map((i) => ({
            indexName: i.indexName,
            keys: [`${i.partitionKey.name}:HASH`, ...(i.sortKey ? [`${i.sortKey.name}:RANGE`] : [])],
            projection: 'ALL',
          }))
          .sort(byName),
      );
    }
    dynamodb.destroy();

    const s3 = new S3Client(clientConfig(cfg, 's3'));
    const { Buckets } = await s3.send(new ListBucketsCommand({}));
    expect(Buckets?.map((b) => b.Name).sort()).toEqual(buckets.map((b) => b.localName).sort());
    s3.destroy();

    const status = await stackStatus(dir);
    expect(status.running).toBe(true);
    expect(status.services.dynamodb).toMatchObject({ state: 'running', answers: true, pid: result.stack.dynamodb.pid });
    expect(status.services.s3).toMatchObject({ state: 'running', answers: true, pid: result.stack.s3.pid });

    // A second up, even with other ports, leaves the first stack alone.
    const before = readFileSync(stackFilePath(dir), 'utf8');
    const second = await up(dir);
    expect(second.status).toBe('already-running');
    expect(second.messages.join('\n')).toContain('already running');
    expect(readFileSync(stackFilePath(dir), 'utf8')).toBe(before);
    expect(isAlive(result.stack.dynamodb.pid)).toBe(true);
    expect(isAlive(result.stack.s3.pid)).toBe(true);
  });

  it('starts one stack when two ups race', async () => {
    const dir = tempDir();
    const results = await Promise.all([up(dir), up(dir)]);
    expect(results.map((r) => r.status).sort()).toEqual(['already-running', 'started']);
    expect(results[0]?.stack).toEqual(results[1]?.stack);
  });

  it('keeps DynamoDB and S3 data across down and up', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const first = await up(dir);
    const item = { pk: { S: 'LOG#c1' }, sk: { S: 'HEAD' }, size: { N: '3' } };
    let cfg: StackConfig = loadStackConfig(dir);
    let dynamodb = new DynamoDBClient(clientConfig(cfg));
    let s3 = new S3Client(clientConfig(cfg, 's3'));
    await dynamodb.send(new PutItemCommand({ TableName: cfg.tables.ledger, Item: item }));
    await s3.send(new PutObjectCommand({ Bucket: cfg.buckets.archive, Key: 'batches/b1.json', Body: '{"n":1}' }));
    dynamodb.destroy();
    s3.destroy();

    const down = await stackDown(dir);
    expect(down.status).toBe('stopped');
    expect(existsSync(stackFilePath(dir))).toBe(false);
    expect(isAlive(first.stack.dynamodb.pid)).toBe(false);
    expect(isAlive(first.stack.s3.pid)).toBe(false);

    await up(dir);
    cfg = loadStackConfig(dir);
    dynamodb = new DynamoDBClient(clientConfig(cfg));
    s3 = new S3Client(clientConfig(cfg, 's3'));
    const got = await dynamodb.send(
      new GetItemCommand({ TableName: cfg.tables.ledger, Key: { pk: item.pk, sk: item.sk } }),
    );
    expect(got.Item).toEqual(item);
    const object = await s3.send(new GetObjectCommand({ Bucket: cfg.buckets.archive, Key: 'batches/b1.json' }));
    expect(await object.Body?.transformToString()).toBe('{"n":1}');
    dynamodb.destroy();
    s3.destroy();
  });

  it('detects a stale stack.json, cleans it and starts fresh', async () => {
    const dir = tempDir();
    const pid = await deadPid();
    const stale = { version: 1, dynamodb: { endpoint: 'x', pid, port: 1 }, s3: { endpoint: 'y', pid, port: 2 } };
    writeFileSync(stackFilePath(dir), JSON.stringify(stale));

    expect(() => loadStackConfig(dir)).toThrow(`The local stack is not running (stale ${stackFilePath(dir)})`);
    expect((await stackStatus(dir)).note).toContain('stale');

    const result = await up(dir);
    expect(result.status).toBe('started');
    expect(result.messages[0]).toMatch(/^Removed stale .*stack\.json \(DynamoDB Local and S3 no longer running\)/);
    expect(readStackFile(dir).dynamodb.pid).toBe(result.stack.dynamodb.pid);
  });

  it('refuses a taken port with a one-line error and writes no stack.json', async () => {
    const dir = tempDir();
    const [dynamoPort, s3Port] = (await freePorts(2)) as [number, number];
    await occupy(s3Port);
    await expect(stackUp({ dataDir: dir, dynamoPort, s3Port })).rejects.toThrow(
      new Error(`Port ${s3Port} for S3 (s3rver) is already in use; choose another with --s3-port <n> or SIB_S3_PORT`),
    );
    expect(existsSync(stackFilePath(dir))).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });

  it('stops what it started when startup fails midway', async () => {
    const dir = tempDir();
    const [dynamoPort, s3Port] = await freePorts(2);
    const failed = stackUp({ dataDir: dir, dynamoPort, s3Port, readyTimeoutMs: 1 });
    await expect(failed).rejects.toThrow(/did not answer on port/);
    expect(existsSync(stackFilePath(dir))).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  });
});

describe('S3 event notifications on the local stack', () => {
  it('ingests a CSV uploaded under uploads/ with the same handler as in AWS, writes the result beside it and deletes the upload', async () => {
    // Prepare
    const dir = tempDir();
    const { stack } = await up(dir);
    // Evidence is accepted only for a registered contract: the ministry registers it first (entry 0).
    await registerFixture(await localRuntime(dir, stack), 'second-chance-kamchatka');
    const s3 = new S3Client(clientConfig(stack, 's3'));
    const consent = 'c'.repeat(64);
    const csv = `eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256\nu1,SC-9001,enrolment,2024-03-01,operator,2024,released,male,1988,${consent}\n`;

    // Act
    await s3.send(
      new PutObjectCommand({
        Bucket: stack.buckets.uploads,
        Key: 'uploads/second-chance-kamchatka/up-1.csv',
        Body: csv,
        ContentType: 'text/csv',
        Metadata: { 'batch-id': 'up-1', submitter: 'uploader' },
      }),
    );
    let result: string | undefined;
    for (let i = 0; i < 120 && result === undefined; i++) {
      try {
        const object = await s3.send(
          new GetObjectCommand({ Bucket: stack.buckets.uploads, Key: 'results/second-chance-kamchatka/up-1.json' }),
        );
        result = await object.Body?.transformToString();
      } catch {
        await new Promise((r) => setTimeout(r, 250));
      }
    }
    // The raw upload (participant references) is deleted once its outcome is written.
    let uploadLeft = true;
    for (let i = 0; i < 40 && uploadLeft; i++) {
      uploadLeft = await s3
        .send(new HeadObjectCommand({ Bucket: stack.buckets.uploads, Key: 'uploads/second-chance-kamchatka/up-1.csv' }))
        .then(
          () => true,
          () => false,
        );
      if (uploadLeft) await new Promise((r) => setTimeout(r, 250));
    }
    s3.destroy();
    await stackDown(dir);

    // Assess
    expect(uploadLeft).toBe(false);
    expect(result).toBeDefined();
    expect(JSON.parse(result as string)).toMatchObject({ batchId: 'up-1', seq: 1, recordCount: 1, replayed: false });
  });
});

describe('java check', () => {
  function fakeJava(versionLine: string): NodeJS.ProcessEnv {
    const bin = join(tempDir(), 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'java'), `#!/bin/sh\necho '${versionLine}' >&2\n`);
    chmodSync(join(bin, 'java'), 0o755);
    return { PATH: bin };
  }

  it('gives the one-line install hint when java is missing or too old', () => {
    expect(() => checkJava({ PATH: tempDir() })).toThrow(new Error(JAVA_REQUIRED));
    expect(() => checkJava(fakeJava('java version "1.8.0_292"'))).toThrow(new Error(JAVA_REQUIRED));
    expect(() => checkJava(fakeJava('openjdk version "21.0.2" 2024-01-16'))).not.toThrow();
    expect(JAVA_REQUIRED).not.toContain('\n');
  });

  it('reads the major version', () => {
    expect(javaMajorVersion('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(javaMajorVersion('openjdk version "21" 2023-09-19')).toBe(21);
    expect(javaMajorVersion('java version "1.8.0_292"')).toBe(8);
    expect(javaMajorVersion('bash: java: not found')).toBeUndefined();
  });
});

describe('without a running stack', () => {
  it('loadStackConfig says how to start it', () => {
    const dir = tempDir();
    expect(() => loadStackConfig(dir)).toThrow(
      new Error(`The local stack is not running (no ${join(dir, 'stack.json')}): start it with: npx sib stack up`),
    );
  });

  it('down says nothing runs', async () => {
    const dir = tempDir();
    const missing = join(dir, 'never-created');
    for (const d of [dir, missing]) {
      const result = await stackDown(d);
      expect(result.status).toBe('not-running');
      expect(result.messages).toEqual([`The local stack is not running (no ${join(d, 'stack.json')})`]);
    }
    expect(existsSync(missing)).toBe(false);
  });
});

describe('sib stack (CLI)', () => {
  function sib(
    args: string[],
    env: NodeJS.ProcessEnv,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['cli/main.ts', 'stack', ...args], { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
  }

  it('runs up, status, down end to end', { timeout: 120_000 }, async () => {
    const dir = tempDir();
    const [dynamoPort, s3Port] = await freePorts(2);
    const env = { ...process.env, SIB_DATA_DIR: dir, SIB_DYNAMO_PORT: String(dynamoPort), SIB_S3_PORT: String(s3Port) };

    const noJava = await sib(['up'], { ...env, PATH: tempDir() });
    expect(noJava).toMatchObject({ code: 1, stderr: `error: ${JAVA_REQUIRED}\n` });

    const started = await sib(['up'], env);
    expect(started.stderr).toBe('');
    expect(started).toMatchObject({ code: 0, stdout: expect.stringContaining('Local stack started') });
    expect(await sib(['up'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('already running') });

    const status = await sib(['status', '--json'], env);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      running: true,
      services: { dynamodb: { state: 'running', answers: true }, s3: { state: 'running', answers: true } },
    });
    expect((await sib(['status'], env)).stdout).toMatch(/DynamoDB Local +running .*answers/);

    const taken = await sib(['up', '--dynamo-port', String(dynamoPort)], { ...env, SIB_DATA_DIR: tempDir() });
    expect(taken).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^error: Port \d+ for DynamoDB Local .*\n$/),
    });

    expect(await sib(['down'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('Local stack stopped') });
    expect(await sib(['down'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('is not running') });
    expect(await sib(['status'], env)).toMatchObject({ code: 0, stdout: expect.stringContaining('not running') });
  });
});
