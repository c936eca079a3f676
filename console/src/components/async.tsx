/**
 * Loading data for a page: useAsync runs a request when its inputs change
 * (and forgets an answer that arrives after they changed again), and
 * ProblemNote says what went wrong in the reader's language (the server's
 * RFC 9457 detail, or a plain sentence for the network, 401 and 403).
 * usePageTitle names the browser tab after the page.
 */
import { useEffect, useState } from 'preact/hooks';
import { useLang } from '../i18n.tsx';
import { ApiError } from '../lib/api.ts';

export type AsyncState<T> =
  | { readonly status: 'loading' }
  | { readonly status: 'done'; readonly value: T }
  | { readonly status: 'failed'; readonly error: unknown };

/** `run` undefined: nothing to ask yet (no session: the frame is sending the reader to sign in), still loading. */
export function useAsync<T>(run: (() => Promise<T>) | undefined, inputs: readonly unknown[]): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ status: 'loading' });
  useEffect(() => {
    let live = true;
    setState({ status: 'loading' });
    if (run === undefined) return;
    run().then(
      (value) => live && setState({ status: 'done', value }),
      (error: unknown) => live && setState({ status: 'failed', error }),
    );
    return () => {
      live = false;
    };
  }, inputs);
  return state;
}

/** What went wrong, in words. */
export function problemText(error: unknown, t: ReturnType<typeof useLang>['t']): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return t.common.errors.unauthorized;
    if (error.status === 403) return error.problem.detail ?? t.common.errors.forbidden;
    const fields = (error.problem.problems ?? []).map((p) => (p.field ? `${p.field}: ${p.message}` : p.message));
    const head = error.problem.detail ?? error.problem.title ?? t.common.errors.generic(error.status);
    return [head, ...fields].join(' ');
  }
  if (error instanceof TypeError) return t.common.errors.network;
  return error instanceof Error ? error.message : String(error);
}

export function ProblemNote(props: { error: unknown; lead?: string }) {
  const { t } = useLang();
  return (
    <div class="alert bad" role="alert">
      {props.lead === undefined ? null : <strong>{props.lead} </strong>}
      {problemText(props.error, t)}
    </div>
  );
}

export function Loading() {
  const { t } = useLang();
  return (
    <p class="muted" role="status">
      {t.common.loading}
    </p>
  );
}

/** The browser tab's title: the page, then the product. */
export function usePageTitle(title: string): void {
  const { t } = useLang();
  useEffect(() => {
    document.title = title === '' ? t.common.product : `${title} · ${t.common.product}`;
  }, [title, t]);
}
