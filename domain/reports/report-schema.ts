import * as z from 'zod';
import { DIRECTIONS, EFFECTS, METRIC_KINDS } from '#contracts';
import { MAX_NOTE_BYTES, PAYMENT_STATES } from '#ledger';
import { REPORT_FORMAT } from './types.ts';

/**
 * The shape of an audit report (AuditReport) as the offline verifier accepts
 * it: every field, its type and its bounds. The contract spec inside is
 * checked by the contracts context's ContractSpecSchema.
 */

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');
const Count = z.int().min(0);
const MinorUnits = z.string().regex(/^-?(?:0|[1-9][0-9]{0,30})$/, 'must be minor units written as digits');
const DecimalText = z.string().regex(/^-?(?:0|[1-9][0-9]{0,30})(?:\.[0-9]{1,40})?$/, 'must be a decimal number');
const Text = z.string().max(10_000);

const ProvenEntrySchema = z.strictObject({
  seq: Count,
  entry: z.string().max(MAX_NOTE_BYTES),
  leafHash: Hex64,
  proof: z.array(Hex64).max(64),
});
const ProvenStepSchema = z.strictObject({
  step: z.enum(['attested', 'approved', 'rejected', 'paid']),
  entry: ProvenEntrySchema,
});
const IntervalSchema = z.strictObject({ level: Text, low: DecimalText, high: DecimalText });
const ReportGroupSchema = z.union([
  z.strictObject({ group: Text, suppressed: z.literal(true) }),
  z.strictObject({
    group: Text,
    value: DecimalText,
    numerator: DecimalText.optional(),
    denominator: Count.optional(),
    planned: Count.optional(),
  }),
]);
const ReportMetricSchema = z.strictObject({
  id: Text,
  title: Text,
  kind: z.enum(METRIC_KINDS),
  unit: z.enum(['rate', 'mean', 'count', 'money', 'groups']),
  value: DecimalText,
  numerator: DecimalText.optional(),
  denominator: Count.optional(),
  interval: IntervalSchema.optional(),
  pending: Count.optional(),
  excluded: Count.optional(),
  groups: z.array(ReportGroupSchema).max(10_000).optional(),
  illustrative: z.boolean().optional(),
  target: z.strictObject({ value: DecimalText, direction: z.enum(DIRECTIONS) }).optional(),
  met: z.boolean().optional(),
});
const figure = {
  value: DecimalText,
  numerator: DecimalText.optional(),
  denominator: Count.optional(),
  interval: IntervalSchema.optional(),
};
const ComparisonResultSchema = z.strictObject({
  id: Text,
  metric: Text,
  kind: z.enum(['baseline', 'published', 'control']),
  group: Text,
  effect: z.enum(EFFECTS),
  treatment: z.strictObject(figure),
  comparison: z.strictObject({ ...figure, source: Text }).optional(),
  effectSize: DecimalText.optional(),
  test: z
    .strictObject({
      test: z.enum(['two-proportion', 'difference-in-means']),
      statistic: DecimalText,
      pValue: DecimalText,
      significance: Text,
      alternative: z.enum(['greater', 'less', 'two-sided']),
      significant: z.boolean(),
    })
    .optional(),
  note: Text.optional(),
});
const Names = z.array(Text).max(1000);
const LineFiguresSchema = z.discriminatedUnion('basis', [
  z.strictObject({
    basis: z.literal('outcomes'),
    metric: Text,
    per: z.enum(['outcome', 'unit']),
    price: MinorUnits,
    new: Count,
    newAmount: MinorUnits,
    carried: Count,
    carriedAmount: MinorUnits,
  }),
  z.strictObject({ basis: z.literal('trigger'), trigger: Text, because: Text }),
  z.strictObject({ basis: z.literal('period'), periods: Names }),
  z.strictObject({
    basis: z.literal('tiers'),
    groups: z
      .array(
        z.strictObject({
          group: Text,
          effect: Text,
          tier: z.strictObject({ at: Text, amount: MinorUnits }).optional(),
          significant: z.boolean(),
        }),
      )
      .max(10_000),
  }),
  z.strictObject({
    basis: z.literal('effects'),
    groups: z
      .array(
        z.union([
          z.strictObject({ group: Text, met: z.literal(false), because: Text }),
          z.strictObject({
            group: Text,
            met: z.literal(true),
            c: DecimalText,
            t: DecimalText,
            n: Count,
            units: DecimalText,
            price: MinorUnits,
            gross: MinorUnits,
            deducted: MinorUnits,
            deduct: Names,
          }),
        ]),
      )
      .max(10_000),
  }),
  z.strictObject({ basis: z.literal('indicators'), tolerance: Text, amount: MinorUnits, failed: Names }),
  z.strictObject({ basis: z.literal('taken-back') }),
]);
const PaymentsSchema = z.strictObject({
  currency: Text,
  minorUnit: Count,
  lines: z
    .array(
      z.strictObject({
        rule: Text,
        kind: z.enum(['per-outcome', 'tiered', 'per-effect', 'all-or-nothing']),
        type: z.enum(['payment', 'adjustment']),
        outcomes: Count,
        amount: MinorUnits,
        due: MinorUnits,
        cappedBy: z.array(Text).max(100),
        figures: LineFiguresSchema,
        formula: Text,
      }),
    )
    .max(10_000),
  total: MinorUnits,
  paidBefore: MinorUnits,
  cumulative: MinorUnits,
  caps: z.array(
    z.strictObject({ cap: Text, limit: MinorUnits, before: MinorUnits, after: MinorUnits, binding: z.boolean() }),
  ),
  allocation: z.array(z.strictObject({ investor: Text, share: Text, amount: MinorUnits })),
});

