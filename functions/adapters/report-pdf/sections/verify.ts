/**
 * The boxed "how to verify" block under the title: why the signed JSON is
 * what counts, the JSON file's name and SHA-256, the commands that check it
 * (verify-commands.ts) and, when the deployment's trust policy is known,
 * every verifier key in full: the log's, the witnesses' with their quorum
 * and the parties' per role.
 */
import type { ReportContext } from '../context.ts';
import { COLOR, CONTENT_WIDTH, MARGIN, SIZE } from '../layout.ts';
import { verifyCommands } from '../verify-commands.ts';

const INNER = CONTENT_WIDTH - 20;
const LABEL_WIDTH = 90;

/** The box's rows: a label and its value (mono), in order. */
function rows({ t, options, report }: ReportContext): [string, string][] {
  const c = verifyCommands(report.contract.id, options);
  const out: [string, string][] = [
    [t.jsonFile, options.jsonFileName],
    [t.jsonHash, options.jsonSha256],
  ];
  if (c.trust === undefined || c.keys === undefined) return [...out, [t.command, c.withKeys]];
  return [
    ...out,
    [t.commandKeys, c.withKeys],
    [t.trustFrom, c.trust.fetch],
    [t.commandTrust, c.trust.verify],
    [t.logKey, c.keys.log],
    [t.witnessKeys(c.keys.witnesses.quorum, c.keys.witnesses.keys.length), c.keys.witnesses.keys.join('\n') || t.none],
    ...c.keys.parties.map(([role, keys]): [string, string] => [t.partyKeys(role), keys.join('\n')]),
  ];
}

export function verifyBox(ctx: ReportContext): void {
  const { w, t } = ctx;
  const lines = rows(ctx);
  w.use('regular', SIZE.body);
  const hText = w.measure(t.verifyText, INNER);
  const heights = lines.map(([label, value]) => {
    w.use('bold', SIZE.body);
    const hLabel = w.measure(label, LABEL_WIDTH - 4);
    w.use('mono', SIZE.body - 0.5);
    return Math.max(hLabel, w.measure(value, INNER - LABEL_WIDTH));
  });
  const height = 10 + 14 + hText + 6 + heights.reduce((a, h) => a + h + 4, 0) + 4 + 10;
  w.y += 8;
  w.ensure(height);
  const top = w.y;
  w.doc.rect(MARGIN.left, top, CONTENT_WIDTH, height).fill(COLOR.boxFill);
  w.doc.rect(MARGIN.left, top, 3, height).fill(COLOR.accent);
  let y = top + 10;
  w.use('bold', 10, COLOR.accent).put(t.verifyTitle, MARGIN.left + 10, y, INNER);
  y += 14;
  y += w.use('regular', SIZE.body, COLOR.ink).put(t.verifyText, MARGIN.left + 10, y, INNER) + 6;
  lines.forEach(([label, value], i) => {
    w.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left + 10, y, LABEL_WIDTH - 4);
    w.use('mono', SIZE.body - 0.5, COLOR.ink).put(value, MARGIN.left + 10 + LABEL_WIDTH, y, INNER - LABEL_WIDTH);
    y += (heights[i] ?? 0) + 4;
  });
  w.y = top + height + 4;
}
