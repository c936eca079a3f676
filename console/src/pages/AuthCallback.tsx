/**
 * `/auth/callback`: where Cognito's hosted UI sends the browser back with
 * `?code=&state=`. Exchanges the code (auth/cognito.ts: the state checked
 * against the one this tab sent, the PKCE verifier, the ID token's claims),
 * keeps the session in sessionStorage and goes on to where sign-in began.
 */

import { AuthorizationResponseError } from 'oauth4webapi';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { completeCognitoSignIn, NoPendingSignIn } from '../auth/cognito.ts';
import { setSession } from '../auth/session.ts';
import { Loading, ProblemNote, usePageTitle } from '../components/async.tsx';
import { useLang } from '../i18n.tsx';
import { consoleConfig } from '../lib/config.ts';
import { safeNext } from './SignIn.tsx';

export default function AuthCallback() {
  const { t } = useLang();
  const { route } = useLocation();
  const [error, setError] = useState<unknown>(undefined);
  usePageTitle(t.signin.callbackTitle);
  useEffect(() => {
    // The code is single-use: read it once, then take it out of the address bar and history.
    const callback = new URL(location.href);
    history.replaceState(null, '', '/auth/callback');
    (async () => {
      const { auth } = await consoleConfig();
      if (auth.mode !== 'cognito') throw new Error(t.signin.unavailable);
      const { session, next } = await completeCognitoSignIn(auth, callback);
      setSession(session);
      route(safeNext(next), true);
    })().catch(setError);
  }, []);
  return (
    <section class="narrow">
      <h1>{t.signin.callbackTitle}</h1>
      {error === undefined ? (
        <>
          <p>{t.signin.callbackWorking}</p>
          <Loading />
        </>
      ) : (
        <>
          {error instanceof NoPendingSignIn ? (
            <p class="alert bad" role="alert">
              <strong>{t.signin.callbackFailed}</strong> {t.signin.noPending}
            </p>
          ) : error instanceof AuthorizationResponseError ? (
            <p class="alert bad" role="alert">
              <strong>{t.signin.callbackFailed}</strong> {t.signin.refused(error.error)}
            </p>
          ) : (
            <ProblemNote lead={t.signin.callbackFailed} error={error} />
          )}
          <p>
            <a href="/sign-in">{t.signin.tryAgain}</a>
          </p>
        </>
      )}
    </section>
  );
}
