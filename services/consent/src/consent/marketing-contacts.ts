import type { Binary, Collection, Db } from 'mongodb';

import type { FieldCipher } from '@lethe/crypto';

export const MARKETING_CONTACTS = 'marketing_contacts';

// The address a subject gave for marketing on one channel, sealed under the subject's key. It is
// kept while marketing consent stands; retention erases it after a withdrawal (category
// `marketing-contact`), and the account's own contact data is not touched by that.
interface MarketingContactDocument {
  _id: string;
  subjectId: string;
  purpose: string;
  channel: 'email' | 'sms';
  address: Buffer | Binary;
}

const bytes = (value: Buffer | Binary) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer));

export interface MarketingContacts {
  save(subjectId: string, purpose: string, channel: 'email' | 'sms', address: string): Promise<void>;
  /** Plaintext addresses by purpose (for the service that sends the mail). */
  read(subjectId: string): Promise<{ purpose: string; channel: string; address: string | null }[]>;
  erase(subjectId: string): Promise<{ deleted: number; remaining: number }>;
}

export function createMarketingContacts(db: Db, cipher: FieldCipher): MarketingContacts {
  const contacts: Collection<MarketingContactDocument> = db.collection(MARKETING_CONTACTS);
  const address = (subjectId: string, purpose: string) => ({
    subjectId,
    context: MARKETING_CONTACTS,
    recordId: `${subjectId}:${purpose}`,
    field: 'address',
  });
  return {
    async save(subjectId, purpose, channel, value) {
      const _id = `${subjectId}:${purpose}`;
      const sealed = await cipher.encrypt(address(subjectId, purpose), value);
      await contacts.replaceOne({ _id }, { subjectId, purpose, channel, address: sealed }, { upsert: true });
    },
    async read(subjectId) {
      const found = await contacts.find({ subjectId }).toArray();
      return Promise.all(
        found.map(async (doc) => {
          const opened = await cipher.decrypt(address(subjectId, doc.purpose), bytes(doc.address));
          return {
            purpose: doc.purpose,
            channel: doc.channel,
            address: opened.kind === 'value' ? opened.value : null,
          };
        }),
      );
    },
    async erase(subjectId) {
      const { deletedCount } = await contacts.deleteMany({ subjectId });
      return { deleted: deletedCount, remaining: await contacts.countDocuments({ subjectId }) };
    },
  };
}
