/**
 * `sib ministry …`: the commissioner's use cases through the API: register a
 * contract (or an amendment), see its payments, approve or reject them,
 * record them as paid, issue a payment's audit report, and export the
 * payment-order data of an approved payment for the treasury.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { PaymentOrderData, PaymentStatus } from '#payments';
import type { ReportLang } from '#services';
import { paymentsTable } from '../../functions/shared/export-tables.ts';
import { langArg, paymentOf } from '../args.ts';
import { readSpecFile } from '../commands/contract.ts';
import { apiAction, Exit, usage } from '../errors.ts';
import { checkExport, type ExportOptions, exportOptions, writeExport } from '../export-table.ts';
import { printJson, say } from '../output.ts';
import type { ApprovalReport, IssuedReport, StepReceipt } from './answers.ts';
import { type ConnectionOptions, connect, connection, examples, roleGroup } from './connection.ts';
import { renderIssued, renderList, renderShow, renderStep } from './render.ts';
import { paymentStep, paymentTarget, registerContractVersions, SEPARATION, type StepOptions } from './shared.ts';
import { signingKey } from './signing.ts';

export function register(program: Command): void {
  const ministry = roleGroup(
    program,
    'ministry',
    'the ministry (commissioner): register contracts, see payments, approve or reject them, record them as paid',
  );
  registerRegister(ministry);
  registerContractVersions(ministry, 'ministry');
  registerPayments(ministry);
  registerSteps(ministry);
  registerIssueReport(ministry);
  registerPaymentOrder(ministry);
}

interface Registration {
  contract: string;
  version: number;
  specHash: string;
  seq: number;
  entryHash: string;
  replayed: boolean;
}

function registerRegister(ministry: Command): void {
  const reg = ministry
    .command('register')
    .description('register a contract spec, or an amendment (its next version), in the log')
    .option('--contract <id>', 'register contracts/<id>.json')
    .option('--file <spec.json>', 'register this spec file');
  examples(
    connection(reg, 'print the receipt as JSON'),
    ['sib ministry register --contract second-chance-kamchatka', 'sib ministry register --file amendment-v2.json'],
    'Registering the same version with the same terms again is harmless; other terms under a registered version are refused.',
  ).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract?: string; file?: string }) => {
      if ((opts.contract === undefined) === (opts.file === undefined)) {
        throw usage('give either --contract <id> or --file <spec.json>');
      }
      const spec = await readSpecFile(opts).catch((error: unknown) => {
        throw new Exit(1, (error as Error).message);
      });
      const api = connect('ministry', opts);
      const r = (await api.call<Registration>('registerContract', { body: spec })).body;
      if (opts.json) {
        printJson(r);
        return;
      }
      say(
        `${r.replayed ? 'Already registered' : 'Registered'}: ${r.contract} version ${r.version}\n` +
          `  spec hash      ${r.specHash}\n  ledger entry   seq ${r.seq} (${r.entryHash})`,
      );
    }, 'ministry'),
  );
}

function registerPayments(ministry: Command): void {
  const payments = ministry
    .command('payments')
    .description(
      'every payment of a contract with its state and last step; with --payment, one payment and its history',
    )
    .requiredOption('--contract <id>', 'contract id')
    .option('--payment <id>', 'one payment: <seq> or <contract>/<seq>');
  exportOptions(payments);
  examples(connection(payments, 'print the payments (or the payment) with their full history as JSON'), [
    'sib ministry payments --contract second-chance-kamchatka',
    'sib ministry payments --contract second-chance-kamchatka --payment 13',
    'sib ministry payments --contract second-chance-kamchatka --format xlsx -o payments.xlsx',
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & ExportOptions & { contract: string; payment?: string }) => {
      checkExport(opts);
      const payment = opts.payment === undefined ? undefined : paymentOf(opts.contract, opts.payment);
      const api = connect('ministry', opts);
      if (payment !== undefined) {
        const p = (await api.call<PaymentStatus>('getPayment', { params: { contract: opts.contract, payment } })).body;
        if (opts.format !== 'table') await writeExport(opts, [paymentsTable([p])]);
        else if (opts.json) printJson(p);
        else say(renderShow(opts.contract, p));
        return;
      }
      const list = (
        await api.call<{ contract: string; payments: PaymentStatus[] }>('listPayments', {
          params: { contract: opts.contract },
        })
      ).body;
      if (opts.format !== 'table') await writeExport(opts, [paymentsTable(list.payments)]);
      else if (opts.json) printJson(list);
      else say(renderList(opts.contract, list.payments));
    }, 'ministry'),
  );
}

/** approve, reject, mark-paid. */
function registerSteps(ministry: Command): void {
  const approve = paymentTarget(ministry.command('approve'))
    .description('approve an attested payment; its audit report is issued with the approval')
    .option('--lang <lang>', 'language of the report PDF: ru or en', langArg, 'ru' as ReportLang);
  signingKey(approve, "the ministry's");
  examples(
    connection(approve, 'print {receipt, report} as JSON'),
    [
      'sib ministry approve --contract second-chance-kamchatka --payment 13',
      'sib ministry approve --contract second-chance-kamchatka --payment 13 --lang en',
    ],
    `${SEPARATION}\nShould the report not be issued, the approval stands: issue it with sib ministry issue-report (exit 1).`,
  ).action(
    apiAction(async (_ctx, opts: StepOptions & { lang: ReportLang }) => {
      const { api, answer } = await paymentStep('ministry', 'approvePayment', opts, { lang: opts.lang });
      const { receipt, report } = answer as { receipt: StepReceipt; report: ApprovalReport };
      if (!opts.json) {
        say(renderStep(receipt, api.actor));
        if (report.issued) say(renderIssued(report));
      }
      if (!report.issued) {
        process.exitCode = 1;
        process.stderr.write(
          `error: payment ${receipt.contract}/${receipt.payment} is approved, but its audit report was not issued: ${report.problem.detail} (issue it with: sib ministry issue-report --contract ${receipt.contract} --payment ${receipt.payment})\n`,
        );
      }
    }, 'ministry'),
  );

  const reject = paymentTarget(ministry.command('reject'))
    .description('reject an attested payment, saying why; the period may then be recalculated')
    .requiredOption('--reason <text>', 'why (no personal data: no names, no ID numbers)');
  signingKey(reject, "the ministry's");
  examples(connection(reject, 'print the receipt as JSON'), [
    'sib ministry reject --contract second-chance-kamchatka --payment 13 --reason "employment records for March are missing"',
  ]).action(
    apiAction(async (_ctx, opts: StepOptions & { reason: string }) => {
      await paymentStep('ministry', 'rejectPayment', opts, { reason: opts.reason });
    }, 'ministry'),
  );

  const paid = paymentTarget(ministry.command('mark-paid'))
    .description('record that an approved payment was paid: the payment order and the day')
    .requiredOption('--order <number>', "the payment order's number")
    .requiredOption('--date <YYYY-MM-DD>', 'the day the money was paid');
  signingKey(paid, "the treasury's");
  examples(
    connection(paid, 'print the receipt as JSON'),
    [
      'sib ministry mark-paid --contract second-chance-kamchatka --payment 13 --order PP-2025-000013 --date 2025-03-31 --token "$TREASURY_TOKEN"',
    ],
    SEPARATION,
  ).action(
    apiAction(async (_ctx, opts: StepOptions & { order: string; date: string }) => {
      await paymentStep('ministry', 'markPaid', opts, { paymentOrder: opts.order, paidOn: opts.date });
    }, 'ministry'),
  );
}

