import type { ContractSpec, Metric, PaymentRule, Window } from '#contracts';
import { METRIC_UNITS, registeredVersions } from '#contracts';
import { allocateByShare, type EvaluationResult, formatMoney } from '#evaluation';
import { Decimal, IntegrityError, NotFoundError, ValidationError } from '#kernel';
import type { Entry } from '#ledger';
import {
  PAYMENT_APPROVED_KIND,
  PAYMENT_ATTESTED_KIND,
  PAYMENT_PAID_KIND,
  PAYMENT_REJECTED_KIND,
  type PaymentState,
  recordedEvaluations,
} from '#ledger';
import { MIN_CELL } from './types.ts';

/**
 * The contract in the field names of the INDIGO impact bond data standard
 * (Government Outcomes Lab, Oxford), so that it can be published to the GO Lab
 * impact bond database: outcome metrics, outcome pricings, the outcome
 * payment plan, outcome payments (Planned from the terms, Actual once paid)
 * and results per evaluated period. Pure: it maps a spec and recorded
 * evaluations; it reads aggregates only (never the evaluator's per-participant
 * lines, so no pseudonym can reach the output) and suppresses figures over
 * fewer than MIN_CELL people.
 *
 * Every field is an INDIGO "object with value" (`{ "value": … }`) as the
 * schema defines it: strings, numbers (money in major units as a JSON
 * number, as the schema types it) and dates written YYYY-MM-DD. Mapping
 * decisions are documented in docs/contracts.md ("INDIGO export").
 */

/** The version of the standard whose field names are used. */
export const INDIGO_STANDARD = {
  name: 'INDIGO impact bond data standard (project schema)',
  version: '2.3.0',
  repository: 'INDIGO-Initiative/indigo-data-standard',
  /** schema/project.json at this commit (2.3.0 and the unreleased changes after it). */
  schemaCommit: '3bcd5bc06b849d8cb43ca6f5914ccc4b8d6e07b9',
  /** docs/data-dictionary/project.rst at this commit (Outcome Payment Plans). */
  docsCommit: 'a428338fea053459173d4b504be8177270f6759c',
} as const;

/** One recorded evaluation with the state of its payment. */
export interface IndigoEvaluation {
  /** Seq of the evaluation.recorded entry. */
  readonly seq: number;
  readonly period: string;
  readonly result: EvaluationResult;
  readonly state: PaymentState;
  /** payment.paid: the day the money was paid. */
  readonly paidOn?: string;
  /** payment.paid: the commissioner's payment order number. */
  readonly paymentOrder?: string;
}

export interface IndigoInput {
  /** The contract version the metrics, pricings and plan are taken from (the latest registered). */
  readonly spec: ContractSpec;
  readonly specHash: string;
  /** Evaluations in log order. */
  readonly evaluations: readonly IndigoEvaluation[];
  /** The log checkpoint the export reads, for the provenance note. */
  readonly checkpoint?: { readonly size: number; readonly root: string };
}

// ---- INDIGO shapes (schema/project.json)

export interface V<T> {
  readonly value: T;
}
export interface IndigoPeriod {
  readonly start_date: V<string>;
  readonly end_date: V<string>;
}
export interface IndigoMoney {
  readonly currency: V<string>;
  readonly amount: V<number>;
}

export interface IndigoOutcomeMetric {
  readonly id: string;
  readonly definition: V<string>;
  readonly target_population: V<string>;
  readonly targeted_number_of_service_users_or_beneficiaries_total?: V<number>;
  readonly unit_type_of_targeted_service_users_or_beneficiaries: V<'Individual'>;
  readonly outcome_metric_target?: V<string>;
  readonly other_target_for_meeting_outcome_metric_target?: V<string>;
  readonly outcome_validation_method: V<string>;
  readonly data_source_for_outcome_validation: V<string>;
  readonly notes: string;
}

export interface IndigoOutcomePricing {
  readonly outcome_metric_id: V<string>;
  readonly currency: V<string>;
  readonly price_per_unit?: { readonly amount: V<number> };
  readonly maximum_price_if_all_targets_achieved?: { readonly amount: V<string> };
  readonly price_description: V<string>;
  readonly notes: string;
}

