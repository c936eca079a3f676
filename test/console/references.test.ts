/** The operator's mapping file on the evidence due page (console/src/pages/operator/references.ts). */
import { describe, expect, it } from 'vitest';
import { parseReferences } from '../../console/src/pages/operator/references.ts';

const p1 = `p-${'1'.repeat(32)}`;
const p2 = `p-${'a'.repeat(32)}`;

describe('the mapping file', () => {
  it('reads pseudonym,reference lines, a header line skipped, commas, semicolons or tabs, quotes and a BOM', () => {
    const map = parseReferences(`\uFEFFpseudonym;reference\r\n"${p1}";"SC-0001"\r\n${p2}\tOwn ref 2\r\n\r\n`);

    expect([...map]).toEqual([
      [p1, 'SC-0001'],
      [p2, 'Own ref 2'],
    ]);
  });

  it('names the first line that is not a pseudonym and a reference', () => {
    expect(() => parseReferences(`${p1},A\nSC-0002,B\n`)).toThrow('2');
    expect(() => parseReferences(`${p1},\n`)).toThrow('1');
  });
});
