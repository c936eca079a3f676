/**
 * The documents of the ledger routes (ledger.ts, ledger-export.ts,
 * ledger-cosign.ts): their path parameters, queries and bodies as the routes
 * check them, and the response schemas the OpenAPI description is built
 * from (functions/api/openapi-doc.ts). Also the shapes the routes read back:
 * a batch entry's body and an upload's stored problem.
 */

import * as z from 'zod';
import { EVENT_ID, EVIDENCE_TYPES } from '#evidence';
import { BATCH_ID, CsvDialectSchema, MAX_RAW_REFERENCE_LENGTH } from '#intake';
import { ContractIdSchema, MAX_NOTE_BYTES } from '#ledger';
import { CanonicalCount } from './params.ts';

// ---- parameters

/** A non-negative decimal written exactly, as a safe integer (params.ts). */
const Count = CanonicalCount;

/** The batch id rule of domain/intake/archive.ts (as the submission and the upload routes check it). */
const BatchIdSchema = z
  .string()
  .regex(BATCH_ID, 'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit');
const EventIdSchema = z
  .string()
  .regex(EVENT_ID, 'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit');
const IsoDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });

export const ContractParams = z.strictObject({ contract: ContractIdSchema });
export const BatchParams = z.strictObject({ contract: ContractIdSchema, batchId: BatchIdSchema });
/** As presign-upload.ts: the id becomes part of an object key, so no `.`/`..` segments. */
export const UploadParams = z.strictObject({
  contract: ContractIdSchema,
  batchId: BatchIdSchema.refine(
    (id) => id.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'no empty, . or .. path segments',
  ),
});
export const EventParams = z.strictObject({ contract: ContractIdSchema, eventId: EventIdSchema });
export const SeqParams = z.strictObject({ contract: ContractIdSchema, seq: Count });

/** Most records one answer carries; `next` continues. */
export const MAX_PAGE = 1000;

export const RecordsQuery = z
  .strictObject({
    participant: z
      .string()
      .min(1)
      .max(MAX_RAW_REFERENCE_LENGTH)
      .optional()
      .describe("A pseudonym (p-…), or (operator only) the operator's reference, pseudonymised by the server"),
    batch: BatchIdSchema.optional().describe('A batch id: its records, in batch order'),
    type: z.enum(EVIDENCE_TYPES).optional().describe('A record type, optionally with from/to dates'),
    from: IsoDate.optional().describe('With type: the first date (inclusive)'),
    to: IsoDate.optional().describe('With type: the last date (inclusive)'),
    limit: Count.pipe(z.number().min(1).max(MAX_PAGE))
      .optional()
      .describe(
        `Records per page (1 to ${MAX_PAGE}, default ${MAX_PAGE}); a page reads about this many records, not every match`,
      ),
    cursor: z
      .string()
      .min(1)
      .max(400)
      .optional()
      .describe(
        'The `next` of the previous page, passed as it is: opaque (it names the last record given), valid for the same query only',
      ),
  })
  .superRefine((q, ctx) => {
    const chosen = (['participant', 'batch', 'type'] as const).filter((k) => q[k] !== undefined);
    if (chosen.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: chosen.length === 0 ? [] : [chosen[1] as string],
        message: 'give exactly one of participant, batch, type',
      });
    }
    for (const k of ['from', 'to'] as const) {
      if (q[k] !== undefined && q.type === undefined) {
        ctx.addIssue({ code: 'custom', path: [k], message: 'dates narrow a type query: give type too' });
      }
    }
    if (q.from !== undefined && q.to !== undefined && q.from > q.to) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: 'must not be before from' });
    }
  });

export const ProofQuery = z.strictObject({
  size: Count.pipe(z.number().min(1)).optional().describe('The tree size to prove against (default: the current size)'),
});

export const ConsistencyQuery = z
  .strictObject({
    from: Count.describe('The older tree size'),
    to: Count.pipe(z.number().min(1)).optional().describe('The newer tree size (default: the current size)'),
  })
  .refine((q) => q.to === undefined || q.from <= q.to, { path: ['from'], message: 'must not be above to' });

