/**
 * `sib operator|ministry|evaluator|investor …`: every use case of the HTTP
 * API (functions/api/routes.ts), grouped by the role that performs it, run
 * through the API with that role's token: against the local gateway by
 * default, or against a deployed API with `--api URL` and a token.
 *
 * Human tables by default, `--json` for scripts (the answer; for a refusal,
 * its RFC 9457 problem document). Exit status: 0 success, 1 refused or
 * failed, 2 usage error, 3 not authenticated or not allowed, 4 the API
 * cannot be reached (EXIT_CODES).
 */
import { createReadStream, readFileSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, extname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
import { type EvaluationResult, formatMoney } from '#evaluation';
import { sha256, toHex, ValidationError } from '#kernel';
import type { Actor, VerifyResult } from '#ledger';
import { cosignNote, verifyExportBytes } from '#ledger';
import type { PaymentStatus } from '#payments';
import { verifyReport } from '#reports';
import type { ReportLang, StoredReport } from '#services';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { API_FILE, DEFAULT_API_PORT } from '../../infra/local/gateway.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { type ApiAnswer, ApiClient, ApiError, type CallOptions, type ProblemBody } from '../api-client.ts';
import { trustedKeys } from '../context.ts';
import { reportError } from '../errors.ts';
import { renderEvaluation } from '../evaluation-view.ts';
import { progressBar, table } from '../table.ts';
import { readSpecFile } from './contract.ts';
import { problemTable } from './evidence.ts';
import { openWitnessKey } from './keys.ts';
import { printVerify } from './ledger.ts';
import { isLoopbackUrl } from './login.ts';
import { renderList, renderShow } from './payment.ts';
import { langArg, printVerification } from './report.ts';

// ---- exit status

/** The exit statuses of every API command (printed in each --help, and in the README). */
export const EXIT_CODES: readonly (readonly [number, string])[] = [
  [0, 'success'],
  [1, "refused or failed: the problem's detail in one line (a table of every problem for 422)"],
  [2, 'usage error: a missing or malformed option or argument'],
  [3, 'not authenticated or not allowed (401/403), or no token to send'],
  [4, 'the API (or the storage its links point to) cannot be reached'],
];

const EXIT_HELP = `Exit status:\n${EXIT_CODES.map(([code, text]) => `  ${code}  ${text}`).join('\n')}`;

const CONNECTION_HELP = [
  'Connection (every command that calls the API):',
  `  --api <url>     the API (default: SIB_API_URL, else the URL the local gateway wrote to <data dir>/${API_FILE},`,
  `                  else http://127.0.0.1:${DEFAULT_API_PORT})`,
  '  --token <jwt>   the bearer token (default: SIB_TOKEN, else <data dir>/tokens/<role>.jwt from `sib login`);',
  '                  required for an API that is not on this machine (tokens come from its Cognito user pool)',
  '  --json          print the answer as JSON (a refusal: its RFC 9457 problem document), not tables',
].join('\n');

/** Ends a command with an exit status and a one-line message. */
class Exit extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.name = 'Exit';
    this.code = code;
  }
}

const usage = (message: string) => new Exit(2, message);

// ---- where the API is, and the token

/** The URL a running local gateway announced in `<dir>/api.json` (`{"url": …}`), if any. */
export function announcedApiUrl(dir: string = dataDir()): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(dir, API_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const url = (JSON.parse(text) as { url?: unknown }).url;
    return typeof url === 'string' && url !== '' ? url : undefined;
  } catch {
    return undefined;
  }
}

/** The API commands talk to by default: SIB_API_URL, else the local gateway's announced URL, else the default port. */
export function apiUrl(dir: string = dataDir()): string {
  const env = process.env.SIB_API_URL;
  if (env !== undefined && env !== '') return env;
  return announcedApiUrl(dir) ?? `http://127.0.0.1:${DEFAULT_API_PORT}`;
}

interface ConnectionOptions {
  api?: string;
  token?: string;
  json?: boolean;
}

/** The subject and role a token names (read, not verified: for messages only). */
function claimsOf(token: string): { sub?: string; role?: string } {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const groups = claims['cognito:groups'];
    return {
      ...(typeof claims.sub === 'string' ? { sub: claims.sub } : {}),
      ...(Array.isArray(groups) && typeof groups[0] === 'string' ? { role: groups[0] } : {}),
    };
  } catch {
    return {};
  }
}

/** An API client acting as one role, whose network failures are exit status 4. */
class Api {
  readonly url: string;
  readonly role: ApiRole;
  readonly local: boolean;
  readonly token: string;
  readonly #client: ApiClient;

  constructor(url: string, role: ApiRole, token: string) {
    this.url = url;
    this.role = role;
    this.token = token;
    this.local = isLoopbackUrl(url);
    this.#client = new ApiClient({ baseUrl: url, token });
  }

  /** `sub (role)` of the token, for receipts. */
  get actor(): string | undefined {
    const { sub, role } = claimsOf(this.token);
    return sub === undefined ? undefined : `${sub} (${role ?? this.role})`;
  }

  async call<T>(id: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    try {
      return await this.#client.call<T>(id, options);
    } catch (error) {
      if (error instanceof TypeError && error.message === 'fetch failed') throw this.unreachable(error);
      throw error;
    }
  }

  unreachable(error: unknown): Exit {
    const hint = this.local
      ? announcedApiUrl() === undefined && !process.env.SIB_API_URL
        ? ': no local gateway is running (start one: npm start, or sib stack up && sib api serve), or give --api <url>'
        : ': is the local gateway still running? (npm start, or sib api serve)'
      : '';
    return new Exit(4, `cannot reach the API at ${this.url} (${reasonOf(error)})${hint}`);
  }
}

/** ECONNREFUSED and the like, from a failed fetch or request. */
function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const own = error as { code?: string; message?: string };
  return cause?.code ?? own.code ?? cause?.message ?? own.message ?? String(error);
}

