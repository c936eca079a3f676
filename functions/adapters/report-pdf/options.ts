/**
 * What a caller hands the PDF renderer besides the report: the language, the
 * signed JSON file the PDF accompanies (its name and hash) and the earlier
 * periods' figures for the chart.
 */

export type ReportLang = 'ru' | 'en';

/**
 * An earlier period's figures for the chart: metric values (as in its
 * evaluation). `total` is its payment total; the PDF lists earlier totals
 * from the report's own (signed) `earlier`, which holds the same figures.
 */
export interface PeriodFigures {
  readonly period: string;
  readonly metrics: Readonly<Record<string, string>>;
  readonly total: string;
}

export interface ReportPdfOptions {
  readonly lang: ReportLang;
  /** SHA-256 (hex) of the signed JSON file this PDF accompanies. */
  readonly jsonSha256: string;
  /** The JSON file's name, as the verify command names it. */
  readonly jsonFileName: string;
  /** Earlier periods, oldest first (the chart shows them before this period). */
  readonly history?: readonly PeriodFigures[];
}
