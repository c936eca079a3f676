/**
 * `/`, the home page: the contracts the session may see (GET /contracts),
 * each with its title in the reader's language, currency, term and time
 * zone, a link to its overview, what waits for the reader (payments to
 * decide for the ministry, to attest for the evaluator), and the next steps
 * of the reader's role (the ministry's queue, the investor's reports).
 */
import { useSession } from '../app.tsx';
import type { Session } from '../auth/session.ts';
import { Loading, ProblemNote, useAsync, usePageTitle } from '../components/async.tsx';
import { localized, useLang } from '../i18n.tsx';
import { api, contractPath } from '../lib/api.ts';
import type { ContractListItem, PaymentList } from '../lib/contracts.ts';
import { count, day, zoneOffset } from '../lib/format.ts';

/** The role's pages (each lists every contract of the session). */
function NextSteps(props: { session: Session }) {
  const { t } = useLang();
  const h = t.overview.home;
  const steps: [string, string][] = [];
  if (props.session.role === 'ministry') steps.push(['/ministry/queue', h.stepQueue], ['/keys', h.stepKey]);
  if (props.session.role === 'investor') {
    steps.push(
      ['/investor/reports', h.stepReports],
      ['/investor/payments', h.stepPayments],
      ['/investor/verify', h.stepVerify],
    );
  }
  if (props.session.role === 'evaluator') {
    steps.push(
      ['/evaluator/evaluate', h.stepEvaluate],
      ['/evaluator/attest', h.stepAttest],
      ['/evaluator/recompute', h.stepRecompute],
      ['/keys', h.stepKey],
    );
  }
  if (props.session.role === 'operator') {
    steps.push(['/operator/batches', h.stepSubmit], ['/operator/history', h.stepHistory], ['/operator/due', h.stepDue]);
  }
  return (
    <ul class="steps">
      {steps.map(([href, label]) => (
        <li key={href}>
          <a href={href}>{label}</a>
        </li>
      ))}
    </ul>
  );
}

/** The contract's payments that wait for this role: attested ones for the ministry, calculated ones for the evaluator. */
function Waiting(props: { session: Session; contract: string }) {
  const { t } = useLang();
  const h = t.overview.home;
  const { role } = props.session;
  const state = role === 'ministry' ? 'attested' : role === 'evaluator' ? 'calculated' : undefined;
  const payments = useAsync(
    state === undefined ? undefined : () => api<PaymentList>(contractPath(props.contract, 'payments')),
    [props.contract, state],
  );
  if (state === undefined || payments.status !== 'done') return null;
  const n = payments.value.payments.filter((p) => p.latest && p.state === state).length;
  return (
    <p class={n > 0 ? 'waiting' : 'muted'}>
      {n === 0 ? h.nothingAwaiting : role === 'ministry' ? h.awaitingDecision(n) : h.awaitingAttestation(n)}
    </p>
  );
}

function ContractCard(props: { contract: ContractListItem; session: Session }) {
  const { t, lang } = useLang();
  const c = props.contract;
  const h = t.overview.home;
  const title = localized(c.title, lang) || c.id;
  return (
    <li class="contract-card panel">
      <h2>
        <a href={`/c/${encodeURIComponent(c.id)}`}>{title}</a>
      </h2>
      <dl class="facts">
        <dt>{h.term}</dt>
        <dd>
          {day(c.term.from, lang)} – {day(c.term.to, lang)}
        </dd>
        <dt>{h.currency}</dt>
        <dd>{c.currency}</dd>
        <dt>{h.timeZone}</dt>
        <dd>{t.common.timeZone(c.timeZone, zoneOffset(c.timeZone))}</dd>
        <dt>{h.version}</dt>
        <dd>{c.version}</dd>
        <dt>{h.logSize}</dt>
        <dd>{count(c.logSize, lang)}</dd>
      </dl>
      <p class="row">
        <a class="button" href={`/c/${encodeURIComponent(c.id)}`} aria-label={`${h.open}: ${title}`}>
          {h.open}
        </a>
      </p>
      <Waiting session={props.session} contract={c.id} />
      <h3 class="sr-only">{`${h.nextSteps}: ${title}`}</h3>
      <NextSteps session={props.session} />
    </li>
  );
}

export default function Contracts() {
  const { t } = useLang();
  const session = useSession();
  const list = useAsync(
    session === undefined ? undefined : () => api<{ contracts: ContractListItem[] }>('/contracts'),
    [session?.token],
  );
  usePageTitle(t.overview.home.title);
  if (session === undefined) return null;
  return (
    <section>
      <h1>{t.overview.home.title}</h1>
      <p>{t.overview.home.intro[session.role]}</p>
      {list.status === 'loading' ? <Loading /> : null}
      {list.status === 'failed' ? <ProblemNote error={list.error} /> : null}
      {list.status === 'done' && list.value.contracts.length === 0 ? <p>{t.overview.home.empty}</p> : null}
      {list.status === 'done' ? (
        <ul class="contract-list">
          {list.value.contracts.map((c) => (
            <ContractCard key={c.id} contract={c} session={session} />
          ))}
        </ul>
      ) : null}
    </section>
  );
}
