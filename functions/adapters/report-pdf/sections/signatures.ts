/**
 * The signatures block: the log checkpoint the report is anchored to (size,
 * Merkle root, the log's key), the witnesses that cosigned it and the key
 * that signed the report.
 */
import type { ReportContext } from '../context.ts';

/** Key names on the signature lines of a C2SP signed note, as written (unverified: the JSON's verifier checks them). */
function signerNames(note: string): string[] {
  const at = note.indexOf('\n\n');
  if (at < 0) return [];
  return note
    .slice(at + 2)
    .split('\n')
    .filter((l) => l.startsWith('\u2014 '))
    .map((l) => l.slice(2).split(' ')[0] ?? '');
}

export function signatures({ w, t, f, report }: ReportContext): void {
  w.heading(t.signatures);
  const logName = signerNames(report.checkpoint.note)[0];
  w.pairs([
    [t.checkpoint, t.checkpointSize(f.int(report.checkpoint.size))],
    [t.checkpointRoot, { text: report.checkpoint.root, font: 'mono' }],
    [t.logSignature, { text: logName ?? t.none, font: logName === undefined ? 'regular' : 'mono' }],
    [
      t.witnesses,
      report.witnesses.length === 0 ? t.none : { text: report.witnesses.join(', '), font: 'mono' as const },
    ],
    [t.reportSignature, { text: `${report.signature.keyName} (${report.signature.keyId})`, font: 'mono' }],
  ]);
}
