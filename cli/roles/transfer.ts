/**
 * Moving files through the presigned URLs the API hands out: downloading a
 * report, uploading a large batch. Storage that cannot be reached is exit
 * 4; a refusal, exit 1.
 */
import { createReadStream } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Exit } from '../errors.ts';
import { reasonOf } from './connection.ts';

/** GET of a presigned URL: its bytes. */
export async function download(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Exit(4, `cannot reach the storage at ${new URL(url).origin} for ${what} (${reasonOf(error)})`);
  }
  if (!response.ok)
    throw new Exit(1, `download of ${what} failed: HTTP ${response.status} (the link may have expired)`);
  return new Uint8Array(await response.arrayBuffer());
}

/** PUT of a file to a presigned URL, with exactly the signed headers, reporting bytes sent. */
export function putFile(
  url: string,
  headers: Readonly<Record<string, string>>,
  file: string,
  size: number,
  onProgress: (sent: number) => void,
): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'PUT', headers: { ...headers, 'content-length': String(size) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', (error) =>
      reject(new Exit(4, `cannot reach the storage at ${target.origin} for the upload (${reasonOf(error)})`)),
    );
    const stream = createReadStream(file);
    let sent = 0;
    stream.on('data', (chunk) => {
      sent += chunk.length;
      onProgress(sent);
    });
    stream.on('error', (error) => {
      req.destroy();
      reject(error);
    });
    stream.pipe(req);
  });
}
