/**
 * What a caller hands the PDF renderer besides the report: the language, the
 * signed JSON file the PDF accompanies (its name and hash) and the earlier
 * periods' figures for the chart.
 */

import type { PeriodFigures, ReportLang } from '#services';

/** The report's language and the earlier periods' figures for the chart are the report use case's (services/ports.ts). */
export type { PeriodFigures, ReportLang };

export interface ReportPdfOptions {
  readonly lang: ReportLang;
  /** SHA-256 (hex) of the signed JSON file this PDF accompanies. */
  readonly jsonSha256: string;
  /** The JSON file's name, as the verify command names it. */
  readonly jsonFileName: string;
  /** Earlier periods, oldest first (the chart shows them before this period). */
  readonly history?: readonly PeriodFigures[];
}
