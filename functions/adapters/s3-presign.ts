import { S3Client } from '@aws-sdk/client-s3';

/**
 * A client for signing only. Presigned URLs cannot carry the SDK's default
 * CRC32 (it would be the checksum of the empty body at signing time, and S3
 * would refuse the real upload), so signing uses the runtime's client
 * settings with checksums only when an operation requires them.
 */
const presigners = new WeakMap<S3Client, S3Client>();
export function presigner(s3: S3Client): S3Client {
  let client = presigners.get(s3);
  if (!client) {
    const { region, credentials, endpoint, forcePathStyle } = s3.config;
    client = new S3Client({
      region,
      credentials,
      endpoint,
      forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
    });
    presigners.set(s3, client);
  }
  return client;
}
