/**
 * The operator's batch history (GET /contracts/{contract}/batches, handler
 * module `api/ledger`; the console's `/operator/history` page): the
 * contract's evidence batch entries, newest first, a page at a time, each
 * with what its receipt says (entry, records root, archive, counts per
 * record type, when it was appended); and, on the first page, the uploads
 * not (yet) in the log: pending ones, and rejected ones whose result the
 * uploads bucket still keeps (results expire after 30 days, uploads after
 * one: storage-layout.ts).
 *
 * Nothing here is trusted by the page: it fetches each batch's inclusion
 * proof and the signed checkpoint and checks them itself.
 */
import * as z from 'zod';
import { ValidationError } from '#kernel';
import { ContractIdSchema, EVIDENCE_BATCH_KIND } from '#ledger';
import { batchesTable } from '../shared/export-tables.ts';
import type { HttpResult } from '../shared/middleware.ts';
import { defineRoute, json } from './http.ts';
import { requireLog } from './ledger-log.ts';
import { BatchBodySchema, ContractParams } from './ledger-schemas.ts';
import { uploadsNotLogged } from './ledger-uploads.ts';
import { CanonicalCount } from './params.ts';
import { EXPORT_TYPES, ExportFormatSchema, tableAnswer } from './table-answer.ts';

/** Most batches one page carries; `next` continues. */
export const MAX_BATCH_PAGE = 200;

export const BatchListQuery = z.strictObject({
  before: CanonicalCount.pipe(z.number().min(1)).optional().describe('The `next` of the previous page'),
  limit: CanonicalCount.pipe(z.number().min(1).max(MAX_BATCH_PAGE))
    .optional()
    .describe(`1 to ${MAX_BATCH_PAGE}, default 50`),
  format: ExportFormatSchema,
});

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);

export const BatchListSchema = z.object({
  contract: ContractIdSchema,
  /** The log's size when read: every batch listed is in the tree of this size. */
  size: z.number(),
  batches: z.array(
    z.object({
      batchId: z.string(),
      seq: z.number(),
      entryHash: Hex32,
      recordsRoot: Hex32,
      recordCount: z.number(),
      /** Records per record type. */
      types: z.record(z.string(), z.number()),
      archive: z.object({ key: z.string(), sha256: Hex32 }),
      /** When the entry was appended (ISO 8601, UTC). */
      appendedAt: z.string(),
    }),
  ),
  /** Present when older batches may follow: pass it as `before`. */
  next: z.number().optional(),
  /** First page only: the uploads not in the log (ledger-uploads.ts). */
  uploads: z.array(
    z.object({
      batchId: z.string(),
      status: z.enum(['pending', 'rejected']),
      /** When uploaded (pending), or when the result was written (rejected). */
      at: z.string().optional(),
      title: z.string().optional(),
      problemCount: z.number().optional(),
    }),
  ),
});

export const listBatches = defineRoute(
  { params: ContractParams, query: BatchListQuery, response: BatchListSchema, status: 200, alsoTypes: EXPORT_TYPES },
  async ({ params, query, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    if (query.before !== undefined && query.before > head.size) {
      throw new ValidationError(`the log of ${contract} has ${head.size} entries`, [
        { field: 'query.before', message: `must be from 1 to ${head.size}` },
      ]);
    }
    const page = await rt.log.entriesOfKind(contract, EVIDENCE_BATCH_KIND, {
      before: query.before ?? head.size,
      limit: query.limit ?? 50,
    });
    const decoder = new TextDecoder();
    const batches = page.entries.map((e) => {
      const entry = JSON.parse(decoder.decode(e.bytes)) as { at: string; body: unknown };
      const body = BatchBodySchema.parse(entry.body);
      return {
        batchId: body.batchId,
        seq: e.seq,
        entryHash: e.hash,
        recordsRoot: body.recordsRoot,
        recordCount: body.recordCount,
        types: body.types ?? {},
        archive: body.archive,
        appendedAt: entry.at,
      };
    });
    // Issue 17: the page's records per batch and type as a spreadsheet, as `sib operator batches --format`.
    if (query.format !== undefined) return tableAnswer(query.format, `${contract}-batches`, [batchesTable(batches)]);
    return json(200, {
      contract,
      size: head.size,
      batches,
      ...(page.next === undefined ? {} : { next: page.next }),
      uploads: query.before === undefined ? await uploadsNotLogged(rt, contract) : [],
    } satisfies z.input<typeof BatchListSchema>);
  },
);
