/**
 * The ministry's journeys in Debian's chromium against the local stack:
 * the official finds the payment in the queue, reads why it is claimed (the
 * page checks the summary's hash and the evaluator's signature itself),
 * makes and enrols a key in the browser and approves with it; another
 * official (the treasury's) records the payment order; a rejection with a
 * reason; and an approval refused because it would exceed the contract's
 * cap, with nothing written. Every page is checked with axe-core and
 * screenshotted in ru and en (.data/screenshots/ministry-*.png).
 *
 * The contracts are copies of the Second Chance spec under fresh ids, with
 * a real evaluation of y1 (the analyst's and the evaluator's steps signed
 * with keys made here). A real evaluation never claims more than a cap (the
 * engine caps it), so the cap refusal is reached as the approval's own check
 * guards against it: an evaluation entry whose stored result claims more
 * than the cap (a faulty calculation), recorded around the use case.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { parseContractSpec } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import { archiveBody, archiveKey } from '#intake';
import { canonicalBytes, sha256, toHex } from '#kernel';
import {
  type Actor,
  decisionStatement,
  EVALUATION_RECORDED_KIND,
  EVIDENCE_BATCH_KIND,
  type EvaluationEntryBody,
  signatureVerifies,
} from '#ledger';
import type { PaymentStatus } from '#payments';
import { publicSummary, summaryHash } from '#reports';
import {
  approvePayment,
  attestPayment,
  computeEvaluation,
  evaluationIdempotencyKey,
  evaluationKey,
  readPayment,
  readPaymentSummary,
  registerContract,
  runEvaluation,
} from '#services';
import { axeViolations, type ConsolePage, screenshot, useConsoleBrowser } from '../support/browser.ts';
import { REPO } from '../support/cli.ts';
import { Records } from '../support/evaluation-fixtures.ts';
import { memoryParty } from '../support/parties.ts';
import { cohort } from '../support/settlement.ts';

const MINISTRY_REGISTRAR: Actor = { sub: 'ministry-registrar', role: 'ministry' };
const ANALYST: Actor = { sub: 'evaluator-analyst', role: 'evaluator' };
const EVALUATOR: Actor = { sub: 'independent-evaluator', role: 'evaluator' };
const OPERATOR: Actor = { sub: 'veb-rf-operator', role: 'operator' };
const analystKey = memoryParty('evaluator-analyst');

/** What a step's statement names, from the payment's status. */
const facts = (contract: string, p: PaymentStatus, step: 'attested' | 'approved') => ({
  contract,
  payment: p.payment,
  period: p.period,
  step,
  result: p.result,
  summary: p.summary,
  total: p.total,
  minorUnit: p.minorUnit,
  currency: p.currency,
});
const evaluatorKey = memoryParty('independent-evaluator');

