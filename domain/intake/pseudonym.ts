/**
 * Participant pseudonyms. The operator's participant reference (a national
 * identifier or its own participant code) is replaced at the edge by a keyed
 * HMAC of the contract and the normalised reference, before anything is
 * stored or logged.
 *
 * Derivation (v1), written once here and used by every adapter:
 *
 *   K_c       = HMAC-SHA256(masterKey, "sib-ledger/pseudonym/v1\x00" || contract)
 *   pseudonym = "p-" || hex(HMAC-SHA256(K_c, normaliseReference(reference)))[0..32]
 *
 * Why two levels rather than HMAC(masterKey, contract || reference): in AWS the
 * master key is a KMS HMAC_256 key that never leaves KMS, so every HMAC under
 * it is a GenerateMac call. Deriving a per-contract key costs ONE GenerateMac
 * per contract per Lambda instance (cached in memory); the per-record HMAC then
 * runs locally. Hashing every record under the master key would cost one KMS
 * call per record: 10,000 calls for a 10,000-record batch, with their latency,
 * throttling and price. The pseudonym is still a keyed HMAC-SHA256 of
 * (contract, normalised reference), different for each contract, and nobody
 * without the master key (or K_c, which exists only in the memory of the
 * process that derived it) can compute or test a guess. See
 * docs/decisions/0005-pseudonyms.md.
 */
import { hmacSha256, type SecretKey, secretKey, toHex, utf8, ValidationError } from '#kernel';
import { ContractIdSchema } from '#ledger';

/** Domain-separation prefix of the per-contract key derivation; the NUL ends it. */
export const PSEUDONYM_KEY_CONTEXT = 'sib-ledger/pseudonym/v1\x00';
/** Longest reference accepted before normalisation (UTF-16 code units): bounds the work on hostile input. */
export const MAX_RAW_REFERENCE_LENGTH = 256;
/** Longest normalised reference (code points). */
export const MAX_REFERENCE_LENGTH = 64;
/** Pseudonyms kept per pseudonymizer unless told otherwise. */
export const DEFAULT_MAX_CACHED_REFERENCES = 100_000;

const PSEUDONYM = /^p-[0-9a-f]{32}$/;
/** Whitespace and the hyphen/dash family left after NFKC (NFKC already maps full-width and small forms). */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/gu;
/** Letters of any script, ASCII digits, and `.`, `_`, `/` inside operator codes. */
const REFERENCE = /^[\p{L}0-9][\p{L}0-9._/]*$/u;

/** Replaces participant references by pseudonyms. */
export interface Pseudonymizer {
  /** `p-` followed by 32 lower-case hex digits. Throws ValidationError for an invalid contract or reference. */
  pseudonym(contract: string, reference: string): Promise<string>;
}

/**
 * Canonical form of a participant reference: trimmed, NFKC (full-width digits
 * and letters become ASCII), upper-case, without whitespace or hyphens, so
 * `qq 12-34-56 c` and `ＱＱ１２３４５６Ｃ` are one participant. Throws
 * ValidationError if nothing is left or a character is not a letter, an ASCII
 * digit, `.`, `_` or `/`. Messages never repeat the reference: it is personal data.
 */
export function normaliseReference(reference: string): string {
  if (reference.length > MAX_RAW_REFERENCE_LENGTH) {
    throw invalidReference(`reference is longer than ${MAX_RAW_REFERENCE_LENGTH} characters`);
  }
  // NFKC twice: upper-casing can yield a sequence that is not in NFKC form.
  const normalised = reference.trim().normalize('NFKC').toUpperCase().normalize('NFKC').replace(SEPARATORS, '');
  if (normalised === '') throw invalidReference('reference is empty');
  if ([...normalised].length > MAX_REFERENCE_LENGTH) {
    throw invalidReference(`reference is longer than ${MAX_REFERENCE_LENGTH} characters once normalised`);
  }
  if (!REFERENCE.test(normalised)) {
    throw invalidReference(
      "reference must hold only letters, digits and inner '.', '_' or '/' (spaces and hyphens are ignored)",
    );
  }
  return normalised;
}

function invalidReference(message: string): ValidationError {
  return new ValidationError(`invalid participant reference: ${message}`, [{ field: 'reference', message }]);
}

export function isPseudonym(value: unknown): value is string {
  return typeof value === 'string' && PSEUDONYM.test(value);
}

