/**
 * What the page works out about a file before it is uploaded (upload.ts),
 * with no DOM beyond Blob, so that Node runs it in the tests: the limits the
 * ingest applies, the CSV's encoding the upload must declare, and the
 * SHA-256 S3 checks the bytes against.
 */

/** A workbook is read whole by the ingest: at most this (functions/shared/request.ts XLSX_BYTES). */
export const XLSX_BYTES = 1024 ** 2;
/** Above this the SHA-256 is not computed in the page (it would hold the whole file in memory). */
export const CHECKSUM_BYTES = 256 * 1024 ** 2;

/** The file's SHA-256 as lowercase hex (S3 then refuses any other bytes), or undefined for a very large file. */
export async function sha256Hex(file: Blob): Promise<string | undefined> {
  if (file.size > CHECKSUM_BYTES) return undefined;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * A CSV file's encoding as the upload must declare it (the ingest does not
 * guess): UTF-8 when the bytes are valid UTF-8, else Windows-1251, the other
 * encoding the server reads. The first 4 MiB decide (a cut multi-byte
 * character at the end is allowed for).
 */
export async function csvEncoding(file: Blob): Promise<'utf-8' | 'windows-1251'> {
  const head = new Uint8Array(await file.slice(0, 4 * 1024 ** 2).arrayBuffer());
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return 'utf-8';
  } catch {
    return 'windows-1251';
  }
}