export interface IndigoOutcomePaymentPlan {
  readonly id: string;
  readonly period: IndigoPeriod;
  readonly notes: string;
}

export interface IndigoOutcomePayment {
  readonly outcome_payment_plan_id?: V<string>;
  readonly outcome_metric_id: V<string>;
  readonly period: IndigoPeriod;
  readonly payer_organisation_id: V<string>;
  readonly recipient_organisation_id: V<string>;
  readonly type: V<'Planned' | 'Actual'>;
  readonly money: IndigoMoney;
  readonly notes: string;
}

export interface IndigoResult {
  readonly outcome_metric_id?: V<string>;
  readonly result_level: V<'Outcome level' | 'Project level'>;
  readonly result_type: V<'Interim' | 'Final'>;
  readonly period: IndigoPeriod;
  readonly outcomes_achieved?: V<string>;
  readonly number_engaged_in_impact_bond?: V<number>;
  readonly outcomes_validator_organisation_ids: V<string>;
  readonly notes: string;
}

export interface IndigoProject {
  readonly name: V<string>;
  readonly notes: V<string>;
  readonly overall_project_finance: {
    readonly maximum_potential_outcome_payment_v2?: IndigoMoney;
    readonly total_outcome_payments_made: IndigoMoney;
  };
  readonly outcome_metrics: readonly IndigoOutcomeMetric[];
  readonly outcome_pricings: readonly IndigoOutcomePricing[];
  readonly outcome_payment_plans: readonly IndigoOutcomePaymentPlan[];
  readonly outcome_payments: readonly IndigoOutcomePayment[];
  readonly results: readonly IndigoResult[];
}

// ---- Money and small helpers

const v = <T>(value: T): V<T> => ({ value });
const periodOf = (from: string, to: string): IndigoPeriod => ({ start_date: v(from), end_date: v(to) });

/** Minor units as major units without separators: `3000000000`, 2 -> `30000000.00`. */
function major(minor: bigint | string, minorUnit: number): string {
  return formatMoney(minor, minorUnit).replaceAll(',', '');
}

/**
 * Minor units as a JSON number of major units (the schema types amounts as
 * numbers). Exact: a decimal of at most 15 significant digits survives the
 * round trip through a double; anything longer is refused.
 */
function majorNumber(minor: bigint, minorUnit: number): number {
  const digits = (minor < 0n ? -minor : minor).toString();
  if (digits.length > 15) {
    throw new ValidationError(`amount ${minor} (minor units) is too large to write exactly as a JSON number`);
  }
  return Number(major(minor, minorUnit));
}

function money(spec: ContractSpec, minor: bigint): IndigoMoney {
  return { currency: v(spec.currency), amount: v(majorNumber(minor, spec.minorUnit)) };
}

const minOf = (values: readonly (bigint | undefined)[]): bigint | undefined =>
  values.reduce<bigint | undefined>((m, x) => (x === undefined ? m : m === undefined || x < m ? x : m), undefined);

const percent = (ratio: string) => `${new Decimal(ratio).times(100).toString()}%`;

// ---- Outcome metrics

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
  const withdrawn =
    spec.withdrawals === 'exclude'
      ? 'withdrawn participants are excluded'
      : 'withdrawn participants count as not achieving what they had not achieved';
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

