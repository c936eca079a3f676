/**
 * The shapes the overview pages read from the API (GET /contracts,
 * GET /contracts/{c}, its payments, checkpoint and trust policy), typed here
 * as the console sees them: the spec's optional `timeZone` and
 * `translations.en` (titles of the contract, metrics, parties, payment rules, periods) may
 * be absent, and then the Russian of the spec is shown.
 */

// The domain's types (ContractSpec, PaymentStatus) would pull the Node-typed
// kernel into the console's type check, so the fields read here are restated:
// a subset of domain/contracts/spec-schema.ts and domain/payments/workflow.ts.

export interface SpecParty {
  readonly id: string;
  readonly name: string;
}

export interface SpecPeriod {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly paymentDate: string;
  readonly final?: boolean;
  readonly dataCutoff?: string;
}

export interface SpecMetric {
  readonly id: string;
  readonly title: string;
  readonly kind: string;
  readonly target?: { readonly value: string; readonly direction: 'at-least' | 'at-most' };
  readonly illustrative?: boolean;
}

export interface SpecRule {
  readonly id: string;
  readonly title?: string;
  readonly kind: 'per-outcome' | 'tiered' | 'per-effect' | 'all-or-nothing';
  readonly price?: string;
  readonly pricePerUnit?: string;
  readonly amount?: string;
  readonly tiers?: readonly { readonly effectAtLeast: string; readonly amount: string }[];
  readonly tolerance?: string;
  readonly periods?: readonly string[];
}

export interface SpecCaps {
  readonly overall?: string;
  readonly perPeriod?: string | Readonly<Record<string, string>>;
  readonly perOutcome?: Readonly<Record<string, string>>;
  readonly capped?: 'carry-forward' | 'forfeit';
}

/** The spec as served, with what the server may add (`timeZone`, `translations`). */
export interface ServedSpec {
  readonly id: string;
  readonly title: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly term: { readonly from: string; readonly to: string };
  readonly version: number;
  readonly effectiveFrom: string;
  readonly parties: {
    readonly commissioner: SpecParty;
    readonly investors: readonly (SpecParty & { readonly share: string })[];
    readonly operator: SpecParty;
    readonly evaluator: SpecParty;
  };
  readonly periods: readonly SpecPeriod[];
  readonly confidenceLevel: string;
  readonly metrics: readonly SpecMetric[];
  readonly payments: readonly SpecRule[];
  readonly caps: SpecCaps;
  readonly returnCap?: { readonly principal: string; readonly annualRate: string; readonly from: string };
  readonly timeZone?: string;
  readonly translations?: { readonly en?: SpecTranslation };
}

export type PaymentState = 'calculated' | 'attested' | 'approved' | 'rejected' | 'paid';

export interface PaymentStatus {
  readonly payment: number;
  readonly period: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly contract: { readonly version: number; readonly hash: string };
  readonly state: PaymentState;
  readonly steps: readonly { readonly step: string; readonly seq: number; readonly at: string }[];
  readonly calculatedAt: string;
  readonly latest: boolean;
}

/** One contract of GET /contracts: what the session's token may act on. */
export interface ContractListItem {
  readonly id: string;
  readonly title: { readonly ru?: string; readonly en?: string };
  readonly currency: string;
  readonly minorUnit: number;
  readonly timeZone: string;
  readonly term: { readonly from: string; readonly to: string };
  readonly version: number;
  readonly logSize: number;
}

/** The spec's texts in another language, keyed by id (domain/contracts/spec-schema.ts SpecTranslationSchema). */
export interface SpecTranslation {
  readonly title?: string;
  readonly parties?: Readonly<Record<string, string>>;
  readonly metrics?: Readonly<Record<string, string>>;
  readonly triggers?: Readonly<Record<string, string>>;
  readonly payments?: Readonly<Record<string, string>>;
  readonly periods?: Readonly<Record<string, string>>;
}

export interface ContractVersions {
  readonly contract: string;
  readonly versions: readonly {
    readonly version: number;
    readonly effectiveFrom: string;
    readonly seq: number;
    readonly hash: string;
    readonly spec: ServedSpec;
  }[];
}

export interface PaymentList {
  readonly payments: readonly PaymentStatus[];
}

export interface CheckpointAnswer {
  readonly contract: string;
  readonly origin: string;
  readonly size: number;
  readonly root: string;
  readonly note: string;
}

export interface TrustAnswer {
  readonly format: string;
  readonly logs: readonly {
    readonly contract: string;
    readonly origin: string;
    readonly logKey: string;
    readonly witnesses: { readonly quorum: number; readonly keys: readonly string[] };
    readonly parties?: Readonly<Record<string, readonly string[] | undefined>>;
  }[];
}

/** The console's languages (as i18n.tsx's Lang; restated so this module stays free of JSX for the Node tests). */
type Lang = 'ru' | 'en';

/** A spec's texts in the reader's language: the English translation where it has one, else the spec's own. */
export function specTexts(spec: ServedSpec, lang: Lang) {
  const en = lang === 'en' ? spec.translations?.en : undefined;
  return {
    title: en?.title ?? spec.title,
    metric: (id: string) => en?.metrics?.[id] ?? spec.metrics.find((m) => m.id === id)?.title ?? id,
    party: (id: string, name: string) => en?.parties?.[id] ?? name,
    rule: (id: string) => en?.payments?.[id] ?? spec.payments.find((r) => r.id === id)?.title ?? id,
    /** A period's label where the translation gives one ("Year 1"), else undefined (the spec names periods by id). */
    period: (id: string): string | undefined => en?.periods?.[id],
  };
}
