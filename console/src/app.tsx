/**
 * The console: the frame (header, navigation by role, language switch,
 * sign-out, the log watch's alarm) and the router. Pages are loaded on
 * demand, so the first load carries only the frame and the page at hand.
 *
 * Console paths never clash with the API's (`/contracts/...`): the
 * contract's pages are under `/c/`.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorBoundary, LocationProvider, lazy, Route, Router, useLocation } from 'preact-iso';
import { getSession, onSessionChange, type Session, signOutLocally } from './auth/session.ts';
import { signOut } from './auth/sign-out.ts';
import { LogWatch } from './components/LogWatch.tsx';
import { LangProvider, useLang } from './i18n.tsx';

const SignIn = lazy(() => import('./pages/SignIn.tsx'));
const AuthCallback = lazy(() => import('./pages/AuthCallback.tsx'));
const Contracts = lazy(() => import('./pages/Contracts.tsx'));
const Overview = lazy(() => import('./pages/Overview.tsx'));
const Queue = lazy(() => import('./pages/ministry/Queue.tsx'));
const Payment = lazy(() => import('./pages/ministry/Payment.tsx'));
const SigningKey = lazy(() => import('./pages/ministry/SigningKey.tsx'));
const Reports = lazy(() => import('./pages/investor/Reports.tsx'));
const Verify = lazy(() => import('./pages/investor/Verify.tsx'));
const InvestorPayments = lazy(() => import('./pages/investor/Payments.tsx'));
const Submit = lazy(() => import('./pages/operator/Submit.tsx'));
const BatchHistory = lazy(() => import('./pages/operator/History.tsx'));
const EvidenceDue = lazy(() => import('./pages/operator/Due.tsx'));
const Evaluate = lazy(() => import('./pages/evaluator/Evaluate.tsx'));
const Attest = lazy(() => import('./pages/evaluator/Attest.tsx'));
const Comparisons = lazy(() => import('./pages/evaluator/Comparisons.tsx'));
const Recompute = lazy(() => import('./pages/evaluator/Recompute.tsx'));
const Timelines = lazy(() => import('./pages/evaluator/Timelines.tsx'));
const WitnessStatus = lazy(() => import('./pages/evaluator/Witnesses.tsx'));

export function useSession(): Session | undefined {
  const [session, setSession] = useState(getSession);
  useEffect(() => onSessionChange(setSession), []);
  return session;
}

function Nav(props: { session: Session }) {
  const { t } = useLang();
  const { path } = useLocation();
  const links: [string, string][] = [['/', t.common.nav.contracts]];
  if (props.session.role === 'ministry') {
    links.push(['/ministry/queue', t.common.nav.queue], ['/keys', t.common.nav.key]);
  }
  if (props.session.role === 'evaluator') {
    // Seven pages: their short names keep the header on one line (each page's heading says it in full).
    const short = t.common.navShort;
    links.push(
      ['/evaluator/evaluate', short.evaluate],
      ['/evaluator/attest', short.attest],
      ['/evaluator/comparisons', short.comparisons],
      ['/evaluator/recompute', short.recompute],
      ['/evaluator/timelines', short.timelines],
      ['/evaluator/witnesses', short.witnesses],
      ['/keys', short.key],
    );
  }
  if (props.session.role === 'operator') {
    links.push(
      ['/operator/batches', t.common.nav.submit],
      ['/operator/history', t.common.nav.history],
      ['/operator/due', t.common.nav.due],
    );
  }
  if (props.session.role === 'investor') {
    links.push(
      ['/investor/reports', t.common.nav.reports],
      ['/investor/payments', t.common.nav.payments],
      ['/investor/verify', t.common.nav.verify],
    );
  }
  return (
    <nav aria-label={t.common.productLong}>
      <ul class="nav">
        {links.map(([href, label]) => (
          <li key={href}>
            <a href={href} aria-current={path === href ? 'page' : undefined}>
              {label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** Whether this tab opened with a session that had already expired (getSession forgets it on first read). */
const EXPIRED_AT_LOAD = (() => {
  try {
    const stored = JSON.parse(sessionStorage.getItem('sib-console.session') ?? 'null') as { expiresAt?: number } | null;
    return stored !== null && Number(stored.expiresAt) * 1000 <= Date.now();
  } catch {
    return false;
  }
})();

/** Warn this long before the token expires. */
const EXPIRY_WARNING_S = 10 * 60;