/** The message whose HMAC under the master key is K_c (what the KMS adapter sends to GenerateMac). */
export function contractKeyMessage(contract: string): Uint8Array {
  const parsed = ContractIdSchema.safeParse(contract);
  if (!parsed.success) {
    throw new ValidationError(`invalid contract id ${JSON.stringify(contract)}`, [
      { field: 'contract', message: parsed.error.issues[0]?.message ?? 'invalid' },
    ]);
  }
  return utf8(PSEUDONYM_KEY_CONTEXT + contract);
}

/** K_c computed from a master key held in memory (the local adapter; KMS computes the same inside KMS). */
export function deriveContractKey(masterKey: Uint8Array | SecretKey, contract: string): Uint8Array {
  return hmacSha256(masterKey, contractKeyMessage(contract));
}

/** The pseudonym of a reference under a contract key K_c. */
export function derivePseudonym(contractKey: Uint8Array | SecretKey, reference: string): string {
  return pseudonymOfNormalised(contractKey, normaliseReference(reference));
}

function pseudonymOfNormalised(contractKey: Uint8Array | SecretKey, normalised: string): string {
  // 128 bits: a collision needs ~2^64 participants; the full tag would only lengthen every record.
  return `p-${toHex(hmacSha256(contractKey, normalised)).slice(0, 32)}`;
}

export interface ContractKeyPseudonymizerOptions {
  /** Bound of the per-reference cache (least recently used entries go first); default 100,000, 0 disables it. */
  readonly maxCachedReferences?: number;
}

/**
 * A Pseudonymizer over a source of per-contract keys K_c (see the derivation
 * above). K_c is fetched once per contract and kept in memory for the life of
 * the object; concurrent first calls share one fetch, and a failed fetch is not
 * cached, so the next call retries. Recent pseudonyms are cached per
 * (contract, reference), bounded in size.
 */
export class ContractKeyPseudonymizer implements Pseudonymizer {
  readonly maxCachedReferences: number;
  readonly #contractKey: (contract: string) => Promise<Uint8Array>;
  readonly #keys = new Map<string, Promise<SecretKey>>();
  /** `contract NUL reference` -> pseudonym; Map iteration order is insertion order, so the first key is the LRU one. */
  readonly #pseudonyms = new Map<string, string>();

  /** `contractKey` returns K_c, 32 bytes, for a valid contract id. */
  constructor(contractKey: (contract: string) => Promise<Uint8Array>, options: ContractKeyPseudonymizerOptions = {}) {
    const max = options.maxCachedReferences ?? DEFAULT_MAX_CACHED_REFERENCES;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new ValidationError(`maxCachedReferences must be a non-negative integer, not ${max}`);
    }
    this.maxCachedReferences = max;
    this.#contractKey = contractKey;
  }

  /** Pseudonyms currently cached. */
  get cachedReferences(): number {
    return this.#pseudonyms.size;
  }

  async pseudonym(contract: string, reference: string): Promise<string> {
    // A contract id holds no NUL (contractKeyMessage checks it before anything is cached), so the key is unambiguous.
    const cacheKey = `${contract}\x00${reference}`;
    const cached = this.#pseudonyms.get(cacheKey);
    if (cached !== undefined) {
      this.#pseudonyms.delete(cacheKey);
      this.#pseudonyms.set(cacheKey, cached);
      return cached;
    }
    contractKeyMessage(contract); // validates the contract before any key is requested
    const normalised = normaliseReference(reference);
    const pseudonym = pseudonymOfNormalised(await this.#key(contract), normalised);
    if (this.maxCachedReferences > 0) {
      if (this.#pseudonyms.size >= this.maxCachedReferences) {
        const oldest = this.#pseudonyms.keys().next();
        if (!oldest.done) this.#pseudonyms.delete(oldest.value);
      }
      this.#pseudonyms.set(cacheKey, pseudonym);
    }
    return pseudonym;
  }

  #key(contract: string): Promise<SecretKey> {
    let key = this.#keys.get(contract);
    if (key === undefined) {
      // Through a Promise constructor, so a function that throws instead of rejecting is handled alike.
      key = new Promise<Uint8Array>((resolve) => resolve(this.#contractKey(contract))).then((bytes) => {
        if (bytes.byteLength !== 32) {
          throw new Error(`contract key for ${contract} is ${bytes.byteLength} bytes, not 32 (HMAC-SHA256)`);
        }
        return secretKey(bytes);
      });
      key.catch(() => {
        if (this.#keys.get(contract) === key) this.#keys.delete(contract);
      });
      this.#keys.set(contract, key);
    }
    return key;
  }
}
