/**
 * The INDIGO export of Second Chance (docs/programmes.md 2.1) built from a real
 * in-memory ledger: ten participants released on enrolment, six of them in
 * a permanent job, nobody reconvicted. y1 pays nothing (the one-year windows
 * are still open at its end); y2 meets every indicator and pays the
 * 35,000,000.00 RUB subsidy, which is then attested, approved and paid.
 */
import { describe, expect, it } from 'vitest';
import type { ContractSpec } from '#contracts';
import { type EvaluationResult, encodeResult } from '#evaluation';
import { PAYMENT_APPROVED_KIND, PAYMENT_ATTESTED_KIND, PAYMENT_PAID_KIND, PAYMENT_REJECTED_KIND } from '#ledger';
import { type IndigoProject, indigoExport, indigoExportFromLog } from '#reports';
import {
  type FixtureLedger,
  ledgerFor,
  loadSpec,
  pseudonym,
  Records,
  specWith,
} from '../support/evaluation-fixtures.ts';

const ENROLMENT = '2023-09-01';

/** Second Chance with `n` participants enrolled (released) on ENROLMENT, the first `employed` in a permanent job. */
function secondChance(spec: ContractSpec, n = 10, employed = 6): FixtureLedger {
  const ledger = ledgerFor(spec);
  const r = new Records();
  const records = [];
  for (let i = 0; i < n; i++) {
    const p = pseudonym(i);
    records.push(r.enrol(p, ENROLMENT, { cohort: '2023' }));
    if (i < employed) records.push(r.job(p, '2023-10-01', 'permanent'));
  }
  ledger.addBatch(records);
  return ledger;
}

/** Appends a payment step entry for the evaluation recorded at `seq`. */
function step(ledger: FixtureLedger, kind: string, seq: number, result: EvaluationResult, extra = {}) {
  const body = {
    payment: seq,
    period: result.period.id,
    result: encodeResult(result).sha256,
    total: result.payments.total,
    ...extra,
  };
  return ledger.append(kind, body, kind === PAYMENT_ATTESTED_KIND ? 'evaluator' : 'ministry');
}

/** y1 evaluated and attested; y2 evaluated, attested, approved and paid. */
function paidScenario(spec = loadSpec('second-chance-kamchatka')) {
  const ledger = secondChance(spec);
  const y1 = ledger.evaluatePeriod('y1');
  const y1Seq = ledger.size - 1;
  step(ledger, PAYMENT_ATTESTED_KIND, y1Seq, y1);
  const y2 = ledger.evaluatePeriod('y2');
  const y2Seq = ledger.size - 1;
  step(ledger, PAYMENT_ATTESTED_KIND, y2Seq, y2);
  step(ledger, PAYMENT_APPROVED_KIND, y2Seq, y2);
  step(ledger, PAYMENT_PAID_KIND, y2Seq, y2, { paidOn: '2025-10-01', paymentOrder: 'PO-17' });
  return { ledger, y1, y2, y1Seq, y2Seq, project: indigoExportFromLog(ledger.entries, ledger.results) };
}

const PSEUDONYM = /p-[0-9a-f]{32}/;

