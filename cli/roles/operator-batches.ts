/**
 * `sib operator batches`: the contract's evidence batches in the log, newest
 * first, with their records counted per record type (every page of GET
 * /contracts/{contract}/batches), and the uploads not (yet) in the log; as a
 * table, or exported (--format xlsx|csv: a column per record type).
 */
import type { Command } from 'commander';
import { batchesTable, type ListedBatch } from '../../functions/shared/export-tables.ts';
import { apiAction } from '../errors.ts';
import { checkExport, type ExportOptions, exportOptions, writeExport } from '../export-table.ts';
import { printJson, say } from '../output.ts';
import { table } from '../table.ts';
import { type ConnectionOptions, connect, connection, examples } from './connection.ts';

interface BatchPage {
  contract: string;
  size: number;
  batches: ListedBatch[];
  next?: number;
  uploads: { batchId: string; status: 'pending' | 'rejected'; at?: string; problemCount?: number }[];
}

/** The route's largest page (functions/api/ledger-batches.ts MAX_BATCH_PAGE). */
const PAGE = 200;

export function registerBatches(operator: Command): void {
  const cmd = operator
    .command('batches')
    .description("the contract's evidence batches, newest first: records per record type, when appended")
    .requiredOption('--contract <id>', 'contract id');
  exportOptions(cmd);
  examples(connection(cmd, 'print {contract, size, batches, uploads} as JSON'), [
    'sib operator batches --contract second-chance-kamchatka',
    'sib operator batches --contract second-chance-kamchatka --format xlsx -o batches.xlsx',
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & ExportOptions & { contract: string }) => {
      checkExport(opts);
      const api = connect('operator', opts);
      const first = (
        await api.call<BatchPage>('listBatches', { params: { contract: opts.contract }, query: { limit: PAGE } })
      ).body;
      const batches = [...first.batches];
      for (let before = first.next; before !== undefined; ) {
        const page = (
          await api.call<BatchPage>('listBatches', {
            params: { contract: opts.contract },
            query: { before, limit: PAGE },
          })
        ).body;
        batches.push(...page.batches);
        before = page.next;
      }
      if (opts.format !== 'table') {
        await writeExport(opts, [batchesTable(batches)]);
        return;
      }
      if (opts.json) {
        printJson({ ...first, batches, next: undefined });
        return;
      }
      if (batches.length === 0) say(`no batches of ${opts.contract} in the log`);
      else {
        say(
          table(
            ['batch', 'entry', 'appended', 'records', 'per type'],
            batches.map((b) => [
              b.batchId,
              b.seq,
              b.appendedAt,
              b.recordCount,
              Object.entries(b.types)
                .map(([type, n]) => `${type} ${n}`)
                .join(', '),
            ]),
          ),
        );
      }
      for (const u of first.uploads) {
        say(
          `upload ${u.batchId}: ${u.status}${u.problemCount === undefined ? '' : `, ${u.problemCount} problems`} (sib operator batch --contract ${opts.contract} --batch ${u.batchId})`,
        );
      }
    }, 'operator'),
  );
}
