import type { Db } from 'mongodb';

import { isDuplicateKey } from '@lethe/eventstore';

export const ERASURE_REQUESTS = 'erasure_requests';

/** Which subject's stream a request id lives in, for GET by request id. */
export interface RequestIndex {
  add(requestId: string, subjectId: string): Promise<void>;
  subjectOf(requestId: string): Promise<string | undefined>;
}

export function mongoRequestIndex(db: Db): RequestIndex {
  const requests = db.collection<{ _id: string; subjectId: string }>(ERASURE_REQUESTS);
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
  };
}
