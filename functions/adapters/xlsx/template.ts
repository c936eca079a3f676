import ExcelJS from 'exceljs';
import type { Template } from '#intake';
import { columnLetter } from './cells.ts';

/**
 * A contract's fill-in template as an XLSX workbook: the sheet `Evidence`
 * (the bilingual header, frozen, and rows whose closed-list columns offer
 * the contract's values as drop-downs, refusing others), the sheet `Example`
 * (the header and an example row) and the hidden sheet `Lists` the
 * drop-downs read. Submitting the workbook reads its first sheet, so the
 * example is never submitted by mistake.
 */

/** Rows of the Evidence sheet that carry the drop-downs and date formats. */
export const TEMPLATE_ROWS = 1_000;
export const EVIDENCE_SHEET = 'Evidence';

const DATE_FORMAT = 'yyyy-mm-dd';

/** exceljs keeps a sheet's validations by range here (its types leave the member out). */
type WithValidations = { dataValidations: { add(range: string, validation: ExcelJS.DataValidation): void } };

function header(sheet: ExcelJS.Worksheet, template: Template): void {
  sheet.addRow(template.columns.map((c) => c.header));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).alignment = { wrapText: true, vertical: 'top' };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  template.columns.forEach((c, i) => {
    sheet.getColumn(i + 1).width = Math.max(14, Math.min(40, c.header.length / 2));
    if (c.date) sheet.getColumn(i + 1).numFmt = DATE_FORMAT;
  });
}

/** The Lists sheet: one column per closed list; returns each list's range by field. */
function lists(workbook: ExcelJS.Workbook, template: Template): Map<string, string> {
  const sheet = workbook.addWorksheet('Lists', { state: 'hidden' });
  const ranges = new Map<string, string>();
  let column = 0;
  for (const c of template.columns) {
    if (c.values === undefined) continue;
    column++;
    const letter = columnLetter(column);
    sheet.getCell(`${letter}1`).value = c.field;
    c.values.forEach((value, i) => {
      sheet.getCell(`${letter}${i + 2}`).value = value;
    });
    ranges.set(c.field, `Lists!$${letter}$2:$${letter}$${c.values.length + 1}`);
  }
  return ranges;
}

/** The workbook's bytes. */
export async function templateXlsx(template: Template): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  const evidence = workbook.addWorksheet(EVIDENCE_SHEET);
  const example = workbook.addWorksheet('Example');
  header(evidence, template);
  header(example, template);
  example.addRow(
    template.columns.map((c) => {
      const value = template.example[c.field];
      if (value === undefined) return null;
      return c.date ? new Date(`${value}T00:00:00Z`) : value;
    }),
  );
  const ranges = lists(workbook, template);
  template.columns.forEach((c, i) => {
    const range = ranges.get(c.field);
    if (range === undefined) return;
    const letter = columnLetter(i + 1);
    (evidence as unknown as WithValidations).dataValidations.add(`${letter}2:${letter}${TEMPLATE_ROWS + 1}`, {
      type: 'list',
      allowBlank: true,
      formulae: [range],
      showErrorMessage: true,
      errorTitle: c.field,
      error: `Выберите значение из списка / Choose a value from the list (${c.field})`,
    });
  });
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}
