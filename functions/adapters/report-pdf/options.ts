/**
 * What a caller hands the PDF renderer besides the report: the language, the
 * signed JSON file the PDF accompanies (its name and hash), the earlier
 * periods' figures for the chart, and the deployment's trust policy.
 */

import type { LogTrust } from '#ledger';
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
  /**
   * The deployment's trust policy for the report's log (its log key, the
   * witnesses with their quorum, the parties' keys): printed in full, with
   * verify commands that work as printed. Without it, the command names the file only.
   */
  readonly trust?: LogTrust;
}
