/** Texts of the operator's pages: submitting an evidence batch, its receipt or its problems. */
import type { Messages } from '../ru/index.ts';

export const operator: Messages['operator'] = {
  submit: {
    problemMessage: (message: string): string => message,
    title: 'Submit evidence',
    lead: 'A batch of event records is accepted whole or not at all: with any problem nothing is written, and every problem is listed in the table.',
    contract: 'Contract',
    noContracts: 'Your account has no contracts.',
    fileLabel: 'Batch file (JSON, CSV or XLSX)',
    fileHint:
      'Choose a file or drop it here. CSV in UTF-8 or Windows-1251, a large CSV goes through the upload to storage; XLSX: the first sheet unless another is named (at most 1 MiB); JSON: at most 6,000,000 bytes.',
    notChosen: 'No file chosen.',
    chosen: (name: string, bytes: string) => `Chosen: ${name} (${bytes} bytes).`,
    unsupported: (name: string) =>
      `${name} cannot be submitted: give the batch as JSON (.json), CSV (.csv) or XLSX (.xlsx).`,
    tooLargeJson: (name: string, limit: string) =>
      `${name} is larger than ${limit} bytes: a JSON batch that large is not taken. Split it into several batches, or save it as CSV: a large CSV goes through the upload to storage.`,
    tooLargeXlsx: (name: string, limit: string) =>
      `${name} is larger than ${limit} bytes: a workbook is read whole, so a large one is not taken. Save the sheet as "CSV UTF-8" and submit the CSV: it goes through the upload to storage.`,
    tooLargeCsv: (name: string, limit: string) =>
      `${name} is larger than ${limit} bytes: split it into several batches.`,
    batchId: 'Batch id',
    batchIdHint:
      'Latin letters, digits and . _ : / - , at most 64 characters, starting with a letter or digit. Submitting the same batch under the same id again returns its original receipt.',
    batchIdInvalid:
      'Batch id: only Latin letters, digits and . _ : / -, 1 to 64 characters, starting with a letter or digit.',
    sheet: 'Workbook sheet (optional)',
    sheetHint: 'Empty: the first sheet.',
    send: 'Submit batch',
    sending: 'Submitting the batch…',
    accepted: 'Batch accepted.',
    replayed: 'This batch had already been accepted: its original receipt is shown.',
    receipt: {
      caption: 'Receipt',
      batch: 'Batch',
      seq: 'Log entry (seq)',
      records: 'Records in the batch',
      recordsRoot: 'Records root',
      entryHash: 'Entry hash',
      checkpoint: 'Signed checkpoint',
    },
    refused: (shown: string, total: string) =>
      shown === total
        ? `Batch refused; nothing was written. Problems: ${total}.`
        : `Batch refused; nothing was written. Problems: ${total}; the table shows the first ${shown}.`,
    byField: 'Problems per field',
    problems: {
      caption: 'Problems of the batch',
      exportName: 'batch-problems',
      at: 'Line / record',
      column: 'Column',
      field: 'Field',
      message: 'Problem',
    },
    annotated: 'Download the file with its problems (CSV)',
    annotatedXlsx: 'Download the workbook with its problems (XLSX)',
    annotatingXlsx: 'Preparing the workbook…',
    annotatedList: 'Download the list of problems (CSV)',
    annotatedHint:
      "CSV: the file as sent with a first column, problems, listing each line's problems. XLSX: the workbook as sent with a first column, problems, on the batch's sheet. JSON: a CSV of the problems.",
    annotateFailed: 'The workbook could not be read to mark its problems: download the list of problems (CSV).',
    annotatedName: 'with-problems',
    fixAndResend: 'Fix the file and choose it again: nothing has been written in between.',
    failed: 'The batch was not submitted.',
    upload: {
      note: (size: string, limit: string) =>
        `A large file (${size} bytes, over ${limit}): it goes through the upload to storage, with its progress shown, then the whole batch is checked.`,
      caption: (name: string) => `Upload of ${name}`,
      progressLabel: 'Sent to storage',
      progressText: (share: string, sent: string, total: string) => `${share}: ${sent} of ${total} bytes`,
      presigning: 'Asking for the upload address…',
      sending: 'Sending the file to storage…',
      checking: 'The file is uploaded; the batch is being checked. This may take a few minutes.',
      done: 'The file was uploaded and checked.',
      cancel: 'Cancel the upload',
      cancelled: 'The upload was cancelled: the file was not sent and nothing was written.',
      putFailed: (status: number, code: string | undefined) =>
        status === 0
          ? 'the storage could not be reached or refused this page (network, CORS). Try again.'
          : `the storage refused it (HTTP ${status}${code === undefined ? '' : `, ${code}`}). Try again: an upload address is valid for 15 minutes.`,
    },
    template: {
      caption: 'Fill-in template',
      hint: "The contract's template: column headers in Russian and English, the contract's lists of allowed values, and an example row.",
      xlsx: 'Download the template (XLSX)',
      csv: 'Download the template (CSV)',
      failed: 'The template was not downloaded.',
    },
  },
};
