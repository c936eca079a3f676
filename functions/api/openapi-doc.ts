import { writeFileSync } from 'node:fs';
import * as z from 'zod';
import { BATCH_ID } from '#intake';
import { ContractIdSchema } from '#ledger';
import packageJson from '../../package.json' with { type: 'json' };
import * as ingestBatch from '../ingest-batch.ts';
import * as presignUpload from '../presign-upload.ts';
import { ERRORS, type ErrorStatus } from './api-doc.ts';
import * as contracts from './contracts.ts';
import * as dev from './dev.ts';
import type { RouteImpl, RouteSchemas } from './http.ts';
import * as ledger from './ledger.ts';
import * as openApi from './openapi.ts';
import * as payments from './payments.ts';
import * as reports from './reports.ts';
import { type HandlerModule, ROUTES, type RouteDef } from './routes.ts';

/**
 * The OpenAPI 3.1 document of the API (served by functions/api/openapi.ts as
 * docs/openapi.json; regenerate with `node functions/api/openapi-doc.ts`), generated from the
 * route table (routes.ts: paths, summaries, roles, contract scoping) and the
 * zod schemas each handler module declares for its routes (IMPLS: params,
 * query, body, response), so the document cannot drift from what is served.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what zod emits.
 *
 * Handler modules that predate the route table (no IMPLS) have their routes
 * described by hand below (HAND), with the schemas they export.
 */

type JsonSchema = Record<string, unknown>;
type Impls = Readonly<Record<string, RouteImpl>>;

/** The error answer of every route: RFC 9457 problem details (functions/shared/problem.ts). */
export const ProblemDetailsSchema = z
  .looseObject({
    type: z
      .string()
      .describe('A URI naming the kind of problem: about:blank, or urn:sib-ledger:problem:<kind> with more meaning'),
    title: z.string().describe('A short summary of the kind of problem'),
    status: z.int().min(400).max(599).describe('The HTTP status code'),
    detail: z.string().describe('What went wrong with this request (for 5xx, a generic text: internals are logged)'),
    instance: z.string().optional().describe('The request path'),
    requestId: z.string().optional().describe('The request id (also the x-request-id header); quote it when reporting'),
    errors: z
      .array(
        z.object({
          at: z
            .union([z.int().min(0), z.string()])
            .optional()
            .describe('Where: a record index (JSON) or a line (CSV)'),
          field: z.string().optional().describe('The field at fault'),
          message: z.string(),
        }),
      )
      .optional()
      .describe(
        'Every problem found (422): the request was refused whole, nothing was written. A rejected batch lists at most the first 1,000',
      ),
    problemCount: z.int().min(0).optional().describe('A rejected batch: how many problems there were in all'),
    problemsByField: z
      .record(z.string(), z.int().min(0))
      .optional()
      .describe('A rejected batch: problems per field, all counted ((record): a whole record, (batch): the batch)'),
  })
  .describe('RFC 9457 problem details');

const ERROR_NAMES: Readonly<Record<ErrorStatus, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  413: 'ContentTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableContent',
  500: 'InternalServerError',
  503: 'ServiceUnavailable',
};

/** A route's documentation: its schemas, whichever way they were declared. */
interface RouteDoc extends RouteSchemas {
  /** Request bodies by media type, beside (or instead of) `body` (application/json). */
  readonly bodies?: Readonly<Record<string, JsonSchema>>;
  readonly headers?: readonly { name: string; description: string; schema: JsonSchema }[];
  /** Further success answers (status -> description, same body as the main one). */
  readonly alsoSuccess?: Readonly<Record<number, string>>;
  readonly description?: string;
}

const BatchId = z
  .string()
  .regex(BATCH_ID)
  .describe('The batch id: letters, digits and . _ : / - (at most 64), starting with a letter or digit');

const ReceiptSchema = z
  .object({
    contract: z.string(),
    batchId: z.string(),
    seq: z.int().min(0).describe("The batch entry's position in the contract's log"),
    entryHash: z.string().describe("The entry's leaf hash (hex)"),
    recordsRoot: z.string().describe("The Merkle root of the batch's records (hex)"),
    recordCount: z.int().min(0),
    archive: z.object({ key: z.string(), sha256: z.string() }).describe('The archived batch in the evidence bucket'),
    checkpoint: z.string().describe('The signed checkpoint (C2SP signed note) right after the entry'),
    replayed: z.boolean().describe('True when the batch had been appended before and this is its original receipt'),
  })
  .describe('The receipt of an appended batch');

