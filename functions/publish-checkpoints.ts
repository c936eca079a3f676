import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { type PublishSummary, publishCheckpoints } from '#ledger';
import { runtime } from './shared/composition.ts';
import { logger, metrics, tracer } from './shared/middleware.ts';

/**
 * The scheduled checkpoint publisher (an EventBridge schedule in AWS, see
 * infra/stacks/stateless-stack.ts): signs and stores a checkpoint at HEAD
 * for every log that has grown since its last one (domain/ledger/log.ts
 * publishCheckpoints). The event's content is not used.
 *
 * Logs carry contract ids, sizes and counts only. A log that could not be
 * checkpointed is logged and counted, the others are still published, and
 * then the invocation fails, so that the function's error alarm fires.
 */

export class CheckpointsFailedError extends Error {
  override readonly name = 'CheckpointsFailedError';
}

export async function publishAll(): Promise<PublishSummary> {
  const rt = await runtime();
  const summary = await publishCheckpoints(rt.log, rt.signer);
  metrics.addMetric('CheckpointsPublished', MetricUnit.Count, summary.published.length);
  metrics.addMetric('CheckpointsCurrent', MetricUnit.Count, summary.current);
  metrics.addMetric('CheckpointsFailed', MetricUnit.Count, summary.failed.length);
  for (const { contract, size } of summary.published) logger.info('checkpoint published', { contract, size });
  for (const { contract, error } of summary.failed) logger.error('checkpoint not published', { contract, error });
  if (summary.failed.length > 0) {
    throw new CheckpointsFailedError(
      `${summary.failed.length} log(s) could not be checkpointed: ${summary.failed.map((f) => f.contract).join(', ')}`,
    );
  }
  return summary;
}

export const handler = middy<unknown, PublishSummary, Error, Context>(() => publishAll())
  .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
  .use(captureLambdaHandler(tracer, { captureResponse: false }))
  .use(logMetrics(metrics, { captureColdStartMetric: true }));
