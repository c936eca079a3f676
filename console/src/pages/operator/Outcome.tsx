/**
 * What the operator's submit page shows once a batch is sent, the same
 * whichever way it went (the batch route or the presigned upload): the
 * receipt, or the problem table with its exports and the annotated file
 * (a CSV with a leading `problems` column; a workbook annotated as XLSX,
 * annotated-xlsx.ts; for JSON, the problems as CSV); and, for an upload,
 * its progress (a real <progress> fed by the upload's events, with the
 * percentage and bytes as its accessible value).
 */
import { useState } from 'preact/hooks';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { useLang } from '../../i18n.tsx';
import { saveBlob } from '../../lib/download.ts';
import { type ExportTable, fileName, toCsv } from '../../lib/export.ts';
import { count, percent } from '../../lib/format.ts';
import { annotatedWorkbook } from './annotated-xlsx.ts';
import { annotatedCsv, type BatchProblem, columnOf, type Outcome, type Receipt, whereOf } from './batch-files.ts';
import type { UploadPhase } from './upload.ts';

type Texts = ReturnType<typeof useLang>['t'];

function problemsTable(problems: readonly BatchProblem[], t: Texts): ExportTable {
  const c = t.operator.submit.problems;
  return {
    name: c.exportName,
    columns: [
      { key: 'at', label: c.at },
      { key: 'column', label: c.column },
      { key: 'field', label: c.field },
      { key: 'message', label: c.message },
    ],
    rows: problems.map((p) => ({
      at: whereOf(p),
      column: columnOf(p),
      field: p.field ?? '',
      message: t.operator.submit.problemMessage(p.message),
    })),
  };
}

export function ReceiptView(props: { receipt: Receipt }) {
  const { t, lang } = useLang();
  const r = t.operator.submit.receipt;
  const x = props.receipt;
  return (
    <section class="panel operator-receipt" aria-labelledby="receipt-h">
      <div class="alert ok" role="status">
        {x.replayed ? t.operator.submit.replayed : t.operator.submit.accepted}
      </div>
      <h2 id="receipt-h">{r.caption}</h2>
      <dl class="facts">
        <dt>{r.batch}</dt>
        <dd class="mono">{x.batchId}</dd>
        <dt>{r.seq}</dt>
        <dd data-testid="receipt-seq">{x.seq}</dd>
        <dt>{r.records}</dt>
        <dd data-testid="receipt-count">{count(x.recordCount, lang)}</dd>
        {x.types === undefined
          ? null
          : Object.entries(x.types).map(([type, n]) => [
              <dt key={`t-${type}`}>{type}</dt>,
              <dd key={`n-${type}`}>{count(n, lang)}</dd>,
            ])}
        <dt>{r.recordsRoot}</dt>
        <dd class="mono operator-hash">{x.recordsRoot}</dd>
        <dt>{r.entryHash}</dt>
        <dd class="mono operator-hash">{x.entryHash}</dd>
      </dl>
    </section>
  );
}

