import type { ContractSpec, Metric } from '#contracts';
import { CATEGORIES, METRIC_UNITS } from '#contracts';
import type { Timeline } from '#evidence';
import { STATUSES } from '#evidence';
import { isoDay } from '#kernel';
import {
  aggregateOutcomes,
  type GroupValue,
  inPopulation,
  type MetricContext,
  type MetricValue,
  type ParticipantOutcome,
  participantOutcomes,
  valueOfUnits,
} from './metrics.ts';

/**
 * The value of every metric of a spec (evaluateMetrics): the metrics that
 * count directly (services, participants by group), the value-of metrics, and
 * those aggregated from participant outcomes (domain/evaluation/metrics.ts).
 */

/** Age in whole years at enrolment (evidence carries the birth year only). */
function ageAt(t: Timeline): number {
  const e = t.enrolment;
  return e === undefined ? 0 : Number(isoDay(e.day).slice(0, 4)) - e.birthYear;
}

/**
 * The value of every metric of the spec, in spec order, with the participant
 * outcomes of the metrics that have them (for payments and comparisons).
 */
export function evaluateMetrics(
  spec: ContractSpec,
  timelines: readonly Timeline[],
  ctx: MetricContext,
): { values: MetricValue[]; outcomes: Map<string, ParticipantOutcome[]> } {
  const values = new Map<string, MetricValue>();
  const outcomes = new Map<string, ParticipantOutcome[]>();
  // value-of metrics last: they read the other metrics' values.
  const ordered = [...spec.metrics].sort((a, b) => Number(a.kind === 'value-of') - Number(b.kind === 'value-of'));
  for (const m of ordered) {
    if (m.kind === 'services') values.set(m.id, servicesValue(m, spec, timelines, ctx));
    else if (m.kind === 'participants-by') values.set(m.id, participantsByValue(m, timelines, ctx));
    else if (m.kind === 'value-of') values.set(m.id, valueOfValue(m, values));
    else {
      const list = participantOutcomes(m, timelines, ctx);
      outcomes.set(m.id, list);
      values.set(m.id, outcomeMetricValue(m, list, spec.confidenceLevel));
    }
  }
  return { values: spec.metrics.map((m) => values.get(m.id) as MetricValue), outcomes };
}

type MetricOf<K extends Metric['kind']> = Extract<Metric, { kind: K }>;

/** What every metric value starts with: the metric's id, title, kind, unit and illustrative flag. */
function metricBase(m: Metric) {
  return {
    id: m.id,
    title: m.title,
    kind: m.kind,
    unit: METRIC_UNITS[m.kind],
    ...(m.illustrative === true ? { illustrative: true } : {}),
  };
}

/** Services delivered to the population, per service type (with the planned number, if any). */
function servicesValue(
  m: MetricOf<'services'>,
  spec: ContractSpec,
  timelines: readonly Timeline[],
  ctx: MetricContext,
): MetricValue {
  const counts = new Map<string, number>();
  const types = m.serviceTypes ?? spec.serviceTypes;
  for (const type of types) counts.set(type, 0);
  for (const t of timelines) {
    if (!inPopulation(t, m.population, ctx.cutoff)) continue;
    for (const s of t.services) {
      if (counts.has(s.type)) counts.set(s.type, (counts.get(s.type) ?? 0) + 1);
    }
  }
  const groups = types.map((type) => ({
    group: type,
    value: String(counts.get(type) ?? 0),
    ...(m.planned?.[type] !== undefined ? { planned: m.planned[type] } : {}),
  }));
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  return { ...metricBase(m), value: String(total), groups };
}

/** The population counted by sex, category, status or age band; the rest as `other` or `not-recorded`. */
function participantsByValue(
  m: MetricOf<'participants-by'>,
  timelines: readonly Timeline[],
  ctx: MetricContext,
): MetricValue {
  const counts = new Map<string, number>();
  const keys =
    m.by === 'sex'
      ? ['male', 'female']
      : m.by === 'category'
        ? [...CATEGORIES]
        : m.by === 'status'
          ? [...STATUSES]
          : (m.ageBands ?? []).map((b) => b.id);
  for (const k of keys) counts.set(k, 0);
  let total = 0;
  let other = 0;
  for (const t of timelines) {
    if (!inPopulation(t, m.population, ctx.cutoff) || t.enrolment === undefined) continue;
    total++;
    const key = participantGroup(m, t, t.enrolment);
    if (key === undefined) other++;
    else counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const groups: GroupValue[] = keys.map((k) => ({ group: k, value: String(counts.get(k) ?? 0) }));
  // Age outside every band, or no status recorded.
  if (other > 0) groups.push({ group: m.by === 'age-band' ? 'other' : 'not-recorded', value: String(other) });
  return { ...metricBase(m), value: String(total), groups };
}

/** The group a participants-by metric puts an enrolled participant in; undefined when none fits. */
function participantGroup(
  m: MetricOf<'participants-by'>,
  t: Timeline,
  enrolment: NonNullable<Timeline['enrolment']>,
): string | undefined {
  if (m.by === 'sex') return enrolment.sex;
  if (m.by === 'category') return enrolment.category;
  if (m.by === 'status') return enrolment.status;
  const age = ageAt(t);
  return m.ageBands?.find((b) => age >= b.from && (b.to === undefined || age <= b.to))?.id;
}

/** A value-of metric: the other metric's units (already evaluated) times the unit value. */
function valueOfValue(m: MetricOf<'value-of'>, values: ReadonlyMap<string, MetricValue>): MetricValue {
  const of = values.get(m.metric);
  const units = BigInt(of?.value ?? '0');
  return { ...metricBase(m), value: valueOfUnits(units, m).toString(), numerator: units.toString() };
}

/** A metric aggregated from participant outcomes, per cohort too when there are several (rates and means). */
function outcomeMetricValue(m: Metric, list: readonly ParticipantOutcome[], level: string): MetricValue {
  const agg = aggregateOutcomes(m, list, level);
  const cohorts = [...new Set(list.map((o) => o.cohort))].sort();
  const unit = METRIC_UNITS[m.kind];
  const groups =
    cohorts.length > 1 && unit !== 'count' && unit !== 'money'
      ? cohorts.map((c) => {
          const g = aggregateOutcomes(
            m,
            list.filter((o) => o.cohort === c),
            level,
          );
          return {
            group: c,
            value: g.value,
            numerator: g.numerator,
            denominator: g.denominator,
            ...(g.interval === undefined ? {} : { interval: g.interval }),
          };
        })
      : undefined;
  return {
    ...metricBase(m),
    value: agg.value,
    ...(unit === 'rate' || unit === 'mean' ? { numerator: agg.numerator, denominator: agg.denominator } : {}),
    ...(agg.interval === undefined ? {} : { interval: agg.interval }),
    ...(agg.pending > 0 ? { pending: agg.pending } : {}),
    ...(agg.excluded > 0 ? { excluded: agg.excluded } : {}),
    ...(groups === undefined ? {} : { groups }),
  };
}
