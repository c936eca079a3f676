import * as z from 'zod';
import { ContractSpecSchema } from '#contracts';
import type { EvaluationResult } from '#evaluation';
import { IntegrityError, NotFoundError, ValidationError } from '#kernel';
import {
  ActorSchema,
  ComparisonBodySchema,
  ContractIdSchema,
  type Role,
  recordedEvaluations,
  SIGNING_ROLES,
  SignedStatementSchema,
} from '#ledger';
import { PSEUDONYM_IN_TEXT, publicSummary, summaryHash } from '#reports';
import {
  computeEvaluation,
  contractVersions,
  enrolPartyKey,
  loadResult,
  publishComparison,
  readEnrolledKeys,
  readVerifiedEntries,
  registerContract,
  runEvaluation,
  SIGNING_ROLES_OF_ROLE,
} from '#services';
import { evaluationTables } from '../shared/export-tables.ts';
import { logger } from '../shared/middleware.ts';
import { assertContract } from './auth.ts';
import { ContractListSchema, listContracts } from './contract-list.ts';
import { evidenceDue } from './contracts-due.ts';
import { getTemplate } from './contracts-template.ts';
import { actor, apiHandler, defineRoute, json } from './http.ts';
import { CanonicalDecimalString } from './params.ts';
import { EvaluationExportQuerySchema, EXPORT_TYPES, tableAnswer } from './table-answer.ts';

/**
 * Contracts and evaluation over HTTP (the Lambda of the `api/contracts`
 * routes in routes.ts): list the registered contracts, register a contract
 * spec or an amendment, read its versions, publish a comparison figure,
 * evaluate a period, read a recorded evaluation, and enrol and list party
 * keys (domain/services/party-keys.ts), and write the contract's fill-in
 * template (the operator's console downloads it): the use cases of domain/services/contracts.ts and
 * evaluations.ts (`sib ministry register`, `sib evaluator
 * evaluate|publish-comparison` call them here), the caller's token as the
 * actor.
 *
 * Writes answer 201 when they appended an entry and 200 when the same
 * content was recorded before (the original entry, `replayed: true`).
 */

// ---- Shared schemas (also used by the payments and reports modules)

export const Hex64Schema = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');
/** A ledger position: a whole number from 0, as a path segment. */
export const SeqParamSchema = CanonicalDecimalString.describe("the entry's seq: a whole number from 0");
export const ContractParamsSchema = z.object({ contract: ContractIdSchema });

/** An entry appended (or found, `replayed`) by a write. */
export const AppendedEntrySchema = z.strictObject({
  seq: z.int().min(0),
  entryHash: Hex64Schema,
  /** Tree size right after the entry. */
  treeSize: z.int().min(1),
  replayed: z.boolean(),
});

// ---- registerContract

export const RegistrationReceiptSchema = z.strictObject({
  contract: ContractIdSchema,
  version: z.int().min(1),
  specHash: Hex64Schema,
  seq: z.int().min(0),
  entryHash: Hex64Schema,
  replayed: z.boolean(),
});

/**
 * The register body as read before authorization: any JSON object with an
 * `id`. The token is checked against that id first; only then is the whole
 * spec validated (ContractSpecSchema, docs/contracts.md), every problem a 422
 * with the path of its field.
 */
export const RegisterBodySchema = z
  .looseObject({ id: z.string().describe('the contract id: the token must allow acting on it') })
  .describe('a contract spec (docs/contracts.md): version 1, or an amendment as the next version');

// ---- getContract

export const ContractVersionsSchema = z.strictObject({
  contract: ContractIdSchema,
  versions: z.array(
    z.strictObject({
      version: z.int().min(1),
      effectiveFrom: z.iso.date(),
      /** Seq of its contract.registered entry. */
      seq: z.int().min(0),
      /** SHA-256 of the spec's canonical JSON: what evaluations cite. */
      hash: Hex64Schema,
      spec: ContractSpecSchema,
    }),
  ),
});

// ---- publishComparison

export const PublishReceiptSchema = z.strictObject({
  contract: ContractIdSchema,
  seq: z.int().min(0),
  entryHash: Hex64Schema,
  replayed: z.boolean(),
});

// ---- evaluate and getEvaluation

export const EvaluateBodySchema = z.strictObject({
  period: z.string().min(1).max(64).describe('a measurement period of the contract'),
  checkpoint: z
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe("evaluate the log as it was at this tree size (default: the log's current size)"),
  dryRun: z
    .boolean()
    .optional()
    .describe(
      'evaluate only: answer what the entry would name (result and summary hashes, total) at the checkpoint, for the analyst to sign; nothing is stored or recorded',
    ),
  signature: SignedStatementSchema.optional().describe(
    "the analyst's signed note over the calculated decision statement (sib-ledger/decision/v1), whose payment is the checkpoint: recorded only if the log has not moved past it",
  ),
});

