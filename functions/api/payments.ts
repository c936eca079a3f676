import * as z from 'zod';
import { ActorSchema, ContractIdSchema, PAYMENT_STATES, SignedStatementSchema } from '#ledger';
import { parsePaymentId } from '#payments';
import {
  approvePayment,
  attestPayment,
  markPaid,
  type PaymentStepReceipt,
  readPayment,
  readPaymentOrder,
  readPaymentSummary,
  readPayments,
  rejectPayment,
} from '#services';
import { paymentsTable } from '../shared/export-tables.ts';
import type { HttpResult } from '../shared/middleware.ts';
import { logger } from '../shared/middleware.ts';
import { toProblem } from '../shared/problem.ts';
import { ContractParamsSchema, Hex64Schema } from './contracts.ts';
import { actor, apiHandler, defineRoute, json, type RouteRequest } from './http.ts';
import { PaymentIdParam } from './params.ts';
import { IssuedReportSchema, issueAudit, ReportLangSchema } from './reports.ts';
import { EXPORT_TYPES, ExportQuerySchema, tableAnswer } from './table-answer.ts';

/**
 * The payment workflow over HTTP (the Lambda of the `api/payments` routes in
 * routes.ts): each recorded evaluation is a payment (its id: the seq of its
 * evaluation.recorded entry, written `<seq>` or `<contract>/<seq>`), attested
 * by the evaluator, approved or rejected by the ministry, and recorded as
 * paid, and read with the reasons for it (its evaluation's public summary
 * and every step's signature, getPaymentSummary): the use cases of domain/payments/workflow.ts (`sib evaluator attest`,
 * `sib ministry approve|reject|mark-paid` call them here); the token's
 * subject and role are the step's actor, so separation of duties (403),
 * order and caps (409) and bad input (422) are the domain's refusals, and a
 * refusal writes nothing.
 *
 * A step answers 201 with its receipt when it appended its entry, and 200
 * with the original receipt when the same step with the same content was
 * recorded before (`replayed: true`). An approval also issues the payment's
 * audit report; should that fail, the approval
 * stands and the answer says so (and how to issue the report later).
 */

const STEPS = ['attested', 'approved', 'rejected', 'paid'] as const;

export const PaymentParamsSchema = z.object({
  contract: ContractIdSchema,
  payment: PaymentIdParam.describe("the seq of the payment's evaluation entry, written <seq> or <contract>/<seq>"),
});

const StepRecordSchema = z.strictObject({
  step: z.enum(STEPS),
  seq: z.int().min(0),
  actor: ActorSchema,
  at: z.string(),
  reason: z.string().optional(),
  paymentOrder: z.string().optional(),
  paidOn: z.string().optional(),
});

/** A payment as the log says it is now (domain/payments/workflow.ts PaymentStatus). */
export const PaymentStatusSchema = z.strictObject({
  payment: z.int().min(0),
  period: z.string(),
  /** SHA-256 of the evaluation result. */
  result: Hex64Schema,
  /** SHA-256 of the public summary reports carry: what a decision statement names. */
  summary: Hex64Schema,
  /** Minor units, as a decimal string (negative for a net adjustment). */
  total: z.string(),
  currency: z.string(),
  minorUnit: z.int().min(0),
  contract: z.strictObject({ version: z.int().min(1), hash: Hex64Schema }),
  checkpoint: z.int().min(0),
  state: z.enum(PAYMENT_STATES),
  steps: z.array(StepRecordSchema),
  calculatedBy: ActorSchema,
  calculatedAt: z.string(),
  latest: z.boolean(),
});

