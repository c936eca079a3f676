/**
 * A corpus of malformed requests against the local gateway (the real
 * handlers on the shared test stack): bad JSON, wrong types, huge bodies,
 * wrong content types, path traversal in ids, injection strings, duplicated
 * keys, unicode tricks, wrong methods, unknown query parameters, negative and
 * overflowing numbers, bad dates, extra fields and bad tokens. Every one must
 * be answered 4xx (never 2xx, never 5xx) as an RFC 9457 problem, and the
 * whole corpus must leave the contract's ledger as it was: the same signed
 * checkpoint (size and root) and no new objects in the buckets.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signNote } from '#ledger';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { resetRuntime } from '../../functions/shared/composition.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { useDataDir } from '../support/cli.ts';
import { enrol, freshContract, job, saveEnv } from '../support/http.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';
import { s3Client, testStack } from '../support/stack.ts';

interface Reply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

type Who = 'operator' | 'operatorAll' | 'ministry' | 'ministryAll' | 'evaluator' | 'evaluatorAll' | 'investor';

interface Case {
  readonly name: string;
  readonly method: string;
  /** Sent exactly as written (no URL normalization); `{c}` is the contract. */
  readonly path: string;
  readonly as?: Who;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** A JSON body built from a value (sent as application/json unless headers say otherwise). */
  readonly json?: unknown;
  /** Bytes written on a raw socket instead (for what Node's client refuses to send); `{c}` is the contract. */
  readonly raw?: string;
}

const data = useDataDir({ withStack: true });
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
let gateway: Gateway;
let contract: string;
let s3: S3Client;
const tokens = {} as Record<Who | 'expired' | 'otherContract', string>;

/** One request over a fresh connection, the path sent exactly as given. */
function send(method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Reply> {
  const url = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() });
        req.destroy();
      });
      res.on('error', reject);
    });
    // The gateway may answer (413) and hang up before a huge body is all written: the answer is what counts.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    req.end(body);
  });
}

/** Raw bytes on a socket; the answer's status line, headers and body. */
function sendRaw(text: string): Promise<Reply> {
  const url = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.write(text));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
      if (/\r\n\r\n/.test(answer)) {
        const length = /\r\ncontent-length: *(\d+)/i.exec(answer)?.[1];
        const head = answer.indexOf('\r\n\r\n');
        if (length !== undefined && Buffer.byteLength(answer.slice(head + 4)) >= Number(length)) socket.end();
      }
    });
    socket.on('close', () => {
      const head = answer.indexOf('\r\n\r\n');
      const [statusLine = '', ...lines] = answer.slice(0, head).split('\r\n');
      const headers: IncomingHttpHeaders = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      let text = answer.slice(head + 4);
      if (/chunked/i.test(String(headers['transfer-encoding']))) text = unchunk(text);
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, text });
    });
    socket.on('error', reject);
  });
}

/** A chunked body's content. */
function unchunk(text: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = text.indexOf('\r\n', at);
    const size = Number.parseInt(text.slice(at, eol), 16);
    if (eol < 0 || !(size > 0)) return out;
    out += text.slice(eol + 2, eol + 2 + size);
    at = eol + 2 + size + 2;
  }
}

async function run(c: Case): Promise<Reply> {
  const path = c.path.replaceAll('{c}', contract);
  if (c.raw !== undefined) return sendRaw(c.raw.replaceAll('{c}', contract));
  const headers: Record<string, string> = {};
  let body = c.body;
  if (c.json !== undefined) {
    body = JSON.stringify(c.json);
    headers['content-type'] = 'application/json';
  }
  if (c.as !== undefined) headers.authorization = `Bearer ${tokens[c.as]}`;
  return send(c.method, path, { ...headers, ...c.headers }, body);
}

/** The contract's signed checkpoint, as any reader sees it. */
async function checkpoint(): Promise<{ size: number; root: string; note: string }> {
  const reply = await send('GET', `/contracts/${contract}/checkpoint`, { authorization: `Bearer ${tokens.evaluator}` });
  expect(reply.status).toBe(200);
  const { size, root, note } = JSON.parse(reply.text) as { size: number; root: string; note: string };
  return { size, root, note };
}

/** Every object key of the stack's buckets that names the contract. */
async function objects(): Promise<string[]> {
  const { buckets } = testStack();
  const keys: string[] = [];
  for (const bucket of [buckets.archive, buckets.reports]) {
    let token: string | undefined;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
      for (const o of out.Contents ?? []) if (o.Key?.includes(contract)) keys.push(`${bucket}/${o.Key}`);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token !== undefined);
  }
  return keys.sort();
}

