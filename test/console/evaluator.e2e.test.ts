/**
 * The independent evaluator's journey in Debian's chromium against the
 * local stack: the analyst makes and enrols a key in the browser (as
 * `analyst`), dry-runs a period (nothing recorded: the log's size is
 * unchanged), is told in words when the log grew while it signed
 * before recording, dry-runs again and records (the entry appears, its
 * hashes and checkpoint shown, the `calculated` statement signed in the
 * browser); another evaluator subject with its own key (as `evaluator`)
 * publishes a comparison figure and attests the payment (four eyes), and
 * is refused by the server, in words, where it calculated itself; then the
 * ministry's payment page shows the attestation's signature verified. Every
 * page is checked with axe-core and screenshotted in ru and en
 * (.data/screenshots/evaluator-*.png).
 *
 * The contracts are copies of the Second Chance spec under fresh ids with
 * one evidence batch (200 enrolled, 63 employed), as the ministry's test
 * builds them.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import { archiveBody, archiveKey } from '#intake';
import { canonicalBytes, sha256, toHex } from '#kernel';
import {
  type Actor,
  COMPARISON_PUBLISHED_KIND,
  comparisonStatement,
  decisionStatement,
  EVIDENCE_BATCH_KIND,
  signatureVerifies,
} from '#ledger';
import { publishComparison, readPayment, readPaymentSummary, registerContract, runEvaluation } from '#services';
import { axeViolations, type ConsolePage, screenshot, setLang, useConsoleBrowser } from '../support/browser.ts';
import { REPO } from '../support/cli.ts';
import { Records } from '../support/evaluation-fixtures.ts';
import { cohort } from '../support/settlement.ts';

const MINISTRY_REGISTRAR: Actor = { sub: 'ministry-registrar', role: 'ministry' };
const OPERATOR: Actor = { sub: 'veb-rf-operator', role: 'operator' };
const ANALYST = 'eval-analyst';
const EVALUATOR = 'eval-independent';

describe('the evaluator in the console', () => {
  const b = useConsoleBrowser();

  /** A Second Chance copy registered with one evidence batch: 200 enrolled, 63 employed (y1 is ready to evaluate). */
  async function contractWithEvidence(prefix: string): Promise<string> {
    const raw = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
      id: string;
    };
    raw.id = `${prefix}-${randomUUID().slice(0, 8)}`;
    const spec = parseContractSpec(raw);
    const ports = b.cli.rt.contracts;
    await registerContract(ports, spec, MINISTRY_REGISTRAR);
    const records = cohort(new Records(), 200, 63);
    const batchId = 'cohort-1';
    const body = archiveBody(
      spec.id,
      batchId,
      records.map((record, index) => ({ index, record, bytes: canonicalBytes(record) })),
    );
    const content = toHex(sha256(body));
    const key = archiveKey(spec.id, content);
    await ports.archive.put(key, body, content, 'application/x-ndjson');
    await ports.log.append(spec.id, `batch:${batchId}`, {
      kind: EVIDENCE_BATCH_KIND,
      actor: OPERATOR,
      body: { batchId, recordCount: records.length, archive: { key, sha256: content } },
    });
    return spec.id;
  }

  async function checkPage(p: ConsolePage, name: string): Promise<void> {
    expect(await axeViolations(p.page), name).toEqual([]);
    await screenshot(p.page, name);
  }

  /** Makes the key on /keys and enrols it on each contract to sign as `role`. */
  async function makeAndEnrolKey(
    page: Page,
    lang: 'ru' | 'en',
    role: 'analyst' | 'evaluator',
    contracts: readonly string[],
  ): Promise<void> {
    const t =
      lang === 'ru'
        ? { create: 'Создать ключ подписи', enrol: 'Зарегистрировать', enrolled: /зарегистрирован как/ }
        : { create: 'Create a signing key', enrol: 'Enrol', enrolled: /enrolled as/ };
    await page.getByRole('button', { name: t.create }).click();
    await expect
      .poll(() => page.locator('#verifier').inputValue(), { timeout: 30_000 })
      .toMatch(/^[^+]+\+[0-9a-f]{8}\+/);
    for (const contract of contracts) {
      const row = page.locator('tbody tr', { hasText: contract });
      await row.locator('select').selectOption(role);
      await row.getByRole('button', { name: t.enrol }).click();
      await row.locator('.badge.ok', { hasText: t.enrolled }).waitFor();
    }
  }

  it('dry-runs, records a signed calculation, publishes a comparison and attests it with another key; the ministry sees the attestation verified', async () => {
    const contract = await contractWithEvidence('eval-journey');
    const ports = b.cli.rt.contracts;

    // The analyst: a key in the browser, enrolled to sign as analyst.
    const an = await b.page({ lang: 'ru' });
    await b.signIn(an, { role: 'evaluator', subject: ANALYST, contracts: [contract] }, '/evaluator/evaluate');
    await an.page.getByRole('button', { name: 'Пробный расчёт' }).waitFor();
    await checkPage(an, 'evaluator-evaluate-ru');
    await an.page.goto(`${b.url}/keys`);
    await makeAndEnrolKey(an.page, 'ru', 'analyst', [contract]);

    // A dry run: the tables, nothing recorded.
    await an.page.goto(`${b.url}/evaluator/evaluate`);
    const before = await ports.log.size(contract);
    await an.page.getByRole('button', { name: 'Пробный расчёт' }).click();
    await an.page.getByRole('heading', { name: /Пробный расчёт — ничего не записано/ }).waitFor();
    await an.page.getByRole('heading', { name: 'Результаты против целевых значений' }).waitFor();
    await an.page.getByText('Таблицы на странице дают ровно этот хеш сводки').waitFor();
    expect(await an.page.locator('.eval-record pre').innerText()).toContain(
      `sib-ledger/decision/v1\ncontract ${contract}\npayment ${before}\nperiod y1\nstep calculated`,
    );
    expect(await ports.log.size(contract)).toBe(before);
    await checkPage(an, 'evaluator-dry-run-ru');

    // The log moves before the recording: refused in words, nothing written; a dry run again at the new size.
    await publishComparison(
      ports,
      contract,
      { comparison: 'reoffending-vs-comparison-group', group: 'all', value: '0.45' },
      { sub: 'eval-colleague', role: 'evaluator' },
    );
    const moved = await ports.log.size(contract);
    await an.page.getByRole('button', { name: `Подписать и записать при точке ${before}` }).click();
    const refusal = an.page.locator('.refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain(
      `Журнал вырос, пока вы подписывали: подписанный расчёт называл запись № ${before}, а в журнале уже ${moved} запис`,
    );
    expect(await ports.log.size(contract)).toBe(moved);
    await checkPage(an, 'evaluator-moved-ru');
    await an.page.getByRole('button', { name: 'Повторить пробный расчёт' }).click();

    // Recorded at the new size: the entry, its hashes and its checkpoint.
    await an.page.getByRole('button', { name: `Подписать и записать при точке ${moved}` }).click();
    await an.page.getByText(`Расчёт записан: выплата № ${moved}.`).waitFor();
    expect(await ports.log.size(contract)).toBe(moved + 1);
    const calculated = await readPayment(ports, contract, moved);
    expect(calculated).toMatchObject({ state: 'calculated', checkpoint: moved, calculatedBy: { sub: ANALYST } });
    const item = an.page.locator('.eval-recorded-item');
    expect(await item.innerText()).toContain(calculated.result);
    expect(await item.innerText()).toContain(calculated.summary);
    expect(await item.innerText()).toContain(`размер ${moved}`);
    const recordedSummary = await readPaymentSummary(ports, contract, moved);
    const calcSig = recordedSummary.signatures.find((s) => s.step === 'calculated');
    expect(calcSig?.subject).toBe(ANALYST);
    await checkPage(an, 'evaluator-recorded-ru');
    // The same page in English: the form, and a dry run (nothing recorded).
    await setLang(an.page, 'en');
    await an.page.getByRole('button', { name: 'Dry run' }).click();
    await an.page.getByRole('heading', { name: /Dry run: nothing recorded/ }).waitFor();
    await an.page.getByRole('heading', { name: 'Outcomes against targets' }).waitFor();
    expect(await ports.log.size(contract)).toBe(moved + 1);
    await checkPage(an, 'evaluator-dry-run-en');
    expect(an.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);

    // Another evaluator subject: its own key, enrolled as evaluator on this contract and on one where it calculated itself.
    const own = await contractWithEvidence('eval-own');
    const ownRun = await runEvaluation(ports, {
      contract: own,
      period: 'y1',
      actor: { sub: EVALUATOR, role: 'evaluator' },
    });
    const ev = await b.page({ lang: 'en' });
    await b.signIn(ev, { role: 'evaluator', subject: EVALUATOR, contracts: [contract, own] }, '/keys');
    await makeAndEnrolKey(ev.page, 'en', 'evaluator', [contract, own]);

    // A comparison figure: the form, the statement exactly as signed, published; the list shows it.
    await ev.page.goto(`${b.url}/evaluator/comparisons`);
    await ev.page.locator('#cmp-contract').selectOption(contract);
    await ev.page.getByLabel('Value', { exact: true }).waitFor();
    await ev.page.getByText('eval-colleague').waitFor();
    await checkPage(ev, 'evaluator-comparisons-en');
    await ev.page.getByLabel('Value', { exact: true }).fill('0,31');
    await ev.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await ev.page.getByText('A non-negative decimal with a point, such as 0.31.').waitFor();
    await ev.page.getByLabel('Value', { exact: true }).fill('0.31');
    await ev.page.getByLabel('Denominator (how many people), optional').fill('1000');
    await ev.page.getByLabel('Period, optional').selectOption('y1');
    await ev.page.getByLabel('Where the figure comes from, optional').fill('Regional statistics office, 2023 release');
    await ev.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await ev.page.getByRole('heading', { name: 'Confirm the publication' }).waitFor();
    const cmpStatement = comparisonStatement({
      contract,
      comparison: 'reoffending-vs-comparison-group',
      group: 'all',
      period: 'y1',
      value: '0.31',
      denominator: 1000,
    });
    expect(await ev.page.locator('.confirm pre').textContent()).toBe(cmpStatement);
    await checkPage(ev, 'evaluator-comparison-confirm-en');
    await ev.page.getByRole('button', { name: 'Sign and publish' }).click();
    await ev.page.getByText(/The figure is published: log entry \d+\./).waitFor();
    await ev.page.locator('tbody tr', { hasText: 'Regional statistics office' }).waitFor();
    await checkPage(ev, 'evaluator-comparison-published-en');
    const size = await ports.log.size(contract);
    let last: Uint8Array | undefined;
    for await (const bytes of ports.log.entries(contract, size - 1, size)) last = bytes;
    const published = JSON.parse(new TextDecoder().decode(last)) as {
      kind: string;
      actor: Actor;
      body: { signature?: { key: string; line: string } };
    };
    expect(published.kind).toBe(COMPARISON_PUBLISHED_KIND);
    expect(published.actor.sub).toBe(EVALUATOR);
    expect(signatureVerifies(cmpStatement, published.body.signature as { key: string; line: string })).toBe(true);

    // Attest: the payments awaiting attestation, the payment's statement, signed here.
    await ev.page.getByRole('link', { name: 'Attest', exact: true }).click();
    await ev.page.getByRole('link', { name: `Open payment ${moved}` }).waitFor();
    await checkPage(ev, 'evaluator-attest-list-en');
    await ev.page.getByRole('link', { name: `Open payment ${moved}` }).click();
    await ev.page.getByText("The analyst's signature over the calculation verifies.").waitFor();
    const attested = decisionStatement({
      contract,
      payment: moved,
      period: 'y1',
      step: 'attested',
      result: calculated.result,
      summary: calculated.summary,
      total: calculated.total,
      minorUnit: calculated.minorUnit,
      currency: calculated.currency,
    });
    expect(await ev.page.locator('.eval-statement pre').textContent()).toBe(attested);
    await checkPage(ev, 'evaluator-attest-payment-en');
    await ev.page.getByRole('button', { name: 'Sign and attest' }).click();
    await ev.page.getByText(/The calculation is attested/).waitFor();
    await checkPage(ev, 'evaluator-attested-en');
    expect((await readPayment(ports, contract, moved)).state).toBe('attested');

    // Four eyes: where this subject calculated, the page warns and the server refuses, in words; nothing written.
    const ownPayment = ownRun.entry.seq;
    const ownBefore = await ports.log.size(own);
    await ev.page.goto(`${b.url}/evaluator/attest?contract=${own}&payment=${ownPayment}`);
    await ev.page.getByText(/recorded this calculation: that is you/).waitFor();
    await ev.page.getByRole('button', { name: 'Sign and attest' }).click();
    const refused = ev.page.locator('.refusal');
    await refused.waitFor();
    expect(await refused.innerText()).toMatch(
      /The server refused: the one who recorded the calculation may not attest it/,
    );
    expect(await refused.innerText()).toMatch(/separation of duties/);
    expect(await ports.log.size(own)).toBe(ownBefore);
    await checkPage(ev, 'evaluator-four-eyes-en');
    // The attest pages in Russian.
    await setLang(ev.page, 'ru');
    await ev.page.getByText(/записал этот расчёт|Этот расчёт записал/).waitFor();
    await checkPage(ev, 'evaluator-attest-payment-ru');
    await ev.page.goto(`${b.url}/evaluator/attest`);
    await ev.page.getByRole('link', { name: `Открыть выплату № ${ownPayment}` }).waitFor();
    await checkPage(ev, 'evaluator-attest-list-ru');
    await ev.page.goto(`${b.url}/evaluator/comparisons`);
    await ev.page.locator('#cmp-contract').selectOption(contract);
    await ev.page.locator('tbody tr', { hasText: 'Regional statistics office' }).waitFor();
    await checkPage(ev, 'evaluator-comparisons-ru');
    await ev.page.getByLabel('Значение', { exact: true }).fill('0.29');
    await ev.page.getByRole('button', { name: 'Далее: проверить и подписать' }).click();
    await ev.page.getByRole('heading', { name: 'Подтвердите публикацию' }).waitFor();
    await checkPage(ev, 'evaluator-comparison-confirm-ru');
    await ev.page.getByRole('button', { name: 'Отмена' }).click();
    expect(ev.errors.filter((e) => !/status of 403/.test(e))).toEqual([]);

    // The ministry's payment page: the attestation's signature verified, by a key the trust policy names.
    const min = await b.page({ lang: 'ru' });
    await b.signIn(
      min,
      { role: 'ministry', subject: 'minlabour-official', contracts: [contract] },
      `/c/${contract}/payments/${moved}`,
    );
    await min.page.getByText(`Независимый оценщик ${EVALUATOR} подтвердил расчёт`, { exact: false }).waitFor();
    const attestation = min.page.locator('.check-list li', { hasText: 'Независимый оценщик' });
    await attestation.getByText('Подпись: верна').waitFor();
    await attestation.getByText('ключ зарегистрирован в политике доверия договора').waitFor();
    await checkPage(min, 'evaluator-ministry-sees-attestation-ru');
    expect(min.errors).toEqual([]);

    // The analyst again, in English: y1 is attested, so evaluating it again is refused in words; y2 is recorded.
    await an.page.goto(`${b.url}/evaluator/evaluate`);
    const y2At = await ports.log.size(contract);
    await an.page.getByRole('button', { name: 'Dry run' }).click();
    await an.page
      .locator('.refusal')
      .getByText(/cannot be evaluated again: its payment .* is attested/)
      .waitFor();
    expect(await ports.log.size(contract)).toBe(y2At);
    await checkPage(an, 'evaluator-refused-en');
    // y2 over the log as it was one entry ago (a checkpoint the analyst chooses): it becomes entry y2At all the same.
    await an.page.getByLabel('Period').selectOption('y2');
    await an.page.getByLabel('Checkpoint (log size)').fill(String(y2At - 1));
    await an.page.getByRole('button', { name: 'Dry run' }).click();
    expect(await an.page.locator('.eval-record pre').innerText()).toContain(`payment ${y2At}\nperiod y2`);
    await an.page.getByRole('button', { name: `Sign and record at checkpoint ${y2At - 1}` }).click();
    await an.page.getByText(`The calculation is recorded: payment ${y2At}.`).waitFor();
    expect(await readPayment(ports, contract, y2At)).toMatchObject({
      period: 'y2',
      state: 'calculated',
      checkpoint: y2At - 1,
    });
    await checkPage(an, 'evaluator-recorded-en');
    expect(an.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  }, 240_000);
});
