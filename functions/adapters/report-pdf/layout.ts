/**
 * The page and its look: A4 with its margins and content width, the colours
 * and type sizes every part of the report draws with, and column widths in
 * proportion to the content width.
 */

export const A4 = { width: 595.28, height: 841.89 };
export const MARGIN = { top: 50, bottom: 62, left: 48, right: 48 };
export const CONTENT_WIDTH = A4.width - MARGIN.left - MARGIN.right;
/** The lowest y content may reach; the footer lives below it. */
export const BOTTOM = A4.height - MARGIN.bottom;

export const COLOR = {
  ink: '#1b1f24',
  muted: '#5f6670',
  faint: '#8a9099',
  rule: '#c9ced6',
  headerFill: '#e9eef4',
  stripe: '#f6f8fa',
  accent: '#1f4e79',
  good: '#2e7d4f',
  bad: '#b3261e',
  barGood: '#3f8f5f',
  barBad: '#c8553d',
  boxFill: '#f3f6f9',
} as const;

export const SIZE = { body: 9, table: 8, small: 7, heading: 12.5 } as const;

/** Widths in proportion to `weights`, filling the content width: one width per weight. */
export function widths<const W extends readonly number[]>(...weights: W): { [K in keyof W]: number } {
  const sum = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => (w / sum) * CONTENT_WIDTH) as { [K in keyof W]: number };
}
