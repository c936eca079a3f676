/**
 * How the role commands reach the HTTP API: which API (--api, SIB_API_URL,
 * the local gateway's announced URL, the default port), which token
 * (--token, SIB_TOKEN, the file `sib login` wrote), and a client whose
 * network failures are exit 4. Also the options and help every role
 * command shares.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { API_FILE, DEFAULT_API_PORT } from '../../infra/local/gateway.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { type ApiAnswer, ApiClient, type CallOptions } from '../api-client.ts';
import { isLoopbackUrl } from '../commands/login.ts';
import { EXIT_HELP, Exit, usage } from '../errors.ts';
import { checkAgainstSeen } from './log-check.ts';

export const CONNECTION_HELP = [
  'Connection (every command that calls the API):',
  `  --api <url>     the API (default: SIB_API_URL, else the URL the local gateway wrote to <data dir>/${API_FILE},`,
  `                  else http://127.0.0.1:${DEFAULT_API_PORT})`,
  '  --token <jwt>   the bearer token (default: SIB_TOKEN, else <data dir>/tokens/<role>.jwt from `sib login`);',
  '                  required for an API that is not on this machine (tokens come from its Cognito user pool)',
  '  --json          print the answer as JSON (a refusal: its RFC 9457 problem document), not tables',
].join('\n');

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

export interface ConnectionOptions {
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

/** ECONNREFUSED and the like, from a failed fetch or request. */
export function reasonOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const own = error as { code?: string; message?: string };
  return cause?.code ?? own.code ?? cause?.message ?? own.message ?? String(error);
}

/** An API client acting as one role, whose network failures are exit status 4. */
export class Api {
  readonly url: string;
  readonly role: ApiRole;
  readonly local: boolean;
  readonly token: string;
  readonly #client: ApiClient;
  /** The contracts whose log was checked against the checkpoint remembered for it (log-check.ts). */
  readonly #checked = new Set<string>();

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

  /** Calls a route; the first call about a contract checks its log against the checkpoint remembered for it. */
  async call<T>(id: string, options: CallOptions = {}): Promise<ApiAnswer<T>> {
    const contract = options.params?.contract;
    if (typeof contract === 'string' && !this.#checked.has(contract)) {
      this.#checked.add(contract);
      await checkAgainstSeen((route, opts) => this.#send(route, opts), contract, this.local);
    }
    return this.#send<T>(id, options);
  }

  async #send<T>(id: string, options: CallOptions): Promise<ApiAnswer<T>> {
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

/** The API and the token of `role`: --api, --token, SIB_TOKEN, or the token `sib login` saved. */
export function connect(role: ApiRole, opts: ConnectionOptions): Api {
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

/** Adds --api, --token and --json. */
export function connection(cmd: Command, jsonHelp = 'print the answer as JSON'): Command {
  return cmd
    .option('--api <url>', 'the API (default: SIB_API_URL, else the running local gateway)')
    .option('--token <jwt>', "the bearer token (default: SIB_TOKEN, else the role's token from sib login)")
    .option('--json', jsonHelp);
}

/** A command's examples and notes, then the exit statuses, after its --help. */
export function examples(cmd: Command, lines: readonly string[], notes = ''): Command {
  return cmd.addHelpText(
    'after',
    `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n${notes === '' ? '' : `\n${notes}\n`}\n${EXIT_HELP}`,
  );
}

/** A role's command group, whose --help says how its commands reach the API and their exit statuses. */
export function roleGroup(program: Command, role: ApiRole, description: string): Command {
  return program
    .command(role)
    .description(description)
    .addHelpText(
      'after',
      `\nEvery command acts through the HTTP API with ${role === 'ministry' ? 'a' : 'an'} ${role} token.\n\n${CONNECTION_HELP}\n\n${EXIT_HELP}`,
    );
}
