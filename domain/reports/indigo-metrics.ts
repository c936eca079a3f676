import type { ContractSpec, Metric, PaymentRule, Window } from '#contracts';
import { METRIC_UNITS } from '#contracts';
import type { IndigoOutcomeMetric } from './indigo-schema.ts';
import { major, percent, v } from './indigo-values.ts';

/**
 * The INDIGO export's outcome metrics: what each metric of the contract
 * measures, over whom, its target, how outcomes are validated and from
 * which evidence, in words.
 */

function anchorText(w: Window): string {
  return w.anchor === 'enrolment'
    ? `within ${w.days} days of enrolment`
    : `within ${w.days} days of release (the first release on or after enrolment; enrolment for participants not in custody)`;
}

/** What a metric measures, in words. */
function semantics(spec: ContractSpec, m: Metric): string {
  switch (m.kind) {
    case 'enrolled':
      return 'number of participants enrolled';
    case 'employed':
      return `share of participants employed (any employer) on at least one day ${anchorText(m.window)}`;
    case 'sustained-employment':
      return `share of participants employed for at least ${m.minDays} consecutive days (spells with any employer joined across gaps of at most ${m.maxGapDays} days) ${anchorText(m.window)}`;
    case 'permanent-employment':
      return `share of participants holding one permanent employment contract for at least ${m.minDays} days ${anchorText(m.window)}`;
    case 'reconviction':
      return `share of participants reconvicted for an offence committed ${anchorText(m.window)} (lower is better)`;
    case 'reconviction-events':
      return `reconviction events (offences committed ${anchorText(m.window)}) per participant (lower is better)`;
    case 'custody-days':
      return `days in custody ${anchorText(m.window)} per participant (lower is better)`;
    case 'services':
      return `services delivered, counted per service type (${(m.serviceTypes ?? spec.serviceTypes).join(', ')})`;
    case 'wages':
      return `wages earned: each confirmed month of employment ${anchorText(m.window)} at that employment's monthly wage (${spec.currency})`;
    case 'days-employed':
      return `participant-days in employment ${anchorText(m.window)}`;
    case 'events':
      return `records of ${m.eventTypes.join(', ')} dated ${anchorText(m.window)}`;
    case 'participants-by':
      return `participants by ${m.by === 'age-band' ? 'age band at enrolment' : m.by}`;
    case 'value-of':
      return `value of metric ${m.metric}: its count times ${major(m.unitValue, spec.minorUnit)} ${spec.currency}`;
  }
}

/** The evidence record types a metric reads. */
function dataSources(spec: ContractSpec, m: Metric): string[] {
  const enrolment = 'enrolment records';
  const release = 'release records';
  const employment = 'employment-started and employment-ended records';
  const base = 'withdrawal and correction records';
  switch (m.kind) {
    case 'enrolled':
    case 'participants-by':
      return [enrolment, base];
    case 'employed':
    case 'sustained-employment':
    case 'permanent-employment':
    case 'days-employed':
      return [enrolment, ...(m.window.anchor === 'release' ? [release] : []), employment, base];
    case 'wages':
      return [
        enrolment,
        ...(m.window.anchor === 'release' ? [release] : []),
        employment,
        'employment-confirmed records (employer, tax or pension records)',
        base,
      ];
    case 'reconviction':
    case 'reconviction-events':
      return [enrolment, ...(m.window.anchor === 'release' ? [release] : []), 'reconviction records (court)', base];
    case 'custody-days':
      return [enrolment, ...(m.window.anchor === 'release' ? [release] : []), 'custody-spell records', base];
    case 'services':
      return [enrolment, 'service records', base];
    case 'events': {
      const own = m.eventTypes.map((t) => (t === 'reconviction' ? 'reconviction records (court)' : `${t} records`));
      return [enrolment, ...(m.window.anchor === 'release' ? [release] : []), ...own, base];
    }
    case 'value-of': {
      const of = spec.metrics.find((x) => x.id === m.metric);
      return of === undefined || of.kind === 'value-of' ? [enrolment, base] : dataSources(spec, of);
    }
  }
}

