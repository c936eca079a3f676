/** An S3 client of the test stack whose PutObject bodies lose their last byte on the way, after the SDK built the request. */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from './stack.ts';

export function alteringClient(): S3Client {
  const client = s3Client();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { body?: unknown; headers: Record<string, string> };
      if (context.commandName === 'PutObjectCommand' && request.body instanceof Uint8Array) {
        const altered = request.body.slice(0, -1);
        request.body = altered;
        request.headers['content-length'] = String(altered.length);
      }
      return next(args);
    },
    { step: 'finalizeRequest', priority: 'low', name: 'alterInFlight' },
  );
  return client;
}
