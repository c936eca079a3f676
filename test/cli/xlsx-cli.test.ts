/**
 * XLSX through the `sib` command and the HTTP API, as processes:
 * `sib operator submit FILE.xlsx` (the first sheet or --sheet), the problems
 * table by row with the sheet and cell, and `sib operator template` (a
 * contract's fill-in template, filled and submitted). Steps run in order on
 * one registered contract.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useRoleCli } from '../support/gateway.ts';
import { CONSENT_SHA256 } from '../support/http.ts';
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
