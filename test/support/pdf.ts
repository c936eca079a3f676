/**
 * Looking at PDFs in tests with MuPDF.js (WASM, no system tools): pages
 * rendered to PNG, the text a reader's copy-and-paste would get, and the
 * fonts the file embeds. MuPDF is a dev dependency, used here only.
 */
import * as mupdf from 'mupdf';

/** Every page as a PNG, at `scale` × 72 dpi (2 = 144 dpi), on white. */
export async function renderPdfToPngs(pdf: Uint8Array, scale = 2): Promise<Uint8Array[]> {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const pngs: Uint8Array[] = [];
    for (let i = 0; i < doc.countPages(); i++) {
      const page = doc.loadPage(i);
      const pixmap = page.toPixmap(mupdf.Matrix.scale(scale, scale), mupdf.ColorSpace.DeviceRGB, false, true);
      pngs.push(new Uint8Array(pixmap.asPNG()));
      pixmap.destroy();
      page.destroy();
    }
    return pngs;
  } finally {
    doc.destroy();
  }
}

/** The text of each page, as MuPDF extracts it (no-break spaces turned into plain ones). */
export function pdfPageTexts(pdf: Uint8Array): string[] {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const texts: string[] = [];
    for (let i = 0; i < doc.countPages(); i++) {
      const page = doc.loadPage(i);
      const text = page.toStructuredText('preserve-whitespace');
      texts.push(text.asText().replace(/[\u00a0\u202f]/g, ' '));
      text.destroy();
      page.destroy();
    }
    return texts;
  } finally {
    doc.destroy();
  }
}

/** The page size in points, [width, height], of each page. */
export function pdfPageSizes(pdf: Uint8Array): [number, number][] {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const sizes: [number, number][] = [];
    for (let i = 0; i < doc.countPages(); i++) {
      const page = doc.loadPage(i);
      const [x0, y0, x1, y1] = page.getBounds();
      sizes.push([x1 - x0, y1 - y0]);
      page.destroy();
    }
    return sizes;
  } finally {
    doc.destroy();
  }
}

/**
 * The fonts the PDF uses, by BaseFont, with whether each embeds a font
 * program (FontFile, FontFile2 or FontFile3 in its descriptor, directly or
 * through a Type 0 font's descendant).
 */
export function pdfFonts(pdf: Uint8Array): { name: string; embedded: boolean }[] {
  const doc = mupdf.Document.openDocument(pdf, 'application/pdf');
  try {
    const pdfDoc = doc.asPDF();
    if (pdfDoc === null) throw new Error('not a PDF');
    const fonts = new Map<string, boolean>();
    const embeds = (font: mupdf.PDFObject): boolean => {
      const descriptor = font.get('FontDescriptor');
      if (descriptor.isDictionary()) {
        return ['FontFile', 'FontFile2', 'FontFile3'].some((k) => descriptor.get(k).isStream());
      }
      const descendants = font.get('DescendantFonts');
      return descendants.isArray() && descendants.length > 0 && embeds(descendants.get(0));
    };
    for (let i = 0; i < pdfDoc.countPages(); i++) {
      const resources = pdfDoc.findPage(i).get('Resources').get('Font');
      if (!resources.isDictionary()) continue;
      resources.forEach((font) => {
        const name = font.get('BaseFont').asName();
        fonts.set(name, (fonts.get(name) ?? true) && embeds(font));
      });
    }
    return [...fonts].map(([name, embedded]) => ({ name, embedded })).sort((a, b) => a.name.localeCompare(b.name));
  } finally {
    doc.destroy();
  }
}
