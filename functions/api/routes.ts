import type { Role } from '#ledger';

/**
 * THE route table of the HTTP API: one definition that the Lambda handlers
 * (authorization), the local gateway (infra/local), the CDK HTTP API
 * (infra), the OpenAPI document (/openapi.json) and docs/api.md are all built
 * from, so none of them can drift from the others.
 *
 * - `roles`: the roles (Cognito groups) that may call the route: the
 *   route x role matrix. Everyone else gets 403; no valid token, 401.
 * - `contract`: where the contract the caller acts on comes from (the path's
 *   `{contract}`, or the body's `id` when registering): a token lists the
 *   contracts its subject may act on, and any other contract is 403.
 * - `handler`: the module under functions/ whose `handler` serves the route
 *   (one Lambda function per module).
 * - `localOnly`: served by the local gateway only (the development sign-in):
 *   the CDK stack deploys no route, function or permission for it, and the
 *   OpenAPI document marks it `x-local-only`.
 */

export type Method = 'GET' | 'POST';
export type HandlerModule =
  | 'ingest-batch'
  | 'presign-upload'
  | 'api/ledger'
  | 'api/contracts'
  | 'api/payments'
  | 'api/reports'
  | 'api/openapi'
  | 'api/dev';

export interface RouteDef {
  /** OpenAPI operationId; unique. */
  readonly id: string;
  readonly method: Method;
  /** API Gateway path with `{param}` placeholders. */
  readonly path: string;
  readonly summary: string;
  /** Who may call it; `public` routes need no token. */
  readonly roles: readonly Role[] | 'public';
  /** Where the contract acted on is named. */
  readonly contract: 'path' | 'body' | 'none';
  /** Whether the route writes to the ledger or a bucket (refusals must leave both unchanged). */
  readonly writes: boolean;
  readonly handler: HandlerModule;
  /** Served by the local gateway only, never deployed (see above). */
  readonly localOnly?: true;
}

const ALL: readonly Role[] = ['operator', 'ministry', 'investor', 'evaluator'];
const STAFF: readonly Role[] = ['operator', 'ministry', 'evaluator'];

