/**
 * Reading an XLSX batch, writing a contract's fill-in template and exported tables: the
 * adapter's only public face to the functions (the parts are in xlsx/).
 * Callers load it with a dynamic import, so exceljs stays out of every
 * function's cold start and out of the functions that never touch a
 * workbook (infra/constructs/handler-function.ts LAZY_XLSX_IMPORT).
 */
export type { XlsxBatch, XlsxOptions } from './xlsx/sheet.ts';
export { readXlsxBatch } from './xlsx/sheet.ts';
export { tablesXlsx, tableXlsx } from './xlsx/tables.ts';
export { templateXlsx } from './xlsx/template.ts';