export const ExportQuery = z
  .strictObject({
    from: Count.optional().describe('First entry (seq) of a range; default 0'),
    to: Count.pipe(z.number().min(1)).optional().describe('Tree size the range ends at (exclusive); default: HEAD'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['from'],
    message: 'must be below to',
  });

export const CosignBody = z.strictObject({
  note: z
    .string()
    .min(1)
    .max(MAX_NOTE_BYTES)
    .describe("The log's signed checkpoint with the witness's signature line added (C2SP signed note)"),
  witnessKey: z.string().min(1).max(512).describe("The witness's verifier key, name+keyid+base64"),
});

// ---- responses

const Hex32 = z.string().regex(/^[0-9a-f]{64}$/);
const B64 = z.string();

export const ReceiptSchema = z.object({
  contract: z.string(),
  batchId: z.string(),
  seq: z.number().int(),
  entryHash: Hex32,
  recordsRoot: Hex32,
  recordCount: z.number().int(),
  archive: z.object({ key: z.string(), sha256: Hex32 }),
  types: z.record(z.string(), z.number().int()).optional(),
  /** Signed checkpoint right after the batch's entry (tree size seq + 1). */
  checkpoint: z.string(),
  replayed: z.boolean().optional(),
  /** What a CSV batch used beyond the documented form (an upload's receipt; the log does not keep it). */
  dialect: CsvDialectSchema.optional(),
});

const ProblemItem = z.object({
  at: z.union([z.number(), z.string()]).optional(),
  field: z.string().optional(),
  message: z.string(),
});

export const UploadStatusSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending'), batchId: z.string(), uploadedAt: z.string().optional() }),
  z.object({ status: z.literal('accepted'), batchId: z.string(), receipt: ReceiptSchema }),
  z.object({
    status: z.literal('rejected'),
    batchId: z.string(),
    title: z.string(),
    detail: z.string(),
    problems: z.array(ProblemItem),
    /** How many problems there were in all (`problems` lists at most the first 1,000), and per field. */
    problemCount: z.number().int().optional(),
    problemsByField: z.record(z.string(), z.number().int()).optional(),
  }),
]);

export const RecordsSchema = z.object({
  records: z.array(
    z.object({
      batchId: z.string(),
      index: z.number().int(),
      record: z.record(z.string(), z.unknown()),
    }),
  ),
  /** Present when more records match: pass it as `?cursor=`. */
  next: z
    .string()
    .optional()
    .describe('Present when more records match: pass it as `cursor` with the same query for the next page'),
});

export const EntryProofSchema = z.object({
  contract: z.string(),
  seq: z.number().int(),
  size: z.number().int(),
  entry: z.string(),
  leafHash: B64,
  proof: z.array(B64),
  root: B64,
  checkpoint: z.string(),
});

export const RecordProofSchema = EntryProofSchema.extend({
  eventId: z.string(),
  record: z.string(),
  batch: z.object({
    batchId: z.string(),
    index: z.number().int(),
    count: z.number().int(),
    recordsRoot: Hex32,
    proof: z.array(B64),
  }),
});

export const CheckpointSchema = z.object({
  contract: z.string(),
  origin: z.string(),
  size: z.number().int(),
  root: Hex32,
  /** The C2SP signed note: the log's signature and any witness cosignatures. */
  note: z.string(),
});

export const ConsistencySchema = z.object({
  contract: z.string(),
  from: z.number().int(),
  to: z.number().int(),
  fromRoot: Hex32,
  toRoot: Hex32,
  proof: z.array(Hex32),
  /** The signed checkpoint of size `to`. */
  checkpoint: z.string(),
});

export const CosignResultSchema = z.object({
  contract: z.string(),
  size: z.number().int(),
  witnessKey: z.string(),
  /** False when the stored checkpoint already carried the witness's signature. */
  added: z.boolean(),
  /** The checkpoint as stored now, with every signature line. */
  note: z.string(),
});

// ---- documents the routes read back

/** The body of an evidence batch entry, as the batch route reads it. */
export const BatchBodySchema = z.object({
  batchId: z.string(),
  recordCount: z.number().int(),
  recordsRoot: Hex32,
  archive: z.object({ key: z.string(), sha256: Hex32 }),
  types: z.record(z.string(), z.number().int()).optional(),
});

/** The RFC 9457 problem ingest-s3 writes as a rejected upload's result. */
export const StoredProblemSchema = z.object({
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(ProblemItem).optional(),
  problemCount: z.number().int().optional(),
  problemsByField: z.record(z.string(), z.number().int()).optional(),
});
