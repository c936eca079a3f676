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

/** Width of a glyph of the mono font, in ems (DejaVu Sans Mono and Courier alike: 0.6). */
const MONO_EM = 0.61;

/**
 * The mono size at which every line of `value` fits the box's width, so a
 * command or a key is never wrapped (what is printed must work when typed
 * or copied as it is): the body size, or smaller for long lines.
 */
function fittedMonoSize(value: string): number {
  const longest = Math.max(...value.split('\n').map((l) => l.length));
  return Math.min(SIZE.body - 0.5, INNER / (longest * MONO_EM));
}

export function verifyBox(ctx: ReportContext): void {
  const { w, t } = ctx;
  const lines = rows(ctx);
  w.use('regular', SIZE.body);
  const hText = w.measure(t.verifyText, INNER);
  // Each row: its label, then its value under it at the full width of the box.
  const heights = lines.map(([label, value]) => {
    w.use('bold', SIZE.body);
    const hLabel = w.measure(label, INNER);
    w.use('mono', fittedMonoSize(value));
    return hLabel + 1 + w.measure(value, INNER);
  });
  const height = 10 + 14 + hText + 6 + heights.reduce((a, h) => a + h + 5, 0) + 4 + 10;
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
    const hLabel = w.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left + 10, y, INNER);
    w.use('mono', fittedMonoSize(value), COLOR.ink).put(value, MARGIN.left + 10, y + hLabel + 1, INNER);
    y += (heights[i] ?? 0) + 5;
  });
  w.y = top + height + 4;
}
