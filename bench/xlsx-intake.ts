/**
 * XLSX intake against the CSV path on the same rows: a seeded 10,000-record
 * batch (bench/stream-csv.ts) written as CSV and as an XLSX workbook (dates
 * as Excel date cells, birth years and wages as number cells), each read and
 * validated (parse, then validateRecord of every record: what an ingest does
 * before pseudonyms and storage) in a child process of its own, so its peak
 * RSS is its own. Reports records/s and peak RSS per path and their ratios
 * (XLSX over CSV), best of the runs.
 *
 * Run alone: `npx node bench/xlsx-intake.ts [--records=N] [--runs=N] [--json]`; `npm run bench` runs it as one section.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { ALL_FIELDS, validateRecord } from '#evidence';
import { parseCsv } from '#intake';
import { readXlsxBatch } from '../functions/adapters/xlsx-batch.ts';
import { benchProfile, TODAY, writeSyntheticCsv } from './stream-csv.ts';

export interface XlsxPathFigures {
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
  readonly peakRssMb: number;
}

export interface XlsxIntakeBench {
  readonly records: number;
  readonly csvBytes: number;
  readonly xlsxBytes: number;
  readonly csv: XlsxPathFigures;
  readonly xlsx: XlsxPathFigures;
  /** XLSX records/s over CSV records/s. */
  readonly speedRatio: number;
  /** XLSX peak RSS over CSV peak RSS. */
  readonly memoryRatio: number;
}

const DATE_FIELDS = new Set(['date', 'offenceDate', 'to']);
const NUMBER_FIELDS = new Set(['birthYear', 'monthlyWage']);

/** The CSV's records as a workbook, cells typed as an operator's Excel holds them. */
async function writeWorkbook(csv: Uint8Array, file: string): Promise<number> {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Evidence');
  sheet.addRow([...ALL_FIELDS]);
  for (const { value } of parseCsv(csv).records) {
    const record = value as Record<string, string | number>;
    sheet.addRow(
      ALL_FIELDS.map((field) => {
        const cell = record[field];
        if (cell === undefined) return null;
        if (DATE_FIELDS.has(field)) return new Date(`${cell}T00:00:00Z`);
        return NUMBER_FIELDS.has(field) ? Number(cell) : cell;
      }),
    );
  }
  ALL_FIELDS.forEach((field, i) => {
    if (DATE_FIELDS.has(field)) sheet.getColumn(i + 1).numFmt = 'dd.mm.yyyy';
  });
  const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
  writeFileSync(file, bytes);
  return bytes.length;
}

/** One path in this process: read the file, parse and validate every record. */
async function step(path: 'csv' | 'xlsx', file: string): Promise<XlsxPathFigures> {
  const profile = await benchProfile();
  const started = performance.now();
  const bytes = new Uint8Array(readFileSync(file));
  const parsed = path === 'csv' ? parseCsv(bytes) : await readXlsxBatch(bytes);
  let problems = parsed.problems.length;
  for (const { value } of parsed.records) problems += validateRecord(value, { profile, today: TODAY }).problems.length;
  const seconds = (performance.now() - started) / 1000;
  if (problems > 0) throw new Error(`${path}: ${problems} problems in the benchmark's batch`);
  return {
    records: parsed.records.length,
    seconds,
    recordsPerSecond: parsed.records.length / seconds,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  };
}

async function inChild(path: 'csv' | 'xlsx', file: string): Promise<XlsxPathFigures> {
  const child = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--step', path, file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`XLSX intake benchmark step (${path}) exited ${code}`);
  return JSON.parse(out) as XlsxPathFigures;
}

const best = (runs: readonly XlsxPathFigures[]): XlsxPathFigures =>
  runs.reduce((a, b) => (b.seconds < a.seconds ? { ...b, peakRssMb: Math.max(a.peakRssMb, b.peakRssMb) } : a));

export async function benchXlsxIntake(options: { records?: number; runs?: number } = {}): Promise<XlsxIntakeBench> {
  const records = options.records ?? 10_000;
  const runs = options.runs ?? 3;
  const dir = mkdtempSync(join(tmpdir(), 'sib-bench-xlsx-'));
  try {
    const csvFile = join(dir, 'batch.csv');
    const xlsxFile = join(dir, 'batch.xlsx');
    const { bytes: csvBytes } = await writeSyntheticCsv(csvFile, records, await benchProfile());
    const xlsxBytes = await writeWorkbook(new Uint8Array(readFileSync(csvFile)), xlsxFile);
    const csvRuns: XlsxPathFigures[] = [];
    const xlsxRuns: XlsxPathFigures[] = [];
    for (let i = 0; i < runs; i++) {
      csvRuns.push(await inChild('csv', csvFile));
      xlsxRuns.push(await inChild('xlsx', xlsxFile));
    }
    const csv = best(csvRuns);
    const xlsx = best(xlsxRuns);
    if (csv.records !== xlsx.records) throw new Error(`CSV gave ${csv.records} records, XLSX ${xlsx.records}`);
    return {
      records,
      csvBytes,
      xlsxBytes,
      csv,
      xlsx,
      speedRatio: xlsx.recordsPerSecond / csv.recordsPerSecond,
      memoryRatio: xlsx.peakRssMb / csv.peakRssMb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The section `npm run bench` prints. */
export function formatXlsxIntake(b: XlsxIntakeBench): string[] {
  const line = (name: string, f: XlsxPathFigures) =>
    `  ${name.padEnd(5)} ${f.records.toLocaleString('en')} records in ${f.seconds.toFixed(2)} s = ${f.recordsPerSecond.toFixed(0)} records/s; peak RSS ${f.peakRssMb.toFixed(0)} MB`;
  return [
    `XLSX intake against CSV on the same ${b.records.toLocaleString('en')} records (read and validate; CSV ${(b.csvBytes / 1e6).toFixed(1)} MB, XLSX ${(b.xlsxBytes / 1e6).toFixed(1)} MB), best of runs:`,
    line('CSV', b.csv),
    line('XLSX', b.xlsx),
    `  ratio XLSX/CSV: ${b.speedRatio.toFixed(3)} of the speed, ${b.memoryRatio.toFixed(2)}x the peak RSS`,
  ];
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

if (process.argv[2] === '--step') {
  process.stdout.write(JSON.stringify(await step(process.argv[3] as 'csv' | 'xlsx', process.argv[4] as string)));
} else if (import.meta.filename === process.argv[1]) {
  const figures = await benchXlsxIntake({ records: Number(arg('records') ?? 10_000), runs: Number(arg('runs') ?? 3) });
  if (process.argv.includes('--json')) console.log(JSON.stringify(figures, null, 2));
  else console.log(formatXlsxIntake(figures).join('\n'));
}
