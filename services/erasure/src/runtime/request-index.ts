import type { Db } from 'mongodb';

import { isDuplicateKey } from '@lethe/eventstore';

export const ERASURE_REQUESTS = 'erasure_requests';
export const ERASURE_COMPLETIONS = 'erasure_completions';

/** A completed request as the operator console lists it (no personal data: opaque ids only). */
export interface CompletedRequestView {
  readonly requestId: string;
  readonly subjectId: string;
  readonly reason: string;
  readonly regulation: string | null;
  readonly requestedAt: string;
  readonly dueAt: string;
  readonly completedAt: string;
  readonly result: 'complete' | 'partial';
  /** Completed after its deadline. */
  readonly late: boolean;
}

/** Which subject's stream a request id lives in, for GET by request id; and the completions. */
export interface RequestIndex {
  add(requestId: string, subjectId: string): Promise<void>;
  subjectOf(requestId: string): Promise<string | undefined>;
  /** Notes a completion, once (a repeat is ignored). */
  completed(view: CompletedRequestView): Promise<void>;
  /** The latest completions, newest first. */
  recentCompletions(limit: number): Promise<CompletedRequestView[]>;
}

/** The newest completions are listed from an index on their time, not a sort of them all. */
export const createRequestIndexIndexes = (db: Db) =>
  db.collection(ERASURE_COMPLETIONS).createIndex({ completedAt: -1 });

export function mongoRequestIndex(db: Db): RequestIndex {
  const requests = db.collection<{ _id: string; subjectId: string }>(ERASURE_REQUESTS);
  const completions = db.collection<Omit<CompletedRequestView, 'requestId'> & { _id: string }>(
    ERASURE_COMPLETIONS,
  );
  return {
    async add(requestId, subjectId) {
      // An insert, not an upsert: FerretDB scans the collection for an upsert and finds a
      // primary key in constant time.
      await requests.insertOne({ _id: requestId, subjectId }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // already indexed
      });
    },
    async subjectOf(requestId) {
      return (await requests.findOne({ _id: requestId }))?.subjectId;
    },
    async completed({ requestId, ...view }) {
      await completions.insertOne({ _id: requestId, ...view }).catch((error: unknown) => {
        if (!isDuplicateKey(error)) throw error; // noted already
      });
    },
    async recentCompletions(limit) {
      // ISO times sort as they read, so the newest completion is the greatest string.
      const found = await completions.find({}).sort({ completedAt: -1 }).limit(limit).toArray();
      return found.map(({ _id, ...view }) => ({ requestId: _id, ...view }));
    },
  };
}
