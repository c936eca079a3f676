/**
 * The rules of a contract spec across its fields (ids unique, shares summing
 * to 1, periods in order, every reference naming something that exists and
 * fits), each reported at the path of the bad field; and the problems of a
 * failed parse as {field, message}.
 */
import type * as z from 'zod';
import { Decimal } from '#kernel';
import { sumOfShares } from './shares.ts';
import { type ContractSpecFields, METRIC_UNITS, type Metric, type PaymentRule } from './spec-schema.ts';

type Ctx = z.RefinementCtx;
type Path = (string | number)[];

function issue(ctx: Ctx, path: Path, message: string): void {
  ctx.addIssue({ code: 'custom', path, message, input: undefined });
}

/** Rules across fields, each reported at the path of the bad field, section by section. */
export function specCrossChecks(spec: ContractSpecFields, ctx: Ctx): void {
  checkTermAndIds(spec, ctx);
  checkInvestors(spec, ctx);
  checkPeriods(spec, ctx);
  checkMetrics(spec, ctx);
  checkComparisons(spec, ctx);
  checkTriggers(spec, ctx);
  checkPayments(spec, ctx);
  checkCaps(spec, ctx);
  checkTranslations(spec, ctx);
  checkPeople(spec, ctx);
}

/** Each person of the directory acts for a party of the spec. */
function checkPeople(spec: ContractSpecFields, ctx: Ctx): void {
  const { commissioner, investors, operator, evaluator } = spec.parties;
  const parties = [commissioner.id, ...investors.map((i) => i.id), operator.id, evaluator.id];
  for (const [subject, person] of Object.entries(spec.people ?? {})) {
    if (!parties.includes(person.party)) {
      issue(ctx, ['people', subject, 'party'], `names no party of the spec (${person.party})`);
    }
  }
}

/** Every translated text names something the spec has: a party, metric, trigger, payment rule or period id. */
function checkTranslations(spec: ContractSpecFields, ctx: Ctx): void {
  const { commissioner, investors, operator, evaluator } = spec.parties;
  const nouns = {
    parties: 'party',
    metrics: 'metric',
    triggers: 'trigger',
    payments: 'payment rule',
    periods: 'period',
    people: 'person (people)',
  };
  const known = {
    parties: [commissioner.id, ...investors.map((i) => i.id), operator.id, evaluator.id],
    metrics: spec.metrics.map((m) => m.id),
    triggers: spec.triggers.map((t) => t.id),
    payments: spec.payments.map((p) => p.id),
    periods: spec.periods.map((p) => p.id),
    people: Object.keys(spec.people ?? {}),
  } as const;
  for (const [lang, translation] of Object.entries(spec.translations ?? {})) {
    for (const section of Object.keys(known) as (keyof typeof known)[]) {
      for (const id of Object.keys(translation[section] ?? {})) {
        if (!known[section].includes(id)) {
          issue(ctx, ['translations', lang, section, id], `names no ${nouns[section]} of the spec (${id})`);
        }
      }
    }
  }
}

/** The term, the version's date inside it, and ids unique across metrics, comparisons, triggers and payments. */
function checkTermAndIds(spec: ContractSpecFields, ctx: Ctx): void {
  if (spec.term.from > spec.term.to) issue(ctx, ['term', 'to'], 'must not be before term.from');
  if (spec.effectiveFrom < spec.term.from || spec.effectiveFrom > spec.term.to) {
    issue(ctx, ['effectiveFrom'], 'must be inside the term');
  } else if (spec.version === 1 && spec.effectiveFrom !== spec.term.from) {
    issue(ctx, ['effectiveFrom'], 'must be the start of the term for version 1');
  }
  const ids = new Map<string, string>();
  const unique = (id: string, path: Path) => {
    const seen = ids.get(id);
    if (seen !== undefined) issue(ctx, path, `duplicates the id ${id} of ${seen}`);
    else ids.set(id, path.join('.'));
  };
  for (const list of ['metrics', 'comparisons', 'triggers', 'payments'] as const) {
    spec[list].forEach((x, i) => {
      unique(x.id, [list, i, 'id']);
    });
  }
}

/** Investor shares sum to exactly 1; investor ids are unique. */
function checkInvestors(spec: ContractSpecFields, ctx: Ctx): void {
  const shares = spec.parties.investors.map((inv) => inv.share);
  const sum = sumOfShares(shares);
  if (sum.num !== sum.den) {
    const written = shares.some((s) => s.includes('/'))
      ? `${sum.num}/${sum.den}`
      : shares.reduce((a, s) => a.plus(s), new Decimal(0)).toString();
    issue(ctx, ['parties', 'investors'], `investor shares must sum to exactly 1 (they sum to ${written})`);
  }
  const investorIds = new Set<string>();
  spec.parties.investors.forEach((inv, i) => {
    if (investorIds.has(inv.id)) issue(ctx, ['parties', 'investors', i, 'id'], `duplicates investor ${inv.id}`);
    investorIds.add(inv.id);
  });
}