/** A comparison figure to publish, with the evaluator's signed note over its statement (sib-ledger/comparison/v1). */
export const PublishComparisonBodySchema = ComparisonBodySchema.omit({ signature: true }).extend({
  signature: SignedStatementSchema.optional().describe(
    "the evaluator's signed note over the figure's statement (sib-ledger/comparison/v1)",
  ),
});

/** An evaluation result (domain/services/evaluation-run.ts, format sib-ledger/evaluation/v1); the main members are named. */
export const EvaluationResultSchema = z
  .looseObject({
    format: z.literal('sib-ledger/evaluation/v1'),
    contract: z.looseObject({ id: ContractIdSchema, version: z.int(), hash: Hex64Schema, seq: z.int() }),
    period: z.looseObject({ id: z.string() }),
    checkpoint: z.strictObject({ size: z.int(), root: Hex64Schema }),
    participants: z.strictObject({ enrolled: z.int(), withdrawn: z.int() }),
    metrics: z.array(z.looseObject({ id: z.string(), value: z.string() })),
    payments: z.looseObject({ currency: z.string(), minorUnit: z.int(), total: z.string() }),
    outcomes: z
      .array(z.looseObject({ subject: z.string(), rule: z.string(), paidNow: z.string() }))
      .optional()
      .describe('per payable outcome key (participant pseudonyms): the evaluator only'),
    numerators: z
      .array(z.strictObject({ metric: z.string(), participants: z.array(z.string()) }))
      .optional()
      .describe('the pseudonyms behind each rate and mean: the evaluator only'),
  })
  .describe('the evaluation result; outcomes and numerators (pseudonyms) only for the evaluator');

/** A dry run's answer: what the evaluation entry would name if recorded at `checkpoint.size` (its seq). */
export const EvaluationPreviewSchema = z.strictObject({
  contract: ContractIdSchema,
  dryRun: z.literal(true),
  period: z.string(),
  checkpoint: z.strictObject({ size: z.int().min(1), root: Hex64Schema }),
  seq: z
    .int()
    .describe(
      "the seq the evaluation entry would get if recorded now (the log's size): the payment a signed calculation names",
    ),
  sha256: Hex64Schema,
  summary: Hex64Schema,
  total: z.string(),
  currency: z.string(),
  minorUnit: z.int().min(0),
  // The evaluator's console: the dry run's tables and charts (what would be recorded), before anything is.
  result: EvaluationResultSchema.optional().describe(
    'the result that would be recorded (as a recorded evaluation answers it), for reading before recording',
  ),
});

export const EvaluationRunSchema = z.strictObject({
  contract: ContractIdSchema,
  /** SHA-256 of the canonical result: the result's id. */
  sha256: Hex64Schema,
  /** Where the result is stored (beside the evidence archives). */
  key: z.string(),
  /** The evaluation.recorded entry: the payment's id is its seq. */
  entry: AppendedEntrySchema,
  result: EvaluationResultSchema,
});

export const EvaluationParamsSchema = z.object({ contract: ContractIdSchema, seq: SeqParamSchema });

export const RecordedEvaluationSchema = z.strictObject({
  contract: ContractIdSchema,
  /** Seq of the evaluation.recorded entry (the payment's id). */
  seq: z.int().min(0),
  period: z.string(),
  /** The log prefix it read. */
  checkpoint: z.strictObject({ size: z.int(), root: Hex64Schema }),
  sha256: Hex64Schema,
  key: z.string(),
  total: z.string(),
  currency: z.string(),
  recordedBy: ActorSchema,
  recordedAt: z.string(),
  result: EvaluationResultSchema,
});

/**
 * What a caller may see of a result: everything for the evaluator; the
 * aggregates only (no outcome keys, no numerator lists: no pseudonyms) for
 * anyone else. Checked: a pseudonym left anywhere is an integrity failure,
 * never an answer.
 */
export function resultFor(
  role: Role,
  result: EvaluationResult,
): EvaluationResult | Omit<EvaluationResult, 'outcomes' | 'numerators'> {
  if (role === 'evaluator') return result;
  const { outcomes: _outcomes, numerators: _numerators, ...aggregates } = result;
  if (PSEUDONYM_IN_TEXT.test(JSON.stringify(aggregates))) {
    throw new IntegrityError('the evaluation result would show a participant pseudonym to a non-evaluator');
  }
  return aggregates;
}

