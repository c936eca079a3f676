/**
 * `/evaluator/timelines`: a participant's timeline by pseudonym. The
 * evaluator types a pseudonym, or picks one of the pseudonyms behind an
 * evaluation's outcomes (GET /contracts/{contract}/evaluations/{seq}, the
 * evaluator's view); the page reads every record of that participant
 * (GET /contracts/{contract}/records?participant=…, page by page) and shows
 * them in date order with type, dates, batch and record id. A correction is
 * marked with the record it corrects, and a record a correction supersedes
 * is marked with the correction (records never change: docs/evidence.md).
 * Exportable (XLSX, CSV) as shown. Pseudonyms only: the operator's
 * references never reach the evaluator.
 */
import { useId, useState } from 'preact/hooks';
import { ProblemNote, usePageTitle } from '../../components/async.tsx';
import { ExportButtons } from '../../components/ExportButtons.tsx';
import { useLang } from '../../i18n.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { count, day } from '../../lib/format.ts';
import { evaluationPseudonyms, isPseudonym, participantRecords, type TimelineLine, timeline } from './audit-data.ts';
import { ContractPicker, useContracts } from './audit-parts.tsx';

type Shown =
  | { readonly state: 'none' }
  | { readonly state: 'loading'; readonly pseudonym: string; readonly n: number }
  | { readonly state: 'done'; readonly pseudonym: string; readonly lines: readonly TimelineLine[] }
  | { readonly state: 'failed'; readonly pseudonym: string; readonly error: unknown };

