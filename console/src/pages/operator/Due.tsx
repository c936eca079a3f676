/**
 * What evidence is due (`/operator/due`): for a contract of the session, the
 * periods whose data cut-off is near or passed unevaluated, and the
 * participants whose measurement windows close soon with an outcome still
 * unrecorded, as GET /contracts/{contract}/due computes them with the
 * evaluation's own window arithmetic (domain/services/evidence-due.ts).
 *
 * The ledger knows participants by pseudonym only. The operator may load
 * its own mapping (a CSV: pseudonym, reference) to see its references beside
 * the pseudonyms: the file is parsed here and kept in this component's state
 * only, never sent and never stored, so it is gone on reload.
 */
import { useId, useState } from 'preact/hooks';
import { useSession } from '../../app.tsx';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../../components/async.tsx';
import { DropZone } from '../../components/DropZone.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { localized, useLang } from '../../i18n.tsx';
import { api, contractPath } from '../../lib/api.ts';
import { type ContractListItem, type ServedSpec, specTexts } from '../../lib/contracts.ts';
import type { ExportTable } from '../../lib/export.ts';
import { count, day } from '../../lib/format.ts';
import { parseReferences } from './references.ts';

interface DuePeriod {
  readonly id: string;
  readonly from: string;
  readonly to: string;
  readonly paymentDate: string;
  readonly cutoff: string;
  readonly daysLeft: number;
  readonly status: 'due' | 'overdue';
}

interface DueWindow {
  readonly participant: string;
  readonly cohort: string;
  readonly anchor: 'enrolment' | 'release';
  readonly from: string;
  readonly to: string;
  readonly daysLeft: number;
  readonly metrics: readonly { readonly id: string; readonly title: string }[];
}

interface EvidenceDue {
  readonly asOf: string;
  readonly version: number;
  readonly periods: readonly DuePeriod[];
  readonly windows: readonly DueWindow[];
  readonly windowCount: number;
}

interface Query {
  readonly contract: string;
  readonly asOf: string;
  readonly periodDays: number;
  readonly windowDays: number;
}

/** The operator's mapping: pseudonym -> its own reference (this tab's memory only). */
interface References {
  readonly name: string;
  readonly map: ReadonlyMap<string, string>;
}

const todayIso = () => new Date().toISOString().slice(0, 10);

function ReferenceFile(props: { refs: References | undefined; onRefs: (r: References | undefined) => void }) {
  const { t, lang } = useLang();
  const d = t.batches.due;
  const [bad, setBad] = useState<string | undefined>();
  return (
    <section class="panel due-references" aria-labelledby="due-ref-h">
      <h2 id="due-ref-h">{d.refTitle}</h2>
      <p>{d.refExplain}</p>
      <DropZone
        label={d.refLabel}
        hint={d.refHint}
        accept=".csv,text/csv,text/plain"
        testId="due-reference-drop"
        chosen={props.refs === undefined ? d.refNone : props.refs.name}
        resetAfterPick
        onFile={(file) => {
          void file.text().then((text) => {
            try {
              const map = parseReferences(text);
              setBad(undefined);
              props.onRefs({ name: file.name, map });
            } catch (error) {
              props.onRefs(undefined);
              setBad(d.refBad((error as Error).message));
            }
          });
        }}
      />
      <div aria-live="polite">
        {bad === undefined ? null : (
          <div class="alert bad" role="alert">
            {bad}
          </div>
        )}
        {props.refs === undefined ? null : (
          <p class="due-ref-loaded">
            {d.refLoaded(count(props.refs.map.size, lang), props.refs.name)}{' '}
            <button type="button" class="secondary small" onClick={() => props.onRefs(undefined)}>
              {d.refForget}
            </button>
          </p>
        )}
      </div>
    </section>
  );
}

