import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { IndigoProject } from '#reports';
import { lines } from '../support/cli.ts';
import { enrol, job } from '../support/evidence.ts';
import { useRoleCli } from '../support/gateway.ts';

/**
 * `sib export indigo` as a process against the shared test stack, on a copy
 * of Second Chance under a fresh id (SIB_CONTRACTS_DIR) registered, given a
 * small batch and evaluated for y1 through the HTTP API (the role commands).
 */
const cli = useRoleCli();
const run = (args: string[]) => cli.run(args);

const SECTIONS = ['outcome_metrics', 'outcome_pricings', 'outcome_payment_plans', 'outcome_payments', 'results'];

describe('sib export indigo', () => {
  let contract: string;

  beforeAll(async () => {
    contract = cli.freshContract('cli-indigo');
    for (const role of ['ministry', 'operator', 'evaluator'] as const) await cli.login(role, `${role}-1`, [contract]);
    const batch = join(cli.path, `${contract}-batch.json`);
    await writeFile(
      batch,
      JSON.stringify({
        batchId: 'b-1',
        records: [
          enrol('e1', 'OP-1', '2024-01-10'),
          job('j1', 'OP-1', '2024-02-01'),
          enrol('e2', 'OP-2', '2024-02-01'),
        ],
      }),
    );
    expect((await run(['ministry', 'register', '--contract', contract])).code).toBe(0);
    expect((await run(['operator', 'submit', '--contract', contract, batch])).code).toBe(0);
    expect((await run(['evaluator', 'evaluate', '--contract', contract, '--period', 'y1'])).code).toBe(0);
  });

  it('writes the INDIGO JSON to standard output: the five sections, y1 results, the planned payments', async () => {
    const result = await run(['export', 'indigo', '--contract', contract]);

    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(lines(result.stdout)).toHaveLength(1); // compact without --pretty
    const project = JSON.parse(result.stdout) as IndigoProject;
    for (const section of SECTIONS) expect(Array.isArray(project[section as keyof IndigoProject])).toBe(true);
    expect(project.outcome_metrics).toHaveLength(7);
    expect(project.outcome_pricings).toHaveLength(3);
    expect(project.outcome_payment_plans.map((p) => p.id)).toEqual(['contract-v1']);
    expect(project.outcome_payments.map((p) => p.type.value)).toEqual(['Planned', 'Planned', 'Planned']);
    const engaged = project.results.filter((r) => r.result_level.value === 'Project level');
    expect(engaged).toEqual([
      expect.objectContaining({
        result_type: { value: 'Interim' },
        number_engaged_in_impact_bond: { value: 2 },
        notes: expect.stringContaining('evaluation entry 2 '),
      }),
    ]);
    // Two people: every figure but their number is suppressed.
    const employed = project.results.find((r) => r.outcome_metric_id?.value === 'employed');
    expect(employed?.outcomes_achieved?.value).toBe('suppressed: fewer than 5 people');
    expect(project.notes.value).toContain(`at log size 3 (root `);
    // Aggregates only: neither the operator's references nor pseudonyms.
    expect(result.stdout).not.toMatch(/OP-[12]|p-[0-9a-f]{32}/);
  });

  it('-o writes the file (indented with --pretty) and says so on standard error', async () => {
    const file = join(cli.path, `${contract}-indigo.json`);

    const result = await run(['export', 'indigo', '--contract', contract, '-o', file, '--pretty']);

    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(
        `^wrote the INDIGO export of ${contract} to .*-indigo\\.json: 7 outcome metrics, 3 pricings, 3 outcome payments, 8 results \\(log size 3\\)\n$`,
      ),
    );
    const text = await readFile(file, 'utf8');
    expect(text).toMatch(/^\{\n {2}"name": \{\n/);
    expect(Object.keys(JSON.parse(text) as object)).toEqual(expect.arrayContaining(SECTIONS));
  });

  it('a contract with no log: exit 1 with one line', async () => {
    const result = await run(['export', 'indigo', '--contract', `cli-nolog-${randomUUID().slice(0, 8)}`]);

    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(result.stderr)).toEqual([expect.stringMatching(/^error: contract cli-nolog-\S+ has no log/)]);
  });

  it('--help shows an example and the standard', async () => {
    const result = await run(['export', 'indigo', '--help']);

    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sib export indigo --contract second-chance-kamchatka');
    expect(result.stdout).toContain('INDIGO impact bond data standard');
  });
});
