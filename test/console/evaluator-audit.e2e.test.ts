/**
 * The evaluator's audit pages in Debian's chromium against the local stack:
 * - recompute: the log export downloaded from the page, opened in it and
 *   verified, a recorded evaluation recomputed in the browser with the
 *   domain's own runner (the bytes match; the time it took is logged, not
 *   asserted), and a tampered export refused, naming the entry;
 * - timelines: a participant's records by pseudonym, the corrected record
 *   marked superseded and the correction marked;
 * - witnesses: a witness that cosigned the log's checkpoint (its
 *   cosignature verified in the page) and one that refused a rollback.
 * Every page is checked with axe-core and screenshotted in ru and en
 * (.data/screenshots/evaluator-audit-*.png).
 *
 * The contract is a copy of the Second Chance spec registered by the
 * ministry, with one batch ingested through the use case (references
 * pseudonymised) holding a wrong employment record and its correction, and
 * y1 evaluated.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { logVerifierKey, publishCheckpoint } from '#ledger';
import { ingestBatch, runEvaluation } from '#services';
import { type RunningWitness, startWitnessServer } from '../../cli/witness/server.ts';
import { checkpointPusher } from '../../functions/adapters/witness-push.ts';
import { loadProfile } from '../../functions/shared/contracts.ts';
import { axeViolations, type Lang, screenshot, setLang, useConsoleBrowser } from '../support/browser.ts';
import { CONSENT_SHA256 } from '../support/evidence.ts';
import { saveEnv } from '../support/http.ts';
import { memoryWitness } from '../support/signer.ts';

const saved = saveEnv(['SIB_WITNESS_KEYS']);
const servers: RunningWitness[] = [];
const stateDirs: string[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
  for (const d of stateDirs) await rm(d, { recursive: true, force: true });
  saved.restore();
});

const ref = (n: number) => `SC-2023-${String(n).padStart(4, '0')}`;

/** 24 enrolled in 2023, 10 of them employed; participant 1's first job was recorded wrongly and corrected, and participant 1 reoffended. */
function batch(): unknown[] {
  const records: unknown[] = [];
  for (let n = 1; n <= 24; n++) {
    records.push({
      eventId: `en-${n}`,
      participant: ref(n),
      type: 'enrolment',
      date: '2023-08-01',
      source: 'operator',
      cohort: '2023',
      category: 'released',
      sex: n % 2 === 0 ? 'female' : 'male',
      birthYear: 1990,
      consentSha256: CONSENT_SHA256,
    });
    if (n <= 10) {
      records.push({
        eventId: `job-${n}`,
        participant: ref(n),
        type: 'employment-started',
        date: '2023-09-01',
        source: 'employer',
        employerId: 'EMPLOYER-1',
        contractType: n <= 4 ? 'permanent' : 'fixed-term',
        monthlyWage: '5000000',
      });
    }
  }
  records.push({
    eventId: 'rec-1',
    participant: ref(1),
    type: 'reconviction',
    date: '2024-02-17',
    source: 'court',
    offenceDate: '2023-12-29',
  });
  records.push({
    eventId: 'fix-1',
    participant: ref(1),
    type: 'correction',
    date: '2023-09-20',
    source: 'operator',
    supersedes: 'job-1',
    reason: 'wrong employer',
  });
  records.push({
    eventId: 'job-1b',
    participant: ref(1),
    type: 'employment-started',
    date: '2023-09-15',
    source: 'employer',
    employerId: 'EMPLOYER-2',
    contractType: 'permanent',
    monthlyWage: '5200000',
  });
  return records;
}

