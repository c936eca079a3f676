/**
 * Russian Excel's CSV files through `sib operator submit` and `sib operator
 * upload` as processes, through the local gateway on the shared test stack:
 * a Windows-1251 file refused with how to convert it, then accepted with
 * --encoding windows-1251, the dialect printed from the receipt; the same
 * through a presigned upload (its S3 notification played here).
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from '../../functions/ingest-s3.ts';
import { REPO } from '../support/cli.ts';
import { useRoleCli } from '../support/gateway.ts';
import { lambdaContext } from '../support/http.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { testStack } from '../support/stack.ts';

const cli = useRoleCli();
let contract = '';
const fixture = (name: string) => join(REPO, 'test/fixtures/russian-excel', name);
const DIALECT = "separator ';', dates dd.mm.yyyy, upper-case hashes (lower-cased)";

beforeAll(async () => {
  contract = cli.freshContract('excel');
  await cli.login('ministry', 'minlabour', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  const registered = await cli.run(['ministry', 'register', '--contract', contract]);
  expect(registered.code, registered.stderr).toBe(0);
});

/** Plays the S3 notification of an upload once it has landed, as S3 would send it. */
async function playNotification(key: string): Promise<void> {
  const bucket = testStack().buckets.uploads;
  let head: { ETag?: string; ContentLength?: number } | undefined;
  for (let i = 0; i < 200 && head === undefined; i++) {
    head = await cli.rt.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    if (head === undefined) await sleep(100);
  }
  if (head === undefined) throw new Error(`the upload ${key} never landed`);
  const event = objectCreatedEvent({ bucket, key, size: head.ContentLength ?? 0, eTag: head.ETag ?? '' });
  // Imported here, not above: its logger reads POWERTOOLS_LOG_LEVEL when created.
  const { handler } = await import('../../functions/ingest-s3.ts');
  await (handler as unknown as (e: S3Event, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext(),
  );
}

describe("sib operator and Russian Excel's CSV", () => {
  it('submit: a Windows-1251 file is refused with the hint; with --encoding windows-1251 it is accepted, its dialect printed', async () => {
    const file = fixture('excel-ru-cp1251.csv');
    const submit = ['operator', 'submit', '--contract', contract, '--batch-id', 'xl-1', file];

    const refused = await cli.run(submit);
    const accepted = await cli.run([...submit, '--encoding', 'windows-1251']);

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('it looks like Windows-1251');
    expect(refused.stderr).toContain('iconv -f WINDOWS-1251 -t UTF-8 in.csv > out.csv');
    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`Accepted: batch xl-1 of ${contract}, 3 records`);
    expect(accepted.stdout).toContain(`read as        Windows-1251 (converted to UTF-8), ${DIALECT}`);
    expect(await cli.logSize(contract)).toBe(2);
  });

  it('upload: the UTF-8 file with a BOM, its dialect printed from the ingest outcome', async () => {
    const uploading = cli.run(['operator', 'upload', '--contract', contract, fixture('excel-ru-utf8.csv')]);
    await playNotification(`uploads/${contract}/excel-ru-utf8.csv`);
    const result = await uploading;

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Accepted: batch excel-ru-utf8 of ${contract}, 3 records`);
    expect(result.stdout).toContain(`read as        ${DIALECT}`);
  });
});
