/**
 * `sib trust show --contract C` through the local gateway: the policy the
 * deployment publishes (GET /contracts/{contract}/trust) as JSON on standard
 * output, every key with its fingerprint on standard error; saved to a file,
 * it is the `--trust` of `sib ledger verify`.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointOrigin, parseTrustPolicy, verifierKey } from '#ledger';
import { useRoleCli } from '../support/gateway.ts';
import { saveEnv } from '../support/http.ts';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const cli = useRoleCli();
const env = saveEnv(['SIB_WITNESS_KEYS', 'SIB_WITNESS_QUORUM', 'SIB_PARTY_KEYS']);
let contract = '';
const witness = memoryWitness('evaluator.example/witness');
const ministry = memorySigner('ministry-boris');

beforeAll(async () => {
  contract = cli.freshContract('trust');
  await cli.login('ministry', 'minlabour', [contract]);
  await cli.login('investor', 'investor-1', [contract]);
  const registered = await cli.run(['ministry', 'register', '--file', join(cli.contractsDir, `${contract}.json`)]);
  expect(registered.code, registered.stderr).toBe(0);
});
afterAll(() => env.restore());

describe('sib trust show', () => {
  it("prints the published policy as JSON and each key's fingerprint on standard error", async () => {
    // The gateway runs in this process: the deployment's settings are this process's environment.
    process.env.SIB_WITNESS_KEYS = witness.key;
    process.env.SIB_WITNESS_QUORUM = '1';
    process.env.SIB_PARTY_KEYS = JSON.stringify({ ministry: [ministry.key] });

    const run = await cli.run(['trust', 'show', '--contract', contract]);

    expect(run.code, run.stderr).toBe(0);
    const policy = parseTrustPolicy(run.stdout);
    const logKey = verifierKey(`${cli.rt.signer.name}/${contract}`, await cli.rt.signer.publicKey());
    expect(policy.logs).toEqual([
      {
        contract,
        origin: checkpointOrigin(cli.rt.signer.name, contract),
        logKey,
        witnesses: { quorum: 1, keys: [witness.key] },
        parties: { analyst: [], evaluator: [], ministry: [ministry.key], treasury: [] },
      },
    ]);
    const fingerprint = (key: string) =>
      (createHash('sha256').update(key).digest('hex').match(/.{4}/g) as string[]).join(' ');
    expect(run.stderr).toContain(`trust policy of ${contract} (log ${checkpointOrigin(cli.rt.signer.name, contract)})`);
    expect(run.stderr).toContain('witnesses: a quorum of 1 of 1');
    for (const key of [logKey, witness.key, ministry.key]) {
      expect(run.stderr).toContain(`      ${key}\n      sha256 ${fingerprint(key)}\n`);
    }
  });

  it('saved to a file, it is the --trust of sib ledger verify (no witnesses configured: a quorum of 0)', async () => {
    delete process.env.SIB_WITNESS_KEYS;
    delete process.env.SIB_WITNESS_QUORUM;
    delete process.env.SIB_PARTY_KEYS;
    const shown = await cli.run(['trust', 'show', '--contract', contract]);
    expect(shown.code, shown.stderr).toBe(0);
    const file = join(cli.path, 'trust.json');
    await writeFile(file, shown.stdout);

    const verified = await cli.run(['ledger', 'verify', '--contract', contract, '--trust', file]);

    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(new RegExp(`^OK: 1 entries of ${contract} verified`));
  });

  it('a token of another contract is refused (exit 3); a bad --as is a usage error (exit 2)', async () => {
    const other = await cli.token('investor', 'investor-2', ['someone-else']);
    const refused = await cli.run(['trust', 'show', '--contract', contract, '--token', other]);
    expect(refused.code).toBe(3);
    const bad = await cli.run(['trust', 'show', '--contract', contract, '--as', 'auditor']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--as must be one of operator, ministry, investor, evaluator');
  });
});
