/**
 * The two download buttons every table of the console carries: XLSX and
 * CSV of exactly what the table shows (lib/export.ts). The table may be given
 * as a function, so it is built only when someone downloads it. The XLSX
 * writer is loaded on the first click; a failure is said in words beside the
 * buttons.
 */
import { useState } from 'preact/hooks';
import { useLang } from '../i18n.tsx';
import { downloadCsv, downloadXlsx } from '../lib/download.ts';
import type { ExportTable } from '../lib/export.ts';

export type { ExportTable } from '../lib/export.ts';

export function ExportButtons(props: { table: ExportTable | (() => ExportTable); label?: string }) {
  const { t } = useLang();
  const [busy, setBusy] = useState(false);
  const [failed, setFailed] = useState<string | undefined>();
  const table = () => (typeof props.table === 'function' ? props.table() : props.table);
  const what = props.label === undefined ? '' : ` — ${props.label}`;
  return (
    <div class="export-buttons">
      <button
        type="button"
        class="secondary small"
        disabled={busy}
        aria-label={`${t.common.export.xlsx}${what}`}
        onClick={async () => {
          setBusy(true);
          setFailed(undefined);
          try {
            await downloadXlsx(table());
          } catch (error) {
            setFailed((error as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        {t.common.export.xlsx}
      </button>
      <button
        type="button"
        class="secondary small"
        aria-label={`${t.common.export.csv}${what}`}
        onClick={() => {
          setFailed(undefined);
          try {
            downloadCsv(table());
          } catch (error) {
            setFailed((error as Error).message);
          }
        }}
      >
        {t.common.export.csv}
      </button>
      <span class="bad" role="status" aria-live="polite">
        {failed ?? ''}
      </span>
    </div>
  );
}