/** Why a payment is claimed (domain/services/payment-summary.ts). */
export const PaymentSummarySchema = z.strictObject({
  status: PaymentStatusSchema,
  summary: z
    .looseObject({
      period: z.string(),
      evaluatedAt: z.looseObject({}),
      records: z.int(),
      batches: z.int(),
      participants: z.looseObject({}),
      metrics: z.array(z.looseObject({})),
      comparisons: z.array(z.looseObject({})),
      triggers: z.array(z.looseObject({})),
      indicators: z.array(z.looseObject({})),
      payments: z.looseObject({}),
      paidBeforeByRule: z.looseObject({}),
      earlier: z.array(z.looseObject({})),
    })
    .describe(
      "the evaluation's public summary (domain/reports/summary.ts): the aggregates an audit report carries; its SHA-256 (summaryHash) is the status's summary",
    ),
  contract: z
    .strictObject({
      version: z.int().min(1),
      hash: Hex64Schema,
      // Its schema is getContract's (the same ContractSpec); stated once in the document, not again here.
      spec: z.looseObject({ id: z.string() }).describe('the contract spec of that version, as getContract answers it'),
    })
    .describe('the contract version the evaluation cites'),
  signatures: z
    .array(
      z.strictObject({
        step: z.enum(PAYMENT_STATES),
        seq: z.int().min(0),
        subject: z.string(),
        at: z.string(),
        key: z.string().describe("the signer's verifier key"),
        line: z.string().describe('the signature line over the decision statement (sib-ledger/decision/v1)'),
      }),
    )
    .describe('every signed step of the payment, in log order'),
});

export const PaymentListSchema = z.strictObject({
  contract: ContractIdSchema,
  payments: z.array(PaymentStatusSchema),
});

/** The receipt of a step (domain/payments/workflow.ts PaymentStepReceipt). */
export const PaymentStepReceiptSchema = z.strictObject({
  contract: ContractIdSchema,
  payment: z.int().min(0),
  period: z.string(),
  total: z.string(),
  currency: z.string(),
  minorUnit: z.int().min(0),
  step: z.enum(STEPS),
  /** The step's entry. */
  seq: z.int().min(0),
  entryHash: Hex64Schema,
  at: z.string(),
  replayed: z.boolean(),
});

/** The acting party's signed note over the step's decision statement (docs/party-signatures.md). */
const StepSignatureSchema = SignedStatementSchema.optional().describe(
  "the acting party's signed note over the step's decision statement (sib-ledger/decision/v1); checked against the entry, then stored in it",
);

export const AttestBodySchema = z.strictObject({ signature: StepSignatureSchema });

export const ApproveBodySchema = z.strictObject({
  lang: ReportLangSchema.optional().describe('language of the audit report PDF issued on approval (default ru)'),
  signature: StepSignatureSchema,
});

/** The approval's receipt, and the audit report issued with it (or why not). */
export const ApprovalSchema = z.strictObject({
  receipt: PaymentStepReceiptSchema,
  report: z.discriminatedUnion('issued', [
    IssuedReportSchema.extend({ issued: z.literal(true) }),
    z.strictObject({
      issued: z.literal(false),
      /** Why not (RFC 9457 fields; a failure on our side is a generic text and a request id in the logs). */
      problem: z.strictObject({ status: z.int(), title: z.string(), detail: z.string() }),
      /** How to issue it later: the approval is recorded. */
      retry: z.strictObject({
        method: z.literal('POST'),
        path: z.string(),
        body: z.strictObject({ payment: z.int().min(0), lang: ReportLangSchema }),
      }),
    }),
  ]),
});

export const RejectBodySchema = z.strictObject({
  reason: z.string().max(2000).describe('why the payment is rejected (no personal data: no names, no ID numbers)'),
  signature: StepSignatureSchema,
});

export const PaidBodySchema = z.strictObject({
  paymentOrder: z.string().max(64).describe("the payment order's number"),
  paidOn: z.iso.date().describe('the day the money was paid (YYYY-MM-DD)'),
  signature: StepSignatureSchema,
});

// ---- Payment-order data (issue 17)

export const PaymentOrderQuerySchema = z.strictObject({
  format: z.enum(['json', 'xlsx']).optional().describe('json (the default) or xlsx (a workbook for the treasury)'),
  lang: z.enum(['ru', 'en']).optional().describe('language of the names, purpose and amount in words (default ru)'),
});