/** Periods: unique, inside the term, in order, not overlapping, cut off after their end, only the last one final. */
function checkPeriods(spec: ContractSpecFields, ctx: Ctx): void {
  const periodIds = new Set<string>();
  spec.periods.forEach((p, i) => {
    if (periodIds.has(p.id)) issue(ctx, ['periods', i, 'id'], `duplicates period ${p.id}`);
    periodIds.add(p.id);
    if (p.from > p.to) issue(ctx, ['periods', i, 'to'], 'must not be before from');
    if (p.from < spec.term.from || p.to > spec.term.to) issue(ctx, ['periods', i], 'must be inside the term');
    if (p.paymentDate < p.to) issue(ctx, ['periods', i, 'paymentDate'], 'must not be before the end of the period');
    if (p.dataCutoff !== undefined && p.dataCutoff < p.to) {
      issue(ctx, ['periods', i, 'dataCutoff'], 'must not be before the end of the period');
    }
    const prev = spec.periods[i - 1];
    if (prev !== undefined && p.from <= prev.to) {
      issue(ctx, ['periods', i, 'from'], `overlaps period ${prev.id} (periods must be in order and not overlap)`);
    }
    if (p.final === true && i !== spec.periods.length - 1) {
      issue(ctx, ['periods', i, 'final'], 'only the last period may be final');
    }
  });
}

/** Each of `list` names a period of the spec. */
function checkKnownPeriods(spec: ContractSpecFields, ctx: Ctx, list: readonly string[] | undefined, path: Path): void {
  const periodIds = new Set(spec.periods.map((p) => p.id));
  list?.forEach((id, j) => {
    if (!periodIds.has(id)) issue(ctx, [...path, j], `unknown period ${id}`);
  });
}

/** Metrics: known cohorts and service types, age bands, the metric a value-of counts, targets that fit the unit. */
function checkMetrics(spec: ContractSpecFields, ctx: Ctx): void {
  const cohorts = new Set(spec.cohorts);
  const serviceTypes = new Set(spec.serviceTypes);
  const metrics = new Map(spec.metrics.map((m) => [m.id, m]));
  spec.metrics.forEach((m, i) => {
    m.population?.cohorts?.forEach((c, j) => {
      if (!cohorts.has(c)) issue(ctx, ['metrics', i, 'population', 'cohorts', j], `unknown cohort ${c}`);
    });
    if (m.kind === 'services') {
      m.serviceTypes?.forEach((t, j) => {
        if (!serviceTypes.has(t)) issue(ctx, ['metrics', i, 'serviceTypes', j], `unknown service type ${t}`);
      });
      for (const t of Object.keys(m.planned ?? {})) {
        if (!serviceTypes.has(t)) issue(ctx, ['metrics', i, 'planned', t], `unknown service type ${t}`);
      }
    }
    if (m.kind === 'participants-by') checkAgeBands(m, i, ctx);
    if (m.kind === 'value-of') {
      const of = metrics.get(m.metric);
      if (of === undefined) issue(ctx, ['metrics', i, 'metric'], `unknown metric ${m.metric}`);
      else if (METRIC_UNITS[of.kind] !== 'count') {
        issue(ctx, ['metrics', i, 'metric'], `metric ${m.metric} is not a count (it is ${of.kind})`);
      }
    }
    if (m.target !== undefined && METRIC_UNITS[m.kind] === 'rate' && new Decimal(m.target.value).gt(1)) {
      issue(ctx, ['metrics', i, 'target', 'value'], 'a rate target must be at most 1');
    }
    if (m.target !== undefined && METRIC_UNITS[m.kind] === 'groups') {
      issue(ctx, ['metrics', i, 'target'], `a ${m.kind} metric has no single value to hold a target`);
    }
  });
}

/** Age bands of a participants-by metric: there exactly when by is age-band, in order, not overlapping. */
function checkAgeBands(m: Extract<Metric, { kind: 'participants-by' }>, i: number, ctx: Ctx): void {
  if (m.by === 'age-band' && m.ageBands === undefined) {
    issue(ctx, ['metrics', i, 'ageBands'], 'is required when by is age-band');
  }
  if (m.by !== 'age-band' && m.ageBands !== undefined) {
    issue(ctx, ['metrics', i, 'ageBands'], 'is only for by age-band');
  }
  m.ageBands?.forEach((band, j) => {
    if (band.to !== undefined && band.to < band.from) {
      issue(ctx, ['metrics', i, 'ageBands', j, 'to'], 'must not be below from');
    }
    const prev = m.ageBands?.[j - 1];
    if (prev !== undefined && (prev.to === undefined || band.from <= prev.to)) {
      issue(ctx, ['metrics', i, 'ageBands', j, 'from'], 'age bands must be in order and not overlap');
    }
  });
}

