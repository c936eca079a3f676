import type { ContractSpec, Metric } from '#contracts';
import { type CapState, type ExactComparison, formatMoney } from '#evaluation';
import { utf8 } from '#kernel';
import { decodeEntry, type Entry, type TrustPolicy, type VerifierKey } from '#ledger';
import type { AuditReport, ProvenEntry, ReportMetric } from './types.ts';

/**
 * What every check of the offline report verifier works on: the parsed
 * report, the contract terms it carries, the verifier keys given, the
 * entries decoded once, and the figures several checks recompute (the exact
 * comparison rows, the payments worked out from the contract), each computed
 * once. Also the small plumbing the checks share: how a check fails, and how
 * a list of problems is summed up.
 */

export interface ReportCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly message?: string;
}

export interface ReportVerification {
  /** Every check holds. */
  readonly ok: boolean;
  readonly contract?: string;
  readonly period?: string;
  readonly checks: readonly ReportCheck[];
  /** What passed only by an opt-out (fewer witnesses than the trust policy's quorum), to be shown. */
  readonly warnings?: readonly string[];
}

/** Records one problem of the check under way. */
export type Fail = (message: string) => void;

/** A check: it reports problems through `fail`, and may return what it found (the message of a passed check). */
export type Check = (ctx: ReportContext, fail: Fail) => string | undefined;

export interface Document {
  /** The parsed JSON, as it is (what the signature covers). */
  readonly raw: Record<string, unknown>;
  readonly report: AuditReport;
  readonly spec: ContractSpec;
  readonly text: string;
}

/** The comparison rows with exact numbers, by `id`, NUL, `group` (one per pair: the last the report lists). */
export type ExactRows = ReadonlyMap<string, ExactComparison>;

/** The payment lines worked out from the contract: what is wrong with the report's, and the caps as they end. */
export interface Simulation {
  readonly problems: readonly string[];
  readonly caps: readonly CapState[];
  /** Caps a per-outcome line may or may not have been cut by (its figures per participant are not in the report). */
  readonly maybeBinding: ReadonlySet<string>;
}

export class ReportContext {
  readonly raw: Record<string, unknown>;
  readonly report: AuditReport;
  readonly spec: ContractSpec;
  readonly text: string;
  /** The verifier keys as given. */
  readonly keyTexts: readonly string[];
  /** The keys that parse (the keys check fills it). */
  readonly keys: VerifierKey[] = [];
  /** Warnings of checks that passed by an opt-out (verify-trust.ts). */
  readonly warnings: string[] = [];
  readonly #entries = new Map<ProvenEntry, Entry | undefined>();
  #rows: ExactRows | undefined;
  #simulation: Simulation | undefined;

  /** The trust policy and opt-outs given (verify.ts VerifyOptions). */
  readonly options: { readonly trust?: TrustPolicy; readonly allowFewerWitnesses?: boolean };

  constructor(
    document: Document,
    keys: readonly string[],
    options: { readonly trust?: TrustPolicy; readonly allowFewerWitnesses?: boolean } = {},
  ) {
    this.options = options;
    this.raw = document.raw;
    this.report = document.report;
    this.spec = document.spec;
    this.text = document.text;
    this.keyTexts = Array.isArray(keys) ? keys : [];
  }

  /** The decoded entry of a proven entry, or undefined if it does not decode. */
  entry(p: ProvenEntry): Entry | undefined {
    if (!this.#entries.has(p)) {
      try {
        this.#entries.set(p, decodeEntry(utf8(p.entry), p.seq));
      } catch {
        this.#entries.set(p, undefined);
      }
    }
    return this.#entries.get(p);
  }

  metricSpec(id: string): Metric | undefined {
    return this.spec.metrics.find((m) => m.id === id);
  }

  /** The report's figures of a metric (the first it lists under the id). */
  reportMetric(id: string): ReportMetric | undefined {
    return this.report.evaluation.metrics.find((m) => m.id === id);
  }

  /** The exact comparison rows, computed once (again after a failure). */
  rows(compute: () => ExactRows): ExactRows {
    this.#rows ??= compute();
    return this.#rows;
  }

  /**
   * An amount of minor units as a person reads it: `35,000,000.00 RUB` (the
   * report's currency), so no kopeck figure passes for roubles.
   */
  money(minor: bigint | string): string {
    const { currency, minorUnit } = this.report.payments;
    const v = typeof minor === 'bigint' ? minor : /^-?\d+$/.test(minor) ? BigInt(minor) : undefined;
    if (v === undefined || !Number.isSafeInteger(minorUnit) || minorUnit < 0 || minorUnit > 8) return `${minor}`;
    return `${formatMoney(v, minorUnit)} ${currency}`;
  }

  /** The payments worked out from the contract, once (again after a failure). */
  simulation(compute: () => Simulation): Simulation {
    this.#simulation ??= compute();
    return this.#simulation;
  }
}

export const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** The first problems, and how many more. */
export const summary = (problems: readonly string[], max = 8): string =>
  problems.length <= max
    ? problems.join('; ')
    : `${problems.slice(0, max).join('; ')}; and ${problems.length - max} more`;

export const sumOf = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);
