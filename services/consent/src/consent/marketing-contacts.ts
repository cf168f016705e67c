import type { Binary, Collection, Db } from 'mongodb';

import type { FieldCipher } from '@lethe/crypto';

export const MARKETING_CONTACTS = 'marketing_contacts';

// The address a subject gave for marketing on one channel. It is kept while marketing consent
// stands; retention erases it after a withdrawal (category `marketing-contact`), and the account's
// own contact data is not touched by that. It is sealed under a key of its own (see
// marketingKeyOwner), not the subject's: an inactive account is erased, and its key shredded,
// while a subject who still wants marketing keeps receiving it.
interface MarketingContactDocument {
  _id: string;
  subjectId: string;
  purpose: string;
  channel: 'email' | 'sms';
  address: Buffer | Binary;
  /** 'marketing-key': under marketingKeyOwner(subjectId); absent: under the subject's key (older). */
  sealedUnder?: 'marketing-key';
}

/** The key-vault identity whose key seals a subject's marketing contacts. */
export function marketingKeyOwner(subjectId: string): string {
  return `marketing-contact:${subjectId}`;
}

const bytes = (value: Buffer | Binary) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer));

export interface MarketingContacts {
  save(subjectId: string, purpose: string, channel: 'email' | 'sms', address: string): Promise<void>;
  /** Plaintext addresses by purpose (for the service that sends the mail). */
  read(subjectId: string): Promise<{ purpose: string; channel: string; address: string | null }[]>;
  /**
   * Seals under the marketing key what an older version sealed under the subject's key, so that
   * shredding the subject's key leaves them readable. How many are kept, and how many could not be
   * opened any more (their key already gone).
   */
  keepPastAccount(subjectId: string): Promise<{ kept: number; unreadable: number }>;
  erase(subjectId: string): Promise<{ deleted: number; remaining: number }>;
}

/** Erasure and export find a subject's contacts by its id, never by a scan. */
export const createMarketingContactIndexes = (db: Db) =>
  db.collection(MARKETING_CONTACTS).createIndex({ subjectId: 1 });

export function createMarketingContacts(db: Db, cipher: FieldCipher): MarketingContacts {
  const contacts: Collection<MarketingContactDocument> = db.collection(MARKETING_CONTACTS);
  const address = (subjectId: string, purpose: string, underMarketingKey: boolean) => ({
    subjectId: underMarketingKey ? marketingKeyOwner(subjectId) : subjectId,
    context: MARKETING_CONTACTS,
    recordId: `${subjectId}:${purpose}`,
    field: 'address',
  });
  const open = async (doc: MarketingContactDocument) => {
    const opened = await cipher.decrypt(
      address(doc.subjectId, doc.purpose, doc.sealedUnder === 'marketing-key'),
      bytes(doc.address),
    );
    return opened.kind === 'value' ? opened.value : null;
  };
  const save = async (subjectId: string, purpose: string, channel: 'email' | 'sms', value: string) => {
    const _id = `${subjectId}:${purpose}`;
    const sealed = await cipher.encrypt(address(subjectId, purpose, true), value);
    await contacts.replaceOne(
      { _id },
      { subjectId, purpose, channel, address: sealed, sealedUnder: 'marketing-key' },
      { upsert: true },
    );
  };
  return {
    save,
    async read(subjectId) {
      const found = await contacts.find({ subjectId }).toArray();
      return Promise.all(
        found.map(async (doc) => ({ purpose: doc.purpose, channel: doc.channel, address: await open(doc) })),
      );
    },
    async keepPastAccount(subjectId) {
      let unreadable = 0;
      const found = await contacts.find({ subjectId }).toArray();
      for (const doc of found.filter((d) => d.sealedUnder !== 'marketing-key')) {
        const value = await open(doc);
        if (value === null) unreadable += 1;
        else await save(subjectId, doc.purpose, doc.channel, value);
      }
      return { kept: found.length - unreadable, unreadable };
    },
    async erase(subjectId) {
      const { deletedCount } = await contacts.deleteMany({ subjectId });
      return { deleted: deletedCount, remaining: await contacts.countDocuments({ subjectId }) };
    },
  };
}
