import type { Command } from 'commander';
import { formatMoney } from '#evaluation';
import { ValidationError } from '#kernel';
import type { Actor, PaymentStep } from '#ledger';
import { type PaymentStatus, parsePaymentId, STEP_ROLES } from '#payments';
import type { ReportLang } from '#services';
import {
  approvePayment,
  attestPayment,
  markPaid,
  type PaymentStepReceipt,
  readPayment,
  readPayments,
  rejectPayment,
  type WorkflowPorts,
} from '#services';
import { runAction } from '../errors.ts';
import { type EvidenceContext, openEvidence } from '../evidence-context.ts';
import { table } from '../table.ts';
import { reportProblems } from './contract.ts';
import { collectWitness, issueAndPrint, langArg, witnessKeys } from './report.ts';

/**
 * `sib payment …`: the payment workflow (domain/payments/workflow.ts). Each recorded
 * evaluation is a payment (its id: the seq of its evaluation.recorded entry);
 * the evaluator attests it, the ministry approves or rejects it and records
 * the payment. Every step names its subject (`--as`, no default: separation
 * of duties needs real subjects); the role follows from the command.
 */

const money = (p: Pick<PaymentStatus, 'total' | 'minorUnit' | 'currency'>) =>
  `${formatMoney(p.total, p.minorUnit)} ${p.currency}`;

/** The payment's last step (its calculation when it has none): what, who, when. */
function lastStep(p: PaymentStatus): { what: string; by: Actor; at: string } {
  const last = p.steps.at(-1);
  if (last === undefined) return { what: `calculated (entry ${p.payment})`, by: p.calculatedBy, at: p.calculatedAt };
  return { what: `${last.step} (entry ${last.seq})`, by: last.actor, at: last.at };
}

function stateOf(p: PaymentStatus, all: readonly PaymentStatus[]): string {
  if (p.latest) return p.state;
  const latest = all.filter((q) => q.period === p.period).at(-1);
  return `${p.state}, superseded by ${latest?.payment ?? '?'}`;
}

/** The payments of a contract as a table (state, last step, who, when). */
export function renderList(contract: string, payments: readonly PaymentStatus[]): string {
  if (payments.length === 0) {
    return `${contract} has no payments yet: each evaluation is one (sib evaluate --contract ${contract} --period P)`;
  }
  return table(
    ['payment', 'period', 'total', 'state', 'last step', 'by', 'when'],
    payments.map((p) => {
      const last = lastStep(p);
      return [
        `${contract}/${p.payment}`,
        p.period,
        money(p),
        stateOf(p, payments),
        last.what,
        `${last.by.sub} (${last.by.role})`,
        last.at,
      ];
    }),
  );
}

/** One payment and its history. */
export function renderShow(contract: string, p: PaymentStatus): string {
  const detail = (s: PaymentStatus['steps'][number]) =>
    s.reason !== undefined
      ? `reason: ${s.reason}`
      : s.paymentOrder !== undefined
        ? `payment order ${s.paymentOrder}, paid on ${s.paidOn ?? '?'}`
        : '';
  return [
    `Payment ${contract}/${p.payment}: period ${p.period}, ${money(p)}, ${p.state}${p.latest ? '' : ' (superseded by a later calculation of the period)'}`,
    `  result ${p.result} (contract version ${p.contract.version}, checkpoint ${p.checkpoint})`,
    '',
    table(
      ['step', 'entry', 'by', 'role', 'when', 'detail'],
      [
        ['calculated', p.payment, p.calculatedBy.sub, p.calculatedBy.role, p.calculatedAt, ''],
        ...p.steps.map((s) => [s.step, s.seq, s.actor.sub, s.actor.role, s.at, detail(s)]),
      ],
    ),
  ].join('\n');
}

const DONE: Readonly<Record<PaymentStep, string>> = {
  attested: 'Attested',
  approved: 'Approved',
  rejected: 'Rejected',
  paid: 'Recorded as paid',
};

