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
      'Choose a file or drop it here. CSV in UTF-8 or Windows-1251; XLSX: the first sheet unless another is named.',
    notChosen: 'No file chosen.',
    chosen: (name: string, bytes: string) => `Chosen: ${name} (${bytes} bytes).`,
    unsupported: (name: string) =>
      `${name} cannot be submitted: give the batch as JSON (.json), CSV (.csv) or XLSX (.xlsx).`,
    tooLarge: (name: string, limit: string) =>
      `${name} is larger than ${limit} bytes: a batch that large goes through the upload to storage (sib operator upload).`,
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
    annotatedHint:
      "CSV: the submitted file with a leading problems column listing each line's problems. JSON and XLSX: a CSV of the problems.",
    annotatedName: 'with-problems',
    fixAndResend: 'Fix the file and choose it again: nothing has been written in between.',
    failed: 'The batch was not submitted.',
  },
};
