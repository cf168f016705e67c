import { createHash, randomBytes } from 'node:crypto';

import type { Binary, Collection, Db } from 'mongodb';

import { BoundedMap } from '@lethe/bounded-map';
import { isDuplicateKey } from '@lethe/eventstore';

import { KEY_BYTES } from './aead';
import { CryptoError } from './errors';
import type { KeyEncryptionKey } from './kek';

interface SubjectKeyDocument {
  _id: string; // subjectId
  wrappedKey: Buffer | Binary;
  kekId: string;
  createdAt: Date;
}

interface ForgottenDocument {
  _id: string; // forgottenId(subjectId)
  erasedAt: Date;
  requestId: string;
}

export type KeyLookup =
  | { readonly kind: 'key'; readonly key: Buffer }
  | { readonly kind: 'erased'; readonly erasedAt: Date; readonly requestId: string }
  | { readonly kind: 'missing' };

export interface ShredEvidence {
  /** A key existed and was destroyed by this call (false when it was already gone). */
  readonly destroyed: boolean;
  /** Read back after the delete: no key, and a forgotten record that blocks a new one. */
  readonly verifiedEmpty: boolean;
  readonly erasedAt: Date;
}

export interface KeyVault {
  /** The subject's data key, made on first use. An erased subject never gets a new one. */
  keyFor(subjectId: string): Promise<Buffer>;
  lookup(subjectId: string): Promise<KeyLookup>;
  /** Crypto-shredding: every ciphertext under the subject's key becomes unreadable. Idempotent. */
  shred(subjectId: string, erasure: { requestId: string; at: Date }): Promise<ShredEvidence>;
}

/** What an auditor may see of the vault: whether a subject's key and forgotten record exist.
 * No key material is read, and no key-encryption key is needed. */
export interface KeyVaultReader {
  erasureState(subjectId: string): Promise<{ keyPresent: boolean; forgotten: boolean }>;
}

export interface KeyVaultDeps {
  db: Db;
  /** Wraps every new key; during a rotation a kekRing, which unwraps under the old KEKs too. */
  kek: KeyEncryptionKey;
  /** How long an unwrapped key stays in this process's memory. Another process that shreds the
   * key is seen here within this time; the key is never cached anywhere else. */
  cacheTtlMs?: number;
  cacheMaxEntries?: number;
  now?: () => number;
}

export const KEY_VAULT_COLLECTIONS = { keys: 'subject_keys', forgotten: 'forgotten_subjects' } as const;

/** The forgotten record is keyed by a digest, so the list of erased subjects names none of them. */
export function forgottenId(subjectId: string): string {
  return createHash('sha256').update(`lethe.forgotten.v1|${subjectId}`).digest('hex');
}

const toBuffer = (value: Buffer | Binary) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer));

/** Unwrapped keys kept a short while: most seals and opens come in bursts per subject. */
function keyCache(ttlMs: number, maxEntries: number, now: () => number) {
  const cache = new BoundedMap<string, { key: Buffer; expiresAt: number }>(maxEntries);
  return {
    remember(subjectId: string, key: Buffer): void {
      cache.set(subjectId, { key, expiresAt: now() + ttlMs });
    },
    cached(subjectId: string): Buffer | undefined {
      const entry = cache.get(subjectId);
      if (entry && entry.expiresAt > now()) return entry.key;
      cache.delete(subjectId);
      return undefined;
    },
    forget(subjectId: string): void {
      cache.delete(subjectId);
    },
  };
}

/** Stores a new subject key, wrapped; false if another writer stored one first. */
async function insertKey(
  keys: Collection<SubjectKeyDocument>,
  kek: KeyEncryptionKey,
  subjectId: string,
  key: Buffer,
  createdAt: Date,
): Promise<boolean> {
  try {
    const wrappedKey = await kek.wrap(key, subjectKeyContext(subjectId));
    await keys.insertOne({ _id: subjectId, wrappedKey, kekId: kek.id, createdAt });
    return true;
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    return false;
  }
}

/** What a subject key is wrapped for: the wrap opens for this subject's document alone. */
const subjectKeyContext = (subjectId: string) => `subject-key|${subjectId}`;

export interface RewrapReport {
  /** Keys now wrapped under the current KEK that were not before. */
  readonly rewrapped: number;
  /** Keys already under the current KEK. */
  readonly current: number;
  /** Keys under a KEK this ring does not hold: left as they are, counted by KEK id. */
  readonly unknownKek: Readonly<Record<string, number>>;
}

/**
 * KEK rotation's second half (`lethe keys rotate-kek`): every subject key wrapped under a
 * retired KEK is unwrapped and wrapped again under the ring's current one. Services keep
 * running: with the same ring they unwrap under either while this runs. Each rewrite is
 * conditional on the document still being the one read, so a key shredded meanwhile is not
 * brought back.
 */
