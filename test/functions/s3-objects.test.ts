/** S3Objects writes create-only: If-None-Match: * on every put, a 412 read as "already written". */
import { createHash } from 'node:crypto';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Objects } from '../../functions/adapters/s3-objects.ts';
import { s3Client, testStack } from '../support/stack.ts';

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const body = new TextEncoder().encode('{"report":1}');
const real = s3Client();
afterAll(() => real.destroy());

describe('S3Objects.put', () => {
  it('sends If-None-Match: * so that S3 never replaces an object', async () => {
    // Prepare
    const client = new S3Client({ region: 'eu-central-1' });
    const s3 = mockClient(client);
    s3.onAnyCommand().rejects(Object.assign(new Error('NotFound'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({});

    // Act
    await new S3Objects({ client, bucket: 'reports' }).put('reports/a.json', body, sha(body), 'application/json');

    // Assess
    const puts = s3.commandCalls(PutObjectCommand);
    expect(puts).toHaveLength(1);
    expect(puts[0]?.args[0].input).toMatchObject({ Bucket: 'reports', Key: 'reports/a.json', IfNoneMatch: '*' });
  });

  it('takes a 412 (written meanwhile by another call) as done, and any other failure as a failure', async () => {
    // Prepare
    const client = new S3Client({ region: 'eu-central-1' });
    const s3 = mockClient(client);
    s3.onAnyCommand().rejects(Object.assign(new Error('NotFound'), { name: 'NotFound' }));
    s3.on(PutObjectCommand)
      .rejectsOnce(
        Object.assign(new Error('At least one of the pre-conditions you specified did not hold'), {
          name: 'PreconditionFailed',
          $metadata: { httpStatusCode: 412 },
        }),
      )
      .rejectsOnce(
        Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
      );
    const objects = new S3Objects({ client, bucket: 'reports' });

    // Act and assess
    await expect(objects.put('k1', body, sha(body))).resolves.toBeUndefined();
    await expect(objects.put('k2', body, sha(body))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('writes and reads back on the local S3 emulator, and a second put of the same key changes nothing', async () => {
    // Prepare
    const objects = new S3Objects({ client: real, bucket: testStack().buckets.reports, readBack: true });
    const key = `test/s3-objects/${process.pid}-${Date.now()}.json`;

    // Act
    await objects.put(key, body, sha(body), 'application/json');
    await objects.put(key, body, sha(body), 'application/json');

    // Assess
    expect(await objects.get(key)).toEqual(body);
  });
});
