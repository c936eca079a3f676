/**
 * The console's deployment settings, fetched from `/config.json` beside
 * index.html: the local gateway makes it (development sign-in); in AWS it is
 * deployed with the build (Cognito's hosted UI, authorization code + PKCE).
 */
export type AuthConfig =
  | { readonly mode: 'local' }
  | {
      readonly mode: 'cognito';
      /** The hosted UI's base URL, e.g. https://sib.auth.eu-central-1.amazoncognito.com */
      readonly domain: string;
      /**
       * The user pool's issuer, `https://cognito-idp.<region>.amazonaws.com/<pool id>`:
       * the ID token's `iss`, checked at sign-in (the hosted UI's domain is not it).
       */
      readonly issuer: string;
      readonly clientId: string;
      readonly redirectUri: string;
      readonly logoutUri: string;
      readonly scopes?: readonly string[];
    };

export interface ConsoleConfig {
  /** The API's base URL; empty for the same origin. */
  readonly apiBase: string;
  readonly auth: AuthConfig;
}

let loaded: Promise<ConsoleConfig> | undefined;

export function consoleConfig(): Promise<ConsoleConfig> {
  loaded ??= fetch('/config.json', { headers: { accept: 'application/json' } })
    .then((r) => (r.ok ? (r.json() as Promise<Partial<ConsoleConfig>>) : {}))
    .catch((): Partial<ConsoleConfig> => ({}))
    .then((c: Partial<ConsoleConfig>) => ({ apiBase: c.apiBase ?? '', auth: c.auth ?? { mode: 'local' } }));
  return loaded;
}
