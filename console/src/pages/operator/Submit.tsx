/**
 * The operator submits an evidence batch (JSON, CSV or XLSX) to the batch
 * route (POST /contracts/{contract}/batches), picked or dropped. A batch is
 * all or nothing: on 422 every problem is shown in a table (exportable), and
 * the submitted CSV can be downloaded annotated with a leading `problems`
 * column (for JSON and XLSX, a CSV of the problems alone). Nothing is written
 * until the fixed file is accepted; the same batch again shows its original
 * receipt (200, replayed).
 *
 * The batch id is validated as the server does (domain/intake/archive.ts
 * BATCH_ID) and suggested from the file's name. Large files (over the batch
 * route's limit) are refused here with a pointer to the upload.
 */
import { useId, useState } from 'preact/hooks';
import { LIMITS } from '#evidence';
import { BATCH_ID } from '#intake';
import { useSession } from '../../app.tsx';
import { Loading, ProblemNote, problemText, useAsync, usePageTitle } from '../../components/async.tsx';
import { DropZone } from '../../components/DropZone.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { useLang } from '../../i18n.tsx';
import { ApiError, api, apiFetch, contractPath } from '../../lib/api.ts';
import type { ContractListItem } from '../../lib/contracts.ts';
import { saveBlob } from '../../lib/download.ts';
import { type ExportTable, fileName, toCsv } from '../../lib/export.ts';
import { count } from '../../lib/format.ts';
import {
  annotatedCsv,
  type BatchProblem,
  columnOf,
  jsonBatchId,
  kindOf,
  type Outcome,
  type Picked,
  type Receipt,
  suggestBatchId,
  unprefixed,
  whereOf,
  XLSX_TYPE,
} from './batch-files.ts';

