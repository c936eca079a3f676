/**
 * Least privilege, the other way round: every AWS request the code actually
 * makes, per deployed function, is allowed by that function's IAM role in
 * the synthesized CDK template (cdk-stateless.test.ts proves that the roles
 * grant nothing beyond the FUNCTIONS table).
 *
 * Each function gets its own runtime on the shared test stack (its own
 * caches, as a Lambda instance has), instrumented by test/support/iam-sim.ts
 * to record the IAM requests of its calls. One contract's whole life is then
 * driven through the handlers, every route of the route table at least once
 * (each request attributed to the function serving its route), plus the
 * S3-event ingest and the checkpoint publisher, and every recorded request
 * is evaluated against the role (under the buckets' policies, whose denies
 * apply to every principal).
 *
 * Not modelled: the data key (SSE-KMS through DynamoDB and S3: kms:ViaService),
 * and multipart archive uploads (batches over 8 MB).
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { utf8 } from '#kernel';
import { cosignNote, enrolmentStatement, logVerifierKey } from '#ledger';
import * as contractsApi from '../../functions/api/contracts.ts';
import * as ledgerApi from '../../functions/api/ledger.ts';
import * as openapiApi from '../../functions/api/openapi.ts';
import * as paymentsApi from '../../functions/api/payments.ts';
import * as reportsApi from '../../functions/api/reports.ts';
import { DEPLOYED_ROUTES, type HandlerModule, ROUTES } from '../../functions/api/routes.ts';
import * as ingestBatch from '../../functions/ingest-batch.ts';
import * as ingestS3 from '../../functions/ingest-s3.ts';
import * as presignUpload from '../../functions/presign-upload.ts';
import * as publisher from '../../functions/publish-checkpoints.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { FUNCTIONS, type FunctionName, functionOfRoute } from '../../infra/stacks/stateless-stack.ts';
import { apiEvent, type Role, token } from '../support/api-event.ts';
import { REPO } from '../support/cli.ts';
import { enrol, job, RELEASED_BATCH, release } from '../support/evidence.ts';
import { lambdaContext, saveEnv } from '../support/http.ts';
import {
  describeRequest,
  type IamRequest,
  isAllowed,
  type Policies,
  type Recorder,
  type ResolvedStatement,
  recordRuntime,
  synthesizedPolicies,
} from '../support/iam-sim.ts';
import { memoryParty } from '../support/parties.ts';
import { memoryWitness } from '../support/signer.ts';
import { testStack } from '../support/stack.ts';

const NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const dir = mkdtempSync(join(tmpdir(), 'sib-iam-coverage-'));
const contractsDir = join(dir, 'contracts');
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);

/** 50,000.00 RUB for each participant employed within 180 days of release (so that y1 pays). */
const JOB_PRICE = '5000000';
const shipped = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
  comparisons: unknown[];
  payments: unknown[];
};
const contract = `iam-${randomUUID().slice(0, 8)}`;
const spec = {
  ...shipped,
  id: contract,
  comparisons: [
    ...shipped.comparisons,
    { id: 'matched-group', metric: 'employed', kind: 'published', effect: 'difference' },
  ],
  payments: [...shipped.payments, { id: 'job-found', kind: 'per-outcome', metric: 'employed', price: JOB_PRICE }],
};
const claims = (role: Role, sub: string = `${role}-7`) => token(role, sub, contract);

// ---- Per-function runtimes and what they asked IAM for

const runtimes = {} as Record<FunctionName, Runtime>;
const recorded = {} as Record<FunctionName, Recorder>;
for (const name of NAMES) recorded[name] = { requests: [] };
/** Routes answered with a 2xx status. */
const served = new Set<string>();
let policies: Policies;
/** What IAM decides for a request of function `name`: its role, under the buckets' policies. */
const allows = (name: FunctionName, request: IamRequest) =>
  isAllowed([...policies.roles[name], ...policies.bucketDenies], request);
/** Not instrumented: the test's own reads (the log's verifier key). */
let own: Runtime;

