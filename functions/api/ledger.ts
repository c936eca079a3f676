/**
 * The ledger routes of the HTTP API (handler module `api/ledger` in
 * routes.ts): batch and upload status, record queries, entry and record
 * proofs, checkpoints and consistency proofs; the export (ledger-export.ts)
 * and witness cosignatures (ledger-cosign.ts) are served from here too, and
 * the documents of all of them are in ledger-schemas.ts (`sib
 * operator|evaluator records|record-proof`, `sib evaluator cosign`, `sib
 * investor checkpoint|export` call them), answering plain JSON documents (the
 * export: JSON Lines).
 *
 * Hashes are hex in the documents this module defines (roots, proof paths of
 * consistency proofs), as in receipts; the proof documents of domain/ledger/proof.ts
 * keep their base64, so that `sib ledger verify-proof` checks them as they are.
 */
import { GetObjectCommand, HeadObjectCommand, NoSuchKey } from '@aws-sdk/client-s3';
import type * as z from 'zod';
import type { StoredRecord } from '#evidence';
import { isPseudonym } from '#intake';
import { ForbiddenError, IntegrityError, NotFoundError, toHex, ValidationError } from '#kernel';
import { verifyCheckpoint } from '#ledger';
import type { RecordsSelector } from '../adapters/dynamo-evidence.ts';
import { resultKey } from '../ingest-s3.ts';
import { uploadKey } from '../presign-upload.ts';
import type { Runtime } from '../shared/composition.ts';
import type { HttpResult } from '../shared/middleware.ts';
import { XLSX_MEDIA_TYPE } from '../shared/request.ts';
import { apiHandler, defineRoute, json } from './http.ts';
import { listBatches } from './ledger-batches.ts';
import { cosignCheckpoint } from './ledger-cosign.ts';
import { exportLog } from './ledger-export.ts';
import { checkpointAt, entryProof, logKey, recordProof, requireLog } from './ledger-log.ts';
import {
  BatchBodySchema,
  BatchParams,
  CheckpointSchema,
  ConsistencyQuery,
  ConsistencySchema,
  ContractParams,
  EntryProofSchema,
  EventParams,
  MAX_PAGE,
  ProofQuery,
  ReceiptSchema,
  RecordProofSchema,
  RecordsQuery,
  RecordsSchema,
  SeqParams,
  StoredProblemSchema,
  UploadParams,
  UploadStatusSchema,
} from './ledger-schemas.ts';
import { getTrustPolicy } from './trust-policy.ts';
import { getWitnessStatus } from './witness-status.ts';

export { exportSettings } from './ledger-export.ts';
export {
  CheckpointSchema,
  ConsistencySchema,
  CosignResultSchema,
  EntryProofSchema,
  MAX_PAGE,
  ReceiptSchema,
  RecordProofSchema,
  RecordsSchema,
  UploadStatusSchema,
} from './ledger-schemas.ts';

/** The sort key a records query returns records in (the index's sort key): the cursor is the last one given. */
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
    const [result, csv, xlsx] = await Promise.all([
      s3Get(rt, resultKey(contract, batchId)),
      s3Head(rt, uploadKey(contract, batchId)),
      s3Head(rt, uploadKey(contract, batchId, XLSX_MEDIA_TYPE)),
    ]);
    // The latest upload of the batch id, CSV or XLSX.
    const upload = (xlsx?.lastModified?.getTime() ?? -1) > (csv?.lastModified?.getTime() ?? -1) ? xlsx : (csv ?? xlsx);
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
      ...(problem.data.problemCount === undefined ? {} : { problemCount: problem.data.problemCount }),
      ...(problem.data.problemsByField === undefined ? {} : { problemsByField: problem.data.problemsByField }),
    } satisfies z.input<typeof UploadStatusSchema>);
  },
);

const queryRecords = defineRoute(
  { params: ContractParams, query: RecordsQuery, response: RecordsSchema, status: 200 },
  async ({ params, query, caller, rt }): Promise<HttpResult> => {
    const { contract } = params;
    await requireLog(rt, contract);
    let selector: RecordsSelector;
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
      selector = { participant: pseudonym };
    } else if (query.batch !== undefined) {
      selector = { batch: query.batch };
    } else {
      selector = { type: query.type as string, from: query.from, to: query.to };
    }
    // One page costs one page: DynamoDB is read from the cursor on, about `limit` items.
    const page = await rt.store.recordsPage(contract, selector, {
      limit: query.limit ?? MAX_PAGE,
      cursor: query.cursor,
    });
    return json(200, {
      records: page.items.map((r) => ({ batchId: r.batchId, index: r.index, record: r.record as StoredRecord })),
      ...(page.next === undefined ? {} : { next: page.next }),
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
    const cp = verifyCheckpoint(note, [await logKey(rt, contract)]);
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

export const IMPLS = {
  // The operator's batch history (ledger-batches.ts)
  listBatches,
  getBatch,
  getUpload,
  queryRecords,
  getRecordProof,
  getEntryProof,
  getCheckpoint,
  getConsistencyProof,
  exportLog,
  cosignCheckpoint,
  getTrustPolicy,
  // Witness status (the evaluator's audit pages)
  getWitnessStatus,
};

export const handler = apiHandler(IMPLS);
