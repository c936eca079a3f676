/** Where the handlers find the contract profiles: the project, a Lambda bundle, or SIB_CONTRACTS_DIR. */
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { contractsDir } from '../../functions/shared/contracts.ts';
import { saveEnv } from '../support/http.ts';

const saved = saveEnv(['SIB_CONTRACTS_DIR', 'LAMBDA_TASK_ROOT']);
afterEach(() => saved.restore());

describe('contractsDir', () => {
  it('is contracts/ of the project outside Lambda', () => {
    delete process.env.SIB_CONTRACTS_DIR;
    delete process.env.LAMBDA_TASK_ROOT;
    expect(contractsDir()).toBe(resolve(import.meta.dirname, '..', '..', 'contracts'));
  });

  it('is contracts/ beside the bundle in Lambda (the construct copies the profiles there)', () => {
    delete process.env.SIB_CONTRACTS_DIR;
    process.env.LAMBDA_TASK_ROOT = '/var/task';
    expect(contractsDir()).toBe(join('/var/task', 'contracts'));
  });

  it('is SIB_CONTRACTS_DIR when set, even in Lambda', () => {
    process.env.SIB_CONTRACTS_DIR = '/srv/profiles';
    process.env.LAMBDA_TASK_ROOT = '/var/task';
    expect(contractsDir()).toBe('/srv/profiles');
  });
});
