import type { ContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import type { PaymentState } from '#ledger';

/**
 * The INDIGO impact bond data standard (Government Outcomes Lab, Oxford):
 * the version whose field names the export uses, the shapes of the fields
 * it writes (schema/project.json), and what the export reads.
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