/** Comparisons: on a known rate or mean metric; control arms of known, distinct cohorts with a test that fits. */
function checkComparisons(spec: ContractSpecFields, ctx: Ctx): void {
  const cohorts = new Set(spec.cohorts);
  const metrics = new Map(spec.metrics.map((m) => [m.id, m]));
  spec.comparisons.forEach((c, i) => {
    const m = metrics.get(c.metric);
    if (m === undefined) {
      issue(ctx, ['comparisons', i, 'metric'], `unknown metric ${c.metric}`);
      return;
    }
    const unit = METRIC_UNITS[m.kind];
    if (unit !== 'rate' && unit !== 'mean') {
      issue(ctx, ['comparisons', i, 'metric'], `metric ${c.metric} is a ${unit}, not a rate or mean`);
    }
    if (c.kind === 'baseline' && unit === 'rate' && new Decimal(c.value).gt(1)) {
      issue(ctx, ['comparisons', i, 'value'], 'a baseline rate must be at most 1');
    }
    if (c.kind === 'control') {
      for (const [arm, list] of [
        ['treatment', c.treatment],
        ['control', c.control],
      ] as const) {
        list.forEach((cohort, j) => {
          if (!cohorts.has(cohort)) issue(ctx, ['comparisons', i, arm, j], `unknown cohort ${cohort}`);
        });
      }
      if (c.groupBy === 'cohort') {
        issue(
          ctx,
          ['comparisons', i, 'groupBy'],
          'a control comparison compares its two arms; it has no per-cohort groups',
        );
      }
      const overlap = c.treatment.find((x) => c.control.includes(x));
      if (overlap !== undefined) issue(ctx, ['comparisons', i, 'control'], `cohort ${overlap} is in both arms`);
      if (c.test === 'two-proportion' && unit !== 'rate') {
        issue(ctx, ['comparisons', i, 'test'], `two-proportion needs a rate metric; ${c.metric} is a ${unit}`);
      }
    }
  });
}

/** Triggers: on a known comparison (significance and groups it has) or a known metric with a bound; known periods. */
function checkTriggers(spec: ContractSpecFields, ctx: Ctx): void {
  const metrics = new Map(spec.metrics.map((m) => [m.id, m]));
  const comparisons = new Map(spec.comparisons.map((c) => [c.id, c]));
  spec.triggers.forEach((t, i) => {
    checkKnownPeriods(spec, ctx, t.periods, ['triggers', i, 'periods']);
    if ('comparison' in t) {
      const c = comparisons.get(t.comparison);
      if (c === undefined) issue(ctx, ['triggers', i, 'comparison'], `unknown comparison ${t.comparison}`);
      else if (t.significant === true && c.kind !== 'control') {
        issue(ctx, ['triggers', i, 'significant'], `comparison ${t.comparison} has no significance test`);
      }
      if (t.group === 'each-cohort' && c !== undefined && c.groupBy !== 'cohort') {
        issue(ctx, ['triggers', i, 'group'], `comparison ${t.comparison} is not computed per cohort (groupBy)`);
      }
    } else {
      if (!metrics.has(t.metric)) issue(ctx, ['triggers', i, 'metric'], `unknown metric ${t.metric}`);
      if (t.atLeast === undefined && t.atMost === undefined) {
        issue(ctx, ['triggers', i], 'needs atLeast or atMost');
      }
    }
  });
}

