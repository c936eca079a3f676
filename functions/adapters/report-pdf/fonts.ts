/**
 * The DejaVu fonts the PDF embeds (never a system font): where to find them
 * in a Lambda bundle or in the source tree, read once per process.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const requireFrom = createRequire(import.meta.url);
const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;
export type FontName = keyof typeof FONT_FILES;
let fontCache: Record<FontName, Buffer> | undefined;

/**
 * A font file: in a Lambda bundle, from `fonts/` beside the running bundle
 * (the construct copies them there, infra/constructs/handler-function.ts);
 * in the source tree, from the dejavu-fonts-ttf package.
 */
function fontPath(file: string): URL | string {
  const bundled = new URL(`./fonts/${file}`, import.meta.url);
  return existsSync(bundled) ? bundled : requireFrom.resolve(`dejavu-fonts-ttf/ttf/${file}`);
}

export function fonts(): Record<FontName, Buffer> {
  fontCache ??= {
    regular: readFileSync(fontPath(FONT_FILES.regular)),
    bold: readFileSync(fontPath(FONT_FILES.bold)),
    mono: readFileSync(fontPath(FONT_FILES.mono)),
  };
  return fontCache;
}
