/**
 * The contract use cases on top of the log: register a contract version,
 * list the registered versions, publish a comparison figure. Pure: the log
 * comes in through a port (ports.ts).
 */
import { contractIdempotencyKey, parseContractSpec, registeredVersions, specHash } from '#contracts';
import { ConflictError, canonicalBytes, canonicalize, NotFoundError, sha256, toHex, ValidationError } from '#kernel';
import {
  type Actor,
  COMPARISON_PUBLISHED_KIND,
  CONTRACT_REGISTERED_KIND,
  type ComparisonBody,
  ComparisonBodySchema,
  checkSignedStatement,
  comparisonStatement,
  type SignedStatement,
} from '#ledger';
import { readVerifiedEntries } from './log-reader.ts';
import { appendOnce } from './log-writer.ts';
import type { ContractPorts } from './ports.ts';

// ---- Register

export interface RegistrationReceipt {
  readonly contract: string;
  readonly version: number;
  readonly specHash: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly replayed: boolean;
}

/**
 * Registers a contract version as a `contract.registered` entry. Version 1
 * first, then each amendment as the next version, effective on or after the
 * previous version's date; the same version with the same spec again
 * returns the original entry; with another spec it is a conflict.
 */
export async function registerContract(
  ports: ContractPorts,
  value: unknown,
  actor: Actor,
): Promise<RegistrationReceipt> {
  const spec = parseContractSpec(value);
  const hash = specHash(spec);
  const size = await ports.log.size(spec.id);
  const { entries, hashes } = await readVerifiedEntries(ports.log, spec.id, size);
  const versions = registeredVersions(entries);
  const same = versions.find((v) => v.spec.version === spec.version);
  if (same !== undefined) {
    if (same.hash !== hash) {
      throw new ConflictError(
        `version ${spec.version} of ${spec.id} is registered with other terms (spec hash ${same.hash}, this spec ${hash}); an amendment is a new version`,
        { registered: same.hash, submitted: hash },
      );
    }
    // The same terms again (whoever registers them): the original entry.
    const seq = same.seq;
    return {
      contract: spec.id,
      version: spec.version,
      specHash: hash,
      seq,
      entryHash: hashes[seq] as string,
      replayed: true,
    };
  }
  const latest = versions.at(-1);
  const expected = (latest?.spec.version ?? 0) + 1;
  if (spec.version !== expected) {
    throw new ValidationError(`contract spec ${spec.id} cannot be registered`, [
      { field: 'version', message: `must be ${expected}: versions are registered in order` },
    ]);
  }
  if (latest !== undefined && spec.effectiveFrom < latest.spec.effectiveFrom) {
    throw new ValidationError(`contract spec ${spec.id} cannot be registered`, [
      {
        field: 'effectiveFrom',
        message: `must not be before ${latest.spec.effectiveFrom}, when version ${latest.spec.version} took effect`,
      },
    ]);
  }
  const appended = await appendOnce(
    ports.log,
    spec.id,
    contractIdempotencyKey(spec.version),
    {
      kind: CONTRACT_REGISTERED_KIND,
      actor,
      // The spec as JSON (no undefined-valued keys): exactly what its hash covers.
      body: {
        version: spec.version,
        effectiveFrom: spec.effectiveFrom,
        specHash: hash,
        spec: JSON.parse(canonicalize(spec)),
      },
    },
    size,
  );
  return {
    contract: spec.id,
    version: spec.version,
    specHash: hash,
    seq: appended.seq,
    entryHash: appended.entryHash,
    replayed: appended.replayed,
  };
}

/** The registered versions of a contract, in order. */
export async function contractVersions(ports: Pick<ContractPorts, 'log'>, contract: string) {
  const size = await ports.log.size(contract);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  return registeredVersions(entries);
}

// ---- Publish a comparison figure

/**
 * Publishes a comparison-group figure (`comparison.published`, by the
 * evaluator). The comparison must be a `published` comparison of the latest
 * version, the group `all` or a cohort it is computed for. With the
 * evaluator's `signature` over the comparison statement (statement.ts), the
 * signature is checked against the figure and stored in the entry.
 */
export async function publishComparison(
  ports: Pick<ContractPorts, 'log'>,
  contract: string,
  value: unknown,
  actor: Actor,
  signature?: SignedStatement,
): Promise<{ seq: number; entryHash: string; replayed: boolean }> {
  const parsed = ComparisonBodySchema.omit({ signature: true }).safeParse(value);
  if (!parsed.success) {
    throw new ValidationError(
      'comparison figure is invalid',
      parsed.error.issues.map((i) => ({ field: i.path.join('.') || '(root)', message: i.message })),
    );
  }
  const body: ComparisonBody = parsed.data;
  const versions = await contractVersions(ports, contract);
  const spec = versions.at(-1)?.spec;
  if (spec === undefined) throw new NotFoundError(`contract ${contract} is not registered`);
  const comparison = spec.comparisons.find((c) => c.id === body.comparison);
  if (comparison === undefined || comparison.kind !== 'published') {
    const names = spec.comparisons.filter((c) => c.kind === 'published').map((c) => c.id);
    throw new ValidationError('comparison figure is invalid', [
      {
        field: 'comparison',
        message: `must be a published comparison of ${contract} (${names.join(', ') || 'it has none'})`,
      },
    ]);
  }
  const groups = ['all', ...(comparison.groupBy === 'cohort' ? spec.cohorts : [])];
  if (!groups.includes(body.group)) {
    throw new ValidationError('comparison figure is invalid', [
      { field: 'group', message: `must be one of: ${groups.join(', ')}` },
    ]);
  }
  if (body.period !== undefined && !spec.periods.some((p) => p.id === body.period)) {
    throw new ValidationError('comparison figure is invalid', [
      { field: 'period', message: `must be a period of ${contract}: ${spec.periods.map((p) => p.id).join(', ')}` },
    ]);
  }
  const digest = toHex(sha256(canonicalBytes(body))).slice(0, 32);
  const signed: ComparisonBody =
    signature === undefined
      ? body
      : { ...body, signature: checkSignedStatement(comparisonStatement({ contract, ...body }), signature) };
  const appended = await appendOnce(
    ports.log,
    contract,
    `comparison:${digest}`,
    { kind: COMPARISON_PUBLISHED_KIND, actor, body: signed as never },
    0,
  );
  return { seq: appended.seq, entryHash: appended.entryHash, replayed: appended.replayed };
}