/** The API and the token of `role`: --api, --token, SIB_TOKEN, or the token `sib login` saved. */
function connect(role: ApiRole, opts: ConnectionOptions): Api {
  const url = opts.api ?? apiUrl();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usage(`--api must be an http(s) URL, not ${url}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw usage(`--api must be an http(s) URL, not ${url}`);
  }
  const given = opts.token ?? (process.env.SIB_TOKEN || undefined);
  if (given !== undefined) {
    if (given.trim() === '') throw usage('--token is empty');
    return new Api(url, role, given.trim());
  }
  if (!isLoopbackUrl(url)) {
    throw new Exit(
      3,
      `${url} is not a local API: give its token with --token <jwt> or SIB_TOKEN (tokens for a deployed API come from its Cognito user pool)`,
    );
  }
  const file = join(dataDir(), 'tokens', `${role}.jwt`);
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch {
    throw new Exit(
      3,
      `no ${role} token: run sib login --as ${role} --contract <id> (it saves ${file}), or give --token <jwt> or SIB_TOKEN`,
    );
  }
  if (token === '') throw new Exit(3, `${file} is empty: run sib login --as ${role} --contract <id>`);
  return new Api(url, role, token);
}

// ---- errors and output

/** Domain field names as the options that carry them, for problem tables of command input. */
const OPTION_OF: Readonly<Record<string, string>> = {
  reason: '--reason',
  paymentOrder: '--order',
  paidOn: '--date',
  period: '--period',
  checkpoint: '--checkpoint',
  lang: '--lang',
  comparison: '--comparison',
  group: '--group',
  value: '--value',
  denominator: '--denominator',
  note: '--note',
  batchId: '--batch-id',
  'query.participant': '--participant',
  'query.batch': '--batch',
  'query.type': '--type',
  'query.from': '--from',
  'query.to': '--to',
  'params.payment': '--payment',
  payment: '--payment',
};

type Problems = NonNullable<ProblemBody['errors']>;

/** A 422's problems: by record or line for evidence, by option for command input. */
function problemsTable(errors: Problems, unit: 'record' | 'line' | 'option'): string {
  if (unit !== 'option') return problemTable(errors, unit);
  return table(
    ['field', 'problem'],
    errors.map((p) => [p.field === undefined ? undefined : (OPTION_OF[p.field] ?? p.field), p.message]),
  );
}

function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

/** A refusal of the API: exit 3 for 401/403, else 1; one line, or every problem of a 422 in a table. */
function reportApiError(error: ApiError, json: boolean, unit: 'record' | 'line' | 'option', role?: ApiRole): void {
  const { problem, status } = error;
  process.exitCode = status === 401 || status === 403 ? 3 : 1;
  if (json) {
    printJson({ ...problem, status: problem.status ?? status });
    return;
  }
  const detail = (problem.detail || problem.title || `HTTP ${status}`).replace(/\s*\n\s*/g, ' ');
  if (status === 422 && problem.errors !== undefined && problem.errors.length > 0) {
    process.stderr.write(`error: ${detail}\n\n${problemsTable(problem.errors, unit)}\n`);
    return;
  }
  let line = `error: ${detail}`;
  if (status >= 500) line += ` (HTTP ${status}${problem.requestId ? `, request id ${problem.requestId}` : ''})`;
  if (status === 401 && role !== undefined) line += ` (a new token: sib login --as ${role} --contract <id>)`;
  process.stderr.write(`${line}\n`);
}

interface ActionContext {
  /** How to print a 422's problems. */
  unit: 'record' | 'line' | 'option';
  role?: ApiRole;
}

/**
 * Wraps a command's action: API refusals, unreachable services, usage and
 * other errors become their message and exit status (EXIT_CODES).
 */
function action<Args extends unknown[]>(
  fn: (ctx: ActionContext, ...args: Args) => Promise<void>,
  role?: ApiRole,
): (...args: Args) => Promise<void> {
  return async (...args) => {
    const command = args.at(-1) as Command;
    const json = command.opts<{ json?: boolean }>().json === true;
    const ctx: ActionContext = { unit: 'option', ...(role === undefined ? {} : { role }) };
    try {
      await fn(ctx, ...args);
    } catch (error) {
      if (error instanceof CommanderError) throw error;
      if (error instanceof ApiError) {
        reportApiError(error, json, ctx.unit, ctx.role);
      } else if (error instanceof Exit) {
        process.stderr.write(
          `error: ${error.message}${error.code === 2 ? ` (see ${commandPath(command)} --help)` : ''}\n`,
        );
        process.exitCode = error.code;
      } else if (error instanceof ValidationError && error.problems.length > 0) {
        process.stderr.write(`error: ${error.message}\n\n${problemsTable(error.problems, 'option')}\n`);
        process.exitCode = 1;
      } else {
        reportError(error);
      }
    }
  };
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** Adds --api, --token and --json. */
function connection(cmd: Command, jsonHelp = 'print the answer as JSON'): Command {
  return cmd
    .option('--api <url>', 'the API (default: SIB_API_URL, else the running local gateway)')
    .option('--token <jwt>', "the bearer token (default: SIB_TOKEN, else the role's token from sib login)")
    .option('--json', jsonHelp);
}

function examples(cmd: Command, lines: readonly string[], notes = ''): Command {
  return cmd.addHelpText(
    'after',
    `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n${notes === '' ? '' : `\n${notes}\n`}\n${EXIT_HELP}`,
  );
}

// ---- argument parsers (usage errors: exit 2)

const seqArg = (value: string) => {
  if (!/^(0|[1-9][0-9]{0,14})$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0.');
  return Number(value);
};
const sizeArg = (value: string) => {
  if (!/^[1-9][0-9]{0,14}$/.test(value)) throw new InvalidArgumentError('must be a positive whole number.');
  return Number(value);
};
const secondsArg = (value: string) => {
  if (!/^[1-9][0-9]{0,6}$/.test(value)) throw new InvalidArgumentError('must be a number of seconds.');
  return Number(value);
};
const collect = (value: string, previous: string[]) => [...previous, value];

/** `--payment`: `<seq>` or `<contract>/<seq>` of this contract. */
function paymentOf(contract: string, id: string): number {
  const m = /^(?:([^/]+)\/)?(0|[1-9][0-9]{0,14})$/.exec(id.trim());
  if (m === null) {
    throw usage(`--payment must be the seq of the payment's evaluation entry, <seq> or ${contract}/<seq>, not ${id}`);
  }
  if (m[1] !== undefined && m[1] !== contract) {
    throw usage(`--payment ${id} is a payment of contract ${m[1]}, not of ${contract}`);
  }
  return Number(m[2]);
}

// ---- progress

