import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Upload } from '@aws-sdk/lib-storage';
import type { Archive } from '#services';
import { S3Objects } from './s3-objects.ts';

/** Multipart part size of streamed archives, and parts uploaded at once: bounds the memory of an upload. */
const PART_BYTES = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/**
 * The evidence archive: each canonical batch under its content hash, written
 * once (Object Lock in AWS). Storing the same key again is a no-op while the
 * stored object hashes to its key, so a retried batch never rewrites an
 * intact object, and never trusts a damaged one.
 */
export class S3Archive extends S3Objects implements Archive {
  override put(key: string, body: Uint8Array, sha256: string, contentType = 'application/jsonl'): Promise<void> {
    return super.put(key, body, sha256, contentType);
  }

  /**
   * Streams the body (a multipart upload once it passes one part), each part
   * with its SHA-256 for S3 to check. The content hash is checked as the last
   * bytes go by: on a mismatch, or a failing body, the upload is aborted
   * before it completes, so no object appears. An object already under the
   * key counts only if it hashes to `sha256` (then `body` is not read); a
   * damaged one is replaced. With `readBack`, the stored object is hashed
   * before this resolves.
   */
  async putStream(key: string, body: AsyncIterable<Uint8Array>, sha256: string): Promise<void> {
    if ((await this.storedState(key, sha256)) === 'intact') return;
    const counted = { bytes: 0 };
    const upload = new Upload({
      client: this.s3,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: Readable.from(verified(body, key, sha256, counted), { highWaterMark: 1 }),
        ContentType: 'application/jsonl',
        Metadata: { sha256 },
        ChecksumAlgorithm: 'SHA256',
      },
      partSize: PART_BYTES,
      queueSize: PARTS_IN_FLIGHT,
      leavePartsOnError: false,
    });
    await upload.done();
    await this.verifyStored(key, sha256, counted.bytes);
  }
}

/** The body's bytes, counted in `counted`, failing at the end if they do not hash to `sha256`. */
async function* verified(
  body: AsyncIterable<Uint8Array>,
  key: string,
  sha256: string,
  counted: { bytes: number },
): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  for await (const chunk of body) {
    hash.update(chunk);
    counted.bytes += chunk.length;
    yield chunk;
  }
  if (hash.digest('hex') !== sha256) throw new Error(`archive body for ${key} does not hash to ${sha256}`);
}
