import { createHash, randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, sib, useDataDir } from '../support/cli.ts';

/**
 * The operator's and evaluator's commands end to end: `sib evidence submit`,
 * `sib ledger query`, `sib ledger proof --event` and `verify-proof`, run as
 * processes against the shared test stack. Each test uses its own contract
 * (a copy of the Second Chance profile), so logs do not mix.
 */
const data = useDataDir({ withStack: true });
const consent = createHash('sha256').update('consent').digest('hex');

async function freshContract(): Promise<{ contract: string; env: Record<string, string> }> {
  const contract = `cli-ev-${randomUUID().slice(0, 8)}`;
  const dir = join(data.path, 'contracts');
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, `${contract}.json`),
    JSON.stringify({
      id: contract,
      title: 'Второй шанс (test copy)',
      currency: 'RUB',
      term: { from: '2023-08-01', to: '2026-03-31' },
      serviceTypes: ['legal-aid', 'psychological-help'],
      cohorts: ['2024'],
    }),
  );
  return { contract, env: { SIB_CONTRACTS_DIR: dir } };
}

const enrol = (eventId: string, participant: string) => ({
  eventId,
  participant,
  type: 'enrolment',
  date: '2024-03-01',
  source: 'operator',
  cohort: '2024',
  category: 'released',
  sex: 'male',
  birthYear: 1990,
  consentSha256: consent,
});

async function batchFile(name: string, batchId: string, records: unknown[]): Promise<string> {
  const file = join(data.path, name);
  await writeFile(file, JSON.stringify({ batchId, records }));
  return file;
}

describe('sib evidence submit', () => {
  it('accepts a JSON batch with a receipt and checkpoint, and answers the same batch again with the same receipt', async () => {
    const { contract, env } = await freshContract();
    const file = await batchFile('good.json', 'b-1', [enrol('e1', 'SC-0001'), enrol('e2', 'SC-0002')]);

    const first = await sib(data.path, ['evidence', 'submit', '--contract', contract, file], undefined, env);
    const again = await sib(data.path, ['evidence', 'submit', '--contract', contract, file, '--json'], undefined, env);

    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`Accepted: batch b-1 of ${contract}, 2 records`);
    expect(first.stdout).toMatch(/ledger entry\s+seq 0/);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ batchId: 'b-1', seq: 0, recordCount: 2, replayed: true });
  });

  it('rejects a bad batch whole with a table of every problem and exit 1; --json gives RFC 9457', async () => {
    const { contract, env } = await freshContract();
    const file = await batchFile('bad.json', 'b-bad', [
      enrol('e1', 'SC-0001'),
      { ...enrol('e2', 'SC-0002'), date: '2030-01-01' },
      { ...enrol('e3', 'SC-0003'), sex: 'x', birthYear: '1990' },
    ]);

    const run = await sib(data.path, ['evidence', 'submit', '--contract', contract, file], undefined, env);
    const json = await sib(data.path, ['evidence', 'submit', '--contract', contract, file, '--json'], undefined, env);
    const query = await sib(
      data.path,
      ['ledger', 'query', '--contract', contract, '--type', 'enrolment'],
      undefined,
      env,
    );

    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^batch rejected: \d+ problems in 2 records; nothing was written/);
    expect(lines(run.stderr)).toContainEqual(expect.stringMatching(/^record\s+field\s+problem$/));
    expect(run.stderr).toMatch(/\n1\s+date\s+/);
    expect(run.stderr).toMatch(/\n2\s+sex\s+/);
    expect(run.stderr).toMatch(/\n2\s+birthYear\s+/);
    expect(json.code).toBe(1);
    const problem = JSON.parse(json.stdout);
    expect(problem).toMatchObject({ status: 422, title: 'Batch rejected' });
    expect(problem.errors.map((e: { at: number }) => e.at)).toEqual(expect.arrayContaining([1, 2]));
    expect(query.stdout).toContain('0 records');
  });

  it('accepts CSV with a batch id and Cyrillic free text, reporting problems by line', async () => {
    const { contract, env } = await freshContract();
    const csv = join(data.path, 'batch.csv');
    await writeFile(
      csv,
      [
        'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256,employerId,reason,note',
        `c1,SC-0100,enrolment,2024-03-01,operator,2024,released,female,1992,${consent},,,`,
        'c2,SC-0100,probation-violation,2024-05-01,probation-service,,,,,,,,"неявка на регистрацию, без уважительной причины"',
      ].join('\r\n'),
    );
    const badCsv = join(data.path, 'bad.csv');
    await writeFile(badCsv, 'eventId,participant,type,date,source\nx1,SC-0999,withdrawal,2024-05-01,operator\n');

    const run = await sib(
      data.path,
      ['evidence', 'submit', '--contract', contract, '--batch-id', 'csv-1', csv],
      undefined,
      env,
    );
    const bad = await sib(
      data.path,
      ['evidence', 'submit', '--contract', contract, '--batch-id', 'csv-2', badCsv],
      undefined,
      env,
    );
    const noId = await sib(data.path, ['evidence', 'submit', '--contract', contract, csv], undefined, env);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('2 records');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^line\s+field\s+problem$/m);
    expect(bad.stderr).toMatch(/\n2\s+/);
    expect(noId.code).toBe(1);
    expect(noId.stderr).toContain('--batch-id');
  });
});

