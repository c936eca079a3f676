/**
 * `/sign-in`. Locally (config auth.mode `local`): the development sign-in,
 * which picks a subject, a role and contracts and asks the gateway for a
 * development token (POST /dev/token), like `sib login`; a real deployment
 * refuses it, and the page says so. With Cognito: a button to the hosted UI
 * (authorization code with PKCE, auth/cognito.ts). Either way the session is
 * kept in sessionStorage only, and the page then goes to `?next=` (a console
 * path) or home.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { beginCognitoSignIn } from '../auth/cognito.ts';
import { ROLES, type Role, sessionFromToken, setSession } from '../auth/session.ts';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../components/async.tsx';
import { type Localized, localized, useLang } from '../i18n.tsx';
import { api } from '../lib/api.ts';
import { type ConsoleConfig, consoleConfig } from '../lib/config.ts';

interface DevSignIn {
  readonly roles: readonly string[];
  readonly contracts: readonly { readonly id: string; readonly title: Localized }[];
  readonly subjects: readonly { readonly subject: string; readonly role: string; readonly label: string }[];
}

interface DevToken {
  readonly token: string;
}

/** Only a path of this console: never another origin (`//host`, `https:`). */
export function safeNext(next: string | undefined): string {
  if (next === undefined || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/sign-in') || next.startsWith('/auth/')) return '/';
  return next;
}

function DevForm(props: { next: string }) {
  const { t, lang } = useLang();
  const { route } = useLocation();
  const options = useAsync(() => api<DevSignIn>('/dev/sign-in', { anonymous: true }), []);
  const [role, setRole] = useState<Role>('ministry');
  const [subject, setSubject] = useState('');
  const [chosen, setChosen] = useState<readonly string[] | undefined>(undefined);
  const [all, setAll] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [invalid, setInvalid] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const dev = options.status === 'done' ? options.value : undefined;
  const roles = useMemo(
    () => (dev?.roles ?? ROLES).filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
    [dev],
  );
  const suggestions = useMemo(() => (dev?.subjects ?? []).filter((s) => s.role === role), [dev, role]);
  const contracts = dev?.contracts ?? [];
  const selected = chosen ?? contracts.map((c) => c.id);

  // A suggested subject belongs to a role: choosing another role offers that role's first one, in the
  // same change (a name the reader typed stays); the suggestions' arrival offers the first role's.
  const offer = (forRole: Role) =>
    setSubject((current) => {
      const known = dev?.subjects.find((s) => s.subject === current);
      const first = dev?.subjects.find((s) => s.role === forRole)?.subject ?? '';
      return current === '' || (known !== undefined && known.role !== forRole) ? first : current;
    });
  useEffect(() => offer(role), [dev]); // only when the suggestions arrive

  if (options.status === 'loading') return <Loading />;
  if (options.status === 'failed') return <ProblemNote lead={t.signin.unavailable} error={options.error} />;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    const wanted = all ? ['*'] : selected;
    if (subject.trim() === '') return setInvalid(t.signin.noSubject);
    if (wanted.length === 0) return setInvalid(t.signin.noContracts);
    setInvalid(undefined);
    setBusy(true);
    try {
      const answer = await api<DevToken>('/dev/token', {
        anonymous: true,
        body: { subject: subject.trim(), role, contracts: wanted },
      });
      setSession(sessionFromToken(answer.token, 'local'));
      route(props.next, true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const toggle = (id: string, on: boolean) =>
    setChosen(on ? [...selected.filter((c) => c !== id), id] : selected.filter((c) => c !== id));

  return (
    <form class="signin" onSubmit={(e) => void submit(e)} noValidate>
      <label for="signin-role">{t.signin.role}</label>
      <select
        id="signin-role"
        value={role}
        onChange={(e) => {
          const next = e.currentTarget.value as Role;
          setRole(next);
          offer(next);
        }}
      >
        {roles.map((r) => (
          <option key={r} value={r}>
            {t.common.roles[r] ?? r}
          </option>
        ))}
      </select>

      <label for="signin-subject">{t.signin.subject}</label>
      <input
        id="signin-subject"
        list="signin-subjects"
        autocomplete="username"
        aria-describedby="signin-subject-hint"
        value={subject}
        onInput={(e) => setSubject(e.currentTarget.value)}
      />
      <datalist id="signin-subjects">
        {suggestions.map((s) => (
          <option key={s.subject} value={s.subject}>
            {s.label}
          </option>
        ))}
      </datalist>
      <p id="signin-subject-hint" class="hint">
        {t.signin.subjectHint}
        {suggestions.length === 0 ? null : `: ${suggestions.map((s) => `${s.subject} (${s.label})`).join(', ')}`}
      </p>

      <fieldset>
        <legend>{t.signin.contracts}</legend>
        {contracts.map((c) => (
          <div class="check" key={c.id}>
            <input
              type="checkbox"
              id={`signin-contract-${c.id}`}
              checked={all || selected.includes(c.id)}
              disabled={all}
              onChange={(e) => toggle(c.id, e.currentTarget.checked)}
            />
            <label for={`signin-contract-${c.id}`}>
              {localized(c.title, lang) || c.id} <span class="muted mono">{c.id}</span>
            </label>
          </div>
        ))}
        <div class="check">
          <input
            type="checkbox"
            id="signin-contract-all"
            checked={all}
            onChange={(e) => setAll(e.currentTarget.checked)}
          />
          <label for="signin-contract-all">{t.signin.allContracts}</label>
        </div>
      </fieldset>

      <div aria-live="polite">
        {invalid === undefined ? null : (
          <p class="alert bad" role="alert">
            {invalid}
          </p>
        )}
      </div>
      {error === undefined ? null : <ProblemNote error={error} />}
      <p>
        <button type="submit" disabled={busy}>
          {busy ? t.signin.signingIn : t.signin.submit}
        </button>
      </p>
    </form>
  );
}

function CognitoButton(props: { config: ConsoleConfig; next: string }) {
  const { t } = useLang();
  const [error, setError] = useState<unknown>(undefined);
  const { auth } = props.config;
  if (auth.mode !== 'cognito') return null;
  return (
    <>
      <p>{t.signin.cognitoText}</p>
      {error === undefined ? null : <ProblemNote error={error} />}
      <button type="button" onClick={() => beginCognitoSignIn(auth, props.next).catch(setError)}>
        {t.signin.cognitoButton}
      </button>
    </>
  );
}

export default function SignIn() {
  const { t } = useLang();
  const { query } = useLocation();
  const next = safeNext(query.next);
  const config = useAsync(consoleConfig, []);
  const cognito = config.status === 'done' && config.value.auth.mode === 'cognito';
  usePageTitle(cognito ? t.signin.cognitoTitle : t.signin.devTitle);
  return (
    <section class="narrow">
      {query.reason === 'expired' ? (
        <p class="alert warn" role="status">
          {t.signin.sessionEnded}
        </p>
      ) : null}
      {config.status === 'loading' ? (
        <Loading />
      ) : config.status === 'done' && cognito ? (
        <>
          <h1>{t.signin.cognitoTitle}</h1>
          <CognitoButton config={config.value} next={next} />
        </>
      ) : (
        <>
          <h1>{t.signin.devTitle}</h1>
          <p class="alert warn">{t.signin.devNotice}</p>
          <DevForm next={next} />
        </>
      )}
    </section>
  );
}
