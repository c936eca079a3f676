import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { sha256, toHex } from '#kernel';
import { parseVerifierKey } from '#ledger';
import { parsePaymentId } from '#payments';
import { type ReportVerification, verifyReport } from '#reports';
import { findReport, issueReport, listReports, type ReportLang, reportFileName } from '#services';
import { DOWNLOAD_EXPIRES_IN } from '../../functions/adapters/report-store.ts';
import { trustedKeys } from '../context.ts';
import { runAction } from '../errors.ts';
import { type EvidenceContext, openEvidence } from '../evidence-context.ts';
import { table } from '../table.ts';
import { reportProblems } from './contract.ts';

/**
 * `sib report …`: the signed audit reports investors get. One function per
 * subcommand, each registered on the `report` group below.
 */

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(program: Command): void {
  const report = program
    .command('report')
    .description('audit reports for investors: signed JSON with proofs, checked offline with `sib report verify`');
  registerIssue(report);
  registerList(report);
  registerDownload(report);
  registerVerify(report);
}

const LANG = /^(ru|en)$/;
/** Parses `--lang`: a usage error (exit 2) unless ru or en. Shared with `sib payment approve`. */
export const langArg = (value: string): ReportLang => {
  if (!LANG.test(value)) throw new InvalidArgumentError('must be ru or en.');
  return value as ReportLang;
};

/** Parses a repeatable `--witness`: a usage error (exit 2) unless a verifier key. Shared with `sib payment approve`. */
export const collectWitness = (value: string, previous: string[]): string[] => {
  try {
    parseVerifierKey(value);
  } catch (error) {
    throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
  }
  return [...previous, value];
};

/**
 * Witness verifier keys to name in reports: `--witness`, else SIB_WITNESS_KEYS
 * (comma-separated, each checked: a bad one is an error before anything is done).
 */
