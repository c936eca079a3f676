/**
 * GET /contracts/{contract}/template: the contract's fill-in template for
 * the operator (the console's batch page, as `sib operator template` writes
 * it), from the latest registered version: the workbook, or the CSV.
 */
import * as z from 'zod';
import { ContractProfileSchema } from '#contracts';
import { contractTemplate, templateCsv } from '#intake';
import { NotFoundError } from '#kernel';
import { ContractIdSchema } from '#ledger';
import { contractVersions } from '#services';
import type { HttpResult } from '../shared/middleware.ts';
import { defineRoute } from './http.ts';

/** `format` of the template route: the workbook (drop-down lists, an example sheet) or the CSV (header and an example row). */
export const TemplateQuerySchema = z.strictObject({
  format: z.enum(['xlsx', 'csv']).optional().describe('xlsx (the default) or csv'),
});
/** The contract whose template is asked for (contracts.ts has the same; imported from there it would be a cycle). */
const TemplateParams = z.object({ contract: ContractIdSchema });
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export const getTemplate = defineRoute(
  { params: TemplateParams, query: TemplateQuerySchema, status: 200, responseType: XLSX_TYPE },
  async ({ params, query, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const latest = (await contractVersions(rt.contracts, contract)).at(-1);
    if (latest === undefined) throw new NotFoundError(`contract ${contract} is not registered`);
    // The latest version's terms: the template lists what the ledger checks now.
    const template = contractTemplate(ContractProfileSchema.parse(latest.spec));
    const format = query.format ?? 'xlsx';
    const disposition = `attachment; filename="${contract}-template.${format}"`;
    if (format === 'csv') {
      return {
        statusCode: 200,
        headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition },
        body: templateCsv(template),
      };
    }
    // exceljs is a lazy chunk (infra/constructs/handler-function.ts LAZY_XLSX_IMPORT): not parsed at cold start.
    const { templateXlsx } = await import('../adapters/xlsx-batch.ts');
    return {
      statusCode: 200,
      headers: { 'content-type': XLSX_TYPE, 'content-disposition': disposition },
      body: Buffer.from(await templateXlsx(template)).toString('base64'),
      isBase64Encoded: true,
    };
  },
);
