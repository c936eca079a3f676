/**
 * The operator's and the evaluator's evidence commands through the HTTP API,
 * as processes: `sib operator submit` (JSON and CSV, replays, refusals),
 * `sib operator|evaluator records`, `… record-proof` checked offline by
 * `sib ledger verify-proof`, and `sib operator batch`. Steps run in order on
 * one registered contract: each test builds on the log the one before left.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lines } from '../support/cli.ts';
import { useRoleCli } from '../support/gateway.ts';
import { CONSENT_SHA256, enrol } from '../support/http.ts';

const cli = useRoleCli();
let contract = '';
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;

async function batchFile(name: string, batchId: string, records: unknown[]): Promise<string> {
  const file = join(cli.path, name);
  await writeFile(file, JSON.stringify({ batchId, records }));
  return file;
}

beforeAll(async () => {
  contract = cli.freshContract('operator');
  await cli.login('ministry', 'minlabour', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  await cli.login('evaluator', 'analyst', [contract]);
  const registered = await cli.run(['ministry', 'register', '--contract', contract]);
  expect(registered.code, registered.stderr).toBe(0);
});

describe('sib operator submit', () => {
  it('accepts a JSON batch with a receipt and checkpoint, and answers the same batch again with the same receipt', async () => {
    const file = await batchFile('good.json', 'b-1', [enrol('e1', 'SC-0001'), enrol('e2', 'SC-0002')]);

    const first = await cli.run(['operator', 'submit', '--contract', contract, file]);
    const again = await cli.run(['operator', 'submit', '--contract', contract, file, '--json']);
    const text = await cli.run(['operator', 'submit', '--contract', contract, file]);

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`Accepted: batch b-1 of ${contract}, 2 records`);
    expect(first.stdout).toMatch(/ledger entry\s+seq 1/);
    expect(again.code, again.stderr).toBe(0);
    expect(json(again.stdout)).toMatchObject({ batchId: 'b-1', seq: 1, recordCount: 2, replayed: true });
    expect(lines(text.stdout)[0]).toBe(`Already accepted: batch b-1 of ${contract}, 2 records`);
    expect(await cli.logSize(contract)).toBe(2);
  });

  it('rejects a bad batch whole with a table of every problem by record, exit 1; --json gives RFC 9457', async () => {
    const file = await batchFile('bad.json', 'b-bad', [
      enrol('e3', 'SC-0003'),
      { ...enrol('e4', 'SC-0004'), date: '2030-01-01' },
      { ...enrol('e5', 'SC-0005'), sex: 'x', birthYear: '1990' },
    ]);

    const result = await cli.run(['operator', 'submit', '--contract', contract, file]);
    const problem = await cli.run(['operator', 'submit', '--contract', contract, file, '--json']);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: batch rejected: \d+ problems in 2 records; nothing was written/);
    expect(lines(result.stderr)).toContainEqual(expect.stringMatching(/^record\s+field\s+problem$/));
    expect(result.stderr).toMatch(/\n1\s+date\s+/);
    expect(result.stderr).toMatch(/\n2\s+sex\s+/);
    expect(result.stderr).toMatch(/\n2\s+birthYear\s+/);
    expect(problem.code).toBe(1);
    const body = json<{ status: number; title: string; errors: { at: number }[] }>(problem.stdout);
    expect(body).toMatchObject({ status: 422, title: 'Batch rejected' });
    expect(body.errors.map((e) => e.at)).toEqual(expect.arrayContaining([1, 2]));
    expect(await cli.logSize(contract)).toBe(2);
  });

  it('names a syntax error by line, column and batch id, and cuts a long problem table with counts per field', async () => {
    const broken = join(cli.path, 'broken.json');
    await writeFile(broken, '{"batchId": "b-syn",\n "records": [\n  {"eventId": "e1",}\n]}');
    const empty = await batchFile(
      'empty.json',
      'b-empty',
      Array.from({ length: 1_200 }, () => ({})),
    );

    const syntax = await cli.run(['operator', 'submit', '--contract', contract, broken]);
    const many = await cli.run(['operator', 'submit', '--contract', contract, empty]);

    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain('invalid JSON at line 3, column 20 (batch b-syn): expected a key in double quotes');
    expect(syntax.stderr).not.toContain('--batch-id');
    expect(many.code).toBe(1);
    expect(many.stderr).toMatch(/^error: batch rejected: 6000 problems in 1200 records; .*the first 1000 are listed/);
    expect(many.stderr).toContain('… and 5000 more (6000 problems in all; only the first 1000 are listed)');
    expect(many.stderr).toMatch(/\neventId\s+1200\n/);
    expect(await cli.logSize(contract)).toBe(2);
  });

  it('accepts CSV with a batch id and Cyrillic free text; reports problems by line; no batch id is a usage error', async () => {
    const csv = join(cli.path, 'batch.csv');
    await writeFile(
      csv,
      [
        'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,reason,note',
        `c1,SC-0100,enrolment,2024-03-01,operator,2024,released,female,1992,${CONSENT_SHA256},,,`,
        'c2,SC-0100,probation-violation,2024-05-01,probation-service,,,,,,,,"неявка на регистрацию, без уважительной причины"',
      ].join('\r\n'),
    );
    const badCsv = join(cli.path, 'bad.csv');
    await writeFile(badCsv, 'eventId,participant,type,date,source\nx1,SC-0999,withdrawal,2024-05-01,operator\n');

    const accepted = await cli.run(['operator', 'submit', '--contract', contract, '--batch-id', 'csv-1', csv]);
    const bad = await cli.run(['operator', 'submit', '--contract', contract, '--batch-id', 'csv-2', badCsv]);
    const noId = await cli.run(['operator', 'submit', '--contract', contract, csv]);

    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain('2 records');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^line\s+field\s+problem$/m);
    expect(bad.stderr).toMatch(/\n2\s+/);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(
      /^error: give the batch id of a CSV batch with --batch-id \(see sib operator submit --help\)/,
    );
    expect(await cli.logSize(contract)).toBe(3);
  });
});

describe('sib operator|evaluator records and record-proof', () => {
  let pseudonym = '';

  beforeAll(async () => {
    const file = await batchFile('q.json', 'q-1', [
      enrol('q1', 'SC-0201'),
      {
        eventId: 'q2',
        participant: 'SC 0201',
        type: 'withdrawal',
        date: '2024-06-01',
        source: 'operator',
        reason: 'moved-away',
      },
      enrol('q3', 'SC-0203'),
    ]);
    const submitted = await cli.run(['operator', 'submit', '--contract', contract, file]);
    expect(submitted.code, submitted.stderr).toBe(0);
  });

  it("lists a participant's timeline by operator reference or pseudonym, a batch, and a type in a date range", async () => {
    const byRef = await cli.run(['operator', 'records', '--contract', contract, '--participant', 'SC-0201', '--json']);
    const refRecords = json<{ records: { record: { eventId: string; participant: string } }[] }>(byRef.stdout).records;
    pseudonym = refRecords[0]?.record.participant ?? '';
    const byPseudonym = await cli.run(['evaluator', 'records', '--contract', contract, '--participant', pseudonym]);
    const byBatch = await cli.run(['evaluator', 'records', '--contract', contract, '--batch', 'q-1', '--json']);
    const dated = ['--type', 'withdrawal', '--from', '2024-06-01', '--to', '2024-06-30'];
    const byType = await cli.run(['evaluator', 'records', '--contract', contract, ...dated]);
    const before = ['--type', 'withdrawal', '--to', '2024-05-31'];
    const none = await cli.run(['evaluator', 'records', '--contract', contract, ...before]);

    expect(byRef.code, byRef.stderr).toBe(0);
    expect(refRecords.map((r) => r.record.eventId)).toEqual(['q1', 'q2']);
    expect(pseudonym).toMatch(/^p-[0-9a-f]{32}$/);
    expect(byPseudonym.code, byPseudonym.stderr).toBe(0);
    expect(byPseudonym.stdout).toContain('2 records');
    expect(byPseudonym.stdout).not.toContain('SC-0201');
    expect(json<{ records: { index: number }[] }>(byBatch.stdout).records.map((r) => r.index)).toEqual([0, 1, 2]);
    expect(byType.stdout).toMatch(/^date\s+type\s+eventId\s+participant\s+batch\s+details$/m);
    expect(byType.stdout).toMatch(/^2024-06-01\s+withdrawal\s+q2\s+p-[0-9a-f]{32}\s+q-1#1\s+reason=moved-away$/m);
    expect(byType.stdout).toContain('1 record\n');
    expect(none.stdout).toContain('0 records');
  });

  it('usage mistakes are exit 2: no query, dates without a type, a malformed date', async () => {
    const nothing = await cli.run(['operator', 'records', '--contract', contract]);
    const datesAlone = await cli.run([
      'operator',
      'records',
      '--contract',
      contract,
      '--batch',
      'q-1',
      '--from',
      '2024-01-01',
    ]);
    const badDate = await cli.run([
      'operator',
      'records',
      '--contract',
      contract,
      '--type',
      'enrolment',
      '--to',
      '2024-13',
    ]);

    expect(nothing.code).toBe(2);
    expect(datesAlone.code).toBe(2);
    expect(datesAlone.stderr).toMatch(/^error: --from and --to narrow a --type query/);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toMatch(/^error: --to must be a date YYYY-MM-DD/);
  });

  it('proves a record into its batch and the batch into the checkpoint; verify-proof checks both levels offline', async () => {
    const proof = await cli.run(['operator', 'record-proof', '--contract', contract, '--event', 'q2']);
    const asEvaluator = await cli.run(['evaluator', 'record-proof', '--contract', contract, '--event', 'q2']);
    const doc = json<{ record: string; batch: { index: number } }>(proof.stdout);
    const verified = await cli.run(['ledger', 'verify-proof', await saved('proof.json', proof.stdout)]);
    const forgedRecord = await cli.run([
      'ledger',
      'verify-proof',
      await saved('forged-record.json', JSON.stringify({ ...doc, record: doc.record.replace('moved-away', 'other') })),
    ]);
    const forgedIndex = await cli.run([
      'ledger',
      'verify-proof',
      await saved('forged-index.json', JSON.stringify({ ...doc, batch: { ...doc.batch, index: 0 } })),
    ]);
    const missing = await cli.run(['operator', 'record-proof', '--contract', contract, '--event', 'nope']);

    expect(proof.code, proof.stderr).toBe(0);
    expect(doc).toMatchObject({ eventId: 'q2', batch: { batchId: 'q-1', index: 1, count: 3 } });
    expect(asEvaluator.code, asEvaluator.stderr).toBe(0);
    expect(json(asEvaluator.stdout)).toMatchObject({ eventId: 'q2', seq: json(proof.stdout).seq });
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('OK: event q2 is record 1 of batch q-1');
    expect(forgedRecord.code).toBe(1);
    expect(forgedIndex.code).toBe(1);
    expect(forgedIndex.stderr).toMatch(/does not lead to the batch's records root/);
    expect(missing.code).toBe(1);
    expect(lines(missing.stderr)).toEqual([expect.stringContaining('no committed record with event id nope')]);
  });
});

describe('sib operator batch', () => {
  it('an appended batch: its receipt; an unknown one: exit 1 in one line', async () => {
    const known = await cli.run(['operator', 'batch', '--contract', contract, '--batch', 'b-1']);
    const unknown = await cli.run(['operator', 'batch', '--contract', contract, '--batch', 'b-none']);

    expect(known.code, known.stderr).toBe(0);
    expect(lines(known.stdout)[0]).toBe(`Batch b-1 of ${contract}: 2 records, appended`);
    expect(unknown.code).toBe(1);
    expect(lines(unknown.stderr)).toEqual([
      `error: batch b-none is not in the log of ${contract}, nor an upload being ingested`,
    ]);
  });
});

async function saved(name: string, text: string): Promise<string> {
  const file = join(cli.path, name);
  await writeFile(file, text);
  return file;
}
