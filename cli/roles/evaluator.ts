/**
 * `sib evaluator …`: the independent evaluator's use cases through the API:
 * evaluate a period, attest a payment, publish a comparison figure, cosign
 * the log's checkpoint as a witness, read records, their proofs and
 * recorded evaluations.
 */
import type { Command } from 'commander';
import { cosignNote } from '#ledger';
import { EVALUATION_SHEETS, evaluationTables } from '../../functions/shared/export-tables.ts';
import { seqArg, sizeArg } from '../args.ts';
import { nowSeconds, openWitnessKey } from '../commands/keys.ts';
import { trustedKeys } from '../context.ts';
import { apiAction, Exit, usage } from '../errors.ts';
import { renderEvaluation } from '../evaluation-view.ts';
import { checkExport, type ExportOptions, exportOptions, writeExport } from '../export-table.ts';
import { printJson, say } from '../output.ts';
import { spinner } from '../table.ts';
import type { EvaluationRun, RecordedEvaluation } from './answers.ts';
import { type ConnectionOptions, connect, connection, examples, roleGroup } from './connection.ts';
import {
  paymentStep,
  paymentTarget,
  registerContractVersions,
  registerRecordProof,
  registerRecords,
  SEPARATION,
  type StepOptions,
} from './shared.ts';
import { comparisonSignature, signedEvaluation, signingKey } from './signing.ts';

export function register(program: Command): void {
  const evaluator = roleGroup(
    program,
    'evaluator',
    'the independent evaluator: evaluate periods, attest payments, publish comparison figures, cosign checkpoints',
  );
  registerEvaluate(evaluator);
  const attest = signingKey(
    paymentTarget(evaluator.command('attest')).description('attest a calculated payment'),
    "the independent evaluator's",
  );
  examples(
    connection(attest, 'print the receipt as JSON'),
    ['sib evaluator attest --contract second-chance-kamchatka --payment 13'],
    SEPARATION,
  ).action(
    apiAction(async (_ctx, opts: StepOptions) => {
      await paymentStep('evaluator', 'attestPayment', opts);
    }, 'evaluator'),
  );
  registerPublishComparison(evaluator);
  registerCosign(evaluator);
  registerRecords(evaluator, 'evaluator');
  registerRecordProof(evaluator, 'evaluator');
  registerEvaluation(evaluator);
  registerContractVersions(evaluator, 'evaluator');
}

function registerEvaluate(evaluator: Command): void {
  const evaluate = evaluator
    .command('evaluate')
    .description(
      'evaluate a period at a checkpoint: outcomes vs targets, comparisons, triggers and payment lines; the result is stored and recorded (a payment, calculated)',
    )
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--period <id>', 'a measurement period of the contract')
    .option('--checkpoint <size>', 'evaluate the log as it was at this tree size (default: its current size)', sizeArg);
  signingKey(evaluate, "the analyst's");
  exportOptions(evaluate, EVALUATION_SHEETS);
  examples(
    connection(
      evaluate,
      'print {sha256, key, entry, result} as JSON (the result with the pseudonyms behind each outcome)',
    ),
    [
      'sib evaluator evaluate --contract second-chance-kamchatka --period y1',
      'sib evaluator evaluate --contract peterborough --period cohort-1-result --checkpoint 12 --json',
      'sib evaluator evaluate --contract second-chance-kamchatka --period y1 --format xlsx -o y1.xlsx',
    ],
    "The same period at the same checkpoint gives the same result (and the same entry). The payment is the\nentry's seq; another evaluator subject attests it (sib evaluator attest).",
  ).action(
    apiAction(async (_ctx, opts: EvaluateOptions) => {
      checkExport(opts);
      const api = connect('evaluator', opts);
      const spin = spinner(`evaluating ${opts.contract} period ${opts.period}`);
      const checkpoint = opts.checkpoint === undefined ? {} : { checkpoint: opts.checkpoint };
      let run: EvaluationRun;
      try {
        run =
          opts.key === undefined
            ? (
                await api.call<EvaluationRun>('evaluate', {
                  params: { contract: opts.contract },
                  body: { period: opts.period, ...checkpoint },
                })
              ).body
            : await signedEvaluation<EvaluationRun>(api, opts.key, {
                contract: opts.contract,
                period: opts.period,
                ...checkpoint,
              });
      } finally {
        spin.stop();
      }
      if (opts.format !== 'table') {
        await writeExport(opts, evaluationTables(run.result));
        return;
      }
      if (opts.json) {
        printJson(run);
        return;
      }
      say(renderEvaluation(run.result, { key: run.key, sha256: run.sha256, seq: run.entry.seq }));
      if (run.entry.replayed) say('  (already recorded: the same evaluation at this checkpoint)');
      say(
        `\nPayment ${opts.contract}/${run.entry.seq}: attest it with sib evaluator attest --contract ${opts.contract} --payment ${run.entry.seq} (as another evaluator subject)`,
      );
    }, 'evaluator'),
  );
}

