/**
 * `sib --help`: every command group is listed (cli/main.ts imports them all
 * statically, so a module that fails to load fails the command instead of
 * vanishing from it), with the one exit-status policy of the whole CLI.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../cli/errors.ts';
import { REPO, sib, useDataDir } from '../support/cli.ts';

const GROUPS = [
  'operator',
  'ministry',
  'evaluator',
  'investor',
  'stack',
  'api',
  'login',
  'keys',
  'ledger',
  'report',
  'trust',
  'contract',
  'export',
  'demo',
  'witness',
];

/** The modules under cli/ that register a command group. */
function commandModules(): string[] {
  return ['commands', 'roles'].flatMap((dir) =>
    readdirSync(join(REPO, 'cli', dir))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) =>
        /export function register\(program: Command\)/.test(readFileSync(join(REPO, 'cli', dir, f), 'utf8')),
      )
      .map((f) => `./${dir}/${f}`),
  );
}

describe('sib --help', () => {
  const data = useDataDir({ withStack: false });

  it('lists every command group and the exit statuses, exit 0', async () => {
    const run = await sib(data.path, ['--help']);

    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: sib /);
    for (const group of GROUPS) expect(run.stdout).toMatch(new RegExp(`^ {2}${group}\\b`, 'm'));
    expect(run.stdout).toContain('\nExit status:\n');
    for (const [code, text] of EXIT_CODES) expect(run.stdout).toContain(`  ${code}  ${text}\n`);
  });

  it('every group answers its own --help', async () => {
    const runs = await Promise.all(GROUPS.map((group) => sib(data.path, [group, '--help'])));

    for (const [i, run] of runs.entries()) {
      expect(run.code, `${GROUPS[i]}: ${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Usage: sib ${GROUPS[i]}\\b`));
    }
  });

  it('an unknown command is a usage error: exit 2', async () => {
    const run = await sib(data.path, ['payment', 'list']);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: unknown command 'payment'/);
  });

  it('cli/main.ts imports every command module statically, none dynamically', () => {
    const main = readFileSync(join(REPO, 'cli', 'main.ts'), 'utf8');

    expect(main).not.toMatch(/\bimport\s*\(/);
    for (const module of commandModules()) expect(main).toContain(`from '${module}'`);
    expect(commandModules()).toHaveLength(GROUPS.length);
  });
});
