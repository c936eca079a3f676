/** The ObjectCreated notification S3 sends the S3-event ingest (functions/ingest-s3.ts) when an upload lands. */
import type { S3Event } from '../../functions/ingest-s3.ts';

export function objectCreatedEvent(object: {
  bucket: string;
  key: string;
  size: number;
  /** With or without quotes: S3 sends it without. */
  eTag?: string;
  eventTime?: string;
}): S3Event {
  const { bucket, key, size } = object;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: object.eventTime ?? '2026-11-22T10:00:00.000Z',
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: {
          'x-amz-request-id': 'C3D13FE58DE4C810',
          'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD',
        },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'ingest-uploads',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          // Event keys are URL-encoded; S3 sends the ETag without quotes.
          object: {
            key: encodeURIComponent(key).replaceAll('%2F', '/'),
            size,
            ...(object.eTag === undefined ? {} : { eTag: object.eTag.replaceAll('"', '') }),
            sequencer: '0055AED6DCD90281E5',
          },
        },
      },
    ],
  };
}
