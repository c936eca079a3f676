/**
 * `GET /contracts/{contract}/witnesses` (in the api/ledger handler module,
 * the evaluator's witness status): for each witness the log pushes its
 * checkpoints to, the last checkpoint it cosigned (with the stored note, so
 * that the reader verifies the cosignature itself against the trust policy)
 * and the last checkpoint it refused (rollback, fork or other, with the HTTP
 * status and sizes), as the push recorded them (functions/adapters/
 * ledger-witnesses.ts). The witness keys of the published trust policy come
 * along, so a page needs no second request to know whom to expect.
 */
import * as z from 'zod';
import type { HttpResult } from '../shared/middleware.ts';
import { defineRoute, json } from './http.ts';
import { requireLog } from './ledger-log.ts';
import { ContractParams } from './ledger-schemas.ts';
import { witnessKeysFromEnv } from './witness-keys.ts';

const IsoTime = z.string().describe('When the log stored the answer (ISO 8601, UTC)');

export const WitnessStatusSchema = z.object({
  contract: z.string(),
  /** The size of the log now. */
  size: z.number().int().describe("The log's size now"),
  keys: z.array(z.string()).describe("The witness verifier keys of the deployment's trust policy"),
  witnesses: z
    .array(
      z.object({
        url: z.string().describe("The witness's add-checkpoint prefix"),
        lastCosigned: z
          .object({
            size: z.number().int(),
            at: IsoTime,
            witnesses: z.array(z.string()).describe('The names of the configured keys whose cosignature verified'),
            note: z
              .string()
              .optional()
              .describe('The checkpoint of that size as stored, with every cosignature (verify it yourself)'),
          })
          .optional(),
        lastRefusal: z
          .object({
            kind: z
              .enum(['rollback', 'fork', 'other'])
              .describe(
                'rollback: the witness holds a larger size; fork: another tree (409 at the same size, 422: no consistency proof); other: any other status, or unreachable',
              ),
            status: z.number().int().optional().describe('The HTTP status (absent: the witness was not reached)'),
            size: z.number().int().describe("The checkpoint's size"),
            witnessSize: z.number().int().optional().describe('The size the witness said it holds'),
            why: z.string(),
            at: IsoTime,
          })
          .optional(),
      }),
    )
    .describe('One line per witness URL the log has pushed to (none before the first push)'),
});

export const getWitnessStatus = defineRoute(
  { params: ContractParams, response: WitnessStatusSchema, status: 200 },
  async ({ params, rt }): Promise<HttpResult> => {
    const { contract } = params;
    const head = await requireLog(rt, contract);
    const answers = await rt.log.witnessAnswers(contract);
    const witnesses = await Promise.all(
      answers.map(async (a) => {
        if (a.lastCosigned === undefined) return a;
        const note = await rt.log.checkpointAt(contract, a.lastCosigned.size);
        return { ...a, lastCosigned: { ...a.lastCosigned, ...(note === undefined ? {} : { note }) } };
      }),
    );
    return json(200, {
      contract,
      size: head.size,
      keys: witnessKeysFromEnv(),
      witnesses,
    } satisfies z.input<typeof WitnessStatusSchema>);
  },
);
