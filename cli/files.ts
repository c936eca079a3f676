/** Reading the files and standard input commands are given, and naming the files they write. */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Exit } from './errors.ts';

/** A file's bytes; one that cannot be read is exit 1 with the reason. */
export async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Exit(1, `cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A file name from the API, safe to write in the output dir (its own name otherwise). */
export function safeFileName(given: string, fallback: string): string {
  const name = basename(given);
  return name === given && /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) ? name : fallback;
}
