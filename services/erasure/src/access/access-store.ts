import type { Binary, Db } from 'mongodb';

import { isDuplicateKey } from '@lethe/eventstore';

// What an access request keeps at rest besides its stream: the participants' sealed answers
// until the package is made, the package (encrypted under the subject's key) until it expires,
// and which requests are whose. The erasure of a subject deletes all three (the access-exports
// participant), and shredding the subject's key has already made them unreadable.

export const ACCESS_COLLECTIONS = {
  answers: 'access_answers',
  packages: 'access_packages',
  requests: 'access_requests',
} as const;

interface AnswerDocument {
  _id: string; // requestId/participantId
  requestId: string;
  subjectId: string;
  participantId: string;
  sealed: Buffer | Binary;
}

interface PackageDocument {
  _id: string; // requestId
  subjectId: string;
  sealed: Buffer | Binary;
  expiresAt: Date;
}

interface RequestDocument {
  _id: string; // requestId
  subjectId: string;
  requestedAt: Date;
}

const bytes = (value: Buffer | Binary) => (Buffer.isBuffer(value) ? value : Buffer.from(value.buffer));

const ignoreDuplicate = (error: unknown) => {
  if (!isDuplicateKey(error)) throw error; // kept already: a redelivery or a retried step
};

export interface AccessStore {
  addRequest(requestId: string, subjectId: string, requestedAt: Date): Promise<void>;
  requestsOf(subjectId: string): Promise<string[]>;
  keepAnswer(answer: {
    requestId: string;
    subjectId: string;
    participantId: string;
    sealed: Buffer;
  }): Promise<void>;
  answersOf(requestId: string): Promise<Map<string, Buffer>>;
  keepPackage(requestId: string, subjectId: string, sealed: Buffer, expiresAt: Date): Promise<void>;
  packageOf(requestId: string): Promise<Buffer | undefined>;
  /** After the package is made (or given up): the answers have no further use. */
  dropAnswers(requestId: string): Promise<void>;
  dropPackage(requestId: string): Promise<void>;
  /** Everything of the subject's access requests, with what was deleted and what a read-back found. */
  eraseSubject(subjectId: string): Promise<{ deleted: Record<string, number>; remaining: number }>;
}

/** A subject's access requests, and a request's answers, are found by their ids, never by a scan. */
export async function createAccessIndexes(db: Db): Promise<void> {
  await Promise.all([
    db.collection(ACCESS_COLLECTIONS.requests).createIndex({ subjectId: 1, requestedAt: -1 }),
    db.collection(ACCESS_COLLECTIONS.answers).createIndex({ requestId: 1 }),
  ]);
}

export function mongoAccessStore(db: Db): AccessStore {
  const answers = db.collection<AnswerDocument>(ACCESS_COLLECTIONS.answers);
  const packages = db.collection<PackageDocument>(ACCESS_COLLECTIONS.packages);
  const requests = db.collection<RequestDocument>(ACCESS_COLLECTIONS.requests);
  return {
    async addRequest(requestId, subjectId, requestedAt) {
      await requests.insertOne({ _id: requestId, subjectId, requestedAt }).catch(ignoreDuplicate);
    },
    async requestsOf(subjectId) {
      const found = await requests.find({ subjectId }).sort({ requestedAt: -1 }).limit(50).toArray();
      return found.map((doc) => doc._id);
    },
    async keepAnswer({ requestId, subjectId, participantId, sealed }) {
      await answers
        .insertOne({ _id: `${requestId}/${participantId}`, requestId, subjectId, participantId, sealed })
        .catch(ignoreDuplicate);
    },
    async answersOf(requestId) {
      const found = await answers.find({ requestId }).toArray();
      return new Map(found.map((doc) => [doc.participantId, bytes(doc.sealed)]));
    },
    async keepPackage(requestId, subjectId, sealed, expiresAt) {
      await packages.insertOne({ _id: requestId, subjectId, sealed, expiresAt }).catch(ignoreDuplicate);
    },
    async packageOf(requestId) {
      const found = await packages.findOne({ _id: requestId });
      return found ? bytes(found.sealed) : undefined;
    },
    async dropAnswers(requestId) {
      await answers.deleteMany({ requestId });
    },
    async dropPackage(requestId) {
      await packages.deleteOne({ _id: requestId });
    },
    async eraseSubject(subjectId) {
      const stores = [
        [ACCESS_COLLECTIONS.answers, answers],
        [ACCESS_COLLECTIONS.packages, packages],
        [ACCESS_COLLECTIONS.requests, requests],
      ] as const;
      // The three collections at once: two waits (delete, read back), not six. The requests
      // the rest hang on are checked again by the read-back, so a retry finishes the job.
      const deletedCounts = await Promise.all(
        stores.map(async ([, collection]) => (await collection.deleteMany({ subjectId })).deletedCount),
      );
      const left = await Promise.all(
        stores.map(([, collection]) => collection.countDocuments({ subjectId })),
      );
      return {
        deleted: Object.fromEntries(stores.map(([name], n) => [`mongodb:${name}`, deletedCounts[n]!])),
        remaining: left.reduce((sum, count) => sum + count, 0),
      };
    },
  };
}