/** 404 unless the contract is registered; 422 unless `period` is a period of one of its versions. */
async function checkPeriod(ports: Parameters<typeof contractVersions>[0], contract: string, period: string) {
  const versions = await contractVersions(ports, contract);
  if (versions.length === 0) throw new NotFoundError(`contract ${contract} is not registered`);
  const periods = [...new Set(versions.flatMap((v) => v.spec.periods.map((p) => p.id)))];
  if (!periods.includes(period)) {
    throw new ValidationError(`cannot evaluate ${contract}`, [
      { field: 'period', message: `must be a period of ${contract}: ${periods.join(', ')}` },
    ]);
  }
}

/** What an evaluation entry would name, recorded at the checkpoint (default: the log's size): nothing is written. */
async function previewEvaluation(
  ports: Parameters<typeof computeEvaluation>[0],
  contract: string,
  period: string,
  checkpoint: number | undefined,
  role: Role,
): Promise<z.input<typeof EvaluationPreviewSchema>> {
  const { result, sha256 } = await computeEvaluation(ports, {
    contract,
    period,
    ...(checkpoint === undefined ? {} : { checkpoint }),
  });
  return {
    contract,
    dryRun: true,
    period,
    checkpoint: result.checkpoint,
    seq: await ports.log.size(contract),
    sha256,
    summary: summaryHash(publicSummary(result)),
    total: result.payments.total,
    currency: result.payments.currency,
    minorUnit: result.payments.minorUnit,
    result: resultFor(role, result) as unknown as z.input<typeof EvaluationResultSchema>,
  };
}

// ---- Party keys

export const EnrolPartyKeyBodySchema = z.strictObject({
  role: z.enum(SIGNING_ROLES).describe(
    `the signing role the key signs as: ${Object.entries(SIGNING_ROLES_OF_ROLE)
      .map(([role, roles]) => `a ${role} token enrols ${roles.join(' or ')}`)
      .join('; ')}`,
  ),
  key: z.string().min(1).max(300).describe('the verifier key enrolled (an Ed25519 key, `<name>+<keyid>+<base64>`)'),
  note: z
    .string()
    .min(1)
    .max(4096)
    .describe(
      'the enrolment statement (sib-ledger/enrolment/v1: contract, role, the token subject, key) signed by that key: proof of possession',
    ),
});

const EnrolledKeySchema = z.strictObject({
  role: z.enum(SIGNING_ROLES),
  subject: z.string().describe('the token subject that enrolled it'),
  key: z.string(),
  seq: z.int().min(0).describe('its party.enrolled entry'),
  at: z.string(),
});

export const EnrolmentReceiptSchema = z.strictObject({
  contract: ContractIdSchema,
  role: z.enum(SIGNING_ROLES),
  subject: z.string(),
  key: z.string(),
  seq: z.int().min(0),
  entryHash: Hex64Schema,
  replayed: z.boolean(),
});

export const PartyKeyListSchema = z.strictObject({ contract: ContractIdSchema, keys: z.array(EnrolledKeySchema) });

