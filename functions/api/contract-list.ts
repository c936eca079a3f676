/**
 * The list of registered contracts (`GET /contracts`, and the development
 * sign-in's contract picker): every contract with a log, read without
 * reading whole logs. The ledger keeps a list of logs (one item each), and
 * each version's registration is found by its idempotency key's receipt:
 * a few item reads per contract, however long its log. Each registration
 * entry read is checked against the hash its receipt recorded, and its spec
 * against the spec hash it carries.
 */
import * as z from 'zod';
import { type ContractSpec, ContractSpecSchema, contractIdempotencyKey, specHash } from '#contracts';
import { IntegrityError, toHex } from '#kernel';
import { CONTRACT_REGISTERED_KIND, ContractIdSchema, decodeEntry, entryHash } from '#ledger';
import type { DynamoLedger } from '../adapters/dynamo-ledger.ts';

/** A title in the spec's language (ru) and its translation (en), where the spec has them. */
export const LocalizedTitleSchema = z.strictObject({
  ru: z.string().optional(),
  en: z.string().optional(),
});

export const ContractSummarySchema = z.strictObject({
  id: ContractIdSchema,
  title: LocalizedTitleSchema,
  currency: z.string(),
  minorUnit: z.int().min(0),
  timeZone: z.string().describe('IANA time zone of the contract\'s days; "UTC" when the spec names none'),
  term: z.strictObject({ from: z.string(), to: z.string() }),
  version: z.int().min(1).describe('the latest registered version'),
  logSize: z.int().min(0).describe("the contract log's size (entries)"),
});
export type ContractSummary = z.infer<typeof ContractSummarySchema>;

export const ContractListSchema = z.strictObject({ contracts: z.array(ContractSummarySchema) });

/** The spec's title in each language: the spec's own (written in Russian) and its translations. */
export function titlesOf(spec: ContractSpec): { ru?: string; en?: string } {
  const en = spec.translations?.en?.title;
  return { ru: spec.title, ...(en === undefined ? {} : { en }) };
}

/** The latest registered version of a contract, read by its registrations' receipts; undefined if none. */
async function latestSpec(log: DynamoLedger, contract: string): Promise<ContractSpec | undefined> {
  let latest: ContractSpec | undefined;
  for (let version = 1; ; version++) {
    const receipt = await log.receipt(contract, contractIdempotencyKey(version));
    if (receipt === undefined) return latest;
    const bytes = await log.entry(contract, receipt.seq);
    if (toHex(entryHash(bytes)) !== receipt.entryHash) {
      throw new IntegrityError(
        `the registration of ${contract} version ${version} does not match its receipt`,
        receipt.seq,
      );
    }
    const entry = decodeEntry(bytes, receipt.seq);
    const parsed = ContractSpecSchema.safeParse(entry.body.spec);
    if (entry.kind !== CONTRACT_REGISTERED_KIND || !parsed.success || entry.body.specHash !== specHash(parsed.data)) {
      throw new IntegrityError(`the registration of ${contract} version ${version} is not a valid spec`, receipt.seq);
    }
    latest = parsed.data;
  }
}

/** The registered contracts `allowed` (`*`: all), in id order. */
export async function listContracts(log: DynamoLedger, allowed: '*' | readonly string[]): Promise<ContractSummary[]> {
  const out: ContractSummary[] = [];
  for await (const contract of log.logs()) {
    if (allowed !== '*' && !allowed.includes(contract)) continue;
    const spec = await latestSpec(log, contract);
    if (spec === undefined) continue;
    out.push({
      id: contract,
      title: titlesOf(spec),
      currency: spec.currency,
      minorUnit: spec.minorUnit,
      timeZone: spec.timeZone ?? 'UTC',
      term: { from: spec.term.from, to: spec.term.to },
      version: spec.version,
      logSize: (await log.head(contract)).size,
    });
  }
  return out;
}
