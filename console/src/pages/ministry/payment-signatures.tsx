/**
 * A payment's page, who took each step: every step with its signer, time and
 * key, and whether its signature verifies and its key is trusted (as the
 * page's checks found), steps without a signature shown as unsigned.
 * Exportable.
 */
import { ExportButtons } from '../../components/ExportButtons.tsx';
import type { ExportTable } from '../../lib/export.ts';
import { dateTime } from '../../lib/format.ts';
import type { StepSignature } from './data.ts';
import type { Checked } from './payment-load.ts';
import type { PaymentView } from './payment-view.tsx';

export function SignaturesSection({ v, checked }: { v: PaymentView; checked: Checked | undefined }) {
  const { lang, m, status, signatures, zone, exportBase } = v;
  const sigRows = (checked?.signatures ?? signatures).map((s) => {
    const c = s as StepSignature & { verifies?: boolean; trusted?: boolean };
    return {
      step: m.steps[s.step] ?? s.step,
      who: s.subject,
      when: dateTime(s.at, zone, lang),
      key: s.key.split('+').slice(0, 2).join('+'),
      verifies:
        c.verifies === undefined
          ? m.checks.running
          : `${c.verifies ? m.signatures.ok : m.signatures.bad}${c.trusted === undefined ? '' : `; ${c.trusted ? m.signatures.trusted : m.signatures.untrusted}`}`,
      ok: c.verifies,
      trusted: c.trusted,
      seq: s.seq,
    };
  });
  const unsignedSteps = [
    ...(signatures.some((s) => s.step === 'calculated')
      ? []
      : [{ step: 'calculated', subject: status.calculatedBy.sub, at: status.calculatedAt, seq: status.payment }]),
    ...status.steps
      .filter((st) => !signatures.some((s) => s.seq === st.seq))
      .map((st) => ({
        step: st.step as string,
        subject: st.actor.sub,
        at: st.at,
        seq: st.seq,
      })),
  ].map((u) => ({
    step: m.steps[u.step] ?? u.step,
    who: u.subject,
    when: dateTime(u.at, zone, lang),
    key: '',
    verifies: m.signatures.unsigned,
    ok: undefined,
    trusted: undefined,
    seq: u.seq,
  }));
  const allSigRows = [...sigRows, ...unsignedSteps].sort((a, b) => a.seq - b.seq);
  const sigTable = (): ExportTable => ({
    name: `${exportBase}-${m.signatures.exportName}`,
    columns: (['step', 'who', 'when', 'key', 'verifies'] as const).map((key) => ({ key, label: m.signatures[key] })),
    rows: allSigRows.map(({ ok: _o, trusted: _t, seq: _s, ...r }) => r),
  });
  return (
    <section aria-labelledby="sig-h">
      <div class="table-head">
        <h2 id="sig-h">{m.signatures.title}</h2>
        <ExportButtons table={sigTable} label={m.signatures.caption} />
      </div>
      <div class="table-scroll">
        <table>
          <caption class="visually-hidden">{m.signatures.caption}</caption>
          <thead>
            <tr>
              {(['step', 'who', 'when', 'key', 'verifies'] as const).map((k) => (
                <th key={k} scope="col">
                  {m.signatures[k]}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {allSigRows.map((r) => (
              <tr key={`${r.step}-${r.when}-${r.who}`}>
                <td>{r.step}</td>
                <td>{r.who}</td>
                <td>{r.when}</td>
                <td class="mono">{r.key}</td>
                <td>
                  <span
                    class={`badge ${r.ok === undefined || (r.ok && r.trusted === false) ? 'warn' : r.ok ? 'ok' : 'bad'}`}
                  >
                    {r.verifies}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
