import type { Db } from 'mongodb';

import type { HttpsParticipantRegistration } from './registrations';

// Where HTTPS participants' registrations are kept, so a restarted erasure service hosts them again.

export interface HttpsParticipantStore {
  save(registration: HttpsParticipantRegistration): Promise<void>;
  list(): Promise<HttpsParticipantRegistration[]>;
}

const COLLECTION = 'https_participants';

export function mongoHttpsParticipantStore(db: Db): HttpsParticipantStore {
  const collection = db.collection<HttpsParticipantRegistration & { _id: string }>(COLLECTION);
  return {
    async save(registration) {
      await collection.replaceOne({ _id: registration.participantId }, { ...registration }, { upsert: true });
    },
    async list() {
      const found = await collection.find({}, { sort: { _id: 1 } }).toArray();
      return found.map(({ _id, ...registration }) => registration);
    },
  };
}
