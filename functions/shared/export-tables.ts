/**
 * The exported tables (the role commands' --format xlsx|csv,
 * cli/export-table.ts; the API's format query, functions/api/table-answer.ts): payments with their states and dates, an
 * evaluation's outcome tables, evidence counts per batch and record type.
 * Cells keep their types (minor units, dates, counts); the terminal tables
 * stay in render.ts and cli/evaluation-view.ts.
 */
import type { EvaluationResult } from '#evaluation';
import type { PaymentStatus } from '#payments';
import type { ExportCell, ExportColumn, ExportTable } from './table-export.ts';

const text = (label: string): ExportColumn => ({ label, kind: 'text' });
const number = (label: string): ExportColumn => ({ label, kind: 'number' });
const datetime = (label: string): ExportColumn => ({ label, kind: 'datetime' });
const money = (label: string, currency: string, minorUnit: number): ExportColumn => ({
  label,
  kind: 'money',
  currency,
  minorUnit,
});

/** When the payment last took `step` (a rejected payment recalculated has no later step of its own). */
const stepOf = (p: PaymentStatus, step: PaymentStatus['steps'][number]['step']) =>
  p.steps.findLast((s) => s.step === step);

/** Payments: one row each, with its state and the date of each step. */
export function paymentsTable(payments: readonly PaymentStatus[]): ExportTable {
  const first = payments[0];
  const currency = first?.currency ?? 'RUB';
  const minorUnit = first?.minorUnit ?? 2;
  return {
    name: 'Payments',
    columns: [
      number('payment'),
      text('period'),
      money('total', currency, minorUnit),
      text('state'),
      text('superseded'),
      datetime('calculated at'),
      text('calculated by'),
      datetime('attested at'),
      datetime('approved at'),
      datetime('rejected at'),
      text('rejection reason'),
      datetime('recorded paid at'),
      { label: 'paid on', kind: 'date' },
      text('payment order'),
      number('contract version'),
      number('checkpoint'),
    ],
    rows: payments.map((p) => {
      const paid = stepOf(p, 'paid');
      const rejected = stepOf(p, 'rejected');
      return [
        p.payment,
        p.period,
        p.total,
        p.state,
        p.latest ? '' : 'yes',
        p.calculatedAt,
        p.calculatedBy.sub,
        stepOf(p, 'attested')?.at,
        stepOf(p, 'approved')?.at,
        rejected?.at,
        rejected?.reason,
        paid?.at,
        paid?.paidOn,
        paid?.paymentOrder,
        p.contract.version,
        p.checkpoint,
      ];
    }),
  };
}

/** A batch as the batch list answers it (GET /contracts/{contract}/batches). */
export interface ListedBatch {
  batchId: string;
  seq: number;
  recordCount: number;
  types: Record<string, number>;
  appendedAt: string;
}

/** The record types of the batches, sorted: one column each. */
export const recordTypes = (batches: readonly ListedBatch[]) =>
  [...new Set(batches.flatMap((b) => Object.keys(b.types)))].sort();

/** Evidence batches: one row each, the records per record type in a column each. */
export function batchesTable(batches: readonly ListedBatch[]): ExportTable {
  const types = recordTypes(batches);
  return {
    name: 'Batches',
    columns: [text('batch'), number('entry'), datetime('appended at'), number('records'), ...types.map(number)],
    rows: batches.map((b) => [b.batchId, b.seq, b.appendedAt, b.recordCount, ...types.map((t) => b.types[t] ?? 0)]),
  };
}

/** An evaluation's sheet names, in order (CSV writes one: --sheet). */
export const EVALUATION_SHEETS = [
  'Outcomes',
  'Groups',
  'Comparisons',
  'Triggers',
  'Indicators',
  'Payment lines',
  'Caps',
  'Allocation',
] as const;

/** A metric's figure typed by its unit: rates as percentages, money in currency units, the rest as numbers. */
function figure(unit: string, value: string | undefined, result: EvaluationResult): ExportCell {
  if (value === undefined) return undefined;
  if (unit === 'rate') return { value, kind: 'percent' };
  if (unit === 'money') {
    return { value, kind: 'money', currency: result.payments.currency, minorUnit: result.payments.minorUnit };
  }
  return value;
}

