/**
 * What every section of the report draws with: the report and the options,
 * the writer, the number formats and the words of the report's language, and
 * lookups of a metric's figures, unit and title by its id.
 */
import type { MetricUnit } from '#contracts';
import type { AuditReport, ReportMetric } from '#reports';
import { Format } from './format.ts';
import { DICTIONARY, type Words } from './locales/index.ts';
import type { ReportPdfOptions } from './options.ts';
import type { Writer } from './writer.ts';

export interface ReportContext {
  readonly report: AuditReport;
  readonly options: ReportPdfOptions;
  readonly w: Writer;
  readonly f: Format;
  readonly t: Words;
  /** The evaluated metric with this id, if the evaluation has it. */
  readonly metricOf: (id: string) => ReportMetric | undefined;
  /** A metric's unit (a count when the evaluation does not have it). */
  readonly unitOf: (id: string) => MetricUnit;
  /** A metric's title, from the evaluation or else the contract (else its id). */
  readonly titleOf: (id: string) => string;
}

export function reportContext(report: AuditReport, options: ReportPdfOptions, w: Writer): ReportContext {
  const pay = report.payments;
  const metricsById = new Map(report.evaluation.metrics.map((m) => [m.id, m]));
  return {
    report,
    options,
    w,
    f: new Format(options.lang, pay.currency, pay.minorUnit),
    t: DICTIONARY[options.lang],
    metricOf: (id) => metricsById.get(id),
    unitOf: (id) => metricsById.get(id)?.unit ?? 'count',
    titleOf: (id) => metricsById.get(id)?.title ?? report.contract.spec.metrics.find((m) => m.id === id)?.title ?? id,
  };
}
