/**
 * Reading an XLSX batch: the adapter's only public face (the parts are in
 * xlsx/). Callers load it with a dynamic import, so exceljs stays out of
 * every function's cold start and out of the functions that never read a
 * workbook.
 */
export type { XlsxBatch, XlsxOptions } from './xlsx/sheet.ts';
export { readXlsxBatch } from './xlsx/sheet.ts';
