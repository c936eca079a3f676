/**
 * XLSX through the `sib` command and the HTTP API, as processes:
 * `sib operator submit FILE.xlsx` (the first sheet or --sheet), the problems
 * table by row with the sheet and cell, `sib operator upload FILE.xlsx`, and `sib operator template` (a
 * contract's fill-in template, filled and submitted). Steps run in order on
 * one registered contract.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from '../../functions/ingest-s3.ts';
import { useRoleCli } from '../support/gateway.ts';
import { CONSENT_SHA256, lambdaContext } from '../support/http.ts';
import { objectCreatedEvent } from '../support/s3-event.ts';
import { testStack } from '../support/stack.ts';
import { excelDate, type TestCell, workbookBytes } from '../support/xlsx.ts';

const cli = useRoleCli();
let contract = '';

const HEADER = [
  'eventId',
  'participant',
  'type',
  'date',
  'source',
  'cohort',
  'category',
  'sex',
  'birthYear',
  'consentSha256',
];
const enrolRow = (eventId: string, participant: string): TestCell[] => [
  eventId,
  participant,
  'enrolment',
  excelDate('2024-03-01'),
  'operator',
  2024,
  'released',
  'male',
  1990,
  CONSENT_SHA256,
];

async function workbookFile(name: string, sheets: Parameters<typeof workbookBytes>[0]): Promise<string> {
  const file = join(cli.path, name);
  await writeFile(file, await workbookBytes(sheets));
  return file;
}

beforeAll(async () => {
  contract = cli.freshContract('xlsx');
  await cli.login('ministry', 'minlabour', [contract]);
  await cli.login('operator', 'operator-1', [contract]);
  const registered = await cli.run(['ministry', 'register', '--contract', contract]);
  expect(registered.code, registered.stderr).toBe(0);
});

describe('sib operator submit FILE.xlsx', () => {
  it('accepts the sheet --sheet names; refuses a wrong cell by row, sheet and cell; wants a batch id', async () => {
    const good = await workbookFile('good.xlsx', [
      { name: 'Readme', rows: [['the evidence is on the next sheet']] },
      { name: 'Evidence', rows: [HEADER, enrolRow('x1', 'SC-0301'), undefined, enrolRow('x2', 'SC-0302')] },
    ]);
    const wrong = enrolRow('x3', 'SC-0303');
    wrong[8] = 'nineteen ninety';
    const bad = await workbookFile('bad.xlsx', [{ name: 'Evidence', rows: [HEADER, wrong] }]);

    const accepted = await cli.run([
      'operator',
      'submit',
      '--contract',
      contract,
      '--batch-id',
      'x-1',
      '--sheet',
      'Evidence',
      good,
    ]);
    const refused = await cli.run(['operator', 'submit', '--contract', contract, '--batch-id', 'x-2', bad]);
    const noId = await cli.run(['operator', 'submit', '--contract', contract, good]);

    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`Accepted: batch x-1 of ${contract}, 2 records`);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^row\s+field\s+problem$/m);
    expect(refused.stderr).toMatch(/\n2\s+birthYear\s+sheet Evidence, cell I2: /);
    expect(noId.code).toBe(2);
    expect(noId.stderr).toMatch(/^error: give the batch id of an XLSX batch with --batch-id/);
    expect(await cli.logSize(contract)).toBe(2);
  });
});

describe('sib operator upload FILE.xlsx', () => {
  it('uploads a workbook and waits for its ingest: accepted, or rejected with its problems by row, sheet and cell', async () => {
    const good = await workbookFile('up-x1.xlsx', [{ name: 'Evidence', rows: [HEADER, enrolRow('u1', 'SC-0309')] }]);
    const wrong = enrolRow('u2', 'SC-0310');
    wrong[3] = 'yesterday';
    const bad = await workbookFile('up-x2.xlsx', [{ name: 'Evidence', rows: [HEADER, wrong] }]);

    const uploading = cli.run(['operator', 'upload', '--contract', contract, good, '--wait', '30']);
    await playNotification(`uploads/${contract}/up-x1.xlsx`);
    const accepted = await uploading;
    const rejecting = cli.run(['operator', 'upload', '--contract', contract, bad, '--wait', '30']);
    await playNotification(`uploads/${contract}/up-x2.xlsx`);
    const rejected = await rejecting;

    expect(accepted.code, accepted.stderr).toBe(0);
    expect(accepted.stdout).toContain(`Accepted: batch up-x1 of ${contract}, 1 records`);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^row\s+field\s+problem$/m);
    expect(rejected.stderr).toMatch(/\n2\s+date\s+sheet Evidence, cell D2: /);
    expect(await cli.logSize(contract)).toBe(3);
  });
});

/** Plays the S3 notification of an upload once it has landed (the local stack sends none by itself). */
async function playNotification(key: string): Promise<void> {
  const bucket = testStack().buckets.uploads;
  let head: { ETag?: string; ContentLength?: number } | undefined;
  for (let i = 0; i < 200 && head === undefined; i++) {
    head = await cli.rt.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).catch(() => undefined);
    if (head === undefined) await sleep(100);
  }
  if (head === undefined) throw new Error(`the upload ${key} never landed`);
  const event = objectCreatedEvent({ bucket, key, size: head.ContentLength ?? 0, eTag: head.ETag ?? '' });
  const { handler } = await import('../../functions/ingest-s3.ts');
  await (handler as unknown as (e: S3Event, c: ReturnType<typeof lambdaContext>) => Promise<unknown>)(
    event,
    lambdaContext(),
  );
}

