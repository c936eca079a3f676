import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { S3Objects } from './s3-objects.ts';
import { presigner } from './s3-presign.ts';

/** How long a report download link lives: short, since whoever holds it can read the report. */
export const DOWNLOAD_EXPIRES_IN = 300;

export interface StoredObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified?: string;
}

/**
 * The reports bucket: signed audit reports (JSON) and their PDFs, written
 * once (Object Lock in AWS), listed by contract, read through short-lived
 * presigned URLs.
 */
export class S3ReportStore extends S3Objects {
  /** Every object under the prefix, in key order. */
  async list(prefix: string): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        out.push({
          key: o.Key,
          size: o.Size ?? 0,
          ...(o.LastModified === undefined ? {} : { lastModified: o.LastModified.toISOString() }),
        });
      }
      token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  /** A presigned GET URL for the object, valid `expiresIn` seconds. */
  presignGet(key: string, expiresIn: number = DOWNLOAD_EXPIRES_IN): Promise<string> {
    return getSignedUrl(presigner(this.s3), new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }
}