/** A spinner with the seconds waited, on standard error and only on a terminal. */
function spinner(label: string): { stop(): void } {
  if (process.stderr.isTTY !== true) return { stop() {} };
  const started = Date.now();
  const frames = ['|', '/', '-', '\\'];
  let i = 0;
  const timer = setInterval(() => {
    process.stderr.write(`\r${frames[i++ % frames.length]} ${label} ${Math.floor((Date.now() - started) / 1000)} s`);
  }, 100);
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

// ---- shapes of answers (functions/api/*.ts)

interface BatchReceipt {
  readonly contract: string;
  readonly batchId: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly recordsRoot: string;
  readonly recordCount: number;
  readonly archive: { readonly key: string; readonly sha256: string };
  readonly checkpoint: string;
  readonly replayed?: boolean;
}

type UploadStatus =
  | { readonly status: 'pending'; readonly batchId: string; readonly uploadedAt?: string }
  | { readonly status: 'accepted'; readonly batchId: string; readonly receipt: BatchReceipt }
  | {
      readonly status: 'rejected';
      readonly batchId: string;
      readonly title: string;
      readonly detail: string;
      readonly problems: Problems;
    };

interface StepReceipt {
  readonly contract: string;
  readonly payment: number;
  readonly period: string;
  readonly total: string;
  readonly currency: string;
  readonly minorUnit: number;
  readonly step: 'attested' | 'approved' | 'rejected' | 'paid';
  readonly seq: number;
  readonly entryHash: string;
  readonly at: string;
  readonly replayed: boolean;
}

interface IssuedReport extends StoredReport {
  readonly reused: boolean;
  readonly state: string;
  readonly witnesses: readonly string[];
}

type ApprovalReport =
  | ({ readonly issued: true } & IssuedReport)
  | {
      readonly issued: false;
      readonly problem: { readonly status: number; readonly title: string; readonly detail: string };
    };

interface EvaluationRun {
  readonly contract: string;
  readonly sha256: string;
  readonly key: string;
  readonly entry: { readonly seq: number; readonly entryHash: string; readonly treeSize: number; replayed: boolean };
  readonly result: EvaluationResult;
}

interface RecordedEvaluation {
  readonly contract: string;
  readonly seq: number;
  readonly period: string;
  readonly checkpoint: { readonly size: number; readonly root: string };
  readonly sha256: string;
  readonly key: string;
  readonly recordedBy: Actor;
  readonly recordedAt: string;
  readonly result: EvaluationResult;
}

interface QueriedRecords {
  readonly records: { readonly batchId: string; readonly index: number; readonly record: Record<string, unknown> }[];
  readonly next?: string;
}

interface Link {
  readonly url: string;
  readonly fileName: string;
}

// ---- printing

function renderBatchReceipt(r: BatchReceipt, head: string): string {
  return [
    head,
    `  ledger entry   seq ${r.seq} (${r.entryHash})`,
    `  records root   ${r.recordsRoot}`,
    `  archive        ${r.archive.key}`,
    '  checkpoint after the append:',
    ...r.checkpoint
      .trimEnd()
      .split('\n')
      .map((l) => `    ${l}`),
  ].join('\n');
}

const accepted = (r: BatchReceipt) =>
  renderBatchReceipt(
    r,
    `${r.replayed ? 'Already accepted' : 'Accepted'}: batch ${r.batchId} of ${r.contract}, ${r.recordCount} records`,
  );

const money = (p: { total: string; minorUnit: number; currency: string }) =>
  `${formatMoney(p.total, p.minorUnit)} ${p.currency}`;

const DONE: Readonly<Record<StepReceipt['step'], string>> = {
  attested: 'Attested',
  approved: 'Approved',
  rejected: 'Rejected',
  paid: 'Recorded as paid',
};

function renderStep(r: StepReceipt, by: string | undefined): string {
  const head = `${r.replayed ? `Already ${DONE[r.step].toLowerCase()}` : DONE[r.step]}: payment ${r.contract}/${r.payment} (period ${r.period}, ${money(r)})`;
  return `${head}\n  ${by === undefined ? '' : `by ${by}, `}entry seq ${r.seq} (${r.entryHash}) at ${r.at}`;
}

function renderIssued(r: IssuedReport): string {
  return [
    `${r.reused ? 'Report already issued' : 'Report issued'}: ${r.sha256}`,
    `  payment ${r.payment} (${r.period}), state ${r.state}, checkpoint ${r.size}${r.witnesses.length > 0 ? `, cosigned by ${r.witnesses.join(', ')}` : ''}`,
    `  JSON ${r.jsonKey}`,
    ...Object.entries(r.pdfKeys).map(([lang, key]) => `  PDF (${lang}) ${key}`),
    `  download: sib investor download --contract ${r.contract} --report ${r.sha256.slice(0, 12)}`,
  ].join('\n');
}

/** The fields that matter beyond date, type and ids, in a few words. */
function details(record: Record<string, unknown>): string {
  const skip = new Set(['eventId', 'participant', 'type', 'date', 'source', 'documentSha256', 'consentSha256']);
  return Object.entries(record)
    .filter(([k]) => !skip.has(k))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}

/** A file name from the API, safe to write in the output dir (its own name otherwise). */
function safeFileName(given: string, fallback: string): string {
  const name = basename(given);
  return name === given && /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/.test(name) ? name : fallback;
}

// ---- storage (presigned URLs)

/** GET of a presigned URL: its bytes; unreachable is exit 4, a refusal exit 1. */
async function download(url: string, what: string): Promise<Uint8Array> {
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
function putFile(
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

// ---- the commands

export function register(program: Command): void {
  registerOperator(program);
  registerMinistry(program);
  registerEvaluator(program);
  registerInvestor(program);
}

function group(program: Command, role: ApiRole, description: string): Command {
  return program
    .command(role)
    .description(description)
    .addHelpText(
      'after',
      `\nEvery command acts through the HTTP API with ${role === 'ministry' ? 'a' : 'an'} ${role} token.\n\n${CONNECTION_HELP}\n\n${EXIT_HELP}`,
    );
}

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new Exit(1, `cannot read ${file}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
}

/** `records`: evidence records by participant, batch, or type and dates; every page (or --limit). */
function registerRecords(parent: Command, role: 'operator' | 'evaluator'): void {
  const participant =
    role === 'operator'
      ? 'a participant: your reference (pseudonymised by the API) or the pseudonym p-…'
      : 'a participant: the pseudonym p-… (only the operator may look up by reference)';
  const cmd = parent
    .command('records')
    .description('evidence records, newest knowledge only: one participant, one batch, or one type in a date range')
    .requiredOption('--contract <id>', 'contract id')
    .option('--participant <ref>', participant)
    .option('--batch <batchId>', 'a batch, in record order')
    .option('--type <type>', 'a record type (e.g. employment-started), optionally with --from/--to')
    .option('--from <YYYY-MM-DD>', 'first date (with --type)')
    .option('--to <YYYY-MM-DD>', 'last date (with --type)')
    .option('--limit <n>', 'at most this many records (default: every page)', sizeArg);
  examples(connection(cmd, 'print {contract, records: [{batchId, index, record}]} as JSON'), [
    role === 'operator'
      ? 'sib operator records --contract second-chance-kamchatka --participant SC-000042'
      : 'sib evaluator records --contract second-chance-kamchatka --participant p-0123456789abcdef0123456789abcdef',
    `sib ${role} records --contract second-chance-kamchatka --batch sc-cohort-2023-1 --json`,
    `sib ${role} records --contract second-chance-kamchatka --type employment-started --from 2024-01-01 --to 2024-12-31`,
  ]).action(
    action(
      async (
        _ctx,
        opts: ConnectionOptions & {
          contract: string;
          participant?: string;
          batch?: string;
          type?: string;
          from?: string;
          to?: string;
          limit?: number;
        },
      ) => {
        const chosen = [opts.participant, opts.batch, opts.type].filter((x) => x !== undefined).length;
        if (chosen !== 1) throw usage('give exactly one of --participant, --batch, --type');
        if ((opts.from !== undefined || opts.to !== undefined) && opts.type === undefined) {
          throw usage('--from and --to narrow a --type query');
        }
        for (const [flag, value] of [
          ['--from', opts.from],
          ['--to', opts.to],
        ] as const) {
          if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value))
            throw usage(`${flag} must be a date YYYY-MM-DD`);
        }
        const api = connect(role, opts);
        const records: QueriedRecords['records'] = [];
        let cursor: string | undefined;
        do {
          const left = opts.limit === undefined ? undefined : opts.limit - records.length;
          const page = (
            await api.call<QueriedRecords>('queryRecords', {
              params: { contract: opts.contract },
              query: {
                participant: opts.participant,
                batch: opts.batch,
                type: opts.type,
                from: opts.from,
                to: opts.to,
                limit: left === undefined ? undefined : Math.min(left, 1000),
                cursor,
              },
            })
          ).body;
          records.push(...page.records);
          cursor = page.next;
        } while (cursor !== undefined && (opts.limit === undefined || records.length < opts.limit));
        if (opts.json) {
          printJson({ contract: opts.contract, records });
          return;
        }
        say(
          `${table(
            ['date', 'type', 'eventId', 'participant', 'batch', 'details'],
            records.map(({ record, batchId, index }) => [
              String(record.date ?? ''),
              String(record.type ?? ''),
              String(record.eventId ?? ''),
              String(record.participant ?? ''),
              `${batchId}#${index}`,
              details(record),
            ]),
          )}\n${records.length} record${records.length === 1 ? '' : 's'}`,
        );
      },
      role,
    ),
  );
}

// ---- operator

function registerOperator(program: Command): void {
  const operator = group(
    program,
    'operator',
    "the operator's evidence: submit and upload batches, their status, records",
  );

  const submit = operator
    .command('submit')
    .description('submit an evidence batch (JSON or CSV) to the API: all or nothing, every problem listed')
    .requiredOption('--contract <id>', 'contract id')
    .argument('<file>', 'a JSON batch {"batchId", "records": [...]} or a CSV file (docs/evidence.md)')
    .option('--batch-id <id>', 'the batch id (required for CSV; for JSON it may stand in the file)')
    .option('--format <format>', 'json or csv (default: from the file name)');
  examples(
    connection(submit, 'print the receipt, or the problem document (RFC 9457), as JSON'),
    [
      'sib operator submit --contract second-chance-kamchatka batch-2024-05.json',
      'sib operator submit --contract antares-vko-2017 --batch-id 2017-09-a services.csv',
      'sib operator submit --contract second-chance-kamchatka batch.json --api https://api.example.org --token "$SIB_TOKEN"',
    ],
    'Submitting the same batch again answers the original receipt (Already accepted). Batches larger than the API\ntakes: sib operator upload.',
  ).action(
    action(
      async (ctx, file: string, opts: ConnectionOptions & { contract: string; batchId?: string; format?: string }) => {
        const format = (opts.format ?? (extname(file).toLowerCase() === '.csv' ? 'csv' : 'json')).toLowerCase();
        if (format !== 'csv' && format !== 'json') throw usage(`--format must be json or csv, not ${format}`);
        if (format === 'csv' && opts.batchId === undefined)
          throw usage('give the batch id of a CSV batch with --batch-id');
        ctx.unit = format === 'csv' ? 'line' : 'record';
        const body = (await readInput(file)).toString('utf8');
        const api = connect('operator', opts);
        const answer = await api
          .call<BatchReceipt>('submitBatch', {
            params: { contract: opts.contract },
            query: { batchId: opts.batchId },
            body,
            contentType: format === 'csv' ? 'text/csv' : 'application/json',
          })
          .catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 413 && !opts.json) {
              const large = error.problem.detail || 'the batch is too large for the API';
              throw new Exit(
                1,
                format === 'csv'
                  ? `${large}: upload it instead (sib operator upload --contract ${opts.contract} --batch-id ${opts.batchId} ${file})`
                  : `${large}: split it, or write it as CSV and upload it (sib operator upload)`,
              );
            }
            throw error;
          });
        if (opts.json) printJson(answer.body);
        else say(accepted(answer.body));
      },
      'operator',
    ),
  );

  const batch = operator
    .command('batch')
    .description("a batch's status: its receipt once appended; for an upload, pending or its problems")
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--batch <batchId>', 'the batch id');
  examples(connection(batch, 'print the receipt (or the upload status) as JSON'), [
    'sib operator batch --contract second-chance-kamchatka --batch sc-cohort-2023-1',
  ]).action(
    action(async (ctx, opts: ConnectionOptions & { contract: string; batch: string }) => {
      const api = connect('operator', opts);
      const params = { contract: opts.contract, batchId: opts.batch };
      let receipt: BatchReceipt;
      try {
        receipt = (await api.call<BatchReceipt>('getBatch', { params })).body;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        // Not appended: perhaps an upload, still being ingested or rejected.
        const upload = await api.call<UploadStatus>('getUpload', { params }).catch((again: unknown) => {
          if (again instanceof ApiError && again.status === 404) {
            throw new Exit(
              1,
              `batch ${opts.batch} is not in the log of ${opts.contract}, nor an upload being ingested`,
            );
          }
          throw again;
        });
        ctx.unit = 'line';
        printUpload(upload.body, opts.contract, opts.json === true);
        return;
      }
      if (opts.json) printJson(receipt);
      else
        say(
          renderBatchReceipt(
            receipt,
            `Batch ${receipt.batchId} of ${receipt.contract}: ${receipt.recordCount} records, appended`,
          ),
        );
    }, 'operator'),
  );

  const upload = operator
    .command('upload')
    .description(
      'upload a large CSV batch: a presigned upload, the file sent with a progress bar, then wait until it is accepted or rejected',
    )
    .requiredOption('--contract <id>', 'contract id')
    .argument('<file.csv>', 'the CSV batch (docs/evidence.md)')
    .option('--batch-id <id>', "the batch id (default: the file's name without .csv)")
    .option('--wait <seconds>', 'how long to wait for the ingest', secondsArg, 900)
    .option('--no-wait', 'return once the file is uploaded (then: sib operator batch)');
  examples(
    connection(upload, 'print the final status (accepted with its receipt, or rejected with its problems) as JSON'),
    [
      'sib operator upload --contract second-chance-kamchatka cohort-2024.csv',
      'sib operator upload --contract antares-vko-2017 --batch-id 2017-09-a services.csv --no-wait',
    ],
  ).action(
    action(
      async (
        ctx,
        file: string,
        opts: ConnectionOptions & { contract: string; batchId?: string; wait: number | false },
      ) => {
        if (extname(file).toLowerCase() === '.json') {
          throw usage('uploads take CSV files: submit a JSON batch with sib operator submit');
        }
        const batchId = opts.batchId ?? basename(file).replace(/\.csv$/i, '');
        let size: number;
        try {
          size = (await stat(file)).size;
        } catch (error) {
          throw new Exit(
            1,
            `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
        if (size === 0) throw new Exit(1, `${file} is empty`);
        const api = connect('operator', opts);
        ctx.unit = 'option';
        const presigned = (
          await api.call<{ url: string; key: string; expiresIn: number; headers: Record<string, string> }>(
            'presignUpload',
            { params: { contract: opts.contract }, body: { batchId, contentType: 'text/csv', contentLength: size } },
          )
        ).body;
        const bar = progressBar('uploading');
        let put: { status: number; text: string };
        try {
          put = await putFile(presigned.url, presigned.headers, file, size, (sent) => bar.update(sent, size));
        } finally {
          bar.done();
        }
        if (put.status < 200 || put.status >= 300) {
          const code = /<Code>([^<]+)<\/Code>/.exec(put.text)?.[1];
          throw new Exit(1, `the upload of ${file} failed: HTTP ${put.status}${code ? ` ${code}` : ''}`);
        }
        if (!opts.json)
          process.stderr.write(`uploaded ${file} (${size.toLocaleString('en')} bytes) as batch ${batchId}\n`);
        if (opts.wait === false) {
          if (opts.json) printJson({ status: 'pending', batchId });
          else
            say(
              `Batch ${batchId} is being ingested: sib operator batch --contract ${opts.contract} --batch ${batchId}`,
            );
          return;
        }
        const status = await waitForUpload(api, opts.contract, batchId, opts.wait);
        ctx.unit = 'line';
        printUpload(status, opts.contract, opts.json === true);
      },
      'operator',
    ),
  );

  registerRecords(operator, 'operator');
}

