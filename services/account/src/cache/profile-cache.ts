import { randomUUID } from 'node:crypto';

import type { Redis } from 'ioredis';

import type { StoredAccountState } from '../persistence/state-codec';

// Every key the account service writes for a subject is listed in that subject's index set, so
// erasure finds them all with one SMEMBERS, never a SCAN of the keyspace. The braces put a
// subject's keys in one Redis Cluster slot, so the index and its members move together.
/**
 * A change was stored, but the cached copy could not be dropped (Redis unreachable). Retriable:
 * the retry finds the change already made (an Idempotency-Key gives it the same resource) and
 * drops the copy then.
 */
export class CacheUnavailableAfterCommit extends Error {
  override readonly name = 'CacheUnavailableAfterCommit';
  readonly code = 'ACCOUNT_CACHE_UNAVAILABLE';
  readonly retriable = true;

  constructor(options: { cause: unknown }) {
    super('the change is stored, but the profile cache could not be refreshed; retry the request', options);
  }
}

export const cacheKeys = {
  index: (subjectId: string) => `lethe:account:{${subjectId}}:keys`,
  profile: (subjectId: string) => `lethe:account:{${subjectId}}:profile`,
  session: (subjectId: string, sessionId: string) => `lethe:account:{${subjectId}}:session:${sessionId}`,
};

export interface CacheErasure {
  readonly deleted: number;
  /** Keys of the subject still present after the delete (0 when verified empty). */
  readonly remaining: number;
}

export interface ProfileCache {
  get(subjectId: string): Promise<StoredAccountState | undefined>;
  put(subjectId: string, state: StoredAccountState): Promise<void>;
  invalidate(subjectId: string): Promise<void>;
  createSession(subjectId: string, ttlSeconds: number): Promise<string>;
  /** Each subject's keys, found through its index set, unlinked and read back; several subjects'
   * commands go out together (pipelined on the connection), so a batch waits 3 round trips. */
  eraseSubjects(subjectIds: readonly string[]): Promise<CacheErasure[]>;
}

// The cached state is the sealed one (personal fields stay ciphertext in Redis too).
const reviveBuffers = (_key: string, value: unknown) =>
  value &&
  typeof value === 'object' &&
  (value as { type?: unknown }).type === 'Buffer' &&
  Array.isArray((value as { data?: unknown }).data)
    ? Buffer.from((value as { data: number[] }).data)
    : value;

/** State read from MongoDB holds BSON Binary values; the cache stores plain Buffers. */
function withBuffers(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  if ((value as { _bsontype?: unknown })._bsontype === 'Binary')
    return Buffer.from((value as { buffer: Uint8Array }).buffer);
  if (Array.isArray(value)) return value.map(withBuffers);
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, withBuffers(inner)]));
}

export function createProfileCache({
  redis,
  ttlSeconds = 3600,
}: {
  redis: Redis;
  ttlSeconds?: number;
}): ProfileCache {
  return {
    async get(subjectId) {
      const raw = await redis.get(cacheKeys.profile(subjectId));
      return raw === null ? undefined : (JSON.parse(raw, reviveBuffers) as StoredAccountState);
    },
    async put(subjectId, state) {
      await redis
        .multi()
        .sadd(cacheKeys.index(subjectId), cacheKeys.profile(subjectId))
        .set(cacheKeys.profile(subjectId), JSON.stringify(withBuffers(state)), 'EX', ttlSeconds)
        .exec();
    },
    async invalidate(subjectId) {
      await redis.del(cacheKeys.profile(subjectId));
    },
    async createSession(subjectId, sessionTtl) {
      const sessionId = randomUUID();
      const key = cacheKeys.session(subjectId, sessionId);
      await redis.multi().sadd(cacheKeys.index(subjectId), key).set(key, subjectId, 'EX', sessionTtl).exec();
      return sessionId;
    },
    async eraseSubjects(subjectIds) {
      // One command per subject, never one across subjects: a subject's keys share a Redis
      // Cluster slot, different subjects' need not.
      const indexes = subjectIds.map((subjectId) => cacheKeys.index(subjectId));
      const members = await Promise.all(indexes.map((index) => redis.smembers(index)));
      const keys = indexes.map((index, n) => [...members[n]!, index]);
      const deleted = await Promise.all(keys.map((subjectKeys) => redis.unlink(...subjectKeys)));
      const remaining = await Promise.all(keys.map((subjectKeys) => redis.exists(...subjectKeys)));
      return deleted.map((count, n) => ({ deleted: count, remaining: remaining[n]! }));
    },
  };
}
