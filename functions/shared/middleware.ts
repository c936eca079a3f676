import { randomUUID } from 'node:crypto';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj, type Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { PROBLEM_JSON, toProblem } from './problem.ts';

/**
 * The one middleware stack of the HTTP handlers: Powertools logger, tracer
 * and metrics, the request id on every answer, and the error handler that
 * turns any error into RFC 9457 problem details through problem.ts (the one
 * place errors meet HTTP status codes).
 *
 * Logs are structured JSON and carry no personal data: never the event or a
 * body (logEvent is forced off, whatever POWERTOOLS_LOGGER_LOG_EVENT says),
 * only ids (request, batch, contract), counts and statuses.
 */

const serviceName = process.env.POWERTOOLS_SERVICE_NAME || 'sib-ledger';

// Module singletons: built once per Lambda instance, reused across invocations.
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: 'SibLedger', serviceName });
export const tracer = new Tracer({ serviceName });

export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpCore = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;
type HttpRequest = Request<APIGatewayProxyEventV2, HttpResult, Error, Context, Record<string, unknown>>;
type HttpMiddleware = MiddlewareObj<APIGatewayProxyEventV2, HttpResult, Error, Context, Record<string, unknown>>;

const REQUEST_ID = 'sib.requestId';

/**
 * The request's id: API Gateway's (it is in the access logs too), else the
 * Lambda invocation's. Kept in `request.internal` so that every middleware
 * agrees on it, even when an error struck before the first `before` ran.
 */
export function requestIdOf(request: HttpRequest): string {
  let id = request.internal[REQUEST_ID] as string | undefined;
  if (!id) {
    id = request.event?.requestContext?.requestId || request.context?.awsRequestId || randomUUID();
    request.internal[REQUEST_ID] = id;
  }
  return id;
}

/** A JSON answer. */
export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const requestIdDefaults = { header: 'x-request-id', logger };

/** Puts the request id (and route, contract) on every log line, and the request id on every answer, errors included. */
export const requestId = (opts: Partial<typeof requestIdDefaults> = {}): HttpMiddleware => {
  const options = { ...requestIdDefaults, ...opts };
  const stamp = (request: HttpRequest) => {
    if (!request.response) return;
    const headers = { ...request.response.headers, [options.header]: requestIdOf(request) };
    request.response = { ...request.response, headers };
  };
  return {
    before: (request) => {
      options.logger.appendKeys({
        requestId: requestIdOf(request),
        route: request.event.routeKey,
        contract: request.event.pathParameters?.contract,
      });
    },
    after: stamp,
    onError: stamp,
  };
};

const httpErrorsDefaults = { logger, metrics, validationTitle: undefined as string | undefined };

/**
 * Answers any error as `application/problem+json`. 4xx details reach the
 * client; 5xx answers carry a generic text and the request id, while the
 * error itself goes to the log (and a ServerErrors metric) for the operators.
 */
export const httpErrors = (opts: Partial<typeof httpErrorsDefaults> = {}): HttpMiddleware => {
  const options = { ...httpErrorsDefaults, ...opts };
  return {
    onError: (request) => {
      const mapped = toProblem(request.error, {
        instance: request.event?.rawPath,
        requestId: requestIdOf(request),
        validationTitle: options.validationTitle,
      });
      const { status, document } = mapped;
      if (mapped.fault) {
        options.logger.error('request failed', { status, type: document.type, error: request.error as Error });
      } else {
        // The problem list is not logged: its messages may quote what the operator sent.
        options.logger.info('request refused', { status, type: document.type, problems: document.errors?.length });
      }
      options.metrics.addMetric(mapped.fault ? 'ServerErrors' : 'ClientErrors', MetricUnit.Count, 1);
      request.response = {
        statusCode: status,
        headers: { 'content-type': PROBLEM_JSON, ...mapped.headers },
        body: JSON.stringify(document),
      };
    },
  };
};

export interface HttpHandlerOptions {
  /** Title of a 422 answer (e.g. "Batch rejected"). */
  readonly validationTitle?: string;
}

/**
 * Wraps a handler core with the stack. Order matters: `after` and `onError`
 * run in reverse, so the error handler answers first, then metrics are
 * published, the trace closed, the request id stamped on the answer, and the
 * logger's per-request keys cleared.
 */
export function httpHandler(core: HttpCore, options: HttpHandlerOptions = {}) {
  return (
    middy<APIGatewayProxyEventV2, HttpResult, Error, Context, Record<string, unknown>>(core)
      .use(injectLambdaContext(logger, { logEvent: false, resetKeys: true }))
      .use(requestId())
      .use(captureLambdaHandler(tracer, { captureResponse: false }))
      .use(logMetrics(metrics, { captureColdStartMetric: true }))
      // Every request counts, so each invocation has a metric (Powertools warns on every empty one).
      .use({
        // A block: a `before` that returns a value would become the answer.
        before: () => {
          metrics.addMetric('Requests', MetricUnit.Count, 1);
        },
      })
      .use(httpErrors({ validationTitle: options.validationTitle }))
  );
}