function populationText(spec: ContractSpec, m: Metric): string {
  const cohorts = m.population?.cohorts ?? spec.cohorts;
  const categories = m.population?.categories;
  const ruleText = (rule: ContractSpec['withdrawals']) =>
    rule === 'exclude' ? 'are excluded' : 'count as not achieving what they had not achieved';
  const byReason = Object.entries(spec.withdrawalsByReason ?? {})
    .map(([reason, rule]) => `; withdrawn for reason ${reason}, they ${ruleText(rule)}`)
    .join('');
  const withdrawn = `withdrawn participants ${ruleText(spec.withdrawals)}${byReason}`;
  return `participants enrolled in ${cohorts.length === 1 ? 'cohort' : 'cohorts'} ${cohorts.join(', ')}, ${
    categories === undefined ? 'every enrolment category' : `enrolment ${categories.join(', ')}`
  } (${withdrawn})`;
}

function targetText(m: Metric): string | undefined {
  if (m.target === undefined) return undefined;
  const unit = METRIC_UNITS[m.kind];
  const shown = unit === 'rate' ? `${m.target.value} (${percent(m.target.value)})` : m.target.value;
  return `${m.target.direction === 'at-least' ? 'at least' : 'at most'} ${shown}`;
}

/** INDIGO's codelist of validation methods, from the comparisons the contract makes on a metric. */
function validationMethod(spec: ContractSpec, m: Metric): string {
  const kinds = new Set(spec.comparisons.filter((c) => c.metric === m.id).map((c) => c.kind));
  if (kinds.has('control') || kinds.has('published')) return 'Quasi-experimental study';
  if (kinds.has('baseline')) return 'Historical comparison';
  return 'Simple ex-post verification';
}

function comparisonsText(spec: ContractSpec, m: Metric): string {
  const list = spec.comparisons.filter((c) => c.metric === m.id);
  if (list.length === 0) return '';
  const words = list.map((c) =>
    c.kind === 'baseline'
      ? `${c.id}: against the contract's baseline ${c.value} (${c.effect})`
      : c.kind === 'published'
        ? `${c.id}: against a comparison-group figure the evaluator publishes in the log (${c.effect})`
        : `${c.id}: cohorts ${c.treatment.join(', ')} against control cohorts ${c.control.join(', ')}, ${c.test} test at ${c.significance} (${c.effect})`,
  );
  return ` Comparisons: ${words.join('; ')}.`;
}

export function outcomeMetrics(spec: ContractSpec): IndigoOutcomeMetric[] {
  const evaluator = spec.parties.evaluator;
  // The enrolment target, for metrics over the whole contract population.
  const enrolled = spec.metrics.find(
    (m) => m.kind === 'enrolled' && m.population === undefined && m.target?.direction === 'at-least',
  );
  const targeted =
    enrolled?.target !== undefined && /^[0-9]+$/.test(enrolled.target.value)
      ? Number(enrolled.target.value)
      : undefined;
  return spec.metrics.map((m) => {
    const target = targetText(m);
    const rules = spec.payments.filter(
      (p): p is Extract<PaymentRule, { kind: 'all-or-nothing' }> =>
        p.kind === 'all-or-nothing' && p.indicators.includes(m.id),
    );
    // Rules with the same indicators and tolerance are named together.
    const conditions = new Map<string, string[]>();
    for (const p of rules) {
      const condition = `paid only if every indicator (${p.indicators.join(', ')}) reaches ${percent(p.tolerance)} of its target`;
      conditions.set(condition, [...(conditions.get(condition) ?? []), p.id]);
    }
    const other =
      rules.length === 0
        ? undefined
        : [...conditions].map(([condition, ids]) => `${ids.join(', ')}: ${condition}`).join('; ');
    return {
      id: m.id,
      definition: v(`${m.title}: ${semantics(spec, m)}.`),
      target_population: v(populationText(spec, m)),
      ...(targeted !== undefined && m.population === undefined
        ? { targeted_number_of_service_users_or_beneficiaries_total: v(targeted) }
        : {}),
      unit_type_of_targeted_service_users_or_beneficiaries: v('Individual' as const),
      ...(target === undefined ? {} : { outcome_metric_target: v(target) }),
      ...(other === undefined ? {} : { other_target_for_meeting_outcome_metric_target: v(other) }),
      outcome_validation_method: v(validationMethod(spec, m)),
      data_source_for_outcome_validation: v(
        `Evidence records submitted to the contract's ledger: ${dataSources(spec, m).join('; ')}.`,
      ),
      notes:
        `Validated by the independent evaluator ${evaluator.name} (${evaluator.id}): each evaluation is recomputed from the evidence in the contract's verifiable (Merkle tree) log and recorded there as an evaluation.recorded entry.${comparisonsText(spec, m)}` +
        (m.illustrative === true ? ' The figures of this metric are not public and were set for illustration.' : ''),
    };
  });
}
