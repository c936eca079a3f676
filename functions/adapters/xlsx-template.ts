/**
 * Writing a contract's fill-in template as an XLSX workbook: the adapter's
 * face for the `sib` command (the parts are in xlsx/template.ts). The
 * functions load the same writer through xlsx-batch.ts (their one lazy
 * exceljs import).
 */
export { EVIDENCE_SHEET, TEMPLATE_ROWS, templateXlsx } from './xlsx/template.ts';
