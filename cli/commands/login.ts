/**
 * sib login --as <role> --contract <id|*>: a development token for the local
 * gateway, signed with the local stack's token key (Cognito's stand-in),
 * saved to <data dir>/tokens/<role>.jwt (mode 0600) and printed. It refuses
 * to run against an API that is not on this machine: tokens for a deployed
 * API come from its Cognito user pool.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { API_ROLES, type ApiRole, issueToken } from '../../functions/adapters/local-token.ts';
import { DEFAULT_API_PORT } from '../../infra/local/gateway.ts';
import { dataDir } from '../../infra/local/stack.ts';
import { runAction } from '../errors.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/** Whether `url` is an http(s) URL of this machine (127.0.0.1, ::1 or localhost). */
export function isLoopbackUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && LOOPBACK_HOSTS.has(parsed.hostname);
}

function roleArg(value: string): ApiRole {
  if (!(API_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`one of ${API_ROLES.join(', ')}.`);
  }
  return value as ApiRole;
}

const collect = (value: string, previous: string[] | undefined) => [
  ...(previous ?? []),
  ...value.split(',').map((c) => c.trim()),
];

/** Writes `text` to `file` with mode 0600 (directory 0700), replacing it atomically. */
async function writePrivate(file: string, dir: string, text: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await chmod(tmp, 0o600); // whatever the umask
    await rename(tmp, file);
  } catch (error) {
    await unlink(tmp).catch(() => {});
    throw error;
  }
}

interface LoginOptions {
  as: ApiRole;
  contract: string[];
  subject?: string;
  api?: string;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('login')
    .description('issue a development token for the local gateway (tokens for a deployed API come from Cognito)')
    .requiredOption('--as <role>', `the role to act in: ${API_ROLES.join(', ')}`, roleArg)
    .requiredOption(
      '--contract <id|*>',
      'a contract the token may act on (repeatable or comma-separated; * for all)',
      collect,
    )
    .option('--subject <sub>', 'the token subject (default local-<role>)')
    .option('--api <url>', `the API the token is for (env SIB_API_URL; default http://127.0.0.1:${DEFAULT_API_PORT})`)
    .option('--json', 'print the token and its claims as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ sib login --as operator --contract second-chance-kamchatka',
        '  $ sib login --as ministry --contract "*" --subject minfin-1',
        '  $ export SIB_TOKEN=$(sib login --as investor --contract second-chance-kamchatka --json | jq -r .token)',
      ].join('\n'),
    )
    .action(
      runAction(async (opts: LoginOptions) => {
        const api = opts.api ?? process.env.SIB_API_URL;
        if (api !== undefined && api !== '' && !isLoopbackUrl(api)) {
          throw new Error(
            `${api} is not a local API: sib login issues development tokens for the local gateway only; get a token for a deployed API from its Cognito user pool`,
          );
        }
        const contracts = opts.contract.filter((c) => c !== '');
        const dir = dataDir();
        const issued = await issueToken({
          dataDir: dir,
          sub: opts.subject ?? `local-${opts.as}`,
          role: opts.as,
          contracts: contracts.includes('*') ? '*' : contracts,
        });
        const tokensDir = join(dir, 'tokens');
        const file = join(tokensDir, `${opts.as}.jwt`);
        await writePrivate(file, tokensDir, `${issued.token}\n`);
        const expiresAt = issued.expiresAt.toISOString();
        if (opts.json) {
          const { claims } = issued;
          const document = {
            token: issued.token,
            file,
            sub: claims.sub,
            role: opts.as,
            contracts: claims['custom:contracts'],
            expiresAt,
          };
          process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          `Development token for ${issued.claims.sub} as ${opts.as} on ${issued.claims['custom:contracts'] === '*' ? 'all contracts' : issued.claims['custom:contracts']}, valid until ${expiresAt}\n` +
            `Saved to ${file}\n\n${issued.token}\n\n` +
            `Use it:\n  export SIB_TOKEN=$(cat ${file})\n`,
        );
      }),
    );
}
