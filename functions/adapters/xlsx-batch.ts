/**
 * Reading an XLSX batch, and writing a contract's fill-in template, a
 * payment's payment-order data and exported tables: the
 * adapter's only public face to the functions (the parts are in xlsx/).
 * Callers load it with a dynamic import, so exceljs stays out of every
 * function's cold start and out of the functions that never touch a
 * workbook (infra/constructs/handler-function.ts LAZY_XLSX_IMPORT).
 */

// The payment-order data for the treasury (issue 17), behind the same lazy import.
export { paymentOrderXlsx } from './xlsx/payment-order.ts';
export type { XlsxBatch, XlsxOptions } from './xlsx/sheet.ts';
export { readXlsxBatch } from './xlsx/sheet.ts';
export { tablesXlsx, tableXlsx } from './xlsx/tables.ts';
export { templateXlsx } from './xlsx/template.ts';