export const ROUTES: readonly RouteDef[] = [
  // Evidence (the operator)
  {
    id: 'submitBatch',
    method: 'POST',
    path: '/contracts/{contract}/batches',
    summary: 'Submit an evidence batch (JSON, CSV or XLSX): all or nothing, every problem listed',
    roles: ['operator'],
    contract: 'path',
    writes: true,
    handler: 'ingest-batch',
  },
  {
    id: 'getBatch',
    method: 'GET',
    path: '/contracts/{contract}/batches/{batchId}',
    summary: "A batch's status: its receipt (entry, records root, archive) once appended",
    roles: STAFF,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'presignUpload',
    method: 'POST',
    path: '/contracts/{contract}/uploads',
    summary: 'A presigned S3 upload for a large batch (CSV), ingested when it lands',
    roles: ['operator'],
    contract: 'path',
    writes: false,
    handler: 'presign-upload',
  },
  {
    id: 'getUpload',
    method: 'GET',
    path: '/contracts/{contract}/uploads/{batchId}',
    summary: "An uploaded batch's result: pending, accepted (receipt) or rejected (problems)",
    roles: ['operator'],
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  // The operator's batch history and evidence due (console /operator/history, /operator/due)
  {
    id: 'listBatches',
    method: 'GET',
    path: '/contracts/{contract}/batches',
    summary:
      'The evidence batches, newest first, with their receipts; uploads not in the log (first page); `format=xlsx` or `csv`: records per batch and type as a file',
    roles: ['operator', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'evidenceDue',
    method: 'GET',
    path: '/contracts/{contract}/due',
    summary: 'What evidence is due: periods near their cut-off, windows closing with outcomes unrecorded',
    roles: ['operator', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/contracts',
  },
  // The operator's console (issue 16): the contract's fill-in template, as the console's submit page downloads it
  {
    id: 'getTemplate',
    method: 'GET',
    path: '/contracts/{contract}/template',
    summary:
      "The contract's fill-in template (`format=xlsx`, the default, or `csv`): bilingual headers, the contract's lists, an example row",
    roles: ['operator', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/contracts',
  },
  // The ledger (reads)
  {
    id: 'queryRecords',
    method: 'GET',
    path: '/contracts/{contract}/records',
    summary:
      'Evidence records by participant, type (with dates) or batch, a page at a time (`limit`, then `cursor` = `next`)',
    roles: ['operator', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'getRecordProof',
    method: 'GET',
    path: '/contracts/{contract}/records/{eventId}/proof',
    summary: "A record's proof: into its batch's records root, and the batch's entry into a signed checkpoint",
    roles: ['operator', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'getEntryProof',
    method: 'GET',
    path: '/contracts/{contract}/entries/{seq}/proof',
    summary: "An entry's inclusion proof in a signed checkpoint",
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'getCheckpoint',
    method: 'GET',
    path: '/contracts/{contract}/checkpoint',
    summary: 'The latest signed checkpoint (C2SP signed note, with witness cosignatures)',
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'getTrustPolicy',
    method: 'GET',
    path: '/contracts/{contract}/trust',
    summary:
      "The trust policy this deployment publishes for the contract's log: its key, the witnesses with their quorum, the parties' keys per role",
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'getConsistencyProof',
    method: 'GET',
    path: '/contracts/{contract}/consistency',
    summary: 'A consistency proof between two tree sizes',
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'exportLog',
    method: 'GET',
    path: '/contracts/{contract}/export',
    summary: 'The log as JSON Lines (each entry, then the signed checkpoint), for offline verification',
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  {
    id: 'cosignCheckpoint',
    method: 'POST',
    path: '/contracts/{contract}/checkpoint/cosignatures',
    summary: "A witness's cosignature of a checkpoint (the note signed by the witness's key)",
    roles: ['evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/ledger',
  },
  // Witness status (the evaluator's audit pages): what each witness last answered to the log's pushes
  {
    id: 'getWitnessStatus',
    method: 'GET',
    path: '/contracts/{contract}/witnesses',
    summary:
      'Each witness the log pushes its checkpoints to: the last checkpoint it cosigned (with the stored note, to verify) and its last refusal (rollback, fork or other)',
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/ledger',
  },
  // Contracts and evaluation
  {
    id: 'listContracts',
    method: 'GET',
    path: '/contracts',
    summary:
      "The registered contracts the token allows: each one's titles, currency, time zone, term, latest version and log size",
    roles: ALL,
    contract: 'none',
    writes: false,
    handler: 'api/contracts',
  },
  {
    id: 'registerContract',
    method: 'POST',
    path: '/contracts',
    summary: 'Register a contract spec, or an amendment (the next version)',
    roles: ['ministry'],
    contract: 'body',
    writes: true,
    handler: 'api/contracts',
  },
  {
    id: 'getContract',
    method: 'GET',
    path: '/contracts/{contract}',
    summary: "The contract's registered versions",
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/contracts',
  },
  {
    id: 'publishComparison',
    method: 'POST',
    path: '/contracts/{contract}/comparisons',
    summary: 'Publish a comparison-group figure',
    roles: ['evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/contracts',
  },
  {
    id: 'evaluate',
    method: 'POST',
    path: '/contracts/{contract}/evaluations',
    summary: 'Evaluate a period at a checkpoint; the result is stored and recorded (a payment, calculated)',
    roles: ['evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/contracts',
  },
  {
    id: 'getEvaluation',
    method: 'GET',
    path: '/contracts/{contract}/evaluations/{seq}',
    summary:
      'A recorded evaluation: the full result, with the pseudonyms behind each outcome (evaluator only); `format=xlsx` or `csv`: its outcome tables as a file',
    roles: ['evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/contracts',
  },
  // Payments
  {
    id: 'listPayments',
    method: 'GET',
    path: '/contracts/{contract}/payments',
    summary: 'Every payment and its state, derived from the log; `format=xlsx` or `csv`: states and dates as a file',
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/payments',
  },
  {
    id: 'getPayment',
    method: 'GET',
    path: '/contracts/{contract}/payments/{payment}',
    summary: "A payment's state and history",
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/payments',
  },
  {
    id: 'getPaymentSummary',
    method: 'GET',
    path: '/contracts/{contract}/payments/{payment}/summary',
    summary:
      "Why a payment is claimed: its evaluation's public summary (aggregates only, as a report carries them), the contract version it cites, and every step's signature",
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/payments',
  },
  {
    id: 'attestPayment',
    method: 'POST',
    path: '/contracts/{contract}/payments/{payment}/attest',
    summary: 'The evaluator attests a calculated payment',
    roles: ['evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/payments',
  },
  {
    id: 'approvePayment',
    method: 'POST',
    path: '/contracts/{contract}/payments/{payment}/approve',
    summary: 'The ministry approves an attested payment (its audit report is issued)',
    roles: ['ministry'],
    contract: 'path',
    writes: true,
    handler: 'api/payments',
  },
  {
    id: 'rejectPayment',
    method: 'POST',
    path: '/contracts/{contract}/payments/{payment}/reject',
    summary: 'The ministry rejects an attested payment, with a reason',
    roles: ['ministry'],
    contract: 'path',
    writes: true,
    handler: 'api/payments',
  },
  {
    id: 'markPaid',
    method: 'POST',
    path: '/contracts/{contract}/payments/{payment}/paid',
    summary: 'The ministry records the payment order of an approved payment',
    roles: ['ministry'],
    contract: 'path',
    writes: true,
    handler: 'api/payments',
  },
  // ---- Payment-order data (issue 17): what the treasury needs to fill a payment order, for an approved payment
  {
    id: 'getPaymentOrder',
    method: 'GET',
    path: '/contracts/{contract}/payments/{payment}/order',
    summary:
      'The payment-order data of an approved or paid payment (form 0401060, or the Kazakh order in KZT): payer, payee per investor, amount in figures and words, purpose, budget code; JSON or XLSX (`format`)',
    roles: ['ministry', 'investor'],
    contract: 'path',
    writes: false,
    handler: 'api/payments',
  },
  // Party keys (enrolled through the API, published in the trust policy)
  {
    id: 'enrolPartyKey',
    method: 'POST',
    path: '/contracts/{contract}/party-keys',
    summary:
      "Enrol a party's verifier key for a signing role (the enrolment statement signed by that key); the trust policy lists it",
    roles: ['ministry', 'evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/contracts',
  },
  {
    id: 'listPartyKeys',
    method: 'GET',
    path: '/contracts/{contract}/party-keys',
    summary: "The party keys enrolled in the contract's log, per signing role",
    roles: ALL,
    contract: 'path',
    writes: false,
    handler: 'api/contracts',
  },
  // Reports
  {
    id: 'listReports',
    method: 'GET',
    path: '/contracts/{contract}/reports',
    summary: "The contract's signed audit reports",
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/reports',
  },
  {
    id: 'issueReport',
    method: 'POST',
    path: '/contracts/{contract}/reports',
    summary: 'Issue the audit report of a payment (any evaluation), JSON and PDF',
    roles: ['ministry', 'evaluator'],
    contract: 'path',
    writes: true,
    handler: 'api/reports',
  },
  {
    id: 'downloadReport',
    method: 'GET',
    path: '/contracts/{contract}/reports/{report}',
    summary: "Short-lived presigned URLs of a report's JSON and PDFs",
    roles: ['ministry', 'investor', 'evaluator'],
    contract: 'path',
    writes: false,
    handler: 'api/reports',
  },
  // The API itself
  {
    id: 'getOpenApi',
    method: 'GET',
    path: '/openapi.json',
    summary: 'This API, as an OpenAPI 3.1 document',
    roles: 'public',
    contract: 'none',
    writes: false,
    handler: 'api/openapi',
  },
  // Development sign-in: the local gateway only (never deployed)
  {
    id: 'devSignIn',
    method: 'GET',
    path: '/dev/sign-in',
    summary: "The local stack's development sign-in: the roles, the registered contracts and suggested subjects",
    roles: 'public',
    contract: 'none',
    writes: false,
    handler: 'api/dev',
    localOnly: true,
  },
  {
    id: 'issueDevToken',
    method: 'POST',
    path: '/dev/token',
    summary: 'A development token for the local gateway, as `sib login` issues (refused on a deployed stack)',
    roles: 'public',
    contract: 'none',
    writes: false,
    handler: 'api/dev',
    localOnly: true,
  },
];

/** The routes a deployed stack serves: every route but the local gateway's own (`localOnly`). */
export const DEPLOYED_ROUTES: readonly RouteDef[] = ROUTES.filter((r) => r.localOnly !== true);

/** `GET /contracts/{contract}` */
export const routeKey = (r: Pick<RouteDef, 'method' | 'path'>) => `${r.method} ${r.path}`;

const byKey = new Map(ROUTES.map((r) => [routeKey(r), r]));

/** The route of an API Gateway routeKey, if any. */
export function routeOf(key: string): RouteDef | undefined {
  return byKey.get(key);
}
