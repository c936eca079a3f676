/** The shapes of the API's answers the role commands print (functions/api/*.ts). */
import type { ContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import type { Actor } from '#ledger';
import type { IngestReceipt, PaymentStepReceipt, StoredReport } from '#services';
import type { ProblemBody } from '../api-client.ts';

/** A batch's receipt as the API answers it (`replayed` only when true). */
export type BatchReceipt = Omit<IngestReceipt, 'replayed'> & { readonly replayed?: boolean };

export type UploadStatus =
  | { readonly status: 'pending'; readonly batchId: string; readonly uploadedAt?: string }
  | { readonly status: 'accepted'; readonly batchId: string; readonly receipt: BatchReceipt }
  | {
      readonly status: 'rejected';
      readonly batchId: string;
      readonly title: string;
      readonly detail: string;
      readonly problems: NonNullable<ProblemBody['errors']>;
      readonly problemCount?: number;
      readonly problemsByField?: Readonly<Record<string, number>>;
    };

/** A payment step's receipt, as the API answers it. */
export type StepReceipt = PaymentStepReceipt;

export interface IssuedReport extends StoredReport {
  readonly reused: boolean;
  readonly state: string;
  readonly witnesses: readonly string[];
}

export type ApprovalReport =
  | ({ readonly issued: true } & IssuedReport)
  | {
      readonly issued: false;
      readonly problem: { readonly status: number; readonly title: string; readonly detail: string };
    };

export interface EvaluationRun {
  readonly contract: string;
  readonly sha256: string;
  readonly key: string;
  readonly entry: { readonly seq: number; readonly entryHash: string; readonly treeSize: number; replayed: boolean };
  readonly result: EvaluationResult;
}

export interface RecordedEvaluation {
  readonly contract: string;
  readonly seq: number;
  readonly period: string;
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly sha256: string;
  readonly key: string;
  readonly recordedBy: Actor;
  readonly recordedAt: string;
  readonly result: EvaluationResult;
}

export interface QueriedRecords {
  readonly records: { readonly batchId: string; readonly index: number; readonly record: Record<string, unknown> }[];
  readonly next?: string;
}

export interface ContractVersions {
  readonly contract: string;
  readonly versions: {
    readonly version: number;
    readonly effectiveFrom: string;
    readonly seq: number;
    readonly hash: string;
    readonly spec: ContractSpec;
  }[];
}

export interface Link {
  readonly url: string;
  readonly fileName: string;
}
