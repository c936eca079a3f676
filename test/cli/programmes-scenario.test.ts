/**
 * The Antares and Qarmet scenarios (scenarios/antares/run.ts and
 * scenarios/qarmet/run.ts) through the local gateway on the shared test
 * stack, as the programmes' parties with development tokens: each run twice
 * (the second replays every write), and the printed tables hold the
 * published figures and the flags.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Runtime, resetRuntime, setRuntime } from '../../functions/shared/composition.ts';
import { type Gateway, startGateway } from '../../infra/local/gateway.ts';
import { localRuntime } from '../../infra/local/runtime.ts';
import { runAntares } from '../../scenarios/antares/run.ts';
import { programmeClients } from '../../scenarios/programmes.ts';
import { runQarmet } from '../../scenarios/qarmet/run.ts';
import { REPO, useDataDir } from '../support/cli.ts';
import { saveEnv } from '../support/http.ts';
import { testStack } from '../support/stack.ts';

const data = useDataDir({ withStack: true });
const saved = saveEnv(['SIB_DATA_DIR', 'SIB_CONTRACTS_DIR']);
let gateway: Gateway;
let rt: Runtime;
const ids = { antares: '', qarmet: '' };

/** A copy of a programme's contract under a fresh id (the stack is shared with other test files). */
function freshCopy(dir: string, source: string, prefix: string): string {
  const id = `${prefix}-${randomUUID().slice(0, 8)}`;
  const spec = JSON.parse(readFileSync(join(REPO, 'contracts', `${source}.json`), 'utf8'));
  writeFileSync(join(dir, `${id}.json`), JSON.stringify({ ...spec, id }));
  return id;
}

beforeAll(async () => {
  const contracts = join(data.path, 'contracts');
  mkdirSync(contracts, { recursive: true });
  process.env.SIB_DATA_DIR = data.path;
  process.env.SIB_CONTRACTS_DIR = contracts;
  ids.antares = freshCopy(contracts, 'antares-vko-2017', 'antares');
  ids.qarmet = freshCopy(contracts, 'qarmet-karaganda-2026', 'qarmet');
  rt = await localRuntime(data.path, testStack());
  setRuntime(rt);
  gateway = await startGateway({ dataDir: data.path, port: 0 });
});
afterAll(async () => {
  await gateway?.close();
  rt?.dynamo.destroy();
  rt?.s3.destroy();
  resetRuntime();
  saved.restore();
});

/** Runs a scenario, capturing what it prints. */
async function capture(
  run: (say: (line?: string) => void) => Promise<boolean>,
): Promise<{ ok: boolean; text: string }> {
  const lines: string[] = [];
  const ok = await run((line = '') => lines.push(line));
  return { ok, text: lines.join('\n') };
}

/** A table row: the cells in order, separated by runs of spaces. */
const row = (...cells: (string | number)[]) =>
  new RegExp(`^\\s*${cells.map((c) => String(c).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\\s+')}\\s*$`, 'm');

