/**
 * `/evaluator/recompute`: recompute a recorded evaluation from a log export
 * and say whether the bytes match. The evaluator downloads the export of a
 * contract's log (GET /contracts/{contract}/export), opens it here (nothing
 * is uploaded), the page verifies it against the log's key and lists the
 * evaluations it records; for the one chosen, it recomputes the evaluation
 * in the browser with the domain's own runner (audit-recompute.ts, a lazy
 * chunk: the runner and formulas are not in any page's first load) and
 * shows the recorded and computed result SHA-256 and summary hash side by
 * side, with the time it took and the CLI command that does the same.
 */
import { useState } from 'preact/hooks';
import { ProblemNote, usePageTitle } from '../../components/async.tsx';
import { DropZone } from '../../components/DropZone.tsx';
import { withWebCrypto } from '../../crypto/kernel.ts';
import { useLang } from '../../i18n.tsx';
import { count, dateTime, money } from '../../lib/format.ts';
import { savedTrustPolicy } from '../../lib/log-watch.ts';
import { downloadExport, logTrust } from './audit-data.ts';
import { ContractPicker, useContracts } from './audit-parts.tsx';
import type { LoadedExport, Recomputation } from './audit-recompute.ts';

const engine = () => import('./audit-recompute.ts');

type Loading =
  | { readonly state: 'none' }
  | { readonly state: 'verifying'; readonly name: string; readonly size: number }
  | {
      readonly state: 'loaded';
      readonly name: string;
      readonly size: number;
      readonly loaded: LoadedExport;
      /** Whose log key the export was verified with: the policy saved in this browser, or the server's. */
      readonly keySource: 'saved' | 'server';
    }
  | {
      readonly state: 'refused';
      readonly name: string;
      readonly size: number;
      readonly message: string;
      readonly seq?: number;
    };

function DownloadPanel() {
  const { t } = useLang();
  const r = t.audit.recompute;
  const picker = useContracts();
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  return (
    <section class="panel" aria-labelledby="recompute-download">
      <h2 id="recompute-download">{r.downloadHeading}</h2>
      <div class="audit-form">
        <ContractPicker {...picker} />
        <button
          type="button"
          class="align-end"
          disabled={busy || picker.chosen === ''}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            setSaved(undefined);
            try {
              setSaved(await downloadExport(picker.chosen));
            } catch (e) {
              setError(e);
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? r.downloading : r.download}
        </button>
      </div>
      <p class="muted" aria-live="polite">
        {saved === undefined ? '' : r.downloaded(saved)}
      </p>
      {error === undefined ? null : <ProblemNote error={error} />}
    </section>
  );
}

function ResultPanel(props: { result: Recomputation }) {
  const { t, lang } = useLang();
  const r = t.audit.recompute;
  const x = props.result;
  const ok = x.resultMatches && x.summaryMatches;
  const line = (label: string, recorded: string, computed: string, same: boolean) => (
    <tr class={same ? '' : 'check-bad'}>
      <th scope="row">{label}</th>
      <td class="mono audit-hash">{recorded}</td>
      <td class="mono audit-hash">{computed}</td>
      <td>{same ? `✓ ${r.yes}` : `✗ ${r.no}`}</td>
    </tr>
  );
  return (
    <section aria-labelledby="recompute-result" data-testid="recompute-result">
      <h2 id="recompute-result">{r.resultCaption(x.seq, x.period)}</h2>
      <p class={ok ? 'alert ok verdict' : 'alert bad verdict'} role="status" data-verdict={ok ? 'match' : 'mismatch'}>
        {ok ? `✓ ${r.match}` : `✗ ${r.mismatch}`}
      </p>
      <div class="table-scroll">
        <table class="audit-compare">
          <caption class="sr-only">{r.resultCaption(x.seq, x.period)}</caption>
          <thead>
            <tr>
              <th scope="col">{r.what}</th>
              <th scope="col">{r.recorded}</th>
              <th scope="col">{r.computed}</th>
              <th scope="col">{r.same}</th>
            </tr>
          </thead>
          <tbody>
            {line(r.resultHash, x.recorded.sha256, x.computed.sha256, x.resultMatches)}
            {line(r.summaryHash, x.recorded.summary, x.computed.summary, x.summaryMatches)}
          </tbody>
        </table>
      </div>
      <p class="muted">
        {r.inputs(x.records, count(x.records, lang), x.batches)}{' '}
        <output data-recompute-ms={x.ms} data-compute-ms={x.computeMs}>
          {r.timing(count(x.ms, lang), count(x.computeMs, lang))}
        </output>
      </p>
    </section>
  );
}

function CliLine(props: { contract: string; period: string; size: number }) {
  const { t } = useLang();
  return (
    <p class="small-text">
      {t.audit.recompute.cli}{' '}
      <code class="mono">
        sib evaluator evaluate --contract {props.contract} --period {props.period} --checkpoint {props.size} --json
      </code>
    </p>
  );
}

