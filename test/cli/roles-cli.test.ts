/**
 * `sib operator|ministry|evaluator|investor …` as processes, through the
 * local gateway (started in this process on the shared test stack, its URL
 * in <data dir>/api.json as `sib api serve` writes it), with tokens from
 * `sib login`: a contract's whole life, the refusals and their exit
 * statuses (1 refused, 2 usage, 3 not allowed, 4 unreachable), and --json.
 * Steps run in order: each test builds on the log the one before left.
 */
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWitnessKey } from '../../cli/commands/keys.ts';
import type { S3Event } from '../../functions/ingest-s3.ts';
import { lines } from '../support/cli.ts';
import { useRoleCli } from '../support/gateway.ts';
import { CONSENT_SHA256, enrol, job, lambdaContext } from '../support/http.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { testStack } from '../support/stack.ts';

const cli = useRoleCli();
let contract = '';
/** Another evaluator subject than the one who evaluates: separation of duties. */
let leadEvaluator = '';

const run = cli.run;
const json = <T = Record<string, unknown>>(text: string) => JSON.parse(text) as T;
const logSize = () => cli.logSize(contract);

beforeAll(async () => {
  contract = cli.freshContract('roles');
  // The first token creates the data dir's token key; then the logins may run at once.
  leadEvaluator = await cli.token('evaluator', 'lead-evaluator', [contract]);
  await Promise.all(
    (
      [
        ['ministry', 'minlabour'],
        ['operator', 'operator-1'],
        ['evaluator', 'analyst'],
        ['investor', 'investor-1'],
      ] as const
    ).map(([role, subject]) => cli.login(role, subject, [contract])),
  );
});

