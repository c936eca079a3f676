/**
 * `sib operator submit` sends the file's bytes as they are: the API decides
 * what they hold. A stand-in API records what it receives, so the test sees
 * the bytes on the wire (a Windows-1251 CSV decoded by the CLI was stored
 * garbled for good).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, sib, useDataDir } from '../support/cli.ts';

const dir = useDataDir({ withStack: false });
const FIXTURE = `${REPO}test/fixtures/russian-excel/cp1251.csv`;

/** A receipt the stand-in answers for batch ids starting xl: a dialect was detected. */
const RECEIPT = {
  contract: 'c-1',
  batchId: 'xl-1',
  seq: 1,
  entryHash: 'e'.repeat(64),
  recordsRoot: 'r'.repeat(64),
  recordCount: 3,
  archive: { key: 'archive/c-1/x.ndjson', sha256: 'a'.repeat(64) },
  checkpoint: 'sib-ledger/c-1\n2\nroot\n',
  replayed: false,
  dialect: { encoding: 'windows-1251', separator: ';', dates: 'dd.mm.yyyy', upperCaseHashes: true },
};

interface Received {
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}
const received: Received[] = [];
let server: Server;
let api = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ url: req.url ?? '', contentType: req.headers['content-type'], body: Buffer.concat(chunks) });
      if (req.url?.includes('batchId=xl')) {
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify(RECEIPT));
        return;
      }
      res.writeHead(422, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ status: 422, title: 'Batch rejected', detail: 'stand-in', errors: [] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('sib operator submit: the bytes on the wire', () => {
  it("sends a Windows-1251 CSV's bytes untouched, not decoded as UTF-8", async () => {
    const bytes = await readFile(FIXTURE);
    expect(bytes.includes(0xed)).toBe(true); // 'н' in Windows-1251: not UTF-8

    const run = await sib(dir.path, [
      'operator',
      'submit',
      '--contract',
      'c-1',
      '--batch-id',
      'b-1251',
      FIXTURE,
      '--api',
      api,
      '--token',
      'a.b.c',
    ]);

    expect(run.code).toBe(1);
    const request = received.at(-1);
    expect(request?.url).toMatch(/^\/contracts\/c-1\/batches\?batchId=b-1251$/);
    expect(request?.contentType).toBe('text/csv');
    expect(request?.body.equals(bytes)).toBe(true);
  });

  it('--encoding windows-1251 names the charset beside the same bytes; other encodings are usage errors', async () => {
    const bytes = await readFile(FIXTURE);
    const args = ['operator', 'submit', '--contract', 'c-1', '--batch-id', 'b-1251', FIXTURE, '--api', api];

    const named = await sib(dir.path, [...args, '--token', 'a.b.c', '--encoding', 'cp1251']);
    const koi8 = await sib(dir.path, [...args, '--token', 'a.b.c', '--encoding', 'koi8-r']);

    expect(named.code).toBe(1);
    expect(received.at(-1)?.contentType).toBe('text/csv; charset=windows-1251');
    expect(received.at(-1)?.body.equals(bytes)).toBe(true);
    expect(koi8.code).toBe(2);
    expect(koi8.stderr).toMatch(/^error: --encoding must be utf-8 or windows-1251, not koi8-r/);
  });

  it('prints the dialect the receipt states', async () => {
    const args = ['operator', 'submit', '--contract', 'c-1', '--batch-id', 'xl-1', FIXTURE, '--api', api];

    const run = await sib(dir.path, [...args, '--token', 'a.b.c', '--encoding', 'windows-1251']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /\n {2}read as +Windows-1251 \(converted to UTF-8\), separator ';', dates dd\.mm\.yyyy, upper-case hashes \(lower-cased\)\n/,
    );
  });
});