const OrderPartySchema = z.strictObject({ id: z.string(), name: z.string() });

/** The payment-order data (domain/payments/payment-order.ts PaymentOrderData; docs/payment-order.md). */
export const PaymentOrderSchema = z.strictObject({
  format: z.literal('sib-ledger/payment-order/v1'),
  form: z.enum(['0401060', 'kz']).describe('0401060: the Russian payment order; kz: the Kazakh one (KZT)'),
  lang: z.enum(['ru', 'en']),
  contract: z.strictObject({ id: ContractIdSchema, title: z.string(), version: z.int().min(1), hash: Hex64Schema }),
  agreement: z
    .strictObject({ number: z.string(), date: z.string() })
    .optional()
    .describe("the agreement the payment rests on (the spec's legalBasis)"),
  payment: z.int().min(0),
  period: z.strictObject({
    id: z.string(),
    label: z.string(),
    from: z.string(),
    to: z.string(),
    paymentDate: z.string(),
  }),
  state: z.enum(['approved', 'paid']),
  approvedOn: z.string().describe('the day the approval was recorded (UTC, YYYY-MM-DD)'),
  paid: z.strictObject({ paymentOrder: z.string(), paidOn: z.string() }).optional(),
  currency: z.string(),
  minorUnit: z.int().min(0),
  total: z.string().describe('minor units, a decimal string'),
  totalText: z.string().describe('the total in currency units: 35,000,000.00 RUB'),
  totalInWords: z.string(),
  lines: z
    .array(
      z.strictObject({
        payer: OrderPartySchema.describe('field 8: the commissioner'),
        payee: OrderPartySchema.extend({ share: z.string() }).describe('field 16: the investor and its share'),
        amount: z.string().describe('minor units, a decimal string'),
        amountFigures: z.string().describe('field 7 as the form writes it: 35000000-00'),
        amountText: z.string().describe('the amount in currency units: 35,000,000.00 RUB'),
        amountInWords: z.string().describe('field 6'),
        purpose: z.string().describe('field 24'),
        budgetCode: z.string().optional().describe("field 104 (КБК), where the spec's legalBasis gives one"),
      }),
    )
    .describe('one payment order per investor: the payment split by share'),
});

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

type Target = { contract: string; payment: string };

/** The step's target (the payment id parsed: 422 if malformed, 403 if of another contract), its actor and signature. */
function stepRequest(request: RouteRequest<Target, unknown, { signature?: z.infer<typeof SignedStatementSchema> }>) {
  const { contract } = request.params;
  const signature = request.body?.signature;
  return {
    contract,
    payment: parsePaymentId(contract, request.params.payment),
    actor: actor(request),
    ...(signature === undefined ? {} : { signature }),
  };
}

function answer(receipt: PaymentStepReceipt) {
  logger.info(receipt.replayed ? `payment already ${receipt.step}` : `payment ${receipt.step}`, {
    payment: receipt.payment,
    seq: receipt.seq,
  });
  return json(receipt.replayed ? 200 : 201, receipt);
}

