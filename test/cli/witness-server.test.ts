/**
 * sib witness serve against the C2SP tlog-witness text
 * (https://c2sp.org/tlog-witness): POST /add-checkpoint with its request
 * format (old size line, base64 proof lines, empty line, signed checkpoint),
 * every status code the spec names with its body (409 with the witness's
 * size as text/x.tlog.size), the cosignature lines of a 200 verifying as
 * tlog-cosignature/v1 with the 0x04 key, the state on disk before the
 * answer, and a rollback or a fork refused, and still refused after a
 * restart. The server runs in this process (the same code `sib witness
 * serve` starts); the command itself is run once, as a child process.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, utf8 } from '#kernel';
import {
  checkSigners,
  consistencyProof,
  cosignatureMessage,
  formatAddCheckpoint,
  parseAddCheckpoint,
  parseTimestampedSignature,
  parseVerifierKey,
  rootFromLeaves,
  signCheckpoint,
} from '#ledger';
import { createWitnessKey } from '../../cli/commands/keys.ts';
import { type RunningWitness, startWitnessServer } from '../../cli/witness/server.ts';
import { WitnessStateDir } from '../../cli/witness/state.ts';
import { REPO, sib } from '../support/cli.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const ORIGIN = 'example.test/log/c1';
const log = memorySigner(ORIGIN);
const stranger = memorySigner(ORIGIN);
const witness = memoryWitness('witness.example/w1');
const leaves = Array.from({ length: 20 }, (_, i) => utf8(`entry ${i}`));
const TIME = 1_767_000_000;

async function checkpoint(size: number, signer = log.signer, data = leaves, origin = ORIGIN): Promise<string> {
  return signCheckpoint({ origin, size, root: rootFromLeaves(data.slice(0, size)) }, [signer]);
}

function body(old: number, size: number, note: string, data = leaves): string {
  const proof = old === 0 || old === size ? [] : consistencyProof(data.slice(0, size), old);
  return formatAddCheckpoint({ oldSize: old, proof, note });
}

let dir: string;
let server: RunningWitness;

async function start(): Promise<void> {
  server = await startWitnessServer({ witness: witness.signer, stateDir: dir, logs: [log.key], clock: () => TIME });
}

async function post(text: string | Uint8Array, path = '/add-checkpoint', method = 'POST') {
  const res = await fetch(`${server.url}${path}`, { method, body: method === 'GET' ? undefined : text });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sib-witness-'));
  await start();
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('the request format', () => {
  it('parses the old size, the proof lines and the checkpoint, and formats them back', async () => {
    const note = await checkpoint(7);
    const text = body(3, 7, note);
    const parsed = parseAddCheckpoint(utf8(text));
    expect(parsed.oldSize).toBe(3);
    expect(parsed.proof).toHaveLength(consistencyProof(leaves.slice(0, 7), 3).length);
    expect(parsed.note).toBe(note);
    expect(formatAddCheckpoint(parsed)).toBe(text);
    expect(text.startsWith('old 3\n')).toBe(true);
  });

  it.each([
    ['no old line', (n: string) => `\n${n}`],
    ['a leading zero', (n: string) => `old 03\n\n${n}`],
    ['a proof line that is not base64', (n: string) => `old 0\nnot base64!\n\n${n}`],
    ['a proof line that is not a hash', (n: string) => `old 0\nAAAA\n\n${n}`],
    ['64 proof lines', (n: string) => `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${n}`],
    ['no empty line', () => 'old 0\n'],
  ])('refuses %s with 400', async (_what, make) => {
    const res = await post(make(await checkpoint(5)));
    expect(res.status).toBe(400);
    expect(res.type).toMatch(/^text\/plain/);
  });
});

describe('add-checkpoint', () => {
  it('cosigns a first checkpoint (old 0): the body is cosignature lines verifying with the 0x04 key', async () => {
    const note = await checkpoint(5);
    const res = await post(body(0, 5, note));
    expect(res.status).toBe(200);
    const lines = res.text.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(res.text.endsWith('\n')).toBe(true);
    for (const line of lines) expect(line.startsWith('\u2014 witness.example/w1 ')).toBe(true);
    // Concatenated to the checkpoint, the note verifies with the witness key (type 0x04, tlog-cosignature/v1).
    expect(checkSigners(`${note}${res.text}`, [witness.key])[0]?.status).toBe('signed');
    const raw = fromBase64((lines[0] as string).split(' ')[2] as string);
    const ts = parseTimestampedSignature(raw.subarray(4));
    expect(ts?.time).toBe(BigInt(TIME));
    const key = parseVerifierKey(witness.key);
    expect(key.type).toBe(0x04);
    const text = note.slice(0, note.lastIndexOf('\n\n') + 1);
    const { ed25519Verify } = await import('#kernel');
    expect(ed25519Verify(key.publicKey, cosignatureMessage(text, TIME), ts?.signature as Uint8Array)).toBe(true);
    expect(new TextDecoder().decode(cosignatureMessage(text, TIME)).startsWith(`cosignature/v1\ntime ${TIME}\n`)).toBe(
      true,
    );
  });

  it('persists the new size and root before answering', async () => {
    const state = await new WitnessStateDir(dir).read(ORIGIN);
    expect(state).toMatchObject({ origin: ORIGIN, size: 5 });
    expect(state?.root).toBe(Buffer.from(rootFromLeaves(leaves.slice(0, 5))).toString('base64'));
  });

  it('a wrong old size: 409 with the witness size as text/x.tlog.size', async () => {
    const res = await post(body(0, 8, await checkpoint(8)));
    expect(res).toEqual({ status: 409, type: 'text/x.tlog.size', text: '5\n' });
  });

  it('extends with a consistency proof from the size it holds', async () => {
    const res = await post(body(5, 8, await checkpoint(8)));
    expect(res.status).toBe(200);
    expect((await new WitnessStateDir(dir).read(ORIGIN))?.size).toBe(8);
  });

  it('the same checkpoint again (old = size): cosigned again, the state unchanged', async () => {
    const res = await post(body(8, 8, await checkpoint(8)));
    expect(res.status).toBe(200);
    expect((await new WitnessStateDir(dir).read(ORIGIN))?.size).toBe(8);
  });

  it('a consistency proof that does not verify: 422', async () => {
    const note = await checkpoint(12);
    const bad = formatAddCheckpoint({ oldSize: 8, proof: consistencyProof(leaves.slice(0, 12), 7), note });
    const res = await post(bad);
    expect(res.status).toBe(422);
  });

  it('old size above the checkpoint size: 400', async () => {
    const res = await post(formatAddCheckpoint({ oldSize: 9, proof: [], note: await checkpoint(8) }));
    expect(res.status).toBe(400);
  });

  it('an unknown origin: 404', async () => {
    const res = await post(body(0, 5, await checkpoint(5, log.signer, leaves, 'example.test/log/other')));
    expect(res.status).toBe(404);
  });

  it('no signature verifies with the log key (another key of the same name): 403', async () => {
    const res = await post(body(8, 8, await checkpoint(8, stranger.signer)));
    expect(res.status).toBe(403);
  });

  it('another path: 404; another method: 405', async () => {
    expect((await post('x', '/nope')).status).toBe(404);
    expect((await post('', '/add-checkpoint', 'GET')).status).toBe(405);
  });
});

describe('rollback and fork, refused for good', () => {
  const forked = leaves.map((l, i) => (i === 6 ? utf8('forged entry') : l));

  it('a rollback (a smaller checkpoint): 409 with the size held, recorded', async () => {
    const res = await post(body(0, 6, await checkpoint(6)));
    expect(res).toEqual({ status: 409, type: 'text/x.tlog.size', text: '8\n' });
    const retried = await post(formatAddCheckpoint({ oldSize: 8, proof: [], note: await checkpoint(6) }));
    expect(retried.status).toBe(400);
    const state = await new WitnessStateDir(dir).read(ORIGIN);
    expect(state?.refusals.map((r) => r.kind)).toContain('rollback');
  });

  it('a fork at the same size (another root): 409, recorded', async () => {
    const res = await post(body(8, 8, await checkpoint(8, log.signer, forked), forked));
    expect(res.status).toBe(409);
    expect(res.type).toMatch(/^text\/plain/);
    const state = await new WitnessStateDir(dir).read(ORIGIN);
    expect(state?.refusals.at(-1)).toMatchObject({ kind: 'fork', size: 8 });
    expect(state?.size).toBe(8);
  });

  it('a fork that grew (no proof from the held checkpoint): 422, recorded', async () => {
    const res = await post(body(8, 10, await checkpoint(10, log.signer, forked), forked));
    expect(res.status).toBe(422);
    expect((await new WitnessStateDir(dir).read(ORIGIN))?.refusals.at(-1)).toMatchObject({ kind: 'fork', size: 10 });
  });

  it('after a restart: the state is kept, the rollback and the fork are still refused, the log still extends', async () => {
    await server.close();
    await start();
    expect((await post(body(0, 6, await checkpoint(6)))).text).toBe('8\n');
    expect((await post(body(8, 10, await checkpoint(10, log.signer, forked), forked))).status).toBe(422);
    expect((await post(body(8, 10, await checkpoint(10)))).status).toBe(200);
    const state = await new WitnessStateDir(dir).read(ORIGIN);
    expect(state?.size).toBe(10);
    expect(state?.refusals.length).toBeGreaterThanOrEqual(4);
  });
});

describe('sib witness serve and status', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    child?.kill('SIGTERM');
    child = undefined;
  });

  it('prints its URL once it listens, serves add-checkpoint, and status shows the log', async () => {
    const home = await mkdtemp(join(tmpdir(), 'sib-witness-cli-'));
    const keyFile = join(home, 'w.pem');
    const key = await createWitnessKey(keyFile, 'witness.example/cli');
    const state = join(home, 'state');
    child = spawn(
      process.execPath,
      [join(REPO, 'cli/bin/sib.js'), 'witness', 'serve', '--key', keyFile, '--state', state, '--log', log.key],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIB_DATA_DIR: home } },
    );
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child?.once('exit', (code) => reject(new Error(`witness exited ${code}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[0-9]+$/);
    const note = await checkpoint(4);
    const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body: body(0, 4, note) });
    expect(res.status).toBe(200);
    expect(checkSigners(`${note}${await res.text()}`, [key.verifierKey])[0]?.status).toBe('signed');
    const status = await sib(home, ['witness', 'status', '--state', state]);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`${ORIGIN}: cosigned size 4`);
    await rm(home, { recursive: true, force: true });
  });
});