interface EvaluateOptions extends ConnectionOptions, ExportOptions {
  contract: string;
  period: string;
  checkpoint?: number;
  /** The analyst's party key file: the calculation is signed. */
  key?: string;
}

interface ComparisonOptions extends ConnectionOptions {
  contract: string;
  comparison: string;
  group: string;
  value: string;
  denominator?: number;
  period?: string;
  note?: string;
  /** The evaluator's party key file: the figure is signed. */
  key?: string;
}

function registerPublishComparison(evaluator: Command): void {
  const comparison = evaluator
    .command('publish-comparison')
    .description('publish a comparison-group figure, which evaluations then compare the treatment group against')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--comparison <id>', "the contract's comparison id")
    .requiredOption('--group <group>', 'the group the figure is of')
    .requiredOption('--value <decimal>', 'the figure: a non-negative decimal (a rate as 0.31)')
    .option('--denominator <n>', 'how many people the figure is over', seqArg)
    .option('--period <id>', 'the period the figure is for')
    .option('--note <text>', 'where the figure comes from (at most 500 characters)');
  signingKey(comparison, "the evaluator's");
  examples(connection(comparison, 'print the receipt as JSON'), [
    'sib evaluator publish-comparison --contract peterborough --comparison reconviction --group cohort-1 --value 0.31 --denominator 1000',
  ]).action(
    apiAction(async (_ctx, opts: ComparisonOptions) => {
      const api = connect('evaluator', opts);
      const figure = {
        comparison: opts.comparison,
        group: opts.group,
        value: opts.value,
        ...(opts.denominator === undefined ? {} : { denominator: opts.denominator }),
        ...(opts.period === undefined ? {} : { period: opts.period }),
      };
      const signature =
        opts.key === undefined
          ? {}
          : { signature: await comparisonSignature(opts.key, { contract: opts.contract, ...figure }) };
      const r = (
        await api.call<{ contract: string; seq: number; entryHash: string; replayed: boolean }>('publishComparison', {
          params: { contract: opts.contract },
          body: { ...figure, ...(opts.note === undefined ? {} : { note: opts.note }), ...signature },
        })
      ).body;
      if (opts.json) printJson(r);
      else {
        say(
          `${r.replayed ? 'Already published' : 'Published'}: comparison ${opts.comparison}, group ${opts.group}, value ${opts.value}\n  ledger entry   seq ${r.seq} (${r.entryHash})`,
        );
      }
    }, 'evaluator'),
  );
}

interface CosignOptions extends ConnectionOptions {
  contract: string;
  key: string;
  name?: string;
  logKey?: string;
}

