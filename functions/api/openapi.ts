import * as z from 'zod';
import document from '../../docs/openapi.json' with { type: 'json' };
import { apiHandler, defineRoute, json, type RouteImpl } from './http.ts';

/**
 * GET /openapi.json: the OpenAPI 3.1 document, docs/openapi.json. It is
 * generated from the route table and the handlers' zod schemas by
 * functions/api/openapi-doc.ts (`node functions/api/openapi-doc.ts`), and a
 * test fails when the file differs from what the generator gives. Serving the
 * file keeps this function's bundle small: the generator imports every
 * handler module, and with them every AWS client.
 */
export const IMPLS = {
  getOpenApi: defineRoute(
    {
      response: z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) }),
    },
    async () => json(200, document),
  ),
} satisfies Record<string, RouteImpl>;

export const handler = apiHandler(IMPLS);
