/**
 * The payment's approval: one row per step (calculated, attested, approved
 * or rejected, paid) with who took it in which role, when, its log entry and
 * its details (evaluated total, payment order, reason), read from the signed
 * entries the report carries.
 */
import type { PaymentState } from '#ledger';
import type { ReportContext } from '../context.ts';
import { widths } from '../layout.ts';
import { table } from '../table.ts';
import type { CellInput } from '../writer.ts';

/** The parts of a log entry a workflow row shows; anything missing prints as "?" or nothing. */
interface StepEntry {
  readonly seq?: number;
  readonly at?: string;
  readonly actor?: { readonly sub?: string; readonly role?: string };
  readonly body?: Record<string, unknown>;
}

interface Step {
  readonly step: PaymentState;
  readonly seq: number;
  readonly e: StepEntry;
}

function parseEntry(text: string): StepEntry {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as StepEntry) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function workflow(c: ReportContext): void {
  const { w, t, report } = c;
  w.heading(t.workflow);
  const steps: Step[] = [
    { step: 'calculated', seq: report.evaluation.entry.seq, e: parseEntry(report.evaluation.entry.entry) },
    ...report.workflow.steps.map((s) => ({ step: s.step, seq: s.entry.seq, e: parseEntry(s.entry.entry) })),
  ];
  const [w1, w2, w3, w4, w5, w6] = widths(16, 19, 14, 22, 9, 20);
  table(
    w,
    [
      { header: t.step, width: w1 },
      { header: t.subject, width: w2 },
      { header: t.role, width: w3 },
      { header: t.at, width: w4 },
      { header: t.entry, width: w5, align: 'right' },
      { header: t.details, width: w6 },
    ],
    steps.map((s) => stepRow(c, s)),
  );
}

function stepRow(c: ReportContext, { step, seq, e }: Step): CellInput[] {
  const { t, f } = c;
  const role = e.actor?.role ?? '';
  return [
    { text: t.steps[step], font: 'bold' },
    { text: e.actor?.sub ?? '?', font: 'mono' },
    t.roles[role] ?? role,
    e.at === undefined ? '?' : f.dateTime(e.at),
    t.entryNo(seq),
    details(c, step, e.body ?? {}).join('; '),
  ];
}

/** A step's details from its entry's body: the evaluated total (of the calculation), the payment order, the reason. */
function details({ t, f }: ReportContext, step: PaymentState, body: Record<string, unknown>): string[] {
  const order = str(body.paymentOrder);
  const paidOn = str(body.paidOn);
  const reason = str(body.reason);
  const total = str(body.total);
  return [
    ...(step === 'calculated' && total !== undefined ? [t.resultOf(f.money(total))] : []),
    ...(order !== undefined ? [t.paymentOrder(order, paidOn === undefined ? '' : f.date(paidOn))] : []),
    ...(reason !== undefined ? [t.reason(reason)] : []),
  ];
}