type Handler = (event: unknown, context: Context) => Promise<unknown>;
/** The handler of every deployed module (the development sign-in is the local gateway's only). */
const HANDLERS: Record<Exclude<HandlerModule, 'api/dev'>, Handler> = {
  'ingest-batch': ingestBatch.handler as unknown as Handler,
  'presign-upload': presignUpload.handler as unknown as Handler,
  'api/ledger': ledgerApi.handler as unknown as Handler,
  'api/contracts': contractsApi.handler as unknown as Handler,
  'api/payments': paymentsApi.handler as unknown as Handler,
  'api/reports': reportsApi.handler as unknown as Handler,
  'api/openapi': openapiApi.handler as unknown as Handler,
};

/** Runs a handler as function `name` (its runtime), without printing its logs. */
async function run<T>(name: FunctionName, handler: Handler, event: unknown): Promise<T> {
  setRuntime(runtimes[name]);
  const quiet = () => true;
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(quiet),
    vi.spyOn(process.stderr, 'write').mockImplementation(quiet),
  ];
  try {
    return (await handler(event, lambdaContext())) as T;
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: answers are read field by field
  readonly body: any;
}

/** Calls a route as API Gateway would, through the function that serves it; expects `status`. */
async function api(
  id: string,
  call: { claims?: Record<string, unknown>; params?: Record<string, string>; body?: unknown; query?: object } = {},
  status = 200,
): Promise<Answer> {
  const route = ROUTES.find((r) => r.id === id);
  if (route === undefined) throw new Error(`no route ${id}`);
  const query = (call.query ?? {}) as Record<string, string>;
  const event: APIGatewayProxyEventV2 = {
    ...apiEvent(id, contract, call),
    rawQueryString: new URLSearchParams(query).toString(),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
  };
  if (route.handler === 'api/dev') throw new Error(`${id} is the local gateway's only`);
  const result = await run<APIGatewayProxyStructuredResultV2>(functionOfRoute(route), HANDLERS[route.handler], event);
  const text = result.body ?? '';
  const type = String(result.headers?.['content-type'] ?? '');
  const answer = {
    status: result.statusCode ?? 200,
    body: /^application\/(problem\+)?json(;|$)/.test(type) && text !== '' ? JSON.parse(text) : text,
  };
  expect(answer.status, `${id}: ${text.slice(0, 500)}`).toBe(status);
  if (answer.status < 300) served.add(id);
  return answer;
}

/** A CSV file of the records: the union of their fields as columns. */
function csv(records: readonly Record<string, unknown>[]): Uint8Array {
  const columns = [...new Set(records.flatMap((r) => Object.keys(r)))];
  const rows = records.map((r) => columns.map((c) => String(r[c] ?? '')).join(','));
  return utf8(`${[columns.join(','), ...rows].join('\n')}\n`);
}

/** Presigns an upload (PresignUpload) and uploads the CSV through the URL, as the operator would. */
async function upload(batchId: string, bytes: Uint8Array): Promise<{ key: string; eTag: string }> {
  const presigned = await api(
    'presignUpload',
    { claims: claims('operator'), body: { batchId, contentType: 'text/csv' } },
    201,
  );
  const put = await fetch(presigned.body.url, { method: 'PUT', headers: presigned.body.headers, body: bytes });
  expect(put.status, await put.clone().text()).toBe(200);
  return { key: presigned.body.key, eTag: (put.headers.get('etag') ?? '').replaceAll('"', '') };
}

/** The ObjectCreated event S3 sends IngestS3 for an upload. */
const s3Event = (key: string, size: number, eTag: string): ingestS3.S3Event => ({
  Records: [
    {
      eventName: 'ObjectCreated:Put',
      s3: { bucket: { name: testStack().buckets.uploads }, object: { key, size, eTag } },
    },
  ],
});