beforeAll(async () => {
  process.env.SIB_DATA_DIR = data.path;
  process.env.SIB_CONTRACTS_DIR = join(data.path, 'contracts');
  resetRuntime();
  s3 = s3Client();
  contract = freshContract(join(data.path, 'contracts'), 'malformed');
  gateway = await startGateway({ dataDir: data.path, port: 0 });
  const issue = async (role: 'operator' | 'ministry' | 'evaluator' | 'investor', contracts: string[] | '*') =>
    (await issueToken({ dataDir: data.path, sub: `${role}-corpus`, role, contracts })).token;
  tokens.operator = await issue('operator', [contract]);
  tokens.operatorAll = await issue('operator', '*');
  tokens.ministry = await issue('ministry', [contract]);
  tokens.ministryAll = await issue('ministry', '*');
  tokens.evaluator = await issue('evaluator', [contract]);
  tokens.evaluatorAll = await issue('evaluator', '*');
  tokens.investor = await issue('investor', [contract]);
  tokens.otherContract = await issue('operator', ['some-other-contract']);
  tokens.expired = (
    await issueToken({
      dataDir: data.path,
      sub: 'operator-corpus',
      role: 'operator',
      contracts: [contract],
      ttlSeconds: 60,
      now: new Date(Date.now() - 3_600_000),
    })
  ).token;

  // A registered contract with one evidence batch: something for the corpus to try to change.
  const spec = readFileSync(join(data.path, 'contracts', `${contract}.json`), 'utf8');
  const registered = await send(
    'POST',
    '/contracts',
    { 'content-type': 'application/json', authorization: `Bearer ${tokens.ministry}` },
    spec,
  );
  expect(registered.status, registered.text).toBe(201);
  const batch = await send(
    'POST',
    `/contracts/${contract}/batches`,
    { 'content-type': 'application/json', authorization: `Bearer ${tokens.operator}` },
    JSON.stringify({ batchId: 'seed-1', records: [enrol('e1', 'OP-0001'), job('j1', 'OP-0001')] }),
  );
  expect(batch.status, batch.text).toBe(201);
});

afterAll(async () => {
  await gateway?.close();
  s3?.destroy();
  resetRuntime();
  saved.restore();
});

// ---- The corpus

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const JSON_TYPE = { 'content-type': 'application/json' };
const batchOf = (batchId: string, records: unknown[]) => ({ batchId, records });
/** A record with one field changed. */
const enrolWith = (fields: Record<string, unknown>) => ({ ...enrol('x1', 'OP-0100'), ...fields });
/** `/` written as an overlong two-byte UTF-8 sequence (0xC0 0xAF), which a decoder must refuse. */
const overlong = (before: string, after: string) =>
  Buffer.concat([Buffer.from(before), Buffer.from([0xc0, 0xaf]), Buffer.from(after)]);
const SIX_MIB = 6 * 1024 * 1024;
/** The registered spec (the contract's profile file). */
const spec = () =>
  JSON.parse(readFileSync(join(data.path, 'contracts', `${contract}.json`), 'utf8')) as Record<string, unknown>;
const RLO = '\u202e';
/** `$` and `{`: the start of a template expression, for injection strings. */
const TEMPLATE = '\u0024{';