export default function Timelines() {
  const { t, lang } = useLang();
  const m = t.audit.timelines;
  usePageTitle(t.common.nav.timelines);
  const picker = useContracts();
  const pseudonymId = useId();
  const seqId = useId();
  const pickId = useId();
  const [typed, setTyped] = useState('');
  const [bad, setBad] = useState(false);
  const [seq, setSeq] = useState('');
  const [pseudonyms, setPseudonyms] = useState<readonly string[] | undefined>();
  const [pickError, setPickError] = useState<unknown>();
  const [shown, setShown] = useState<Shown>({ state: 'none' });

  async function show(pseudonym: string) {
    if (!isPseudonym(pseudonym)) {
      setBad(true);
      return;
    }
    setBad(false);
    setShown({ state: 'loading', pseudonym, n: 0 });
    try {
      const records = await participantRecords(picker.chosen, pseudonym, (n) =>
        setShown({ state: 'loading', pseudonym, n }),
      );
      setShown({ state: 'done', pseudonym, lines: timeline(records) });
    } catch (error) {
      setShown({ state: 'failed', pseudonym, error });
    }
  }

  const typeName = (type: string) => t.common.recordTypes[type] ?? type;
  const otherDates = (l: TimelineLine) => {
    const r = l.record;
    const parts: string[] = [];
    if (r.month !== undefined) parts.push(`${m.month} ${r.month}`);
    if (r.offenceDate !== undefined) parts.push(`${m.offenceDate} ${day(r.offenceDate, lang)}`);
    if (r.to !== undefined) parts.push(`${m.until} ${day(r.to, lang)}`);
    return parts.join('; ');
  };
  const mark = (l: TimelineLine) => {
    const parts: string[] = [];
    if (l.record.type === 'correction' && l.record.supersedes !== undefined) {
      parts.push(m.correction(l.record.supersedes));
    }
    for (const by of l.supersededBy) parts.push(m.supersededBy(by));
    return parts.join('; ');
  };
  const exportTable = (pseudonym: string, lines: readonly TimelineLine[]): ExportTable => ({
    name: `${m.exportName}-${pseudonym.slice(0, 10)}`,
    columns: [
      { key: 'date', label: m.columns.date, kind: 'date' },
      { key: 'type', label: m.columns.type },
      { key: 'dates', label: m.columns.dates },
      { key: 'batch', label: m.columns.batch },
      { key: 'event', label: m.columns.event },
      { key: 'status', label: m.columns.status },
    ],
    rows: lines.map((l) => ({
      date: l.record.date,
      type: typeName(l.record.type),
      dates: otherDates(l),
      batch: l.batchId,
      event: l.record.eventId,
      status: mark(l),
    })),
  });

  return (
    <>
      <h1>{t.common.nav.timelines}</h1>
      <p class="lead">{m.intro}</p>
      <section class="panel">
        <ContractPicker {...picker} />
        <form
          class="audit-form"
          onSubmit={(e) => {
            e.preventDefault();
            void show(typed.trim());
          }}
        >
          <div class="audit-field">
            <label for={pseudonymId}>{m.pseudonymLabel}</label>
            <p class="hint" id={`${pseudonymId}-hint`}>
              {m.pseudonymHint}
            </p>
            <input
              id={pseudonymId}
              class="mono audit-pseudonym-input"
              value={typed}
              spellcheck={false}
              autocomplete="off"
              aria-describedby={`${pseudonymId}-hint`}
              aria-invalid={bad}
              onInput={(e) => setTyped(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="align-end" disabled={picker.chosen === ''}>
            {m.show}
          </button>
        </form>
        {bad ? (
          <p class="field-problem" role="alert">
            {m.badPseudonym}
          </p>
        ) : null}
        <details class="audit-pick">
          <summary>{m.pickHeading}</summary>
          <form
            class="audit-form"
            onSubmit={async (e) => {
              e.preventDefault();
              setPickError(undefined);
              setPseudonyms(undefined);
              try {
                setPseudonyms(await evaluationPseudonyms(picker.chosen, Number(seq)));
              } catch (error) {
                setPickError(error);
              }
            }}
          >
            <div class="audit-field">
              <label for={seqId}>{m.seqLabel}</label>
              <input
                id={seqId}
                type="number"
                min={0}
                step={1}
                value={seq}
                onInput={(e) => setSeq(e.currentTarget.value)}
              />
            </div>
            <button type="submit" class="secondary align-end" disabled={seq === '' || picker.chosen === ''}>
              {m.load}
            </button>
          </form>
          {pickError === undefined ? null : <ProblemNote error={pickError} />}
          {pseudonyms === undefined ? null : (
            <div class="audit-field">
              <p class="muted">{m.pickedCount(pseudonyms.length, count(pseudonyms.length, lang))}</p>
              <label for={pickId}>{m.pickLabel}</label>
              <select
                id={pickId}
                class="mono"
                value=""
                onChange={(e) => {
                  const p = e.currentTarget.value;
                  if (p === '') return;
                  setTyped(p);
                  void show(p);
                }}
              >
                <option value="">{m.pickPlaceholder}</option>
                {pseudonyms.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </div>
          )}
        </details>
      </section>
      <div aria-live="polite">
        {shown.state === 'loading' ? <p class="muted">{m.loading(count(shown.n, lang))}</p> : null}
      </div>
      {shown.state === 'failed' ? <ProblemNote error={shown.error} lead={m.failed} /> : null}
      {shown.state === 'done' && shown.lines.length === 0 ? <p class="empty">{m.none}</p> : null}
      {shown.state === 'done' && shown.lines.length > 0 ? (
        <section aria-labelledby="timeline-title" data-testid="timeline">
          <div class="table-head">
            <h2 id="timeline-title" class="audit-pseudonym">
              {m.caption(shown.pseudonym)}
            </h2>
            <ExportButtons table={() => exportTable(shown.pseudonym, shown.lines)} />
          </div>
          <p class="muted">{m.count(shown.lines.length, count(shown.lines.length, lang))}</p>
          <div class="table-scroll">
            <table class="audit-timeline">
              <caption class="sr-only">{m.caption(shown.pseudonym)}</caption>
              <thead>
                <tr>
                  <th scope="col">{m.columns.date}</th>
                  <th scope="col">{m.columns.type}</th>
                  <th scope="col">{m.columns.dates}</th>
                  <th scope="col">{m.columns.batch}</th>
                  <th scope="col">{m.columns.event}</th>
                  <th scope="col">{m.columns.status}</th>
                </tr>
              </thead>
              <tbody>
                {shown.lines.map((l) => {
                  const superseded = l.supersededBy.length > 0;
                  const correction = l.record.type === 'correction';
                  return (
                    <tr
                      key={`${l.batchId}/${l.index}`}
                      class={superseded ? 'superseded' : correction ? 'audit-correction' : ''}
                      data-event={l.record.eventId}
                      data-mark={superseded ? 'superseded' : correction ? 'correction' : ''}
                    >
                      <td class="nowrap">{day(l.record.date, lang)}</td>
                      <td>{typeName(l.record.type)}</td>
                      <td>{otherDates(l)}</td>
                      <td class="mono">{l.batchId}</td>
                      <td class="mono">{l.record.eventId}</td>
                      <td>
                        {superseded ? <span class="badge warn">{mark(l)}</span> : null}
                        {correction ? (
                          <span class="badge">
                            {mark(l)}
                            {l.record.reason === undefined ? '' : ` (${m.reason}: ${l.record.reason})`}
                          </span>
                        ) : null}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
    </>
  );
}
