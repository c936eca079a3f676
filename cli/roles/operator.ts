/**
 * `sib operator …`: the operator's evidence through the API: submit a batch,
 * upload a large one (presigned, then wait for its ingest), a batch's
 * status, records and their proofs, the contract's versions.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { type TextEncoding, textEncodingOf } from '#intake';
import { XLSX_MEDIA_TYPE } from '../../functions/shared/request.ts';
import { ApiError } from '../api-client.ts';
import { secondsArg } from '../args.ts';
import { apiAction, Exit, usage } from '../errors.ts';
import { readInput } from '../files.ts';
import { printJson, say } from '../output.ts';
import { problemCounts, problemTable } from '../problems.ts';
import { progressBar, spinner } from '../table.ts';
import type { BatchReceipt, UploadStatus } from './answers.ts';
import { type Api, type ConnectionOptions, connect, connection, examples, roleGroup } from './connection.ts';
import { registerBatches } from './operator-batches.ts';
import { registerTemplate } from './operator-template.ts';
import { accepted, renderBatchReceipt } from './render.ts';
import { registerContractVersions, registerRecordProof, registerRecords } from './shared.ts';
import { putFile } from './transfer.ts';

export function register(program: Command): void {
  const operator = roleGroup(
    program,
    'operator',
    "the operator's evidence: submit and upload batches, their status, records and their proofs",
  );
  registerSubmit(operator);
  registerBatch(operator);
  registerBatches(operator);
  registerUpload(operator);
  registerTemplate(operator);
  registerRecords(operator, 'operator');
  registerRecordProof(operator, 'operator');
  registerContractVersions(operator, 'operator');
}

/** The media type each batch format is sent as. */
const MEDIA_TYPES = { json: 'application/json', csv: 'text/csv', xlsx: XLSX_MEDIA_TYPE } as const;
type BatchFormat = keyof typeof MEDIA_TYPES;

/** The format of a batch file: --format, else its extension (.csv, .xlsx), else JSON. */
function batchFormat(file: string, given: string | undefined): BatchFormat {
  const format = (given ?? extname(file).slice(1)).toLowerCase();
  if (given === undefined && !(format in MEDIA_TYPES)) return 'json';
  if (!(format in MEDIA_TYPES)) throw usage(`--format must be json, csv or xlsx, not ${format}`);
  return format as BatchFormat;
}

function registerSubmit(operator: Command): void {
  const submit = operator
    .command('submit')
    .description('submit an evidence batch (JSON, CSV or XLSX) to the API: all or nothing, every problem listed')
    .requiredOption('--contract <id>', 'contract id')
    .argument(
      '<file>',
      'a JSON batch {"batchId", "records": [...]}, a CSV file, or an XLSX workbook with the CSV columns (docs/evidence.md)',
    )
    .option('--batch-id <id>', 'the batch id (required for CSV and XLSX; for JSON it may stand in the file)')
    .option('--format <format>', 'json, csv or xlsx (default: from the file name)')
    .option('--sheet <name>', "the workbook's sheet to read (XLSX; default: the first)")
    .option('--encoding <name>', ENCODING_HELP);
  examples(
    connection(submit, 'print the receipt, or the problem document (RFC 9457), as JSON'),
    [
      'sib operator submit --contract second-chance-kamchatka batch-2024-05.json',
      'sib operator submit --contract antares-vko-2017 --batch-id 2017-09-a services.csv',
      'sib operator submit --contract antares-vko-2017 --batch-id 2017-09-b --encoding windows-1251 excel.csv',
      'sib operator submit --contract second-chance-kamchatka --batch-id 2024-05 --sheet "May 2024" evidence.xlsx',
      'sib operator submit --contract second-chance-kamchatka batch.json --api https://api.example.org --token "$SIB_TOKEN"',
    ],
    'Submitting the same batch again answers the original receipt (Already accepted). Batches larger than the API\ntakes: sib operator upload.',
  ).action(
    apiAction(
      async (
        ctx,
        file: string,
        opts: ConnectionOptions & {
          contract: string;
          batchId?: string;
          format?: string;
          sheet?: string;
          encoding?: string;
        },
      ) => {
        const format = batchFormat(file, opts.format);
        if (format !== 'json' && opts.batchId === undefined) {
          throw usage(`give the batch id of a${format === 'csv' ? ' CSV' : 'n XLSX'} batch with --batch-id`);
        }
        if (opts.sheet !== undefined && format !== 'xlsx') throw usage('--sheet names a sheet of an XLSX workbook');
        const encoding = encodingOption(opts.encoding);
        if (format === 'json' && encoding !== 'utf-8') throw usage('a JSON batch is UTF-8: --encoding is for CSV');
        if (format === 'xlsx' && encoding !== 'utf-8') throw usage('a workbook is binary: --encoding is for CSV');
        ctx.unit = format === 'json' ? 'record' : format === 'csv' ? 'line' : 'row';
        // The file's bytes as they are: the server decides what they hold (a decoded file could not be undone).
        const body = await readInput(file);
        const api = connect('operator', opts);
        const answer = await api
          .call<BatchReceipt>('submitBatch', {
            params: { contract: opts.contract },
            query: { batchId: opts.batchId, sheet: opts.sheet },
            body,
            contentType:
              format === 'csv' && encoding !== 'utf-8' ? `text/csv; charset=${encoding}` : MEDIA_TYPES[format],
          })
          .catch((error: unknown) => {
            if (error instanceof ApiError && error.status === 413 && !opts.json) {
              const large = error.problem.detail || 'the batch is too large for the API';
              throw new Exit(
                1,
                format === 'csv'
                  ? `${large}: upload it instead (sib operator upload --contract ${opts.contract} --batch-id ${opts.batchId} ${file})`
                  : `${large}: split it, or write it as CSV and upload it (sib operator upload)`,
              );
            }
            throw error;
          });
        if (opts.json) printJson(answer.body);
        else say(accepted(answer.body));
      },
      'operator',
    ),
  );
}

