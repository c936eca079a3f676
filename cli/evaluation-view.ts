/** Human tables of an evaluation result, for `sib evaluator evaluate|evaluation` and the demo. */
import type { Interval, MetricValue } from '#evaluation';
import { type EvaluationResult, formatMoney } from '#evaluation';
import { Decimal } from '#kernel';
import { table } from './table.ts';

type Metric = EvaluationResult['metrics'][number];

const percent = (v: string, places = 1) => `${new Decimal(v).times(100).toFixed(places)}%`;

/** A metric's value as people read it: rates as percentages, money with its currency. */
export function showValue(m: Pick<MetricValue, 'unit' | 'value'>, result: EvaluationResult): string {
  switch (m.unit) {
    case 'rate':
      return percent(m.value);
    case 'mean':
      return new Decimal(m.value).toFixed(3);
    case 'money':
      return `${formatMoney(m.value, result.payments.minorUnit)} ${result.payments.currency}`;
    default:
      return Number(m.value).toLocaleString('en');
  }
}

function showTarget(m: Metric): string {
  if (m.target === undefined) return '';
  const v = m.unit === 'rate' ? percent(m.target.value) : m.target.value;
  return `${m.target.direction === 'at-least' ? '≥' : '≤'} ${v}`;
}

function showInterval(i: Interval | undefined, unit: string): string {
  if (i === undefined) return '';
  const f = (v: string) => (unit === 'rate' ? percent(v) : new Decimal(v).toFixed(3));
  return `${f(i.low)}–${f(i.high)}`;
}

function money(result: EvaluationResult, v: string): string {
  return `${formatMoney(v, result.payments.minorUnit)} ${result.payments.currency}`;
}

export function renderEvaluation(
  result: EvaluationResult,
  where?: { key: string; sha256: string; seq?: number },
  options: { groups?: boolean } = {},
): string {
  const grouped =
    options.groups === false
      ? []
      : result.metrics.filter((m) => m.groups !== undefined && (m.unit === 'groups' || m.groups.length > 0));
  const out: string[] = [
    ...header(result),
    '',
    'Outcomes',
    outcomesTable(result),
    ...grouped.flatMap((m) => groupsTable(m, result)),
  ];
  if (result.metrics.some((m) => m.illustrative === true)) out.push('  * target or figures illustrative (not public)');
  if (result.comparisons.length > 0) out.push('', 'Comparisons', comparisonsTable(result));
  if (result.triggers.length > 0) out.push('', 'Triggers', triggersTable(result));
  if (result.indicators.length > 0) out.push('', 'Indicators (all-or-nothing)', indicatorsTable(result));
  out.push(...paymentLines(result));
  if (where !== undefined) {
    out.push(
      '',
      `Result ${where.sha256}`,
      `  stored at ${where.key}${where.seq === undefined ? '' : `; evaluation entry seq ${where.seq}`}`,
    );
  }
  return out.join('\n');
}

/** The period, checkpoint, contract version and inputs evaluated. */
function header(result: EvaluationResult): string[] {
  const p = result.period;
  return [
    `${result.contract.id}: period ${p.id} (${p.from}..${p.to}, payment ${p.paymentDate}${p.final === true ? ', final' : ''})`,
    `  checkpoint ${result.checkpoint.size} (root ${result.checkpoint.root})`,
    `  contract version ${result.contract.version} (spec hash ${result.contract.hash}, entry ${result.contract.seq})`,
    `  ${result.inputs.records.toLocaleString('en')} records in ${result.inputs.batches} batch${result.inputs.batches === 1 ? '' : 'es'}; ${result.participants.enrolled} participants enrolled, ${result.participants.withdrawn} withdrawn`,
  ];
}