describe('sib operator template', () => {
  it('writes an XLSX template (bilingual headers, drop-downs of the contract, an example) that passes once filled', async () => {
    const file = join(cli.path, 'template.xlsx');

    const written = await cli.run(['operator', 'template', '--contract', contract, '-o', file]);

    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(`Wrote ${file}`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.readFile(file);
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Evidence', 'Example', 'Lists']);
    const evidence = workbook.getWorksheet('Evidence') as ExcelJS.Worksheet;
    const headers = (evidence.getRow(1).values as unknown[]).slice(1) as string[];
    expect(headers).toContain('Дата / Date [date]');
    expect(headers).toContain('Вид услуги / Service type [serviceType]');
    const column = (field: string) => headers.findIndex((h) => h.endsWith(`[${field}]`)) + 1;
    const listOf = (field: string, row = 2) => {
      const formula = evidence.getCell(row, column(field)).dataValidation?.formulae?.[0] as string;
      const [sheet, range] = formula.split('!') as [string, string];
      const [from, to] = range.replaceAll('$', '').split(':') as [string, string];
      const letter = from.replace(/[0-9]/g, '');
      const lists = workbook.getWorksheet(sheet) as ExcelJS.Worksheet;
      const values: unknown[] = [];
      for (let r = Number(from.slice(letter.length)); r <= Number(to.slice(letter.length)); r++) {
        values.push(lists.getCell(`${letter}${r}`).value);
      }
      return values;
    };
    expect(listOf('serviceType', 500)).toEqual([
      'employment-assistance',
      'job-retention-support',
      're-socialisation',
      'legal-aid',
      'psychological-help',
      'education',
    ]);
    expect(listOf('type')).toContain('employment-started');
    expect(listOf('cohort')).toEqual(['2023', '2024', '2025']);
    expect((workbook.getWorksheet('Example') as ExcelJS.Worksheet).getRow(2).getCell(column('eventId')).value).toBe(
      'enrol-0001',
    );

    const fill: Record<string, ExcelJS.CellValue> = {
      eventId: 't1',
      participant: 'SC-0401',
      type: 'enrolment',
      date: new Date(Date.UTC(2024, 2, 1)),
      source: 'operator',
      cohort: '2024',
      category: 'released',
      sex: 'female',
      birthYear: 1988,
      consentSha256: CONSENT_SHA256,
    };
    for (const [field, value] of Object.entries(fill)) evidence.getCell(2, column(field)).value = value;
    await workbook.xlsx.writeFile(file);
    const submitted = await cli.run(['operator', 'submit', '--contract', contract, '--batch-id', 't-1', file]);

    expect(submitted.code, submitted.stderr).toBe(0);
    expect(submitted.stdout).toContain(`Accepted: batch t-1 of ${contract}, 1 records`);
  });

  it('writes a CSV template whose example row, replaced by a record, passes', async () => {
    const file = join(cli.path, 'template.csv');

    const written = await cli.run(['operator', 'template', '--contract', contract, '--format', 'csv', '-o', file]);
    const [header, example] = (await readFile(file, 'utf8')).split('\r\n') as [string, string];
    await writeFile(file, `${header}\r\n${example.replace('enrol-0001,OP-0001', 'c1,SC-0402')}\r\n`);
    const submitted = await cli.run(['operator', 'submit', '--contract', contract, '--batch-id', 't-2', file]);

    expect(written.code, written.stderr).toBe(0);
    expect(header.split(',').slice(0, 4)).toEqual([
      'Код события / Event id [eventId]',
      'Участник (код) / Participant (reference) [participant]',
      'Тип события / Event type [type]',
      'Дата / Date [date]',
    ]);
    expect(example).toMatch(/^enrol-0001,OP-0001,enrolment,/);
    expect(submitted.code, submitted.stderr).toBe(0);
    expect(await cli.logSize(contract)).toBe(5);
  });
});
