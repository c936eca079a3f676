/**
 * What the evaluator's signing pages share: the contract chooser, the
 * statement a signature covers shown as it is signed (a <pre>), an outcome
 * box (done, or refused with the server's own words beside ours), and a
 * refused request told apart by its problem (four eyes, the log moved, the
 * wrong step, a signature the server did not accept).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../../components/async.tsx';
import { useLang } from '../../i18n.tsx';
import { ApiError } from '../../lib/api.ts';
import { contractTitle } from '../ministry/data.ts';
import { type ContractItem, listContracts } from './eval-data.ts';

/**
 * A signing page over the session's contracts: its heading and lead, then
 * `body` once the contracts are loaded (or why they are not, or that there
 * are none).
 */
export function OverContracts(props: {
  title: string;
  lead: string;
  body: (contracts: readonly ContractItem[]) => ComponentChildren;
}) {
  const { t } = useLang();
  usePageTitle(props.title);
  const contracts = useAsync(() => listContracts(), []);
  return (
    <>
      <h1>{props.title}</h1>
      <p class="lead">{props.lead}</p>
      {contracts.status === 'loading' ? (
        <Loading />
      ) : contracts.status === 'failed' ? (
        <ProblemNote error={contracts.error} />
      ) : contracts.value.length === 0 ? (
        <p class="muted">{t.evaluator.noContracts}</p>
      ) : (
        props.body(contracts.value)
      )}
    </>
  );
}

export function ContractChoice(props: {
  id: string;
  contracts: readonly ContractItem[];
  value: string;
  onChange: (id: string) => void;
}) {
  const { t, lang } = useLang();
  return (
    <>
      <label for={props.id}>{t.evaluator.contract}</label>
      <select id={props.id} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
        {props.contracts.map((c) => (
          <option key={c.id} value={c.id}>
            {contractTitle(c, undefined, c.id, lang)} ({c.id})
          </option>
        ))}
      </select>
    </>
  );
}

/** The statement exactly as signed. */
export function StatementBox(props: { statement: string; id: string }) {
  const { t } = useLang();
  return (
    <section class="eval-statement" aria-labelledby={props.id}>
      <h3 id={props.id}>{t.evaluator.statementTitle}</h3>
      <p class="muted small">{t.evaluator.statementHint}</p>
      <pre class="mono" lang="en">
        {props.statement}
      </pre>
    </section>
  );
}

/** A refused request: our sentence, the server's detail and per-field problems. */
export interface Refusal {
  readonly text: string;
  readonly detail?: string;
}

/** The server's own words: its detail and each field's problem. */
export function serverWords(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return (error as Error | undefined)?.message;
  const p = error.problem;
  const fields = (p.problems ?? (p.errors as typeof p.problems) ?? []).map((x) =>
    x.field ? `${x.field}: ${x.message}` : x.message,
  );
  const words = [p.detail ?? p.title ?? `HTTP ${error.status}`, ...fields].join(' · ');
  return words === '' ? undefined : words;
}

/** Focuses itself when shown, so a screen reader and the eye land on it. */
export function OutcomeBox(props: {
  ok: boolean;
  lead: string;
  refusal?: Refusal;
  children?: preact.ComponentChildren;
}) {
  const { t } = useLang();
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => box.current?.focus(), [props.lead, props.refusal?.text]);
  return props.ok ? (
    <div class="alert ok" role="status" tabIndex={-1} ref={box}>
      <p>
        <strong>{props.lead}</strong>
      </p>
      {props.children}
    </div>
  ) : (
    <div class="alert bad refusal" role="alert" tabIndex={-1} ref={box}>
      <p>
        <strong>{props.lead}</strong> {props.refusal?.text}
      </p>
      {props.children}
      {props.refusal?.detail === undefined ? null : (
        <details open>
          <summary>{t.evaluator.detail}</summary>
          <p class="mono" lang="en">
            {props.refusal.detail}
          </p>
        </details>
      )}
    </div>
  );
}
