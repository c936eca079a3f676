/**
 * Downloads in the browser: a Blob saved under a name through an object URL
 * on a temporary link (no inline script: CSP-safe), and the two table
 * exports of lib/export.ts. Kept apart from export.ts, which has no DOM and
 * is tested under Node.
 */
import { type ExportTable, fileName, toCsv, xlsxBlob } from './export.ts';

export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // The download has started by then; the URL is only kept for a slow browser.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function downloadCsv(table: ExportTable): void {
  saveBlob(new Blob([toCsv(table)], { type: 'text/csv;charset=utf-8' }), fileName(table.name, 'csv'));
}

export async function downloadXlsx(table: ExportTable): Promise<void> {
  saveBlob(await xlsxBlob(table), fileName(table.name, 'xlsx'));
}
