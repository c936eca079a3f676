/**
 * The report's list of witnesses is exactly the witnesses whose cosignatures
 * on its checkpoint verify with the given keys: a named witness with no
 * verifying cosignature (none on the checkpoint, or no key given to check it)
 * fails the 'checkpoint witnesses' check, and so does a verifying cosignature
 * the list leaves out. Each forgery is signed again with the log key, as the
 * log's operator could.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditReport } from '#reports';
import { type ReportVerification, verifyReport } from '#reports';
import { copyOf, type ReportFixture, resigned, secondChanceReport } from '../support/audit-report.ts';
import { memoryWitness } from '../support/signer.ts';

const failed = (r: ReportVerification) => r.checks.filter((c) => !c.ok).map((c) => c.name);
const messageOf = (r: ReportVerification, name: string) => r.checks.find((c) => c.name === name)?.message;

let f: ReportFixture;
beforeAll(async () => {
  f = await secondChanceReport();
});

async function forged(change: (r: AuditReport) => void, keys: readonly string[]): Promise<ReportVerification> {
  const report = copyOf(f.report);
  change(report);
  return verifyReport(await resigned(report, f.logSigner), keys);
}

describe('the witnesses a report names', () => {
  it('as issued, with the witness key: exactly the witness that cosigned', () => {
    const result = verifyReport(f.bytes, [f.logKey, f.witnessKey]);
    expect(result.ok).toBe(true);
    expect(messageOf(result, 'checkpoint witnesses')).toBe('cosigned by test.witness');
  });

  it('a named witness whose key is not given: its cosignature cannot be checked, and that fails', () => {
    const result = verifyReport(f.bytes, [f.logKey]);
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe(
      'the report names test.witness as a witness, but no verifier key of test.witness was given: its cosignature cannot be checked',
    );
  });

  it('a named witness that did not cosign the checkpoint', async () => {
    const other = memoryWitness('other.witness');
    const result = await forged(
      (r) => {
        Object.assign(r, { witnesses: ['other.witness', 'test.witness'] });
      },
      [f.logKey, f.witnessKey, other.key],
    );
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe(
      'the report names other.witness as a witness, but the checkpoint carries no valid cosignature by its key',
    );
  });

  it('a cosignature that does not verify with the named witness key', async () => {
    const impostor = memoryWitness('test.witness');
    const result = verifyReport(f.bytes, [f.logKey, impostor.key]);
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe(
      'the report names test.witness as a witness, but the checkpoint carries no valid cosignature by its key',
    );
  });

  it('a verifying cosignature the report leaves out', async () => {
    const result = await forged(
      (r) => {
        Object.assign(r, { witnesses: [] });
      },
      [f.logKey, f.witnessKey],
    );
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe(
      "the checkpoint carries a valid cosignature by the witness test.witness, but the report's witnesses (none) leave it out",
    );
  });

  it('a witness named twice', async () => {
    const result = await forged(
      (r) => {
        Object.assign(r, { witnesses: ['test.witness', 'test.witness'] });
      },
      [f.logKey, f.witnessKey],
    );
    expect(failed(result)).toEqual(['checkpoint witnesses']);
    expect(messageOf(result, 'checkpoint witnesses')).toBe('the report names test.witness as a witness more than once');
  });
});