/**
 * A notice while the token has under ten minutes left (the minutes tick);
 * when it runs out, the session is forgotten and the frame sends the reader
 * to sign in again, saying why.
 */
function ExpiryNotice(props: { session: Session }) {
  const { t } = useLang();
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const left = props.session.expiresAt - Math.floor(now / 1000);
  useEffect(() => {
    if (left <= 0) signOutLocally();
  }, [left]);
  if (left > EXPIRY_WARNING_S || left <= 0) return null;
  return (
    <div class="alert warn expiry" role="status">
      {t.common.session.expiresSoon(Math.max(1, Math.ceil(left / 60)))}{' '}
      <a href={`/sign-in?next=${encodeURIComponent(location.pathname)}`} onClick={() => signOutLocally()}>
        {t.common.session.signInAgain}
      </a>
    </div>
  );
}

function Frame(props: { children: ComponentChildren }) {
  const { t, lang, setLang } = useLang();
  const session = useSession();
  const { route, path, url } = useLocation();
  const open = path === '/sign-in' || path === '/auth/callback' || path === '/investor/verify';
  // A session that ends while a page is open (expiry, a 401) is said so on the sign-in page.
  const hadSession = useRef(session !== undefined || EXPIRED_AT_LOAD);
  // Signing out on purpose is no ended session.
  const signingOut = useRef(false);
  useEffect(() => {
    const ended = hadSession.current && session === undefined && !signingOut.current;
    hadSession.current = session !== undefined;
    if (session === undefined && !open) {
      route(`/sign-in?next=${encodeURIComponent(url)}${ended ? '&reason=expired' : ''}`, true);
    }
  }, [session, open, url, route]);
  return (
    <>
      <a class="skip" href="#main">
        {t.common.skipToContent}
      </a>
      <header class="top">
        <a class="brand" href="/">
          {t.common.product}
        </a>
        {session === undefined ? null : <Nav session={session} />}
        <div class="top-right">
          <button
            type="button"
            class="link"
            lang={lang === 'ru' ? 'en' : 'ru'}
            aria-label={t.common.switchToLabel}
            onClick={() => setLang(lang === 'ru' ? 'en' : 'ru')}
          >
            {t.common.switchTo}
          </button>
          {session === undefined ? null : (
            <>
              <span class="who">
                {t.common.signedInAs(session.subject, t.common.roles[session.role] ?? session.role)}
              </span>
              <button
                type="button"
                class="link"
                onClick={() => {
                  signingOut.current = true;
                  void signOut();
                }}
              >
                {t.common.signOut}
              </button>
            </>
          )}
        </div>
      </header>
      {session === undefined ? null : <ExpiryNotice session={session} />}
      {session === undefined ? null : <LogWatch session={session} />}
      {/* A signed-out visitor of a closed page is on the way to sign-in: the page's requests would only be refused. */}
      <main id="main">{session === undefined && !open ? null : props.children}</main>
    </>
  );
}

function NotFound() {
  const { t } = useLang();
  return <h1>{t.common.notFound}</h1>;
}

export function App() {
  return (
    <LangProvider>
      <LocationProvider>
        <ErrorBoundary>
          <Frame>
            <Router>
              <Route path="/" component={Contracts} />
              <Route path="/sign-in" component={SignIn} />
              <Route path="/auth/callback" component={AuthCallback} />
              <Route path="/c/:contract" component={Overview} />
              <Route path="/c/:contract/payments/:payment" component={Payment} />
              <Route path="/ministry/queue" component={Queue} />
              <Route path="/keys" component={SigningKey} />
              <Route path="/investor/reports" component={Reports} />
              <Route path="/investor/payments" component={InvestorPayments} />
              <Route path="/investor/verify" component={Verify} />
              <Route path="/operator/batches" component={Submit} />
              <Route path="/operator/history" component={BatchHistory} />
              <Route path="/operator/due" component={EvidenceDue} />
              <Route path="/evaluator/evaluate" component={Evaluate} />
              <Route path="/evaluator/attest" component={Attest} />
              <Route path="/evaluator/comparisons" component={Comparisons} />
              <Route path="/evaluator/recompute" component={Recompute} />
              <Route path="/evaluator/timelines" component={Timelines} />
              <Route path="/evaluator/witnesses" component={WitnessStatus} />
              <Route default component={NotFound} />
            </Router>
          </Frame>
        </ErrorBoundary>
      </LocationProvider>
    </LangProvider>
  );
}