describe('indigoExport of Second Chance', () => {
  const { project, y2, y2Seq } = paidScenario();

  it('has the five sections of the standard, with the project name and the overall cap', () => {
    expect(Object.keys(project)).toEqual(
      expect.arrayContaining([
        'outcome_metrics',
        'outcome_pricings',
        'outcome_payment_plans',
        'outcome_payments',
        'results',
      ]),
    );
    expect(project.name.value).toMatch(/^Второй шанс/);
    expect(project.overall_project_finance).toEqual({
      maximum_potential_outcome_payment_v2: { currency: { value: 'RUB' }, amount: { value: 110_000_000 } },
      total_outcome_payments_made: { currency: { value: 'RUB' }, amount: { value: 35_000_000 } },
    });
    expect(project.notes.value).toContain('INDIGO impact bond data standard');
    expect(project.notes.value).toContain('3bcd5bc06b849d8cb43ca6f5914ccc4b8d6e07b9');
  });

  it('one outcome metric per contract metric: definition, population, target, validation and data source', () => {
    expect(project.outcome_metrics.map((m) => m.id)).toEqual([
      'enrolled',
      'employed',
      'permanent-employment',
      'sustained-employment',
      'reoffending',
      'services',
      'wages',
    ]);
    const employed = project.outcome_metrics[1];
    expect(employed).toMatchObject({
      id: 'employed',
      target_population: { value: expect.stringMatching(/^participants enrolled in cohorts 2023, 2024, 2025/) },
      targeted_number_of_service_users_or_beneficiaries_total: { value: 300 },
      unit_type_of_targeted_service_users_or_beneficiaries: { value: 'Individual' },
      outcome_metric_target: { value: 'at least 0.35 (35%)' },
      outcome_validation_method: { value: 'Historical comparison' },
    });
    expect(employed?.definition.value).toMatch(/^Доля трудоустроенных .*: share of participants employed .*180 days/);
    expect(employed?.other_target_for_meeting_outcome_metric_target?.value).toContain(
      'subsidy-y1, subsidy-y2, subsidy-final: paid only if every indicator (employed, permanent-employment, reoffending) reaches 90% of its target',
    );
    expect(employed?.data_source_for_outcome_validation.value).toContain('employment-started and employment-ended');
    expect(employed?.notes).toContain('independent evaluator');
    expect(project.outcome_metrics[4]?.outcome_metric_target?.value).toBe('at most 0.20 (20%)');
    // No comparison on it: validated by simple ex-post verification; no target, no target field.
    expect(project.outcome_metrics[3]).toMatchObject({
      outcome_validation_method: { value: 'Simple ex-post verification' },
    });
    expect(project.outcome_metrics[3]).not.toHaveProperty('outcome_metric_target');
  });

  it('one pricing per payment rule, on its indicators, with the maximum in major units', () => {
    expect(project.outcome_pricings).toHaveLength(3);
    expect(project.outcome_pricings[0]).toMatchObject({
      outcome_metric_id: { value: 'employed,permanent-employment,reoffending' },
      currency: { value: 'RUB' },
      maximum_price_if_all_targets_achieved: { amount: { value: '30000000.00' } },
      price_description: { value: expect.stringMatching(/^subsidy-y1 .*: 30000000\.00 RUB in y1, only if/) },
    });
    expect(project.outcome_pricings[0]).not.toHaveProperty('price_per_unit');
    expect(project.outcome_pricings.map((p) => p.maximum_price_if_all_targets_achieved?.amount.value)).toEqual([
      '30000000.00',
      '35000000.00',
      '45000000.00',
    ]);
  });

  it('one payment plan (the contract version) with the Planned payment of each period', () => {
    expect(project.outcome_payment_plans).toEqual([
      {
        id: 'contract-v1',
        period: { start_date: { value: '2023-08-01' }, end_date: { value: '2026-03-31' } },
        notes: expect.any(String),
      },
    ]);
    const planned = project.outcome_payments.filter((p) => p.type.value === 'Planned');
    expect(planned.map((p) => [p.period.start_date.value, p.period.end_date.value, p.money.amount.value])).toEqual([
      ['2023-08-01', '2024-07-31', 30_000_000],
      ['2024-08-01', '2025-07-31', 35_000_000],
      ['2025-08-01', '2026-03-31', 45_000_000],
    ]);
    expect(planned[0]).toMatchObject({
      outcome_payment_plan_id: { value: 'contract-v1' },
      outcome_metric_id: { value: 'employed,permanent-employment,reoffending' },
      payer_organisation_id: { value: 'kamchatka-mintrud' },
      recipient_organisation_id: { value: 'veb-dv' },
      money: { currency: { value: 'RUB' }, amount: { value: 30_000_000 } },
    });
  });

  it('the paid payment is Actual, without a plan id; the attested one is not a payment', () => {
    expect(y2.payments.total).toBe('3500000000');
    const actual = project.outcome_payments.filter((p) => p.type.value === 'Actual');
    expect(actual).toEqual([
      {
        outcome_metric_id: { value: 'employed,permanent-employment,reoffending' },
        period: { start_date: { value: '2024-08-01' }, end_date: { value: '2025-07-31' } },
        payer_organisation_id: { value: 'kamchatka-mintrud' },
        recipient_organisation_id: { value: 'veb-dv' },
        type: { value: 'Actual' },
        money: { currency: { value: 'RUB' }, amount: { value: 35_000_000 } },
        notes: `payment rule subsidy-y2 for period y2: evaluation entry ${y2Seq}, paid on 2025-10-01, payment order PO-17`,
      },
    ]);
  });

  it('results: a project-level row and one row per metric for each evaluated period, figures to date', () => {
    const periods = project.results.map((r) => r.period.end_date.value);
    expect(new Set(periods)).toEqual(new Set(['2024-07-31', '2025-07-31']));
    expect(project.results).toHaveLength(2 * (1 + 7));
    expect(project.results.every((r) => r.result_type.value === 'Interim')).toBe(true);
    expect(project.results.every((r) => r.period.start_date.value === '2023-08-01')).toBe(true);
    expect(project.results.every((r) => r.outcomes_validator_organisation_ids.value === 'independent-evaluator')).toBe(
      true,
    );
    const y2Rows = project.results.filter((r) => r.period.end_date.value === '2025-07-31');
    expect(y2Rows[0]).toMatchObject({
      result_level: { value: 'Project level' },
      number_engaged_in_impact_bond: { value: 10 },
      notes: expect.stringContaining('payment paid'),
    });
    const byMetric = (id: string) => y2Rows.find((r) => r.outcome_metric_id?.value === id);
    expect(byMetric('employed')).toMatchObject({ result_level: { value: 'Outcome level' } });
    expect(byMetric('employed')?.outcomes_achieved?.value).toMatch(
      /^0\.600000 \(6 of 10 participants, 95% interval 0\.\d+ to 0\.\d+\); target at least 0\.35: met$/,
    );
    expect(byMetric('reoffending')?.outcomes_achieved?.value).toMatch(/^0\.000000 \(0 of 10 participants/);
    expect(byMetric('enrolled')?.outcomes_achieved?.value).toBe('10; target at least 300: not met');
    expect(byMetric('wages')?.outcomes_achieved?.value).toMatch(/^\d+\.\d\d RUB$/);
    expect(byMetric('services')?.outcomes_achieved?.value).toMatch(/^0 in total \(employment-assistance: 0;/);
    // y1: the one-year windows are still open.
    const y1Reoffending = project.results.find(
      (r) => r.period.end_date.value === '2024-07-31' && r.outcome_metric_id?.value === 'reoffending',
    );
    expect(y1Reoffending?.outcomes_achieved?.value).toMatch(
      /^no participant counted yet; 10 participant\(s\) whose window is still open/,
    );
  });

  it('holds aggregates only: no pseudonym anywhere', () => {
    expect(JSON.stringify(project)).not.toMatch(PSEUDONYM);
    expect(JSON.stringify(project)).not.toContain(pseudonym(0));
  });

  it('is JSON all the way: the same after a round trip through text', () => {
    expect(JSON.parse(JSON.stringify(project))).toEqual(project);
  });
});

describe('indigoExport: states, investors, suppression and the final period', () => {
  it('a rejected evaluation is neither a payment nor a result; the one before it stands', () => {
    const ledger = secondChance(loadSpec('second-chance-kamchatka'));
    const first = ledger.evaluatePeriod('y1');
    const firstSeq = ledger.size - 1;
    ledger.addBatch([new Records().enrol(pseudonym('late'), '2024-01-10', { cohort: '2024' })]);
    const second = ledger.evaluatePeriod('y1');
    const secondSeq = ledger.size - 1;
    step(ledger, PAYMENT_ATTESTED_KIND, secondSeq, second);
    step(ledger, PAYMENT_REJECTED_KIND, secondSeq, second, { reason: 'figures disputed' });

    const project = indigoExportFromLog(ledger.entries, ledger.results);

    const engaged = project.results.filter((r) => r.result_level.value === 'Project level');
    expect(engaged).toHaveLength(1);
    expect(engaged[0]?.number_engaged_in_impact_bond?.value).toBe(first.participants.enrolled);
    expect(engaged[0]?.notes).toContain(`evaluation entry ${firstSeq} `);
    expect(project.outcome_payments.some((p) => p.type.value === 'Actual')).toBe(false);
  });

  it('approved but not paid: no Actual payment yet (INDIGO has Planned and Actual only)', () => {
    const ledger = secondChance(loadSpec('second-chance-kamchatka'));
    ledger.evaluatePeriod('y1');
    const y2 = ledger.evaluatePeriod('y2');
    const seq = ledger.size - 1;
    step(ledger, PAYMENT_ATTESTED_KIND, seq, y2);
    step(ledger, PAYMENT_APPROVED_KIND, seq, y2);

    const project = indigoExportFromLog(ledger.entries, ledger.results);

    expect(project.outcome_payments.filter((p) => p.type.value === 'Actual')).toEqual([]);
    expect(project.overall_project_finance.total_outcome_payments_made.amount.value).toBe(0);
  });

  it('two investors: each payment row splits by share, the parts summing to the amount', () => {
    const spec = specWith('second-chance-kamchatka', (raw) => {
      (raw.parties as { investors: unknown[] }).investors = [
        { id: 'veb-dv', name: 'VEB.DV', share: '0.6' },
        { id: 'second-investor', name: 'Second investor', share: '0.4' },
      ];
    });
    const { project } = paidScenario(spec);

    const actual = project.outcome_payments.filter((p) => p.type.value === 'Actual');
    expect(actual.map((p) => [p.recipient_organisation_id.value, p.money.amount.value])).toEqual([
      ['veb-dv', 21_000_000],
      ['second-investor', 14_000_000],
    ]);
    expect(actual[0]?.notes).toContain('investor share 0.6');
    expect(project.outcome_payments.filter((p) => p.type.value === 'Planned')).toHaveLength(6);
  });

  it('fewer than 5 people: only their number is published', () => {
    const ledger = secondChance(loadSpec('second-chance-kamchatka'), 3, 2);
    ledger.evaluatePeriod('y1');
    ledger.evaluatePeriod('y2');

    const project = indigoExportFromLog(ledger.entries, ledger.results);

    const y2Rows = project.results.filter((r) => r.period.end_date.value === '2025-07-31');
    expect(y2Rows[0]?.number_engaged_in_impact_bond?.value).toBe(3);
    const achieved = y2Rows.flatMap((r) => (r.outcomes_achieved === undefined ? [] : [r.outcomes_achieved.value]));
    expect(achieved[0]).toBe('3; target at least 300: not met');
    expect(achieved.slice(1).every((a) => a === 'suppressed: fewer than 5 people')).toBe(true);
  });

  it('the final period is a Final result', () => {
    const ledger = secondChance(loadSpec('second-chance-kamchatka'));
    ledger.evaluatePeriod('y1');
    ledger.evaluatePeriod('y2');
    ledger.evaluatePeriod('final');

    const project: IndigoProject = indigoExportFromLog(ledger.entries, ledger.results);

    const types = new Map(project.results.map((r) => [r.period.end_date.value, r.result_type.value]));
    expect(types).toEqual(
      new Map([
        ['2024-07-31', 'Interim'],
        ['2025-07-31', 'Interim'],
        ['2026-03-31', 'Final'],
      ]),
    );
  });

  it('refuses an evaluation of another contract', () => {
    const ledger = secondChance(loadSpec('second-chance-kamchatka'));
    const result = ledger.evaluatePeriod('y1');
    const other = loadSpec('peterborough');

    expect(() =>
      indigoExport({ spec: other, specHash: 'x', evaluations: [{ seq: 2, period: 'y1', result, state: 'paid' }] }),
    ).toThrow(/evaluation entry 2 is of contract second-chance-kamchatka, not peterborough/);
  });

  it('tiered and per-effect rules: the top tier is planned for the last period; a unit price is not planned', () => {
    const able = indigoExport({ spec: loadSpec('nyc-able'), specHash: 'h', evaluations: [] });
    expect(able.outcome_pricings).toEqual([
      expect.objectContaining({
        outcome_metric_id: { value: 'bed-days' },
        maximum_price_if_all_targets_achieved: { amount: { value: '11712000.00' } },
      }),
    ]);
    expect(able.outcome_payments.map((p) => [p.type.value, p.money.amount.value])).toEqual([['Planned', 11_712_000]]);

    const peterborough = indigoExport({ spec: loadSpec('peterborough'), specHash: 'h', evaluations: [] });
    expect(
      peterborough.outcome_pricings.map((p) => [p.outcome_metric_id.value, p.price_per_unit?.amount.value]),
    ).toEqual([
      ['reconviction-events', 20_000],
      ['reconviction-events', 20_000],
    ]);
    expect(peterborough.outcome_metrics.find((m) => m.id === 'reconviction-events')?.outcome_validation_method).toEqual(
      {
        value: 'Quasi-experimental study',
      },
    );
    expect(peterborough.outcome_pricings.every((p) => p.maximum_price_if_all_targets_achieved === undefined)).toBe(
      true,
    );
    expect(peterborough.outcome_payments).toEqual([]);
    expect(peterborough.results).toEqual([]);
  });

  it('an unregistered log is refused', () => {
    expect(() => indigoExportFromLog([], new Map())).toThrow(/not registered/);
  });
});
