import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError } from '#kernel';
import type { ObjectStore } from '#services';

/** Write-once objects in one S3 bucket (evaluation results; evidence archives, read). */
export class S3Objects implements ObjectStore {
  protected readonly s3: S3Client;
  protected readonly bucket: string;
  readonly #readBack: boolean;

  /**
   * `readBack`: after a write, read the object until it holds the bytes written. For the local
   * emulator (s3rver), which answers a PUT before the file is complete; AWS S3 reads back what
   * was written at once.
   */
  constructor(options: { client: S3Client; bucket: string; readBack?: boolean }) {
    this.s3 = options.client;
    this.bucket = options.bucket;
    this.#readBack = options.readBack === true;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.Body === undefined ? new Uint8Array(0) : await out.Body.transformToByteArray();
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
      throw error;
    }
  }

  async *stream(key: string): AsyncIterable<Uint8Array> {
    let body: AsyncIterable<Uint8Array>;
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      body = (out.Body ?? []) as AsyncIterable<Uint8Array>;
    } catch (error) {
      if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') {
        throw new NotFoundError(`no object ${key}`, { cause: error });
      }
      throw error;
    }
    for await (const chunk of body) yield chunk;
  }

  async put(key: string, body: Uint8Array, sha256: string, contentType = 'application/octet-stream'): Promise<void> {
    if (createHash('sha256').update(body).digest('hex') !== sha256) {
      throw new Error(`object body for ${key} does not hash to ${sha256}`);
    }
    if (await this.exists(key)) return;
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: { sha256 },
          // Create only: S3 refuses to replace an object (412), and in AWS the
          // reports bucket's policy refuses any PutObject without this header.
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // Written meanwhile by another call: keys are content-addressed, so it holds these bytes.
      if (!isPreconditionFailed(error)) throw error;
    }
    if (this.#readBack) await this.#awaitReadable(key, sha256);
  }

  async #awaitReadable(key: string, sha256: string): Promise<void> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const bytes = await this.get(key);
      if (bytes !== undefined && createHash('sha256').update(bytes).digest('hex') === sha256) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`object ${key} does not read back as written`);
  }

  /** Whether the key holds an object. */
  async exists(key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (error instanceof NotFound || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}