export function witnessKeys(given: readonly string[]): string[] {
  if (given.length > 0) return [...given];
  const keys = (process.env.SIB_WITNESS_KEYS ?? '')
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  for (const key of keys) {
    try {
      parseVerifierKey(key);
    } catch (error) {
      throw new Error(`SIB_WITNESS_KEYS: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return keys;
}

/** Issues the report of a payment (at the log's current size) and prints where it is. Shared with `sib payment approve`. */
export async function issueAndPrint(
  ctx: EvidenceContext,
  request: { contract: string; payment: number; lang: ReportLang; witnesses: readonly string[] },
  json: boolean,
  out: NodeJS.WritableStream = process.stdout,
): Promise<void> {
  const issued = await issueReport(ctx.reporting, {
    contract: request.contract,
    payment: request.payment,
    lang: request.lang,
    issuedAt: new Date().toISOString(),
    witnessKeys: witnessKeys(request.witnesses),
  });
  const { report: _report, ...stored } = issued;
  if (json) {
    out.write(`${JSON.stringify(stored, null, 2)}\n`);
    return;
  }
  out.write(
    `${issued.reused ? 'Report already issued' : 'Report issued'}: ${issued.sha256}\n` +
      `  payment ${issued.payment} (${issued.period}), state ${issued.report.workflow.state}, checkpoint ${issued.size}${
        issued.report.witnesses.length > 0 ? `, cosigned by ${issued.report.witnesses.join(', ')}` : ''
      }\n` +
      `  JSON ${issued.jsonKey}\n` +
      Object.entries(issued.pdfKeys)
        .map(([lang, key]) => `  PDF (${lang}) ${key}\n`)
        .join('') +
      `  download: sib report download --contract ${issued.contract} --report ${issued.sha256.slice(0, 12)}\n`,
  );
}

/** `sib report issue --contract C --payment P [--lang ru|en]`: on demand, for any evaluation. */
export function registerIssue(report: Command): void {
  report
    .command('issue')
    .description(
      'issue the signed audit report of a payment (any evaluation): JSON with proofs into the current checkpoint, and a PDF',
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--payment <id>', 'the payment: the seq of its evaluation entry (or <contract>/<seq>)')
    .option('--lang <lang>', 'language of the PDF: ru or en', langArg, 'ru' as ReportLang)
    .option('--witness <verifier-key>', 'a witness whose cosignature the report names (repeatable)', collectWitness, [])
    .option('--json', 'print where the report is stored as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib report issue --contract second-chance-kamchatka --payment 13\n  sib report issue --contract second-chance-kamchatka --payment 13 --lang en\n\n' +
        'Reports are also issued on approval (sib payment approve). The same payment at the same checkpoint is issued once.',
    )
    .action(
      runAction(
        async (opts: { contract: string; payment: string; lang: ReportLang; witness: string[]; json?: boolean }) => {
          const ctx = await openEvidence();
          try {
            const payment = parsePaymentId(opts.contract, opts.payment);
            await issueAndPrint(
              ctx,
              { contract: opts.contract, payment, lang: opts.lang, witnesses: opts.witness },
              opts.json === true,
            );
          } catch (error) {
            reportProblems(error);
          } finally {
            ctx.close();
          }
        },
      ),
    );
}

/** `sib report list --contract C [--json]`. */
export function registerList(report: Command): void {
  report
    .command('list')
    .description("the contract's audit reports in the reports bucket")
    .requiredOption('--contract <id>', 'contract id')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', '\nExample:\n  sib report list --contract second-chance-kamchatka')
    .action(
      runAction(async (opts: { contract: string; json?: boolean }) => {
        const ctx = await openEvidence();
        try {
          const reports = await listReports(ctx.reporting, opts.contract);
          if (opts.json) {
            process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
            return;
          }
          if (reports.length === 0) {
            process.stdout.write(`no reports of ${opts.contract}\n`);
            return;
          }
          process.stdout.write(
            `${table(
              ['report', 'period', 'payment', 'checkpoint', 'PDF'],
              reports.map((r) => [
                r.sha256.slice(0, 12),
                r.period,
                r.payment,
                r.size,
                Object.keys(r.pdfKeys).join(', '),
              ]),
            )}\n`,
          );
        } finally {
          ctx.close();
        }
      }),
    );
}

/** `sib report download --contract C --report R [-o DIR]`: through short-lived presigned URLs. */
export function registerDownload(report: Command): void {
  report
    .command('download')
    .description(
      'download an audit report (JSON and its PDFs) through short-lived presigned URLs, checking the JSON against its id',
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--report <id>', 'the report id: its SHA-256, or 8+ hex digits of it (sib report list)')
    .option('-o, --out <dir>', 'where to write the files', '.')
    .addHelpText(
      'after',
      `\nExample:\n  sib report download --contract second-chance-kamchatka --report d409286baec7 -o reports/\n\nThe links live ${DOWNLOAD_EXPIRES_IN} s. Then: sib report verify <file>.json`,
    )
    .action(
      runAction(async (opts: { contract: string; report: string; out: string }) => {
        const ctx = await openEvidence();
        try {
          const found = await findReport(ctx.reporting, opts.contract, opts.report);
          await mkdir(opts.out, { recursive: true });
          const written: string[] = [];
          const items: [string, string][] = [
            [found.jsonKey, 'json'],
            ...Object.entries(found.pdfKeys).map(([lang, key]) => [key as string, `${lang}.pdf`] as [string, string]),
          ];
          for (const [key, ext] of items) {
            const response = await fetch(await ctx.reports.presignGet(key));
            if (!response.ok) throw new Error(`download of ${key} failed: HTTP ${response.status}`);
            const bytes = new Uint8Array(await response.arrayBuffer());
            if (ext === 'json' && toHex(sha256(bytes)) !== found.sha256) {
              throw new Error(`the downloaded report does not hash to ${found.sha256}: not written`);
            }
            const file = join(opts.out, reportFileName(found, ext));
            await writeFile(file, bytes);
            written.push(file);
          }
          process.stdout.write(
            `${written.map((f) => `wrote ${f}`).join('\n')}\nverify it: sib report verify ${written[0]}\n`,
          );
        } catch (error) {
          reportProblems(error);
        } finally {
          ctx.close();
        }
      }),
    );
}

/** `sib report verify REPORT.json [--key K ...] [--json] [--verbose]`: offline, no stack needed. */
export function registerVerify(report: Command): void {
  report
    .command('verify')
    .description(
      'verify an audit report offline: every signature, the checkpoint, every inclusion proof, and every amount recomputed from the figures and the contract terms it carries',
    )
    .argument('<report.json>', 'the report file (canonical JSON, as downloaded)')
    .option(
      '--key <verifier-key>',
      "trusted verifier key name+id+base64: the log's, and any witness's (repeatable; default: the local log key)",
      collect,
      [],
    )
    .option('--json', 'print the result (every check) as JSON')
    .option('--verbose', 'print a table of every check')
    .addHelpText(
      'after',
      '\nExamples:\n  sib report verify report.json\n  sib report verify report.json --key "sib-ledger.local+1a2b3c4d+AX..." --key "evaluator+5e6f7a8b+AY..."\n\n' +
        'Exit status: 0 when every check holds, 1 otherwise (each failed check is named, with the figures).',
    )
    .action(
      runAction(async (file: string, opts: { key: string[]; json?: boolean; verbose?: boolean }) => {
        const keys = await trustedKeys(opts.key);
        let bytes: Uint8Array;
        try {
          bytes = new Uint8Array(await readFile(file));
        } catch (error) {
          const code = (error as { code?: string }).code;
          throw new Error(
            `cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`,
          );
        }
        printVerification(verifyReport(bytes, keys), { json: opts.json === true, verbose: opts.verbose === true });
      }),
    );
}

/** Prints a verification: JSON, or a summary (with a table of every check when verbose); sets exit code 1 unless ok. */
export function printVerification(result: ReportVerification, opts: { json: boolean; verbose: boolean }): void {
  if (!result.ok) process.exitCode = 1;
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (opts.verbose) {
    process.stdout.write(
      `${table(
        ['check', 'result', 'detail'],
        result.checks.map((c) => [c.name, c.ok ? 'ok' : 'FAILED', c.message]),
      )}\n\n`,
    );
  }
  const what =
    result.contract === undefined
      ? 'the report'
      : `the report of ${result.contract}${result.period === undefined ? '' : ` period ${result.period}`}`;
  const named = (name: string) => result.checks.find((c) => c.name === name);
  if (result.ok) {
    process.stdout.write(`OK: ${what} verifies: all ${result.checks.length} checks hold\n`);
    if (!opts.verbose) {
      for (const name of ['report signature', 'checkpoint signature', 'checkpoint witnesses', 'total']) {
        const c = named(name);
        if (c?.message !== undefined) process.stdout.write(`  ${name}: ${c.message}\n`);
      }
    }
    return;
  }
  const failed = result.checks.filter((c) => !c.ok);
  process.stderr.write(
    `FAILED: ${failed.length} of ${result.checks.length} check(s) of ${what} do not hold\n${failed
      .map((c) => `  ${c.name}: ${c.message ?? 'failed'}\n`)
      .join('')}`,
  );
}
