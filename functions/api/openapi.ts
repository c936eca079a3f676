import * as z from 'zod';
import { NotFoundError } from '#kernel';
import document from '../../docs/openapi.json' with { type: 'json' };
import { httpHandler, json } from '../shared/middleware.ts';
import type { RouteImpl } from './http.ts';

/**
 * GET /openapi.json: the OpenAPI 3.1 document, docs/openapi.json. It is
 * generated from the route table and the handlers' zod schemas by
 * functions/api/openapi-doc.ts (`node functions/api/openapi-doc.ts`), and a
 * test fails when the file differs from what the generator gives.
 *
 * Serving the file keeps this function's bundle small: the generator imports
 * every handler module, and with them every AWS client. For the same reason
 * the handler is the shared HTTP middleware alone, not `apiHandler`: the
 * route is public (no token to check, no body, no runtime), and apiHandler's
 * module brings the composition root (the SDK clients) into the bundle. The
 * document is as large as the API, so that room matters.
 */
const getOpenApi = async () => json(200, document);

/** The route's schemas, for the generator (the handler below serves it). */
export const IMPLS = {
  getOpenApi: {
    schemas: {
      response: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
    },
    run: getOpenApi,
  },
} satisfies Record<string, RouteImpl>;

export const handler = httpHandler(async (event) => {
  if (event.routeKey !== 'GET /openapi.json') throw new NotFoundError(`no route ${event.routeKey}`);
  return getOpenApi();
});
