/**
 * `sib investor …`: the investor's use cases through the API: the signed
 * audit reports (list, download, and verify offline), the log's checkpoint
 * and its export (verified offline), the contract's versions.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { sha256, toHex } from '#kernel';
import type { VerifyResult } from '#ledger';
import type { PaymentStatus } from '#payments';
import type { ReportLang, StoredReport } from '#services';
import { paymentsTable } from '../../functions/shared/export-tables.ts';
import { collect } from '../args.ts';
import { trustedKeys } from '../context.ts';
import { apiAction, Exit, runAction, usage } from '../errors.ts';
import { checkExport, exportOptions, type ExportOptions as TableExportOptions, writeExport } from '../export-table.ts';
import { safeFileName } from '../files.ts';
import { printJson, say } from '../output.ts';
import { table } from '../table.ts';
import { printVerify, verifiedLine, verifyExportText, verifyReportFile } from '../verification.ts';
import type { Link } from './answers.ts';
import { type ConnectionOptions, connect, connection, examples, roleGroup } from './connection.ts';
import { renderList } from './render.ts';
import { registerContractVersions } from './shared.ts';
import { download } from './transfer.ts';

export function register(program: Command): void {
  const investor = roleGroup(
    program,
    'investor',
    "the investor: payments, audit reports (list, download, verify offline), the log's checkpoint and its export",
  );
  registerPayments(investor);
  registerReports(investor);
  registerDownload(investor);
  registerVerify(investor);
  registerCheckpoint(investor);
  registerExport(investor);
  registerContractVersions(investor, 'investor');
}

function registerPayments(investor: Command): void {
  const payments = investor
    .command('payments')
    .description("the contract's payments: each with its state and the date of each step")
    .requiredOption('--contract <id>', 'contract id');
  exportOptions(payments);
  examples(connection(payments, 'print {contract, payments} with their full history as JSON'), [
    'sib investor payments --contract second-chance-kamchatka',
    'sib investor payments --contract second-chance-kamchatka --format xlsx -o payments.xlsx',
    'sib investor payments --contract second-chance-kamchatka --format csv > payments.csv',
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & TableExportOptions & { contract: string }) => {
      checkExport(opts);
      const api = connect('investor', opts);
      const list = (
        await api.call<{ contract: string; payments: PaymentStatus[] }>('listPayments', {
          params: { contract: opts.contract },
        })
      ).body;
      if (opts.format !== 'table') await writeExport(opts, [paymentsTable(list.payments)]);
      else if (opts.json) printJson(list);
      else say(renderList(opts.contract, list.payments));
    }, 'investor'),
  );
}

function registerReports(investor: Command): void {
  const reports = investor
    .command('reports')
    .description("the contract's signed audit reports")
    .requiredOption('--contract <id>', 'contract id');
  examples(connection(reports, 'print {contract, reports} as JSON'), [
    'sib investor reports --contract second-chance-kamchatka',
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string }) => {
      const api = connect('investor', opts);
      const list = (
        await api.call<{ contract: string; reports: StoredReport[] }>('listReports', {
          params: { contract: opts.contract },
        })
      ).body;
      if (opts.json) {
        printJson(list);
        return;
      }
      if (list.reports.length === 0) {
        say(`no reports of ${opts.contract}`);
        return;
      }
      say(
        table(
          ['report', 'period', 'payment', 'checkpoint', 'PDF'],
          list.reports.map((r) => [
            r.sha256.slice(0, 12),
            r.period,
            r.payment,
            r.size,
            Object.keys(r.pdfKeys).join(', '),
          ]),
        ),
      );
    }, 'investor'),
  );
}

interface ReportLinks {
  report: StoredReport;
  json: Link;
  pdf: Partial<Record<ReportLang, Link>>;
}

function registerDownload(investor: Command): void {
  const dl = investor
    .command('download')
    .description(
      "download an audit report (JSON and its PDFs) through short-lived presigned URLs, checking the JSON's SHA-256 against the report id",
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--report <id>', 'the report id: its SHA-256, or 8+ hex digits of it (sib investor reports)')
    .option('-o, --out <dir>', 'where to write the files', '.');
  examples(
    connection(dl, 'print {report, files} as JSON'),
    ['sib investor download --contract second-chance-kamchatka --report d409286baec7 -o reports/'],
    'Then: sib investor verify <file>.json',
  ).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string; report: string; out: string }) => {
      const id = opts.report.toLowerCase();
      if (!/^[0-9a-f]{8,64}$/.test(id))
        throw usage('--report must be the SHA-256 of the report, or 8+ hex digits of it');
      const api = connect('investor', opts);
      const links = (await api.call<ReportLinks>('downloadReport', { params: { contract: opts.contract, report: id } }))
        .body;
      const { report } = links;
      if (!report.sha256.startsWith(id)) {
        throw new Exit(1, `the API answered report ${report.sha256}, not ${opts.report}: nothing written`);
      }
      const files = await downloadReport(links);
      await mkdir(opts.out, { recursive: true });
      const written: string[] = [];
      for (const [name, bytes] of files) {
        const file = join(opts.out, name);
        await writeFile(file, bytes);
        written.push(file);
      }
      if (opts.json) {
        printJson({ report, files: written });
        return;
      }
      say(
        `${written.map((f) => `wrote ${f}`).join('\n')}\n  SHA-256 of the JSON checked: ${report.sha256}\nverify it: sib investor verify ${written[0]}`,
      );
    }, 'investor'),
  );
}

/** The report's JSON (checked against its id) and PDFs, named for writing. */
async function downloadReport(links: ReportLinks): Promise<[string, Uint8Array][]> {
  const { report } = links;
  const short = report.sha256.slice(0, 12);
  const json = await download(links.json.url, `report ${short} (JSON)`);
  if (toHex(sha256(json)) !== report.sha256) {
    throw new Exit(1, `the downloaded report does not hash to its id ${report.sha256}: nothing written`);
  }
  const files: [string, Uint8Array][] = [[safeFileName(links.json.fileName, `report-${short}.json`), json]];
  for (const [lang, link] of Object.entries(links.pdf)) {
    if (link === undefined) continue;
    const bytes = await download(link.url, `report ${short} (PDF, ${lang})`);
    files.push([safeFileName(link.fileName, `report-${short}.${lang}.pdf`), bytes]);
  }
  return files;
}

