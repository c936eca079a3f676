/**
 * A large batch through the presigned upload, as `sib operator upload` does
 * it: POST /contracts/{contract}/uploads (functions/presign-upload.ts) for a
 * presigned S3 PUT, the file PUT with XMLHttpRequest (fetch reports no upload
 * progress) sending exactly the headers the server signed, then GET
 * /contracts/{contract}/uploads/{batchId} until the S3-event ingest
 * (functions/ingest-s3.ts) has written its outcome: the receipt, or the
 * problems, in the same shapes the batch route answers.
 *
 * The upload takes a CSV (streamed by the ingest, up to LIMITS.fileBytes) or
 * an XLSX workbook (read whole, up to XLSX_BYTES, which the batch route takes
 * anyway); a JSON batch has no upload path. The browser PUTs to the bucket's
 * origin: the console's CSP connect-src must name it, and the bucket's CORS
 * rule must allow the console's origin, PUT and the signed headers.
 */
import { api, contractPath } from '../../lib/api.ts';
import type { BatchProblem, Receipt } from './batch-files.ts';

export { CHECKSUM_BYTES, csvEncoding, sha256Hex, XLSX_BYTES } from './upload-file.ts';

/** The 201 of POST /contracts/{contract}/uploads. */
export interface UploadTicket {
  readonly url: string;
  readonly key: string;
  readonly method: 'PUT';
  readonly expiresIn: number;
  /** Signed: sent exactly as given. */
  readonly headers: Readonly<Record<string, string>>;
}

/** GET /contracts/{contract}/uploads/{batchId}. */
export type UploadStatus =
  | { readonly status: 'pending'; readonly batchId: string; readonly uploadedAt?: string }
  | { readonly status: 'accepted'; readonly batchId: string; readonly receipt: Receipt }
  | {
      readonly status: 'rejected';
      readonly batchId: string;
      readonly title: string;
      readonly detail: string;
      readonly problems: readonly BatchProblem[];
      readonly problemCount?: number;
      readonly problemsByField?: Readonly<Record<string, number>>;
    };

/** Where an upload is: asking for the URL, sending (bytes so far), waiting for the ingest, done. */
export type UploadPhase =
  | { readonly step: 'presigning' }
  | { readonly step: 'sending'; readonly sent: number; readonly total: number }
  | { readonly step: 'checking'; readonly total: number }
  | { readonly step: 'done'; readonly total: number };

export function presignUpload(
  contract: string,
  request: {
    batchId: string;
    contentType: string;
    contentLength: number;
    encoding?: 'utf-8' | 'windows-1251';
    sha256?: string;
  },
): Promise<UploadTicket> {
  return api<UploadTicket>(contractPath(contract, 'uploads'), { method: 'POST', body: request });
}

/** The PUT failed: its HTTP status (0: the network or CORS refused it) and S3's error code, if it gave one. */
export class UploadError extends Error {
  override readonly name = 'UploadError';
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, code: string | undefined) {
    super(`the upload failed (HTTP ${status}${code === undefined ? '' : `, ${code}`})`);
    this.status = status;
    this.code = code;
  }
}

/** PUTs the file to the presigned URL; `onProgress` gets the bytes sent so far and the total. */
export function putFile(
  ticket: UploadTicket,
  file: Blob,
  onProgress: (sent: number, total: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(ticket.method, ticket.url);
    for (const [name, value] of Object.entries(ticket.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(file.size, file.size);
        resolve();
      } else {
        // S3 answers XML: <Error><Code>SignatureDoesNotMatch</Code>…
        reject(new UploadError(xhr.status, /<Code>([^<]+)<\/Code>/.exec(xhr.responseText)?.[1]));
      }
    };
    xhr.onerror = () => reject(new UploadError(0, undefined));
    xhr.onabort = () => reject(new DOMException('the upload was cancelled', 'AbortError'));
    signal?.addEventListener('abort', () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new DOMException('cancelled', 'AbortError'));
      },
      { once: true },
    );
  });

/**
 * Asks for the upload's outcome until it is no longer pending: every second
 * at first, then less often (every 5 s after a minute); a large CSV takes as
 * long as its rows do. `signal` stops it (the page was left).
 */
export async function awaitOutcome(
  contract: string,
  batchId: string,
  signal?: AbortSignal,
): Promise<Exclude<UploadStatus, { status: 'pending' }>> {
  const started = Date.now();
  for (;;) {
    const status = await api<UploadStatus>(contractPath(contract, 'uploads', batchId));
    if (status.status !== 'pending') return status;
    await sleep(Date.now() - started < 60_000 ? 1000 : 5000, signal);
  }
}
