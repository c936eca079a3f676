/** Sign-out: forgets the token; after a Cognito sign-in, also ends the hosted UI's session (its /logout). */
import { consoleConfig } from '../lib/config.ts';
import { getSession, signOutLocally } from './session.ts';

export async function signOut(): Promise<void> {
  const session = getSession();
  signOutLocally();
  const { auth } = await consoleConfig();
  if (session?.via === 'cognito' && auth.mode === 'cognito') {
    const url = new URL('/logout', auth.domain);
    url.searchParams.set('client_id', auth.clientId);
    url.searchParams.set('logout_uri', auth.logoutUri);
    location.assign(url.toString());
    return;
  }
  location.assign('/sign-in');
}
