import { ConflictError, ForbiddenError, IntegrityError, NotFoundError, type Problem, ValidationError } from '#kernel';
import { isRetryable } from '../adapters/retryable.ts';

/**
 * THE mapping from errors to HTTP answers: RFC 9457 problem details. The
 * Lambda error middleware and the CLI's `--json` output both use it, so a
 * client sees the same document whichever way it submitted.
 *
 * | error                               | status | shown to the client          |
 * |-------------------------------------|--------|------------------------------|
 * | BadRequestError (request syntax)    | 400    | message                      |
 * | UnauthorizedError (no subject)      | 401    | message                      |
 * | ForbiddenError                      | 403    | message                      |
 * | NotFoundError                       | 404    | message                      |
 * | ConflictError                       | 409    | message and details (hashes) |
 * | PayloadTooLargeError                | 413    | message (names the bound)    |
 * | UnsupportedMediaTypeError           | 415    | message                      |
 * | ValidationError                     | 422    | message and every problem    |
 * |   (a rejected batch)                |        | the first 1,000, their count |
 * |                                     |        | in all and per field         |
 * | IntegrityError                      | 500    | a generic text only          |
 * | transient (timeout, throttling,     | 503    | a generic text, Retry-After  |
 * |   lost ingest lease)                |        |                              |
 * | anything else                       | 500    | a generic text only          |
 *
 * IntegrityError is a 500, not a 4xx: stored data failing verification is
 * never the caller's doing. It gets its own type so that monitoring can tell
 * it from an ordinary crash, but its message (which names entries) stays in
 * the logs. Transient faults are 503 because retrying the same request is
 * the right reaction and is safe: a batch id is appended at most once.
 */

export const PROBLEM_JSON = 'application/problem+json';

/** Problem types with meaning beyond the status code; the rest are `about:blank` (RFC 9457 §4.2.1). */
export const PROBLEM_TYPES = {
  validation: 'urn:sib-ledger:problem:validation',
  conflict: 'urn:sib-ledger:problem:conflict',
  integrity: 'urn:sib-ledger:problem:integrity',
  unavailable: 'urn:sib-ledger:problem:unavailable',
} as const;

/** An error of the HTTP edge itself: the request is at fault, and the message is written for the client. */
export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  /** What exactly is wrong, field by field (e.g. the path parameter named), when there is more than the message. */
  readonly problems: readonly Problem[] | undefined;
  constructor(
    status: number,
    title: string,
    message: string,
    options?: { cause?: unknown; problems?: readonly Problem[] },
  ) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.title = title;
    this.problems = options?.problems;
  }
}

export class BadRequestError extends HttpError {
  constructor(message: string, options?: { cause?: unknown; problems?: readonly Problem[] }) {
    super(400, 'Bad Request', message, options);
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(401, 'Unauthorized', message, options);
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(413, 'Content Too Large', message, options);
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(415, 'Unsupported Media Type', message, options);
  }
}

export interface ProblemDocument {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance?: string;
  readonly requestId?: string;
  readonly errors?: readonly { at?: number | string; field?: string; message: string }[];
  /** A rejected batch: how many problems there were in all (`errors` lists at most the first 1,000). */
  readonly problemCount?: number;
  /** A rejected batch: problems per field, all of them counted. */
  readonly problemsByField?: Readonly<Record<string, number>>;
  readonly [extension: string]: unknown;
}

export interface MappedProblem {
  readonly status: number;
  readonly document: ProblemDocument;
  /** Extra response headers (Retry-After). */
  readonly headers: Readonly<Record<string, string>>;
  /** Our fault (5xx): log it with its internals as an error; the client saw none of them. */
  readonly fault: boolean;
}

export interface ProblemOptions {
  readonly instance?: string;
  readonly requestId?: string;
  /** Title of a 422: what was rejected ("Batch rejected" for evidence batches). */
  readonly validationTitle?: string;
}

const GENERIC_500 = 'The request failed on our side. Quote the request id when reporting it.';
const GENERIC_503 =
  'A service the ledger depends on did not answer in time. Retrying the same request is safe: a batch is appended at most once.';

const errorsOf = (problems: readonly Problem[]) =>
  problems.map((p) => ({ at: p.at, field: p.field, message: p.message }));

/** Timeouts (SDK or middy), throttling left after the retries, and a lost ingest lease: worth a retry. */
export function isTransient(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  // By name, not instanceof: the ledger's module (and its SDK clients) stays out of bundles that only map errors.
  return name === 'FenceLostError' || name === 'TimeoutError' || isRetryable(error);
}

/** Maps any thrown value to its answer; see the table above. */
export function toProblem(error: unknown, options: ProblemOptions = {}): MappedProblem {
  const base = { instance: options.instance, requestId: options.requestId };
  const answer = (
    status: number,
    {
      type = 'about:blank',
      title,
      detail,
      ...extensions
    }: { type?: string; title: string; detail: string } & Record<string, unknown>,
    headers: Record<string, string> = {},
  ): MappedProblem => ({
    status,
    document: { type, title, status, detail, ...extensions, ...base },
    headers,
    fault: status >= 500,
  });

  if (error instanceof ValidationError) {
    return answer(422, {
      type: PROBLEM_TYPES.validation,
      title: options.validationTitle ?? 'Invalid request',
      detail: error.message,
      errors: errorsOf(error.problems),
      // A long list is cut (domain/intake/rejection.ts): the count of all, and per field, beside it.
      ...(error.summary === undefined
        ? {}
        : { problemCount: error.summary.total, problemsByField: error.summary.byField }),
    });
  }
  if (error instanceof ConflictError) {
    // The details (batch id, stored and submitted hashes) are extension members (RFC 9457 §3.2).
    return answer(409, { ...error.details, type: PROBLEM_TYPES.conflict, title: 'Conflict', detail: error.message });
  }
  if (error instanceof NotFoundError) return answer(404, { title: 'Not Found', detail: error.message });
  if (error instanceof ForbiddenError) return answer(403, { title: 'Forbidden', detail: error.message });
  if (error instanceof HttpError) {
    const errors = error.problems === undefined ? {} : { errors: errorsOf(error.problems) };
    return answer(error.status, { title: error.title, detail: error.message, ...errors });
  }
  if (error instanceof IntegrityError) {
    return answer(500, { type: PROBLEM_TYPES.integrity, title: 'Ledger integrity failure', detail: GENERIC_500 });
  }
  if (isTransient(error)) {
    return answer(
      503,
      { type: PROBLEM_TYPES.unavailable, title: 'Service Unavailable', detail: GENERIC_503 },
      {
        'retry-after': '1',
      },
    );
  }
  return answer(500, { title: 'Internal Server Error', detail: GENERIC_500 });
}

/** RFC 9457 problem details for a rejected batch, as the CLI prints them with `--json` (the API answers the same). */
export function problemDocument(error: ValidationError | ConflictError, instance?: string): ProblemDocument {
  return toProblem(error, { instance, validationTitle: 'Batch rejected' }).document;
}
