/**
 * Party keys enrolled through the API: a deciding party's verifier key (made
 * in a browser, say) becomes part of the contract's published trust policy
 * by a `party.enrolled` entry in the contract's log. The entry carries the
 * key's own signature over the enrolment statement (proof of possession), so
 * the enrolment is as auditable as any decision: anyone with the log can
 * check who enrolled which key for which role, and that the key's holder
 * asked for it.
 *
 * Rules: a caller enrols a key only for a signing role its own role may sign
 * as (SIGNING_ROLES_OF_ROLE); a key is enrolled once per contract (the same
 * enrolment again answers with the original entry; the same key for another
 * role or subject is a conflict).
 */
import { ConflictError, ForbiddenError, NotFoundError, sha256, toHex, utf8, ValidationError } from '#kernel';
import {
  type Actor,
  checkSignedStatement,
  type Entry,
  enrolmentStatement,
  PARTY_ENROLLED_KIND,
  PartyEnrolledBodySchema,
  parseVerifierKey,
  type Role,
  SIGNING_ROLES,
  type SigningRole,
  signatureVerifies,
} from '#ledger';
import { contractVersions } from './contracts.ts';
import { readVerifiedEntries } from './log-reader.ts';
import { appendOnce } from './log-writer.ts';
import type { ContractPorts } from './ports.ts';

/**
 * The signing roles each caller role may enrol keys for: the ministry signs
 * approvals (ministry) and payment orders (treasury); the evaluator signs
 * attestations and comparison figures (evaluator) and evaluations (analyst).
 */
export const SIGNING_ROLES_OF_ROLE: Readonly<Partial<Record<Role, readonly SigningRole[]>>> = {
  ministry: ['ministry', 'treasury'],
  evaluator: ['evaluator', 'analyst'],
};

/** A key enrolled in a contract's log. */
export interface EnrolledKey {
  readonly role: SigningRole;
  readonly subject: string;
  readonly key: string;
  /** Seq of its `party.enrolled` entry. */
  readonly seq: number;
  /** The entry's time (ISO 8601). */
  readonly at: string;
}

export interface EnrolmentRequest {
  readonly contract: string;
  readonly role: string;
  /** The verifier key enrolled. */
  readonly key: string;
  /** The enrolment statement signed by that key (a C2SP signed note). */
  readonly note: string;
  readonly actor: Actor;
}

export interface EnrolmentReceipt {
  readonly contract: string;
  readonly role: SigningRole;
  readonly subject: string;
  readonly key: string;
  readonly seq: number;
  readonly entryHash: string;
  readonly replayed: boolean;
}

const keyIdOf = (key: string) => {
  const parsed = parseVerifierKey(key);
  return `${parsed.name}+${parsed.keyId}`;
};

/**
 * The keys enrolled in a log's entries, in log order. An entry whose key's
 * signature does not verify over its statement is an integrity failure of the
 * log, never a key to trust: it is left out (the log's verifiers flag it).
 */
export function enrolledKeys(contract: string, entries: readonly Entry[]): EnrolledKey[] {
  const out: EnrolledKey[] = [];
  for (const e of entries) {
    if (e.kind !== PARTY_ENROLLED_KIND) continue;
    const parsed = PartyEnrolledBodySchema.safeParse(e.body);
    if (!parsed.success || !(SIGNING_ROLES as readonly string[]).includes(parsed.data.role)) continue;
    const { role, key, signature } = parsed.data;
    const statement = enrolmentStatement({ contract, role, subject: e.actor.sub, key });
    if (signature.key !== key || !signatureVerifies(statement, signature)) continue;
    out.push({ role: role as SigningRole, subject: e.actor.sub, key, seq: e.seq, at: e.at });
  }
  return out;
}

/** The keys enrolled in a contract's log (entries checked against the stored root). */
export async function readEnrolledKeys(ports: Pick<ContractPorts, 'log'>, contract: string): Promise<EnrolledKey[]> {
  const size = await ports.log.size(contract);
  if (size === 0) return [];
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  return enrolledKeys(contract, entries);
}

/**
 * The key's signature over the enrolment statement: the note must verify with
 * the key it names and sign exactly `statement`; problems name the body's
 * `key` (not an Ed25519 verifier key) or `note` (another text, or no valid
 * signature by the key).
 */
function provenKey(statement: string, request: EnrolmentRequest) {
  try {
    return checkSignedStatement(statement, { key: request.key, note: request.note }, '(body)');
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(
      `the note is not the enrolment statement signed by the key (${error.message})`,
      error.problems.map((p) => ({ ...p, field: p.field === '(body).key' ? 'key' : 'note' })),
    );
  }
}

/**
 * Enrols a party key: the role must be one the caller's role signs as (403),
 * the key an Ed25519 verifier key and the note the enrolment statement signed
 * by it (422, naming the field), the contract registered (404). Appends one
 * `party.enrolled` entry; the same enrolment again is the original entry.
 */
export async function enrolPartyKey(
  ports: Pick<ContractPorts, 'log'>,
  request: EnrolmentRequest,
): Promise<EnrolmentReceipt> {
  const { contract, actor } = request;
  const allowed = SIGNING_ROLES_OF_ROLE[actor.role] ?? [];
  if (!(SIGNING_ROLES as readonly string[]).includes(request.role)) {
    throw new ValidationError('the party key cannot be enrolled', [
      { field: 'role', message: `must be one of ${SIGNING_ROLES.join(', ')}` },
    ]);
  }
  const role = request.role as SigningRole;
  if (!allowed.includes(role)) {
    throw new ForbiddenError(
      `the ${actor.role} role may not enrol a key to sign as ${role}${allowed.length > 0 ? ` (only as ${allowed.join(' or ')})` : ''}`,
    );
  }
  const statement = enrolmentStatement({ contract, role, subject: actor.sub, key: request.key });
  const signature = provenKey(statement, request);
  if ((await contractVersions(ports, contract)).length === 0) {
    throw new NotFoundError(`contract ${contract} is not registered`);
  }
  const size = await ports.log.size(contract);
  const { entries } = await readVerifiedEntries(ports.log, contract, size);
  const id = keyIdOf(request.key);
  const existing = enrolledKeys(contract, entries).find((k) => keyIdOf(k.key) === id);
  if (
    existing !== undefined &&
    (existing.role !== role || existing.subject !== actor.sub || existing.key !== request.key)
  ) {
    throw new ConflictError(
      `the key ${id} is already enrolled for ${contract} (entry ${existing.seq}, role ${existing.role}, subject ${existing.subject}); a key is enrolled once`,
      { seq: existing.seq, role: existing.role, subject: existing.subject },
    );
  }
  const appended = await appendOnce(
    ports.log,
    contract,
    // One key per enrolment: its name and key id (hashed: a key name may hold characters an idempotency key may not).
    `party-key:${toHex(sha256(utf8(id)))}`,
    { kind: PARTY_ENROLLED_KIND, actor, body: { role, key: request.key, signature: { ...signature } } },
    0,
    size,
  );
  return {
    contract,
    role,
    subject: actor.sub,
    key: request.key,
    seq: appended.seq,
    entryHash: appended.entryHash,
    replayed: appended.replayed,
  };
}