export function ProblemsView(props: { outcome: Extract<Outcome, { kind: 'refused' }> }) {
  const { t, lang } = useLang();
  const s = t.operator.submit;
  const { problems, total, byField, file, sheet } = props.outcome;
  const [annotating, setAnnotating] = useState<'idle' | 'busy' | 'failed'>('idle');
  const table = () => problemsTable(problems, t);
  const stem = file.name.replace(/\.[^.]*$/, '');
  const download = async () => {
    if (file.kind === 'csv') {
      const text = new TextDecoder('utf-8').decode(await file.file.arrayBuffer());
      saveBlob(
        new Blob([annotatedCsv(text, problems, s.problemMessage)], { type: 'text/csv;charset=utf-8' }),
        fileName(`${stem}-${s.annotatedName}`, 'csv'),
      );
    } else {
      saveBlob(
        new Blob([toCsv(table())], { type: 'text/csv;charset=utf-8' }),
        fileName(`${stem}-${s.annotatedName}`, 'csv'),
      );
    }
  };
  const downloadXlsx = async () => {
    setAnnotating('busy');
    try {
      // Problems of another sheet than the batch's (a header on the wrong sheet) are said on its header row.
      const blob = await annotatedWorkbook(file.file, problems, { sheet, say: s.problemMessage });
      saveBlob(blob, fileName(`${stem}-${s.annotatedName}`, 'xlsx'));
      setAnnotating('idle');
    } catch {
      setAnnotating('failed');
    }
  };
  return (
    <section class="panel operator-problems" aria-labelledby="problems-h">
      <div class="alert bad" role="alert">
        {s.refused(count(problems.length, lang), count(total, lang))} {s.fixAndResend}
      </div>
      <h2 id="problems-h">{s.problems.caption}</h2>
      {Object.keys(byField).length === 0 ? null : (
        <p class="muted">
          {s.byField}:{' '}
          {Object.entries(byField)
            .map(([field, n]) => `${field} — ${count(n, lang)}`)
            .join(', ')}
        </p>
      )}
      <div class="operator-actions">
        <ExportButtons table={table} label={s.problems.caption} />
        {file.kind === 'xlsx' ? (
          <button
            type="button"
            class="secondary small"
            onClick={() => void downloadXlsx()}
            disabled={annotating === 'busy'}
            aria-describedby="annotated-hint"
          >
            {annotating === 'busy' ? s.annotatingXlsx : s.annotatedXlsx}
          </button>
        ) : null}
        <button type="button" class="secondary small" onClick={() => void download()} aria-describedby="annotated-hint">
          {file.kind === 'csv' ? s.annotated : s.annotatedList}
        </button>
      </div>
      <p class="muted" id="annotated-hint">
        {s.annotatedHint}
      </p>
      {annotating === 'failed' ? (
        <p class="alert bad" role="alert">
          {s.annotateFailed}
        </p>
      ) : null}
      <table class="operator-problem-table" data-testid="problem-table">
        <caption class="visually-hidden">{s.problems.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{s.problems.at}</th>
            <th scope="col">{s.problems.column}</th>
            <th scope="col">{s.problems.field}</th>
            <th scope="col">{s.problems.message}</th>
          </tr>
        </thead>
        <tbody>
          {problems.map((p, i) => (
            <tr key={i}>
              <td>{whereOf(p)}</td>
              <td>{columnOf(p)}</td>
              <td class="mono">{p.field ?? ''}</td>
              <td>{s.problemMessage(p.message)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/**
 * The upload's progress: the bar counts the bytes sent (the browser's upload
 * events), then stays full while the ingest checks the batch. The status
 * line is a live region, announced at each step rather than at each event.
 */
export function UploadProgress(props: { name: string; phase: UploadPhase; onCancel: () => void }) {
  const { t, lang } = useLang();
  const u = t.operator.submit.upload;
  const { phase } = props;
  const total = phase.step === 'presigning' ? 0 : phase.total;
  const sent = phase.step === 'sending' ? phase.sent : phase.step === 'presigning' ? 0 : total;
  const share = total === 0 ? 0 : sent / total;
  // Floored: 100 % only once every byte is sent.
  const text = u.progressText(percent(Math.floor(share * 100) / 100, lang, 0), count(sent, lang), count(total, lang));
  const status =
    phase.step === 'presigning'
      ? u.presigning
      : phase.step === 'sending'
        ? u.sending
        : phase.step === 'checking'
          ? u.checking
          : u.done;
  return (
    <section class="panel operator-upload" aria-labelledby="upload-h" data-testid="upload">
      <h2 id="upload-h">{u.caption(props.name)}</h2>
      <label class="operator-upload-label" for="upload-progress">
        {u.progressLabel}
      </label>
      <div class="operator-upload-bar">
        <progress
          id="upload-progress"
          data-testid="upload-progress"
          max={Math.max(total, 1)}
          value={sent}
          aria-valuetext={text}
        />
        <span class="operator-upload-figures" aria-hidden="true">
          {text}
        </span>
      </div>
      <p role="status" class="muted" data-testid="upload-status">
        {status}
      </p>
      {phase.step === 'sending' ? (
        // Only while sending: S3 stores the whole file or nothing; once it is stored the ingest runs regardless.
        <button type="button" class="secondary small" onClick={props.onCancel}>
          {u.cancel}
        </button>
      ) : null}
    </section>
  );
}