/** A schema a module exports, if it does (modules without IMPLS may or may not export theirs). */
const exported = (mod: object, ...names: string[]): z.ZodType | undefined =>
  names.map((name) => (mod as Record<string, unknown>)[name]).find((s): s is z.ZodType => s instanceof z.ZodType);
const presignRequest = exported(presignUpload, 'UploadRequestSchema', 'PresignRequestSchema');
const presignResponse = exported(presignUpload, 'UploadResponseSchema');
const receipt = exported(ingestBatch, 'BatchReceiptSchema');

/**
 * Routes of handler modules without IMPLS, or parts an IMPLS cannot express
 * (a CSV body, a body the handler checks itself): where HAND speaks, it wins.
 */
const HAND: Readonly<Record<string, RouteDoc>> = {
  issueDevToken: {
    description:
      'The local gateway only (x-local-only): a deployed stack has no such route. The body is checked by the handler, ' +
      'every bad field a 400 problem naming it (errors).',
    body: dev.DevTokenBodySchema,
  },
  submitBatch: {
    description:
      'The batch is validated whole: any problem rejects it (422, every problem listed) and nothing is written. ' +
      'As JSON the body names its batch id; as CSV or XLSX the id is the batchId query parameter or the Idempotency-Key header.',
    params: z.object({ contract: ContractIdSchema }),
    query: z.object({
      batchId: BatchId.optional(),
      sheet: z.string().optional().describe("The workbook's sheet to read (XLSX; default: the first)"),
    }),
    headers: [
      {
        name: 'Idempotency-Key',
        description: 'The batch id of a CSV or XLSX body (instead of the batchId query parameter; they must agree)',
        schema: { type: 'string' },
      },
    ],
    body: z.object({
      batchId: BatchId,
      records: z
        .array(z.record(z.string(), z.unknown()))
        .describe('Evidence records (docs/evidence.md): enrolment, employment, offence, service, ...'),
    }),
    bodies: {
      'text/csv': {
        type: 'string',
        description:
          'Evidence records as CSV (UTF-8, or Windows-1251 sent as text/csv; charset=windows-1251; a header line naming the columns; docs/evidence.md)',
      },
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': {
        type: 'string',
        contentMediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        description: 'Evidence records as an XLSX workbook: one sheet with the CSV columns (docs/evidence.md)',
      },
    },
    response: receipt ?? ReceiptSchema,
    status: 201,
    alsoSuccess: { 200: 'The same batch again: its original receipt (replayed: true); nothing is written' },
  },
  presignUpload: {
    description:
      'The upload is a PUT of the CSV (or XLSX workbook) to the URL with exactly the headers given; the batch is ingested when it lands ' +
      '(its result: GET /contracts/{contract}/uploads/{batchId}).',
    params: z.object({ contract: ContractIdSchema }),
    ...(presignRequest === undefined ? {} : { body: presignRequest }),
    response:
      presignResponse ??
      z.object({
        url: z.string().describe('The presigned URL (short-lived)'),
        key: z.string(),
        bucket: z.string(),
        expiresIn: z.int().describe('Seconds the URL stays valid'),
        method: z.literal('PUT'),
        headers: z.record(z.string(), z.string()).describe('The headers the PUT must send, exactly'),
      }),
    status: 201,
  },
};

/** The IMPLS of each handler module, where it declares them. */
function moduleImpls(): Readonly<Record<HandlerModule, Impls | undefined>> {
  const of = (mod: object): Impls | undefined => (mod as { IMPLS?: Impls }).IMPLS;
  return {
    'ingest-batch': of(ingestBatch),
    'presign-upload': of(presignUpload),
    'api/ledger': of(ledger),
    'api/contracts': of(contracts),
    'api/payments': of(payments),
    'api/reports': of(reports),
    'api/openapi': openApi.IMPLS,
    'api/dev': of(dev),
  };
}

/** The route's documentation: its IMPLS schemas, with HAND's where HAND gives them. */
function routeDoc(route: RouteDef, impls: Impls | undefined): RouteDoc {
  const declared: RouteSchemas = impls?.[route.id]?.schemas ?? {};
  const hand = HAND[route.id] ?? {};
  const given = Object.entries(declared).filter(([key, value]) => value !== undefined && !(key in hand));
  return { ...hand, ...Object.fromEntries(given) };
}

/**
 * zod to JSON Schema, with `$defs` (recursive schemas, schemas with a
 * registered id) moved into components.schemas: inside an OpenAPI document,
 * `#/$defs/...` would point at the document's root. Exported for tests.
 */
export class SchemaConverter {
  readonly components: Record<string, JsonSchema> = {};
  /** The definition each named component came from (a registered schema used twice is one component). */
  readonly #sources = new Map<string, string>();

