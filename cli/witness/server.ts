/**
 * The witness's HTTP server (node:http): `POST /add-checkpoint` of C2SP
 * tlog-witness over the pure protocol (#ledger decideAddCheckpoint), with
 * the state in a WitnessStateDir. The check of the old size and the write of
 * the new state are one step per origin (a queue per log), and the state is
 * on disk before the cosignature is returned.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Signer } from '#kernel';
import { ValidationError } from '#kernel';
import {
  decideAddCheckpoint,
  MAX_NOTE_BYTES,
  noteOrigin,
  parseAddCheckpoint,
  type VerifierKey,
  type WitnessResponse,
  witnessCosignatureLines,
  witnessedLogs,
} from '#ledger';
import { WitnessStateDir } from './state.ts';

/** A request body above this is refused (413): a checkpoint and 63 proof lines are a few kilobytes. */
const MAX_BODY_BYTES = MAX_NOTE_BYTES + 64 * 64;

export interface WitnessServerOptions {
  readonly witness: Signer;
  readonly stateDir: string;
  /** The logs' verifier keys, each named by its checkpoint origin. */
  readonly logs: readonly (string | VerifierKey)[];
  /** POSIX seconds; default now. */
  readonly clock?: () => number;
}

export interface RunningWitness {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** The add-checkpoint handler, without HTTP: the protocol over the state directory, one request per log at a time. */
export function addCheckpointHandler(options: WitnessServerOptions): (body: Uint8Array) => Promise<WitnessResponse> {
  const logs = witnessedLogs(options.logs);
  const state = new WitnessStateDir(options.stateDir);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  const queues = new Map<string, Promise<unknown>>();
  const handle = async (body: Uint8Array): Promise<WitnessResponse> => {
    let request: ReturnType<typeof parseAddCheckpoint>;
    try {
      request = parseAddCheckpoint(body);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return { status: 400, contentType: 'text/plain; charset=utf-8', body: `${error.message}\n` };
    }
    const origin = noteOrigin(request.note);
    const run = async (): Promise<WitnessResponse> => {
      const time = clock();
      const decision = decideAddCheckpoint(
        request,
        logs,
        logs.has(origin) ? await state.read(origin) : undefined,
        time,
      );
      if (decision.state !== undefined) await state.write(decision.state);
      if (decision.cosign === undefined) return decision.response;
      const lines = await witnessCosignatureLines(decision.cosign.note, decision.cosign.logKey, options.witness, time);
      return { ...decision.response, body: lines };
    };
    const previous = queues.get(origin) ?? Promise.resolve();
    const next = previous.then(run, run);
    const settled = next.catch(() => undefined);
    queues.set(origin, settled);
    void settled.then(() => {
      if (queues.get(origin) === settled) queues.delete(origin);
    });
    return next;
  };
  return handle;
}

function send(res: ServerResponse, r: { status: number; contentType: string; body: string }, extra = {}): void {
  res.writeHead(r.status, { 'content-type': r.contentType, ...extra });
  res.end(r.body);
}

async function readBody(req: IncomingMessage): Promise<Uint8Array | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

const plain = (status: number, body: string) => ({ status, contentType: 'text/plain; charset=utf-8', body });

/** Starts the witness on `port` (0: a free one) of 127.0.0.1, or `host`. Resolves once it listens. */
export async function startWitnessServer(
  options: WitnessServerOptions & { port?: number; host?: string },
): Promise<RunningWitness> {
  const handle = addCheckpointHandler(options);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/add-checkpoint') return send(res, plain(404, 'not found\n'));
    if (req.method !== 'POST') return send(res, plain(405, 'use POST\n'), { allow: 'POST' });
    readBody(req)
      .then(async (body) => {
        if (body === undefined) return send(res, plain(413, 'request body too large\n'));
        send(res, await handle(body));
      })
      .catch((error: unknown) => {
        // The reason stays on the witness's console: a checkpoint holds no personal data.
        console.error(`witness: add-checkpoint failed: ${error instanceof Error ? error.message : String(error)}`);
        if (!res.headersSent) send(res, plain(500, 'internal error\n'));
        else res.destroy();
      });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