describe('the ministry in the console', () => {
  const b = useConsoleBrowser();

  /** A Second Chance copy (its overall cap changed if given) registered with one evidence batch: 200 enrolled, 63 employed (y1 pays its whole subsidy). */
  async function contractWithEvidence(prefix: string, overallCap?: string): Promise<string> {
    const raw = JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')) as {
      id: string;
      caps: { overall?: string };
    };
    raw.id = `${prefix}-${randomUUID().slice(0, 8)}`;
    if (overallCap !== undefined) raw.caps.overall = overallCap;
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

  /** The evaluator attests payment `payment`, signing the attested statement. */
  async function attest(contract: string, payment: number): Promise<void> {
    const ports = b.cli.rt.contracts;
    const p = await readPayment(ports, contract, payment);
    const statement = decisionStatement(facts(contract, p, 'attested'));
    await attestPayment(ports, { contract, payment, actor: EVALUATOR, signature: evaluatorKey.signed(statement) });
  }

  /** y1 evaluated (signed by the analyst) and attested (signed by the evaluator): a payment awaiting the ministry. */
  async function attestedPayment(prefix: string): Promise<{ contract: string; payment: number }> {
    const contract = await contractWithEvidence(prefix);
    const ports = b.cli.rt.contracts;
    const size = await ports.log.size(contract);
    const { result, sha256: digest } = await computeEvaluation(ports, { contract, period: 'y1', checkpoint: size });
    const statement = decisionStatement({
      contract,
      payment: size,
      period: 'y1',
      step: 'calculated',
      result: digest,
      summary: summaryHash(publicSummary(result)),
      total: result.payments.total,
      minorUnit: result.payments.minorUnit,
      currency: result.payments.currency,
    });
    const run = await runEvaluation(ports, {
      contract,
      period: 'y1',
      checkpoint: size,
      actor: ANALYST,
      signature: analystKey.signed(statement),
    });
    await attest(contract, run.entry.seq);
    return { contract, payment: run.entry.seq };
  }

  /**
   * A contract whose overall cap is 20,000,000.00 and an attested y1 payment
   * claiming 30,000,000.00: the evaluation's result altered to claim more
   * than the engine paid (a faulty calculation), stored and recorded as the
   * evaluation use case would, so the page shows its figures.
   */
  async function overCapPayment(): Promise<{ contract: string; payment: number }> {
    const contract = await contractWithEvidence('min-cap', '2000000000');
    const ports = b.cli.rt.contracts;
    const size = await ports.log.size(contract);
    const { result } = await computeEvaluation(ports, { contract, period: 'y1', checkpoint: size });
    const claimed = '3000000000';
    const faulty: EvaluationResult = {
      ...result,
      payments: {
        ...result.payments,
        lines: result.payments.lines.map((l) => ({ ...l, amount: claimed, due: claimed, cappedBy: [] })),
        total: claimed,
        cumulative: claimed,
        caps: result.payments.caps.map((c) => ({ ...c, after: claimed, binding: false })),
        allocation: result.payments.allocation.map((a) => ({ ...a, amount: claimed })),
      },
    };
    const bytes = canonicalBytes(faulty);
    const digest = toHex(sha256(bytes));
    const key = evaluationKey(contract, 'y1', digest);
    await ports.results.put(key, bytes, digest, 'application/json');
    const body: EvaluationEntryBody = {
      period: 'y1',
      checkpoint: faulty.checkpoint,
      contract: { version: faulty.contract.version, hash: faulty.contract.hash },
      result: { sha256: digest, key },
      summary: summaryHash(publicSummary(faulty)),
      total: claimed,
      currency: faulty.payments.currency,
    };
    const { seq } = await ports.log.append(contract, evaluationIdempotencyKey('y1', size), {
      kind: EVALUATION_RECORDED_KIND,
      actor: ANALYST,
      body: body as never,
    });
    await attest(contract, seq);
    return { contract, payment: seq };
  }

  async function checkPage(p: ConsolePage, name: string): Promise<void> {
    expect(await axeViolations(p.page), name).toEqual([]);
    await screenshot(p.page, name);
  }

  /** Makes the key on /keys and enrols it on the session's contract to sign as `role`. */
  async function makeAndEnrolKey(page: Page, lang: 'ru' | 'en', role: 'ministry' | 'treasury'): Promise<void> {
    const t =
      lang === 'ru'
        ? { create: 'Создать ключ подписи', enrol: 'Зарегистрировать', enrolled: /зарегистрирован как/ }
        : { create: 'Create a signing key', enrol: 'Enrol', enrolled: /enrolled as/ };
    await page.getByRole('button', { name: t.create }).click();
    await expect.poll(() => page.locator('#verifier').inputValue()).toMatch(/^[^+]+\+[0-9a-f]{8}\+/);
    await page.locator('select').first().selectOption(role);
    await page.getByRole('button', { name: t.enrol, exact: true }).click();
    await page.getByText(t.enrolled).first().waitFor();
  }

  it('approves with its own key after reading why; another official records the payment order', async () => {
    const { contract, payment } = await attestedPayment('min-approve');
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'ministry', subject: 'minlabour-official', contracts: [contract] }, '/ministry/queue');

    // The queue: the payment, its amount and period.
    const row = p.page.getByRole('row').filter({ hasText: 'y1' });
    await row.first().waitFor();
    await expect.poll(() => row.first().innerText()).toMatch(/30\s000\s000,00\s₽/);
    await checkPage(p, 'ministry-queue-ru');
    // The queue as CSV (BOM, the amount in major units) and as XLSX (a zip), from the buttons.
    const [csv] = await Promise.all([
      p.page.waitForEvent('download'),
      p.page.getByRole('button', { name: /Скачать CSV/ }).click(),
    ]);
    const csvText = readFileSync((await csv.path()) as string, 'utf8');
    expect(csvText.charCodeAt(0)).toBe(0xfeff);
    expect(csvText).toContain(',y1,30000000.00,RUB,');
    const [xlsx] = await Promise.all([
      p.page.waitForEvent('download'),
      p.page.getByRole('button', { name: /Скачать XLSX/ }).click(),
    ]);
    expect(xlsx.suggestedFilename()).toMatch(/\.xlsx$/);
    expect(
      readFileSync((await xlsx.path()) as string)
        .subarray(0, 2)
        .toString('latin1'),
    ).toBe('PK');

    // The payment page: the reasons and the checks made in the page.
    await row.first().getByRole('link').click();
    await p.page.waitForURL(new RegExp(`/c/${contract}/payments/${payment}$`));
    await p.page.getByText('Цифры на странице — ровно те, что закреплены в записи расчёта').waitFor();
    await p.page.getByText(/Независимый оценщик independent-evaluator подтвердил расчёт/).waitFor();
    expect(await p.page.getByText('Подпись: верна').count()).toBeGreaterThan(0);
    await p.page.getByRole('heading', { name: 'Результаты против целевых значений' }).waitFor();
    await checkPage(p, 'ministry-payment-ru');
    expect(await p.page.getByText(/тридцать миллионов рублей/).count()).toBeGreaterThan(0);

    // No key yet: the page leads to /keys.
    await p.page.getByRole('link', { name: 'Перейти к ключу подписи' }).click();
    await p.page.waitForURL(/\/keys\?next=/);
    await makeAndEnrolKey(p.page, 'ru', 'ministry');
    await checkPage(p, 'ministry-keys-ru');
    const enrolled = await fetch(`${b.url}/contracts/${contract}/party-keys`, {
      headers: { authorization: `Bearer ${await b.cli.token('ministry', 'minlabour-official', [contract])}` },
    }).then((r) => r.json() as Promise<{ keys: { role: string; subject: string }[] }>);
    expect(enrolled.keys).toContainEqual(expect.objectContaining({ role: 'ministry', subject: 'minlabour-official' }));

    // Back to the payment; approve: the confirmation states the amount in words, the payees and the version, then it is signed here.
    await p.page.getByRole('link', { name: 'Вернуться к решению по выплате' }).click();
    await p.page.waitForURL(new RegExp(`/c/${contract}/payments/${payment}$`));
    await p.page.getByRole('button', { name: 'Одобрить выплату' }).click();
    await p.page.getByRole('heading', { name: 'Подтвердите одобрение выплаты' }).waitFor();
    const confirm = p.page.locator('section.confirm');
    expect(await confirm.innerText()).toMatch(/тридцать миллионов рублей 00 копеек/);
    expect(await confirm.innerText()).toMatch(/версия 1/);
    expect(await confirm.innerText()).toMatch(/ВЭБ\.ДВ|VEB/);
    await confirm.getByText('Что именно подписывается').click();
    expect(await confirm.locator('pre').innerText()).toContain('step approved');
    await checkPage(p, 'ministry-confirm-approve-ru');
    await p.page.getByRole('button', { name: 'Подписать и одобрить' }).click();
    await p.page.getByText('Выплата одобрена.').waitFor();
    await checkPage(p, 'ministry-approved-ru');

    const approved = await readPaymentSummary(b.cli.rt.contracts, contract, payment);
    expect(approved.status.state).toBe('approved');
    const approval = approved.signatures.find((s) => s.step === 'approved');
    expect(approval?.subject).toBe('minlabour-official');
    const statement = decisionStatement(facts(contract, approved.status, 'approved'));
    expect(signatureVerifies(statement, approval as { key: string; line: string })).toBe(true);
    expect(p.errors).toEqual([]);

    // Another official, the treasury's, in English: a key of its own, then the payment order.
    const q = await b.page({ lang: 'en' });
    await b.signIn(q, { role: 'ministry', subject: 'minfin-treasury-official', contracts: [contract] }, '/keys');
    await makeAndEnrolKey(q.page, 'en', 'treasury');
    await checkPage(q, 'ministry-keys-en');
    await q.page.goto(`${b.url}/ministry/queue`);
    await q.page.getByText('Record the payment order').first().waitFor();
    await checkPage(q, 'ministry-queue-en');
    await q.page.goto(`${b.url}/c/${contract}/payments/${payment}`);
    await q.page.getByRole('button', { name: 'Record the payment order' }).click();
    await q.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await q.page.getByText("The payment order's number: 1 to 64").waitFor();
    await q.page.getByLabel('Payment order number').fill('PP-2024-000017');
    await q.page.getByLabel('Date paid').fill('2024-09-30');
    await q.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await q.page.getByRole('heading', { name: 'Confirm the payment order' }).waitFor();
    expect(await q.page.locator('section.confirm').innerText()).toMatch(/thirty million roubles/i);
    await checkPage(q, 'ministry-confirm-paid-en');
    await q.page.getByRole('button', { name: 'Sign and record' }).click();
    await q.page.getByText('The payment order is recorded').waitFor();
    await checkPage(q, 'ministry-payment-en');
    const paid = await readPayment(b.cli.rt.contracts, contract, payment);
    expect(paid.state).toBe('paid');
    expect(paid.steps.at(-1)).toMatchObject({ paymentOrder: 'PP-2024-000017', paidOn: '2024-09-30' });
    expect(q.errors).toEqual([]);
  });

  it('rejects with a reason, which is required', async () => {
    const { contract, payment } = await attestedPayment('min-reject');
    const p = await b.page({ lang: 'en' });
    await b.signIn(p, { role: 'ministry', subject: 'minlabour-deputy', contracts: [contract] }, '/keys');
    await makeAndEnrolKey(p.page, 'en', 'ministry');
    await p.page.goto(`${b.url}/c/${contract}/payments/${payment}`);
    await p.page.getByRole('button', { name: 'Reject the payment' }).click();
    await p.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await p.page.getByText('Say why the payment is rejected.').waitFor();
    const reason = 'Employment records for March are missing from the evidence';
    await p.page.getByLabel('Reason for rejection').fill(reason);
    await p.page.getByRole('button', { name: 'Next: review and sign' }).click();
    await p.page.getByRole('heading', { name: 'Confirm the rejection' }).waitFor();
    expect(await p.page.locator('section.confirm').innerText()).toContain(reason);
    await checkPage(p, 'ministry-confirm-reject-en');
    await p.page.getByRole('button', { name: 'Sign and reject' }).click();
    await p.page.getByText('The payment is rejected.').waitFor();
    const rejected = await readPayment(b.cli.rt.contracts, contract, payment);
    expect(rejected.state).toBe('rejected');
    expect(rejected.steps.at(-1)?.reason).toBe(reason);
    // The investor reads the same page, with no decision to take.
    const inv = await b.page({ lang: 'ru' });
    await b.signIn(
      inv,
      { role: 'investor', subject: 'veb-dv-analyst', contracts: [contract] },
      `/c/${contract}/payments/${payment}`,
    );
    await inv.page.getByText('Цифры на странице — ровно те, что закреплены в записи расчёта').waitFor();
    await inv.page.getByText('Решения по выплате принимает министерство').waitFor();
    expect(await inv.page.getByRole('button', { name: /Одобрить|Отклонить/ }).count()).toBe(0);
    await checkPage(inv, 'ministry-payment-investor-ru');
    expect(inv.errors).toEqual([]);
    // Nothing else awaits this official: the queue says so in words.
    await p.page.getByRole('link', { name: 'Awaiting my decision' }).click();
    await p.page.getByText('Nothing awaits your decision').waitFor();
    await checkPage(p, 'ministry-queue-empty-en');
    expect(p.errors).toEqual([]);
  });

  it('refuses in words an approval that would exceed the cap, writing nothing', async () => {
    const { contract, payment } = await overCapPayment();
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'ministry', subject: 'minlabour-head', contracts: [contract] }, '/keys');
    await makeAndEnrolKey(p.page, 'ru', 'ministry');
    const before = await b.cli.rt.contracts.log.size(contract);
    await p.page.goto(`${b.url}/c/${contract}/payments/${payment}`);
    await p.page.getByRole('button', { name: 'Одобрить выплату' }).click();
    await p.page.getByRole('button', { name: 'Подписать и одобрить' }).click();
    const refusal = p.page.locator('.refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/Решение не принято, ничего не записано/);
    expect(await refusal.innerText()).toMatch(/превысило бы общий лимит договора/);
    expect(await refusal.innerText()).toMatch(/20\s000\s000,00\s₽/);
    await checkPage(p, 'ministry-refused-cap-ru');
    expect(await b.cli.rt.contracts.log.size(contract)).toBe(before);
    expect((await readPayment(b.cli.rt.contracts, contract, payment)).state).toBe('attested');
    // The page reloaded the state: the payment still awaits a decision.
    await p.page.getByRole('button', { name: 'Одобрить выплату' }).waitFor();
  });
  it('says so when another official decided meanwhile, and shows the step as it now is', async () => {
    const { contract, payment } = await attestedPayment('min-race');
    const p = await b.page({ lang: 'ru' });
    await b.signIn(p, { role: 'ministry', subject: 'minlabour-first', contracts: [contract] }, '/keys');
    await makeAndEnrolKey(p.page, 'ru', 'ministry');
    await p.page.goto(`${b.url}/c/${contract}/payments/${payment}`);
    await p.page.getByRole('button', { name: 'Одобрить выплату' }).click();
    await p.page.getByRole('heading', { name: 'Подтвердите одобрение выплаты' }).waitFor();
    // Meanwhile another official of the ministry approves it.
    await approvePayment(b.cli.rt.contracts, {
      contract,
      payment,
      actor: { sub: 'minlabour-second', role: 'ministry' },
    });
    const before = await b.cli.rt.contracts.log.size(contract);
    await p.page.getByRole('button', { name: 'Подписать и одобрить' }).click();
    const refusal = p.page.locator('.refusal');
    await refusal.waitFor();
    expect(await refusal.innerText()).toMatch(/Этот шаг уже невозможен: выплата сейчас в состоянии «Одобрен»/);
    // Reloaded: approved, its next step the payment order, which this official's key (enrolled as ministry) may not sign.
    await p.page.locator('.summary-facts .badge', { hasText: 'Одобрен' }).waitFor();
    await p.page.getByText(/Следующий шаг подписывает «казначейство.*этот шаг делает другой сотрудник/).waitFor();
    await checkPage(p, 'ministry-refused-step-ru');
    expect(await b.cli.rt.contracts.log.size(contract)).toBe(before);
    // The refused request itself is the one error the browser logs.
    expect(p.errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  });
});