export async function rewrapSubjectKeys({
  db,
  kek,
}: {
  db: Db;
  kek: KeyEncryptionKey;
}): Promise<RewrapReport> {
  const keys: Collection<SubjectKeyDocument> = db.collection(KEY_VAULT_COLLECTIONS.keys);
  let rewrapped = 0;
  let current = 0;
  const unknownKek: Record<string, number> = {};
  for await (const doc of keys.find({})) {
    if (doc.kekId === kek.id) {
      current += 1;
      continue;
    }
    let key: Buffer;
    try {
      key = await kek.unwrap(toBuffer(doc.wrappedKey), subjectKeyContext(doc._id));
    } catch (error) {
      if ((error as CryptoError).code !== 'CRYPTO_KEK_MISMATCH') throw error;
      unknownKek[doc.kekId] = (unknownKek[doc.kekId] ?? 0) + 1;
      continue;
    }
    const wrappedKey = await kek.wrap(key, subjectKeyContext(doc._id));
    const { modifiedCount } = await keys.updateOne(
      { _id: doc._id, kekId: doc.kekId },
      { $set: { wrappedKey, kekId: kek.id } },
    );
    rewrapped += modifiedCount;
  }
  return { rewrapped, current, unknownKek };
}

export function createKeyVault({
  db,
  kek,
  cacheTtlMs = 30_000,
  cacheMaxEntries = 10_000,
  now = Date.now,
}: KeyVaultDeps): KeyVault {
  const keys: Collection<SubjectKeyDocument> = db.collection(KEY_VAULT_COLLECTIONS.keys);
  const forgotten: Collection<ForgottenDocument> = db.collection(KEY_VAULT_COLLECTIONS.forgotten);
  const cache = keyCache(cacheTtlMs, cacheMaxEntries, now);
  const remember = (subjectId: string, key: Buffer) => cache.remember(subjectId, key);
  const cached = (subjectId: string) => cache.cached(subjectId);

  async function forgottenRecord(subjectId: string) {
    return forgotten.findOne({ _id: forgottenId(subjectId) });
  }

  async function unwrap(doc: SubjectKeyDocument): Promise<Buffer> {
    return kek.unwrap(toBuffer(doc.wrappedKey), subjectKeyContext(doc._id));
  }

  async function lookup(subjectId: string): Promise<KeyLookup> {
    const hit = cached(subjectId);
    if (hit) return { kind: 'key', key: hit };
    // Both at once, one round trip of waiting: read one after the other, a shred could fall
    // between them just the same, and keyFor checks for one again after it makes a key.
    const [record, doc] = await Promise.all([forgottenRecord(subjectId), keys.findOne({ _id: subjectId })]);
    if (record) return { kind: 'erased', erasedAt: record.erasedAt, requestId: record.requestId };
    if (!doc) return { kind: 'missing' };
    const key = await unwrap(doc);
    remember(subjectId, key);
    return { kind: 'key', key };
  }

  return {
    lookup,

    async keyFor(subjectId) {
      const found = await lookup(subjectId);
      if (found.kind === 'key') return found.key;
      if (found.kind === 'erased') {
        throw new CryptoError('CRYPTO_SUBJECT_ERASED', 'the subject was erased; no new key is made for it');
      }
      const key = randomBytes(KEY_BYTES);
      if (!(await insertKey(keys, kek, subjectId, key, new Date(now())))) {
        // Another writer made the key first: use theirs, so one subject has one key.
        const doc = await keys.findOne({ _id: subjectId });
        if (!doc) throw new CryptoError('CRYPTO_KEY_MISSING', 'the key vanished while it was being made');
        const theirs = await unwrap(doc);
        remember(subjectId, theirs);
        return theirs;
      }
      // shred() writes the forgotten record before deleting the key. If it ran between our
      // check and our insert, the record is there now: undo, so the erasure stays complete.
      if (await forgottenRecord(subjectId)) {
        await keys.deleteOne({ _id: subjectId });
        throw new CryptoError('CRYPTO_SUBJECT_ERASED', 'the subject was erased; no new key is made for it');
      }
      remember(subjectId, key);
      return key;
    },

    async shred(subjectId, { requestId, at }) {
      // Forgotten first, then the key: a crash between the two leaves a key that the next
      // (idempotent) run deletes, never a subject without either.
      // Inserts and finds by _id only: FerretDB does those in constant time, and an upsert or a
      // count scans the collection (one document per subject).
      await forgotten
        .insertOne({ _id: forgottenId(subjectId), erasedAt: at, requestId })
        .catch((error: unknown) => {
          if (!isDuplicateKey(error)) throw error; // recorded by an earlier run: kept as it was
        });
      const present = await keys.findOne({ _id: subjectId }, { projection: { _id: 1 } });
      const deletedCount = present ? (await keys.deleteOne({ _id: subjectId })).deletedCount : 0;
      cache.forget(subjectId);
      const [keyLeft, record] = await Promise.all([
        keys.findOne({ _id: subjectId }, { projection: { _id: 1 } }),
        forgottenRecord(subjectId),
      ]);
      return {
        destroyed: deletedCount === 1,
        verifiedEmpty: keyLeft === null && record !== null,
        erasedAt: record?.erasedAt ?? at,
      };
    },
  };
}

export function createKeyVaultReader(db: Db): KeyVaultReader {
  const keys: Collection<SubjectKeyDocument> = db.collection(KEY_VAULT_COLLECTIONS.keys);
  const forgotten: Collection<ForgottenDocument> = db.collection(KEY_VAULT_COLLECTIONS.forgotten);
  return {
    async erasureState(subjectId) {
      const [key, record] = await Promise.all([
        keys.findOne({ _id: subjectId }, { projection: { _id: 1 } }),
        forgotten.findOne({ _id: forgottenId(subjectId) }, { projection: { _id: 1 } }),
      ]);
      return { keyPresent: key !== null, forgotten: record !== null };
    },
  };
}
