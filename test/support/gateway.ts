/**
 * The role commands under test: a data dir wired to the shared test stack,
 * the local gateway started in the test process on it (its URL in <data
 * dir>/api.json, as `sib api serve` writes it), a fresh contract profile,
 * and `sib …` run as a process against them with tokens from `sib login`.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { issueToken } from '../../functions/adapters/local-token.ts';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { type Run, sib, useDataDir } from './cli.ts';
import { freshContract, saveEnv } from './http.ts';
import { testStack } from './stack.ts';

export interface RoleCli {
  /** The data dir (tokens, api.json, files the tests write). */
  readonly path: string;
  /** Where the contract profiles are (SIB_CONTRACTS_DIR). */
  readonly contractsDir: string;
  /** The runtime the gateway's handlers use (the test stack). */
  readonly rt: Runtime;
  /** `sib …` in the data dir: the API and tokens from there, never from the developer's environment. */
  run(args: string[], env?: Record<string, string>): Promise<Run>;
  /** A copy of the Second Chance profile under a fresh id. */
  freshContract(prefix: string): string;
  /** `sib login --as role --contract … --subject …`, expected to succeed. */
  login(role: ApiRole, subject: string, contracts: readonly string[]): Promise<void>;
  /** A token of another subject, for --token. */
  token(role: ApiRole, subject: string, contracts: readonly string[]): Promise<string>;
  /** The size of a contract's log. */
  logSize(contract: string): Promise<number>;
}

/** Sets up the gateway for the describe block (or file) it is called in. */
export function useRoleCli(): RoleCli {
  const data = useDataDir({ withStack: true });
  const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_METRICS_DISABLED']);
  let gateway: Gateway | undefined;
  let rt: Runtime | undefined;
  const contractsDir = () => join(data.path, 'contracts');
  const cli: RoleCli = {
    get path() {
      return data.path;
    },
    get contractsDir() {
      return contractsDir();
    },
    get rt() {
      if (rt === undefined) throw new Error('the gateway is not started');
      return rt;
    },
    run: (args, env = {}) =>
      sib(data.path, args, undefined, { SIB_CONTRACTS_DIR: contractsDir(), SIB_API_URL: '', SIB_TOKEN: '', ...env }),
    freshContract: (prefix) => freshContract(contractsDir(), prefix),
    async login(role, subject, contracts) {
      const result = await cli.run(['login', '--as', role, '--contract', contracts.join(','), '--subject', subject]);
      expect(result.code, result.stderr).toBe(0);
    },
    token: async (role, subject, contracts) =>
      (
        await issueToken({
          dataDir: data.path,
          sub: subject,
          role,
          contracts: contracts.length === 1 && contracts[0] === '*' ? '*' : [...contracts],
        })
      ).token,
    logSize: async (contract) => (await cli.rt.log.head(contract)).size,
  };
  beforeAll(async () => {
    process.env.SIB_DATA_DIR = data.path;
    process.env.SIB_CONTRACTS_DIR = contractsDir();
    // The handlers run in this process: keep their INFO logs and metrics out of the test output.
    process.env.POWERTOOLS_LOG_LEVEL = 'ERROR';
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    rt = await localRuntime(data.path, testStack());
    setRuntime(rt);
    gateway = await startGateway({ dataDir: data.path, port: 0 });
    await writeFile(join(data.path, 'api.json'), `${JSON.stringify({ url: gateway.url })}\n`);
  });
  afterAll(async () => {
    await gateway?.close();
    rt?.dynamo.destroy();
    rt?.s3.destroy();
    resetRuntime();
    saved.restore();
  });
  return cli;
}