function registerBatch(operator: Command): void {
  const batch = operator
    .command('batch')
    .description("a batch's status: its receipt once appended; for an upload, pending or its problems")
    .requiredOption('--contract <id>', 'contract id')
    .requiredOption('--batch <batchId>', 'the batch id');
  examples(connection(batch, 'print the receipt (or the upload status) as JSON'), [
    'sib operator batch --contract second-chance-kamchatka --batch sc-cohort-2023-1',
  ]).action(
    apiAction(async (ctx, opts: ConnectionOptions & { contract: string; batch: string }) => {
      const api = connect('operator', opts);
      const params = { contract: opts.contract, batchId: opts.batch };
      let receipt: BatchReceipt;
      try {
        receipt = (await api.call<BatchReceipt>('getBatch', { params })).body;
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404) throw error;
        // Not appended: perhaps an upload, still being ingested or rejected.
        const upload = await api.call<UploadStatus>('getUpload', { params }).catch((again: unknown) => {
          if (again instanceof ApiError && again.status === 404) {
            throw new Exit(
              1,
              `batch ${opts.batch} is not in the log of ${opts.contract}, nor an upload being ingested`,
            );
          }
          throw again;
        });
        ctx.unit = 'line';
        printUpload(upload.body, opts.contract, opts.json === true);
        return;
      }
      if (opts.json) printJson(receipt);
      else
        say(
          renderBatchReceipt(
            receipt,
            `Batch ${receipt.batchId} of ${receipt.contract}: ${receipt.recordCount} records, appended`,
          ),
        );
    }, 'operator'),
  );
}

function registerUpload(operator: Command): void {
  const upload = operator
    .command('upload')
    .description(
      'upload a large CSV batch (or an XLSX workbook, its first sheet): a presigned upload, the file sent with a progress bar, then wait until it is accepted or rejected',
    )
    .requiredOption('--contract <id>', 'contract id')
    .argument('<file.csv>', 'the CSV batch, or an XLSX workbook up to 1 MiB (docs/evidence.md)')
    .option('--batch-id <id>', "the batch id (default: the file's name without .csv or .xlsx)")
    .option('--encoding <name>', ENCODING_HELP)
    .option('--wait <seconds>', 'how long to wait for the ingest', secondsArg, 900)
    .option('--no-wait', 'return once the file is uploaded (then: sib operator batch)');
  examples(
    connection(upload, 'print the final status (accepted with its receipt, or rejected with its problems) as JSON'),
    [
      'sib operator upload --contract second-chance-kamchatka cohort-2024.csv',
      'sib operator upload --contract antares-vko-2017 --batch-id 2017-09-a services.csv --no-wait',
    ],
  ).action(
    apiAction(
      async (
        ctx,
        file: string,
        opts: ConnectionOptions & { contract: string; batchId?: string; encoding?: string; wait: number | false },
      ) => {
        const encoding = encodingOption(opts.encoding);
        if (extname(file).toLowerCase() === '.json') {
          throw usage('uploads take CSV files: submit a JSON batch with sib operator submit');
        }
        const type = extname(file).toLowerCase() === '.xlsx' ? MEDIA_TYPES.xlsx : MEDIA_TYPES.csv;
        if (type === MEDIA_TYPES.xlsx && encoding !== 'utf-8')
          throw usage('a workbook is binary: --encoding is for CSV');
        const batchId = opts.batchId ?? basename(file).replace(/\.(csv|xlsx)$/i, '');
        const size = await fileSize(file);
        const api = connect('operator', opts);
        ctx.unit = 'option';
        await sendUpload(api, opts.contract, { batchId, encoding, file, size, type });
        if (!opts.json)
          process.stderr.write(`uploaded ${file} (${size.toLocaleString('en')} bytes) as batch ${batchId}\n`);
        if (opts.wait === false) {
          if (opts.json) printJson({ status: 'pending', batchId });
          else
            say(
              `Batch ${batchId} is being ingested: sib operator batch --contract ${opts.contract} --batch ${batchId}`,
            );
          return;
        }
        const status = await waitForUpload(api, opts.contract, batchId, opts.wait);
        ctx.unit = 'line';
        printUpload(status, opts.contract, opts.json === true, type === MEDIA_TYPES.xlsx ? 'row' : 'line');
      },
      'operator',
    ),
  );
}