function registerIssueReport(ministry: Command): void {
  const issue = paymentTarget(ministry.command('issue-report'))
    .description('issue the signed audit report of a payment (any evaluation) at the current checkpoint: JSON and PDF')
    .option('--lang <lang>', 'language of the PDF: ru or en', langArg, 'ru' as ReportLang);
  examples(connection(issue, 'print where the report is stored as JSON'), [
    'sib ministry issue-report --contract second-chance-kamchatka --payment 13 --lang en',
  ]).action(
    apiAction(async (_ctx, opts: StepOptions & { lang: ReportLang }) => {
      const payment = paymentOf(opts.contract, opts.payment);
      const api = connect('ministry', opts);
      const r = (
        await api.call<IssuedReport>('issueReport', {
          params: { contract: opts.contract },
          body: { payment, lang: opts.lang },
        })
      ).body;
      if (opts.json) printJson(r);
      else say(renderIssued(r));
    }, 'ministry'),
  );
}

// ---- Payment-order data (issue 17)

type PaymentOrderOptions = StepOptions & { lang: ReportLang; format?: string; output?: string };

/**
 * `sib ministry payment-order`: the payment-order data of an approved (or
 * paid) payment, read over the API (GET …/payments/{payment}/order) as JSON;
 * the workbook is written here from that JSON by the server's own writer
 * (functions/adapters/xlsx/payment-order.ts), so the two files hold the same
 * fields.
 */
function registerPaymentOrder(ministry: Command): void {
  const cmd = paymentTarget(ministry.command('payment-order'))
    .description(
      'the payment-order data of an approved payment for the treasury (form 0401060, or the Kazakh order in KZT): payer, payee per investor, amount in figures and words, purpose, budget code',
    )
    .option(
      '--lang <lang>',
      'language of the names, purpose and amount in words: ru or en',
      langArg,
      'ru' as ReportLang,
    )
    .option('--format <format>', 'json or xlsx', 'json')
    .option(
      '-o, --output <file>',
      'the file to write (xlsx default: <contract>-payment-<seq>-order-<lang>.xlsx; json: stdout)',
    );
  examples(
    connection(cmd, 'with -o or --format xlsx, print {file, format, contract, payment} as JSON'),
    [
      'sib ministry payment-order --contract second-chance-kamchatka --payment 13',
      'sib ministry payment-order --contract second-chance-kamchatka --payment 13 --format xlsx --lang en',
    ],
    'A payment not yet approved is refused (exit 1): the ministry approves it first.',
  ).action(
    apiAction(async (_ctx, opts: PaymentOrderOptions) => {
      const format = (opts.format ?? 'json').toLowerCase();
      if (format !== 'json' && format !== 'xlsx') throw usage(`--format must be json or xlsx, not ${format}`);
      const payment = paymentOf(opts.contract, opts.payment);
      const api = connect('ministry', opts);
      const order = (
        await api.call<PaymentOrderData>('getPaymentOrder', {
          params: { contract: opts.contract, payment },
          query: { lang: opts.lang },
        })
      ).body;
      if (format === 'json' && opts.output === undefined) {
        printJson(order);
        return;
      }
      const file = opts.output ?? `${opts.contract}-payment-${payment}-order-${order.lang}.${format}`;
      const bytes =
        format === 'json'
          ? new TextEncoder().encode(`${JSON.stringify(order, null, 2)}\n`)
          : await (await import('../../functions/adapters/xlsx-batch.ts')).paymentOrderXlsx(order);
      await writeFile(file, bytes);
      if (opts.json) {
        printJson({ file, format, contract: opts.contract, payment });
        return;
      }
      say(
        `Wrote ${file}: the payment-order data of ${opts.contract}/${payment} (period ${order.period.id}), ` +
          `${order.lines.length} order(s), ${order.totalText} in all.`,
      );
      for (const line of order.lines) say(`  to ${line.payee.name}: ${line.amountText} (${line.amountInWords})`);
    }, 'ministry'),
  );
}
