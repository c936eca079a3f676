/**
 * What evidence is due (domain/services/evidence-due.ts): periods by their
 * data cut-off, and windows closing soon with the outcome unrecorded, with
 * the evaluation's own window arithmetic.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type ContractSpec, ContractSpecSchema } from '#contracts';
import { evidenceDue } from '#services';
import { REPO } from '../support/cli.ts';
import { RecordLog } from '../support/timeline-fixtures.ts';

const spec: ContractSpec = ContractSpecSchema.parse(
  JSON.parse(readFileSync(join(REPO, 'contracts', 'second-chance-kamchatka.json'), 'utf8')),
);
const options = (asOf: string) => ({ asOf, periodDays: 90, windowDays: 60, limit: 1000 });

describe('periods', () => {
  it('lists the periods whose cut-off is within the horizon, and those passed but not evaluated', () => {
    // y1 ends 2024-07-31 (passed), y2 2025-07-31 (in 61 days), final 2026-03-31 (too far).
    const due = evidenceDue(spec, 1, [], new Set(), options('2025-06-01'));

    expect(due.periods.map((p) => [p.id, p.status, p.daysLeft])).toEqual([
      ['y1', 'overdue', -305],
      ['y2', 'due', 60],
    ]);
    expect(due.periods[1]).toMatchObject({ cutoff: '2025-07-31', paymentDate: '2025-09-30' });
  });

  it('leaves out evaluated periods, and reads the data cut-off where the period has one', () => {
    const withCutoff: ContractSpec = {
      ...spec,
      periods: spec.periods.map((p) => (p.id === 'y2' ? { ...p, dataCutoff: '2025-09-15' } : p)),
    };

    const due = evidenceDue(withCutoff, 1, [], new Set(['y1']), options('2025-07-01'));

    expect(due.periods).toEqual([expect.objectContaining({ id: 'y2', cutoff: '2025-09-15', daysLeft: 76 })]);
  });
});

describe('windows', () => {
  it('lists participants whose window closes within the horizon while the outcome is unrecorded', () => {
    const log = new RecordLog();
    // Released 2024-01-10: the 180-day window ends 2024-07-07; the 365-day ones 2025-01-08.
    const waiting = log.participant({ date: '2024-01-05', category: 'serving-sentence' });
    waiting.release('2024-01-10');
    // Employed: the employment metrics are recorded, reconviction (settled at close) is not.
    const employed = log.participant({ date: '2024-01-05', category: 'serving-sentence' });
    employed.release('2024-01-10');
    employed.started('2024-02-01', { contract: 'permanent' });
    // Not released yet: no window.
    log.participant({ date: '2024-01-05', category: 'serving-sentence' });
    // Withdrawn: nothing more is due.
    const withdrawn = log.participant({ date: '2024-01-05', category: 'serving-sentence' });
    withdrawn.release('2024-01-10');
    withdrawn.withdrawal('2024-03-01');

    const due = evidenceDue(spec, 1, log.timelines('2024-06-01'), new Set(), options('2024-06-01'));

    expect(due.windowCount).toBe(1);
    expect(due.windows).toEqual([
      {
        participant: waiting.id,
        cohort: 'pilot',
        anchor: 'release',
        from: '2024-01-10',
        to: '2024-07-07',
        daysLeft: 36,
        metrics: [{ id: 'employed', title: expect.any(String) }],
      },
    ]);

    const later = evidenceDue(spec, 1, log.timelines('2024-12-01'), new Set(), options('2024-12-01'));
    expect(later.windows.map((w) => [w.participant, w.to, w.metrics.map((m) => m.id)])).toEqual([
      [waiting.id, '2025-01-08', ['permanent-employment', 'sustained-employment', 'reoffending']],
      [employed.id, '2025-01-08', ['reoffending']],
    ]);
  });

  it('does not list a window already closed, or one whose reconviction is recorded', () => {
    const log = new RecordLog();
    const a = log.participant({ date: '2024-01-05', category: 'released' });
    a.reconviction('2024-06-01');

    const due = evidenceDue(spec, 1, log.timelines('2024-12-01'), new Set(), options('2024-12-01'));
    const closed = evidenceDue(spec, 1, log.timelines('2025-02-01'), new Set(), options('2025-02-01'));

    expect(due.windows.map((w) => w.metrics.map((m) => m.id))).toEqual([
      ['permanent-employment', 'sustained-employment'],
    ]);
    expect(closed.windows).toEqual([]);
  });

  it('answers at most `limit` rows, soonest first, and the total beside them', () => {
    const log = new RecordLog();
    for (const date of ['2024-01-20', '2024-01-05', '2024-01-10']) log.participant({ date, category: 'released' });

    const due = evidenceDue(spec, 1, log.timelines('2024-06-01'), new Set(), { ...options('2024-06-01'), limit: 2 });

    expect(due.windowCount).toBe(3);
    expect(due.windows.map((w) => w.to)).toEqual(['2024-07-02', '2024-07-07']);
  });
});