describe('the evaluator audits the log in the console', () => {
  const b = useConsoleBrowser();
  let setup: Promise<{ contract: string; seq: number; pseudonym: string }> | undefined;

  /** The contract, its batch and y1's evaluation (once for the file). */
  function prepared() {
    setup ??= (async () => {
      const contract = b.cli.freshContract('audit');
      const registered = await b.cli.run([
        'ministry',
        'register',
        '--contract',
        contract,
        '--token',
        await b.cli.token('ministry', 'm', [contract]),
      ]);
      expect(registered.code, registered.stderr).toBe(0);
      const rt = b.cli.rt;
      await ingestBatch(
        {
          profile: await loadProfile(contract),
          batchId: 'cohort-2023',
          submitter: { sub: 'operator-1', role: 'operator' },
          records: batch().map((value, at) => ({ at, value })),
          today: '2026-01-01',
        },
        rt.ports,
      );
      const run = await runEvaluation(rt.contracts, {
        contract,
        period: 'y1',
        actor: { sub: 'evaluator-analyst', role: 'evaluator' },
      });
      const pseudonym = await rt.ports.pseudonymizer.pseudonym(contract, ref(1));
      return { contract, seq: run.entry.seq, pseudonym };
    })();
    return setup;
  }

  async function checkPage(page: Page, name: string): Promise<void> {
    expect(await axeViolations(page), name).toEqual([]);
    await screenshot(page, name);
  }

  it('recomputes a recorded evaluation from the downloaded export (the bytes match) and refuses a tampered export', async () => {
    const { contract, seq } = await prepared();
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'evaluator', subject: 'evaluator-1', contracts: [contract] }, '/evaluator/recompute');
    const { page } = p;
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Скачать выгрузку' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`${contract}.jsonl`);
    const exportPath = join(b.cli.path, `${contract}.jsonl`);
    await download.saveAs(exportPath);
    const input = page.locator('input[type=file]');

    for (const lang of ['ru', 'en'] as Lang[]) {
      if (lang === 'en') await setLang(page, 'en');
      await input.setInputFiles(exportPath);
      await page.locator('[data-export=verified]').waitFor();
      await page
        .getByRole('button', {
          name: lang === 'ru' ? `Пересчитать оценку № ${seq} за период y1` : `Recompute evaluation ${seq}, period y1`,
        })
        .click();
      const verdict = page.locator('[data-verdict]');
      await verdict.waitFor({ timeout: 120_000 });
      expect(await verdict.getAttribute('data-verdict')).toBe('match');
      const timing = page.locator('[data-recompute-ms]');
      console.log(
        `recompute in the browser (${lang}): ${await timing.getAttribute('data-recompute-ms')} ms in all, ${await timing.getAttribute('data-compute-ms')} ms computing`,
      );
      const hashes = await page.locator('table.audit-compare td.audit-hash').allInnerTexts();
      expect(hashes).toHaveLength(4);
      expect(hashes[0]).toBe(hashes[1]);
      expect(hashes[2]).toBe(hashes[3]);
      await expect.poll(() => page.locator('code').first().innerText()).toContain(`--contract ${contract} --period y1`);
      await checkPage(page, `evaluator-audit-recompute-${lang}`);
    }

    // A tampered export: the evaluation entry's total changed by one digit.
    const text = await readFile(exportPath, 'utf8');
    const lines = text.split('\n');
    const at = lines.findIndex((l) => l.includes('"kind":"evaluation.recorded"'));
    const line = lines[at] as string;
    lines[at] = line.replace(/"total":"(\d)/, (_, d: string) => `"total":"${(Number(d) + 1) % 10}`);
    expect(lines[at]).not.toBe(line);
    await input.setInputFiles({
      name: 'tampered.jsonl',
      mimeType: 'application/x-ndjson',
      buffer: Buffer.from(lines.join('\n')),
    });
    const refused = page.locator('[data-export=refused]');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(/does not verify/);
    expect(await page.locator('[data-verdict]').count()).toBe(0);
    await checkPage(page, 'evaluator-audit-recompute-tampered-en');
    expect(p.errors).toEqual([]);
  });

  it("shows a participant's timeline by pseudonym, the corrected record and its correction marked", async () => {
    const { contract, seq, pseudonym } = await prepared();
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'evaluator', subject: 'evaluator-1', contracts: [contract] }, '/evaluator/timelines');
    const { page } = p;
    for (const lang of ['ru', 'en'] as Lang[]) {
      if (lang === 'en') await setLang(page, 'en');
      if (lang === 'ru') {
        // Picked from the evaluation's pseudonyms.
        await page.locator('details.audit-pick summary').click();
        await page.getByLabel('Номер записи оценки в журнале').fill(String(seq));
        await page.getByRole('button', { name: 'Загрузить псевдонимы' }).click();
        await page.getByLabel('Участник', { exact: true }).selectOption(pseudonym);
      } else {
        await page.getByLabel("Participant's pseudonym").fill(pseudonym);
        await page.getByRole('button', { name: 'Show' }).click();
      }
      const table = page.getByTestId('timeline');
      await table.waitFor();
      const events = await table
        .locator('tbody tr')
        .evaluateAll((rows) => rows.map((r) => `${r.getAttribute('data-event')}:${r.getAttribute('data-mark')}`));
      expect(events).toEqual(['en-1:', 'job-1:superseded', 'job-1b:', 'fix-1:correction', 'rec-1:']);
      expect(await table.locator('tr[data-event=job-1]').innerText()).toContain(
        lang === 'ru' ? 'заменена исправлением fix-1' : 'superseded by correction fix-1',
      );
      await checkPage(page, `evaluator-audit-timeline-${lang}`);
    }
    expect(p.errors).toEqual([]);
  });

  it('shows the checkpoint a witness cosigned, verified in the page, and the rollback another refused', async () => {
    const { contract } = await prepared();
    const rt = b.cli.rt;
    const logKey = await logVerifierKey(rt.signer, contract);
    const faithful = memoryWitness('evaluator.example/witness');
    const strict = memoryWitness('auditor.example/witness');
    const start = async (w: typeof faithful) => {
      const state = await mkdtemp(join(tmpdir(), 'sib-audit-witness-'));
      stateDirs.push(state);
      const server = await startWitnessServer({ witness: w.signer, stateDir: state, logs: [logKey] });
      servers.push(server);
      return server;
    };
    const good = await start(faithful);
    const refusing = await start(strict);
    // The trust policy the API publishes names both witnesses.
    process.env.SIB_WITNESS_KEYS = `${faithful.key},${strict.key}`;
    const record = async (c: string, answers: readonly Parameters<typeof rt.log.saveWitnessAnswer>[1][]) => {
      const at = new Date().toISOString();
      for (const a of answers) await rt.log.saveWitnessAnswer(c, a, at);
    };
    const push = (urls: string[]) =>
      checkpointPusher(() => rt.log, { urls, witnessKeys: [faithful.key, strict.key], record });
    const size = await b.cli.logSize(contract);
    const latest = await publishCheckpoint(rt.log, rt.signer, contract, size);
    await push([good.url, refusing.url])(contract, size, latest);
    // The strict witness is then offered an older checkpoint of the same log: a rollback, refused.
    const older = await publishCheckpoint(rt.log, rt.signer, contract, size - 1);
    await push([refusing.url])(contract, size - 1, older);

    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'evaluator', subject: 'evaluator-1', contracts: [contract] }, '/evaluator/witnesses');
    const { page } = p;
    for (const lang of ['ru', 'en'] as Lang[]) {
      if (lang === 'en') await setLang(page, 'en');
      const goodRow = page.locator(`tr[data-witness="${good.url}"]`);
      const strictRow = page.locator(`tr[data-witness="${refusing.url}"]`);
      await goodRow.waitFor();
      await expect.poll(() => goodRow.locator('td[data-check]').getAttribute('data-check')).toBe('signed');
      expect(await goodRow.locator('td[data-refusal]').getAttribute('data-refusal')).toBe('');
      expect(await strictRow.locator('td[data-check]').getAttribute('data-check')).toBe('signed');
      expect(await strictRow.locator('td[data-refusal]').getAttribute('data-refusal')).toBe('rollback');
      expect(await strictRow.innerText()).toContain(lang === 'ru' ? 'откат' : 'rollback');
      await checkPage(page, `evaluator-audit-witnesses-${lang}`);
    }
    expect(p.errors).toEqual([]);
  });
});