  convert(schema: z.ZodType, io: 'input' | 'output', hint: string): JsonSchema {
    let converted: JsonSchema;
    try {
      converted = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    } catch (error) {
      throw new Error(`${hint}: the schema cannot be expressed as JSON Schema`, { cause: error });
    }
    const { $schema: _, $defs, ...root } = converted;
    const names = new Map<string, string>();
    const reused = new Set<string>();
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      const source = JSON.stringify(def);
      if (!name.startsWith('__') && this.#sources.get(name) === source) {
        names.set(name, name);
        reused.add(name);
      } else {
        const free = this.#freeName(name.startsWith('__') ? `${hint}${name.replace(/^_+/, '_')}` : name);
        names.set(name, free);
        this.#sources.set(free, source);
      }
    }
    // Self-references (`#`) of a recursive root: the root becomes a component too.
    const selfName = JSON.stringify(root).includes('"$ref":"#"') ? this.#freeName(hint) : undefined;
    const rewrite = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(rewrite);
      if (value === null || typeof value !== 'object') return value;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        if (k === '$ref' && typeof v === 'string') {
          if (v === '#' && selfName !== undefined) out[k] = `#/components/schemas/${selfName}`;
          else if (v.startsWith('#/$defs/')) out[k] = `#/components/schemas/${names.get(v.slice(8)) ?? v.slice(8)}`;
          else out[k] = v;
        } else out[k] = rewrite(v);
      }
      return out;
    };
    for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
      if (!reused.has(name)) this.components[names.get(name) as string] = rewrite(def) as JsonSchema;
    }
    const rewritten = rewrite(root) as JsonSchema;
    if (selfName === undefined) return rewritten;
    this.components[selfName] = rewritten;
    return { $ref: `#/components/schemas/${selfName}` };
  }

  /** `schema` as the component `name`; a reference to it. */
  component(name: string, schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    if (name in this.components || this.#sources.has(name)) throw new Error(`component ${name} is taken`);
    this.#sources.set(name, '');
    this.components[name] = this.convert(schema, io, name);
    return { $ref: `#/components/schemas/${name}` };
  }

  #freeName(wanted: string): string {
    const base = wanted.replace(/[^A-Za-z0-9._-]/g, '_');
    let name = base;
    for (let n = 2; name in this.components || this.#sources.has(name); n++) name = `${base}${n}`;
    this.#sources.set(name, '');
    return name;
  }
}

const pathParams = (path: string) => [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1] as string);

function parameters(route: RouteDef, doc: RouteDoc, schemas: SchemaConverter): JsonSchema[] {
  const out: JsonSchema[] = [];
  const declared = doc.params ? schemas.convert(doc.params, 'input', `${route.id}Params`) : {};
  const properties = (declared.properties ?? {}) as Record<string, JsonSchema>;
  for (const name of pathParams(route.path)) {
    const { description, ...schema } = properties[name] ?? { type: 'string' };
    out.push({
      name,
      in: 'path',
      required: true,
      ...(description === undefined ? {} : { description }),
      schema,
    });
  }
  if (doc.query) {
    const query = schemas.convert(doc.query, 'input', `${route.id}Query`);
    const required = new Set((query.required ?? []) as string[]);
    for (const [name, property] of Object.entries((query.properties ?? {}) as Record<string, JsonSchema>)) {
      const { description, ...schema } = property;
      out.push({
        name,
        in: 'query',
        required: required.has(name),
        ...(description === undefined ? {} : { description }),
        schema,
      });
    }
  }
  for (const header of doc.headers ?? []) {
    out.push({
      name: header.name,
      in: 'header',
      required: false,
      description: header.description,
      schema: header.schema,
    });
  }
  return out;
}

function requestBody(route: RouteDef, doc: RouteDoc, schemas: SchemaConverter): JsonSchema | undefined {
  const content: Record<string, { schema: JsonSchema }> = {};
  if (doc.body) content['application/json'] = { schema: schemas.convert(doc.body, 'input', `${route.id}Body`) };
  for (const [type, schema] of Object.entries(doc.bodies ?? {})) content[type] = { schema };
  if (Object.keys(content).length === 0) return undefined;
  // A JSON body that may be `{}` may be left out altogether (functions/api/http.ts reads none as `{}`).
  const optional = doc.bodies === undefined && doc.body?.safeParse({}).success === true;
  return { required: !optional, content };
}