beforeAll(async () => {
  process.env.SIB_DATA_DIR = dir;
  process.env.SIB_CONTRACTS_DIR = contractsDir;
  mkdirSync(contractsDir, { recursive: true });
  // The profile the ingest functions read (bundled with them in AWS); the ministry registers the same spec.
  writeFileSync(join(contractsDir, `${contract}.json`), JSON.stringify(spec));
  policies = synthesizedPolicies();
  own = await localRuntime(dir, testStack()); // creates the key files the others open
  for (const name of NAMES) {
    runtimes[name] = await localRuntime(dir, testStack());
    recordRuntime(runtimes[name], recorded[name]);
  }

  // The ministry registers the contract; the operator submits a batch (JSON) and uploads another (CSV).
  await api('registerContract', { claims: claims('ministry', 'ministry-head'), body: spec }, 201);
  await api('getContract', { claims: claims('investor') });
  await api('listContracts', { claims: claims('investor') });
  // A ministry official enrols a key of its own (ApiContracts appends it); the trust policy lists it.
  const official = memoryParty('official.ministry.test');
  const enrolment = official.signed(
    enrolmentStatement({ contract, role: 'ministry', subject: 'ministry-head', key: official.key }),
  );
  await api(
    'enrolPartyKey',
    {
      claims: claims('ministry', 'ministry-head'),
      body: { role: 'ministry', key: official.key, note: enrolment.note },
    },
    201,
  );
  await api('listPartyKeys', { claims: claims('investor') });
  await api('submitBatch', { claims: claims('operator'), body: { batchId: 'b-1', records: RELEASED_BATCH } }, 201);
  const bytes = csv([
    { ...enrol('e5', 'OP-5', '2024-02-01'), category: 'serving-sentence' },
    release('r5', 'OP-5', '2024-02-12'),
    job('j5', 'OP-5', '2024-03-01'),
  ]);
  const uploaded = await upload('b-2', bytes);
  const ingested = await run<{ uploads: { status: string }[] }>(
    'IngestS3',
    ingestS3.handler as unknown as Handler,
    s3Event(uploaded.key, bytes.length, uploaded.eTag),
  );
  expect(ingested.uploads.map((u) => u.status)).toEqual(['accepted']);
  // S3 delivers at least once: the upload is gone, so the event is skipped.
  const again = await run<{ uploads: { status: string }[] }>(
    'IngestS3',
    ingestS3.handler as unknown as Handler,
    s3Event(uploaded.key, bytes.length, uploaded.eTag),
  );
  expect(again.uploads.map((u) => u.status)).toEqual(['skipped']);
  await upload('b-3', bytes); // not ingested: pending

  // Ledger reads (ApiLedger) and the records lookup (RecordsQuery).
  const accepted = await api('getUpload', { claims: claims('operator'), params: { batchId: 'b-2' } });
  expect(accepted.body.status).toBe('accepted');
  const pending = await api('getUpload', { claims: claims('operator'), params: { batchId: 'b-3' } });
  expect(pending.body.status).toBe('pending');
  await api('getUpload', { claims: claims('operator'), params: { batchId: 'b-404' } }, 404);
  await api('getBatch', { claims: claims('operator'), params: { batchId: 'b-1' } });
  // The operator's batch history (the log's batch entries, and the uploads bucket listed) and evidence due (the archives read).
  const history = await api('listBatches', { claims: claims('operator') });
  expect(history.body.uploads.map((u: { batchId: string }) => u.batchId)).toContain('b-3');
  await api('evidenceDue', { claims: claims('evaluator'), query: { asOf: '2024-06-01' } });
  // The fill-in template (the contract's registered versions read).
  await api('getTemplate', { claims: claims('operator') });
  await api('getTemplate', { claims: claims('evaluator'), query: { format: 'csv' } });
  await api('queryRecords', { claims: claims('operator'), query: { batch: 'b-1' } });
  await api('queryRecords', { claims: claims('evaluator'), query: { type: 'enrolment', from: '2024-01-01' } });
  const byReference = await api('queryRecords', { claims: claims('operator'), query: { participant: 'OP-1' } });
  const pseudonym = byReference.body.records[0]?.record.participant as string;
  expect(pseudonym).toMatch(/^p-[0-9a-f]{32}$/);
  await api('queryRecords', { claims: claims('evaluator'), query: { participant: pseudonym } });
  await api('getRecordProof', { claims: claims('evaluator'), params: { eventId: 'j1' } });
  await api('getEntryProof', { claims: claims('investor'), params: { seq: '0' } });
  const checkpoint = await api('getCheckpoint', { claims: claims('investor') });
  await api('getConsistencyProof', { claims: claims('investor'), query: { from: '1' } });
  await api('exportLog', { claims: claims('investor') });
  await api('getTrustPolicy', { claims: claims('investor') });
  await api('getWitnessStatus', { claims: claims('investor') });
  const witness = memoryWitness('evaluator.example/witness');
  const logKey = await logVerifierKey(own.signer, contract);
  const cosigned = await cosignNote(checkpoint.body.note, logKey, witness.signer, 1_767_000_000);
  // Only a configured witness may cosign.
  const configured = process.env.SIB_WITNESS_KEYS;
  process.env.SIB_WITNESS_KEYS = witness.key;
  try {
    await api(
      'cosignCheckpoint',
      { claims: claims('evaluator'), body: { note: cosigned, witnessKey: witness.key } },
      201,
    );
  } finally {
    if (configured === undefined) delete process.env.SIB_WITNESS_KEYS;
    else process.env.SIB_WITNESS_KEYS = configured;
  }

  // Comparison figure and evaluations (ApiContracts).
  await api(
    'publishComparison',
    {
      claims: claims('evaluator'),
      body: { comparison: 'matched-group', group: 'all', value: '0.25', denominator: 400, note: 'PSM, 2023' },
    },
    201,
  );
  // A first evaluation of y1, attested and rejected; a second one (the log has grown) is approved and paid.
  const first = await api('evaluate', { claims: claims('evaluator', 'calc-evaluator'), body: { period: 'y1' } }, 201);
  const rejected = String(first.body.entry.seq);
  await api('getEvaluation', { claims: claims('evaluator'), params: { seq: rejected } });
  await api('attestPayment', { claims: claims('evaluator', 'evaluator-petrova'), params: { payment: rejected } }, 201);
  await api(
    'rejectPayment',
    { claims: claims('ministry', 'ministry-head'), params: { payment: rejected }, body: { reason: 'records missing' } },
    201,
  );
  // The rejection grew the log past its last checkpoint: the publisher signs one.
  const published = await run<{ published: { contract: string }[] }>(
    'PublishCheckpoints',
    publisher.handler as unknown as Handler,
    {},
  );
  expect(published.published.map((p) => p.contract)).toContain(contract);

  // The payment workflow (ApiPayments): approval issues the audit report.
  const second = await api('evaluate', { claims: claims('evaluator', 'calc-evaluator'), body: { period: 'y1' } }, 201);
  const payment = String(second.body.entry.seq);
  await api('listPayments', { claims: claims('investor') });
  await api('getPayment', { claims: claims('investor'), params: { payment } });
  await api('getPaymentSummary', { claims: claims('ministry'), params: { payment } });
  await api('attestPayment', { claims: claims('evaluator', 'evaluator-petrova'), params: { payment } }, 201);
  const approved = await api(
    'approvePayment',
    { claims: claims('ministry', 'ministry-head'), params: { payment }, body: { lang: 'en' } },
    201,
  );
  expect(approved.body.report.issued).toBe(true);
  await api(
    'markPaid',
    {
      claims: claims('ministry', 'ministry-treasury'),
      params: { payment },
      body: { paymentOrder: 'PP-2024-000002', paidOn: '2024-09-30' },
    },
    201,
  );
  // The payment-order data (issue 17): JSON for the investor, the workbook for the ministry.
  await api('getPaymentOrder', { claims: claims('investor'), params: { payment } });
  await api('getPaymentOrder', { claims: claims('ministry'), params: { payment }, query: { format: 'xlsx' } });

  // Reports (ApiReports): issue the paid payment's report, list, download (presigned).
  const issued = await api(
    'issueReport',
    { claims: claims('evaluator', 'evaluator-petrova'), body: { payment: Number(payment), lang: 'ru' } },
    201,
  );
  await api('listReports', { claims: claims('investor') });
  await api('downloadReport', { claims: claims('investor'), params: { report: issued.body.sha256.slice(0, 12) } });

  await api('getOpenApi');
});