export const IMPLS = {
  listPayments: defineRoute(
    {
      params: ContractParamsSchema,
      query: ExportQuerySchema,
      response: PaymentListSchema,
      status: 200,
      alsoTypes: EXPORT_TYPES,
    },
    async ({ params, query, rt }) => {
      const payments = await readPayments(rt.contracts, params.contract);
      // Issue 17: the payments with their states and dates as a spreadsheet (the role commands' --format).
      if (query.format !== undefined) {
        return tableAnswer(query.format, `${params.contract}-payments`, [paymentsTable(payments)]);
      }
      return json(200, { contract: params.contract, payments });
    },
  ),

  getPayment: defineRoute(
    { params: PaymentParamsSchema, response: PaymentStatusSchema, status: 200 },
    async ({ params, rt }) =>
      json(200, await readPayment(rt.contracts, params.contract, parsePaymentId(params.contract, params.payment))),
  ),

  getPaymentSummary: defineRoute(
    { params: PaymentParamsSchema, response: PaymentSummarySchema, status: 200 },
    async ({ params, rt }) =>
      json(
        200,
        await readPaymentSummary(rt.contracts, params.contract, parsePaymentId(params.contract, params.payment)),
      ),
  ),

  // ---- Payment-order data (issue 17): JSON, or the workbook for the treasury; 409 for a payment not approved.
  getPaymentOrder: defineRoute(
    {
      params: PaymentParamsSchema,
      query: PaymentOrderQuerySchema,
      response: PaymentOrderSchema,
      status: 200,
      conflict: true,
    },
    async ({ params, query, rt }): Promise<HttpResult> => {
      const payment = parsePaymentId(params.contract, params.payment);
      const order = await readPaymentOrder(rt.contracts, params.contract, payment, query.lang ?? 'ru');
      if ((query.format ?? 'json') === 'json') return json(200, order);
      // exceljs is a lazy chunk (infra/constructs/handler-function.ts LAZY_XLSX_IMPORT): not parsed at cold start.
      const { paymentOrderXlsx } = await import('../adapters/xlsx-batch.ts');
      return {
        statusCode: 200,
        headers: {
          'content-type': XLSX_TYPE,
          'content-disposition': `attachment; filename="${params.contract}-payment-${payment}-order-${order.lang}.xlsx"`,
        },
        body: Buffer.from(await paymentOrderXlsx(order)).toString('base64'),
        isBase64Encoded: true,
      };
    },
  ),

  attestPayment: defineRoute(
    { params: PaymentParamsSchema, body: AttestBodySchema, response: PaymentStepReceiptSchema, status: 201 },
    async (request) => answer(await attestPayment(request.rt.contracts, stepRequest(request))),
  ),

  approvePayment: defineRoute(
    { params: PaymentParamsSchema, body: ApproveBodySchema, response: ApprovalSchema, status: 201 },
    async (request) => {
      const receipt = await approvePayment(request.rt.contracts, stepRequest(request));
      logger.info(receipt.replayed ? 'payment already approved' : 'payment approved', {
        payment: receipt.payment,
        seq: receipt.seq,
      });
      const lang = request.body.lang ?? 'ru';
      const target = { contract: receipt.contract, payment: receipt.payment, lang };
      let report: z.input<typeof ApprovalSchema>['report'];
      try {
        // Issued on approval: the approval entry is in the report, proved into the checkpoint after it.
        report = { issued: true, ...(await issueAudit(request.rt, target)) };
      } catch (error) {
        // The approval is recorded whatever happens here: say so, and how to issue the report later.
        const { document, fault } = toProblem(error);
        if (fault) logger.error('audit report not issued after approval', { error: error as Error });
        else logger.info('audit report not issued after approval', { status: document.status });
        report = {
          issued: false,
          problem: { status: document.status, title: document.title, detail: document.detail },
          retry: {
            method: 'POST',
            path: `/contracts/${receipt.contract}/reports`,
            body: { payment: receipt.payment, lang },
          },
        };
      }
      return json(receipt.replayed ? 200 : 201, { receipt, report });
    },
  ),

  rejectPayment: defineRoute(
    { params: PaymentParamsSchema, body: RejectBodySchema, response: PaymentStepReceiptSchema, status: 201 },
    async (request) =>
      answer(await rejectPayment(request.rt.contracts, { ...stepRequest(request), reason: request.body.reason })),
  ),

  markPaid: defineRoute(
    { params: PaymentParamsSchema, body: PaidBodySchema, response: PaymentStepReceiptSchema, status: 201 },
    async (request) =>
      answer(
        await markPaid(request.rt.contracts, {
          ...stepRequest(request),
          paymentOrder: request.body.paymentOrder,
          paidOn: request.body.paidOn,
        }),
      ),
  ),
};

export const handler = apiHandler(IMPLS);