async function corpus(note: string): Promise<Case[]> {
  const cases: Case[] = [];
  const add = (...c: Case[]) => cases.push(...c);
  const batches = '/contracts/{c}/batches';
  const post = (
    name: string,
    path: string,
    as: Who | undefined,
    body: string | Buffer,
    headers: Record<string, string> = JSON_TYPE,
  ): Case => ({
    name,
    method: 'POST',
    path,
    ...(as === undefined ? {} : { as }),
    headers,
    body,
  });
  const get = (name: string, path: string, as?: Who, headers?: Record<string, string>): Case => ({
    name,
    method: 'GET',
    path,
    ...(as === undefined ? {} : { as }),
    ...(headers === undefined ? {} : { headers }),
  });

  // Bad JSON
  add(
    post('truncated batch', batches, 'operator', '{"batchId":"m-1","records":[{"eventId":"x"'),
    post('trailing garbage', batches, 'operator', '{"batchId":"m-2","records":[]} garbage'),
    post('NaN in a record', batches, 'operator', '{"batchId":"m-3","records":[{"birthYear":NaN}]}'),
    post('a block comment', batches, 'operator', '{/* hi */"batchId":"m-4","records":[]}'),
    post('a line comment', batches, 'operator', '// hi\n{"batchId":"m-5","records":[]}'),
    post('a trailing comma', batches, 'operator', '{"batchId":"m-6","records":[],}'),
    post('single quotes', batches, 'operator', "{'batchId':'m-7','records':[]}"),
    post('an empty JSON body', batches, 'operator', ''),
    post('truncated spec', '/contracts', 'ministry', '{"id":"{c}","format":"sib-ledger/contract/v1",'),
    post('NaN checkpoint', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","checkpoint":NaN}'),
    post('Infinity checkpoint', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","checkpoint":Infinity}'),
    post('a bare null evaluation', '/contracts/{c}/evaluations', 'evaluator', 'null'),
    post('comment in a comparison', '/contracts/{c}/comparisons', 'evaluator', '{"metric":"employed" /* x */}'),
    post('unclosed string in a reason', '/contracts/{c}/payments/1/reject', 'ministry', '{"reason":"no'),
  );

  // Wrong types
  add(
    { name: 'records as an object', method: 'POST', path: batches, as: 'operator', json: batchOf('m-8', {} as []) },
    {
      name: 'batch id as a number',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: { batchId: 12345, records: [] },
    },
    { name: 'a batch that is an array', method: 'POST', path: batches, as: 'operator', json: [enrol('e9', 'OP-9')] },
    {
      name: 'a birth year as a string',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-9', [enrolWith({ birthYear: '1991' })]),
    },
    {
      name: 'period as a number',
      method: 'POST',
      path: '/contracts/{c}/evaluations',
      as: 'evaluator',
      json: { period: 42 },
    },
    {
      name: 'checkpoint as a string',
      method: 'POST',
      path: '/contracts/{c}/evaluations',
      as: 'evaluator',
      json: { period: 'y1', checkpoint: '2' },
    },
    { name: 'a spec that is an array', method: 'POST', path: '/contracts', as: 'ministry', json: [{ id: 'x' }] },
    { name: 'a spec id as a number', method: 'POST', path: '/contracts', as: 'ministry', json: { id: 7 } },
    {
      name: 'a comparison that is an array',
      method: 'POST',
      path: '/contracts/{c}/comparisons',
      as: 'evaluator',
      json: [],
    },
    {
      name: 'a cosignature note as an array',
      method: 'POST',
      path: '/contracts/{c}/checkpoint/cosignatures',
      as: 'evaluator',
      json: { note: ['x'], witnessKey: 'w+00000000+AA' },
    },
    {
      name: 'a reason as an object',
      method: 'POST',
      path: '/contracts/{c}/payments/1/reject',
      as: 'ministry',
      json: { reason: { text: 'no' } },
    },
    {
      name: 'a payment order as a number',
      method: 'POST',
      path: '/contracts/{c}/payments/1/paid',
      as: 'ministry',
      json: { paymentOrder: 42, paidOn: '2025-10-01' },
    },
    {
      name: 'a report payment as an object',
      method: 'POST',
      path: '/contracts/{c}/reports',
      as: 'ministry',
      json: { payment: { seq: 1 } },
    },
    {
      name: 'an upload length as a string',
      method: 'POST',
      path: '/contracts/{c}/uploads',
      as: 'operator',
      json: { batchId: 'u-1', contentType: 'text/csv', contentLength: '100' },
    },
  );

  // Huge bodies (the gateway's limit is 6 MiB)
  const huge = Buffer.alloc(SIX_MIB + 1024, 0x20);
  add(
    post('a body over 6 MiB (Content-Length)', batches, 'operator', huge),
    post('a body over 6 MiB (chunked)', '/contracts', 'ministry', huge, {
      ...JSON_TYPE,
      'transfer-encoding': 'chunked',
    }),
    {
      name: 'a declared 100 GB body',
      method: 'POST',
      path: batches,
      raw: `POST /contracts/{c}/batches HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100000000000\r\n\r\n{"batchId":`,
    },
  );

  // Wrong content types
  const batch = JSON.stringify(batchOf('m-10', [enrol('e10', 'OP-10')]));
  add(
    post('text/xml', batches, 'operator', '<batch id="m-11"><record/></batch>', { 'content-type': 'text/xml' }),
    post('a form', batches, 'operator', 'batchId=m-12&records=x', {
      'content-type': 'application/x-www-form-urlencoded',
    }),
    post('no content type', batches, 'operator', batch, {}),
    post('JSON as UTF-16', batches, 'operator', batch, { 'content-type': 'application/json; charset=utf-16' }),
    post('a spec as text/plain', '/contracts', 'ministry', '{"id":"{c}"}', { 'content-type': 'text/plain' }),
    post('an evaluation as multipart', '/contracts/{c}/evaluations', 'evaluator', '--x\r\n\r\ny1\r\n--x--', {
      'content-type': 'multipart/form-data; boundary=x',
    }),
    post('a cosignature as a form', '/contracts/{c}/checkpoint/cosignatures', 'evaluator', 'note=x&witnessKey=y', {
      'content-type': 'application/x-www-form-urlencoded',
    }),
    post('an upload request as XML', '/contracts/{c}/uploads', 'operator', '<upload/>', {
      'content-type': 'application/xml',
    }),
  );

  // Path traversal in ids
  add(
    get('..%2F in a contract', '/contracts/..%2F..%2Fetc/checkpoint', 'evaluatorAll'),
    get('%2e%2e as a contract', '/contracts/%2e%2e/checkpoint', 'evaluatorAll'),
    get('double-encoded dots', '/contracts/%252e%252e%252fetc/checkpoint', 'evaluatorAll'),
    get('..%5C in a contract', '/contracts/..%5C..%5Cetc', 'evaluatorAll'),
    get('..%2F in a batch id', '/contracts/{c}/batches/..%2F..%2Fsecret', 'evaluator'),
    get('..%2F inside an upload id', '/contracts/{c}/uploads/a%2F..%2F..%2Fkeys%2Fsigning', 'operator'),
    get('%2e%2e%2f in an event id', '/contracts/{c}/records/%2e%2e%2fx/proof', 'evaluator'),
    get('..%2F in a report id', '/contracts/{c}/reports/..%2F..%2Fkeys', 'ministry'),
    post('..%2F in a contract (write)', '/contracts/..%2F..%2Fetc/batches', 'operatorAll', batch),
    post('an encoded slash in a contract', '/contracts/{c}%2Fother/uploads', 'operatorAll', '{}'),
    get('a 5,000-character contract id', `/contracts/${'a'.repeat(5_000)}/checkpoint`, 'evaluatorAll'),
    get('a 3,000-character batch id', `/contracts/{c}/batches/${'b'.repeat(3_000)}`, 'operator'),
    get('a 2,000-character payment id', `/contracts/{c}/payments/${'9'.repeat(2_000)}`, 'ministry'),
    {
      name: 'an HTTP/1.1 request without Host',
      method: 'GET',
      path: '/contracts',
      raw: 'GET /contracts/{c}/checkpoint HTTP/1.1\r\n\r\n',
    },
    {
      name: 'an HTTP/1.1 write without Host',
      method: 'POST',
      path: '/contracts',
      raw: 'POST /contracts/{c}/batches HTTP/1.1\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}',
    },
    {
      name: 'a 20 KB path',
      method: 'GET',
      path: '/contracts',
      raw: `GET /contracts/{c}/batches/${'c'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`,
    },
  );

  // Injection strings
  add(
    get('SQL in a participant', `/contracts/{c}/records?participant=${encodeURIComponent("' OR '1'='1")}`, 'operator'),
    get(
      '<script> in a participant',
      `/contracts/{c}/records?participant=${encodeURIComponent('<script>alert(1)</script>')}`,
      'operator',
    ),
    get(
      'a template expression in a batch query',
      `/contracts/{c}/records?batch=${encodeURIComponent(`${TEMPLATE}jndi:ldap://x/a}`)}`,
      'evaluator',
    ),
    get('a null byte in a participant', '/contracts/{c}/records?participant=OP-0001%00', 'operator'),
    get('a null byte in a contract', '/contracts/{c}%00/checkpoint', 'evaluatorAll'),
    get('SQL in a payment id', `/contracts/{c}/payments/${encodeURIComponent('1 OR 1=1')}`, 'investor'),
    {
      name: 'SQL in an event id',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-13', [enrolWith({ eventId: "x'; DROP TABLE records;--" })]),
    },
    {
      name: '<script> in a participant reference',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-14', [enrolWith({ participant: '<script>alert(1)</script>' })]),
    },
    {
      name: 'a template expression as a batch id',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf(`${TEMPLATE}7*7}`, [enrol('e15', 'OP-15')]),
    },
    {
      name: '<script> as a contract id',
      method: 'POST',
      path: '/contracts',
      as: 'ministryAll',
      json: { id: '<script>alert(1)</script>' },
    },
    {
      name: 'a template expression as a period',
      method: 'POST',
      path: '/contracts/{c}/evaluations',
      as: 'evaluator',
      json: { period: `${TEMPLATE}7*7}` },
    },
    {
      name: 'a CSV formula batch',
      method: 'POST',
      path: `${batches}?batchId=m-16`,
      as: 'operator',
      headers: { 'content-type': 'text/csv' },
      body: 'eventId,participant,type,date\n=cmd|"/c calc"!A1,OP-16,enrolment,2024-03-01\n',
    },
    {
      name: 'a bare CR in a header',
      method: 'GET',
      path: '/contracts',
      raw: 'GET /contracts/{c}/checkpoint HTTP/1.1\r\nhost: x\r\nx-test: a\rinjected: b\r\n\r\n',
    },
    {
      name: 'a null byte in a header',
      method: 'GET',
      path: '/contracts',
      raw: 'GET /contracts/{c}/checkpoint HTTP/1.1\r\nhost: x\r\nx-test: a\0b\r\n\r\n',
    },
    {
      name: 'CRLF smuggled into the request line',
      method: 'GET',
      path: '/contracts',
      raw: 'GET /contracts/{c}/checkpoint\r\nx: y HTTP/1.1\r\nhost: x\r\n\r\n',
    },
  );

  // Duplicated keys
  add(
    post('a duplicated batch id', batches, 'operator', '{"batchId":"m-17","batchId":"m-18","records":[]}'),
    post(
      'a duplicated field in a record',
      batches,
      'operator',
      JSON.stringify(batchOf('m-19', [enrol('e19', 'OP-19')])).replace(
        '"eventId":"e19"',
        '"eventId":"e19","eventId":"e20"',
      ),
    ),
    post('a duplicated spec id', '/contracts', 'ministry', '{"id":"{c}","id":"other"}'),
    post('a duplicated period', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","period":"y2"}'),
    post('a __proto__ key', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","__proto__":{"admin":true}}'),
  );

  // Unicode tricks
  add(
    {
      name: 'an RTL override in an event id',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-20', [enrolWith({ eventId: `e${RLO}21` })]),
    },
    post('overlong UTF-8 in a batch', batches, 'operator', overlong('{"batchId":"m-21', '","records":[]}')),
    post('overlong UTF-8 in a spec', '/contracts', 'ministry', overlong('{"id":"{c}', '"}')),
    post('a lone surrogate', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1\\ud800"}'),
    post(
      'a lone high surrogate in a note',
      batches,
      'operator',
      JSON.stringify(
        batchOf('m-40', [
          enrol('e40', 'OP-40'),
          {
            eventId: 'e41',
            participant: 'OP-40',
            type: 'probation-violation',
            date: '2024-05-01',
            source: 'probation-service',
            note: 'x',
          },
        ]),
      ).replace('"note":"x"', '"note":"\\ud83d"'),
    ),
    post(
      'a lone low surrogate in a participant',
      batches,
      'operator',
      JSON.stringify(batchOf('m-41', [enrol('e41', 'OP-41')])).replace('"OP-41"', '"OP-41\\udc00"'),
    ),
    post(
      'a lone surrogate in a key of a record',
      batches,
      'operator',
      JSON.stringify(batchOf('m-42', [enrol('e42', 'OP-42')])).replace('"sex"', '"sex\\ud800"'),
    ),
    post('a lone surrogate in the batch id', batches, 'operator', '{"batchId":"m-43\\udfff","records":[]}'),
    get(
      'an RTL override in a participant',
      `/contracts/{c}/records?participant=${encodeURIComponent(`${RLO}1000-PO`)}`,
      'operator',
    ),
    get('a Cyrillic look-alike contract', `/contracts/${encodeURIComponent('mаlformed')}/checkpoint`, 'evaluatorAll'),
    post('a UTF-8 BOM before an array', '/contracts/{c}/evaluations', 'evaluator', '\ufeff[]'),
  );

  // Wrong methods
  add(
    { name: 'PUT a batch', method: 'PUT', path: batches, as: 'operator', json: batchOf('m-22', []) },
    { name: 'DELETE a contract', method: 'DELETE', path: '/contracts/{c}', as: 'ministry' },
    { name: 'PATCH the checkpoint', method: 'PATCH', path: '/contracts/{c}/checkpoint', as: 'evaluator', json: {} },
    get('GET evaluations (POST only)', '/contracts/{c}/evaluations', 'evaluator'),
    post('POST the checkpoint', '/contracts/{c}/checkpoint', 'evaluator', '{}'),
    { name: 'HEAD the checkpoint', method: 'HEAD', path: '/contracts/{c}/checkpoint', as: 'evaluator' },
    { name: 'OPTIONS /contracts', method: 'OPTIONS', path: '/contracts', as: 'ministry' },
  );

  // Unknown query parameters
  add(
    get('an unknown records parameter', '/contracts/{c}/records?type=enrolment&evil=1', 'evaluator'),
    get('an unknown consistency parameter', '/contracts/{c}/consistency?from=1&debug=true', 'investor'),
    get('an unknown export parameter', '/contracts/{c}/export?format=csv', 'ministry'),
    get('an unknown proof parameter', '/contracts/{c}/entries/0/proof?admin=1', 'investor'),
    get('a records query naming nothing', '/contracts/{c}/records', 'evaluator'),
  );

  // Negative and overflowing numbers
  add(
    get('seq -1', '/contracts/{c}/entries/-1/proof', 'investor'),
    get('seq 1e309', '/contracts/{c}/entries/1e309/proof', 'investor'),
    get('seq 2^53 + 1', '/contracts/{c}/entries/9007199254740993/proof', 'investor'),
    get('seq with a leading zero', '/contracts/{c}/entries/01/proof', 'investor'),
    get('consistency from -1', '/contracts/{c}/consistency?from=-1', 'investor'),
    get('consistency to 1e309', '/contracts/{c}/consistency?from=0&to=1e309', 'investor'),
    get('export to 2^53 + 1', '/contracts/{c}/export?to=9007199254740993', 'ministry'),
    get('proof size 0', '/contracts/{c}/entries/0/proof?size=0', 'investor'),
    get('a negative limit', '/contracts/{c}/records?type=enrolment&limit=-1', 'evaluator'),
    get('evaluation -1', '/contracts/{c}/evaluations/-1', 'evaluator'),
    get('evaluation 2^53 + 1', '/contracts/{c}/evaluations/9007199254740993', 'evaluator'),
    get('payment 1e309', '/contracts/{c}/payments/1e309', 'ministry'),
    get('a payment id with a leading space', '/contracts/{c}/payments/%201', 'ministry'),
    post('an approval through a payment id with a tab', '/contracts/{c}/payments/1%09/approve', 'ministry', '{}'),
    post('an attestation through a payment id with a plus', '/contracts/{c}/payments/%2B1/attest', 'evaluator', '{}'),
    get('seq with a leading space', '/contracts/{c}/entries/%200/proof', 'investor'),
    get('seq with a plus', '/contracts/{c}/entries/%2B0/proof', 'investor'),
    get('evaluation with a trailing newline', '/contracts/{c}/evaluations/1%0A', 'evaluator'),
    get('proof size with a leading space', '/contracts/{c}/entries/0/proof?size=%201', 'investor'),
    post('checkpoint -1', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","checkpoint":-1}'),
    post('checkpoint 1e309', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","checkpoint":1e309}'),
    post(
      'checkpoint 2^53 + 1',
      '/contracts/{c}/evaluations',
      'evaluator',
      '{"period":"y1","checkpoint":9007199254740993}',
    ),
    post('report payment -1', '/contracts/{c}/reports', 'evaluator', '{"payment":-1}'),
    post(
      'upload length 1e309',
      '/contracts/{c}/uploads',
      'operator',
      '{"batchId":"u-2","contentType":"text/csv","contentLength":1e309}',
    ),
    post(
      'birth year 1e309',
      batches,
      'operator',
      JSON.stringify(batchOf('m-23', [enrol('e23', 'OP-23')])).replace('1991', '1e309'),
    ),
  );

  // Bad dates
  add(
    get('from 2024-02-30', '/contracts/{c}/records?type=enrolment&from=2024-02-30', 'evaluator'),
    get('from 2024-13-01', '/contracts/{c}/records?type=enrolment&from=2024-13-01', 'evaluator'),
    get('to before from', '/contracts/{c}/records?type=enrolment&from=2024-05-01&to=2024-01-01', 'evaluator'),
    {
      name: 'paid on 2025-02-29',
      method: 'POST',
      path: '/contracts/{c}/payments/1/paid',
      as: 'ministry',
      json: { paymentOrder: 'PO-1', paidOn: '2025-02-29' },
    },
    {
      name: 'a record dated 2024-02-30',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-24', [enrol('e24', 'OP-24', '2024-02-30')]),
    },
    {
      name: 'a record dated yesterday',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-25', [enrol('e25', 'OP-25', 'yesterday')]),
    },
    {
      name: 'a record dated in the year 99999',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-26', [enrol('e26', 'OP-26', '+099999-01-01')]),
    },
  );

  // Extra fields
  add(
    {
      name: 'an extra evaluation field',
      method: 'POST',
      path: '/contracts/{c}/evaluations',
      as: 'evaluator',
      json: { period: 'y1', admin: true },
    },
    {
      name: 'an extra cosignature field',
      method: 'POST',
      path: '/contracts/{c}/checkpoint/cosignatures',
      as: 'evaluator',
      json: { note: 'x', witnessKey: 'w+00000000+AA', extra: 1 },
    },
    {
      name: 'an extra upload field',
      method: 'POST',
      path: '/contracts/{c}/uploads',
      as: 'operator',
      json: { batchId: 'u-3', contentType: 'text/csv', bucket: 'elsewhere' },
    },
    {
      name: 'an extra approval field',
      method: 'POST',
      path: '/contracts/{c}/payments/1/approve',
      as: 'ministry',
      json: { lang: 'ru', force: true },
    },
    {
      name: 'an extra batch field',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: { ...batchOf('m-27', [enrol('e27', 'OP-27')]), submitter: 'someone-else' },
    },
    {
      name: 'an extra record field',
      method: 'POST',
      path: batches,
      as: 'operator',
      json: batchOf('m-28', [enrolWith({ passport: '4510 123456' })]),
    },
    {
      name: 'the registered spec with an extra field',
      method: 'POST',
      path: '/contracts',
      as: 'ministry',
      body: JSON.stringify({ ...spec(), admin: true }),
      headers: JSON_TYPE,
    },
  );

  // Well-formed, but naming what is not there or not what the route acts on (payments are evaluation entries:
  // seq 0 is the registration, seq 1 the seed batch)
  add(
    get('payment 0 (the registration)', '/contracts/{c}/payments/0', 'investor'),
    get('payment 1 (a batch)', '/contracts/{c}/payments/1', 'ministry'),
    get('a payment past the log', '/contracts/{c}/payments/99999', 'evaluator'),
    get('a payment of another contract', '/contracts/{c}/payments/other-contract%2F1', 'ministry'),
    post('attest the registration', '/contracts/{c}/payments/0/attest', 'evaluator', ''),
    post('approve a batch', '/contracts/{c}/payments/1/approve', 'ministry', '{}'),
    post('reject a payment past the log', '/contracts/{c}/payments/99999/reject', 'ministry', '{"reason":"no"}'),
    post(
      'mark a batch paid',
      '/contracts/{c}/payments/1/paid',
      'ministry',
      '{"paymentOrder":"PO-1","paidOn":"2025-10-01"}',
    ),
    get('evaluation 0 (the registration)', '/contracts/{c}/evaluations/0', 'evaluator'),
    get('evaluation 1 (a batch)', '/contracts/{c}/evaluations/1', 'evaluator'),
    post('the report of the registration', '/contracts/{c}/reports', 'ministry', '{"payment":0}'),
    post('the report of a batch', '/contracts/{c}/reports', 'evaluator', '{"payment":"{c}/1"}'),
    post("the report of another contract's payment", '/contracts/{c}/reports', 'evaluator', '{"payment":"other/1"}'),
    post('the report of a payment past the log', '/contracts/{c}/reports', 'ministry', '{"payment":99999}'),
    get('an unknown report', '/contracts/{c}/reports/deadbeef', 'investor'),
    post('evaluate past the log', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y1","checkpoint":99999}'),
    post('evaluate an unknown period', '/contracts/{c}/evaluations', 'evaluator', '{"period":"y9"}'),
    post(
      'an unknown comparison',
      '/contracts/{c}/comparisons',
      'evaluator',
      '{"comparison":"nope","group":"all","value":"0.3"}',
    ),
    get('an entry past the log', '/contracts/{c}/entries/99999/proof', 'investor'),
    get('a proof into a tree past the log', '/contracts/{c}/entries/0/proof?size=99999', 'investor'),
    get('a proof into a tree without the entry', '/contracts/{c}/entries/1/proof?size=1', 'investor'),
    get('consistency from past the log', '/contracts/{c}/consistency?from=99999', 'investor'),
    get('consistency backwards', '/contracts/{c}/consistency?from=2&to=1', 'investor'),
    get('an export range backwards', '/contracts/{c}/export?from=5&to=3', 'ministry'),
    get('an export past the log', '/contracts/{c}/export?to=99999', 'investor'),
    get('a cursor not given by the API', '/contracts/{c}/records?type=enrolment&cursor=%21%21', 'evaluator'),
    get('an empty v1 cursor', '/contracts/{c}/records?type=enrolment&cursor=djE6', 'evaluator'),
    get('a record proof of an unknown event', '/contracts/{c}/records/nope/proof', 'evaluator'),
    get('an unknown upload', '/contracts/{c}/uploads/nope', 'operator'),
    get('an unknown batch', '/contracts/{c}/batches/nope', 'ministry'),
    get('an unregistered contract', '/contracts/not-registered-here', 'evaluatorAll'),
    get('the checkpoint of an unregistered contract', '/contracts/not-registered-here/checkpoint', 'evaluatorAll'),
    {
      name: 'an amendment skipping a version',
      method: 'POST',
      path: '/contracts',
      as: 'ministry',
      json: { ...spec(), version: 3, effectiveFrom: '2025-01-01' },
    },
    {
      name: 'an amendment effective before the contract',
      method: 'POST',
      path: '/contracts',
      as: 'ministry',
      json: { ...spec(), version: 2, effectiveFrom: '2020-01-01' },
    },
  );

  // Witness cosignatures that must not be stored
  const witness = memoryWitness('witness.example');
  const cosign = (name: string, body: unknown, as: Who = 'evaluator'): Case => ({
    name,
    method: 'POST',
    path: '/contracts/{c}/checkpoint/cosignatures',
    as,
    json: body,
  });
  const text = note.slice(0, note.indexOf('\n\n') + 1);
  const logName = /\n\n\u2014 (\S+) /.exec(note)?.[1] ?? 'log';
  const signedOther = await signNote(text.replace(/\n(\d+)\n/, '\n7\n'), [witness.signer]);
  const otherLine = signedOther.slice(signedOther.indexOf('\n\n') + 2);
  const bogusLine = `\u2014 x ${'A'.repeat(98)}=\n`;
  add(
    cosign('a note that is not a note', { note: 'not a note', witnessKey: witness.key }),
    cosign('a note with its size changed', { note: note.replace(/\n(\d+)\n/, '\n99\n'), witnessKey: witness.key }),
    cosign('a note without the witness line', { note, witnessKey: witness.key }),
    cosign('a short witness signature', { note: `${note}\u2014 witness.example AAAA\n`, witnessKey: witness.key }),
    cosign('a witness signature not base64', { note: `${note}\u2014 witness.example !!!!\n`, witnessKey: witness.key }),
    cosign('a witness line over other text', { note: `${note}${otherLine}`, witnessKey: witness.key }),
    cosign("a witness key with the log's name", { note, witnessKey: memorySigner(logName).key }),
    cosign('a note with CRLF line ends', { note: note.replaceAll('\n', '\r\n'), witnessKey: witness.key }),
    cosign('a note with 101 signature lines', { note: `${note}${bogusLine.repeat(101)}`, witnessKey: witness.key }),
    cosign('a cosignature by the ministry', { note, witnessKey: witness.key }, 'ministry'),
  );

  // Tokens
  const [, payload] = tokens.operator.split('.') as [string, string, string];
  add(
    post('an alg none token', batches, undefined, batch, {
      ...JSON_TYPE,
      authorization: `Bearer ${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`,
    }),
    post('an HS256 token', batches, undefined, batch, {
      ...JSON_TYPE,
      authorization: `Bearer ${b64({ alg: 'HS256', typ: 'JWT' })}.${payload}.c2lnbmF0dXJl`,
    }),
    post('an expired token', '/contracts', undefined, '{"id":"{c}"}', {
      ...JSON_TYPE,
      authorization: `Bearer ${tokens.expired}`,
    }),
    get('no token', '/contracts/{c}/checkpoint'),
    get('Basic credentials', '/contracts/{c}/checkpoint', undefined, { authorization: 'Basic b3A6b3A=' }),
    get('a token and trailing junk', '/contracts/{c}/checkpoint', undefined, {
      authorization: `Bearer ${tokens.evaluator} extra`,
    }),
    get('x-sib-subject instead of a token', '/contracts/{c}/checkpoint', undefined, { 'x-sib-subject': 'ministry' }),
    post('an operator registering a contract', '/contracts', 'operator', '{"id":"{c}"}'),
    post('an investor submitting a batch', batches, 'investor', batch),
    get("another contract's token", '/contracts/{c}/batches/seed-1', undefined, {
      authorization: `Bearer ${tokens.otherContract}`,
    }),
    get('an investor querying records', '/contracts/{c}/records?type=enrolment', 'investor'),
  );

  return cases.map((c) =>
    c.body === undefined || typeof c.body !== 'string' ? c : { ...c, body: c.body.replaceAll('{c}', contract) },
  );
}

describe('a corpus of malformed requests', () => {
  it('answers every one with a 4xx problem and leaves the ledger and the buckets unchanged', async () => {
    // Prepare
    const before = { checkpoint: await checkpoint(), objects: await objects() };
    const cases = await corpus(before.checkpoint.note);

    // Act: a few at a time.
    const replies: Reply[] = [];
    for (let i = 0; i < cases.length; i += 8) {
      replies.push(...(await Promise.all(cases.slice(i, i + 8).map(run))));
    }

    // Assess
    expect(cases.length).toBeGreaterThanOrEqual(60);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    const wrong: string[] = [];
    for (const [i, c] of cases.entries()) {
      const reply = replies[i] as Reply;
      const problem = (() => {
        if (c.method === 'HEAD') return true;
        try {
          return (JSON.parse(reply.text) as { status?: number }).status === reply.status;
        } catch {
          return false;
        }
      })();
      if (
        reply.status < 400 ||
        reply.status > 499 ||
        reply.headers['content-type'] !== 'application/problem+json' ||
        !problem
      ) {
        wrong.push(`${c.name}: ${reply.status} ${reply.headers['content-type']} ${reply.text.slice(0, 300)}`);
      }
    }
    expect(wrong).toEqual([]);
    const after = await checkpoint();
    expect({ size: after.size, root: after.root }).toEqual({
      size: before.checkpoint.size,
      root: before.checkpoint.root,
    });
    // Not even a cosignature was added to the stored checkpoint.
    expect(after.note).toBe(before.checkpoint.note);
    expect(await objects()).toEqual(before.objects);
    expect(before.checkpoint.size).toBe(2);
  });
});
