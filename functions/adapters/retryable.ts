/**
 * Whether an AWS SDK error is worth retrying: throttling, a transaction
 * conflict, a fault on the service's side. Apart from dynamo-io.ts (which
 * retries with it) so that the HTTP problem mapping (functions/shared/
 * problem.ts) can say "retry" without bringing the DynamoDB client into
 * every function's bundle.
 */

const RETRYABLE = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
]);

export function isRetryable(error: unknown): boolean {
  const e = error as { name?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  return RETRYABLE.has(e.name ?? '') || e.$retryable !== undefined || (e.$metadata?.httpStatusCode ?? 0) >= 500;
}