/** Every metric: its value, target, interval, whether it is met. */
function outcomesTable(result: EvaluationResult): string {
  return table(
    [
      'metric',
      'value',
      'n',
      'target',
      `interval (${percent(result.metrics.find((m) => m.interval)?.interval?.level ?? '0.95', 0)})`,
      'met?',
      'pending',
    ],
    result.metrics.map((m) => [
      m.id + (m.illustrative === true ? ' *' : ''),
      showValue(m, result),
      m.denominator === undefined ? '' : `${m.numerator}/${m.denominator}`,
      showTarget(m),
      showInterval(m.interval, m.unit),
      m.met === undefined ? '' : m.met ? 'yes' : 'NO',
      m.pending ?? '',
    ]),
  );
}

/** A metric by group (delivered against planned) or by cohort (value, n, interval), under its title. */
function groupsTable(m: Metric, result: EvaluationResult): string[] {
  const hasPlanned = m.groups?.some((g) => g.planned !== undefined) === true;
  return [
    '',
    `${m.id} by ${m.unit === 'groups' ? 'group' : 'cohort'}`,
    table(
      m.unit === 'groups'
        ? ['group', hasPlanned ? 'delivered' : 'count', ...(hasPlanned ? ['planned'] : [])]
        : ['cohort', 'value', 'n', 'interval'],
      (m.groups ?? []).map((g) =>
        m.unit === 'groups'
          ? [g.group, g.value, ...(hasPlanned ? [g.planned ?? ''] : [])]
          : [
              g.group,
              showValue({ unit: m.unit, value: g.value }, result),
              `${g.numerator}/${g.denominator}`,
              showInterval(g.interval, m.unit),
            ],
      ),
    ),
  ];
}

function comparisonsTable(result: EvaluationResult): string {
  return table(
    ['comparison', 'group', 'treatment', 'against', 'effect', 'test'],
    result.comparisons.map((c) => [
      c.id,
      c.group,
      `${c.treatment.value} (n ${c.treatment.denominator ?? '?'})`,
      c.comparison === undefined ? '(not published)' : `${c.comparison.value} (${c.comparison.source})`,
      c.effectSize === undefined ? (c.note ?? '') : `${c.effect} ${percent(c.effectSize, 2)}`,
      c.test === undefined
        ? ''
        : `z ${c.test.statistic}, p ${c.test.pValue}${c.test.significant ? ' significant' : ''}`,
    ]),
  );
}

function triggersTable(result: EvaluationResult): string {
  return table(
    ['trigger', 'group', 'met?', 'because'],
    result.triggers.map((t) => [t.id, t.group, t.met ? 'yes' : 'no', t.because]),
  );
}

function indicatorsTable(result: EvaluationResult): string {
  return table(
    ['rule', 'indicator', 'value', 'target', 'threshold', 'met?'],
    result.indicators.map((i) => [
      i.rule,
      i.metric,
      i.value,
      `${i.direction === 'at-least' ? '≥' : '≤'} ${i.target}`,
      i.threshold,
      i.met ? 'yes' : 'NO',
    ]),
  );
}

/** The payment lines, the totals, each cap, and the allocation to investors. */
function paymentLines(result: EvaluationResult): string[] {
  const pay = result.payments;
  const out = [
    '',
    'Payment lines',
    pay.lines.length === 0
      ? '  (no payment rules for this period)'
      : table(
          ['rule', 'type', 'outcomes', 'amount', 'formula'],
          pay.lines.map((l) => [l.rule, l.type, l.outcomes, money(result, l.amount), l.formula]),
        ),
    '',
    `  this period ${money(result, pay.total)}; paid before ${money(result, pay.paidBefore)}; cumulative ${money(result, pay.cumulative)}`,
  ];
  for (const cap of pay.caps) {
    out.push(
      `  cap ${cap.cap}: ${money(result, cap.after)} of ${money(result, cap.limit)} used${cap.binding ? ' (binding: it cut a payment)' : ''}`,
    );
  }
  if (pay.allocation.length > 1 || pay.total !== '0') {
    out.push(
      `  to investors: ${pay.allocation.map((a) => `${a.investor} ${money(result, a.amount)} (share ${a.share})`).join('; ')}`,
    );
  }
  return out;
}
