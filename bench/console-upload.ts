/**
 * The operator's submit page against `sib operator submit` (issue 16): the
 * same 10,000-record XLSX workbook (bench/stream-csv.ts's seeded records,
 * cells typed as in bench/xlsx-intake.ts) submitted through the console in
 * Debian's chromium (file picked, button clicked, to the receipt shown) and
 * by the command (the whole process, to its exit), each into a fresh copy of
 * the Second Chance contract, on a throwaway local stack (`sib stack up`,
 * then `sib api serve`, serving the built console, on a free port). Both go
 * to the batch route (a workbook is read whole, at most 1 MiB): the figure is
 * the browser's overhead over the CLI's. Reports the median of the runs and
 * the ratio console/CLI.
 *
 * Run alone: `npx node bench/console-upload.ts [--records=N] [--runs=N]`.
 */
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { ALL_FIELDS } from '#evidence';
import { parseCsv } from '#intake';
import { buildConsole } from '../console/build.ts';
import { issueToken } from '../functions/adapters/local-token.ts';
import { freePorts } from '../infra/local/processes.ts';
import { launchChromium, sessionFor } from '../test/support/browser.ts';
import { benchProfile, writeSyntheticCsv } from './stream-csv.ts';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');

export interface ConsoleUploadBench {
  readonly records: number;
  readonly xlsxBytes: number;
  /** Click to the receipt on the page, median. */
  readonly consoleMs: number;
  readonly consoleRunsMs: readonly number[];
  /** `sib operator submit` as a process, median. */
  readonly cliMs: number;
  readonly cliRunsMs: readonly number[];
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

const DATE_FIELDS = new Set(['date', 'offenceDate', 'to']);
const NUMBER_FIELDS = new Set(['birthYear', 'monthlyWage']);

/**
 * The seeded records the ledger takes whole: the generator may draw a custody
 * spell overlapping the participant's previous one, which the ledger refuses
 * (its days would count twice); such a spell is left out, with any
 * correction of it, and more records are drawn to keep the count.
 */
function acceptable(rows: readonly Record<string, string | number>[], records: number) {
  const lastSpell = new Map<string, string>();
  const dropped = new Set<string>();
  const kept: Record<string, string | number>[] = [];
  for (const row of rows) {
    if (row.type === 'custody-spell') {
      const previousEnd = lastSpell.get(String(row.participant));
      if (previousEnd !== undefined && String(row.date) <= previousEnd) {
        dropped.add(String(row.eventId));
        continue;
      }
      lastSpell.set(String(row.participant), String(row.to));
    }
    if (row.supersedes !== undefined && dropped.has(String(row.supersedes))) continue;
    kept.push(row);
  }
  return kept.slice(0, records);
}

/** The seeded records as a workbook, cells typed as an operator's Excel holds them. */
async function writeWorkbook(records: number, dir: string): Promise<string> {
  const csv = join(dir, 'batch.csv');
  await writeSyntheticCsv(csv, records + Math.ceil(records / 100), await benchProfile());
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Evidence');
  sheet.addRow([...ALL_FIELDS]);
  const rows = parseCsv(new Uint8Array(await readFile(csv))).records.map(
    ({ value }) => value as Record<string, string | number>,
  );
  for (const record of acceptable(rows, records)) {
    sheet.addRow(
      ALL_FIELDS.map((field) => {
        const cell = record[field];
        if (cell === undefined) return null;
        if (DATE_FIELDS.has(field)) return new Date(`${cell}T00:00:00Z`);
        return NUMBER_FIELDS.has(field) ? Number(cell) : cell;
      }),
    );
  }
  const file = join(dir, 'batch.xlsx');
  await writeFile(file, new Uint8Array(await workbook.xlsx.writeBuffer()));
  return file;
}

/** `sib stack up` in `dir`, then `sib api serve` on a free port: its URL, and a stop for both. */
async function serve(env: NodeJS.ProcessEnv): Promise<{ url: string; stop(): Promise<void> }> {
  // Free ports throughout: other stacks may run on this machine.
  const [port, dynamoPort, s3Port] = (await freePorts(3)) as [number, number, number];
  await run(
    process.execPath,
    ['cli/main.ts', 'stack', 'up', '--dynamo-port', String(dynamoPort), '--s3-port', String(s3Port)],
    { cwd: root, env },
  );
  const child = spawn(process.execPath, ['cli/main.ts', 'api', 'serve', '--quiet', '--port', String(port)], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((ok, fail) => {
    const timer = setInterval(() => {
      if (out.includes('Ctrl-C to stop')) {
        clearInterval(timer);
        ok();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        fail(new Error(`sib api serve ended early:\n${out.slice(-2000)}`));
      }
    }, 200);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      await run(process.execPath, ['cli/main.ts', 'stack', 'down'], { cwd: root, env });
    },
  };
}

export async function benchConsoleUpload(
  options: { records?: number; runs?: number } = {},
): Promise<ConsoleUploadBench> {
  const records = options.records ?? 10_000;
  const runs = options.runs ?? 3;
  await buildConsole();
  const dir = await mkdtemp(join(tmpdir(), 'sib-bench-console-upload-'));
  const contractsDir = join(dir, 'contracts');
  await mkdir(contractsDir);
  const env = {
    ...process.env,
    SIB_DATA_DIR: dir,
    SIB_CONFIG_DIR: join(dir, 'config'),
    SIB_CONTRACTS_DIR: contractsDir,
  };
  const file = await writeWorkbook(records, dir);
  const profile = JSON.parse(await readFile(join(root, 'contracts', 'second-chance-kamchatka.json'), 'utf8'));
  const server = await serve(env);
  const browser = await launchChromium();
  /** A fresh registered copy of the contract: each run enrols the same participants anew. */
  const fresh = async (prefix: string): Promise<string> => {
    const id = `${prefix}-${randomUUID().slice(0, 8)}`;
    await writeFile(join(contractsDir, `${id}.json`), JSON.stringify({ ...profile, id }));
    const { token } = await issueToken({ dataDir: dir, sub: 'bench-ministry', role: 'ministry', contracts: [id] });
    await run(process.execPath, ['cli/main.ts', 'ministry', 'register', '--contract', id, '--token', token], {
      cwd: root,
      env: { ...env, SIB_API_URL: server.url },
    });
    return id;
  };
  try {
    const consoleRunsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const contract = await fresh('bench-console');
      const { token } = await issueToken({
        dataDir: dir,
        sub: 'bench-operator',
        role: 'operator',
        contracts: [contract],
      });
      const context = await browser.newContext({ locale: 'en-GB' });
      const page = await context.newPage();
      await page.goto(`${server.url}/`);
      await page.evaluate((s) => sessionStorage.setItem('sib-console.session', JSON.stringify(s)), sessionFor(token));
      await page.goto(`${server.url}/operator/batches`);
      await page.locator('input[type=file]').setInputFiles(file);
      await page.locator('input.mono').fill(`bench-${i}`);
      const started = performance.now();
      await page.locator('form button[type=submit]').click();
      // The receipt, or whatever else the page ends with (a refusal, a failure), said.
      await page
        .locator('[data-testid=receipt-seq], [data-testid=problem-table], .alert.bad')
        .first()
        .waitFor({ timeout: 600_000 });
      const elapsed = performance.now() - started;
      if ((await page.getByTestId('receipt-seq').count()) === 0) {
        throw new Error(
          `the console did not accept the batch:\n${(await page.locator('main').innerText()).slice(0, 3000)}`,
        );
      }
      consoleRunsMs.push(elapsed);
      await context.close();
    }
    const cliRunsMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const contract = await fresh('bench-cli');
      const { token } = await issueToken({
        dataDir: dir,
        sub: 'bench-operator',
        role: 'operator',
        contracts: [contract],
      });
      const started = performance.now();
      await run(
        process.execPath,
        [
          'cli/main.ts',
          'operator',
          'submit',
          '--contract',
          contract,
          '--batch-id',
          `bench-${i}`,
          '--token',
          token,
          file,
        ],
        { cwd: root, env: { ...env, SIB_API_URL: server.url }, maxBuffer: 64 * 1024 * 1024 },
      );
      cliRunsMs.push(performance.now() - started);
    }
    return {
      records,
      xlsxBytes: (await readFile(file)).byteLength,
      consoleMs: median(consoleRunsMs),
      consoleRunsMs,
      cliMs: median(cliRunsMs),
      cliRunsMs,
    };
  } finally {
    await browser.close();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatConsoleUpload(c: ConsoleUploadBench): string {
  const f = (n: number, d = 0) => n.toFixed(d);
  return [
    `A ${c.records.toLocaleString('en')}-record XLSX (${f(c.xlsxBytes / 1024)} KB) submitted to the batch route on the local stack, median of ${c.consoleRunsMs.length}:`,
    `  the console (click to the receipt, chromium)  ${f(c.consoleMs)} ms  (runs ${c.consoleRunsMs.map((x) => f(x)).join(', ')})`,
    `  sib operator submit (the whole command)      ${f(c.cliMs)} ms  (runs ${c.cliRunsMs.map((x) => f(x)).join(', ')})`,
    `  console/CLI ${f(c.consoleMs / c.cliMs, 2)}; throughput ${f(c.records / (c.consoleMs / 1000))} vs ${f(c.records / (c.cliMs / 1000))} records/s`,
  ].join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { records: { type: 'string' }, runs: { type: 'string' } } });
  console.log(
    formatConsoleUpload(
      await benchConsoleUpload({
        records: values.records === undefined ? undefined : Number(values.records),
        runs: values.runs === undefined ? undefined : Number(values.runs),
      }),
    ),
  );
}
