/**
 * Upload throughput of the operator's console (issue 16): the same kind of
 * seeded 10,000-record batch (bench/stream-csv.ts) written as an XLSX
 * workbook (bench/xlsx-intake.ts), submitted once through the console's
 * batch page in Debian's chromium and once with `sib operator submit`, each
 * into a contract registered for it (the two batches cannot share a
 * contract: the second would only repeat the first's enrolments). Both time
 * from the start to the receipt: the page from the click to the receipt on
 * screen, the command as a whole process. Records/s and the ratio
 * console/command.
 *
 * It runs on a served stack (`npm start`'s `demo --serve`), which
 * bench/console.ts starts with its contract profiles in `profiles`
 * (SIB_CONTRACTS_DIR), where the bench adds its two.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { benchProfile, writeSyntheticCsv } from './stream-csv.ts';
import { writeWorkbook } from './xlsx-intake.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export interface ConsoleUploadBench {
  readonly records: number;
  readonly xlsxBytes: number;
  readonly consoleMs: number;
  readonly cliMs: number;
  /** Console records/s over command records/s. */
  readonly ratio: number;
}

interface DevSession {
  readonly token: string;
}

async function devToken(url: string, role: string, subject: string, contracts: string[]): Promise<DevSession> {
  const res = await fetch(`${url}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ role, subject, contracts }),
  });
  if (!res.ok) throw new Error(`dev token for ${role}: ${res.status} ${await res.text()}`);
  return (await res.json()) as DevSession;
}

/**
 * Registers the Second Chance spec under `id` (its translations dropped:
 * they name the shipped id's texts), and leaves the profile in `profiles`,
 * where the command reads it (SIB_CONTRACTS_DIR).
 */
async function register(url: string, id: string, profiles: string): Promise<void> {
  const spec = JSON.parse(await readFile(join(root, 'contracts', 'second-chance-kamchatka.json'), 'utf8'));
  delete spec.translations;
  await mkdir(profiles, { recursive: true });
  await writeFile(join(profiles, `${id}.json`), JSON.stringify({ ...spec, id }, null, 2));
  const { token } = await devToken(url, 'ministry', 'bench-ministry', [id]);
  const res = await fetch(`${url}/contracts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ ...spec, id }),
  });
  if (!res.ok) throw new Error(`register ${id}: ${res.status} ${await res.text()}`);
}

export async function benchConsoleUpload(
  browser: Browser,
  url: string,
  profiles: string,
  options: { records?: number } = {},
): Promise<ConsoleUploadBench> {
  const records = options.records ?? 10_000;
  const dir = await mkdtemp(join(tmpdir(), 'sib-bench-upload-'));
  try {
    const stamp = Date.now().toString(36);
    const viaConsole = `bench-console-${stamp}`;
    const viaCli = `bench-cli-${stamp}`;
    await register(url, viaConsole, profiles);
    await register(url, viaCli, profiles);
    const csv = join(dir, 'batch.csv');
    await writeSyntheticCsv(csv, records, await benchProfile());
    const xlsx = join(dir, 'bench-batch.xlsx');
    await writeWorkbook(new Uint8Array(await readFile(csv)), xlsx);
    const xlsxBytes = (await stat(xlsx)).size;

    // The command: a whole process, as an operator runs it.
    const cliToken = await devToken(url, 'operator', 'bench-operator', [viaCli]);
    const cliStarted = performance.now();
    await run(
      process.execPath,
      ['cli/main.ts', 'operator', 'submit', '--contract', viaCli, '--batch-id', 'bench-batch', xlsx],
      {
        cwd: root,
        env: {
          ...process.env,
          SIB_API_URL: url,
          SIB_TOKEN: cliToken.token,
          SIB_CONFIG_DIR: join(dir, 'config'),
          SIB_CONTRACTS_DIR: profiles,
          SIB_DATA_DIR: join(dir, 'data'),
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    const cliMs = performance.now() - cliStarted;

    // The console: signed in as the operator of the other contract, the file picked, submitted, the receipt shown.
    const session = { ...(await devToken(url, 'operator', 'bench-operator', [viaConsole])), via: 'local' };
    const context = await browser.newContext();
    await context.addInitScript(
      (s: string) => sessionStorage.setItem('sib-console.session', s),
      JSON.stringify(session),
    );
    const page = await context.newPage();
    await page.goto(`${url}/operator/batches`);
    await page.locator('input[type=file]').setInputFiles(xlsx);
    const send = page.locator('form button[type=submit]');
    await send.waitFor();
    const consoleStarted = performance.now();
    await send.click();
    await page.getByTestId('receipt-count').waitFor({ timeout: 600_000 });
    const consoleMs = performance.now() - consoleStarted;
    const shown = (await page.getByTestId('receipt-count').textContent())?.replace(/\D/g, '');
    if (shown !== String(records)) throw new Error(`the console's receipt counts ${shown} records, not ${records}`);
    await context.close();
    return { records, xlsxBytes, consoleMs, cliMs, ratio: cliMs / consoleMs };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatConsoleUpload(u: ConsoleUploadBench): string {
  const rate = (ms: number) => Math.round(u.records / (ms / 1000)).toLocaleString('en-US');
  return [
    `  a ${u.records.toLocaleString('en-US')}-row XLSX (${(u.xlsxBytes / 1024).toFixed(0)} KB) to its receipt:`,
    `    through the console's batch page   ${(u.consoleMs / 1000).toFixed(2)} s  ${rate(u.consoleMs)} records/s`,
    `    sib operator submit (the command)  ${(u.cliMs / 1000).toFixed(2)} s  ${rate(u.cliMs)} records/s   console/command throughput ${u.ratio.toFixed(2)}`,
  ].join('\n');
}