describe('sib ledger query and record proofs', () => {
  it("lists a participant's timeline by operator reference or pseudonym, a batch, and a type in a date range", async () => {
    const { contract, env } = await freshContract();
    const file = await batchFile('q.json', 'q-1', [
      enrol('e1', 'SC-0001'),
      {
        eventId: 'e2',
        participant: 'SC 0001',
        type: 'withdrawal',
        date: '2024-06-01',
        source: 'operator',
        reason: 'moved-away',
      },
      enrol('e3', 'SC-0003'),
    ]);
    expect((await sib(data.path, ['evidence', 'submit', '--contract', contract, file], undefined, env)).code).toBe(0);

    const byRef = await sib(data.path, [
      'ledger',
      'query',
      '--contract',
      contract,
      '--participant',
      'SC-0001',
      '--json',
    ]);
    const pseudonym = JSON.parse(lines(byRef.stdout)[0] as string).participant as string;
    const byPseudonym = await sib(data.path, ['ledger', 'query', '--contract', contract, '--participant', pseudonym]);
    const byBatch = await sib(data.path, ['ledger', 'query', '--contract', contract, '--batch', 'q-1', '--json']);
    const byType = await sib(data.path, [
      'ledger',
      'query',
      '--contract',
      contract,
      '--type',
      'withdrawal',
      '--from',
      '2024-06-01',
      '--to',
      '2024-06-30',
    ]);
    const none = await sib(data.path, [
      'ledger',
      'query',
      '--contract',
      contract,
      '--type',
      'withdrawal',
      '--to',
      '2024-05-31',
    ]);

    expect(lines(byRef.stdout).map((l) => JSON.parse(l).eventId)).toEqual(['e1', 'e2']);
    expect(pseudonym).toMatch(/^p-[0-9a-f]{32}$/);
    expect(byPseudonym.stdout).toContain('2 records');
    expect(byPseudonym.stdout).not.toContain('SC-0001');
    expect(lines(byBatch.stdout).map((l) => JSON.parse(l).index)).toEqual([0, 1, 2]);
    expect(byType.stdout).toContain('1 record\n');
    expect(none.stdout).toContain('0 records');
  });

  it('proves a record into its batch and the batch into the checkpoint; verify-proof checks both levels offline', async () => {
    const { contract, env } = await freshContract();
    const file = await batchFile('p.json', 'p-1', [
      enrol('e1', 'SC-0001'),
      enrol('e2', 'SC-0002'),
      enrol('e3', 'SC-0003'),
    ]);
    expect((await sib(data.path, ['evidence', 'submit', '--contract', contract, file], undefined, env)).code).toBe(0);

    const proof = await sib(data.path, ['ledger', 'proof', '--contract', contract, '--event', 'e2']);
    const ok = await sib(data.path, ['ledger', 'verify-proof'], proof.stdout);
    const doc = JSON.parse(proof.stdout);
    const forgedRecord = await sib(
      data.path,
      ['ledger', 'verify-proof'],
      JSON.stringify({ ...doc, record: doc.record.replace('"birthYear":1990', '"birthYear":1991') }),
    );
    const forgedIndex = await sib(
      data.path,
      ['ledger', 'verify-proof'],
      JSON.stringify({ ...doc, batch: { ...doc.batch, index: 0 } }),
    );
    const missing = await sib(data.path, ['ledger', 'proof', '--contract', contract, '--event', 'nope']);

    expect(proof.code).toBe(0);
    expect(doc).toMatchObject({ eventId: 'e2', batch: { batchId: 'p-1', index: 1, count: 3 } });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('OK: event e2 is record 1 of batch p-1');
    expect(forgedRecord.code).toBe(1);
    expect(forgedIndex.code).toBe(1);
    expect(forgedIndex.stderr).toMatch(/does not lead to the batch's records root/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no committed record with event id nope');
  });
});