async function waitForUpload(api: Api, contract: string, batchId: string, seconds: number): Promise<UploadStatus> {
  const spin = spinner(`ingesting batch ${batchId}`);
  const deadline = Date.now() + seconds * 1000;
  let delay = 250;
  try {
    for (;;) {
      const status = (await api.call<UploadStatus>('getUpload', { params: { contract, batchId } })).body;
      if (status.status !== 'pending') return status;
      if (Date.now() >= deadline) {
        throw new Exit(
          1,
          `batch ${batchId} is still being ingested after ${seconds} s: see sib operator batch --contract ${contract} --batch ${batchId}`,
        );
      }
      await sleep(delay);
      delay = Math.min(2000, delay * 2);
    }
  } finally {
    spin.stop();
  }
}

/** An upload's status: pending (exit 0), accepted (its receipt), rejected (its problems, exit 1). */
function printUpload(status: UploadStatus, contract: string, json: boolean): void {
  if (status.status === 'rejected') process.exitCode = 1;
  if (json) {
    printJson(status);
    return;
  }
  if (status.status === 'pending') {
    say(
      `Batch ${status.batchId} of ${contract}: uploaded${status.uploadedAt ? ` at ${status.uploadedAt}` : ''}, being ingested`,
    );
  } else if (status.status === 'accepted') {
    say(accepted(status.receipt));
  } else {
    process.stderr.write(
      `error: ${status.detail || status.title}${status.problems.length > 0 ? `\n\n${problemTable(status.problems, 'line')}` : ''}\n`,
    );
  }
}