function registerCosign(evaluator: Command): void {
  const cosign = evaluator
    .command('cosign')
    .description("cosign the contract log's latest checkpoint as a witness, with the witness's own key")
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--key <file>', "the witness's Ed25519 private key (PEM, from sib keys witness)")
    .option('--name <name>', 'witness name, for a key file without a Witness-Name line')
    .option(
      '--log-key <verifier-key>',
      "the log's verifier key, checked before cosigning (default: the local log key; required for a deployed API)",
    );
  examples(
    connection(cosign, 'print {contract, size, witnessKey, added, note} as JSON'),
    [
      'sib keys witness --name evaluator.example/witness --file evaluator.pem',
      'sib evaluator cosign --contract second-chance-kamchatka --key evaluator.pem',
      'sib ledger verify --contract second-chance-kamchatka --witness "evaluator.example/witness+1a2b3c4d+AX..."',
    ],
    "Prints the cosigned checkpoint (every signature line). Cosigning twice adds nothing. A note the log's key did\nnot sign is refused before anything is sent.",
  ).action(
    apiAction(async (_ctx, opts: CosignOptions) => {
      const witness = await openWitnessKey(opts.key, opts.name).catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') throw new Exit(1, `cannot read ${opts.key}: no such file`);
        throw error;
      });
      const api = connect('evaluator', opts);
      if (opts.logKey === undefined && !api.local) {
        throw usage(`give --log-key <name+id+key>: the log's verifier key of ${api.url}`);
      }
      const [logKey] = await trustedKeys(opts.logKey === undefined ? [] : [opts.logKey], opts.contract).catch(() => {
        throw usage("no local log key: give --log-key <name+id+key> (the log's key, from sib keys show where it runs)");
      });
      const params = { contract: opts.contract };
      const checkpoint = (await api.call<{ note: string; size: number }>('getCheckpoint', { params })).body;
      const note = await cosignNote(checkpoint.note, logKey as string, witness.signer, nowSeconds()).catch(
        (error: unknown) => {
          throw new Exit(1, `not cosigned: ${(error as Error).message}`);
        },
      );
      const r = (
        await api.call<{ contract: string; size: number; witnessKey: string; added: boolean; note: string }>(
          'cosignCheckpoint',
          { params, body: { note, witnessKey: witness.verifierKey } },
        )
      ).body;
      if (opts.json) {
        printJson(r);
        return;
      }
      process.stdout.write(r.note);
      process.stderr.write(
        `${r.added ? 'cosigned' : 'already cosigned'} checkpoint size ${r.size} of ${opts.contract} by witness ${r.witnessKey}\n`,
      );
    }, 'evaluator'),
  );
}

function registerEvaluation(evaluator: Command): void {
  const evaluation = evaluator
    .command('evaluation')
    .description('a recorded evaluation: who recorded it and when, and its full result')
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--seq <n>', 'the seq of its evaluation entry (the payment id)', seqArg);
  exportOptions(evaluation, EVALUATION_SHEETS);
  examples(connection(evaluation, 'print the recorded evaluation (with the pseudonyms behind each outcome) as JSON'), [
    'sib evaluator evaluation --contract second-chance-kamchatka --seq 13',
    'sib evaluator evaluation --contract second-chance-kamchatka --seq 13 --format xlsx -o evaluation-13.xlsx',
    "sib evaluator evaluation --contract second-chance-kamchatka --seq 13 --format csv --sheet 'payment lines'",
  ]).action(
    apiAction(async (_ctx, opts: ConnectionOptions & ExportOptions & { contract: string; seq: number }) => {
      checkExport(opts);
      const api = connect('evaluator', opts);
      const r = (
        await api.call<RecordedEvaluation>('getEvaluation', { params: { contract: opts.contract, seq: opts.seq } })
      ).body;
      if (opts.format !== 'table') {
        await writeExport(opts, evaluationTables(r.result));
        return;
      }
      if (opts.json) {
        printJson(r);
        return;
      }
      say(
        `Evaluation entry seq ${r.seq} of ${r.contract}: period ${r.period}, recorded by ${r.recordedBy.sub} (${r.recordedBy.role}) at ${r.recordedAt}\n`,
      );
      say(renderEvaluation(r.result, { key: r.key, sha256: r.sha256, seq: r.seq }));
    }, 'evaluator'),
  );
}
