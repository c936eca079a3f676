/**
 * The boxed "how to verify" block under the title: why the signed JSON is
 * what counts, the JSON file's name and SHA-256, and the command that checks it.
 */
import type { ReportContext } from '../context.ts';
import { COLOR, CONTENT_WIDTH, MARGIN, SIZE } from '../layout.ts';

const INNER = CONTENT_WIDTH - 20;
const LABEL_WIDTH = 90;

export function verifyBox({ w, t, options }: ReportContext): void {
  const verify = `npx sib report verify ${options.jsonFileName}`;
  w.use('regular', SIZE.body);
  const hText = w.measure(t.verifyText, INNER);
  w.use('mono', SIZE.body - 0.5);
  const hFile = w.measure(options.jsonFileName, INNER - LABEL_WIDTH);
  const hHash = w.measure(options.jsonSha256, INNER - LABEL_WIDTH);
  const hCmd = w.measure(verify, INNER - LABEL_WIDTH);
  const height = 10 + 14 + hText + 6 + hFile + hHash + hCmd + 8 + 10;
  w.y += 8;
  w.ensure(height);
  const top = w.y;
  w.doc.rect(MARGIN.left, top, CONTENT_WIDTH, height).fill(COLOR.boxFill);
  w.doc.rect(MARGIN.left, top, 3, height).fill(COLOR.accent);
  let y = top + 10;
  w.use('bold', 10, COLOR.accent).put(t.verifyTitle, MARGIN.left + 10, y, INNER);
  y += 14;
  y += w.use('regular', SIZE.body, COLOR.ink).put(t.verifyText, MARGIN.left + 10, y, INNER) + 6;
  for (const [label, value, h] of [
    [t.jsonFile, options.jsonFileName, hFile],
    [t.jsonHash, options.jsonSha256, hHash],
    [t.command, verify, hCmd],
  ] as const) {
    w.use('bold', SIZE.body, COLOR.muted).put(label, MARGIN.left + 10, y, LABEL_WIDTH);
    w.use('mono', SIZE.body - 0.5, COLOR.ink).put(value, MARGIN.left + 10 + LABEL_WIDTH, y, INNER - LABEL_WIDTH);
    y += h + 4;
  }
  w.y = top + height + 4;
}