/** An evaluation's tables, a sheet each (an empty one keeps its header, so the sheets are always the same). */
export function evaluationTables(result: EvaluationResult): ExportTable[] {
  const pay = result.payments;
  const amount = (label: string) => money(label, pay.currency, pay.minorUnit);
  return [
    {
      name: 'Outcomes',
      columns: [
        text('metric'),
        text('title'),
        text('unit'),
        number('value'),
        number('numerator'),
        number('denominator'),
        text('target direction'),
        number('target'),
        number('interval low'),
        number('interval high'),
        text('met'),
        number('pending'),
        text('illustrative'),
      ],
      rows: result.metrics.map((m) => [
        m.id,
        m.title,
        m.unit,
        figure(m.unit, m.value, result),
        m.numerator,
        m.denominator,
        m.target?.direction,
        figure(m.unit, m.target?.value, result),
        figure(m.unit, m.interval?.low, result),
        figure(m.unit, m.interval?.high, result),
        m.met === undefined ? '' : m.met ? 'yes' : 'no',
        m.pending,
        m.illustrative === true ? 'yes' : '',
      ]),
    },
    {
      name: 'Groups',
      columns: [
        text('metric'),
        text('group'),
        number('value'),
        number('numerator'),
        number('denominator'),
        number('planned'),
        number('interval low'),
        number('interval high'),
      ],
      rows: result.metrics.flatMap((m) =>
        (m.groups ?? []).map((g) => [
          m.id,
          g.group,
          figure(m.unit, g.value, result),
          g.numerator,
          g.denominator,
          g.planned,
          figure(m.unit, g.interval?.low, result),
          figure(m.unit, g.interval?.high, result),
        ]),
      ),
    },
    {
      name: 'Comparisons',
      columns: [
        text('comparison'),
        text('group'),
        number('treatment'),
        number('treatment n'),
        number('against'),
        text('against source'),
        text('effect'),
        number('effect size'),
        number('z'),
        number('p'),
        text('significant'),
        text('note'),
      ],
      rows: result.comparisons.map((c) => [
        c.id,
        c.group,
        c.treatment.value,
        c.treatment.denominator,
        c.comparison?.value,
        c.comparison === undefined ? '(not published)' : String(c.comparison.source),
        c.effect,
        c.effectSize,
        c.test?.statistic,
        c.test?.pValue,
        c.test === undefined ? '' : c.test.significant ? 'yes' : 'no',
        c.note,
      ]),
    },
    {
      name: 'Triggers',
      columns: [text('trigger'), text('group'), text('met'), text('because')],
      rows: result.triggers.map((t) => [t.id, t.group, t.met ? 'yes' : 'no', t.because]),
    },
    {
      name: 'Indicators',
      columns: [
        text('rule'),
        text('indicator'),
        number('value'),
        text('direction'),
        number('target'),
        number('threshold'),
        text('met'),
      ],
      rows: result.indicators.map((i) => [
        i.rule,
        i.metric,
        i.value,
        i.direction,
        i.target,
        i.threshold,
        i.met ? 'yes' : 'no',
      ]),
    },
    {
      name: 'Payment lines',
      columns: [text('rule'), text('type'), number('outcomes'), amount('amount'), text('formula')],
      rows: [
        ...pay.lines.map((l) => [l.rule, l.type, l.outcomes, l.amount, l.formula]),
        ['this period', 'total', undefined, pay.total, ''],
        ['paid before', 'total', undefined, pay.paidBefore, ''],
        ['cumulative', 'total', undefined, pay.cumulative, ''],
      ],
    },
    {
      name: 'Caps',
      columns: [text('cap'), amount('limit'), amount('used after'), text('binding')],
      rows: pay.caps.map((c) => [c.cap, c.limit, c.after, c.binding ? 'yes' : 'no']),
    },
    {
      name: 'Allocation',
      columns: [text('investor'), text('share'), amount('amount')],
      rows: pay.allocation.map((a) => [a.investor, a.share, a.amount]),
    },
  ];
}