/** Payment rules: known triggers, and what each kind of rule refers to. */
function checkPayments(spec: ContractSpecFields, ctx: Ctx): void {
  const metrics = new Map(spec.metrics.map((m) => [m.id, m]));
  const triggers = new Map(spec.triggers.map((t) => [t.id, t]));
  const payments = new Map(spec.payments.map((p) => [p.id, p]));
  spec.payments.forEach((p, i) => {
    if ('trigger' in p && p.trigger !== undefined && !triggers.has(p.trigger)) {
      issue(ctx, ['payments', i, 'trigger'], `unknown trigger ${p.trigger}`);
    }
    switch (p.kind) {
      case 'per-outcome': {
        const m = metrics.get(p.metric);
        if (m === undefined) issue(ctx, ['payments', i, 'metric'], `unknown metric ${p.metric}`);
        else if (!['rate', 'count'].includes(METRIC_UNITS[m.kind]) || m.kind === 'enrolled') {
          if (m.kind !== 'enrolled') {
            issue(ctx, ['payments', i, 'metric'], `metric ${p.metric} (${m.kind}) has no outcome units to price`);
          }
        }
        break;
      }
      case 'tiered':
        checkTiered(spec, p, i, ctx);
        break;
      case 'per-effect': {
        const t = triggers.get(p.trigger);
        if (t !== undefined && !('comparison' in t)) {
          issue(ctx, ['payments', i, 'trigger'], `trigger ${p.trigger} is not on a comparison`);
        }
        p.deduct?.forEach((id, j) => {
          if (!payments.has(id)) issue(ctx, ['payments', i, 'deduct', j], `unknown payment rule ${id}`);
          else if (id === p.id) issue(ctx, ['payments', i, 'deduct', j], 'a rule cannot deduct itself');
        });
        break;
      }
      case 'all-or-nothing': {
        p.indicators.forEach((id, j) => {
          const m = metrics.get(id);
          if (m === undefined) issue(ctx, ['payments', i, 'indicators', j], `unknown metric ${id}`);
          else if (m.target === undefined) issue(ctx, ['payments', i, 'indicators', j], `metric ${id} has no target`);
        });
        checkKnownPeriods(spec, ctx, p.periods, ['payments', i, 'periods']);
        break;
      }
    }
  });
}

/** A tiered rule: a known comparison that has its groups and test, known periods, tiers rising in effect and amount. */
function checkTiered(spec: ContractSpecFields, p: Extract<PaymentRule, { kind: 'tiered' }>, i: number, ctx: Ctx): void {
  // As a map, like every lookup here: with duplicate ids (reported above), the last one counts.
  const c = new Map(spec.comparisons.map((x) => [x.id, x])).get(p.comparison);
  if (c === undefined) issue(ctx, ['payments', i, 'comparison'], `unknown comparison ${p.comparison}`);
  else if (p.group === 'each-cohort' && c.groupBy !== 'cohort') {
    issue(ctx, ['payments', i, 'group'], `comparison ${p.comparison} is not computed per cohort (groupBy)`);
  }
  if (p.significant === true && c !== undefined && c.kind !== 'control') {
    issue(ctx, ['payments', i, 'significant'], `comparison ${p.comparison} has no significance test`);
  }
  checkKnownPeriods(spec, ctx, p.periods, ['payments', i, 'periods']);
  p.tiers.forEach((tier, j) => {
    const prev = p.tiers[j - 1];
    if (prev === undefined) return;
    if (!new Decimal(tier.effectAtLeast).gt(prev.effectAtLeast)) {
      issue(ctx, ['payments', i, 'tiers', j, 'effectAtLeast'], 'tiers must be in increasing order of effect');
    }
    if (BigInt(tier.amount) < BigInt(prev.amount)) {
      issue(ctx, ['payments', i, 'tiers', j, 'amount'], 'must not be less than the amount of the tier below');
    }
  });
}

/** Caps per outcome name known payment rules, caps per period known periods; the return cap starts inside the term. */
function checkCaps(spec: ContractSpecFields, ctx: Ctx): void {
  const payments = new Set(spec.payments.map((p) => p.id));
  for (const id of Object.keys(spec.caps.perOutcome ?? {})) {
    if (!payments.has(id)) issue(ctx, ['caps', 'perOutcome', id], `unknown payment rule ${id}`);
  }
  const periods = new Set(spec.periods.map((p) => p.id));
  const perPeriod = spec.caps.perPeriod;
  for (const id of typeof perPeriod === 'object' ? Object.keys(perPeriod) : []) {
    if (!periods.has(id)) issue(ctx, ['caps', 'perPeriod', id], `unknown period ${id}`);
  }
  if (spec.returnCap !== undefined && spec.returnCap.from > spec.term.to) {
    issue(ctx, ['returnCap', 'from'], 'must not be after the term');
  }
}

/**
 * Problems of a zod error as {field, message}, the field being the dotted path
 * of the bad value. A value that matches no option of a union (a trigger) is
 * reported by the problems of the option it came closest to (fewest issues),
 * not as a bare "Invalid input".
 */
export function specProblems(error: z.ZodError): { field: string; message: string }[] {
  const flatten = (i: z.core.$ZodIssue, prefix: PropertyKey[]): { field: string; message: string }[] => {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const closest = i.errors.reduce((a, b) => (b.length < a.length ? b : a));
      if (closest.length > 0) return closest.flatMap((inner) => flatten(inner, path));
    }
    return [{ field: path.map(String).join('.') || '(root)', message: i.message }];
  };
  return error.issues.flatMap((i) => flatten(i, []));
}
