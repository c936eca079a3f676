import { createHash } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Archive } from '../../domain/ingest.ts';

/**
 * The evidence archive: each canonical batch under its content hash, written
 * once (Object Lock in AWS). Storing the same key again is a no-op, so a
 * retried batch never rewrites an object.
 */
export class S3Archive implements Archive {
  readonly #s3: S3Client;
  readonly #bucket: string;

  constructor(options: { client: S3Client; bucket: string }) {
    this.#s3 = options.client;
    this.#bucket = options.bucket;
  }

  async put(key: string, body: Uint8Array, sha256: string): Promise<void> {
    if (createHash('sha256').update(body).digest('hex') !== sha256) {
      throw new Error(`archive body for ${key} does not hash to ${sha256}`);
    }
    if (await this.#exists(key)) return;
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: key,
        Body: body,
        ContentType: 'application/jsonl',
        Metadata: { sha256 },
      }),
    );
  }

  async #exists(key: string): Promise<boolean> {
    try {
      await this.#s3.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: key }));
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }
}
