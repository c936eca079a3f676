import { GetObjectCommand, HeadObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import * as z from 'zod';
import { EVENT_ID, EVIDENCE_TYPES, type StoredRecord } from '#evidence';
import { isPseudonym, MAX_RAW_REFERENCE_LENGTH } from '#intake';
import { ForbiddenError, fromBase64, IntegrityError, NotFoundError, toBase64, toHex, ValidationError } from '#kernel';
import type { EntryProofDocument, RecordProofDocument } from '#ledger';
import {
  ContractIdSchema,
  checkpointOrigin,
  checkSigners,
  MAX_NOTE_BYTES,
  parseVerifierKey,
  publishCheckpoint,
  type VerifierKey,
  verifierKey,
  verifyCheckpoint,
} from '#ledger';
import type { QueriedRecord } from '../adapters/dynamo-evidence.ts';
import { recordInBatch } from '../adapters/evidence-ledger.ts';
import { resultKey } from '../ingest-s3.ts';
import { uploadKey } from '../presign-upload.ts';
import type { Runtime } from '../shared/composition.ts';
import type { HttpResult } from '../shared/middleware.ts';
import { apiHandler, defineRoute, json } from './http.ts';

/**
 * The ledger routes of the HTTP API (handler module `api/ledger` in
 * routes.ts): batch and upload status, record queries, entry and record
 * proofs, checkpoints and consistency proofs, the export, and witness
 * cosignatures (`sib operator|evaluator records|record-proof`, `sib evaluator
 * cosign`, `sib investor checkpoint|export` call them here),
 * answering plain JSON documents (the export: JSON Lines).
 *
 * Hashes are hex in the documents this module defines (roots, proof paths of
 * consistency proofs), as in receipts; the proof documents of domain/ledger/proof.ts
 * keep their base64, so that `sib ledger verify-proof` checks them as they are.
 */

// ---- parameters

/** A non-negative decimal without leading zeros, as a safe integer. */
const Count = z
  .string()
  .regex(/^(?:0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer (decimal digits, no leading zeros)')
  .transform(Number)
  .pipe(z.number().int().max(Number.MAX_SAFE_INTEGER, 'is too large'));

/** The batch id rule of domain/services/ingest.ts (as the submission and the upload routes check it). */
const BatchIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/,
    'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit',
  );
const EventIdSchema = z
  .string()
  .regex(EVENT_ID, 'must be 1 to 64 characters: letters, digits and . _ : / -, starting with a letter or digit');
const IsoDate = z.iso.date({ error: 'must be a real calendar date written YYYY-MM-DD' });

const ContractParams = z.strictObject({ contract: ContractIdSchema });
const BatchParams = z.strictObject({ contract: ContractIdSchema, batchId: BatchIdSchema });
/** As presign-upload.ts: the id becomes part of an object key, so no `.`/`..` segments. */
const UploadParams = z.strictObject({
  contract: ContractIdSchema,
  batchId: BatchIdSchema.refine(
    (id) => id.split('/').every((s) => s !== '' && s !== '.' && s !== '..'),
    'no empty, . or .. path segments',
  ),
});
const EventParams = z.strictObject({ contract: ContractIdSchema, eventId: EventIdSchema });
const SeqParams = z.strictObject({ contract: ContractIdSchema, seq: Count });

/** Most records one answer carries; `next` continues. */
export const MAX_PAGE = 1000;

const RecordsQuery = z
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
    limit: Count.pipe(z.number().min(1).max(MAX_PAGE)).optional().describe(`Records per page (1 to ${MAX_PAGE})`),
    cursor: z.string().min(1).max(400).optional().describe('The `next` of the previous page'),
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

const ProofQuery = z.strictObject({
  size: Count.pipe(z.number().min(1)).optional().describe('The tree size to prove against (default: the current size)'),
});

const ConsistencyQuery = z
  .strictObject({
    from: Count.describe('The older tree size'),
    to: Count.pipe(z.number().min(1)).optional().describe('The newer tree size (default: the current size)'),
  })
  .refine((q) => q.to === undefined || q.from <= q.to, { path: ['from'], message: 'must not be above to' });

const ExportQuery = z
  .strictObject({
    from: Count.optional().describe('First entry (seq) of a range; default 0'),
    to: Count.pipe(z.number().min(1)).optional().describe('Tree size the range ends at (exclusive); default: HEAD'),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, {
    path: ['from'],
    message: 'must be below to',
  });

const CosignBody = z.strictObject({
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
  next: z.string().optional(),
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

// ---- helpers

/** The log's HEAD; 404 when the contract has no log. */
async function requireLog(rt: Runtime, contract: string) {
  const head = await rt.log.head(contract);
  if (head.size === 0) throw new NotFoundError(`there is no log for contract ${contract} (no entries)`);
  return head;
}

/** The published checkpoint of `size` (with its cosignatures), published now if there is none. */
async function checkpointAt(rt: Runtime, contract: string, size: number): Promise<string> {
  return (await rt.log.checkpointAt(contract, size)) ?? publishCheckpoint(rt.log, rt.signer, contract, size);
}

async function logKey(rt: Runtime): Promise<string> {
  return verifierKey(rt.signer.name, await rt.signer.publicKey());
}

const BatchBodySchema = z.object({
  batchId: z.string(),
  recordCount: z.number().int(),
  recordsRoot: Hex32,
  archive: z.object({ key: z.string(), sha256: Hex32 }),
  types: z.record(z.string(), z.number().int()).optional(),
});

async function entryProof(rt: Runtime, contract: string, seq: number, size?: number): Promise<EntryProofDocument> {
  const head = await requireLog(rt, contract);
  if (seq >= head.size) throw new NotFoundError(`no entry seq ${seq} in the log of ${contract} (${head.size} entries)`);
  if (size !== undefined && size > head.size) {
    throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${size} is not available`, [
      { field: 'query.size', message: `must be from ${seq + 1} to ${head.size}` },
    ]);
  }
  if (size !== undefined && seq >= size) {
    throw new ValidationError(`entry seq ${seq} is not in a tree of size ${size}`, [
      { field: 'query.size', message: `must be from ${seq + 1} to ${head.size}` },
    ]);
  }
  const p = await rt.log.inclusionProof(contract, seq, size ?? head.size);
  return {
    contract,
    seq: p.seq,
    size: p.size,
    entry: new TextDecoder().decode(await rt.log.entry(contract, p.seq)),
    leafHash: toBase64(p.leafHash),
    proof: p.proof.map(toBase64),
    root: toBase64(p.root),
    checkpoint: await checkpointAt(rt, contract, p.size),
  };
}

/** Two levels: the record in its batch's records root, the batch's entry in the log (`sib operator|evaluator record-proof`). */
async function recordProof(
  rt: Runtime,
  contract: string,
  eventId: string,
  size?: number,
): Promise<RecordProofDocument> {
  await requireLog(rt, contract);
  const { seq, ...inBatch } = await recordInBatch(rt.store, rt.ledger, contract, eventId);
  return { ...(await entryProof(rt, contract, seq, size)), ...inBatch };
}

/** The sort key a records query returns records in (the index's sort key): the cursor is the last one given. */
function sortKey(mode: 'batch' | 'dated', r: QueriedRecord): string {
  return mode === 'batch' ? r.index.toString().padStart(8, '0') : `${r.record.date}#${r.record.eventId}`;
}

function encodeCursor(key: string): string {
  return Buffer.from(`v1:${key}`, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith('v1:') || text.length <= 3) {
    throw new ValidationError('the cursor is not one this API gave', [
      { field: 'query.cursor', message: 'pass the `next` of the previous page as it is' },
    ]);
  }
  return text.slice(3);
}

/** The signature line of `key` on a signed note, if it carries one (without its newline). */
function signatureLineOf(note: string, key: VerifierKey): string | undefined {
  const sep = note.indexOf('\n\n');
  if (sep < 0) return undefined;
  return note
    .slice(sep + 2)
    .split('\n')
    .find((line) => {
      const [dash, name, sig] = line.split(' ');
      if (dash !== '\u2014' || name !== key.name || sig === undefined) return false;
      try {
        return toHex(fromBase64(sig).subarray(0, 4)) === key.keyId;
      } catch {
        return false;
      }
    });
}

/** The signed text of a note (up to the blank line before the signatures). */
function noteText(note: string): string {
  return note.slice(0, note.indexOf('\n\n') + 1);
}

/** The export, at most this many bytes once JSON-escaped into the Lambda answer (whose limit is 6 MB). Tests lower it. */
export const exportSettings = { maxBytes: 5 * 1024 * 1024 };

async function s3Get(rt: Runtime, key: string): Promise<{ text: string; lastModified?: Date } | undefined> {
  try {
    const out = await rt.s3.send(new GetObjectCommand({ Bucket: rt.stack.buckets.uploads, Key: key }));
    const text = out.Body === undefined ? '' : await out.Body.transformToString('utf-8');
    return out.LastModified === undefined ? { text } : { text, lastModified: out.LastModified };
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
    throw error;
  }
}

async function s3Head(rt: Runtime, key: string): Promise<{ lastModified?: Date } | undefined> {
  try {
    const out = await rt.s3.send(new HeadObjectCommand({ Bucket: rt.stack.buckets.uploads, Key: key }));
    return out.LastModified === undefined ? {} : { lastModified: out.LastModified };
  } catch (error) {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404) return undefined;
    throw error;
  }
}

const StoredProblemSchema = z.object({
  status: z.number().int(),
  title: z.string(),
  detail: z.string(),
  errors: z.array(ProblemItem).optional(),
});

// ---- routes

const getBatch = defineRoute(
  { params: BatchParams, response: ReceiptSchema, status: 200 },
  async ({ params, rt }): Promise<HttpResult> => {
    const { contract, batchId } = params;
    const entry = await rt.ledger.batchEntry(contract, batchId);
    if (!entry) {
      throw new NotFoundError(
        `batch ${batchId} has no entry in the log of ${contract} (an upload still being ingested: GET /contracts/${contract}/uploads/{batchId})`,
      );
    }
    const body = BatchBodySchema.safeParse(entry.body);
    if (!body.success)
      throw new IntegrityError(`the entry of batch ${batchId} is not an evidence batch entry`, entry.seq);
    const { recordCount, recordsRoot, archive, types } = body.data;
    return json(200, {
      contract,
      batchId,
      seq: entry.seq,
      entryHash: entry.entryHash,
      recordsRoot,
      recordCount,
      archive,
      ...(types === undefined ? {} : { types }),
      checkpoint: await checkpointAt(rt, contract, entry.seq + 1),
    } satisfies z.input<typeof ReceiptSchema>);
  },
);

const getUpload = defineRoute(
  { params: UploadParams, response: UploadStatusSchema, status: 200 },
  async ({ params, rt }): Promise<HttpResult> => {
    const { contract, batchId } = params;
    const [result, upload] = await Promise.all([
      s3Get(rt, resultKey(contract, batchId)),
      s3Head(rt, uploadKey(contract, batchId)),
    ]);
    const pending = () =>
      json(200, {
        status: 'pending',
        batchId,
        ...(upload?.lastModified ? { uploadedAt: upload.lastModified.toISOString() } : {}),
      } satisfies z.input<typeof UploadStatusSchema>);
    if (result === undefined) {
      if (upload === undefined) throw new NotFoundError(`no upload of batch ${batchId} to ${contract}`);
      return pending();
    }
    // Uploaded again since that result was written: the new upload's result is still to come.
    if (upload?.lastModified && result.lastModified && upload.lastModified > result.lastModified) return pending();
    let document: unknown;
    try {
      document = JSON.parse(result.text);
    } catch (error) {
      throw new Error(`the result of upload ${batchId} of ${contract} is not JSON`, { cause: error });
    }
    const receipt = ReceiptSchema.safeParse(document);
    if (receipt.success) return json(200, { status: 'accepted', batchId, receipt: receipt.data });
    const problem = StoredProblemSchema.safeParse(document);
    if (!problem.success)
      throw new Error(`the result of upload ${batchId} of ${contract} is neither a receipt nor a problem`);
    return json(200, {
      status: 'rejected',
      batchId,
      title: problem.data.title,
      detail: problem.data.detail,
      problems: problem.data.errors ?? [],
    } satisfies z.input<typeof UploadStatusSchema>);
  },
);

const queryRecords = defineRoute(
  { params: ContractParams, query: RecordsQuery, response: RecordsSchema, status: 200 },
  async ({ params, query, caller, rt }): Promise<HttpResult> => {
    const { contract } = params;
    await requireLog(rt, contract);
    let found: QueriedRecord[];
    if (query.participant !== undefined) {
      let pseudonym = query.participant;
      if (!isPseudonym(pseudonym)) {
        // Only the operator holds the references: pseudonymising them for anyone else would let them test guesses.
        if (caller?.role !== 'operator') {
          throw new ForbiddenError(
            'only the operator may look a participant up by reference; give the pseudonym (p- and 32 hex digits)',
          );
        }
        pseudonym = await rt.ports.pseudonymizer.pseudonym(contract, pseudonym).catch((error: unknown) => {
          if (error instanceof ValidationError) {
            throw new ValidationError(
              error.message,
              error.problems.map((p) => ({ ...p, field: 'query.participant' })),
            );
          }
          throw error;
        });
      }
      found = await rt.store.byParticipant(contract, pseudonym);
    } else if (query.batch !== undefined) {
      found = await rt.store.byBatch(contract, query.batch);
    } else {
      found = await rt.store.byType(contract, query.type as string, query.from, query.to);
    }
    const mode = query.batch !== undefined ? 'batch' : 'dated';
    if (query.cursor !== undefined) {
      const after = decodeCursor(query.cursor);
      found = found.filter((r) => sortKey(mode, r) > after);
    }
    const limit = query.limit ?? MAX_PAGE;
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return json(200, {
      records: page.map((r) => ({ batchId: r.batchId, index: r.index, record: r.record as StoredRecord })),
      ...(found.length > limit && last !== undefined ? { next: encodeCursor(sortKey(mode, last)) } : {}),
    } satisfies z.input<typeof RecordsSchema>);
  },
);

const getRecordProof = defineRoute(
  { params: EventParams, query: ProofQuery, response: RecordProofSchema, status: 200 },
  async ({ params, query, rt }) => json(200, await recordProof(rt, params.contract, params.eventId, query.size)),
);

const getEntryProof = defineRoute(
  { params: SeqParams, query: ProofQuery, response: EntryProofSchema, status: 200 },
  async ({ params, query, rt }) => json(200, await entryProof(rt, params.contract, params.seq, query.size)),
);

const getCheckpoint = defineRoute(
  { params: ContractParams, response: CheckpointSchema, status: 200 },
  async ({ params, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    const latest = await rt.log.latestCheckpoint(contract);
    const note =
      latest !== undefined && latest.split('\n')[1] === String(head.size)
        ? latest
        : await checkpointAt(rt, contract, head.size);
    const cp = verifyCheckpoint(note, [await logKey(rt)]);
    return json(200, {
      contract,
      origin: cp.origin,
      size: cp.size,
      root: toHex(cp.root),
      note,
    } satisfies z.input<typeof CheckpointSchema>);
  },
);

const getConsistencyProof = defineRoute(
  { params: ContractParams, query: ConsistencyQuery, response: ConsistencySchema, status: 200 },
  async ({ params, query, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    const to = query.to ?? head.size;
    if (to > head.size) {
      throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${to} is not available`, [
        { field: 'query.to', message: `must be from 1 to ${head.size}` },
      ]);
    }
    if (query.from > to) {
      throw new ValidationError(`size ${query.from} is not a prefix of a tree of size ${to}`, [
        { field: 'query.from', message: `must be from 0 to ${to}` },
      ]);
    }
    const p = await rt.log.consistencyProof(contract, query.from, to);
    return json(200, {
      contract,
      from: p.oldSize,
      to: p.newSize,
      fromRoot: toHex(p.oldRoot),
      toRoot: toHex(p.newRoot),
      proof: p.proof.map(toHex),
      checkpoint: await checkpointAt(rt, contract, p.newSize),
    } satisfies z.input<typeof ConsistencySchema>);
  },
);

const exportLog = defineRoute(
  { params: ContractParams, query: ExportQuery, status: 200, responseType: 'application/x-ndjson' },
  async ({ params, query, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    const from = query.from ?? 0;
    const to = query.to ?? head.size;
    if (to > head.size) {
      throw new ValidationError(`the log of ${contract} has ${head.size} entries; size ${to} is not available`, [
        { field: 'query.to', message: `must be from ${from + 1} to ${head.size}` },
      ]);
    }
    if (from >= to) {
      throw new ValidationError(`the range ${from}..${to} holds no entries`, [
        { field: 'query.from', message: `must be below ${to}` },
      ]);
    }
    // The checkpoint first: the entries read after it are exactly those it covers (a log only grows).
    const checkpoint = `${JSON.stringify({ checkpoint: await checkpointAt(rt, contract, to) })}\n`;
    const decoder = new TextDecoder();
    const lines: string[] = [];
    // JSON-escaped size: what the body weighs inside the Lambda answer.
    let weight = Buffer.byteLength(JSON.stringify(checkpoint));
    let expected = from;
    for await (const { keySeq, bytes } of rt.log.entries(contract, from, to)) {
      if (keySeq !== expected) throw new IntegrityError(`missing: no entry is stored for seq ${expected}`, expected);
      const line = `${decoder.decode(bytes)}\n`;
      weight += Buffer.byteLength(JSON.stringify(line)) - 2;
      if (weight > exportSettings.maxBytes) {
        const fit = Math.max(1, lines.length);
        throw new ValidationError(
          `the export of entries ${from}..${to - 1} of ${contract} is larger than ${exportSettings.maxBytes} bytes, more than one answer may carry: use \`sib ledger export --contract ${contract}\`, or export ranges with ?from=&to= (e.g. ?from=${from}&to=${from + fit}, then ?from=${from + fit}…)`,
          [{ field: 'query', message: `ask for at most ${fit} entries at a time` }],
        );
      }
      lines.push(line);
      expected++;
    }
    if (expected !== to) throw new IntegrityError(`missing: no entry is stored for seq ${expected}`, expected);
    lines.push(checkpoint);
    const range = query.from === undefined && query.to === undefined ? '' : `-${from}-${to}`;
    return {
      statusCode: 200,
      headers: {
        'content-type': 'application/x-ndjson',
        'content-disposition': `attachment; filename="${contract}${range}.jsonl"`,
      },
      body: lines.join(''),
    };
  },
);

const cosignCheckpoint = defineRoute(
  { params: ContractParams, body: CosignBody, response: CosignResultSchema, status: 201 },
  async ({ params, body, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const refuse = (message: string, field: string, problem = message): never => {
      throw new ValidationError(message, [{ field, message: problem }]);
    };
    let witness: VerifierKey;
    try {
      witness = parseVerifierKey(body.witnessKey);
    } catch (error) {
      return refuse((error as Error).message, 'witnessKey', 'must be a verifier key name+keyid+base64');
    }
    const log = parseVerifierKey(await logKey(rt));
    if (witness.name === log.name || witness.keyId === log.keyId) {
      refuse("the witness key is the log's own key: a witness cosigns with its own key", 'witnessKey');
    }
    // The log's signature first: a witness never vouches for text the log did not publish.
    let size = 0;
    try {
      const cp = verifyCheckpoint(body.note, [log]);
      size = cp.size;
      if (cp.origin !== checkpointOrigin(log.name, contract)) {
        refuse(`the note is a checkpoint of log ${JSON.stringify(cp.origin)}, not of contract ${contract}`, 'note');
      }
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      if (!(error instanceof IntegrityError)) throw error;
      refuse(`the note is not a checkpoint signed by the log: ${error.message}`, 'note');
    }
    const status = checkSigners(body.note, [witness])[0]?.status;
    if (status !== 'signed') {
      refuse(
        status === 'missing'
          ? `the note carries no signature by the witness key ${witness.name}+${witness.keyId}`
          : `the signature of ${witness.name}+${witness.keyId} on the note does not verify`,
        'note',
      );
    }
    const stored = await rt.log.checkpointAt(contract, size);
    if (stored === undefined)
      throw new NotFoundError(`no checkpoint of size ${size} has been published for ${contract}`);
    if (noteText(stored) !== noteText(body.note)) {
      throw new IntegrityError(`the log signed two different checkpoints of size ${size} of ${contract}`);
    }
    const answer = (code: number, note: string, added: boolean) =>
      json(code, {
        contract,
        size,
        witnessKey: verifierKey(witness.name, witness.publicKey),
        added,
        note,
      } satisfies z.input<typeof CosignResultSchema>);
    if (checkSigners(stored, [witness])[0]?.status === 'signed') return answer(200, stored, false);
    // Only the witness's own line is merged: other lines of the note it sent are not its to add.
    const line = signatureLineOf(body.note, witness) as string;
    const merged = await rt.log.addCosignature(contract, size, `${stored}${line}\n`);
    if (checkSigners(merged, [witness])[0]?.status !== 'signed') {
      throw new IntegrityError(`the stored checkpoint of size ${size} does not carry the witness's signature`);
    }
    return answer(201, merged, true);
  },
);

export const IMPLS = {
  getBatch,
  getUpload,
  queryRecords,
  getRecordProof,
  getEntryProof,
  getCheckpoint,
  getConsistencyProof,
  exportLog,
  cosignCheckpoint,
};

export const handler = apiHandler(IMPLS);