describe('the Antares scenario', () => {
  it('reproduces the report from evidence, prints it beside the published figures with the flags, and replays on a second run', async () => {
    // Prepare
    const clients = await programmeClients('antares', { url: gateway.url, dataDir: data.path, contract: ids.antares });
    const run = (say: (line?: string) => void) => runAntares({ clients, contract: ids.antares, say });

    // Act
    const first = await capture(run);
    const second = await capture(run);

    // Assess: reproduced both times, the second run writing nothing.
    expect(first.ok, first.text).toBe(true);
    expect(second.ok, second.text).toBe(true);
    expect(first.text).toMatch(/seq 0 {2}contract\.registered$/m);
    expect(first.text).toContain('accepted');
    expect(second.text).not.toContain('accepted');
    expect(second.text).toMatch(/contract\.registered {2}\(already there\)/);
    expect(second.text).toMatch(/evaluation\.recorded {2}\(already there\)/);
    expect(second.text.match(/\(already there\)/g)).toHaveLength(1 + 5 + 1); // registration, 5 monthly batches, evaluation
    // The services beside the published figures (and the plan).
    const { text } = first;
    expect(text).toMatch(row('social package (food + hygiene kit)', 'social-package', 45, 45, 'yes'));
    expect(text).toMatch(row('addiction treatment ("coding")', 'addiction-treatment', 15, 15, 'yes'));
    expect(text).toMatch(row('psychological help', 'psychological-help', 60, 60, 'yes'));
    expect(text).toMatch(row('leisure', 'leisure', 8, 8, 30, 'yes'));
    expect(text).toMatch(row('total', 210, '210 listed, 188 reported', 'yes (listed), NO (reported)'));
    // The participants.
    expect(text).toMatch(row('in the pilot (with services)', 68, 68, 30, 'yes'));
    expect(text).toMatch(row('"participants of the project"', 257, 257, 'yes'));
    expect(text).toMatch(row('male', 197, 197, 'yes'));
    expect(text).toMatch(row('female', 60, 60, 'yes'));
    for (const [band, n] of Object.entries({
      '17-22': 34,
      '23-27': 47,
      '28-32': 71,
      '33-45': 52,
      '46-58': 36,
      '59+': 17,
    })) {
      expect(text).toMatch(row(band, n, n, 'yes'));
    }
    expect(text).toMatch(row('civil servants', 'civil-servant', 63, 63, 'yes'));
    expect(text).toMatch(row('unemployed', 'unemployed', 48, 48, 'yes'));
    expect(text).toMatch(row('other', 'other', 39, 39, 'yes'));
    // The flags.
    expect(text).toContain('FLAGS: where the published figures do not add up');
    expect(text).toContain('[services-total] the nine service counts listed sum to 210, not the 188 services reported');
    expect(text).toContain('257 = 150 surveyed + 39 at the two meetings + 68 in the pilot');
    expect(text).toContain('[enrolled-vs-plan] 68 enrolled in the pilot against 30 planned');
    expect(text).toContain('[leisure-vs-plan] leisure: 8 served against 30 planned');
    expect(text).toContain('[addiction-treatment]');
    expect(text).toContain('Reproduced from evidence: every service count and breakdown equals the published figure');
    expect(text).not.toMatch(/\bNOT REPRODUCED\b/);
  });
});

describe('the Qarmet scenario', () => {
  it('prints days worked, wages, incidents and upkeep avoided per month and in total, equal to a recomputation, and replays on a second run', async () => {
    // Prepare
    const clients = await programmeClients('qarmet', { url: gateway.url, dataDir: data.path, contract: ids.qarmet });
    const run = (say: (line?: string) => void) =>
      runQarmet({ clients, contract: ids.qarmet, say, today: '2026-11-22' });

    // Act
    const first = await capture(run);
    const second = await capture(run);

    // Assess
    expect(first.ok, first.text).toBe(true);
    expect(second.ok, second.text).toBe(true);
    expect(second.text).not.toContain('accepted');
    expect(second.text.match(/\(already there\)/g)).toHaveLength(1 + 3 + 3); // registration, 3 batches, 3 evaluations
    expect(first.text).toMatch(/^\s*2026-02\s+40\s+0\s+/m);
    expect(first.text).toMatch(/^\s*2026-04\s+40\s+2\s+/m);
    expect(first.text).toMatch(
      /Total over the pilot \(2026-04, the final evaluation\): 40 convicts enrolled, 2 withdrew; [\d,]+ days worked; wages [\d,]+\.00 KZT; 3 incidents; upkeep avoided [\d,]+\.00 KZT/,
    );
    expect(first.text).toContain('Recomputed straight from the');
    expect(first.text).toContain("every month's figures equal the evaluations");
    // The printed tables are the same on the replay.
    const tables = (text: string) => text.slice(text.indexOf('As evaluated'));
    expect(tables(second.text)).toBe(tables(first.text));
  });
});