/** The error answers a route can give. */
function errorStatuses(route: RouteDef, hasBody: boolean, conflict: boolean): ErrorStatus[] {
  const statuses: ErrorStatus[] = [];
  if (route.roles !== 'public') statuses.push(400, 401, 403, 404);
  // The local gateway's own routes: a bad body is 400; on a deployed stack they are absent (404).
  else if (route.localOnly === true) statuses.push(...(hasBody ? [400 as const] : []), 404);
  if (route.method === 'POST' || conflict) statuses.push(409);
  if (hasBody) statuses.push(413, 415);
  if (route.roles !== 'public') statuses.push(422);
  statuses.push(500, 503);
  return statuses;
}

function operation(route: RouteDef, doc: RouteDoc, schemas: SchemaConverter): JsonSchema {
  const body = requestBody(route, doc, schemas);
  const status = doc.status ?? 200;
  const mediaType = doc.responseType ?? 'application/json';
  const success = {
    content: {
      [mediaType]: {
        schema: doc.response
          ? schemas.convert(doc.response, 'output', `${route.id}Response`)
          : mediaType === 'application/json'
            ? {}
            : { type: 'string' },
      },
      ...Object.fromEntries(
        (doc.alsoTypes ?? []).map((type) => [
          type,
          { schema: type.startsWith('text/') ? { type: 'string' } : { type: 'string', format: 'binary' } },
        ]),
      ),
    },
    headers: { 'x-request-id': { $ref: '#/components/headers/RequestId' } },
  };
  const responses: Record<string, unknown> = {
    [String(status)]: { description: status === 201 ? 'Created' : 'OK', ...success },
  };
  // A write repeated (same content) is answered 200 with the original answer (replayed), nothing appended.
  const replay =
    route.writes && status === 201 ? { 200: 'Already recorded: the original answer, nothing new written' } : {};
  for (const [extra, description] of Object.entries(doc.alsoSuccess ?? replay)) {
    responses[extra] = { description, ...success };
  }
  for (const error of errorStatuses(route, body !== undefined, doc.conflict === true)) {
    responses[String(error)] = { $ref: `#/components/responses/${ERROR_NAMES[error]}` };
  }
  const params = parameters(route, doc, schemas);
  return {
    operationId: route.id,
    summary: route.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    tags: [route.handler.replace(/^api\//, '')],
    ...(params.length === 0 ? {} : { parameters: params }),
    ...(body === undefined ? {} : { requestBody: body }),
    responses,
    security: route.roles === 'public' ? [] : [{ bearer: [] }],
    'x-roles': route.roles === 'public' ? [] : [...route.roles],
    'x-public': route.roles === 'public',
    'x-contract': route.contract,
    'x-writes': route.writes,
    ...(route.localOnly === true ? { 'x-local-only': true } : {}),
  };
}

/** The OpenAPI 3.1 document of the API. */
export function openApiDocument(): JsonSchema {
  const impls = moduleImpls();
  const schemas = new SchemaConverter();
  const problem = schemas.component('ProblemDetails', ProblemDetailsSchema, 'output');
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const item = paths[route.path] ?? {};
    paths[route.path] = item;
    item[route.method.toLowerCase()] = operation(route, routeDoc(route, impls[route.handler]), schemas);
  }
  const responses: Record<string, unknown> = {};
  for (const status of Object.keys(ERRORS).map(Number) as ErrorStatus[]) {
    responses[ERROR_NAMES[status]] = {
      description: ERRORS[status],
      content: { 'application/problem+json': { schema: problem } },
      headers: {
        'x-request-id': { $ref: '#/components/headers/RequestId' },
        ...(status === 503
          ? { 'retry-after': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } }
          : {}),
      },
    };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'sib-ledger',
      version: packageJson.version,
      description:
        `${packageJson.description}. Callers present a JWT bearer token: the role is its cognito:groups claim ` +
        '(operator, ministry, investor, evaluator; x-roles lists who may call each operation) and the contracts ' +
        'it may act on its custom:contracts claim. Errors are RFC 9457 problem details. See docs/api.md.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: schemas.components,
      responses,
      headers: {
        RequestId: {
          description: 'The request id, in every answer and log line',
          schema: { type: 'string' },
        },
      },
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
      },
    },
  };
}

/** docs/openapi.json: the document GET /openapi.json serves (a test fails when it differs from openApiDocument()). */
export const OPENAPI_FILE = new URL('../../docs/openapi.json', import.meta.url);

/** The text of docs/openapi.json. */
export const openApiText = () => `${JSON.stringify(openApiDocument(), null, 2)}\n`;

if (import.meta.main) {
  writeFileSync(OPENAPI_FILE, openApiText());
}