function renderReceipt(r: PaymentStepReceipt, actor: Actor): string {
  const head = `${r.replayed ? `Already ${DONE[r.step].toLowerCase()}` : DONE[r.step]}: payment ${r.contract}/${r.payment} (period ${r.period}, ${money(r)})`;
  return `${head}\n  by ${actor.sub} (${actor.role}), entry seq ${r.seq} (${r.entryHash}) at ${r.at}`;
}

interface StepOptions {
  contract: string;
  payment: string;
  as: string;
  json?: boolean;
}

/** Runs a step against the local stack and prints its receipt; refusals are one line (validation: a table), exit 1. */
async function runStep(
  opts: StepOptions,
  step: PaymentStep,
  take: (
    ports: WorkflowPorts,
    request: { contract: string; payment: number; actor: Actor },
  ) => Promise<PaymentStepReceipt>,
  after?: (ctx: EvidenceContext, receipt: PaymentStepReceipt) => Promise<void>,
): Promise<void> {
  const actor: Actor = { sub: opts.as, role: STEP_ROLES[step] };
  const ctx = await openEvidence();
  try {
    const payment = parsePaymentId(opts.contract, opts.payment);
    const receipt = await take(ctx.contracts, { contract: opts.contract, payment, actor });
    if (opts.json) process.stdout.write(`${JSON.stringify(receipt, null, 2)}\n`);
    else process.stdout.write(`${renderReceipt(receipt, actor)}\n`);
    await after?.(ctx, receipt);
  } catch (error) {
    reportProblems(asOptions(error));
  } finally {
    ctx.close();
  }
}

/** The domain's field names as the options that carry them. */
const OPTION_OF: Readonly<Record<string, string>> = {
  contract: '--contract',
  payment: '--payment',
  reason: '--reason',
  paymentOrder: '--order',
  paidOn: '--date',
  'actor.sub': '--as',
};

function asOptions(error: unknown): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new ValidationError(
    error.message,
    error.problems.map((p) => ({ ...p, field: p.field === undefined ? undefined : (OPTION_OF[p.field] ?? p.field) })),
  );
}

const EXIT = 'Exit status: 0 recorded (or already recorded with the same content), 1 refused or failed.';