describe('sib operator, ministry, evaluator, investor through the HTTP API', () => {
  it('ministry register: the contract spec, registered through the API', async () => {
    const result = await run(['ministry', 'register', '--file', join(cli.contractsDir, `${contract}.json`)]);

    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `Registered: ${contract} version 1`,
      expect.stringMatching(/^ {2}spec hash {6}[0-9a-f]{64}$/),
      expect.stringMatching(/^ {2}ledger entry {3}seq 0 \([0-9a-f]{64}\)$/),
    ]);
    expect(await logSize()).toBe(1);
  });

  it('operator submit: accepted with its receipt; a batch with mistakes: the problem table, exit 1, nothing written', async () => {
    const good = join(cli.path, 'batch.json');
    await writeFile(
      good,
      JSON.stringify({
        batchId: 'b-1',
        records: [
          enrol('e1', 'OP-1', '2024-01-10'),
          job('j1', 'OP-1', '2024-02-01'),
          enrol('e2', 'OP-2', '2024-02-01'),
        ],
      }),
    );
    const bad = join(cli.path, 'bad.json');
    await writeFile(
      bad,
      JSON.stringify({
        batchId: 'b-bad',
        records: [enrol('e3', 'OP-3', '2024-02-30'), { ...job('j3', 'OP-3'), monthlyWage: 'lots' }],
      }),
    );

    const accepted = await run(['operator', 'submit', '--contract', contract, good]);
    const rejected = await run(['operator', 'submit', '--contract', contract, bad]);
    const rejectedJson = await run(['operator', 'submit', '--contract', contract, bad, '--json']);

    expect(accepted.code, accepted.stderr).toBe(0);
    expect(lines(accepted.stdout).slice(0, 5)).toEqual([
      `Accepted: batch b-1 of ${contract}, 3 records`,
      expect.stringMatching(/^ {2}ledger entry {3}seq 1 \([0-9a-f]{64}\)$/),
      expect.stringMatching(/^ {2}records root {3}[0-9a-f]{64}$/),
      expect.stringMatching(/^ {2}archive {8}\S+/),
      '  checkpoint after the append:',
    ]);
    expect(rejected.code).toBe(1);
    expect(rejected.stdout).toBe('');
    const table = lines(rejected.stderr);
    expect(table[0]).toMatch(/^error: batch rejected: 2 problems in 2 records; nothing was written$/);
    expect(table[2]).toMatch(/^record\s+field\s+problem$/);
    expect(table.slice(4).some((l) => /^0\s+date\s+/.test(l))).toBe(true);
    expect(table.slice(4).some((l) => /^1\s+monthlyWage\s+/.test(l))).toBe(true);
    expect(rejectedJson.code).toBe(1);
    expect(json(rejectedJson.stdout)).toMatchObject({
      status: 422,
      title: 'Batch rejected',
      errors: expect.any(Array),
    });
    expect(await logSize()).toBe(2);
  });

  it('operator upload: presigned, sent, ingested (the S3 notification played here), then its receipt', async () => {
    const csv = join(cli.path, 'up-1.csv');
    await writeFile(
      csv,
      'eventId,participant,type,date,source,cohort,category,sex,birthYear,consentSha256\n' +
        `u1,OP-4,enrolment,2024-03-01,operator,2024,released,male,1988,${CONSENT_SHA256}\n`,
    );

    const uploading = run(['operator', 'upload', '--contract', contract, csv, '--wait', '30']);
    await playNotification(`uploads/${contract}/up-1.csv`);
    const result = await uploading;
    const status = await run(['operator', 'batch', '--contract', contract, '--batch', 'up-1', '--json']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain('uploaded');
    expect(lines(result.stdout)[0]).toBe(`Accepted: batch up-1 of ${contract}, 1 records`);
    expect(status.code, status.stderr).toBe(0);
    expect(json(status.stdout)).toMatchObject({ batchId: 'up-1', seq: 2, recordCount: 1 });
    expect(await logSize()).toBe(3);
  });

  it('operator records --json: the batch read back, pseudonymised', async () => {
    const result = await run(['operator', 'records', '--contract', contract, '--batch', 'b-1', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const { records } = json<{ records: { record: { eventId: string; participant: string } }[] }>(result.stdout);
    expect(records.map((r) => r.record.eventId)).toEqual(['e1', 'j1', 'e2']);
    expect(records.every((r) => /^p-[0-9a-f]{32}$/.test(r.record.participant))).toBe(true);
  });

  it('evaluator evaluate: the outcome and payment tables; the recorded evaluation as JSON', async () => {
    const result = await run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y1']);
    const recorded = await run(['evaluator', 'evaluation', '--contract', contract, '--seq', '3', '--json']);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toMatch(new RegExp(`^${contract}: period y1 `));
    expect(out).toContain('Outcomes');
    expect(out).toContain('Payment lines');
    expect(out.some((l) => /^metric\s+value\s+n\s+target/.test(l))).toBe(true);
    expect(out.at(-1)).toMatch(new RegExp(`^Payment ${contract}/3: attest it with sib evaluator attest`));
    expect(recorded.code, recorded.stderr).toBe(0);
    expect(json(recorded.stdout)).toMatchObject({ contract, seq: 3, period: 'y1', recordedBy: { sub: 'analyst' } });
  });

  it('evaluator attest as another evaluator subject (--token): Attested', async () => {
    const result = await run([
      'evaluator',
      'attest',
      '--contract',
      contract,
      '--payment',
      '3',
      '--token',
      leadEvaluator,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)).toEqual([
      `Attested: payment ${contract}/3 (period y1, 0.00 RUB)`,
      expect.stringMatching(/^ {2}by lead-evaluator \(evaluator\), entry seq 4 \([0-9a-f]{64}\) at \d{4}-/),
    ]);
  });

  it('an operator approving a payment: 403, exit 3, nothing written', async () => {
    const operator = readFileSync(join(cli.path, 'tokens', 'operator.jwt'), 'utf8').trim();

    const result = await run(['ministry', 'approve', '--contract', contract, '--payment', '3', '--token', operator]);

    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: .*operator/);
    expect(await logSize()).toBe(5);
  });

  it('ministry approve: Approved, and the audit report issued; payments --json shows it approved', async () => {
    const result = await run(['ministry', 'approve', '--contract', contract, '--payment', `${contract}/3`]);
    const payments = await run(['ministry', 'payments', '--contract', contract, '--json']);

    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out[0]).toBe(`Approved: payment ${contract}/3 (period y1, 0.00 RUB)`);
    expect(out[1]).toMatch(/^ {2}by minlabour \(ministry\), entry seq 5 /);
    expect(out[2]).toMatch(/^Report issued: [0-9a-f]{64}$/);
    expect(out.at(-1)).toMatch(
      new RegExp(`^ {2}download: sib investor download --contract ${contract} --report [0-9a-f]{12}$`),
    );
    expect(payments.code, payments.stderr).toBe(0);
    expect(json<{ payments: { payment: number; state: string }[] }>(payments.stdout).payments).toEqual([
      expect.objectContaining({ payment: 3, state: 'approved' }),
    ]);
  });

  it('evaluator cosign: the checkpoint cosigned with the witness key file', async () => {
    const keyFile = join(cli.path, 'witness.pem');
    const witness = await createWitnessKey(keyFile, 'evaluator.test/witness');
    // The API stores only the configured witnesses' cosignatures (its handlers run in this process).
    process.env.SIB_WITNESS_KEYS = witness.verifierKey;

    const result = await run(['evaluator', 'cosign', '--contract', contract, '--key', keyFile]).finally(() => {
      delete process.env.SIB_WITNESS_KEYS;
    });

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/\n— evaluator\.test\/witness \S+\n$/);
    expect(result.stderr).toMatch(/^cosigned checkpoint size \d+ of .* by witness evaluator\.test\/witness\+/);
  });

  it('investor reports, download and verify (offline): exit 0 throughout', async () => {
    const listed = await run(['investor', 'reports', '--contract', contract, '--json']);
    const table = await run(['investor', 'reports', '--contract', contract]);
    const { reports } = json<{ reports: { sha256: string; period: string }[] }>(listed.stdout);
    const id = reports[0]?.sha256 ?? '';
    const out = join(cli.path, 'downloads');

    const downloaded = await run([
      'investor',
      'download',
      '--contract',
      contract,
      '--report',
      id.slice(0, 12),
      '-o',
      out,
    ]);
    const file = (await readdir(out)).find((f) => f.endsWith('.json')) ?? '';
    const verified = await run(['investor', 'verify', join(out, file)]);

    expect(listed.code, listed.stderr).toBe(0);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({ period: 'y1', payment: 3 });
    expect(table.code).toBe(0);
    expect(lines(table.stdout)[2]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+y1\\s+3\\s+\\d+\\s+ru$`));
    expect(downloaded.code, downloaded.stderr).toBe(0);
    expect(downloaded.stdout).toContain(`SHA-256 of the JSON checked: ${id}`);
    expect((await readdir(out)).sort()).toEqual([
      `report-${contract}-y1-${id.slice(0, 12)}.json`,
      `report-${contract}-y1-${id.slice(0, 12)}.ru.pdf`,
    ]);
    expect((await stat(join(out, file))).size).toBeGreaterThan(0);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^OK: the report of ${contract} period y1 verifies`));
  });

  it('investor export --verify: the log written and verified offline', async () => {
    const file = join(cli.path, 'log.jsonl');

    const result = await run(['investor', 'export', '--contract', contract, '-o', file, '--verify']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^wrote \d+ entries and the checkpoint to /);
    expect(result.stdout).toMatch(new RegExp(`^OK: \\d+ entries of ${contract} verified; checkpoint `));
    expect((await readFile(file, 'utf8')).trimEnd().split('\n').at(-1)).toMatch(/^\{"checkpoint":/);
  });

  it('no API to reach: exit 4; a deployed API without a token: exit 3; bad usage: exit 2', async () => {
    const closed = await freePort();

    const unreachable = await run([
      'investor',
      'reports',
      '--contract',
      contract,
      '--api',
      `http://127.0.0.1:${closed}`,
    ]);
    const deployed = await run(['investor', 'reports', '--contract', contract, '--api', 'https://api.example.invalid']);
    const misuse = await run(['operator', 'records', '--contract', contract]);

    expect(unreachable.code).toBe(4);
    expect(lines(unreachable.stderr)).toEqual([
      expect.stringMatching(
        new RegExp(`^error: cannot reach the API at http://127\\.0\\.0\\.1:${closed} \\(ECONNREFUSED\\)`),
      ),
    ]);
    expect(deployed.code).toBe(3);
    expect(deployed.stderr).toMatch(/^error: https:\/\/api\.example\.invalid is not a local API: give its token/);
    expect(misuse.code).toBe(2);
    expect(misuse.stderr).toMatch(/^error: give exactly one of --participant, --batch, --type/);
  });
});

/** A port nobody listens on (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/**
 * Once the CLI's upload lands in the uploads bucket, hands the handler the
 * ObjectCreated event S3 would send (the test stack plays no notifications).
 */
async function playNotification(key: string): Promise<void> {
  const bucket = testStack().buckets.uploads;
  let head: { ETag?: string; ContentLength?: number } | undefined;
  for (let i = 0; i < 200 && head === undefined; i++) {
    head = await cli.rt.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    if (head === undefined) await sleep(100);
  }
  if (head === undefined) throw new Error(`the upload ${key} never landed`);
  const event = objectCreatedEvent({
    bucket,
    key,
    size: head.ContentLength ?? 0,
    eTag: head.ETag ?? '',
    eventTime: new Date().toISOString(),
  });
  // Imported here, not above: its logger reads POWERTOOLS_LOG_LEVEL when created.
  const { handler } = await import('../../functions/ingest-s3.ts');
  await (handler as unknown as (e: S3Event, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext(),
  );
}
