import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePorts } from '../../infra/local/processes.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = mkdtempSync(join(tmpdir(), 'sib-demo-'));

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function runDemo() {
  const [dynamo, s3] = await freePorts(2);
  return spawnSync(process.execPath, [join(root, 'cli/bin/sib.js'), 'demo'], {
    cwd: root,
    env: { ...process.env, SIB_DATA_DIR: dataDir, SIB_DYNAMO_PORT: String(dynamo), SIB_S3_PORT: String(s3) },
    encoding: 'utf8',
    timeout: 180_000,
  });
}

describe('the main job (npm run demo)', () => {
  it('starts the stack, appends, checkpoints, verifies everything, stops what it started and exits 0', async () => {
    const run = await runDemo();

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Local stack started');
    expect(run.stdout).toMatch(/sib-ledger\.local\/second-chance-kamchatka\n\s+5\n/);
    expect(run.stdout).toContain('Verify as stored in DynamoDB: OK, 5 entries');
    expect(run.stdout).toMatch(/Verify the export offline .*: OK/);
    expect(run.stdout).toContain('Inclusion proof of seq 1 in the tree of size 5: verifies');
    expect(run.stdout).toContain('Everything verified.');
    expect(run.stdout).toContain('Local stack stopped');
    expect(existsSync(join(dataDir, 'stack.json'))).toBe(false);
    expect(readFileSync(join(dataDir, 'exports/second-chance-kamchatka.jsonl'), 'utf8').split('\n')).toHaveLength(7);
  });

  it('is idempotent: a second run finds the entries already there and the same log', async () => {
    const run = await runDemo();

    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.match(/\(already there\)/g)).toHaveLength(5);
    expect(run.stdout).toContain('Verify as stored in DynamoDB: OK, 5 entries');
  });
});