const ENCODING_HELP =
  'the CSV file\'s encoding: utf-8 (default) or windows-1251 (Russian Excel\'s "CSV"), converted by the server';

/** The --encoding option: utf-8 or windows-1251 (also by another label, e.g. cp1251); else a usage error. */
function encodingOption(given: string | undefined): TextEncoding {
  if (given === undefined) return 'utf-8';
  const encoding = textEncodingOf(given);
  if (encoding === undefined) throw usage(`--encoding must be utf-8 or windows-1251, not ${given}`);
  return encoding;
}

/** The size of a file to upload; an empty or unreadable one is exit 1. */
async function fileSize(file: string): Promise<number> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new Exit(1, `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (size === 0) throw new Exit(1, `${file} is empty`);
  return size;
}

/** The SHA-256 (hex) of a file, read as a stream: signed into the upload URL, for S3 to check the bytes. */
async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A presigned upload, then the file sent to it with a progress bar. */
async function sendUpload(
  api: Api,
  contract: string,
  upload: { batchId: string; encoding: TextEncoding; file: string; size: number; type: string },
): Promise<void> {
  const { batchId, file, size, type } = upload;
  const encoding = upload.encoding === 'utf-8' ? {} : { encoding: upload.encoding };
  const presigned = (
    await api.call<{ url: string; key: string; expiresIn: number; headers: Record<string, string> }>('presignUpload', {
      params: { contract },
      body: { batchId, contentType: type, ...encoding, contentLength: size, sha256: await fileSha256(file) },
    })
  ).body;
  const bar = progressBar('uploading');
  let put: { status: number; text: string };
  try {
    put = await putFile(presigned.url, presigned.headers, file, size, (sent) => bar.update(sent, size));
  } finally {
    bar.done();
  }
  if (put.status < 200 || put.status >= 300) {
    const code = /<Code>([^<]+)<\/Code>/.exec(put.text)?.[1];
    throw new Exit(1, `the upload of ${file} failed: HTTP ${put.status}${code ? ` ${code}` : ''}`);
  }
}

async function waitForUpload(api: Api, contract: string, batchId: string, seconds: number): Promise<UploadStatus> {
  const spin = spinner(`ingesting batch ${batchId}`);
  const deadline = Date.now() + seconds * 1000;
  let delay = 250;
  try {
    for (;;) {
      const status = (await api.call<UploadStatus>('getUpload', { params: { contract, batchId } })).body;
      if (status.status !== 'pending') return status;
      if (Date.now() >= deadline) {
        throw new Exit(
          1,
          `batch ${batchId} is still being ingested after ${seconds} s: see sib operator batch --contract ${contract} --batch ${batchId}`,
        );
      }
      await sleep(delay);
      delay = Math.min(2000, delay * 2);
    }
  } finally {
    spin.stop();
  }
}

/** An upload's status: pending (exit 0), accepted (its receipt), rejected (its problems by CSV line or sheet row, exit 1). */
function printUpload(status: UploadStatus, contract: string, json: boolean, unit: 'line' | 'row' = 'line'): void {
  if (status.status === 'rejected') process.exitCode = 1;
  if (json) {
    printJson(status);
    return;
  }
  if (status.status === 'pending') {
    say(
      `Batch ${status.batchId} of ${contract}: uploaded${status.uploadedAt ? ` at ${status.uploadedAt}` : ''}, being ingested`,
    );
  } else if (status.status === 'accepted') {
    say(accepted(status.receipt));
  } else {
    const more = problemCounts(status.problems.length, status.problemCount, status.problemsByField);
    process.stderr.write(
      `error: ${status.detail || status.title}${status.problems.length > 0 ? `\n\n${problemTable(status.problems, unit)}` : ''}\n${more}`,
    );
  }
}
