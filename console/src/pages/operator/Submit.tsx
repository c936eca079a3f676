/**
 * The operator submits an evidence batch (JSON, CSV or XLSX), picked or
 * dropped: to the batch route (POST /contracts/{contract}/batches), or, for a
 * CSV over the batch route's limit (LIMITS.jsonBytes), through the presigned
 * upload (upload.ts) with a progress bar, then the S3-event ingest's
 * outcome. A batch is all or nothing: when refused, every problem is shown
 * in a table (exportable), and the file can be downloaded annotated with its
 * problems (Outcome.tsx). Nothing is written until the fixed file is
 * accepted; the same batch again shows its original receipt (replayed).
 *
 * The batch id is validated as the server does (domain/intake/archive.ts
 * BATCH_ID) and suggested from the file's name. A JSON batch has no upload
 * path and a workbook is read whole (at most XLSX_BYTES): larger ones are
 * refused here, in words, before anything is sent. The contract's fill-in
 * template is downloadable from the page.
 */
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { LIMITS } from '#evidence';
import { BATCH_ID } from '#intake';
import { useSession } from '../../app.tsx';
import { Loading, ProblemNote, problemText, useAsync, usePageTitle } from '../../components/async.tsx';
import { DropZone } from '../../components/DropZone.tsx';
import { localized, useLang } from '../../i18n.tsx';
import { ApiError, api, apiFetch, contractPath } from '../../lib/api.ts';
import type { ContractListItem } from '../../lib/contracts.ts';
import { saveBlob } from '../../lib/download.ts';
import { count } from '../../lib/format.ts';
import {
  type BatchProblem,
  jsonBatchId,
  kindOf,
  type Outcome,
  type Picked,
  type Receipt,
  suggestBatchId,
  unprefixed,
  XLSX_TYPE,
} from './batch-files.ts';
import { ProblemsView, ReceiptView, UploadProgress } from './Outcome.tsx';
import {
  awaitOutcome,
  csvEncoding,
  presignUpload,
  putFile,
  sha256Hex,
  UploadError,
  type UploadPhase,
  XLSX_BYTES,
} from './upload.ts';

/** A CSV larger than the batch route takes goes through the presigned upload. */
export const viaUpload = (p: Picked | undefined) => p?.kind === 'csv' && p.file.size > LIMITS.jsonBytes;

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
        props.picked === undefined ? s.notChosen : s.chosen(props.picked.name, count(props.picked.file.size, lang))
      }
      onFile={props.onFile}
      resetAfterPick
    />
  );
}

