/** S3Objects writes create-only: If-None-Match: * on every put, a 412 read as "already written". */
import { createHash } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, describe, expect, it } from 'vitest';
import { S3Archive } from '../../functions/adapters/s3-archive.ts';
import { checksumOf, S3Objects } from '../../functions/adapters/s3-objects.ts';
import { alteringClient } from '../support/s3-altering.ts';
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

describe('S3Objects: checksums and damaged objects', () => {
  const bucket = () => testStack().buckets.archive;
  const freshKey = () => `archive/s3-objects-${process.pid}/${Date.now()}-${Math.random()}.jsonl`;
  const stored = async (key: string) => {
    const out = await real.send(new GetObjectCommand({ Bucket: bucket(), Key: key }));
    return sha(await (out.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  };

  it('sends the SHA-256 of the body as ChecksumSHA256 (x-amz-checksum-sha256) for S3 to verify', async () => {
    // Prepare
    const client = new S3Client({ region: 'eu-central-1' });
    const s3 = mockClient(client);
    s3.onAnyCommand().rejects(Object.assign(new Error('NotFound'), { name: 'NotFound' }));
    s3.on(PutObjectCommand).resolves({});

    // Act
    await new S3Objects({ client, bucket: 'reports' }).put('reports/a.json', body, sha(body), 'application/json');

    // Assess
    const input = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input?.ChecksumSHA256).toBe(createHash('sha256').update(body).digest('base64'));
    expect(input?.ChecksumSHA256).toBe(checksumOf(sha(body)));
  });

  it('rewrites an empty or truncated object already under the key instead of trusting it', async () => {
    // Prepare: what a killed emulator or a full disk leaves behind.
    const archive = new S3Archive({ client: real, bucket: bucket(), readBack: true });
    const empty = freshKey();
    const truncated = freshKey();
    await real.send(new PutObjectCommand({ Bucket: bucket(), Key: empty, Body: new Uint8Array(0) }));
    await real.send(new PutObjectCommand({ Bucket: bucket(), Key: truncated, Body: body.subarray(0, 5) }));

    // Act
    await archive.put(empty, body, sha(body));
    await archive.put(truncated, body, sha(body));

    // Assess
    expect(await stored(empty)).toBe(sha(body));
    expect(await stored(truncated)).toBe(sha(body));
  });

  it('rewrites a damaged object on a streamed put too', async () => {
    // Prepare
    const archive = new S3Archive({ client: real, bucket: bucket(), readBack: true });
    const key = freshKey();
    await real.send(new PutObjectCommand({ Bucket: bucket(), Key: key, Body: body.subarray(0, 3) }));

    // Act
    await archive.putStream(
      key,
      (async function* () {
        yield body;
      })(),
      sha(body),
    );

    // Assess
    expect(await stored(key)).toBe(sha(body));
  });

  it('refuses a put whose bytes are altered on the way: the stored object is hashed before it resolves', async () => {
    // Prepare
    const client = alteringClient();
    const archive = new S3Archive({ client, bucket: bucket(), readBack: true });
    const key = freshKey();

    // Act
    const error = await archive.put(key, body, sha(body)).catch((e: unknown) => e);
    const streamed = await archive
      .putStream(
        `${key}.streamed`,
        (async function* () {
          yield body;
        })(),
        sha(body),
      )
      .catch((e: unknown) => e);
    client.destroy();

    // Assess: refused, by S3's checksum check or (on the emulator) by the read-back.
    for (const refused of [error, streamed]) {
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(/does not read back as written: stored damaged/);
    }
  });
});
