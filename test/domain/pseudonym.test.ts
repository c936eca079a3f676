import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ContractKeyPseudonymizer,
  contractKeyMessage,
  DEFAULT_MAX_CACHED_REFERENCES,
  deriveContractKey,
  derivePseudonym,
  isPseudonym,
  normaliseReference,
  PSEUDONYM_KEY_CONTEXT,
} from '#intake';
import { toHex, ValidationError } from '#kernel';

const MASTER = Uint8Array.from({ length: 32 }, (_, i) => i);
const CONTRACT = 'second-chance-kamchatka';

/** A pseudonymizer over a master key held in memory, counting contract-key requests. */
function inMemory(master: Uint8Array = MASTER, maxCachedReferences?: number) {
  const requests: string[] = [];
  const p = new ContractKeyPseudonymizer(
    async (contract) => {
      requests.push(contract);
      return deriveContractKey(master, contract);
    },
    maxCachedReferences === undefined ? {} : { maxCachedReferences },
  );
  return { p, requests };
}

describe('normaliseReference', () => {
  it('trims, applies NFKC, upper-cases and drops spaces and hyphens', () => {
    const cases: [string, string][] = [
      ['QQ123456C', 'QQ123456C'],
      ['  qq 12 34 56 c\t', 'QQ123456C'],
      ['qq-12-34-56-c', 'QQ123456C'],
      ['123-456-789 01', '12345678901'], // SNILS as written
      ['ＱＱ１２３４５６Ｃ', 'QQ123456C'], // full-width letters and digits
      ['９９０１０１３００１２３', '990101300123'], // full-width IIN
      ['12\u00a034\u300056', '123456'], // no-break and ideographic spaces
      ['12\u201034\u201356\u2212 78\uff0d9', '123456789'], // hyphen, en dash, minus, full-width hyphen-minus
      ['ﬁ-001', 'FI001'], // ligature
      ['sc/2023/0042', 'SC/2023/0042'],
      ['op_12.a', 'OP_12.A'],
      ['кч-0042', 'КЧ0042'], // Cyrillic operator code
    ];
    for (const [input, expected] of cases) expect(normaliseReference(input), input).toBe(expected);
  });

  it('rejects empty and invalid references without repeating them', () => {
    const cases: [string, RegExp][] = [
      ['', /reference is empty/],
      ['   ', /reference is empty/],
      [' - - ', /reference is empty/],
      ['AB12!', /only letters, digits/],
      ['/AB12', /only letters, digits/],
      ['AB\u200b12', /only letters, digits/], // zero-width space is not silently dropped
      ['١٢٣', /only letters, digits/], // Arabic-Indic digits: NFKC keeps them, so they would not match ASCII
      ['A'.repeat(65), /longer than 64 characters once normalised/],
      [`${'1 '.repeat(128)}1`, /longer than 256 characters/],
    ];
    for (const [input, why] of cases) {
      let error: unknown;
      try {
        normaliseReference(input);
      } catch (e) {
        error = e;
      }
      expect(error, input).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).message).toMatch(why);
      expect((error as ValidationError).problems[0]?.field).toBe('reference');
    }
    const error = (() => {
      try {
        normaliseReference('QQ123456C!');
      } catch (e) {
        return e as ValidationError;
      }
    })();
    expect(JSON.stringify({ message: error?.message, problems: error?.problems })).not.toMatch(/QQ|123456/);
    expect(normaliseReference('A'.repeat(64))).toHaveLength(64);
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (s) => {
        let once: string;
        try {
          once = normaliseReference(s);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          return;
        }
        expect(normaliseReference(once)).toBe(once);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('derivation', () => {
  it('matches an independent node:crypto computation and a pinned vector', () => {
    const kc = createHmac('sha256', MASTER).update(`sib-ledger/pseudonym/v1\x00${CONTRACT}`).digest();
    const expected = `p-${createHmac('sha256', kc).update('QQ123456C').digest('hex').slice(0, 32)}`;
    expect(toHex(deriveContractKey(MASTER, CONTRACT))).toBe(kc.toString('hex'));
    expect(derivePseudonym(kc, 'qq 12-34-56 c')).toBe(expected);
    // Pinned, so a change to the derivation cannot pass by changing the test alongside it.
    expect(kc.toString('hex')).toBe('16d6aea12cf1e6b1f7614acdd3de7b92e411836004235ae1842595641b8e0ef7');
    expect(expected).toBe('p-2e10030a829372cf1d472433ab926143');
  });

  it('sends the KMS message: context, NUL, contract id', () => {
    expect(PSEUDONYM_KEY_CONTEXT).toBe('sib-ledger/pseudonym/v1\0');
    expect(Buffer.from(contractKeyMessage('c1')).toString('latin1')).toBe('sib-ledger/pseudonym/v1\0c1');
    for (const bad of ['', 'C1', 'c1\0x', 'a'.repeat(65), '-c1']) {
      expect(() => contractKeyMessage(bad), bad).toThrow(ValidationError);
    }
  });
});

describe('ContractKeyPseudonymizer', () => {
  it('gives the same pseudonym for the same participant, in any written form', async () => {
    const { p } = inMemory();
    const a = await p.pseudonym(CONTRACT, 'QQ123456C');
    expect(isPseudonym(a)).toBe(true);
    expect(a).toBe('p-2e10030a829372cf1d472433ab926143');
    for (const form of ['qq 12 34 56 c', 'QQ-12-34-56-C', 'ＱＱ１２３４５６Ｃ', ' QQ123456C ']) {
      expect(await p.pseudonym(CONTRACT, form), form).toBe(a);
    }
    expect(await inMemory().p.pseudonym(CONTRACT, 'QQ123456C')).toBe(a);
  });

  it('gives different pseudonyms for different contracts, keys and references', async () => {
    const { p } = inMemory();
    const a = await p.pseudonym(CONTRACT, 'QQ123456C');
    expect(await p.pseudonym('qarmet-karaganda-2026', 'QQ123456C')).not.toBe(a);
    expect(await inMemory(new Uint8Array(randomBytes(32))).p.pseudonym(CONTRACT, 'QQ123456C')).not.toBe(a);
    expect(await p.pseudonym(CONTRACT, 'QQ123456D')).not.toBe(a);
  });

  it('never lets the reference show through', async () => {
    const { p } = inMemory();
    const references = ['QQ 12 34 56 C', '990101300123', '123-456-789 01', 'SC/2023/0042', '4510 123456'];
    for (const reference of references) {
      const pseudonym = await p.pseudonym(CONTRACT, reference);
      const normalised = normaliseReference(reference);
      for (const form of [reference, normalised, normalised.toLowerCase()]) expect(pseudonym).not.toContain(form);
    }
  });

  it('has no collisions among a few thousand distinct normalised references', async () => {
    const { p } = inMemory();
    const samples = fc.sample(
      fc.uniqueArray(
        fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: 1, maxLength: 12 }),
        { minLength: 5000, maxLength: 5000 },
      ),
      { numRuns: 1, seed: 42 },
    )[0] as string[];
    // Sequential-looking IDs too: the hardest case for a weak function.
    const all = [...samples, ...Array.from({ length: 3000 }, (_, i) => `99010130${String(i).padStart(4, '0')}`)];
    const distinct = new Set(all.map(normaliseReference));
    const pseudonyms = new Set(await Promise.all([...distinct].map((r) => p.pseudonym(CONTRACT, r))));
    expect(pseudonyms.size).toBe(distinct.size);
    expect(distinct.size).toBeGreaterThan(7900);
  });

  it('asks for each contract key once, even under concurrent first use', async () => {
    const { p, requests } = inMemory();
    const refs = Array.from({ length: 500 }, (_, i) => `REF${i}`);
    await Promise.all([
      ...refs.map((r) => p.pseudonym('c1', r)),
      ...refs.map((r) => p.pseudonym('c2', r)),
      ...refs.map((r) => p.pseudonym('c1', r)),
    ]);
    expect(requests.sort()).toEqual(['c1', 'c2']);
  });

  it('validates the contract and reference before asking for a key', async () => {
    const { p, requests } = inMemory();
    await expect(p.pseudonym('Bad Contract', 'QQ123456C')).rejects.toThrow(/invalid contract id/);
    await expect(p.pseudonym('c1', '')).rejects.toThrow(ValidationError);
    expect(requests).toEqual([]);
  });

  it('does not cache a failed key fetch, and refuses keys that are not 32 bytes', async () => {
    let calls = 0;
    const p = new ContractKeyPseudonymizer(async (contract) => {
      calls++;
      if (calls === 1) throw new Error('unavailable');
      return calls === 2 ? new Uint8Array(16) : deriveContractKey(MASTER, contract);
    });
    await expect(p.pseudonym(CONTRACT, 'QQ123456C')).rejects.toThrow('unavailable');
    await expect(p.pseudonym(CONTRACT, 'QQ123456C')).rejects.toThrow(/is 16 bytes, not 32/);
    expect(await p.pseudonym(CONTRACT, 'QQ123456C')).toBe('p-2e10030a829372cf1d472433ab926143');
    const sync = new ContractKeyPseudonymizer(() => {
      throw new Error('thrown, not rejected');
    });
    await expect(sync.pseudonym(CONTRACT, 'QQ123456C')).rejects.toThrow('thrown, not rejected');
  });

  it('bounds the per-reference cache, and a reference keeps its pseudonym after eviction', async () => {
    const { p } = inMemory(MASTER, 3);
    expect(inMemory().p.maxCachedReferences).toBe(DEFAULT_MAX_CACHED_REFERENCES);
    const expected = new Map<string, string>();
    for (const r of ['A1', 'A2', 'A3']) expected.set(r, await p.pseudonym(CONTRACT, r));
    await p.pseudonym(CONTRACT, 'A1');
    await p.pseudonym(CONTRACT, 'A4');
    expect(p.cachedReferences).toBe(3);
    for (let i = 0; i < 50; i++) await p.pseudonym(CONTRACT, `B${i}`);
    expect(p.cachedReferences).toBe(3);
    // Evicted or not, a reference keeps its pseudonym.
    for (const [r, pseudonym] of expected) expect(await p.pseudonym(CONTRACT, r)).toBe(pseudonym);
    const none = inMemory(MASTER, 0).p;
    await none.pseudonym(CONTRACT, 'A1');
    expect(none.cachedReferences).toBe(0);
    expect(() => new ContractKeyPseudonymizer(async () => MASTER, { maxCachedReferences: -1 })).toThrow(
      /non-negative integer/,
    );
  });

  it('recognises pseudonyms', () => {
    expect(isPseudonym('p-2e10030a829372cf1d472433ab926143')).toBe(true);
    for (const s of ['p-2E10030A829372CF1D472433AB926143', 'p-2e10', 'x-2e10030a829372cf1d472433ab926143', 42]) {
      expect(isPseudonym(s)).toBe(false);
    }
  });
});