// ---- ministry

interface StepOptions extends ConnectionOptions {
  contract: string;
  payment: string;
}

function paymentTarget(cmd: Command): Command {
  return cmd
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--payment <id>', 'the payment: the seq of its evaluation entry, <seq> or <contract>/<seq>');
}

/** Takes a payment step through the API and prints its receipt. */
async function paymentStep(
  role: ApiRole,
  route: string,
  opts: StepOptions,
  body?: unknown,
): Promise<{ api: Api; answer: unknown }> {
  const payment = paymentOf(opts.contract, opts.payment);
  const api = connect(role, opts);
  const answer = (
    await api.call<unknown>(route, {
      params: { contract: opts.contract, payment },
      ...(body === undefined ? {} : { body }),
    })
  ).body;
  if (opts.json) printJson(answer);
  else if (route !== 'approvePayment') say(renderStep(answer as StepReceipt, api.actor));
  return { api, answer };
}

const SEPARATION =
  "Separation of duties: each step of a payment is taken by another subject (the token's). Act as another\nsubject with sib login --as <role> --subject <sub> --contract <id>, or --token.";

function registerMinistry(program: Command): void {
  const ministry = group(
    program,
    'ministry',
    'the ministry (commissioner): register contracts, see payments, approve or reject them, record them as paid',
  );

  const reg = ministry
    .command('register')
    .description('register a contract spec, or an amendment (its next version), in the log')
    .option('--contract <id>', 'register contracts/<id>.json')
    .option('--file <spec.json>', 'register this spec file');
  examples(
    connection(reg, 'print the receipt as JSON'),
    ['sib ministry register --contract second-chance-kamchatka', 'sib ministry register --file amendment-v2.json'],
    'Registering the same version with the same terms again is harmless; other terms under a registered version are refused.',
  ).action(
    action(async (_ctx, opts: ConnectionOptions & { contract?: string; file?: string }) => {
      if ((opts.contract === undefined) === (opts.file === undefined)) {
        throw usage('give either --contract <id> or --file <spec.json>');
      }
      const spec = await readSpecFile(opts).catch((error: unknown) => {
        throw new Exit(1, (error as Error).message);
      });
      const api = connect('ministry', opts);
      const r = (
        await api.call<{
          contract: string;
          version: number;
          specHash: string;
          seq: number;
          entryHash: string;
          replayed: boolean;
        }>('registerContract', { body: spec })
      ).body;
      if (opts.json) {
        printJson(r);
        return;
      }
      say(
        `${r.replayed ? 'Already registered' : 'Registered'}: ${r.contract} version ${r.version}\n` +
          `  spec hash      ${r.specHash}\n  ledger entry   seq ${r.seq} (${r.entryHash})`,
      );
    }, 'ministry'),
  );

  const payments = ministry
    .command('payments')
    .description(
      'every payment of a contract with its state and last step; with --payment, one payment and its history',
    )
    .requiredOption('--contract <id>', 'contract id')
    .option('--payment <id>', 'one payment: <seq> or <contract>/<seq>');
  examples(connection(payments, 'print the payments (or the payment) with their full history as JSON'), [
    'sib ministry payments --contract second-chance-kamchatka',
    'sib ministry payments --contract second-chance-kamchatka --payment 13',
  ]).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string; payment?: string }) => {
      const payment = opts.payment === undefined ? undefined : paymentOf(opts.contract, opts.payment);
      const api = connect('ministry', opts);
      if (payment !== undefined) {
        const p = (await api.call<PaymentStatus>('getPayment', { params: { contract: opts.contract, payment } })).body;
        if (opts.json) printJson(p);
        else say(renderShow(opts.contract, p));
        return;
      }
      const list = (
        await api.call<{ contract: string; payments: PaymentStatus[] }>('listPayments', {
          params: { contract: opts.contract },
        })
      ).body;
      if (opts.json) printJson(list);
      else say(renderList(opts.contract, list.payments));
    }, 'ministry'),
  );

  const approve = paymentTarget(ministry.command('approve'))
    .description('approve an attested payment; its audit report is issued with the approval')
    .option('--lang <lang>', 'language of the report PDF: ru or en', langArg, 'ru' as ReportLang);
  examples(
    connection(approve, 'print {receipt, report} as JSON'),
    [
      'sib ministry approve --contract second-chance-kamchatka --payment 13',
      'sib ministry approve --contract second-chance-kamchatka --payment 13 --lang en',
    ],
    `${SEPARATION}\nShould the report not be issued, the approval stands: issue it with sib ministry issue-report (exit 1).`,
  ).action(
    action(async (_ctx, opts: StepOptions & { lang: ReportLang }) => {
      const { api, answer } = await paymentStep('ministry', 'approvePayment', opts, { lang: opts.lang });
      const { receipt, report } = answer as { receipt: StepReceipt; report: ApprovalReport };
      if (!opts.json) {
        say(renderStep(receipt, api.actor));
        if (report.issued) say(renderIssued(report));
      }
      if (!report.issued) {
        process.exitCode = 1;
        process.stderr.write(
          `error: payment ${receipt.contract}/${receipt.payment} is approved, but its audit report was not issued: ${report.problem.detail} (issue it with: sib ministry issue-report --contract ${receipt.contract} --payment ${receipt.payment})\n`,
        );
      }
    }, 'ministry'),
  );

  const reject = paymentTarget(ministry.command('reject'))
    .description('reject an attested payment, saying why; the period may then be recalculated')
    .requiredOption('--reason <text>', 'why (no personal data: no names, no ID numbers)');
  examples(connection(reject, 'print the receipt as JSON'), [
    'sib ministry reject --contract second-chance-kamchatka --payment 13 --reason "employment records for March are missing"',
  ]).action(
    action(async (_ctx, opts: StepOptions & { reason: string }) => {
      await paymentStep('ministry', 'rejectPayment', opts, { reason: opts.reason });
    }, 'ministry'),
  );

  const paid = paymentTarget(ministry.command('mark-paid'))
    .description('record that an approved payment was paid: the payment order and the day')
    .requiredOption('--order <number>', "the payment order's number")
    .requiredOption('--date <YYYY-MM-DD>', 'the day the money was paid');
  examples(
    connection(paid, 'print the receipt as JSON'),
    [
      'sib ministry mark-paid --contract second-chance-kamchatka --payment 13 --order PP-2025-000013 --date 2025-03-31 --token "$TREASURY_TOKEN"',
    ],
    SEPARATION,
  ).action(
    action(async (_ctx, opts: StepOptions & { order: string; date: string }) => {
      await paymentStep('ministry', 'markPaid', opts, { paymentOrder: opts.order, paidOn: opts.date });
    }, 'ministry'),
  );

  const issue = paymentTarget(ministry.command('issue-report'))
    .description('issue the signed audit report of a payment (any evaluation) at the current checkpoint: JSON and PDF')
    .option('--lang <lang>', 'language of the PDF: ru or en', langArg, 'ru' as ReportLang);
  examples(connection(issue, 'print where the report is stored as JSON'), [
    'sib ministry issue-report --contract second-chance-kamchatka --payment 13 --lang en',
  ]).action(
    action(async (_ctx, opts: StepOptions & { lang: ReportLang }) => {
      const payment = paymentOf(opts.contract, opts.payment);
      const api = connect('ministry', opts);
      const r = (
        await api.call<IssuedReport>('issueReport', {
          params: { contract: opts.contract },
          body: { payment, lang: opts.lang },
        })
      ).body;
      if (opts.json) printJson(r);
      else say(renderIssued(r));
    }, 'ministry'),
  );
}