function problemsTable(problems: readonly BatchProblem[], t: ReturnType<typeof useLang>['t']): ExportTable {
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

/** The batch file's drop zone: JSON, CSV or XLSX; the same file chosen again (fixed) is taken again. */
function BatchDrop(props: { picked: Picked | undefined; onFile: (file: File) => void }) {
  const { t, lang } = useLang();
  const s = t.operator.submit;
  return (
    <DropZone
      label={s.fileLabel}
      hint={s.fileHint}
      accept={`.json,.csv,.xlsx,application/json,text/csv,${XLSX_TYPE}`}
      testId="batch-drop"
      chosen={
        props.picked === undefined
          ? s.notChosen
          : s.chosen(props.picked.name, count(props.picked.bytes.byteLength, lang))
      }
      onFile={props.onFile}
      resetAfterPick
    />
  );
}

function ReceiptView(props: { receipt: Receipt }) {
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

function ProblemsView(props: { outcome: Extract<Outcome, { kind: 'refused' }> }) {
  const { t, lang } = useLang();
  const s = t.operator.submit;
  const { problems, total, byField, file } = props.outcome;
  const table = () => problemsTable(problems, t);
  const download = () => {
    const stem = file.name.replace(/\.[^.]*$/, '');
    if (file.kind === 'csv') {
      const text = new TextDecoder('utf-8').decode(file.bytes);
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
        <button type="button" class="secondary small" onClick={download} aria-describedby="annotated-hint">
          {s.annotated}
        </button>
      </div>
      <p class="muted" id="annotated-hint">
        {s.annotatedHint}
      </p>
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

export default function Submit() {
  const { t, lang } = useLang();
  const s = t.operator.submit;
  usePageTitle(s.title);
  const session = useSession();
  const contracts = useAsync(
    session === undefined ? undefined : () => api<{ contracts: ContractListItem[] }>('/contracts'),
    [session?.token],
  );
  const [contract, setContract] = useState<string | undefined>();
  const [picked, setPicked] = useState<Picked | undefined>();
  const [pickError, setPickError] = useState<string | undefined>();
  const [batchId, setBatchId] = useState('');
  const [sheet, setSheet] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | undefined>();
  const ids = { contract: useId(), batch: useId(), sheet: useId() };

  if (contracts.status === 'loading') return <Loading />;
  if (contracts.status === 'failed') return <ProblemNote error={contracts.error} />;
  const list = contracts.value.contracts;
  const chosen = contract ?? list[0]?.id;
  const batchIdValid = BATCH_ID.test(batchId);

  const onFile = async (file: File) => {
    setOutcome(undefined);
    const kind = kindOf(file.name);
    if (kind === undefined) {
      setPicked(undefined);
      setPickError(s.unsupported(file.name));
      return;
    }
    if (file.size > LIMITS.jsonBytes) {
      setPicked(undefined);
      setPickError(s.tooLarge(file.name, count(LIMITS.jsonBytes, lang)));
      return;
    }
    setPickError(undefined);
    const bytes = await file.arrayBuffer();
    setPicked({ name: file.name, kind, bytes });
    // A JSON batch names its own id; a table's id is suggested from its name unless the operator typed one.
    const own = kind === 'json' ? jsonBatchId(bytes) : undefined;
    if (own !== undefined) setBatchId(own);
    else if (batchId === '' || picked === undefined || batchId === suggestBatchId(picked.name)) {
      setBatchId(suggestBatchId(file.name));
    }
  };

  const send = async () => {
    if (picked === undefined || chosen === undefined || !batchIdValid) return;
    setBusy(true);
    setOutcome(undefined);
    try {
      const type = picked.kind === 'json' ? 'application/json' : picked.kind === 'csv' ? 'text/csv' : XLSX_TYPE;
      const response = await apiFetch(contractPath(chosen, 'batches'), {
        method: 'POST',
        body: picked.bytes,
        headers: { 'content-type': type },
        query: {
          batchId,
          sheet: picked.kind === 'xlsx' && sheet !== '' ? sheet : undefined,
        },
      });
      setOutcome({ kind: 'receipt', receipt: (await response.json()) as Receipt });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        const listed = (error.problem.errors ?? error.problem.problems ?? []) as BatchProblem[];
        const problems = picked.kind === 'xlsx' ? listed.map(unprefixed) : listed.slice();
        setOutcome({
          kind: 'refused',
          problems,
          total: Number(error.problem.problemCount ?? problems.length),
          byField: (error.problem.problemsByField ?? {}) as Record<string, number>,
          file: picked,
        });
      } else {
        setOutcome({ kind: 'failed', error });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>{s.title}</h1>
      <p class="lead">{s.lead}</p>
      {list.length === 0 ? (
        <p class="alert warn">{s.noContracts}</p>
      ) : (
        <form
          class="panel operator-form"
          onSubmit={(e) => {
            e.preventDefault();
            void send();
          }}
        >
          <div class="operator-field">
            <label for={ids.contract}>{s.contract}</label>
            <select
              id={ids.contract}
              value={chosen}
              onChange={(e) => {
                setContract(e.currentTarget.value);
                setOutcome(undefined);
              }}
            >
              {list.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.id}
                </option>
              ))}
            </select>
          </div>
          <BatchDrop picked={picked} onFile={(file) => void onFile(file)} />
          {pickError === undefined ? null : (
            <div class="alert bad" role="alert">
              {pickError}
            </div>
          )}
          <div class="operator-field">
            <label for={ids.batch}>{s.batchId}</label>
            <input
              id={ids.batch}
              type="text"
              class="mono"
              value={batchId}
              maxLength={64}
              aria-invalid={batchId !== '' && !batchIdValid}
              aria-describedby={`${ids.batch}-hint`}
              onInput={(e) => setBatchId(e.currentTarget.value.trim())}
            />
            <p class="muted" id={`${ids.batch}-hint`}>
              {batchId !== '' && !batchIdValid ? <strong>{s.batchIdInvalid}</strong> : s.batchIdHint}
            </p>
          </div>
          {picked?.kind === 'xlsx' ? (
            <div class="operator-field">
              <label for={ids.sheet}>{s.sheet}</label>
              <input
                id={ids.sheet}
                type="text"
                value={sheet}
                aria-describedby={`${ids.sheet}-hint`}
                onInput={(e) => setSheet(e.currentTarget.value)}
              />
              <p class="muted" id={`${ids.sheet}-hint`}>
                {s.sheetHint}
              </p>
            </div>
          ) : null}
          <button type="submit" disabled={busy || picked === undefined || !batchIdValid}>
            {busy ? s.sending : s.send}
          </button>
        </form>
      )}
      <div aria-live="polite">
        {outcome?.kind === 'receipt' ? <ReceiptView receipt={outcome.receipt} /> : null}
        {outcome?.kind === 'failed' ? (
          <div class="alert bad" role="alert">
            <strong>{s.failed} </strong>
            {problemText(outcome.error, t)}
          </div>
        ) : null}
      </div>
      {outcome?.kind === 'refused' ? <ProblemsView outcome={outcome} /> : null}
    </>
  );
}

export { annotatedCsv, suggestBatchId, unprefixed } from './batch-files.ts';
