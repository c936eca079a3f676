import * as z from 'zod';
import { canonicalBytes, canonicalize, IntegrityError, sha256, toHex, ValidationError } from '#kernel';
import { leafHash } from './merkle.ts';

/**
 * A ledger entry: one leaf of a contract's log. Its canonical JSON bytes
 * (RFC 8785) are the Merkle leaf data; its hash is the RFC 6962 leaf hash of
 * those bytes, and `prev` is the previous entry's hash, so the log is both a
 * hash chain (cheap to walk) and a Merkle tree (cheap to prove).
 */

export const ENTRY_VERSION = 1;
/** `prev` of entry 0. */
export const GENESIS_PREV = '0'.repeat(64);

export const ROLES = ['operator', 'ministry', 'investor', 'evaluator', 'system'] as const;
export type Role = (typeof ROLES)[number];

export const ContractIdSchema = z
  .string()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/, 'lower-case letters, digits and inner hyphens, at most 64');
export const KindSchema = z
  .string()
  .max(64)
  .regex(/^[a-z][a-z0-9]*(?:[.-][a-z0-9]+)*$/, 'dotted lower-case name such as evidence.batch');
export const ActorSchema = z.strictObject({
  sub: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces'),
  role: z.enum(ROLES),
});
export type Actor = z.infer<typeof ActorSchema>;
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, '64 lower-case hex digits');
export const BodySchema = z.record(z.string(), z.json());

export const EntrySchema = z.strictObject({
  v: z.literal(ENTRY_VERSION),
  contract: ContractIdSchema,
  seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  kind: KindSchema,
  at: z.iso.datetime({ precision: 3 }),
  actor: ActorSchema,
  body: BodySchema,
  prev: Hex64,
});
export type Entry = z.infer<typeof EntrySchema>;

/** What a writer asks to append; the log assigns seq, at and prev. */
export const IntentSchema = z.strictObject({
  kind: KindSchema,
  actor: ActorSchema,
  body: BodySchema,
});
export type Intent = z.infer<typeof IntentSchema>;

function problemsOf(error: z.ZodError) {
  return error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message }));
}

export function parseIntent(value: unknown): Intent {
  const parsed = IntentSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError('invalid ledger entry', problemsOf(parsed.error));
  return parsed.data;
}

/** Canonical bytes of an entry, after checking it against the schema. */
export function encodeEntry(entry: Entry): Uint8Array {
  const parsed = EntrySchema.safeParse(entry);
  if (!parsed.success) throw new ValidationError(`invalid ledger entry seq ${entry.seq}`, problemsOf(parsed.error));
  return canonicalBytes(parsed.data);
}

/** Hash of an entry's canonical bytes: the RFC 6962 leaf hash, as lower-case hex where it is stored in JSON. */
export function entryHash(bytes: Uint8Array): Uint8Array {
  return leafHash(bytes);
}

/**
 * Hash of what a writer asked for (kind, actor, body): the content an
 * idempotency key is bound to. Independent of seq, time and position.
 */
export function intentHash(intent: Intent): string {
  return toHex(sha256(canonicalBytes(intent)));
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses stored or exported entry bytes and checks that they are a valid,
 * canonical entry. `expectedSeq` names the position for error messages.
 * Throws IntegrityError naming the seq.
 */
export function decodeEntry(bytes: Uint8Array, expectedSeq: number): Entry {
  let text: string;
  let value: unknown;
  try {
    text = decoder.decode(bytes);
    value = JSON.parse(text);
  } catch (error) {
    throw new IntegrityError('entry is not valid UTF-8 JSON', expectedSeq, { cause: error });
  }
  let parsed: ReturnType<typeof EntrySchema.safeParse>;
  let canonical: string;
  try {
    parsed = EntrySchema.safeParse(value);
    canonical = parsed.success ? canonicalize(parsed.data) : '';
  } catch (error) {
    // E.g. a nesting deep enough to exhaust the stack: still a bad entry, not a crash.
    throw new IntegrityError(`entry cannot be checked (${(error as Error).message})`, expectedSeq, { cause: error });
  }
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new IntegrityError(
      `entry does not match the entry schema (${first?.path.join('.') || '(root)'}: ${first?.message})`,
      expectedSeq,
    );
  }
  if (canonical !== text) {
    throw new IntegrityError('entry bytes are not canonical JSON (RFC 8785)', expectedSeq);
  }
  return parsed.data;
}
