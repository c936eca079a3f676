import * as z from 'zod';
import { ContractIdSchema, PAYMENT_STATES } from '#ledger';
import { parsePaymentId } from '#payments';
import { findReport, issueReport, listReports, REPORT_LANGS, type ReportLang, reportFileName } from '#services';
import { DOWNLOAD_EXPIRES_IN } from '../adapters/report-store.ts';
import type { Runtime } from '../shared/composition.ts';
import { logger } from '../shared/middleware.ts';
import { ContractParamsSchema, Hex64Schema } from './contracts.ts';
import { apiHandler, defineRoute, json } from './http.ts';
import { witnessKeysFromEnv } from './witness-keys.ts';

/**
 * Signed audit reports over HTTP (the Lambda of the `api/reports` routes in
 * routes.ts): list a contract's reports, issue the report of a payment (any
 * evaluation) on demand, and download one through short-lived presigned GET
 * URLs of its JSON and PDFs. The same use cases as `sib report`
 * (domain/services/reports.ts). Witnesses whose cosignatures reports name come from
 * SIB_WITNESS_KEYS (comma-separated verifier keys), as for the CLI.
 */

export const ReportLangSchema = z.enum(REPORT_LANGS as [ReportLang, ...ReportLang[]]);

/** A stored report (domain/services/reports.ts StoredReport). */
export const StoredReportSchema = z.strictObject({
  contract: ContractIdSchema,
  period: z.string(),
  /** The payment: seq of its evaluation entry. */
  payment: z.int().min(0),
  /** Checkpoint size the report proves into. */
  size: z.int().min(1),
  /** SHA-256 of the report JSON: the report's id. */
  sha256: Hex64Schema,
  jsonKey: z.string(),
  pdfKeys: z.strictObject({ ru: z.string().optional(), en: z.string().optional() }),
  /** When the report's JSON was stored (ISO 8601): its issue; absent where the bucket does not say. */
  issuedAt: z.string().optional(),
});

/** A report issued (or found: `reused`) for a payment. */
export const IssuedReportSchema = StoredReportSchema.extend({
  reused: z.boolean(),
  /** The payment's state as the report proves it. */
  state: z.enum(PAYMENT_STATES),
  /** Witnesses whose cosignatures of the checkpoint the report names. */
  witnesses: z.array(z.string()),
});

export const ReportListSchema = z.strictObject({
  contract: ContractIdSchema,
  reports: z.array(StoredReportSchema),
});

export const IssueBodySchema = z.strictObject({
  payment: z
    .union([z.int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().min(1).max(80)])
    .describe("the payment: the seq of its evaluation entry, or '<contract>/<seq>'"),
  lang: ReportLangSchema.optional().describe('language of the PDF (default ru)'),
});

export const ReportParamsSchema = z.object({
  contract: ContractIdSchema,
  report: z
    .string()
    .regex(/^[0-9a-f]{8,64}$/, "the report's SHA-256, or 8 or more of its leading hex digits")
    .describe("the report's SHA-256, or an unambiguous prefix of 8+ hex digits"),
});

const Link = z.strictObject({ url: z.url(), fileName: z.string() });

export const ReportDownloadSchema = z.strictObject({
  report: StoredReportSchema,
  /** Seconds the links live. */
  expiresIn: z.int().min(1),
  json: Link,
  pdf: z.strictObject({ ru: Link.optional(), en: Link.optional() }),
});

/**
 * Issues (or finds) the audit report of a payment at the log's current size,
 * with its PDF in `lang`; shared with the approval (api/payments). What is
 * stored, and the state the report proves.
 */
export async function issueAudit(
  rt: Pick<Runtime, 'reporting'>,
  request: { readonly contract: string; readonly payment: number; readonly lang: ReportLang },
): Promise<z.output<typeof IssuedReportSchema>> {
  const issued = await issueReport(rt.reporting, {
    ...request,
    issuedAt: new Date().toISOString(),
    witnessKeys: witnessKeysFromEnv(),
  });
  const { report, ...stored } = issued;
  logger.info(issued.reused ? 'report already issued' : 'report issued', {
    payment: issued.payment,
    size: issued.size,
    sha256: issued.sha256,
  });
  return { ...stored, state: report.workflow.state, witnesses: [...report.witnesses] };
}

export const IMPLS = {
  listReports: defineRoute(
    { params: ContractParamsSchema, response: ReportListSchema, status: 200 },
    async ({ params, rt }) =>
      json(200, { contract: params.contract, reports: await listReports(rt.reporting, params.contract) }),
  ),

  issueReport: defineRoute(
    { params: ContractParamsSchema, body: IssueBodySchema, response: IssuedReportSchema, status: 201 },
    async ({ params, body, rt }) => {
      const payment = parsePaymentId(params.contract, String(body.payment));
      const issued = await issueAudit(rt, { contract: params.contract, payment, lang: body.lang ?? 'ru' });
      return json(issued.reused ? 200 : 201, issued);
    },
  ),

  downloadReport: defineRoute(
    { params: ReportParamsSchema, response: ReportDownloadSchema, status: 200 },
    async ({ params, rt }) => {
      const found = await findReport(rt.reporting, params.contract, params.report);
      const link = async (key: string, ext: string) => ({
        url: await rt.reports.presignGet(key, DOWNLOAD_EXPIRES_IN),
        fileName: reportFileName(found, ext),
      });
      const pdf: { ru?: z.output<typeof Link>; en?: z.output<typeof Link> } = {};
      for (const lang of REPORT_LANGS) {
        const key = found.pdfKeys[lang];
        if (key !== undefined) pdf[lang] = await link(key, `${lang}.pdf`);
      }
      logger.info('report download presigned', { sha256: found.sha256 });
      return json(200, {
        report: found,
        expiresIn: DOWNLOAD_EXPIRES_IN,
        json: await link(found.jsonKey, 'json'),
        pdf,
      });
    },
  ),
};

export const handler = apiHandler(IMPLS);
