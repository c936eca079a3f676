/**
 * What evidence is due (GET /contracts/{contract}/due, handler module
 * `api/contracts`; the console's `/operator/due` page): the periods whose
 * data cut-off is near or passed unevaluated, and the participants whose
 * measurement windows close soon with an outcome still unrecorded, computed
 * by domain/services/evidence-due.ts from the log and the batch archives.
 * Pseudonyms only: the operator's references stay in the operator's browser.
 */
import * as z from 'zod';
import { ContractIdSchema } from '#ledger';
import { readEvidenceDue } from '#services';
import { todayEarliestZone } from '../shared/clock.ts';
import { defineRoute, json } from './http.ts';
import { CanonicalCount } from './params.ts';

/** Most window rows one answer carries (the total is given beside them). */
export const MAX_DUE_WINDOWS = 5000;

export const DueQuery = z.strictObject({
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a real calendar date written YYYY-MM-DD')
    .refine((d) => !Number.isNaN(Date.parse(d)) && new Date(d).toISOString().slice(0, 10) === d, {
      message: 'must be a real calendar date written YYYY-MM-DD',
    })
    .optional()
    .describe('The day counted from (default: today)'),
  periodDays: CanonicalCount.pipe(z.number().max(3660))
    .optional()
    .describe('Cut-offs within this many days (default 90)'),
  windowDays: CanonicalCount.pipe(z.number().max(3660))
    .optional()
    .describe('Windows closing within this many days (default 60)'),
  limit: CanonicalCount.pipe(z.number().min(1).max(MAX_DUE_WINDOWS))
    .optional()
    .describe('Most window rows (default 1000)'),
});

/**
 * A day, YYYY-MM-DD. The answer's schema stays plain (strings without their
 * pattern, whole numbers as z.number() without z.int()'s safe-integer
 * bounds): the OpenAPI document is bundled whole into the api/openapi
 * function, which has a 1 MB budget (test/infra/cdk-bundling.test.ts).
 */
const IsoDay = z.string();

export const EvidenceDueSchema = z.object({
  contract: ContractIdSchema,
  asOf: IsoDay,
  /** The contract version whose periods and metrics were read (the one in force on asOf). */
  version: z.number(),
  periodDays: z.number(),
  windowDays: z.number(),
  periods: z.array(
    z.object({
      id: z.string(),
      from: IsoDay,
      to: IsoDay,
      paymentDate: IsoDay,
      cutoff: IsoDay,
      daysLeft: z.number(),
      status: z.enum(['due', 'overdue']),
    }),
  ),
  windows: z.array(
    z.object({
      participant: z.string(),
      cohort: z.string(),
      anchor: z.enum(['enrolment', 'release']),
      from: IsoDay,
      to: IsoDay,
      daysLeft: z.number(),
      /** Rate metrics over this window whose outcome is still unrecorded. */
      metrics: z.array(z.object({ id: z.string(), title: z.string() })),
    }),
  ),
  /** Window rows in all (windows lists at most `limit`). */
  windowCount: z.number(),
});

export const ContractDueParams = z.object({ contract: ContractIdSchema });

export const evidenceDue = defineRoute(
  { params: ContractDueParams, query: DueQuery, response: EvidenceDueSchema, status: 200 },
  async ({ params, query, rt }) => {
    const due = await readEvidenceDue(rt.contracts, params.contract, {
      asOf: query.asOf ?? todayEarliestZone(),
      periodDays: query.periodDays ?? 90,
      windowDays: query.windowDays ?? 60,
      limit: query.limit ?? 1000,
    });
    return json(200, {
      contract: params.contract,
      ...due,
      periods: [...due.periods],
      windows: due.windows.map((w) => ({ ...w, metrics: [...w.metrics] })),
    } satisfies z.input<typeof EvidenceDueSchema>);
  },
);