function Evaluations(props: { loaded: LoadedExport }) {
  const { t, lang } = useLang();
  const r = t.audit.recompute;
  const [running, setRunning] = useState<{ seq: number; done: number; total: number } | undefined>();
  const [result, setResult] = useState<Recomputation | undefined>();
  const [error, setError] = useState<unknown>();
  const [chosen, setChosen] = useState<number | undefined>();
  const { loaded } = props;
  if (loaded.evaluations.length === 0) return <p class="empty">{r.noEvaluations}</p>;
  const chosenLine = loaded.evaluations.find((e) => e.seq === chosen);
  return (
    <section class="panel" aria-labelledby="recompute-choose">
      <h2 id="recompute-choose">{r.chooseHeading}</h2>
      <div class="table-scroll">
        <table>
          <caption>{r.evaluationsCaption}</caption>
          <thead>
            <tr>
              <th scope="col" class="num">
                {r.columns.seq}
              </th>
              <th scope="col">{r.columns.period}</th>
              <th scope="col" class="num">
                {r.columns.checkpoint}
              </th>
              <th scope="col" class="num">
                {r.columns.total}
              </th>
              <th scope="col">{r.columns.recordedAt}</th>
              <th scope="col">{r.columns.action}</th>
            </tr>
          </thead>
          <tbody>
            {loaded.evaluations.map((e) => (
              <tr key={e.seq}>
                <td class="num">{e.seq}</td>
                <td>{e.period}</td>
                <td class="num">{count(e.checkpoint.size, lang)}</td>
                <td class="num nowrap">{money(e.total, loaded.minorUnit, e.currency, lang)}</td>
                <td class="nowrap">{e.at === '' ? '—' : dateTime(e.at, 'UTC', lang)}</td>
                <td>
                  <button
                    type="button"
                    class="small"
                    disabled={running !== undefined}
                    aria-label={r.recomputeLabel(e.seq, e.period)}
                    onClick={async () => {
                      setChosen(e.seq);
                      setResult(undefined);
                      setError(undefined);
                      setRunning({ seq: e.seq, done: 0, total: 0 });
                      try {
                        const { recompute } = await engine();
                        const out = await recompute(loaded, e.seq, (done, total) =>
                          setRunning({ seq: e.seq, done, total }),
                        );
                        setResult(out);
                      } catch (err) {
                        setError(err);
                      } finally {
                        setRunning(undefined);
                      }
                    }}
                  >
                    {r.recomputeButton}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p class="muted" role="status" aria-live="polite">
        {running === undefined
          ? ''
          : running.total === 0
            ? r.starting
            : r.running(count(running.done, lang), count(running.total, lang))}
      </p>
      {error === undefined ? null : <ProblemNote error={error} lead={r.failed} />}
      {result === undefined ? null : <ResultPanel result={result} />}
      {chosenLine === undefined ? null : (
        <CliLine contract={loaded.contract} period={chosenLine.period} size={chosenLine.checkpoint.size} />
      )}
    </section>
  );
}

export default function Recompute() {
  const { t, lang } = useLang();
  const r = t.audit.recompute;
  usePageTitle(t.common.nav.recompute);
  const [loading, setLoading] = useState<Loading>({ state: 'none' });

  async function open(file: File) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const base = { name: file.name, size: bytes.byteLength };
    setLoading({ state: 'verifying', ...base });
    try {
      const { exportContract, loadExport, ExportRefused } = await engine();
      const contract = exportContract(bytes);
      // The policy saved in this browser (the log watch's, from the evaluator's own records) is preferred to the server's.
      const saved = (await savedTrustPolicy(withWebCrypto))?.logs.find((l) => l.contract === contract);
      const trust = saved ?? (contract === undefined ? undefined : await logTrust(contract));
      const keySource = saved === undefined ? 'server' : 'saved';
      try {
        const loaded = await loadExport(bytes, trust?.logKey ?? '');
        setLoading({ state: 'loaded', ...base, loaded, keySource });
      } catch (error) {
        if (!(error instanceof ExportRefused)) throw error;
        setLoading({
          state: 'refused',
          ...base,
          message: error.message,
          ...(error.seq === undefined ? {} : { seq: error.seq }),
        });
      }
    } catch (error) {
      setLoading({ state: 'refused', ...base, message: error instanceof Error ? error.message : String(error) });
    }
  }

  return (
    <>
      <h1>{t.common.nav.recompute}</h1>
      <p class="lead">{r.intro}</p>
      <DownloadPanel />
      <section class="panel" aria-labelledby="recompute-load">
        <h2 id="recompute-load">{r.loadHeading}</h2>
        <DropZone
          label={r.fileLabel}
          hint={r.fileHint}
          accept=".jsonl,.ndjson,application/x-ndjson,text/plain"
          testId="export-drop"
          chosen={loading.state === 'none' ? r.notChosen : r.chosen(loading.name, count(loading.size, lang))}
          onFile={(f) => void open(f)}
          resetAfterPick
        />
        <div aria-live="polite">
          {loading.state === 'verifying' ? <p class="muted">{r.verifying}</p> : null}
          {loading.state === 'loaded' ? (
            <p class="alert ok" data-export="verified">
              ✓ {r.verified(loading.loaded.contract, loading.loaded.size, count(loading.loaded.size, lang))}{' '}
              {loading.keySource === 'saved' ? r.keySaved : r.keyServer}
            </p>
          ) : null}
        </div>
        {loading.state === 'refused' ? (
          <div class="alert bad" role="alert" data-export="refused">
            <strong>✗ {r.refused}</strong> <span lang="en">{loading.message}</span>{' '}
            {loading.seq === undefined ? '' : r.refusedAt(loading.seq)}
          </div>
        ) : null}
      </section>
      {loading.state === 'loaded' ? <Evaluations key={loading.name + loading.size} loaded={loading.loaded} /> : null}
    </>
  );
}