afterAll(() => {
  resetRuntime();
  for (const rt of [own, ...Object.values(runtimes)]) {
    rt?.dynamo.destroy();
    rt?.s3.destroy();
  }
  saved.restore();
  rmSync(dir, { recursive: true, force: true });
});

const denied = (name: FunctionName, requests: readonly IamRequest[]) =>
  requests.filter((r) => !allows(name, r)).map((r) => `${name}: ${describeRequest(r)}`);

describe("every AWS request a function makes is allowed by its role's statements in the template", () => {
  it('drove every route of the route table to a 2xx answer', () => {
    expect(DEPLOYED_ROUTES.map((r) => r.id).filter((id) => !served.has(id))).toEqual([]);
  });

  it.each(NAMES.filter((n) => n !== 'ApiOpenapi'))('%s made AWS requests (the check is not vacuous)', (name) => {
    expect(recorded[name].requests.length).toBeGreaterThan(0);
  });

  it('ApiOpenapi made none (its role grants nothing)', () => {
    expect(recorded.ApiOpenapi.requests).toEqual([]);
  });

  it.each(NAMES)("%s: each request is allowed by the function's role", (name) => {
    expect(denied(name, recorded[name].requests)).toEqual([]);
  });
});

describe('the evaluator denies what the roles do not grant', () => {
  const all = () => NAMES.flatMap((n) => recorded[n].requests);
  const find = (name: FunctionName, action: string, resource: RegExp) => {
    const found = recorded[name].requests.find((r) => r.action === action && resource.test(r.resource));
    if (found === undefined) throw new Error(`${name} made no ${action} on ${resource}`);
    return found;
  };

  it("denies every recorded request to ApiOpenapi's role", () => {
    const requests = all();

    expect(requests.length).toBeGreaterThan(0);
    expect(denied('ApiOpenapi', requests)).toHaveLength(requests.length);
  });

  it('denies a report put without If-None-Match (by the role and by the bucket policy), and allows it with', () => {
    const put = find('ApiReports', 's3:PutObject', /^s3:reports\/reports\//);
    const overwrite = { ...put, context: { 'aws:SecureTransport': ['true'] } };
    const anything: ResolvedStatement = { effect: 'Allow', actions: ['s3:*'], resources: ['*'], conditions: {} };

    expect(put.context).toEqual({ 'aws:SecureTransport': ['true'], 's3:if-none-match': ['*'] });
    expect(allows('ApiReports', put)).toBe(true);
    expect(allows('ApiReports', overwrite)).toBe(false);
    expect(isAllowed([anything, ...policies.bucketDenies], put)).toBe(true);
    expect(isAllowed([anything, ...policies.bucketDenies], overwrite)).toBe(false);
  });

  it('denies S3 requests without TLS, and archive deletes, whatever the role', () => {
    const anything: ResolvedStatement = { effect: 'Allow', actions: ['s3:*'], resources: ['*'], conditions: {} };
    const read = find('IngestS3', 's3:GetObject', /^s3:uploads\/uploads\//);
    const deletion = find('IngestS3', 's3:DeleteObject', /^s3:uploads\/uploads\//);
    const plain = { ...read, context: { 'aws:SecureTransport': ['false'] } };

    expect(allows('IngestS3', plain)).toBe(false);
    expect(isAllowed([anything, ...policies.bucketDenies], deletion)).toBe(true);
    expect(isAllowed([anything, ...policies.bucketDenies], { ...deletion, resource: 's3:archive/archive/x' })).toBe(
      false,
    );
  });

  it('denies UpdateItem outside the HEAD partitions or beyond the HEAD attributes', () => {
    const update = find('IngestBatch', 'dynamodb:UpdateItem', /^dynamodb:ledger$/);
    const leading = update.context['dynamodb:LeadingKeys'] ?? [];
    const attributes = update.context['dynamodb:Attributes'] ?? [];

    expect(allows('IngestBatch', update)).toBe(true);
    expect(leading[0]).toMatch(/^HEAD#/);
    expect(attributes).toContain('frontier');
    const logPartition = { ...update, context: { ...update.context, 'dynamodb:LeadingKeys': [`LOG#${contract}`] } };
    const entry = { ...update, context: { ...update.context, 'dynamodb:Attributes': [...attributes, 'entry'] } };
    expect(allows('IngestBatch', logPartition)).toBe(false);
    expect(allows('IngestBatch', entry)).toBe(false);
    expect(allows('PublishCheckpoints', update)).toBe(false);
  });

  it('lets only the appending functions put log items; the others put checkpoints only, and nobody a HEAD', () => {
    const ledgerPuts = (name: FunctionName, leading: RegExp) =>
      recorded[name].requests.filter(
        (r) =>
          r.action === 'dynamodb:PutItem' &&
          r.resource === 'dynamodb:ledger' &&
          leading.test(r.context['dynamodb:LeadingKeys']?.[0] ?? ''),
      );
    const entry = ledgerPuts('IngestBatch', /^LOG#/)[0];
    const listed = ledgerPuts('ApiContracts', /^LOGS$/)[0];
    const checkpoint = ledgerPuts('PublishCheckpoints', /^CKPT#/)[0];
    if (entry === undefined || listed === undefined || checkpoint === undefined) {
      throw new Error('no log item, list or checkpoint put was recorded');
    }
    const appending = NAMES.filter((n) => FUNCTIONS[n].grants.ledger === 'append').sort();
    const head = { ...entry, context: { ...entry.context, 'dynamodb:LeadingKeys': [`HEAD#${contract}`] } };
    const elsewhere = { ...entry, context: { ...entry.context, 'dynamodb:LeadingKeys': ['EV#x'] } };

    expect(NAMES.filter((n) => allows(n, entry)).sort()).toEqual(appending);
    expect(NAMES.filter((n) => allows(n, listed)).sort()).toEqual(appending);
    expect(appending).toEqual(['ApiContracts', 'ApiPayments', 'IngestBatch', 'IngestS3']);
    expect(NAMES.filter((n) => allows(n, checkpoint)).sort()).toEqual(
      NAMES.filter((n) => ['append', 'checkpoint'].includes(FUNCTIONS[n].grants.ledger)).sort(),
    );
    expect(NAMES.filter((n) => allows(n, head))).toEqual([]);
    expect(NAMES.filter((n) => allows(n, elsewhere))).toEqual([]);
    for (const name of ['ApiLedger', 'ApiReports', 'PublishCheckpoints'] as const) {
      expect(ledgerPuts(name, /^CKPT#/).length, name).toBeGreaterThan(0);
      expect(ledgerPuts(name, /^(?!CKPT#)/), name).toEqual([]);
    }
  });

  it('denies DeleteItem on either table to every function', () => {
    const put = find('IngestBatch', 'dynamodb:PutItem', /^dynamodb:records$/);
    for (const table of ['dynamodb:ledger', 'dynamodb:records']) {
      const deletion = { ...put, action: 'dynamodb:DeleteItem', resource: table };
      expect(NAMES.filter((n) => allows(n, deletion))).toEqual([]);
    }
  });

  it('denies the records index, the MAC key and other prefixes to functions without them', () => {
    const query = find('RecordsQuery', 'dynamodb:Query', /^dynamodb:records\/index\//);
    const mac = find('RecordsQuery', 'kms:GenerateMac', /^kms:pseudonymKey$/);
    const evaluation = find('ApiContracts', 's3:PutObject', /^s3:archive\/evaluations\//);

    expect(allows('ApiContracts', query)).toBe(false);
    expect(allows('ApiLedger', mac)).toBe(false);
    expect(allows('IngestBatch', evaluation)).toBe(false);
    expect(allows('ApiContracts', { ...evaluation, resource: 's3:archive/archive/x' })).toBe(false);
  });
});
