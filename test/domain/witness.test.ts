/**
 * Witness cosignatures: a witness (the independent evaluator) adds its own
 * Ed25519 signature line to a checkpoint the log signed (C2SP signed-note:
 * one line per key, each verifier checks its own).
 */
import { describe, expect, it } from 'vitest';
import { ForbiddenError, IntegrityError, NotFoundError, toHex, ValidationError } from '#kernel';
import {
  type CosignStore,
  checkpointOrigin,
  checkSigners,
  cosignCheckpoint,
  cosignNote,
  exportCheckpointNote,
  keyId,
  MAX_SIGNATURES,
  mergeCosignatures,
  noteSigners,
  openNote,
  parseVerifierKey,
  signCheckpoint,
  signNote,
  type VerifyResult,
  verifyCheckpoint,
  withWitnesses,
} from '#ledger';
import { memorySigner, memoryWitness } from '../support/signer.ts';

const root = new Uint8Array(32).map((_, i) => i * 7);

async function fixture() {
  const log = memorySigner('sib-ledger.local/c1');
  const evaluator = memoryWitness('evaluator.example/witness');
  const ministry = memoryWitness('ministry.example/witness');
  const note = await signCheckpoint({ origin: checkpointOrigin('sib-ledger.local', 'c1'), size: 5, root }, [
    log.signer,
  ]);
  return { log, evaluator, ministry, note };
}

const sigLines = (note: string) =>
  note
    .slice(note.lastIndexOf('\n\n') + 2)
    .split('\n')
    .filter(Boolean);
const idOf = (key: string) => parseVerifierKey(key).keyId;

