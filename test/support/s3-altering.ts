/** An S3 client of the test stack whose PutObject bodies get their last byte changed on the way, after the SDK built the request. */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from './stack.ts';

export function alteringClient(): S3Client {
  const client = s3Client();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      if (context.commandName === 'PutObjectCommand' && request.body instanceof Uint8Array) {
        const altered = request.body.slice();
        altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 0xff;
        request.body = altered;
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'alterInFlight' },
  );
  return client;
}