function DueView(props: { query: Query; refs: References | undefined }) {
  const { t, lang } = useLang();
  const d = t.batches.due;
  const q = props.query;
  const due = useAsync(
    () =>
      Promise.all([
        api<EvidenceDue>(contractPath(q.contract, 'due'), {
          query: { asOf: q.asOf, periodDays: q.periodDays, windowDays: q.windowDays },
        }),
        api<{ versions: { version: number; spec: ServedSpec }[] }>(contractPath(q.contract)),
      ]),
    [q.contract, q.asOf, q.periodDays, q.windowDays],
  );
  if (due.status === 'loading') {
    return (
      <p class="muted" role="status">
        {d.loading}
      </p>
    );
  }
  if (due.status === 'failed') return <ProblemNote error={due.error} />;
  const [answer, versions] = due.value;
  const spec = versions.versions.find((v) => v.version === answer.version)?.spec;
  const texts = spec === undefined ? undefined : specTexts(spec, lang);
  const metricTitle = (m: { id: string; title: string }) => texts?.metric(m.id) ?? m.title;
  const periodLabel = (id: string) => texts?.period(id) ?? id;
  const refs = props.refs;
  const closes = (n: number) => (n === 0 ? d.closesToday : d.closesIn(count(n, lang)));

  const periodsTable = (): ExportTable => ({
    name: d.exportPeriods(q.contract),
    columns: [
      { key: 'period', label: d.period },
      { key: 'from', label: d.periodFrom, kind: 'date' },
      { key: 'to', label: d.periodTo, kind: 'date' },
      { key: 'cutoff', label: d.cutoff, kind: 'date' },
      { key: 'paymentDate', label: d.paymentDate, kind: 'date' },
      { key: 'daysLeft', label: d.daysLeft, kind: 'number' },
      { key: 'status', label: d.status },
    ],
    rows: answer.periods.map((p) => ({
      period: periodLabel(p.id),
      from: p.from,
      to: p.to,
      cutoff: p.cutoff,
      paymentDate: p.paymentDate,
      daysLeft: p.daysLeft,
      status: p.status === 'overdue' ? d.statusOverdue : d.statusDue,
    })),
  });
  const windowsTable = (): ExportTable => ({
    name: d.exportWindows(q.contract),
    columns: [
      { key: 'participant', label: d.participant },
      ...(refs === undefined ? [] : [{ key: 'reference', label: d.reference }]),
      { key: 'cohort', label: d.cohort },
      { key: 'anchor', label: d.anchor },
      { key: 'from', label: d.windowFrom, kind: 'date' as const },
      { key: 'to', label: d.closes, kind: 'date' as const },
      { key: 'daysLeft', label: d.daysLeft, kind: 'number' as const },
      { key: 'metrics', label: d.metrics },
    ],
    rows: answer.windows.map((w) => ({
      participant: w.participant,
      ...(refs === undefined ? {} : { reference: refs.map.get(w.participant) ?? '' }),
      cohort: w.cohort,
      anchor: w.anchor === 'release' ? d.anchorRelease : d.anchorEnrolment,
      from: w.from,
      to: w.to,
      daysLeft: w.daysLeft,
      metrics: w.metrics.map(metricTitle).join('; '),
    })),
  });

  return (
    <>
      <p class="muted small-text">{d.version(String(answer.version))}</p>
      <section class="panel" aria-labelledby="due-periods-h">
        <div class="table-head">
          <h2 id="due-periods-h">{d.periods}</h2>
          {answer.periods.length === 0 ? null : <ExportButtons table={periodsTable} label={d.periods} />}
        </div>
        {answer.periods.length === 0 ? (
          <p class="empty">{d.periodsNone}</p>
        ) : (
          <div class="table-scroll">
            <table data-testid="due-periods">
              <thead>
                <tr>
                  <th scope="col">{d.period}</th>
                  <th scope="col">{d.span}</th>
                  <th scope="col">{d.cutoff}</th>
                  <th scope="col">{d.paymentDate}</th>
                  <th scope="col" class="num">
                    {d.daysLeft}
                  </th>
                  <th scope="col">{d.status}</th>
                </tr>
              </thead>
              <tbody>
                {answer.periods.map((p) => (
                  <tr key={p.id}>
                    <th scope="row">{periodLabel(p.id)}</th>
                    <td class="nowrap">
                      {day(p.from, lang)} – {day(p.to, lang)}
                    </td>
                    <td class="nowrap">{day(p.cutoff, lang)}</td>
                    <td class="nowrap">{day(p.paymentDate, lang)}</td>
                    <td class="num">
                      {p.daysLeft < 0 ? d.daysOverdue(count(-p.daysLeft, lang)) : count(p.daysLeft, lang)}
                    </td>
                    <td>
                      <span class={p.status === 'overdue' ? 'badge bad' : 'badge warn'}>
                        {p.status === 'overdue' ? d.statusOverdue : d.statusDue}
                      </span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="panel" aria-labelledby="due-windows-h">
        <div class="table-head">
          <h2 id="due-windows-h">{d.windows}</h2>
          {answer.windows.length === 0 ? null : <ExportButtons table={windowsTable} label={d.windows} />}
        </div>
        {answer.windows.length === 0 ? (
          <p class="empty">{d.windowsNone}</p>
        ) : (
          <>
            {answer.windowCount > answer.windows.length ? (
              <p class="muted small-text">
                {d.windowsShown(count(answer.windows.length, lang), count(answer.windowCount, lang))}
              </p>
            ) : null}
            <div class="table-scroll">
              <table class="due-table" data-testid="due-windows">
                <thead>
                  <tr>
                    <th scope="col">{d.participant}</th>
                    {refs === undefined ? null : <th scope="col">{d.reference}</th>}
                    <th scope="col">{d.cohort}</th>
                    <th scope="col">{d.window}</th>
                    <th scope="col">{d.closes}</th>
                    <th scope="col">{d.metrics}</th>
                  </tr>
                </thead>
                <tbody>
                  {answer.windows.map((w) => (
                    <tr key={`${w.participant}|${w.anchor}|${w.to}`} data-testid="due-window-row">
                      <th scope="row" class="mono">
                        {w.participant}
                      </th>
                      {refs === undefined ? null : (
                        <td data-testid="due-reference">{refs.map.get(w.participant) ?? '—'}</td>
                      )}
                      <td>{w.cohort}</td>
                      <td>
                        <span class="nowrap">
                          {day(w.from, lang)} – {day(w.to, lang)}
                        </span>
                        <br />
                        <span class="muted small-text">
                          {w.anchor === 'release' ? d.anchorRelease : d.anchorEnrolment}
                        </span>
                      </td>
                      <td class="nowrap">{closes(w.daysLeft)}</td>
                      <td>
                        <ul class="due-metrics">
                          {w.metrics.map((m) => (
                            <li key={m.id}>{metricTitle(m)}</li>
                          ))}
                        </ul>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </section>
    </>
  );
}

export default function EvidenceDue() {
  const { t, lang } = useLang();
  const d = t.batches.due;
  usePageTitle(d.title);
  const session = useSession();
  const contracts = useAsync(
    session === undefined ? undefined : () => api<{ contracts: ContractListItem[] }>('/contracts'),
    [session?.token],
  );
  const ids = { contract: useId(), asOf: useId(), periodDays: useId(), windowDays: useId() };
  const [form, setForm] = useState({ contract: '', asOf: todayIso(), periodDays: '90', windowDays: '60' });
  const [query, setQuery] = useState<Query | undefined>();
  const [refs, setRefs] = useState<References | undefined>();

  if (contracts.status === 'loading') return <Loading />;
  if (contracts.status === 'failed') return <ProblemNote error={contracts.error} />;
  const list = contracts.value.contracts;
  const chosen = form.contract === '' ? (list[0]?.id ?? '') : form.contract;
  const days = (text: string, fallback: number) => {
    const n = Number(text);
    return Number.isSafeInteger(n) && n >= 0 && n <= 3660 ? n : fallback;
  };
  const shown: Query | undefined =
    query ?? (chosen === '' ? undefined : { contract: chosen, asOf: form.asOf, periodDays: 90, windowDays: 60 });

  return (
    <>
      <h1>{d.title}</h1>
      <p class="lead">{d.lead}</p>
      <form
        class="panel due-form"
        onSubmit={(e) => {
          e.preventDefault();
          setQuery({
            contract: chosen,
            asOf: /^\d{4}-\d{2}-\d{2}$/.test(form.asOf) ? form.asOf : todayIso(),
            periodDays: days(form.periodDays, 90),
            windowDays: days(form.windowDays, 60),
          });
        }}
      >
        <div class="operator-field">
          <label for={ids.contract}>{d.contract}</label>
          <select
            id={ids.contract}
            value={chosen}
            onChange={(e) => setForm({ ...form, contract: e.currentTarget.value })}
          >
            {list.map((c) => (
              <option key={c.id} value={c.id}>
                {localized(c.title, lang) || c.id}
              </option>
            ))}
          </select>
        </div>
        <div class="operator-field">
          <label for={ids.asOf}>{d.asOf}</label>
          <input
            id={ids.asOf}
            type="date"
            value={form.asOf}
            onInput={(e) => setForm({ ...form, asOf: e.currentTarget.value })}
          />
        </div>
        <div class="operator-field">
          <label for={ids.periodDays}>{d.periodDays}</label>
          <input
            id={ids.periodDays}
            type="number"
            min={0}
            max={3660}
            value={form.periodDays}
            onInput={(e) => setForm({ ...form, periodDays: e.currentTarget.value })}
          />
        </div>
        <div class="operator-field">
          <label for={ids.windowDays}>{d.windowDays}</label>
          <input
            id={ids.windowDays}
            type="number"
            min={0}
            max={3660}
            value={form.windowDays}
            onInput={(e) => setForm({ ...form, windowDays: e.currentTarget.value })}
          />
        </div>
        <button type="submit">{d.show}</button>
      </form>
      <ReferenceFile refs={refs} onRefs={setRefs} />
      {shown === undefined ? null : <DueView query={shown} refs={refs} />}
    </>
  );
}