function registerVerify(investor: Command): void {
  investor
    .command('verify')
    .description(
      'verify an audit report offline (no API): every signature, the checkpoint, every inclusion proof, and every amount recomputed',
    )
    .argument('<report.json>', 'the report file, as downloaded')
    .option(
      '--key <verifier-key>',
      "a trusted verifier key name+id+base64: the log's, and any witness's (repeatable; default: the local log key)",
      collect,
      [],
    )
    .option('--verbose', 'print a table of every check')
    .option('--json', 'print the result (every check) as JSON')
    .addHelpText(
      'after',
      `\nExamples:\n  $ sib investor verify report.json\n  $ sib investor verify report.json --key "sib-ledger.local+1a2b3c4d+AX..." --key "evaluator+5e6f7a8b+BA..."\n\nThe same check as sib report verify. Exit status: 0 every check holds, 1 a check fails (each failed check is\nnamed) or the file cannot be read, 2 usage error.`,
    )
    .action(
      runAction((file: string, opts: { key: string[]; json?: boolean; verbose?: boolean }) =>
        verifyReportFile(file, opts),
      ),
    );
}

function registerCheckpoint(investor: Command): void {
  const checkpoint = investor
    .command('checkpoint')
    .description("the contract log's latest signed checkpoint (C2SP signed note, with any witness cosignatures)")
    .requiredOption('--contract <id>', 'contract id');
  examples(
    connection(checkpoint, 'print {contract, origin, size, root, note} as JSON'),
    [
      'sib investor checkpoint --contract second-chance-kamchatka > checkpoint.txt',
      'sib ledger verify --contract second-chance-kamchatka --checkpoint checkpoint.txt',
    ],
    'Prints the signed note as it is: keep it, and later check that the log still holds exactly its tree.',
  ).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string }) => {
      const api = connect('investor', opts);
      const cp = (
        await api.call<{ contract: string; origin: string; size: number; root: string; note: string }>(
          'getCheckpoint',
          { params: { contract: opts.contract } },
        )
      ).body;
      if (opts.json) printJson(cp);
      else process.stdout.write(cp.note.endsWith('\n') ? cp.note : `${cp.note}\n`);
    }, 'investor'),
  );
}

interface ExportOptions extends ConnectionOptions {
  contract: string;
  output?: string;
  verify?: boolean;
  key: string[];
}

function registerExport(investor: Command): void {
  const exp = investor
    .command('export')
    .description('the log as JSON Lines (each entry, then the signed checkpoint); with --verify, verified offline')
    .requiredOption('--contract <id>', 'contract id')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option(
      '--verify',
      'verify the export offline: entry hashes, the chain, the Merkle tree and the checkpoint signature',
    )
    .option(
      '--key <verifier-key>',
      "with --verify: the log's verifier key (repeatable; default: the local log key; required for a deployed API)",
      collect,
      [],
    );
  examples(
    connection(exp, 'with -o: print {file, entries, verification} as JSON'),
    [
      'sib investor export --contract second-chance-kamchatka -o log.jsonl --verify',
      'sib investor export --contract second-chance-kamchatka -o log.jsonl --verify --key "sib-ledger.example+1a2b3c4d+AX..." --api https://api.example.org --token "$SIB_TOKEN"',
    ],
    'Without -o the export goes to standard output and the verification to standard error. A failed\nverification is exit 1 (the first failing seq is named). Later: sib ledger verify --file log.jsonl',
  ).action(
    apiAction(async (_ctx, opts: ExportOptions) => {
      if (opts.key.length > 0 && !opts.verify) throw usage('--key goes with --verify');
      const api = connect('investor', opts);
      if (opts.verify && opts.key.length === 0 && !api.local) {
        throw usage(`give --key <name+id+key> with --verify: the log's verifier key of ${api.url}`);
      }
      const keys = opts.verify ? await trustedKeys(opts.key, opts.contract) : [];
      const text = (await api.call<string>('exportLog', { params: { contract: opts.contract } })).text;
      const entries = text.split('\n').filter((l) => l !== '').length - 1;
      if (opts.output === undefined) process.stdout.write(text);
      else await writeFile(opts.output, text);
      const verification: VerifyResult | undefined = opts.verify
        ? await verifyExportText(text, keys, opts.contract)
        : undefined;
      if (opts.output === undefined) {
        if (verification !== undefined) {
          process.stderr.write(`${verifiedLine(verification)}\n`);
          if (!verification.ok) process.exitCode = 1;
        }
        return;
      }
      if (opts.json) {
        printJson({ file: opts.output, entries, ...(verification === undefined ? {} : { verification }) });
        if (verification?.ok === false) process.exitCode = 1;
        return;
      }
      process.stderr.write(`wrote ${entries} entries and the checkpoint to ${opts.output}\n`);
      if (verification !== undefined) printVerify(verification, false);
    }, 'investor'),
  );
}
