/**
 * The log watch in the frame, for every signed-in user on every page load:
 * each contract of the session's log is checked against the checkpoint this
 * browser verified last (lib/log-watch.ts), with the log key of the
 * investor's saved trust policy, else the deployment's published one. A
 * rollback, a fork or a checkpoint the log key did not sign is a prominent
 * alarm (role="alert") naming the log and both sizes; otherwise a small
 * status says the log was verified and at what size.
 *
 * The verifier code is loaded on demand, after the page, so it stays out of
 * the first load.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { getSession, type Session } from '../auth/session.ts';
import { type Localized, localized, useLang } from '../i18n.tsx';
import { api, apiFetch, contractPath } from '../lib/api.ts';
import { count } from '../lib/format.ts';
import type { WatchOutcome } from '../lib/log-watch.ts';

interface Watched {
  /** The contract's title in each language. */
  readonly title: Localized;
  readonly outcome: WatchOutcome;
  readonly source: 'saved' | 'published';
}

/** Watches every log of the session; stops asking once `alive()` is false (signed out, or another sign-in). */
async function watchAll(alive: () => boolean): Promise<Watched[]> {
  const [watch, { withWebCrypto }] = await Promise.all([import('../lib/log-watch.ts'), import('../crypto/kernel.ts')]);
  const store = watch.localWatchStore();
  const saved = await watch.savedTrustPolicy(withWebCrypto);
  // After sign-out a request would go without the token: never sent.
  const ask = <T,>(f: () => Promise<T>): Promise<T> => (alive() ? f() : Promise.reject(new Error('signed out')));
  const listed = await ask(() => api<{ contracts: { id: string; title: Localized }[] }>('/contracts'));
  const source = {
    checkpoint: (c: string) => ask(() => api<{ note: string }>(contractPath(c, 'checkpoint'))),
    consistency: (c: string, from: number, to: number) =>
      ask(() => api<{ proof: string[] }>(contractPath(c, 'consistency'), { query: { from, to } })),
  };
  const out: Watched[] = [];
  // One log at a time: each is a few small requests, and the store is read and written in turn.
  for (const { id, title } of listed.contracts) {
    if (!alive()) break;
    const own = saved === undefined ? undefined : watch.logTrustFor(id, saved, undefined);
    let trust = own;
    if (trust === undefined) {
      try {
        const published = await ask(() => apiFetch(contractPath(id, 'trust')));
        trust = watch.logTrustFor(id, undefined, await watch.parsePolicy(await published.text(), withWebCrypto));
      } catch {
        trust = undefined;
      }
    }
    if (trust === undefined) {
      out.push({
        title,
        outcome: { kind: 'unchecked', contract: id, detail: 'no trust policy names this log' },
        source: 'published',
      });
      continue;
    }
    const outcome = await watch.watchLog(id, trust.log, source, store, withWebCrypto);
    out.push({ title, outcome, source: trust.source });
  }
  return out;
}

function Alarm(props: { outcome: WatchOutcome; title: string; onForget: () => void }) {
  const { t, lang } = useLang();
  const [asked, setAsked] = useState(false);
  const w = t.investor.watch;
  const counted = (n: number) => ({ n, text: count(n, lang) });
  const o = props.outcome;
  let title: string;
  let text: string;
  let detail: string;
  if (o.kind === 'rollback') {
    title = w.rollbackTitle;
    text = w.rollback(props.title, counted(o.seenSize), counted(o.size));
    detail = o.detail;
  } else if (o.kind === 'fork') {
    title = w.forkTitle;
    text = w.fork(props.title, counted(o.seenSize), counted(o.size));
    detail = o.detail;
  } else if (o.kind === 'unsigned') {
    title = w.unsignedTitle;
    text = w.unsigned(props.title);
    detail = o.detail;
  } else {
    return null;
  }
  return (
    <div class="alarm" role="alert" data-alarm={o.kind} data-contract={o.contract}>
      <p class="alarm-title tight">
        <strong>⚠ {title}</strong>
      </p>
      <p class="tight">{text}</p>
      {o.kind === 'unsigned' ? null : <p class="small-text tight">{w.logName(o.origin)}</p>}
      <p class="tight">{w.advice}</p>
      <details>
        <summary>{w.technical}</summary>
        <p class="mono tight" lang="en">
          {detail}
        </p>
        {o.kind === 'unsigned' ? null : (
          <p class="row tight">
            {asked ? (
              <>
                <span>{w.forgetSure}</span>
                <button type="button" class="danger small" onClick={props.onForget}>
                  {w.forgetYes}
                </button>
              </>
            ) : (
              <button type="button" class="secondary small" onClick={() => setAsked(true)}>
                {w.forget}
              </button>
            )}
          </p>
        )}
      </details>
    </div>
  );
}