/** The contract's fill-in template (GET /contracts/{contract}/template), as XLSX or CSV. */
function TemplateDownload(props: { contract: string }) {
  const { t } = useLang();
  const x = t.operator.submit.template;
  const [failed, setFailed] = useState<unknown>();
  const get = async (format: 'xlsx' | 'csv') => {
    setFailed(undefined);
    try {
      const response = await apiFetch(contractPath(props.contract, 'template'), { query: { format } });
      saveBlob(await response.blob(), `${props.contract}-template.${format}`);
    } catch (error) {
      setFailed(error);
    }
  };
  return (
    <section class="panel operator-template" aria-labelledby="template-h">
      <h2 id="template-h">{x.caption}</h2>
      <p class="muted">{x.hint}</p>
      <div class="operator-actions">
        <button type="button" class="secondary small" onClick={() => void get('xlsx')}>
          {x.xlsx}
        </button>
        <button type="button" class="secondary small" onClick={() => void get('csv')}>
          {x.csv}
        </button>
      </div>
      {failed === undefined ? null : <ProblemNote error={failed} lead={x.failed} />}
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
  const [phase, setPhase] = useState<UploadPhase | undefined>();
  const [cancelled, setCancelled] = useState(false);
  const ids = { contract: useId(), batch: useId(), sheet: useId() };
  // An upload or its polling stops when the page is left.
  const abort = useRef<AbortController | undefined>(undefined);
  useEffect(() => () => abort.current?.abort(), []);

  if (contracts.status === 'loading') return <Loading />;
  if (contracts.status === 'failed') return <ProblemNote error={contracts.error} />;
  const list = contracts.value.contracts;
  const chosen = contract ?? list[0]?.id;
  const batchIdValid = BATCH_ID.test(batchId);

  /** Why the file cannot be sent at all, in words; undefined when it can. */
  const refusal = (file: File, kind: Picked['kind']): string | undefined => {
    if (kind === 'json' && file.size > LIMITS.jsonBytes)
      return s.tooLargeJson(file.name, count(LIMITS.jsonBytes, lang));
    if (kind === 'xlsx' && file.size > XLSX_BYTES) return s.tooLargeXlsx(file.name, count(XLSX_BYTES, lang));
    if (kind === 'csv' && file.size > LIMITS.fileBytes) return s.tooLargeCsv(file.name, count(LIMITS.fileBytes, lang));
    return undefined;
  };

  const onFile = async (file: File) => {
    setOutcome(undefined);
    setPhase(undefined);
    setCancelled(false);
    const kind = kindOf(file.name);
    const refused = kind === undefined ? s.unsupported(file.name) : refusal(file, kind);
    if (kind === undefined || refused !== undefined) {
      setPicked(undefined);
      setPickError(refused);
      return;
    }
    setPickError(undefined);
    setPicked({ name: file.name, kind, file });
    // A JSON batch names its own id; a table's id is suggested from its name unless the operator typed one.
    const own = kind === 'json' ? jsonBatchId(await file.arrayBuffer()) : undefined;
    if (own !== undefined) setBatchId(own);
    else if (batchId === '' || picked === undefined || batchId === suggestBatchId(picked.name)) {
      setBatchId(suggestBatchId(file.name));
    }
  };

  const refusedBy = (listed: readonly BatchProblem[], total: number | undefined, byField: unknown, file: Picked) => {
    const problems = file.kind === 'xlsx' ? listed.map(unprefixed) : listed.slice();
    setOutcome({
      kind: 'refused',
      problems,
      total: Number(total ?? problems.length),
      byField: (byField ?? {}) as Record<string, number>,
      file,
      ...(file.kind === 'xlsx' && sheet !== '' ? { sheet } : {}),
    });
  };

  /** The batch route: the file as the body, the receipt or every problem in the answer. */
  const post = async (file: Picked, to: string) => {
    try {
      const type = file.kind === 'json' ? 'application/json' : file.kind === 'csv' ? 'text/csv' : XLSX_TYPE;
      const response = await apiFetch(contractPath(to, 'batches'), {
        method: 'POST',
        body: file.file,
        headers: { 'content-type': type },
        query: { batchId, sheet: file.kind === 'xlsx' && sheet !== '' ? sheet : undefined },
      });
      setOutcome({ kind: 'receipt', receipt: (await response.json()) as Receipt });
    } catch (error) {
      if (error instanceof ApiError && error.status === 422) {
        const p = error.problem;
        refusedBy((p.errors ?? p.problems ?? []) as BatchProblem[], p.problemCount as number, p.problemsByField, file);
      } else {
        setOutcome({ kind: 'failed', error });
      }
    }
  };

  /** The presigned upload: the URL, the PUT with its progress, then the ingest's outcome. */
  const upload = async (file: Picked, to: string) => {
    const controller = new AbortController();
    abort.current = controller;
    const total = file.file.size;
    setPhase({ step: 'presigning' });
    try {
      const encoding = await csvEncoding(file.file);
      const ticket = await presignUpload(to, {
        batchId,
        contentType: 'text/csv',
        contentLength: total,
        ...(encoding === 'utf-8' ? {} : { encoding }),
        ...(await sha256Hex(file.file).then((sha256) => (sha256 === undefined ? {} : { sha256 }))),
      });
      setPhase({ step: 'sending', sent: 0, total });
      await putFile(ticket, file.file, (sent) => setPhase({ step: 'sending', sent, total }), controller.signal);
      setPhase({ step: 'checking', total });
      const status = await awaitOutcome(to, batchId, controller.signal);
      setPhase({ step: 'done', total });
      if (status.status === 'accepted') {
        setOutcome({ kind: 'receipt', receipt: { ...status.receipt, replayed: status.receipt.replayed ?? false } });
      } else {
        refusedBy(status.problems, status.problemCount, status.problemsByField, file);
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      setPhase(undefined);
      setOutcome({ kind: 'failed', error });
    }
  };

  const send = async () => {
    if (picked === undefined || chosen === undefined || !batchIdValid) return;
    setBusy(true);
    setOutcome(undefined);
    setPhase(undefined);
    setCancelled(false);
    try {
      await (viaUpload(picked) ? upload(picked, chosen) : post(picked, chosen));
    } finally {
      setBusy(false);
    }
  };

  /** Stops the upload while it is sent: nothing reaches the bucket, so nothing is checked or written. */
  const cancel = () => {
    abort.current?.abort();
    setPhase(undefined);
    setCancelled(true);
  };

  const failure = (error: unknown) =>
    error instanceof UploadError ? s.upload.putFailed(error.status, error.code) : problemText(error, t);

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
                  {localized(c.title, lang) || c.id}
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
          {viaUpload(picked) && picked !== undefined ? (
            <p class="operator-upload-note" data-testid="upload-note">
              {s.upload.note(count(picked.file.size, lang), count(LIMITS.jsonBytes, lang))}
            </p>
          ) : null}
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
      {phase === undefined || picked === undefined ? null : (
        <UploadProgress name={picked.name} phase={phase} onCancel={cancel} />
      )}
      {cancelled ? (
        <p class="alert warn" role="status">
          {s.upload.cancelled}
        </p>
      ) : null}
      <div aria-live="polite">
        {outcome?.kind === 'receipt' ? <ReceiptView receipt={outcome.receipt} /> : null}
        {outcome?.kind === 'failed' ? (
          <div class="alert bad" role="alert">
            <strong>{s.failed} </strong>
            {failure(outcome.error)}
          </div>
        ) : null}
      </div>
      {outcome?.kind === 'refused' ? <ProblemsView outcome={outcome} /> : null}
      {chosen === undefined ? null : <TemplateDownload contract={chosen} />}
    </>
  );
}

export { annotatedCsv, suggestBatchId, unprefixed } from './batch-files.ts';
