import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { issueToken, verifyToken } from '../../functions/adapters/local-token.ts';
import { lines, REPO, sib, useDataDir } from '../support/cli.ts';
import { enrol, freshContract } from '../support/http.ts';

describe('sib login', () => {
  const data = useDataDir({ withStack: false });

  it('issues a token, saves it with mode 0600 and prints it with an export hint', async () => {
    // Act
    const run = await sib(data.path, ['login', '--as', 'operator', '--contract', 'c-1', '--contract', 'c-2']);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    const file = join(data.path, 'tokens', 'operator.jwt');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(data.path, 'tokens'))).mode & 0o777).toBe(0o700);
    const token = (await readFile(file, 'utf8')).trim();
    expect(lines(run.stdout)).toContain(token);
    expect(run.stdout).toContain(`export SIB_TOKEN=$(cat ${file})`);
    expect(await verifyToken(data.path, token)).toMatchObject({
      sub: 'local-operator',
      'cognito:groups': ['operator'],
      'custom:contracts': 'c-1,c-2',
    });
  });

  it('prints JSON with --json, for any contract with *, and accepts loopback API URLs', async () => {
    // Act
    const runs = await Promise.all(
      ['http://127.0.0.1:8787', 'http://localhost:9000/', 'http://[::1]:8787'].map((api) =>
        sib(data.path, [
          'login',
          '--as',
          'ministry',
          '--contract',
          '*',
          '--subject',
          'minfin-1',
          '--json',
          '--api',
          api,
        ]),
      ),
    );

    // Assess
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(0);
      const document = JSON.parse(run.stdout);
      expect(document).toMatchObject({
        sub: 'minfin-1',
        role: 'ministry',
        contracts: '*',
        file: join(data.path, 'tokens', 'ministry.jwt'),
      });
      expect((await verifyToken(data.path, document.token))['custom:contracts']).toBe('*');
    }
  });

  it('refuses a non-local API in one line, with exit 1 and no token written', async () => {
    // Act
    const flag = await sib(data.path, [
      'login',
      '--as',
      'investor',
      '--contract',
      'c-1',
      '--api',
      'https://api.example.com',
    ]);
    const env = await sib(data.path, ['login', '--as', 'investor', '--contract', 'c-1'], undefined, {
      SIB_API_URL: 'http://127.0.0.1.example.com:8787',
    });

    // Assess
    for (const run of [flag, env]) {
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(lines(run.stderr)).toHaveLength(1);
      expect(run.stderr).toMatch(/^error: .* is not a local API: .*Cognito/);
    }
    expect(existsSync(join(data.path, 'tokens', 'investor.jwt'))).toBe(false);
  });

  it('refuses an unknown role as a usage error (exit 2)', async () => {
    // Act
    const run = await sib(data.path, ['login', '--as', 'system', '--contract', 'c-1']);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/one of operator, ministry, investor, evaluator/);
  });
});

describe('sib api serve', () => {
  const noStack = useDataDir({ withStack: false });
  const withStack = useDataDir({ withStack: true });

  it('says the local stack is not running, in one line', async () => {
    // Act
    const run = await sib(noStack.path, ['api', 'serve', '--port', '0']);

    // Assess
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      expect.stringMatching(/^error: The local stack is not running .*sib stack up$/),
    ]);
  });

  it('serves until SIGINT, then closes gracefully and exits 0', async () => {
    // Prepare: a contract of its own, and an operator's token for it.
    const contracts = join(withStack.path, 'contracts');
    const contract = freshContract(contracts, 'serve');
    const { token } = await issueToken({
      dataDir: withStack.path,
      sub: 'op-1',
      role: 'operator',
      contracts: [contract],
    });
    const env: NodeJS.ProcessEnv = { ...process.env, SIB_DATA_DIR: withStack.path, SIB_CONTRACTS_DIR: contracts };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, [join(REPO, 'cli/bin/sib.js'), 'api', 'serve', '--port', '0'], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    const deadline = Date.now() + 30_000;
    while (!/listening on (http:\/\/\S+)/.test(stdout) && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const url = /listening on (http:\/\/\S+)/.exec(stdout)?.[1];

    // Act
    const reply = url === undefined ? undefined : await fetch(`${url}/nope`);
    // A request a handler serves on the stack (its SDK clients must not keep the process alive).
    const submitted =
      url === undefined
        ? undefined
        : await fetch(`${url}/contracts/${contract}/batches`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ batchId: 'b-1', records: [enrol('e1', '4510 123456')] }),
          });
    child.kill('SIGINT');
    const code = await exited;

    // Assess
    expect(url, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(stdout).toContain(`OpenAPI: ${url}/openapi.json`);
    expect(reply?.status).toBe(404);
    expect(reply?.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(submitted?.status).toBeLessThan(500);
    expect(stderr).toMatch(/GET \/nope 404 \d+ ms/);
    expect(stdout).toContain('API stopped');
    expect(code).toBe(0);
  });
});
