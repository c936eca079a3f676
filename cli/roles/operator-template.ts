/**
 * `sib operator template`: a contract's fill-in template, as XLSX (the
 * contract's service types, cohorts and the event types as drop-downs, the
 * example on its own sheet) or CSV (the bilingual header and an example row
 * to replace). The contract's terms come from the API (its latest registered
 * version), so the template matches what the ledger checks.
 */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ContractProfileSchema } from '#contracts';
import { contractTemplate, templateCsv } from '#intake';
import { apiAction, Exit, usage } from '../errors.ts';
import { printJson, say } from '../output.ts';
import type { ContractVersions } from './answers.ts';
import { type ConnectionOptions, connect, connection, examples } from './connection.ts';

type TemplateOptions = ConnectionOptions & { contract: string; format?: string; output?: string };

export function registerTemplate(operator: Command): void {
  const cmd = operator
    .command('template')
    .description("write a contract's fill-in template: Russian and English headers, drop-down lists, an example row")
    .requiredOption('--contract <id>', 'contract id')
    .option('--format <format>', 'xlsx or csv', 'xlsx')
    .option('-o, --output <file>', 'the file to write (default: <contract>-template.<format>)');
  examples(connection(cmd, 'print {file, format, contract} as JSON'), [
    'sib operator template --contract second-chance-kamchatka',
    'sib operator template --contract antares-vko-2017 --format csv -o antares.csv',
  ]).action(
    apiAction(async (_ctx, opts: TemplateOptions) => {
      const format = (opts.format ?? 'xlsx').toLowerCase();
      if (format !== 'xlsx' && format !== 'csv') throw usage(`--format must be xlsx or csv, not ${format}`);
      const api = connect('operator', opts);
      const { versions } = (await api.call<ContractVersions>('getContract', { params: { contract: opts.contract } }))
        .body;
      const latest = versions.at(-1);
      if (latest === undefined) throw new Exit(1, `${opts.contract} has no registered version`);
      const template = contractTemplate(ContractProfileSchema.parse(latest.spec));
      const file = opts.output ?? `${opts.contract}-template.${format}`;
      const bytes =
        format === 'csv'
          ? new TextEncoder().encode(templateCsv(template))
          : await (await import('../../functions/adapters/xlsx-template.ts')).templateXlsx(template);
      await writeFile(file, bytes);
      if (opts.json) printJson({ file, format, contract: opts.contract });
      else {
        say(`Wrote ${file}: the ${format.toUpperCase()} template of ${opts.contract} (version ${latest.version}).`);
        say(
          format === 'xlsx'
            ? 'Fill the sheet Evidence (an example is on the sheet Example), then:'
            : 'Replace the example row with your records, then:',
        );
        say(`  sib operator submit --contract ${opts.contract} --batch-id <id> ${file}`);
      }
    }, 'operator'),
  );
}
