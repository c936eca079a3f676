/**
 * Writing a contract's fill-in template as an XLSX workbook: the adapter's
 * face for the `sib` command (the parts are in xlsx/template.ts). No
 * function bundles it.
 */
export { EVIDENCE_SHEET, TEMPLATE_ROWS, templateXlsx } from './xlsx/template.ts';