function outcomeMetrics(spec: ContractSpec): IndigoOutcomeMetric[] {
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

// ---- Outcome pricings

/** The metric(s) a payment rule pays on; several are comma-separated (as INDIGO writes lists of references). */
function metricIdsOf(spec: ContractSpec, rule: PaymentRule): string {
  const ofComparison = (id: string) => spec.comparisons.find((c) => c.id === id)?.metric ?? id;
  switch (rule.kind) {
    case 'per-outcome':
      return rule.metric;
    case 'tiered':
      return ofComparison(rule.comparison);
    case 'per-effect': {
      const trigger = spec.triggers.find((t) => t.id === rule.trigger);
      if (trigger === undefined) return rule.trigger;
      return 'comparison' in trigger ? ofComparison(trigger.comparison) : trigger.metric;
    }
    case 'all-or-nothing':
      return rule.indicators.join(',');
  }
}

/** How many groups a tiered rule pays: each cohort, or the whole population. */
const tieredGroups = (spec: ContractSpec, rule: Extract<PaymentRule, { kind: 'tiered' }>) =>
  rule.group === 'each-cohort' ? BigInt(spec.cohorts.length) : 1n;

/** The most a rule can pay over the term under the terms alone, or undefined if the terms fix a price only. */
function maximumOf(spec: ContractSpec, rule: PaymentRule): bigint | undefined {
  const cap = spec.caps.perOutcome?.[rule.id];
  let max: bigint | undefined;
  if (rule.kind === 'all-or-nothing') max = BigInt(rule.amount) * BigInt(rule.periods.length);
  else if (rule.kind === 'tiered') {
    const top = rule.tiers.reduce((m, t) => (BigInt(t.amount) > m ? BigInt(t.amount) : m), 0n);
    max = top * tieredGroups(spec, rule);
  }
  return minOf([max, cap === undefined ? undefined : BigInt(cap)]);
}

function priceDescription(spec: ContractSpec, rule: PaymentRule): string {
  const m = (minor: string | bigint) => `${major(minor, spec.minorUnit)} ${spec.currency}`;
  const head = `${rule.id}${rule.title === undefined ? '' : ` (${rule.title})`}: `;
  switch (rule.kind) {
    case 'per-outcome': {
      const metric = spec.metrics.find((x) => x.id === rule.metric);
      const each = metric !== undefined && METRIC_UNITS[metric.kind] === 'rate' ? 'achieved outcome' : 'unit';
      return `${head}${m(rule.price)} per ${each} of ${rule.metric}${rule.trigger === undefined ? '' : `, once trigger ${rule.trigger} is met`}; no outcome is paid twice`;
    }
    case 'tiered':
      return `${head}an amount by the effect on comparison ${rule.comparison}${
        rule.group === 'each-cohort' ? ' for each cohort' : ''
      } (the highest tier reached: ${rule.tiers.map((t) => `effect at least ${t.effectAtLeast}: ${m(t.amount)}`).join('; ')})${
        rule.significant === true ? ', only when significant' : ''
      }${rule.periods === undefined ? '' : `, in ${rule.periods.join(', ')}`}`;
    case 'per-effect':
      return `${head}${m(rule.pricePerUnit)} per unit of effect (e.g. each event prevented against the comparison) once trigger ${rule.trigger} is met${
        rule.deduct === undefined ? '' : `, less what was paid under ${rule.deduct.join(', ')}`
      }`;
    case 'all-or-nothing':
      return `${head}${m(rule.amount)} ${rule.periods.length === 1 ? 'in' : 'in each of'} ${rule.periods.join(', ')}, only if every indicator (${rule.indicators.join(', ')}) reaches ${percent(rule.tolerance)} of its target; nothing for partial achievement`;
  }
}

function outcomePricings(spec: ContractSpec): IndigoOutcomePricing[] {
  return spec.payments.map((rule) => {
    const unit = rule.kind === 'per-outcome' ? rule.price : rule.kind === 'per-effect' ? rule.pricePerUnit : undefined;
    const max = maximumOf(spec, rule);
    return {
      outcome_metric_id: v(metricIdsOf(spec, rule)),
      currency: v(spec.currency),
      ...(unit === undefined ? {} : { price_per_unit: { amount: v(majorNumber(BigInt(unit), spec.minorUnit)) } }),
      ...(max === undefined
        ? {}
        : { maximum_price_if_all_targets_achieved: { amount: v(major(max, spec.minorUnit)) } }),
      price_description: v(priceDescription(spec, rule)),
      notes: `payment rule ${rule.id} (${rule.kind})`,
    };
  });
}

// ---- Payment plan and payments

const planId = (spec: ContractSpec) => `contract-v${spec.version}`;

/** The most a rule pays in a period under the terms alone, or undefined if the terms fix a price only. */
function plannedIn(spec: ContractSpec, rule: PaymentRule, periodId: string): bigint | undefined {
  let amount: bigint | undefined;
  if (rule.kind === 'all-or-nothing') {
    if (rule.periods.includes(periodId)) amount = BigInt(rule.amount);
  } else if (rule.kind === 'tiered') {
    // Tiers are entitlements to date: the top tier is the most paid by the rule's last payment period.
    const allowed = rule.periods ?? spec.periods.map((p) => p.id);
    if (allowed.at(-1) === periodId) amount = maximumOf(spec, rule);
  }
  if (amount === undefined) return undefined;
  const cap = spec.caps.perOutcome?.[rule.id];
  return minOf([
    amount,
    cap === undefined ? undefined : BigInt(cap),
    spec.caps.perPeriod ? BigInt(spec.caps.perPeriod) : undefined,
  ]);
}

/** One row per investor (its share of the amount, exactly), or one row when there is a single investor. */
function perInvestor(
  spec: ContractSpec,
  amount: bigint,
  row: (recipient: string, part: bigint, share: string) => IndigoOutcomePayment,
): IndigoOutcomePayment[] {
  return allocateByShare(amount, spec.parties.investors).map((a) => row(a.investor, BigInt(a.amount), a.share));
}

function plannedPayments(spec: ContractSpec): IndigoOutcomePayment[] {
  const out: IndigoOutcomePayment[] = [];
  for (const period of spec.periods) {
    for (const rule of spec.payments) {
      const amount = plannedIn(spec, rule, period.id);
      if (amount === undefined || amount === 0n) continue;
      out.push(
        ...perInvestor(spec, amount, (recipient, part, share) => ({
          outcome_payment_plan_id: v(planId(spec)),
          outcome_metric_id: v(metricIdsOf(spec, rule)),
          period: periodOf(period.from, period.to),
          payer_organisation_id: v(spec.parties.commissioner.id),
          recipient_organisation_id: v(recipient),
          type: v('Planned' as const),
          money: money(spec, part),
          notes: `payment rule ${rule.id}: the most the terms pay for period ${period.id} (all targets achieved), due ${period.paymentDate}${
            spec.parties.investors.length > 1 ? `; investor share ${share}` : ''
          }`,
        })),
      );
    }
  }
  return out;
}

function actualPayments(spec: ContractSpec, paid: readonly IndigoEvaluation[]): IndigoOutcomePayment[] {
  const out: IndigoOutcomePayment[] = [];
  for (const e of paid) {
    const { result } = e;
    const byRule = new Map<string, bigint>();
    for (const line of result.payments.lines)
      byRule.set(line.rule, (byRule.get(line.rule) ?? 0n) + BigInt(line.amount));
    for (const [ruleId, amount] of byRule) {
      if (amount === 0n) continue;
      const rule = spec.payments.find((p) => p.id === ruleId);
      const metricId = rule === undefined ? ruleId : metricIdsOf(spec, rule);
      const when = [
        e.paidOn === undefined ? undefined : `paid on ${e.paidOn}`,
        e.paymentOrder === undefined ? undefined : `payment order ${e.paymentOrder}`,
      ].filter((x) => x !== undefined);
      out.push(
        ...perInvestor(spec, amount, (recipient, part, share) => ({
          outcome_metric_id: v(metricId),
          period: periodOf(result.period.from, result.period.to),
          payer_organisation_id: v(spec.parties.commissioner.id),
          recipient_organisation_id: v(recipient),
          type: v('Actual' as const),
          money: money(spec, part),
          notes: `payment rule ${ruleId} for period ${result.period.id}: evaluation entry ${e.seq}, ${
            when.length > 0 ? when.join(', ') : 'paid'
          }${spec.parties.investors.length > 1 ? `; investor share ${share}` : ''}${amount < 0n ? '; a net adjustment (taken back)' : ''}`,
        })),
      );
    }
  }
  return out;
}

// ---- Results

/** A figure of people is shown only from MIN_CELL people up. */
const small = (n: number | undefined) => n !== undefined && n > 0 && n < MIN_CELL;
const SUPPRESSED = `suppressed: fewer than ${MIN_CELL} people`;

function achievedText(spec: ContractSpec, m: EvaluationResult['metrics'][number], enrolled: number): string {
  // Fewer than MIN_CELL people in the whole contract: only their number is shown.
  if (m.kind !== 'enrolled' && small(enrolled)) return SUPPRESSED;
  const target =
    m.target === undefined
      ? ''
      : `; target ${m.target.direction === 'at-least' ? 'at least' : 'at most'} ${m.target.value}: ${m.met === true ? 'met' : 'not met'}`;
  const pending = m.pending === undefined ? '' : `; ${m.pending} participant(s) whose window is still open`;
  switch (m.unit) {
    case 'rate':
    case 'mean': {
      if (small(m.denominator)) return SUPPRESSED;
      if (!m.denominator) return `no participant counted yet${pending}`;
      const ci =
        m.interval === undefined
          ? ''
          : `, ${percent(m.interval.level)} interval ${m.interval.low} to ${m.interval.high}`;
      const of =
        m.unit === 'rate'
          ? `${m.numerator} of ${m.denominator} participants`
          : `${m.numerator} over ${m.denominator} participants`;
      return `${m.value} (${of}${ci})${target}${pending}`;
    }
    case 'money':
      return `${major(m.value, spec.minorUnit)} ${spec.currency}${target}${pending}`;
    case 'count':
      return `${m.value}${target}${pending}`;
    case 'groups': {
      const people = m.kind === 'participants-by';
      const groups = (m.groups ?? []).map(
        (g) =>
          `${g.group}: ${people && small(Number(g.value)) ? `fewer than ${MIN_CELL}` : g.value}${g.planned === undefined ? '' : ` of ${g.planned} planned`}`,
      );
      return `${m.value} in total${groups.length > 0 ? ` (${groups.join('; ')})` : ''}`;
    }
  }
}

function resultsOf(spec: ContractSpec, evaluations: readonly IndigoEvaluation[]): IndigoResult[] {
  const validator = v(spec.parties.evaluator.id);
  // The latest evaluation of each period that the commissioner did not reject.
  const latest = new Map<string, IndigoEvaluation>();
  for (const e of evaluations) if (e.state !== 'rejected') latest.set(e.period, e);
  const order = spec.periods.map((p) => p.id);
  const chosen = [...latest.values()].sort((a, b) => order.indexOf(a.period) - order.indexOf(b.period));
  const out: IndigoResult[] = [];
  for (const e of chosen) {
    const { result } = e;
    const type = v(result.period.final === true ? ('Final' as const) : ('Interim' as const));
    // Figures are to date: from the start of the contract to the end of the period.
    const period = periodOf(spec.term.from, result.period.to);
    const about = `period ${result.period.id}, figures to date; evaluation entry ${e.seq} (contract version ${result.contract.version}, log checkpoint ${result.checkpoint.size}); payment ${e.state}`;
    out.push({
      result_level: v('Project level' as const),
      result_type: type,
      period,
      number_engaged_in_impact_bond: v(result.participants.enrolled),
      outcomes_validator_organisation_ids: validator,
      notes: `${about}; ${result.participants.withdrawn} withdrawn`,
    });
    for (const m of result.metrics) {
      out.push({
        outcome_metric_id: v(m.id),
        result_level: v('Outcome level' as const),
        result_type: type,
        period,
        outcomes_achieved: v(achievedText(spec, m, result.participants.enrolled)),
        outcomes_validator_organisation_ids: validator,
        notes: `${about}${m.illustrative === true ? '; targets set for illustration' : ''}`,
      });
    }
  }
  return out;
}

// ---- The export

/** The contract and its recorded evaluations in INDIGO field names. */
export function indigoExport(input: IndigoInput): IndigoProject {
  const { spec, specHash, evaluations } = input;
  for (const e of evaluations) {
    if (e.result.contract.id !== spec.id) {
      throw new ValidationError(`evaluation entry ${e.seq} is of contract ${e.result.contract.id}, not ${spec.id}`);
    }
  }
  const paid = evaluations.filter((e) => e.state === 'paid');
  const totalPaid = paid.reduce((sum, e) => sum + BigInt(e.result.payments.total), 0n);
  const at =
    input.checkpoint === undefined ? '' : ` at log size ${input.checkpoint.size} (root ${input.checkpoint.root})`;
  return {
    name: v(spec.title),
    notes: v(
      `Exported by sib-ledger from the ledger of contract ${spec.id}${at}: contract version ${spec.version} (spec hash ${specHash}), ${evaluations.length} recorded evaluation(s). Field names of the ${INDIGO_STANDARD.name} ${INDIGO_STANDARD.version} (${INDIGO_STANDARD.repository}, schema/project.json at ${INDIGO_STANDARD.schemaCommit}). Organisation ids are the contract's party ids (${[
        spec.parties.commissioner,
        ...spec.parties.investors,
        spec.parties.operator,
        spec.parties.evaluator,
      ]
        .map((p) => `${p.id}: ${p.name}`)
        .join('; ')}).`,
    ),
    overall_project_finance: {
      ...(spec.caps.overall === undefined
        ? {}
        : { maximum_potential_outcome_payment_v2: money(spec, BigInt(spec.caps.overall)) }),
      total_outcome_payments_made: money(spec, totalPaid),
    },
    outcome_metrics: outcomeMetrics(spec),
    outcome_pricings: outcomePricings(spec),
    outcome_payment_plans: [
      {
        id: planId(spec),
        period: periodOf(spec.term.from, spec.term.to),
        notes: `the payments of contract version ${spec.version} (effective from ${spec.effectiveFrom}) if every target is achieved; actual payments are listed without a plan id`,
      },
    ],
    outcome_payments: [...plannedPayments(spec), ...actualPayments(spec, paid)],
    results: resultsOf(spec, evaluations),
  };
}

// ---- From the log

const STEP_STATES: Readonly<Record<string, PaymentState>> = {
  [PAYMENT_ATTESTED_KIND]: 'attested',
  [PAYMENT_APPROVED_KIND]: 'approved',
  [PAYMENT_REJECTED_KIND]: 'rejected',
  [PAYMENT_PAID_KIND]: 'paid',
};

/**
 * The state of the payment of evaluation entry `seq`: its latest step entry
 * (payment.attested/approved/rejected/paid naming it), or calculated. Kept
 * minimal and private: the workflow checks the order of steps when they are
 * written; this only reads them.
 */
function paymentStateOf(
  entries: readonly Entry[],
  seq: number,
): { state: PaymentState; paidOn?: string; paymentOrder?: string } {
  let found: { state: PaymentState; paidOn?: string; paymentOrder?: string } = { state: 'calculated' };
  for (const e of entries) {
    const state = STEP_STATES[e.kind];
    if (state === undefined || e.seq <= seq || e.body.payment !== seq) continue;
    const { paidOn, paymentOrder } = e.body;
    found = {
      state,
      ...(state === 'paid' && typeof paidOn === 'string' ? { paidOn } : {}),
      ...(state === 'paid' && typeof paymentOrder === 'string' ? { paymentOrder } : {}),
    };
  }
  return found;
}

/**
 * The export of a contract's log: the latest registered version, every
 * recorded evaluation (its result from `results`, by SHA-256) and the state
 * of its payment.
 */
export function indigoExportFromLog(
  entries: readonly Entry[],
  results: ReadonlyMap<string, EvaluationResult>,
  checkpoint?: { readonly size: number; readonly root: string },
): IndigoProject {
  const latest = registeredVersions(entries).at(-1);
  if (latest === undefined) {
    throw new NotFoundError('the contract is not registered in the log (register it first: sib ministry register)');
  }
  const evaluations = recordedEvaluations(entries).map((r): IndigoEvaluation => {
    const result = results.get(r.result.sha256);
    if (result === undefined) throw new NotFoundError(`the result of evaluation entry ${r.seq} is missing`);
    if (result.period.id !== r.period) {
      throw new IntegrityError(`the result of evaluation entry ${r.seq} is of another period`, r.seq);
    }
    return { seq: r.seq, period: r.period, result, ...paymentStateOf(entries, r.seq) };
  });
  return indigoExport({
    spec: latest.spec,
    specHash: latest.hash,
    evaluations,
    ...(checkpoint === undefined ? {} : { checkpoint }),
  });
}
