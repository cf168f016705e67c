import type { Redis } from 'ioredis';

import type { ConsentState } from '../consent/model';

// The fast yes/no: one Redis hash per subject, purpose -> '1' | '0'. It is a read model: written
// after each decision, and rebuilt from the subject's ledger when it is missing. The key is
// derived from the subject id, so erasure deletes it directly, never by a keyspace scan.
export const consentKey = (subjectId: string) => `lethe:consent:{${subjectId}}`;

export interface ConsentCache {
  /** undefined: not cached (the caller rebuilds it). */
  check(subjectId: string, purpose: string): Promise<boolean | undefined>;
  put(subjectId: string, state: ConsentState): Promise<void>;
  erase(subjectId: string): Promise<{ deleted: number; remaining: number }>;
}

const EMPTY = '__none__'; // a subject with no decisions still gets a hash, so a miss means "not cached"

export function createConsentCache(redis: Redis): ConsentCache {
  return {
    async check(subjectId, purpose) {
      // One round trip: the marker field says whether the hash exists at all.
      const [marker, value] = await redis.hmget(consentKey(subjectId), EMPTY, purpose);
      if (marker === null) return undefined;
      return value === '1';
    },
    async put(subjectId, state) {
      const fields: Record<string, string> = { [EMPTY]: '0' };
      for (const [purpose, decision] of Object.entries(state.current))
        fields[purpose] = decision.granted ? '1' : '0';
      await redis.multi().del(consentKey(subjectId)).hset(consentKey(subjectId), fields).exec();
    },
    async erase(subjectId) {
      const deleted = await redis.del(consentKey(subjectId));
      return { deleted, remaining: await redis.exists(consentKey(subjectId)) };
    },
  };
}