export function LogWatch(props: { session: Session }) {
  const { t, lang } = useLang();
  const [watched, setWatched] = useState<Watched[] | undefined>();
  // Bumped to watch again (after a reset log's checkpoint is forgotten).
  const [round, setRound] = useState(0);
  const token = props.session.token;
  // Each page opened in the console is a visit: the log may have grown since (a batch, a decision), and
  // a line saying "verified: 3 entries" about a log of 9 would be stale.
  const { path } = useLocation();
  const watchedFor = useRef<string | undefined>(undefined);
  // Once per sign-in (token) and per page (path); and again when a forgotten checkpoint asks for it (round).
  useEffect(() => {
    let live = true;
    // A new sign-in starts afresh; a new page keeps the last word until the new one is in.
    if (watchedFor.current !== token) setWatched(undefined);
    watchedFor.current = token;
    watchAll(() => live && getSession()?.token === token).then(
      (w) => live && setWatched(w),
      () => live && setWatched([]),
    );
    return () => {
      live = false;
    };
  }, [token, round, path]);
  // The title and the id: the id is what the operator and the ministry will look for.
  const named = (w: Watched) =>
    t.investor.watch.contract(localized(w.title, lang) || w.outcome.contract, w.outcome.contract);
  const alarms = (watched ?? []).filter(
    (w) => w.outcome.kind === 'rollback' || w.outcome.kind === 'fork' || w.outcome.kind === 'unsigned',
  );
  const fine = (watched ?? []).flatMap((w) =>
    w.outcome.kind === 'first' || w.outcome.kind === 'same' || w.outcome.kind === 'extended'
      ? [
          `${t.investor.watch.verified(named(w), w.outcome.size, count(w.outcome.size, lang))} ${t.investor.watch.source[w.source]}`,
        ]
      : [],
  );
  // Not an alarm, but not a verdict either: said, so silence never reads as "verified".
  const unchecked = (watched ?? []).flatMap((w) => (w.outcome.kind === 'unchecked' ? [w] : []));
  return (
    <div class="log-watch">
      {alarms.map((w) => (
        <Alarm
          key={w.outcome.contract}
          outcome={w.outcome}
          title={named(w)}
          onForget={() => {
            const o = w.outcome;
            if (o.kind !== 'rollback' && o.kind !== 'fork') return;
            void import('../lib/log-watch.ts').then((watch) => {
              watch.localWatchStore().forget(o.origin, o.logKey);
              setRound((n) => n + 1);
            });
          }}
        />
      ))}
      <p class="log-watch-status muted" role="status" aria-live="polite">
        {watched === undefined
          ? t.investor.watch.checking
          : fine.map((line) => (
              <span key={line} class="log-watch-line">
                ✓ {line}
              </span>
            ))}
        {unchecked.map((w) => (
          <span key={w.outcome.contract} class="warn-text log-watch-line">
            {t.investor.watch.unchecked(named(w))}{' '}
            <span lang="en">({w.outcome.kind === 'unchecked' ? w.outcome.detail : ''})</span>
          </span>
        ))}
      </p>
    </div>
  );
}
