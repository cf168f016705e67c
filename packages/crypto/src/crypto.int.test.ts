import { randomBytes } from 'node:crypto';

import type { Db } from 'mongodb';

import { testDatabase } from '@lethe/test-harness';

import { CryptoError, CRYPTO_ERROR_CODES } from './errors';
import { createFieldCipher, type FieldAddress } from './field-cipher';
import { kekRing, localKek } from './kek';
import { createKeyVault, forgottenId, KEY_VAULT_COLLECTIONS, rewrapSubjectKeys } from './key-vault';

const kek = localKek(randomBytes(32).toString('base64'));
const address = (subjectId: string, field = 'email'): FieldAddress => ({
  subjectId,
  context: 'lethe.account.events.v1',
  recordId: '5b0a7c1e-0f7e-4b43-9a55-0c8c1d2e3f40',
  field,
});

describe('crypto-shredding against the real key vault', () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => ({ db, drop } = await testDatabase('crypto')));
  afterAll(() => drop());

  it('round-trips a field and stores only a wrapped key', async () => {
    const vault = createKeyVault({ db, kek });
    const cipher = createFieldCipher({ vault });

    const sealed = await cipher.encrypt(address('sub_a'), 'ada@example.com');

    expect(sealed.toString('latin1')).not.toContain('ada@example.com');
    expect(await cipher.decrypt(address('sub_a'), sealed)).toEqual({
      kind: 'value',
      value: 'ada@example.com',
    });
    const stored = await db.collection(KEY_VAULT_COLLECTIONS.keys).findOne({ _id: 'sub_a' as never });
    expect(stored?.kekId).toBe(kek.id);
    // A second vault (another process, cold cache) unwraps the same key from MongoDB.
    const fresh = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    expect(await fresh.decrypt(address('sub_a'), sealed)).toEqual({
      kind: 'value',
      value: 'ada@example.com',
    });
  });

  it('binds the subject, record and field: a moved or altered value is an error, never erasure', async () => {
    const cipher = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    const sealed = await cipher.encrypt(address('sub_b'), 'Ada Lovelace');
    await cipher.encrypt(address('sub_c'), 'someone else');

    expect(await cipher.decrypt(address('sub_b', 'name'), sealed)).toEqual({
      kind: 'error',
      code: 'CRYPTO_BAD_TAG',
    });
    expect(await cipher.decrypt(address('sub_c'), sealed)).toEqual({ kind: 'error', code: 'CRYPTO_BAD_TAG' });
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 20]! ^= 0x01;
    expect(await cipher.decrypt(address('sub_b'), tampered)).toEqual({
      kind: 'error',
      code: 'CRYPTO_BAD_TAG',
    });
    expect(await cipher.decrypt(address('sub_b'), Buffer.from('junk'))).toEqual({
      kind: 'error',
      code: 'CRYPTO_MALFORMED',
    });
  });

  it('shreds: every copy reads ERASED, in this process and another, and no new key is made', async () => {
    const vault = createKeyVault({ db, kek });
    const cipher = createFieldCipher({ vault });
    const sealed = await cipher.encrypt(address('sub_d'), 'ada@example.com');

    const evidence = await vault.shred('sub_d', { requestId: 'req_1', at: new Date('2026-11-27T12:00:00Z') });

    expect(evidence).toMatchObject({ destroyed: true, verifiedEmpty: true });
    expect(await cipher.decrypt(address('sub_d'), sealed)).toEqual({ kind: 'erased' });
    const other = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    expect(await other.decrypt(address('sub_d'), sealed)).toEqual({ kind: 'erased' });
    await expect(cipher.encrypt(address('sub_d'), 'again')).rejects.toMatchObject({
      code: 'CRYPTO_SUBJECT_ERASED',
    });
    expect(await db.collection(KEY_VAULT_COLLECTIONS.keys).countDocuments({ _id: 'sub_d' as never })).toBe(0);
    // The forgotten record names a digest, not the subject.
    expect(
      await db
        .collection(KEY_VAULT_COLLECTIONS.forgotten)
        .countDocuments({ _id: forgottenId('sub_d') as never }),
    ).toBe(1);
    expect(
      await db.collection(KEY_VAULT_COLLECTIONS.forgotten).countDocuments({ _id: 'sub_d' as never }),
    ).toBe(0);

    const again = await vault.shred('sub_d', { requestId: 'req_1', at: new Date() });
    expect(again).toMatchObject({ destroyed: false, verifiedEmpty: true });
  });

  it('reports a key missing with no erasure on record as an error', async () => {
    const vault = createKeyVault({ db, kek });
    const cipher = createFieldCipher({ vault });
    const sealed = await cipher.encrypt(address('sub_e'), 'x');
    await db.collection(KEY_VAULT_COLLECTIONS.keys).deleteOne({ _id: 'sub_e' as never }); // lost, not shredded

    const cold = createFieldCipher({ vault: createKeyVault({ db, kek }) });
    expect(await cold.decrypt(address('sub_e'), sealed)).toEqual({
      kind: 'error',
      code: 'CRYPTO_KEY_MISSING',
    });
  });

  it('makes one key per subject under concurrent first use', async () => {
    const vaults = Array.from({ length: 8 }, () => createKeyVault({ db, kek }));
    const keys = await Promise.all(vaults.map((vault) => vault.keyFor('sub_f')));
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(1);
    expect(await db.collection(KEY_VAULT_COLLECTIONS.keys).countDocuments({ _id: 'sub_f' as never })).toBe(1);
  });

  it('refuses a vault opened with another key-encryption key', async () => {
    await createKeyVault({ db, kek }).keyFor('sub_g');
    const wrongKek = createKeyVault({ db, kek: localKek(randomBytes(32).toString('base64')) });
    await expect(wrongKek.keyFor('sub_g')).rejects.toMatchObject({ code: 'CRYPTO_KEK_MISMATCH' });
    expect(() => localKek(randomBytes(16).toString('base64'))).toThrow(CryptoError);
  });

  it('gives every error a unique code', () => {
    expect(new Set(CRYPTO_ERROR_CODES).size).toBe(CRYPTO_ERROR_CODES.length);
  });

  it('rotates the KEK while services run: old and new rings read everything, then the new KEK alone', async () => {
    const { db: rotating, drop: dropRotating } = await testDatabase('kek-rotation');
    try {
      const oldKek = localKek(randomBytes(32).toString('base64'));
      const newKek = localKek(randomBytes(32).toString('base64'));
      const before = createFieldCipher({
        vault: createKeyVault({ db: rotating, kek: oldKek, cacheTtlMs: 0 }),
      });
      const sealed = new Map<string, Buffer>();
      for (const subjectId of ['sub_r1', 'sub_r2', 'sub_r3'])
        sealed.set(subjectId, await before.encrypt(address(subjectId), `${subjectId}@example.com`));
      const shredder = createKeyVault({ db: rotating, kek: oldKek });
      await shredder.shred('sub_r3', { requestId: 'req_r3', at: new Date() });

      // Half one: the new ring wraps new keys under the new KEK and still opens the old ones; an
      // instance not yet restarted (old KEK only) keeps working beside it.
      const ring = kekRing(newKek, [oldKek]);
      const during = createFieldCipher({ vault: createKeyVault({ db: rotating, kek: ring, cacheTtlMs: 0 }) });
      expect(await during.decrypt(address('sub_r1'), sealed.get('sub_r1')!)).toEqual({
        kind: 'value',
        value: 'sub_r1@example.com',
      });
      sealed.set('sub_r4', await during.encrypt(address('sub_r4'), 'sub_r4@example.com'));
      sealed.set('sub_r5', await before.encrypt(address('sub_r5'), 'sub_r5@example.com'));

      // Half two: every key under the old KEK is rewrapped; the shredded one stays shredded.
      const report = await rewrapSubjectKeys({ db: rotating, kek: ring });
      expect(report).toEqual({ rewrapped: 3, current: 1, unknownKek: {} });
      const kekIds = await rotating
        .collection(KEY_VAULT_COLLECTIONS.keys)
        .find<{ kekId: string }>({}, { projection: { kekId: 1 } })
        .toArray();
      expect(kekIds.map((doc) => doc.kekId)).toEqual(Array(4).fill(newKek.id));

      // The old KEK is gone: the new one alone opens every live field, and erased stays erased.
      const after = createFieldCipher({
        vault: createKeyVault({ db: rotating, kek: newKek, cacheTtlMs: 0 }),
      });
      for (const subjectId of ['sub_r1', 'sub_r2', 'sub_r4', 'sub_r5'])
        expect(await after.decrypt(address(subjectId), sealed.get(subjectId)!)).toEqual({
          kind: 'value',
          value: `${subjectId}@example.com`,
        });
      expect(await after.decrypt(address('sub_r3'), sealed.get('sub_r3')!)).toEqual({ kind: 'erased' });
      // A rewrap without the old KEK counts what it cannot open and leaves it be.
      await createKeyVault({ db: rotating, kek: oldKek }).keyFor('sub_r6');
      expect(await rewrapSubjectKeys({ db: rotating, kek: newKek })).toEqual({
        rewrapped: 0,
        current: 4,
        unknownKek: { [oldKek.id]: 1 },
      });
    } finally {
      await dropRotating();
    }
  });
});