/** The shape of an audit report (AuditReport); the contract spec inside is checked by ContractSpecSchema. */
export const AuditReportSchema = z.strictObject({
  format: z.literal(REPORT_FORMAT),
  contract: z.strictObject({
    id: Text,
    version: z.int().min(1),
    hash: Hex64,
    spec: z.unknown(),
    registration: ProvenEntrySchema,
  }),
  period: z.strictObject({ id: Text, from: Text, to: Text, paymentDate: Text, final: z.boolean().optional() }),
  checkpoint: z.strictObject({ size: Count, root: Hex64, note: z.string().max(MAX_NOTE_BYTES) }),
  evaluation: z.strictObject({
    entry: ProvenEntrySchema,
    resultSha256: Hex64,
    evaluatedAt: z.strictObject({ size: Count, root: Hex64 }),
    records: Count,
    batches: Count,
    participants: z.strictObject({ enrolled: Count, withdrawn: Count }),
    metrics: z.array(ReportMetricSchema).max(1000),
    comparisons: z.array(ComparisonResultSchema).max(10_000),
    triggers: z.array(z.strictObject({ id: Text, group: Text, met: z.boolean(), because: Text })).max(10_000),
    indicators: z
      .array(
        z.strictObject({
          rule: Text,
          metric: Text,
          value: DecimalText,
          target: DecimalText,
          direction: z.enum(DIRECTIONS),
          threshold: DecimalText,
          met: z.boolean(),
        }),
      )
      .max(10_000),
  }),
  payments: PaymentsSchema,
  earlier: z
    .array(z.strictObject({ period: Text, evaluation: ProvenEntrySchema, steps: z.array(ProvenStepSchema).max(100) }))
    .max(1000),
  paidBeforeByRule: z
    .array(z.strictObject({ rule: Text, group: Text.optional(), amount: MinorUnits, forfeited: MinorUnits.optional() }))
    .max(10_000)
    .optional(),
  workflow: z.strictObject({
    state: z.enum(PAYMENT_STATES),
    steps: z.array(ProvenStepSchema).max(100),
  }),
  witnesses: z.array(Text).max(100),
  issued: z.strictObject({ at: Text }),
  signature: z.strictObject({
    keyName: Text,
    keyId: z.string().regex(/^[0-9a-f]{8}$/, 'must be 8 lower-case hex digits'),
    value: Text,
  }),
});
