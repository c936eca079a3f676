/**
 * The verify commands a report's PDF prints work exactly as printed: the
 * PDF carries the deployment's keys in full (the log's, the witnesses' with
 * the quorum, the parties' per role) and the commands of verify-commands.ts;
 * each command, as it reads in the PDF, is run against the report saved
 * under the name its download gives (reportFileName), and exits 0.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LogTrust, TRUST_POLICY_FORMAT } from '#ledger';
import { reportFileName } from '#services';
import { commandWords, TRUST_FILE, verifyCommands } from '../../functions/adapters/report-pdf/verify-commands.ts';
import { renderReportPdf } from '../../functions/adapters/report-pdf.ts';
import { type ReportFixture, secondChanceReport } from '../support/audit-report.ts';
import { sib, useDataDir } from '../support/cli.ts';
import { memoryParties, partyKeysOf } from '../support/parties.ts';
import { pdfPageTexts } from '../support/pdf.ts';

/** Each decision in the fixture is signed by its role's key, as the policy names them. */
const parties = memoryParties();

const data = useDataDir({ withStack: false });
let f: ReportFixture;
let trust: LogTrust;
let fileName: string;

/** The PDF's text with every white space removed: long keys and commands wrap in the box. */
const squeezed = (pdf: Uint8Array) => pdfPageTexts(pdf).join('').replace(/\s+/g, '');
const squeeze = (text: string) => text.replace(/\s+/g, '');
/** A printed command's arguments, as a shell reads them (continuation lines, nothing quoted), without `npx sib`. */
const argsOf = (command: string) => {
  const words = commandWords(command);
  expect(words.slice(0, 2)).toEqual(['npx', 'sib']);
  return words.slice(2);
};

beforeAll(async () => {
  f = await secondChanceReport({ parties });
  const sha256 = createHash('sha256').update(f.bytes).digest('hex');
  fileName = reportFileName({ contract: f.report.contract.id, period: f.report.period.id, sha256 }, 'json');
  trust = {
    contract: f.report.contract.id,
    origin: `test.log/${f.report.contract.id}`,
    logKey: f.logKey,
    witnesses: { quorum: 1, keys: [f.witnessKey] },
    parties: partyKeysOf(parties),
  };
  await writeFile(join(data.path, fileName), f.bytes);
});

describe.each(['ru', 'en'] as const)('the %s PDF of a report', (lang) => {
  let pdf: Uint8Array;
  beforeAll(async () => {
    pdf = await renderReportPdf(f.report, { lang, jsonSha256: 'a'.repeat(64), jsonFileName: fileName, trust });
  });

  it('prints every verifier key in full and the commands', () => {
    const c = verifyCommands(f.report.contract.id, { jsonFileName: fileName, trust });
    const text = squeezed(pdf);
    for (const key of [f.logKey, f.witnessKey, parties.ministry.key, parties.treasury.key])
      expect(text).toContain(squeeze(key));
    expect(c.trust).toBeDefined();
    for (const command of [c.withKeys, c.trust?.fetch ?? '', c.trust?.verify ?? '']) {
      expect(text).toContain(squeeze(command));
    }
    expect(text).toContain(squeeze(lang === 'en' ? 'Witnesses (1 of 1 must cosign)' : 'Свидетели (нужно 1 из 1)'));
    // The parties' roles in the reader's language.
    expect(text).toContain(
      squeeze(lang === 'en' ? 'Keys: ministry (approval, rejection)' : 'Ключи: министерство (одобрение, отказ)'),
    );
    expect(text).toContain(squeeze(lang === 'en' ? 'Keys: treasury (payment)' : 'Ключи: казначейство (оплата)'));
  });

  it('the command with the keys, run as printed next to the downloaded report: exit 0', async () => {
    const c = verifyCommands(f.report.contract.id, { jsonFileName: fileName, trust });
    // One option a line, continued with ` \`: every line is in the PDF as it is, none wrapped.
    const printed = c.withKeys.split('\n');
    // The box that prints it may start on the first page or the next (the party keys make it long).
    const page = pdfPageTexts(pdf).find((p) => p.includes(`${(printed[0] as string).trim()}\n`)) ?? '';
    expect(printed).toHaveLength(3);
    for (const line of printed) expect(page).toContain(`${line.trim()}\n`);
    const run = await sib(data.path, argsOf(c.withKeys), undefined, {}, data.path);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^OK: the report of second-chance-kamchatka period y2 verifies/);
  });

  it('the command with the trust policy, run as printed with the policy file sib trust show writes: exit 0', async () => {
    const c = verifyCommands(f.report.contract.id, { jsonFileName: fileName, trust });
    expect(c.trust?.fetch).toBe(`npx sib trust show --contract second-chance-kamchatka > ${TRUST_FILE}`);
    // What `sib trust show` prints for this deployment (the policy document; test/cli/trust-show-cli.test.ts).
    await writeFile(join(data.path, TRUST_FILE), `${JSON.stringify({ format: TRUST_POLICY_FORMAT, logs: [trust] })}\n`);
    const run = await sib(data.path, argsOf(c.trust?.verify ?? ''), undefined, {}, data.path);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('trust policy: test.log/second-chance-kamchatka signed by the policy');
  });
});

describe('without the trust policy', () => {
  it('the PDF names the file alone, as before', () => {
    expect(verifyCommands('c', { jsonFileName: 'r.json' })).toEqual({ withKeys: 'npx sib report verify r.json' });
  });
});

describe('the footer of a report with the deployment keys', () => {
  it.each(['ru', 'en'] as const)('(%s) names the command with the trust policy on every page', async (lang) => {
    const pdf = await renderReportPdf(f.report, { lang, jsonSha256: 'a'.repeat(64), jsonFileName: fileName, trust });
    const title = lang === 'ru' ? 'Как проверить' : 'How to verify';
    for (const page of pdfPageTexts(pdf)) {
      expect(page.replace(/\s+/g, ' ')).toContain(`npx sib report verify ${fileName} --trust trust.json (${title})`);
    }
  });
});
