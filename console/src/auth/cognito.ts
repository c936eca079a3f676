/**
 * The page side of the Cognito sign-in: keeps the pending verifier and state
 * in sessionStorage (this tab only, gone when it closes), sends the browser
 * to the hosted UI, and at /auth/callback turns the code into a session.
 * The protocol is pkce.ts.
 */
import type { AuthConfig } from '../lib/config.ts';
import { authorizeUrl, type CognitoConfig, exchangeCode, newPendingSignIn, type PendingSignIn } from './pkce.ts';
import { type Session, sessionFromToken } from './session.ts';

const PENDING_KEY = 'sib-console.pkce';

/** A callback in a tab that did not start a sign-in (or already used it): nothing to exchange. */
export class NoPendingSignIn extends Error {
  constructor() {
    super('no sign-in was started in this tab');
    this.name = 'NoPendingSignIn';
  }
}

export function isCognito(auth: AuthConfig): auth is CognitoConfig {
  return auth.mode === 'cognito';
}

/** Remembers a fresh verifier and state, then leaves for the hosted UI. */
export async function beginCognitoSignIn(auth: CognitoConfig, next: string): Promise<void> {
  const pending = newPendingSignIn(next);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  location.assign((await authorizeUrl(auth, pending)).toString());
}

/**
 * The callback: exchanges the code with the pending verifier (once: the
 * pending sign-in is forgotten whatever happens) and answers the session and
 * where to go next.
 */
export async function completeCognitoSignIn(
  auth: CognitoConfig,
  callback: URL,
): Promise<{ session: Session; next: string }> {
  const text = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (text === null) throw new NoPendingSignIn();
  const pending = JSON.parse(text) as PendingSignIn;
  const idToken = await exchangeCode(auth, pending, callback);
  return { session: sessionFromToken(idToken, 'cognito'), next: pending.next };
}
