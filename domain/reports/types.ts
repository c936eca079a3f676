import type { ContractSpec } from '#contracts';
import type { ComparisonResult, IndicatorCheck, MetricValue, PaymentsResult, TriggerResult } from '#evaluation';
import type { PaymentState, PaymentStep } from '#ledger';

/**
 * The shapes shared by the payment workflow (domain/payments/workflow.ts), the audit
 * report (domain/reports/build.ts), its offline verifier (domain/reports/verify.ts)
 * and its PDF rendering. Kept apart so each can be built on its own.
 */

// ---- The payment workflow (ledger entries)

// ---- The audit report

export const REPORT_FORMAT = 'sib-ledger/audit-report/v1';
/** Cells (groups) with fewer people than this are suppressed in reports. */
export const MIN_CELL = 5;

/** An entry with its inclusion proof in the report's checkpoint. */
export interface ProvenEntry {
  readonly seq: number;
  /** The entry's canonical JSON text (the Merkle leaf data). */
  readonly entry: string;
  /** RFC 6962 leaf hash, hex. */
  readonly leafHash: string;
  /** Audit path, hex, against checkpoint.size / checkpoint.root. */
  readonly proof: readonly string[];
}

/** A payment step entry with its inclusion proof. */
export interface ProvenStep {
  readonly step: PaymentStep;
  readonly entry: ProvenEntry;
}

/** An earlier period's payment: its `evaluation.recorded` entry and its step entries (attested, approved or rejected, paid). */
export interface EarlierPayment {
  /** The period the payment is of (its evaluation entry must say so). */
  readonly period: string;
  readonly evaluation: ProvenEntry;
  /** In log order. */
  readonly steps: readonly ProvenStep[];
}

/** A group figure as investors see it: `suppressed` instead of figures when fewer than MIN_CELL people. */
export type ReportGroup =
  | {
      readonly group: string;
      readonly value: string;
      readonly numerator?: string;
      readonly denominator?: number;
      readonly planned?: number;
    }
  | { readonly group: string; readonly suppressed: true };

export type ReportMetric = Omit<MetricValue, 'groups'> & {
  readonly target?: { readonly value: string; readonly direction: string };
  readonly met?: boolean;
  readonly groups?: readonly ReportGroup[];
};

export interface AuditReport {
  readonly format: typeof REPORT_FORMAT;
  /** The contract terms the amounts follow from: the registered spec (its hash is `hash`) and its registration entry. */
  readonly contract: {
    readonly id: string;
    readonly version: number;
    readonly hash: string;
    readonly spec: ContractSpec;
    readonly registration: ProvenEntry;
  };
  readonly period: ContractSpec['periods'][number];
  /** The signed checkpoint every proof in the report is checked against. */
  readonly checkpoint: {
    readonly size: number;
    /** Hex. */
    readonly root: string;
    /** The C2SP signed note: the log's signature and any witness cosignatures. */
    readonly note: string;
  };
  readonly evaluation: {
    /** The evaluation.recorded entry (the payment's `calculated` step). */
    readonly entry: ProvenEntry;
    readonly resultSha256: string;
    /** The evaluation's own checkpoint (the log prefix it read). */
    readonly evaluatedAt: { readonly size: number; readonly root: string };
    readonly records: number;
    readonly batches: number;
    readonly participants: { readonly enrolled: number; readonly withdrawn: number };
    /** Aggregates only: no pseudonyms; groups under MIN_CELL suppressed. */
    readonly metrics: readonly ReportMetric[];
    readonly comparisons: readonly ComparisonResult[];
    readonly triggers: readonly TriggerResult[];
    readonly indicators: readonly IndicatorCheck[];
  };
  readonly payments: PaymentsResult;
  /**
   * Earlier periods' payments this one builds on, in period order: each
   * period's evaluation entry and its payment steps, proved into the
   * checkpoint. The verifier derives "paid before" from these entries alone.
   */
  readonly earlier: readonly EarlierPayment[];
  /**
   * What the earlier periods paid, net, under each payment rule (and, for the
   * rules keyed per group: tiered and per-effect, under each group), summing
   * to `payments.paidBefore`: the verifier needs it to recompute amounts paid
   * net of earlier payments (tiers, per-effect deductions, per-outcome caps).
   * Aggregates only: per-outcome rules by rule, never by participant.
   * Rules with nothing paid before are left out.
   */
  readonly paidBeforeByRule?: readonly {
    readonly rule: string;
    readonly group?: string;
    readonly amount: string;
    /** Cut by a cap and forfeited before (`caps.capped: forfeit`); only when there is some. */
    readonly forfeited?: string;
  }[];
  readonly workflow: {
    readonly state: PaymentState;
    /** attested, approved or rejected, paid: each entry proved into the checkpoint. */
    readonly steps: readonly ProvenStep[];
  };
  /** Who signed the checkpoint besides the log (witness names), as verified when the report was issued. */
  readonly witnesses: readonly string[];
  readonly issued: { readonly at: string };
  /** Ed25519 by the log key over the canonical JSON (RFC 8785) of the report without `signature`. */
  readonly signature: { readonly keyName: string; readonly keyId: string; readonly value: string };
}
