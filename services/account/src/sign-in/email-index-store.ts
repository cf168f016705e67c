import { createHmac, randomBytes } from 'node:crypto';

import { Binary, type Db } from 'mongodb';

import type { KeyEncryptionKey } from '@lethe/crypto';
import { isDuplicateKey } from '@lethe/eventstore';

// The portal signs a user in by email, but every address at rest is ciphertext under its
// subject's key. The index maps a keyed hash of the address (a blind index: HMAC-SHA256 under
// a key wrapped by the KEK, so a copy of the database alone cannot test guessed addresses) to
// the subject. It is personal data too: the account participant erases a subject's entry.

export const EMAIL_INDEX = 'account_email_index';
const INDEX_KEYS = 'account_index_keys';
const KEY_ID = 'email-index';
const KEY_CONTEXT = 'lethe:account:email-index';

interface IndexEntry {
  _id: string;
  subjectId: string;
}

interface WrappedIndexKey {
  _id: string;
  wrapped: Binary;
  kekId: string;
}

export interface EmailIndexErasure {
  readonly deleted: number;
  readonly remaining: number;
}

export interface EmailIndex {
  /**
   * Points the address at the subject. `replacing`: the subject had another address, which
   * stops pointing at it (a new account has none, so sign-up does no delete).
   */
  record(subjectId: string, email: string, replacing: boolean): Promise<void>;
  /** The subject the address was last recorded for, if any. */
  find(email: string): Promise<string | undefined>;
  erase(subjectId: string): Promise<EmailIndexErasure>;
}

/** Addresses compare as people type them: case and surrounding spaces do not matter. */
export const normalisedEmail = (email: string) => email.trim().toLowerCase();

/** The HMAC key, made and wrapped at the first start; every instance then unwraps the same. */
async function indexKey(db: Db, kek: KeyEncryptionKey): Promise<Buffer> {
  const keys = db.collection<WrappedIndexKey>(INDEX_KEYS);
  let stored = await keys.findOne({ _id: KEY_ID });
  if (!stored) {
    const made = {
      _id: KEY_ID,
      wrapped: new Binary(await kek.wrap(randomBytes(32), KEY_CONTEXT)),
      kekId: kek.id,
    };
    // Two instances starting at once: the second insert fails and both read the first's key.
    await keys.insertOne(made).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
    stored = await keys.findOne({ _id: KEY_ID });
  }
  if (!stored) throw new Error('the email index key could not be stored');
  return kek.unwrap(Buffer.from(stored.wrapped.buffer), KEY_CONTEXT);
}

export async function createEmailIndex(db: Db, kek: KeyEncryptionKey): Promise<EmailIndex> {
  const key = await indexKey(db, kek);
  const entries = db.collection<IndexEntry>(EMAIL_INDEX);
  // Erasure and address changes find a subject's entry by its id, never by a scan.
  await entries.createIndex({ subjectId: 1 });
  const digest = (email: string) =>
    createHmac('sha256', key).update(normalisedEmail(email)).digest('base64url');
  return {
    async record(subjectId, email, replacing) {
      const id = digest(email);
      if (replacing) await entries.deleteMany({ subjectId, _id: { $ne: id } });
      // An insert, not an upsert (FerretDB scans the collection for an upsert); an address
      // already indexed (a subject that had it before) is pointed here by its key.
      await entries.insertOne({ _id: id, subjectId }).catch(async (error: unknown) => {
        if (!isDuplicateKey(error)) throw error;
        await entries.updateOne({ _id: id }, { $set: { subjectId } });
      });
    },
    async find(email) {
      return (await entries.findOne({ _id: digest(email) }))?.subjectId;
    },
    async erase(subjectId) {
      const { deletedCount } = await entries.deleteMany({ subjectId });
      return { deleted: deletedCount, remaining: await entries.countDocuments({ subjectId }) };
    },
  };
}