// ---- evaluator

function registerEvaluator(program: Command): void {
  const evaluator = group(
    program,
    'evaluator',
    'the independent evaluator: evaluate periods, attest payments, publish comparison figures, cosign checkpoints',
  );

  const evaluate = evaluator
    .command('evaluate')
    .description(
      'evaluate a period at a checkpoint: outcomes vs targets, comparisons, triggers and payment lines; the result is stored and recorded (a payment, calculated)',
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--period <id>', 'a measurement period of the contract')
    .option('--checkpoint <size>', 'evaluate the log as it was at this tree size (default: its current size)', sizeArg);
  examples(
    connection(
      evaluate,
      'print {sha256, key, entry, result} as JSON (the result with the pseudonyms behind each outcome)',
    ),
    [
      'sib evaluator evaluate --contract second-chance-kamchatka --period y1',
      'sib evaluator evaluate --contract peterborough --period cohort-1-result --checkpoint 12 --json',
    ],
    "The same period at the same checkpoint gives the same result (and the same entry). The payment is the\nentry's seq; another evaluator subject attests it (sib evaluator attest).",
  ).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string; period: string; checkpoint?: number }) => {
      const api = connect('evaluator', opts);
      const spin = spinner(`evaluating ${opts.contract} period ${opts.period}`);
      let run: EvaluationRun;
      try {
        run = (
          await api.call<EvaluationRun>('evaluate', {
            params: { contract: opts.contract },
            body: { period: opts.period, ...(opts.checkpoint === undefined ? {} : { checkpoint: opts.checkpoint }) },
          })
        ).body;
      } finally {
        spin.stop();
      }
      if (opts.json) {
        printJson(run);
        return;
      }
      say(renderEvaluation(run.result, { key: run.key, sha256: run.sha256, seq: run.entry.seq }));
      if (run.entry.replayed) say('  (already recorded: the same evaluation at this checkpoint)');
      say(
        `\nPayment ${opts.contract}/${run.entry.seq}: attest it with sib evaluator attest --contract ${opts.contract} --payment ${run.entry.seq} (as another evaluator subject)`,
      );
    }, 'evaluator'),
  );

  const attest = paymentTarget(evaluator.command('attest')).description('attest a calculated payment');
  examples(
    connection(attest, 'print the receipt as JSON'),
    ['sib evaluator attest --contract second-chance-kamchatka --payment 13'],
    SEPARATION,
  ).action(
    action(async (_ctx, opts: StepOptions) => {
      await paymentStep('evaluator', 'attestPayment', opts);
    }, 'evaluator'),
  );

  const comparison = evaluator
    .command('publish-comparison')
    .description('publish a comparison-group figure, which evaluations then compare the treatment group against')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--comparison <id>', "the contract's comparison id")
    .requiredOption('--group <group>', 'the group the figure is of')
    .requiredOption('--value <decimal>', 'the figure: a non-negative decimal (a rate as 0.31)')
    .option('--denominator <n>', 'how many people the figure is over', seqArg)
    .option('--period <id>', 'the period the figure is for')
    .option('--note <text>', 'where the figure comes from (at most 500 characters)');
  examples(connection(comparison, 'print the receipt as JSON'), [
    'sib evaluator publish-comparison --contract peterborough --comparison reconviction --group cohort-1 --value 0.31 --denominator 1000',
  ]).action(
    action(
      async (
        _ctx,
        opts: ConnectionOptions & {
          contract: string;
          comparison: string;
          group: string;
          value: string;
          denominator?: number;
          period?: string;
          note?: string;
        },
      ) => {
        const api = connect('evaluator', opts);
        const r = (
          await api.call<{ contract: string; seq: number; entryHash: string; replayed: boolean }>('publishComparison', {
            params: { contract: opts.contract },
            body: {
              comparison: opts.comparison,
              group: opts.group,
              value: opts.value,
              ...(opts.denominator === undefined ? {} : { denominator: opts.denominator }),
              ...(opts.period === undefined ? {} : { period: opts.period }),
              ...(opts.note === undefined ? {} : { note: opts.note }),
            },
          })
        ).body;
        if (opts.json) printJson(r);
        else {
          say(
            `${r.replayed ? 'Already published' : 'Published'}: comparison ${opts.comparison}, group ${opts.group}, value ${opts.value}\n  ledger entry   seq ${r.seq} (${r.entryHash})`,
          );
        }
      },
      'evaluator',
    ),
  );

  const cosign = evaluator
    .command('cosign')
    .description("cosign the contract log's latest checkpoint as a witness, with the witness's own key")
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--key <file>', "the witness's Ed25519 private key (PEM, from sib keys witness)")
    .option('--name <name>', 'witness name, for a key file without a Witness-Name line')
    .option(
      '--log-key <verifier-key>',
      "the log's verifier key, checked before cosigning (default: the local log key; required for a deployed API)",
    );
  examples(
    connection(cosign, 'print {contract, size, witnessKey, added, note} as JSON'),
    [
      'sib keys witness --name evaluator.example/witness --file evaluator.pem',
      'sib evaluator cosign --contract second-chance-kamchatka --key evaluator.pem',
    ],
    "Prints the cosigned checkpoint (every signature line). Cosigning twice adds nothing. A note the log's key did\nnot sign is refused before anything is sent.",
  ).action(
    action(
      async (_ctx, opts: ConnectionOptions & { contract: string; key: string; name?: string; logKey?: string }) => {
        const witness = await openWitnessKey(opts.key, opts.name).catch((error: unknown) => {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') throw new Exit(1, `cannot read ${opts.key}: no such file`);
          throw error;
        });
        const api = connect('evaluator', opts);
        if (opts.logKey === undefined && !api.local) {
          throw usage(`give --log-key <name+id+key>: the log's verifier key of ${api.url}`);
        }
        const [logKey] = await trustedKeys(opts.logKey === undefined ? [] : [opts.logKey]).catch(() => {
          throw usage(
            "no local log key: give --log-key <name+id+key> (the log's key, from sib keys show where it runs)",
          );
        });
        const params = { contract: opts.contract };
        const checkpoint = (await api.call<{ note: string; size: number }>('getCheckpoint', { params })).body;
        const note = await cosignNote(checkpoint.note, logKey as string, witness.signer).catch((error: unknown) => {
          throw new Exit(1, `not cosigned: ${(error as Error).message}`);
        });
        const r = (
          await api.call<{ contract: string; size: number; witnessKey: string; added: boolean; note: string }>(
            'cosignCheckpoint',
            { params, body: { note, witnessKey: witness.verifierKey } },
          )
        ).body;
        if (opts.json) {
          printJson(r);
          return;
        }
        process.stdout.write(r.note);
        process.stderr.write(
          `${r.added ? 'cosigned' : 'already cosigned'} checkpoint size ${r.size} of ${opts.contract} by witness ${r.witnessKey}\n`,
        );
      },
      'evaluator',
    ),
  );

  registerRecords(evaluator, 'evaluator');

  const evaluation = evaluator
    .command('evaluation')
    .description('a recorded evaluation: who recorded it and when, and its full result')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--seq <n>', 'the seq of its evaluation entry (the payment id)', seqArg);
  examples(connection(evaluation, 'print the recorded evaluation (with the pseudonyms behind each outcome) as JSON'), [
    'sib evaluator evaluation --contract second-chance-kamchatka --seq 13',
  ]).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string; seq: number }) => {
      const api = connect('evaluator', opts);
      const r = (
        await api.call<RecordedEvaluation>('getEvaluation', { params: { contract: opts.contract, seq: opts.seq } })
      ).body;
      if (opts.json) {
        printJson(r);
        return;
      }
      say(
        `Evaluation entry seq ${r.seq} of ${r.contract}: period ${r.period}, recorded by ${r.recordedBy.sub} (${r.recordedBy.role}) at ${r.recordedAt}\n`,
      );
      say(renderEvaluation(r.result, { key: r.key, sha256: r.sha256, seq: r.seq }));
    }, 'evaluator'),
  );
}

