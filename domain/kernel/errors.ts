/**
 * The domain's error hierarchy. Each error is mapped to an HTTP status in
 * exactly one place (functions/shared), and to an exit code in the CLI.
 */

/** One thing wrong with an input: which record, which field, why. */
export interface Problem {
  /** Record index in a batch, CSV line, or `seq` of a ledger entry, when one applies. */
  readonly at?: number | string;
  readonly field?: string;
  readonly message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** How many problems there were in all, and per field, when `problems` lists only the first of them. */
export interface ProblemSummary {
  readonly total: number;
  /** Problems per field (`(record)` for a problem of a whole record, `(batch)` for one of the whole input). */
  readonly byField: Readonly<Record<string, number>>;
}

export class ValidationError extends DomainError {
  readonly code = 'validation';
  readonly problems: readonly Problem[];
  readonly summary?: ProblemSummary;
  constructor(
    message: string,
    problems: readonly Problem[] = [],
    options?: { cause?: unknown; summary?: ProblemSummary },
  ) {
    super(message, options);
    this.problems = problems;
    if (options?.summary !== undefined) this.summary = options.summary;
  }
}

export class ConflictError extends DomainError {
  readonly code = 'conflict';
  readonly details: Readonly<Record<string, string | number>>;
  constructor(message: string, details: Record<string, string | number> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.details = details;
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not-found';
}

export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** Stored or exported data does not verify. `seq` names the first entry at fault, when known. */
export class IntegrityError extends DomainError {
  readonly code = 'integrity';
  readonly seq: number | undefined;
  constructor(message: string, seq?: number, options?: { cause?: unknown }) {
    super(seq === undefined ? message : `seq ${seq}: ${message}`, options);
    this.seq = seq;
  }
}

/**
 * An append conditioned on the log's size found the log longer: the checks
 * the entry relied on were made on an older snapshot, so nothing was written.
 * The caller reads the log again and checks again.
 */
export class LogMovedError extends ConflictError {
  constructor(contract: string, expectedSize: number, size: number, options?: { cause?: unknown }) {
    super(
      `the log of ${contract} has ${size} entries, not the ${expectedSize} this entry was checked against; nothing was written`,
      { contract, expectedSize, size },
      options,
    );
  }
}
