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
   * `readBack`: after a write, read the object until it hashes to the bytes written, and fail
   * if it never does. For the local emulator (s3rver), which answers a PUT before the file is
   * complete and does not check the checksum a put carries; AWS S3 checks it and reads back
   * what was written at once.
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

  /**
   * Stores the bytes under `key`, create-only. The put carries their SHA-256
   * (`x-amz-checksum-sha256`), so S3 refuses bytes altered on the way. An
   * object already under the key counts only if it hashes to `sha256`; a
   * damaged one (empty, truncated: a killed emulator, a full disk) is
   * replaced. With `readBack`, the stored object is read and hashed before
   * this resolves.
   */
  async put(key: string, body: Uint8Array, sha256: string, contentType = 'application/octet-stream'): Promise<void> {
    if (createHash('sha256').update(body).digest('hex') !== sha256) {
      throw new Error(`object body for ${key} does not hash to ${sha256}`);
    }
    const stored = await this.storedState(key, sha256, body.length);
    if (stored === 'intact') return;
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          Metadata: { sha256 },
          ChecksumSHA256: checksumOf(sha256),
          // Create only: S3 refuses to replace an object (412), and in AWS the
          // reports bucket's policy refuses any PutObject without this header.
          // A damaged object is replaced (a new version under Object Lock).
          ...(stored === 'absent' ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (error) {
      // Written meanwhile by another call: keys are content-addressed, so it holds these bytes.
      if (!isPreconditionFailed(error)) throw error;
    }
    await this.verifyStored(key, sha256, body.length);
  }

  /**
   * With `readBack`, waits until the object under `key` reads back whole
   * (`size` bytes: the emulator may still be writing it) and hashes to
   * `sha256`; throws if it holds other bytes, or never becomes whole, so no
   * receipt is given on it.
   */
  protected async verifyStored(key: string, sha256: string, size: number): Promise<void> {
    if (!this.#readBack) return;
    let last: StoredState = 'absent';
    for (let attempt = 0; attempt < READ_BACK_ATTEMPTS; attempt++) {
      last = await this.storedState(key, sha256, size);
      if (last === 'intact') return;
      if (last === 'damaged') break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(20 * 2 ** attempt, 200)));
    }
    throw new Error(
      `object ${key} does not read back as written: stored ${last}, not ${size} bytes of SHA-256 ${sha256}`,
    );
  }

  /**
   * Whether the key holds nothing, fewer than `size` bytes (when known), an
   * object hashing to `sha256`, or other bytes.
   */
  protected async storedState(key: string, sha256: string, size?: number): Promise<StoredState> {
    const length = await this.#storedLength(key);
    if (length === undefined) return 'absent';
    if (size !== undefined && length < size) return 'short';
    const hash = createHash('sha256');
    try {
      for await (const chunk of this.stream(key)) hash.update(chunk);
    } catch (error) {
      if (error instanceof NotFoundError) return 'absent';
      throw error;
    }
    return hash.digest('hex') === sha256 ? 'intact' : 'damaged';
  }

  /** The stored object's length, or undefined if the key holds none. */
  async #storedLength(key: string): Promise<number | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return head.ContentLength ?? 0;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Whether the key holds an object. */
  async exists(key: string): Promise<boolean> {
    return (await this.#storedLength(key)) !== undefined;
  }
}

/** What the key holds: nothing, fewer bytes than written (perhaps still being written), the bytes written, or others. */
type StoredState = 'absent' | 'short' | 'intact' | 'damaged';

/** Reads of a written object before giving up on it (about 11 s: the emulator under load may be slow to finish). */
const READ_BACK_ATTEMPTS = 60;

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return error instanceof NotFound || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

/** The `x-amz-checksum-sha256` value of a SHA-256 in hex: the digest in base64. */
export function checksumOf(sha256: string): string {
  return Buffer.from(sha256, 'hex').toString('base64');
}

function isPreconditionFailed(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'PreconditionFailed' || e.$metadata?.httpStatusCode === 412;
}