export const IMPLS = {
  // The operator's evidence due (contracts-due.ts) and the contract's fill-in template (contracts-template.ts)
  evidenceDue,
  getTemplate,

  listContracts: defineRoute({ response: ContractListSchema, status: 200 }, async (request) => {
    const caller = request.caller as NonNullable<typeof request.caller>;
    return json(200, { contracts: await listContracts(request.rt.log, caller.contracts) });
  }),

  registerContract: defineRoute(
    { body: RegisterBodySchema, response: RegistrationReceiptSchema, status: 201 },
    async (request) => {
      // The token first: a spec of another contract is refused before it is even read.
      assertContract(request.caller as NonNullable<typeof request.caller>, request.body.id);
      const receipt = await registerContract(request.rt.contracts, request.body, actor(request));
      logger.info(receipt.replayed ? 'contract already registered' : 'contract registered', {
        version: receipt.version,
        seq: receipt.seq,
      });
      return json(receipt.replayed ? 200 : 201, receipt);
    },
  ),

  getContract: defineRoute(
    { params: ContractParamsSchema, response: ContractVersionsSchema, status: 200 },
    async ({ params, rt }) => {
      const versions = await contractVersions(rt.contracts, params.contract);
      if (versions.length === 0) throw new NotFoundError(`contract ${params.contract} is not registered`);
      return json(200, {
        contract: params.contract,
        versions: versions.map((v) => ({
          version: v.spec.version,
          effectiveFrom: v.spec.effectiveFrom,
          seq: v.seq,
          hash: v.hash,
          spec: v.spec,
        })),
      });
    },
  ),

  publishComparison: defineRoute(
    { params: ContractParamsSchema, body: PublishComparisonBodySchema, response: PublishReceiptSchema, status: 201 },
    async (request) => {
      const { contract } = request.params;
      const { signature, ...figure } = request.body;
      const receipt = await publishComparison(request.rt.contracts, contract, figure, actor(request), signature);
      logger.info(receipt.replayed ? 'comparison already published' : 'comparison published', { seq: receipt.seq });
      return json(receipt.replayed ? 200 : 201, { contract, ...receipt });
    },
  ),

  evaluate: defineRoute(
    {
      params: ContractParamsSchema,
      body: EvaluateBodySchema,
      response: z.union([EvaluationRunSchema, EvaluationPreviewSchema]),
      status: 201,
    },
    async (request) => {
      const { contract } = request.params;
      const { period, checkpoint, signature, dryRun } = request.body;
      const who = actor(request);
      await checkPeriod(request.rt.contracts, contract, period);
      if (dryRun === true)
        return json(200, await previewEvaluation(request.rt.contracts, contract, period, checkpoint, who.role));
      const run = await runEvaluation(request.rt.contracts, {
        contract,
        period,
        ...(checkpoint === undefined ? {} : { checkpoint }),
        ...(signature === undefined ? {} : { signature }),
        actor: who,
      });
      logger.info(run.entry.replayed ? 'evaluation already recorded' : 'evaluation recorded', {
        period,
        seq: run.entry.seq,
        checkpoint: run.result.checkpoint.size,
      });
      return json(run.entry.replayed ? 200 : 201, {
        contract,
        sha256: run.sha256,
        key: run.key,
        entry: run.entry,
        result: resultFor(who.role, run.result),
      });
    },
  ),

  getEvaluation: defineRoute(
    {
      params: EvaluationParamsSchema,
      query: EvaluationExportQuerySchema,
      response: RecordedEvaluationSchema,
      status: 200,
      alsoTypes: EXPORT_TYPES,
    },
    async (request) => {
      const { contract } = request.params;
      const seq = Number(request.params.seq);
      const log = request.rt.contracts.log;
      const size = await log.size(contract);
      if (size === 0) throw new NotFoundError(`contract ${contract} has no log (register it first)`);
      if (seq >= size) throw new NotFoundError(`there is no entry ${seq}: the log of ${contract} has ${size} entries`);
      const { entries } = await readVerifiedEntries(log, contract, size);
      const recorded = recordedEvaluations(entries).find((r) => r.seq === seq);
      const entry = entries[seq];
      if (recorded === undefined || entry === undefined) {
        throw new NotFoundError(
          `entry ${seq} of ${contract} is not an evaluation: its kind is ${entry?.kind ?? 'unknown'}`,
        );
      }
      const result = await loadResult(request.rt.contracts, recorded, seq);
      // Issue 17: the outcome tables as a spreadsheet (a sheet each; CSV the outcomes), as `sib evaluator evaluation --format`.
      if (request.query.format !== undefined) {
        return tableAnswer(
          request.query.format,
          `${contract}-evaluation-${seq}`,
          evaluationTables(result),
          request.query.sheet,
        );
      }
      const caller = request.caller as NonNullable<typeof request.caller>;
      return json(200, {
        contract,
        seq,
        period: recorded.period,
        checkpoint: recorded.checkpoint,
        sha256: recorded.result.sha256,
        key: recorded.result.key,
        total: recorded.total,
        currency: recorded.currency,
        recordedBy: entry.actor,
        recordedAt: entry.at,
        result: resultFor(caller.role, result),
      });
    },
  ),

  enrolPartyKey: defineRoute(
    { params: ContractParamsSchema, body: EnrolPartyKeyBodySchema, response: EnrolmentReceiptSchema, status: 201 },
    async (request) => {
      const receipt = await enrolPartyKey(request.rt.contracts, {
        contract: request.params.contract,
        ...request.body,
        actor: actor(request),
      });
      logger.info(receipt.replayed ? 'party key already enrolled' : 'party key enrolled', {
        role: receipt.role,
        seq: receipt.seq,
      });
      return json(receipt.replayed ? 200 : 201, receipt);
    },
  ),

  listPartyKeys: defineRoute(
    { params: ContractParamsSchema, response: PartyKeyListSchema, status: 200 },
    async ({ params, rt }) => {
      if ((await rt.contracts.log.size(params.contract)) === 0) {
        throw new NotFoundError(`contract ${params.contract} has no log (register it first)`);
      }
      return json(200, { contract: params.contract, keys: await readEnrolledKeys(rt.contracts, params.contract) });
    },
  ),
};

export const handler = apiHandler(IMPLS);
