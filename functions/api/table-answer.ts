/**
 * The `format=xlsx|csv` query of the routes that list a table (payments,
 * evidence batches, a recorded evaluation): the query's schema, and the
 * answer as a file to download (content-disposition attachment). The tables
 * are functions/shared/export-tables.ts, as the role commands' --format
 * writes them; exceljs is a lazy chunk (infra/constructs/handler-function.ts
 * XLSX_MODULES), loaded on the first workbook only.
 */
import * as z from 'zod';
import { EVALUATION_SHEETS } from '../shared/export-tables.ts';
import type { HttpResult } from '../shared/middleware.ts';
import { XLSX_MEDIA_TYPE } from '../shared/request.ts';
import { type ExportTable, tableCsv } from '../shared/table-export.ts';

export const ExportFormatSchema = z
  .enum(['xlsx', 'csv'])
  .optional()
  .describe(
    'xlsx or csv: the table as a file to download (XLSX with typed cells; CSV UTF-8 with a byte-order mark); default JSON',
  );

/** The query of a route answering JSON, or the table as a file. */
export const ExportQuerySchema = z.strictObject({ format: ExportFormatSchema });

/** The media types beside JSON (the OpenAPI document lists them). */
export const EXPORT_TYPES = [XLSX_MEDIA_TYPE, 'text/csv'] as const;

/** An evaluation's query: the format, and which of its tables a CSV carries. */
export const EvaluationExportQuerySchema = z.strictObject({
  format: ExportFormatSchema,
  sheet: z
    .enum(EVALUATION_SHEETS)
    .optional()
    .describe('with format=csv, the table to write (default Outcomes); XLSX has a sheet each'),
});

/**
 * The tables as a download named `<name>.<format>`; CSV carries one table,
 * the one named `sheet` (else the first), XLSX a sheet each.
 */
export async function tableAnswer(
  format: 'xlsx' | 'csv',
  name: string,
  tables: readonly ExportTable[],
  sheet?: string,
): Promise<HttpResult> {
  const disposition = `attachment; filename="${name}.${format}"`;
  const first = sheet === undefined ? tables[0] : tables.find((t) => t.name === sheet);
  if (format === 'csv' && first !== undefined) {
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': disposition },
      body: tableCsv(first),
    };
  }
  const { tablesXlsx } = await import('../adapters/xlsx-batch.ts');
  return {
    statusCode: 200,
    headers: { 'content-type': XLSX_MEDIA_TYPE, 'content-disposition': disposition },
    body: Buffer.from(await tablesXlsx(tables)).toString('base64'),
    isBase64Encoded: true,
  };
}