describe('cosignNote', () => {
  it("adds the witness's line after the log's; the log key and the witness key each verify their own line", async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();

    // Act
    const cosigned = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);

    // Assess
    expect(cosigned.startsWith(note)).toBe(true);
    const lines = sigLines(cosigned);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(sigLines(note)[0]);
    expect(lines[1]).toMatch(/^— evaluator\.example\/witness [A-Za-z0-9+/]+=*$/);
    expect(openNote(cosigned, [log.key]).verified.map((s) => s.name)).toEqual(['sib-ledger.local/c1']);
    expect(openNote(cosigned, [log.key]).unverified).toEqual([
      { name: 'evaluator.example/witness', keyId: idOf(evaluator.key) },
    ]);
    expect(openNote(cosigned, [evaluator.key]).verified.map((s) => s.name)).toEqual(['evaluator.example/witness']);
    expect(verifyCheckpoint(cosigned, [log.key, evaluator.key]).verified).toHaveLength(2);
  });

  it('is idempotent, and keeps every existing line in order when a second witness cosigns', async () => {
    // Prepare
    const { log, evaluator, ministry, note } = await fixture();
    const once = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);

    // Act
    const twice = await cosignNote(once, log.key, evaluator.signer, 1_767_000_000);
    const both = await cosignNote(twice, log.key, ministry.signer, 1_767_000_000);
    const bothAgain = await cosignNote(both, log.key, evaluator.signer, 1_767_000_000);

    // Assess
    expect(twice).toBe(once);
    expect(bothAgain).toBe(both);
    expect(sigLines(both).slice(0, 2)).toEqual(sigLines(once));
    expect(sigLines(both)).toHaveLength(3);
    expect(noteSigners(both, [ministry.key, evaluator.key, log.key])).toEqual([
      'ministry.example/witness',
      'evaluator.example/witness',
      'sib-ledger.local/c1',
    ]);
  });

  it('cosigns any signed note, as bytes too, not only checkpoints', async () => {
    // Prepare
    const { log, evaluator } = await fixture();
    const note = await signNote('hello\n\nworld\n', [log.signer]);

    // Act
    const cosigned = await cosignNote(new TextEncoder().encode(note), log.key, evaluator.signer, 1_767_000_000);

    // Assess
    expect(openNote(cosigned, [log.key, evaluator.key]).text).toBe('hello\n\nworld\n');
  });

  it('refuses a note the log did not sign: tampered text, another log key, only other signers, malformed', async () => {
    // Prepare
    const { log, evaluator, ministry, note } = await fixture();
    const tampered = note.replace('\n5\n', '\n6\n');
    const otherLog = memorySigner('sib-ledger.local');
    const byMinistryOnly = await signNote('sib-ledger.local/c1\n5\nAAAA\n', [ministry.signer]);

    // Act / Assess
    await expect(cosignNote(tampered, log.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(
      /invalid signature for key sib-ledger\.local\/c1\+/,
    );
    await expect(cosignNote(note, otherLog.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(
      /no verifiable signatures/,
    );
    await expect(cosignNote(byMinistryOnly, log.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(IntegrityError);
    await expect(cosignNote(note.slice(0, -1), log.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(
      /malformed note/,
    );
  });

  it("refuses a note already carrying a line by the witness's key that does not verify", async () => {
    // Prepare: a forged evaluator line (right name and key ID, someone else's signature).
    const { log, evaluator, ministry, note } = await fixture();
    const forged = sigLines(await cosignNote(note, log.key, ministry.signer, 1_767_000_000))[1] as string;
    const ministryId = toHex(keyId(ministry.signer.name, await ministry.signer.publicKey()));
    const evaluatorId = idOf(evaluator.key);
    // Replace name and the 4-byte key id prefix by re-encoding.
    const raw = Buffer.from(forged.split(' ')[2] as string, 'base64');
    raw.set(Buffer.from(evaluatorId, 'hex'), 0);
    const forgedLine = `— ${evaluator.signer.name} ${raw.toString('base64')}\n`;
    expect(ministryId).not.toBe(evaluatorId);

    // Act / Assess
    await expect(cosignNote(`${note}${forgedLine}`, log.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(
      /already carries a signature line by evaluator\.example\/witness\+[0-9a-f]{8} that does not verify/,
    );
  });

  it('refuses a note that already has the most signatures a note may carry', async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();
    const line = `${sigLines(note)[0]}\n`;
    const full = `${note}${line.repeat(MAX_SIGNATURES - 1)}`;

    // Act / Assess
    await expect(cosignNote(full, log.key, evaluator.signer, 1_767_000_000)).rejects.toThrow(ValidationError);
  });
});

describe('checkSigners and noteSigners', () => {
  it('say which given keys signed, which did not, and whose line does not verify', async () => {
    // Prepare: evaluator cosigned; ministry did not; a third witness whose line was damaged.
    const { log, evaluator, ministry, note } = await fixture();
    const third = memoryWitness('third.example/witness');
    const cosigned = await cosignNote(
      await cosignNote(note, log.key, evaluator.signer, 1_767_000_000),
      log.key,
      third.signer,
      1_767_000_000,
    );
    const damagedLine = sigLines(cosigned)[2] as string;
    const b64 = damagedLine.split(' ')[2] as string;
    const flipped = `${b64.slice(0, 20)}${b64[20] === 'A' ? 'B' : 'A'}${b64.slice(21)}`;
    const damaged = cosigned.replace(b64, flipped);

    // Act
    const checks = checkSigners(damaged, [evaluator.key, ministry.key, third.key]);
    const signers = noteSigners(damaged, [evaluator.key, ministry.key, third.key, log.key]);

    // Assess
    expect(checks).toEqual([
      { name: 'evaluator.example/witness', keyId: idOf(evaluator.key), status: 'signed' },
      { name: 'ministry.example/witness', keyId: idOf(ministry.key), status: 'missing' },
      { name: 'third.example/witness', keyId: idOf(third.key), status: 'invalid' },
    ]);
    expect(signers).toEqual(['evaluator.example/witness', 'sib-ledger.local/c1']);
  });

  it('find no signer on a note whose text was changed after cosigning', async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();
    const cosigned = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);

    // Act
    const tampered = cosigned.replace('sib-ledger.local/c1', 'sib-ledger.local/c2');

    // Assess
    expect(noteSigners(tampered, [log.key, evaluator.key])).toEqual([]);
    expect(checkSigners(tampered, [evaluator.key])[0]?.status).toBe('invalid');
  });

  it('a key with the same name but another key (wrong witness key) is missing, not signed', async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();
    const impostor = memoryWitness('evaluator.example/witness');
    const cosigned = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);

    // Act / Assess
    expect(checkSigners(cosigned, [impostor.key])[0]?.status).toBe('missing');
    expect(noteSigners(cosigned, [impostor.key])).toEqual([]);
  });

  it('throw on a malformed note or a bad key', async () => {
    // Prepare
    const { evaluator, note } = await fixture();

    // Act / Assess
    expect(() => noteSigners('no signatures\n', [evaluator.key])).toThrow(IntegrityError);
    expect(() => checkSigners(note, ['not a key'])).toThrow(ValidationError);
  });
});

describe('mergeCosignatures', () => {
  it("keeps the stored lines in order and appends the other note's new lines, once per key", async () => {
    // Prepare: two witnesses cosigned the same stored note independently.
    const { log, evaluator, ministry, note } = await fixture();
    const a = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);
    const b = await cosignNote(note, log.key, ministry.signer, 1_767_000_000);

    // Act
    const ab = mergeCosignatures(a, b);
    const ba = mergeCosignatures(b, a);

    // Assess
    expect(ab.startsWith(a)).toBe(true);
    expect(sigLines(ab)).toEqual([...sigLines(a), sigLines(b)[1]]);
    expect(sigLines(ba)).toEqual([...sigLines(b), sigLines(a)[1]]);
    expect(noteSigners(ab, [log.key, evaluator.key, ministry.key])).toHaveLength(3);
    expect(mergeCosignatures(ab, a)).toBe(ab);
    expect(mergeCosignatures(ab, note)).toBe(ab);
  });

  it('refuses notes of other text', async () => {
    // Prepare
    const { log, note } = await fixture();
    const other = await signCheckpoint({ origin: 'sib-ledger.local/c1', size: 6, root }, [log.signer]);

    // Act / Assess
    expect(() => mergeCosignatures(note, other)).toThrow(/signs other text/);
    expect(() => mergeCosignatures(note, note.slice(0, -1))).toThrow(/malformed/);
  });
});

/** An in-memory CosignStore, holding published checkpoints by size. */
function memoryStore(initial: Record<number, string> = {}): CosignStore & { notes: Map<number, string> } {
  const notes = new Map(Object.entries(initial).map(([k, v]) => [Number(k), v]));
  return {
    notes,
    async latestCheckpoint() {
      const sizes = [...notes.keys()].sort((x, y) => y - x);
      return sizes.length === 0 ? undefined : notes.get(sizes[0] as number);
    },
    async checkpointAt(_contract, size) {
      return notes.get(size);
    },
    async addCosignature(_contract, size, cosigned) {
      const current = notes.get(size);
      if (current === undefined) throw new NotFoundError(`no checkpoint of size ${size}`);
      const merged = mergeCosignatures(current, cosigned);
      notes.set(size, merged);
      return merged;
    },
  };
}

describe('cosignCheckpoint', () => {
  it('cosigns the latest published checkpoint, or the one of a given size, once', async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();
    const older = await signCheckpoint({ origin: 'sib-ledger.local/c1', size: 3, root }, [log.signer]);
    const store = memoryStore({ 3: older, 5: note });

    // Act
    const latest = await cosignCheckpoint(store, 'c1', log.key, evaluator.signer, { time: 1_767_000_000 });
    const again = await cosignCheckpoint(store, 'c1', log.key, evaluator.signer, { time: 1_767_000_000 });
    const atThree = await cosignCheckpoint(store, 'c1', log.key, evaluator.signer, { size: 3, time: 1_767_000_000 });

    // Assess
    expect(latest).toMatchObject({ size: 5, witness: evaluator.key, added: true });
    expect(again).toEqual({ ...latest, added: false });
    expect(store.notes.get(5)).toBe(latest.note);
    expect(noteSigners(latest.note, [log.key, evaluator.key])).toHaveLength(2);
    expect(atThree).toMatchObject({ size: 3, added: true });
    expect(noteSigners(store.notes.get(3) as string, [evaluator.key])).toEqual(['evaluator.example/witness']);
  });

  it('with configured witnesses, refuses (Forbidden) any other key and stores nothing', async () => {
    // Prepare
    const { log, evaluator, ministry, note } = await fixture();
    const store = memoryStore({ 5: note });
    const witnesses = [evaluator.key];

    // Act
    const junk = Array.from({ length: 99 }, (_, i) => memoryWitness(`junk-${i}.example`));
    for (const j of junk) {
      await expect(
        cosignCheckpoint(store, 'c1', log.key, j.signer, { time: 1_767_000_000, witnesses }),
      ).rejects.toThrow(ForbiddenError);
    }
    await expect(
      cosignCheckpoint(store, 'c1', log.key, ministry.signer, { time: 1_767_000_000, witnesses }),
    ).rejects.toThrow(/ministry\.example\/witness\+[0-9a-f]{8} is not a configured witness/);
    const unchanged = store.notes.get(5);
    const real = await cosignCheckpoint(store, 'c1', log.key, evaluator.signer, { time: 1_767_000_000, witnesses });

    // Assess
    expect(unchanged).toBe(note);
    expect(real).toMatchObject({ size: 5, added: true });
    expect(sigLines(real.note)).toHaveLength(2);
  });

  it('refuses a missing checkpoint, another contract, and a checkpoint the log key did not sign', async () => {
    // Prepare
    const { log, evaluator, note } = await fixture();
    const store = memoryStore({ 5: note });

    // Act / Assess
    await expect(
      cosignCheckpoint(memoryStore(), 'c1', log.key, evaluator.signer, { time: 1_767_000_000 }),
    ).rejects.toThrow(NotFoundError);
    await expect(
      cosignCheckpoint(store, 'c1', log.key, evaluator.signer, { size: 4, time: 1_767_000_000 }),
    ).rejects.toThrow(/no checkpoint of size 4/);
    await expect(cosignCheckpoint(store, 'c2', log.key, evaluator.signer, { time: 1_767_000_000 })).rejects.toThrow(
      /not contract c2/,
    );
    await expect(
      cosignCheckpoint(store, 'c1', memorySigner('x').key, evaluator.signer, { time: 1_767_000_000 }),
    ).rejects.toThrow(IntegrityError);
    expect(store.notes.get(5)).toBe(note);
  });
});

describe('withWitnesses', () => {
  const ok: VerifyResult = {
    ok: true,
    contract: 'c1',
    entries: 5,
    root: '00',
    checkpoint: { origin: 'sib-ledger.local/c1', size: 5, root: 'AA==', signedBy: ['sib-ledger.local'] },
  };

  it('reports each witness; a missing one fails the result only when witnesses are required', async () => {
    // Prepare
    const { log, evaluator, ministry, note } = await fixture();
    const cosigned = await cosignNote(note, log.key, evaluator.signer, 1_767_000_000);

    // Act
    const reported = withWitnesses(ok, cosigned, { witnesses: [evaluator.key, ministry.key] });
    const required = withWitnesses(ok, cosigned, { witnesses: [evaluator.key, ministry.key], requireWitnesses: true });
    const allThere = withWitnesses(ok, cosigned, { witnesses: [evaluator.key], requireWitnesses: true });

    // Assess
    expect(reported.ok).toBe(true);
    expect(reported.witnesses?.map((w) => [w.name, w.status])).toEqual([
      ['evaluator.example/witness', 'signed'],
      ['ministry.example/witness', 'missing'],
    ]);
    expect(required.ok).toBe(false);
    expect(required.failure?.message).toBe(
      `the checkpoint is not cosigned by every required witness: ministry.example/witness+${idOf(ministry.key)} (no signature)`,
    );
    expect(allThere.ok).toBe(true);
    expect(withWitnesses(ok, cosigned)).toBe(ok);
  });

  it('leaves a result whose checkpoint did not verify as it is', async () => {
    // Prepare
    const { evaluator, note } = await fixture();
    const failed: VerifyResult = { ok: false, entries: 0, failure: { message: 'invalid signature' } };

    // Act / Assess
    expect(withWitnesses(failed, note, { witnesses: [evaluator.key], requireWitnesses: true })).toBe(failed);
  });
});

describe('exportCheckpointNote', () => {
  it("reads the note from an export's last line, with or without a final newline", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    const line = JSON.stringify({ checkpoint: 'o\n1\nr\n\n— k sig\n' });
    expect(exportCheckpointNote(enc(`{"seq":0}\n${line}\n`))).toBe('o\n1\nr\n\n— k sig\n');
    expect(exportCheckpointNote(enc(line))).toBe('o\n1\nr\n\n— k sig\n');
    expect(exportCheckpointNote(enc('{"seq":0}\n'))).toBeUndefined();
    expect(exportCheckpointNote(enc(''))).toBeUndefined();
    expect(exportCheckpointNote(enc('{"checkpoint":'))).toBeUndefined();
  });
});
