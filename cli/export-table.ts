/**
 * `--format table|xlsx|csv` and `-o FILE` for the role commands that print a
 * table (payments, an evaluation, evidence batches): the options, their
 * checks (before any API call, so a usage error costs nothing), and writing
 * the tables (functions/shared/table-export.ts) to the file or, for CSV,
 * to standard output.
 */
import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { type ExportFormat, type ExportTable, tableCsv } from '../functions/shared/table-export.ts';
import { usage } from './errors.ts';
import { say } from './output.ts';

export interface ExportOptions {
  format: ExportFormat;
  output?: string;
  /** CSV of a command with several tables: which one. */
  sheet?: string;
  json?: boolean;
}

function formatArg(value: string): ExportFormat {
  const format = value.toLowerCase();
  if (format !== 'table' && format !== 'xlsx' && format !== 'csv') {
    throw new InvalidArgumentError('must be table, xlsx or csv.');
  }
  return format;
}

/** Adds --format and -o; `sheets` names the tables when there are several (CSV then takes --sheet). */
export function exportOptions(cmd: Command, sheets?: readonly string[]): Command {
  cmd
    .option('--format <format>', 'table (printed), xlsx or csv', formatArg, 'table' as ExportFormat)
    .option('-o, --output <file>', 'the file to write (required for xlsx; csv without it goes to standard output)');
  if (sheets !== undefined) {
    cmd.option(
      '--sheet <name>',
      `with --format csv, the table to write: ${sheets.join(', ')} (default: ${sheets[0]}); xlsx has them all`,
    );
  }
  return cmd;
}

/** The usage errors of the options, checked before the command calls the API. */
export function checkExport(opts: ExportOptions): void {
  if (opts.format === 'table') {
    if (opts.output !== undefined) throw usage('-o is for --format xlsx or csv');
    return;
  }
  if (opts.json === true) throw usage(`--json and --format ${opts.format} exclude each other`);
  if (opts.format === 'xlsx' && opts.output === undefined) {
    throw usage('--format xlsx writes a binary workbook, never to the terminal: give -o FILE.xlsx');
  }
}

/** Writes the tables as asked (never with --format table); says what was written. */
export async function writeExport(opts: ExportOptions, tables: readonly ExportTable[]): Promise<void> {
  if (opts.format === 'xlsx') {
    const file = opts.output as string; // checkExport required it
    const { tablesXlsx } = await import('../functions/adapters/xlsx-batch.ts');
    await writeFile(file, await tablesXlsx(tables));
    const rows = tables.reduce((n, t) => n + t.rows.length, 0);
    say(`Wrote ${file}: ${tables.map((t) => t.name).join(', ')} (${rows} row${rows === 1 ? '' : 's'})`);
    return;
  }
  const table =
    opts.sheet === undefined ? tables[0] : tables.find((t) => t.name.toLowerCase() === opts.sheet?.toLowerCase());
  if (table === undefined) {
    throw usage(`--sheet must be one of ${tables.map((t) => t.name).join(', ')}, not ${opts.sheet}`);
  }
  const csv = tableCsv(table);
  if (opts.output === undefined) {
    process.stdout.write(csv.slice(1)); // no byte-order mark in a pipe
    return;
  }
  await writeFile(opts.output, csv);
  say(`Wrote ${opts.output}: ${table.name} (${table.rows.length} row${table.rows.length === 1 ? '' : 's'})`);
}