export function register(program: Command): void {
  const payment = program
    .command('payment')
    .description(
      'the payment workflow: each evaluation is a payment, attested by the evaluator, approved or rejected and recorded as paid by the ministry',
    );

  const withTarget = (cmd: Command) =>
    cmd
      .requiredOption('--contract <id>', 'contract id')
      .requiredOption('--payment <id>', 'the payment: the seq of its evaluation entry, <seq> or <contract>/<seq>');

  payment
    .command('list')
    .description('every payment of a contract with its state and last step (from the log)')
    .requiredOption('--contract <id>', 'contract id')
    .option('--json', 'print the payments (with their full history) as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib payment list --contract second-chance-kamchatka\n  sib payment list --contract peterborough --json',
    )
    .action(
      runAction(async (opts: { contract: string; json?: boolean }) => {
        const ctx = await openEvidence();
        try {
          const payments = await readPayments(ctx.contracts, opts.contract);
          if (opts.json) process.stdout.write(`${JSON.stringify(payments, null, 2)}\n`);
          else process.stdout.write(`${renderList(opts.contract, payments)}\n`);
        } catch (error) {
          reportProblems(asOptions(error));
        } finally {
          ctx.close();
        }
      }),
    );

  withTarget(payment.command('show'))
    .description('one payment: its figures and every step, who took it and when')
    .option('--json', 'print the payment as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  sib payment show --contract second-chance-kamchatka --payment 5\n  sib payment show --contract second-chance-kamchatka --payment second-chance-kamchatka/5 --json',
    )
    .action(
      runAction(async (opts: { contract: string; payment: string; json?: boolean }) => {
        const ctx = await openEvidence();
        try {
          const status = await readPayment(ctx.contracts, opts.contract, parsePaymentId(opts.contract, opts.payment));
          if (opts.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
          else process.stdout.write(`${renderShow(opts.contract, status)}\n`);
        } catch (error) {
          reportProblems(asOptions(error));
        } finally {
          ctx.close();
        }
      }),
    );

  withTarget(payment.command('attest'))
    .description('the evaluator attests a calculated payment (payment.attested)')
    .requiredOption('--as <subject>', 'the attesting evaluator: not the subject who calculated the payment')
    .option('--json', 'print the receipt as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  sib payment attest --contract second-chance-kamchatka --payment 5 --as evaluator-petrova\n\nOnce attested, the period is not recalculated unless the ministry rejects the payment.\n${EXIT}`,
    )
    .action(runAction((opts: StepOptions) => runStep(opts, 'attested', attestPayment)));

  withTarget(payment.command('approve'))
    .description(
      'the ministry approves an attested payment (payment.approved), within every cap, paying no outcome twice',
    )
    .requiredOption('--as <subject>', 'the approving ministry subject: not the one who calculated or attested it')
    .option('--json', 'print the receipt as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  sib payment approve --contract second-chance-kamchatka --payment 5 --as ministry-head\n\nRefused: a payment not attested, not the latest calculation of its period, a period with a payment approved already,\nan earlier period's payment not approved, or one that would exceed a cap.\n${EXIT}`,
    )
    .option(
      '--lang <lang>',
      'language of the audit report PDF issued on approval: ru or en',
      langArg,
      'ru' as ReportLang,
    )
    .option('--witness <verifier-key>', 'a witness whose cosignature the report names (repeatable)', collectWitness, [])
    .option('--no-report', 'do not issue the audit report now')
    .action(
      runAction((opts: StepOptions & { lang: ReportLang; witness: string[]; report: boolean }) => {
        // The report's witness keys are checked before the approval is recorded.
        const witnesses = opts.report ? witnessKeys(opts.witness) : [];
        return runStep(opts, 'approved', approvePayment, async (ctx, receipt) => {
          if (!opts.report) return;
          // Issued on approval: the approval entry is in the report, proved into the checkpoint after it.
          // With --json, stdout stays the receipt alone; the report's whereabouts go to stderr.
          try {
            await issueAndPrint(
              ctx,
              { contract: receipt.contract, payment: receipt.payment, lang: opts.lang, witnesses },
              false,
              opts.json === true ? process.stderr : process.stdout,
            );
          } catch (error) {
            // The approval is recorded: say so, and how to issue the report later.
            throw new Error(
              `payment ${receipt.contract}/${receipt.payment} is approved, but its audit report was not issued: ${
                error instanceof Error ? error.message : String(error)
              } (issue it with: sib report issue --contract ${receipt.contract} --payment ${receipt.payment})`,
              { cause: error },
            );
          }
        });
      }),
    );

  withTarget(payment.command('reject'))
    .description(
      'the ministry rejects an attested payment, saying why (payment.rejected); the period may then be recalculated',
    )
    .requiredOption('--reason <text>', 'why (no personal data: no names, no ID numbers)')
    .requiredOption('--as <subject>', 'the rejecting ministry subject')
    .option('--json', 'print the receipt as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  sib payment reject --contract second-chance-kamchatka --payment 5 --reason "employment records for March are missing" --as ministry-head\n\nThen: add the evidence, sib evaluate the period again, and attest the new payment.\n${EXIT}`,
    )
    .action(
      runAction((opts: StepOptions & { reason: string }) =>
        runStep(opts, 'rejected', (ports, request) => rejectPayment(ports, { ...request, reason: opts.reason })),
      ),
    );

  withTarget(payment.command('mark-paid'))
    .description('the ministry records that an approved payment was paid: the payment order and the day (payment.paid)')
    .requiredOption('--order <number>', "the payment order's number")
    .requiredOption('--date <YYYY-MM-DD>', 'the day the money was paid')
    .requiredOption('--as <subject>', 'the recording ministry subject: not the approver')
    .option('--json', 'print the receipt as JSON')
    .addHelpText(
      'after',
      `\nExample:\n  sib payment mark-paid --contract second-chance-kamchatka --payment 5 --order 000123 --date 2024-09-30 --as ministry-treasury\n${EXIT}`,
    )
    .action(
      runAction((opts: StepOptions & { order: string; date: string }) =>
        runStep(opts, 'paid', (ports, request) =>
          markPaid(ports, { ...request, paymentOrder: opts.order, paidOn: opts.date }),
        ),
      ),
    );
}