// ---- investor

function registerInvestor(program: Command): void {
  const investor = group(
    program,
    'investor',
    "the investor: audit reports (list, download, verify offline), the log's checkpoint and its export",
  );

  const reports = investor
    .command('reports')
    .description("the contract's signed audit reports")
    .requiredOption('--contract <id>', 'contract id');
  examples(connection(reports, 'print {contract, reports} as JSON'), [
    'sib investor reports --contract second-chance-kamchatka',
  ]).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string }) => {
      const api = connect('investor', opts);
      const list = (
        await api.call<{ contract: string; reports: StoredReport[] }>('listReports', {
          params: { contract: opts.contract },
        })
      ).body;
      if (opts.json) {
        printJson(list);
        return;
      }
      if (list.reports.length === 0) {
        say(`no reports of ${opts.contract}`);
        return;
      }
      say(
        table(
          ['report', 'period', 'payment', 'checkpoint', 'PDF'],
          list.reports.map((r) => [
            r.sha256.slice(0, 12),
            r.period,
            r.payment,
            r.size,
            Object.keys(r.pdfKeys).join(', '),
          ]),
        ),
      );
    }, 'investor'),
  );

  const dl = investor
    .command('download')
    .description(
      "download an audit report (JSON and its PDFs) through short-lived presigned URLs, checking the JSON's SHA-256 against the report id",
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--report <id>', 'the report id: its SHA-256, or 8+ hex digits of it (sib investor reports)')
    .option('-o, --out <dir>', 'where to write the files', '.');
  examples(
    connection(dl, 'print {report, files} as JSON'),
    ['sib investor download --contract second-chance-kamchatka --report d409286baec7 -o reports/'],
    'Then: sib investor verify <file>.json',
  ).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string; report: string; out: string }) => {
      const id = opts.report.toLowerCase();
      if (!/^[0-9a-f]{8,64}$/.test(id))
        throw usage('--report must be the SHA-256 of the report, or 8+ hex digits of it');
      const api = connect('investor', opts);
      const links = (
        await api.call<{ report: StoredReport; json: Link; pdf: Partial<Record<ReportLang, Link>> }>('downloadReport', {
          params: { contract: opts.contract, report: id },
        })
      ).body;
      const { report } = links;
      if (!report.sha256.startsWith(id)) {
        throw new Exit(1, `the API answered report ${report.sha256}, not ${opts.report}: nothing written`);
      }
      const json = await download(links.json.url, `report ${report.sha256.slice(0, 12)} (JSON)`);
      if (toHex(sha256(json)) !== report.sha256) {
        throw new Exit(1, `the downloaded report does not hash to its id ${report.sha256}: nothing written`);
      }
      const files: [string, Uint8Array][] = [
        [safeFileName(links.json.fileName, `report-${report.sha256.slice(0, 12)}.json`), json],
      ];
      for (const [lang, link] of Object.entries(links.pdf)) {
        if (link === undefined) continue;
        const bytes = await download(link.url, `report ${report.sha256.slice(0, 12)} (PDF, ${lang})`);
        files.push([safeFileName(link.fileName, `report-${report.sha256.slice(0, 12)}.${lang}.pdf`), bytes]);
      }
      await mkdir(opts.out, { recursive: true });
      const written: string[] = [];
      for (const [name, bytes] of files) {
        const file = join(opts.out, name);
        await writeFile(file, bytes);
        written.push(file);
      }
      if (opts.json) {
        printJson({ report, files: written });
        return;
      }
      say(
        `${written.map((f) => `wrote ${f}`).join('\n')}\n  SHA-256 of the JSON checked: ${report.sha256}\nverify it: sib investor verify ${written[0]}`,
      );
    }, 'investor'),
  );

  investor
    .command('verify')
    .description(
      'verify an audit report offline (no API): every signature, the checkpoint, every inclusion proof, and every amount recomputed',
    )
    .argument('<report.json>', 'the report file, as downloaded')
    .option(
      '--key <verifier-key>',
      "a trusted verifier key name+id+base64: the log's, and any witness's (repeatable; default: the local log key)",
      collect,
      [],
    )
    .option('--verbose', 'print a table of every check')
    .option('--json', 'print the result (every check) as JSON')
    .addHelpText(
      'after',
      `\nExamples:\n  $ sib investor verify report.json\n  $ sib investor verify report.json --key "sib-ledger.local+1a2b3c4d+AX..." --key "evaluator+5e6f7a8b+AY..."\n\nExit status: 0 every check holds, 1 a check fails (each failed check is named) or the file cannot be read,\n2 usage error.`,
    )
    .action(
      action(async (_ctx, file: string, opts: { key: string[]; json?: boolean; verbose?: boolean }) => {
        const keys = await trustedKeys(opts.key).catch((error: unknown) => {
          throw usage((error as Error).message);
        });
        const bytes = new Uint8Array(await readInput(file));
        printVerification(verifyReport(bytes, keys), { json: opts.json === true, verbose: opts.verbose === true });
      }),
    );

  const checkpoint = investor
    .command('checkpoint')
    .description("the contract log's latest signed checkpoint (C2SP signed note, with any witness cosignatures)")
    .requiredOption('--contract <id>', 'contract id');
  examples(
    connection(checkpoint, 'print {contract, origin, size, root, note} as JSON'),
    [
      'sib investor checkpoint --contract second-chance-kamchatka > checkpoint.txt',
      'sib ledger verify --contract second-chance-kamchatka --checkpoint checkpoint.txt',
    ],
    'Prints the signed note as it is: keep it, and later check that the log still holds exactly its tree.',
  ).action(
    action(async (_ctx, opts: ConnectionOptions & { contract: string }) => {
      const api = connect('investor', opts);
      const cp = (
        await api.call<{ contract: string; origin: string; size: number; root: string; note: string }>(
          'getCheckpoint',
          { params: { contract: opts.contract } },
        )
      ).body;
      if (opts.json) printJson(cp);
      else process.stdout.write(cp.note.endsWith('\n') ? cp.note : `${cp.note}\n`);
    }, 'investor'),
  );

  const exp = investor
    .command('export')
    .description('the log as JSON Lines (each entry, then the signed checkpoint); with --verify, verified offline')
    .requiredOption('--contract <id>', 'contract id')
    .option('-o, --output <file>', 'write to this file (default: standard output)')
    .option(
      '--verify',
      'verify the export offline: entry hashes, the chain, the Merkle tree and the checkpoint signature',
    )
    .option(
      '--key <verifier-key>',
      "with --verify: the log's verifier key (repeatable; default: the local log key; required for a deployed API)",
      collect,
      [],
    );
  examples(
    connection(exp, 'with -o: print {file, entries, verification} as JSON'),
    [
      'sib investor export --contract second-chance-kamchatka -o log.jsonl --verify',
      'sib investor export --contract second-chance-kamchatka -o log.jsonl --verify --key "sib-ledger.example+1a2b3c4d+AX..." --api https://api.example.org --token "$SIB_TOKEN"',
    ],
    'Without -o the export goes to standard output and the verification to standard error. A failed\nverification is exit 1 (the first failing seq is named). Later: sib ledger verify --file log.jsonl',
  ).action(
    action(
      async (
        _ctx,
        opts: ConnectionOptions & { contract: string; output?: string; verify?: boolean; key: string[] },
      ) => {
        if (opts.key.length > 0 && !opts.verify) throw usage('--key goes with --verify');
        const api = connect('investor', opts);
        if (opts.verify && opts.key.length === 0 && !api.local) {
          throw usage(`give --key <name+id+key> with --verify: the log's verifier key of ${api.url}`);
        }
        const keys = opts.verify
          ? await trustedKeys(opts.key).catch((error: unknown) => {
              throw usage((error as Error).message);
            })
          : [];
        const text = (await api.call<string>('exportLog', { params: { contract: opts.contract } })).text;
        const entries = text.split('\n').filter((l) => l !== '').length - 1;
        if (opts.output === undefined) process.stdout.write(text);
        else await writeFile(opts.output, text);
        const verification: VerifyResult | undefined = opts.verify
          ? await verifyExportBytes(new TextEncoder().encode(text), keys, { contract: opts.contract })
          : undefined;
        if (opts.output === undefined) {
          if (verification !== undefined) {
            process.stderr.write(`${verifiedLine(verification)}\n`);
            if (!verification.ok) process.exitCode = 1;
          }
          return;
        }
        if (opts.json) {
          printJson({ file: opts.output, entries, ...(verification === undefined ? {} : { verification }) });
          if (verification?.ok === false) process.exitCode = 1;
          return;
        }
        process.stderr.write(`wrote ${entries} entries and the checkpoint to ${opts.output}\n`);
        if (verification !== undefined) printVerify(verification, false);
      },
      'investor',
    ),
  );
}

function verifiedLine(result: VerifyResult): string {
  if (result.ok) {
    const cp = result.checkpoint;
    return `OK: ${result.entries} entries of ${result.contract ?? '(no contract)'} verified${cp ? `; checkpoint ${cp.origin} size ${cp.size} signed by ${cp.signedBy.join(', ')}` : ''}`;
  }
  const seq = result.failure?.seq;
  return `FAILED${seq === undefined ? '' : ` at seq ${seq}`}: ${result.failure?.message ?? ''}`;
}
