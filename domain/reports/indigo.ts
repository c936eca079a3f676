import type { ContractSpec } from '#contracts';
import { registeredVersions } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import { IntegrityError, NotFoundError, ValidationError } from '#kernel';
import { type Entry, type PaymentState, recordedEvaluations, STEP_OF_KIND } from '#ledger';
import { outcomeMetrics } from './indigo-metrics.ts';
import { actualPayments, outcomePricings, planId, plannedPayments } from './indigo-payments.ts';
import {
  INDIGO_STANDARD,
  type IndigoEvaluation,
  type IndigoInput,
  type IndigoProject,
  type IndigoResult,
} from './indigo-schema.ts';
import { major, money, percent, periodOf, v } from './indigo-values.ts';
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
 *
 * This file assembles the export, writes the results per period and reads
 * the evaluations and payment states from the log; the metrics, pricings
 * and payments are written by indigo-metrics.ts and indigo-payments.ts.
 */

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
    const state = STEP_OF_KIND.get(e.kind);
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
