/**
 * Commands more than one role has, each acting with its own token: evidence
 * records and a record's proof (operator, evaluator), a contract's
 * registered versions (every role), and a payment step (the payment's
 * options, the request, the receipt).
 */
import type { Command } from 'commander';
import type { ApiRole } from '../../functions/adapters/local-token.ts';
import { checkDate, paymentOf, sizeArg } from '../args.ts';
import { apiAction, usage } from '../errors.ts';
import { printJson, say } from '../output.ts';
import type { ContractVersions, QueriedRecords, StepReceipt } from './answers.ts';
import { type Api, type ConnectionOptions, connect, connection, examples } from './connection.ts';
import { renderRecords, renderStep, renderVersions } from './render.ts';
import { stepSignature } from './signing.ts';

/** `records`: evidence records by participant, batch, or type and dates; every page (or --limit). */
export function registerRecords(parent: Command, role: 'operator' | 'evaluator'): void {
  const participant =
    role === 'operator'
      ? 'a participant: your reference (pseudonymised by the API) or the pseudonym p-…'
      : 'a participant: the pseudonym p-… (only the operator may look up by reference)';
  const cmd = parent
    .command('records')
    .description('evidence records, newest knowledge only: one participant, one batch, or one type in a date range')
    .requiredOption('--contract <id>', 'contract id')
    .option('--participant <ref>', participant)
    .option('--batch <batchId>', 'a batch, in record order')
    .option('--type <type>', 'a record type (e.g. employment-started), optionally with --from/--to')
    .option('--from <YYYY-MM-DD>', 'first date (with --type)')
    .option('--to <YYYY-MM-DD>', 'last date (with --type)')
    .option('--limit <n>', 'at most this many records (default: every page)', sizeArg);
  examples(connection(cmd, 'print {contract, records: [{batchId, index, record}]} as JSON'), [
    role === 'operator'
      ? 'sib operator records --contract second-chance-kamchatka --participant SC-000042'
      : 'sib evaluator records --contract second-chance-kamchatka --participant p-0123456789abcdef0123456789abcdef',
    `sib ${role} records --contract second-chance-kamchatka --batch sc-cohort-2023-1 --json`,
    `sib ${role} records --contract second-chance-kamchatka --type employment-started --from 2024-01-01 --to 2024-12-31`,
  ]).action(
    apiAction(async (_ctx, opts: RecordsOptions) => {
      const chosen = [opts.participant, opts.batch, opts.type].filter((x) => x !== undefined).length;
      if (chosen !== 1) throw usage('give exactly one of --participant, --batch, --type');
      if ((opts.from !== undefined || opts.to !== undefined) && opts.type === undefined) {
        throw usage('--from and --to narrow a --type query');
      }
      checkDate('--from', opts.from);
      checkDate('--to', opts.to);
      const records = await queryRecords(connect(role, opts), opts);
      if (opts.json) printJson({ contract: opts.contract, records });
      else say(renderRecords(records));
    }, role),
  );
}

interface RecordsOptions extends ConnectionOptions {
  contract: string;
  participant?: string;
  batch?: string;
  type?: string;
  from?: string;
  to?: string;
  limit?: number;
}

/** Every page of a records query, up to --limit. */
async function queryRecords(api: Api, opts: RecordsOptions): Promise<QueriedRecords['records']> {
  const records: QueriedRecords['records'] = [];
  let cursor: string | undefined;
  do {
    const left = opts.limit === undefined ? undefined : opts.limit - records.length;
    const page = (
      await api.call<QueriedRecords>('queryRecords', {
        params: { contract: opts.contract },
        query: {
          participant: opts.participant,
          batch: opts.batch,
          type: opts.type,
          from: opts.from,
          to: opts.to,
          limit: left === undefined ? undefined : Math.min(left, 1000),
          cursor,
        },
      })
    ).body;
    records.push(...page.records);
    cursor = page.next;
  } while (cursor !== undefined && (opts.limit === undefined || records.length < opts.limit));
  return records;
}

/** `record-proof`: an evidence record proved into its batch, and the batch's entry into a signed checkpoint. */
export function registerRecordProof(parent: Command, role: 'operator' | 'evaluator'): void {
  const cmd = parent
    .command('record-proof')
    .description(
      "an evidence record's proof, as JSON: into its batch's records root, and the batch's entry into a signed checkpoint",
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--event <eventId>', "the record's event id")
    .option('--size <m>', 'tree size to prove against (default: the current size)', sizeArg);
  examples(
    connection(cmd, 'print the proof as JSON (it always is)'),
    [
      `sib ${role} record-proof --contract second-chance-kamchatka --event SC-000123-enrol > proof.json`,
      'sib ledger verify-proof proof.json',
    ],
    'Checked offline, both levels, by sib ledger verify-proof (file or standard input).',
  ).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string; event: string; size?: number }) => {
      const api = connect(role, opts);
      const proof = await api.call<unknown>('getRecordProof', {
        params: { contract: opts.contract, eventId: opts.event },
        query: { size: opts.size },
      });
      printJson(proof.body);
    }, role),
  );
}

/** `contract`: the registered versions of a contract, their dates and spec hashes. */
export function registerContractVersions(parent: Command, role: ApiRole): void {
  const cmd = parent
    .command('contract')
    .description('the registered versions of a contract: dates, entries, spec hashes, periods')
    .requiredOption('--contract <id>', 'contract id');
  examples(connection(cmd, 'print {contract, versions} (with the full specs) as JSON'), [
    `sib ${role} contract --contract second-chance-kamchatka`,
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & { contract: string }) => {
      const api = connect(role, opts);
      const answer = (await api.call<ContractVersions>('getContract', { params: { contract: opts.contract } })).body;
      if (opts.json) printJson(answer);
      else say(renderVersions(answer.versions));
    }, role),
  );
}

export interface StepOptions extends ConnectionOptions {
  contract: string;
  payment: string;
  /** The acting party's key file: the step is signed (signing.ts). */
  key?: string;
}

/** The options that name a payment. */
export function paymentTarget(cmd: Command): Command {
  return cmd
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--payment <id>', 'the payment: the seq of its evaluation entry, <seq> or <contract>/<seq>');
}

export const SEPARATION =
  "Separation of duties: each step of a payment is taken by another subject (the token's). Act as another\nsubject with sib login --as <role> --subject <sub> --contract <id>, or --token.";

/**
 * Takes a payment step through the API and prints its receipt (the
 * approval's, its caller prints); with --key, signed by the acting party.
 */
export async function paymentStep(
  role: ApiRole,
  route: string,
  opts: StepOptions,
  body?: { lang?: string; reason?: string; paymentOrder?: string; paidOn?: string },
): Promise<{ api: Api; answer: unknown }> {
  const payment = paymentOf(opts.contract, opts.payment);
  const api = connect(role, opts);
  const { lang: _lang, ...fields } = body ?? {};
  const signature =
    opts.key === undefined
      ? undefined
      : await stepSignature(api, opts.key, route, { contract: opts.contract, payment }, fields);
  const sent = signature === undefined ? body : { ...body, signature };
  const answer = (
    await api.call<unknown>(route, {
      params: { contract: opts.contract, payment },
      ...(sent === undefined ? {} : { body: sent }),
    })
  ).body;
  if (opts.json) printJson(answer);
  else if (route !== 'approvePayment') say(renderStep(answer as StepReceipt, api.actor));
  return { api, answer };
}
