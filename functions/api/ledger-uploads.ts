/**
 * The uploads of a contract not (yet) in its log, for the batch history's
 * first page (ledger-batches.ts): pending
 * uploads, and rejected ones whose result the uploads bucket still keeps.
 */
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { RESULTS_PREFIX, UPLOADS_PREFIX } from '../adapters/storage-layout.ts';
import type { Runtime } from '../shared/composition.ts';
import { StoredProblemSchema } from './ledger-schemas.ts';

/** Most uploads not in the log listed (the newest). */
export const MAX_UPLOADS_LISTED = 50;

/** An upload not in the log, as BatchListSchema's `uploads` (ledger-batches.ts) describes it. */
export interface Upload {
  readonly batchId: string;
  readonly status: 'pending' | 'rejected';
  readonly at?: string;
  readonly title?: string;
  readonly problemCount?: number;
}

interface Listed {
  readonly key: string;
  readonly lastModified?: Date;
}

async function list(rt: Runtime, prefix: string): Promise<Listed[]> {
  const out: Listed[] = [];
  let token: string | undefined;
  do {
    const page = await rt.s3.send(
      new ListObjectsV2Command({ Bucket: rt.stack.buckets.uploads, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      if (o.Key !== undefined)
        out.push(o.LastModified === undefined ? { key: o.Key } : { key: o.Key, lastModified: o.LastModified });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    // Uploads expire after a day and results after 30: a bounded listing, but stop at a sane size anyway.
  } while (token !== undefined && out.length < 10_000);
  return out;
}

const newest = (a: Listed, b: Listed) => (b.lastModified?.getTime() ?? 0) - (a.lastModified?.getTime() ?? 0);

/** The uploads of `contract` that are not batches in its log: pending, or rejected. */
export async function uploadsNotLogged(rt: Runtime, contract: string): Promise<Upload[]> {
  const [uploads, results] = await Promise.all([
    list(rt, `${UPLOADS_PREFIX}${contract}/`),
    list(rt, `${RESULTS_PREFIX}${contract}/`),
  ]);
  const resultAt = new Map<string, Listed>();
  for (const r of results) resultAt.set(r.key.slice(`${RESULTS_PREFIX}${contract}/`.length, -'.json'.length), r);
  const out: Upload[] = [];
  const pendingIds = new Set<string>();
  for (const u of uploads.sort(newest)) {
    const match = /^(.+)\.(csv|xlsx)$/.exec(u.key.slice(`${UPLOADS_PREFIX}${contract}/`.length));
    if (match === null) continue;
    const batchId = match[1] as string;
    const result = resultAt.get(batchId);
    // An upload newer than its result (or with none) is still being ingested.
    if (result !== undefined && (u.lastModified?.getTime() ?? 0) <= (result.lastModified?.getTime() ?? 0)) continue;
    if (pendingIds.has(batchId)) continue;
    pendingIds.add(batchId);
    out.push({ batchId, status: 'pending', ...(u.lastModified ? { at: u.lastModified.toISOString() } : {}) });
  }
  const candidates = [...resultAt.entries()]
    .filter(([batchId]) => !pendingIds.has(batchId))
    .sort(([, a], [, b]) => newest(a, b))
    .slice(0, MAX_UPLOADS_LISTED);
  const rejected = await Promise.all(
    candidates.map(async ([batchId, r]): Promise<Upload | undefined> => {
      const got = await rt.s3.send(new GetObjectCommand({ Bucket: rt.stack.buckets.uploads, Key: r.key }));
      const text = got.Body === undefined ? '' : await got.Body.transformToString('utf-8');
      let document: unknown;
      try {
        document = JSON.parse(text);
      } catch {
        return undefined;
      }
      const problem = StoredProblemSchema.safeParse(document);
      if (!problem.success) return undefined;
      return {
        batchId,
        status: 'rejected',
        ...(r.lastModified ? { at: r.lastModified.toISOString() } : {}),
        title: problem.data.title,
        problemCount: problem.data.problemCount ?? problem.data.errors?.length ?? 0,
      };
    }),
  );
  return [...out, ...rejected.filter((u): u is Upload => u !== undefined)].slice(0, MAX_UPLOADS_LISTED);
}
