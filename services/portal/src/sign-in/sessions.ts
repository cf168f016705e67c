import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

// A signed-in subject's session: a random id in an HttpOnly cookie, its SHA-256 in Redis (a
// copy of Redis gives no usable cookie). It ends after 30 idle minutes, 8 hours at most, or at
// sign-out. Its CSRF token goes in every form the session is shown.

export const IDLE_SECONDS = 30 * 60;
export const LONGEST_SECONDS = 8 * 60 * 60;

export interface Session {
  readonly id: string;
  readonly subjectId: string;
  readonly csrf: string;
  /** The erasure request this session made, if any: the one its status pages may show. */
  readonly requestId: string | null;
}

export interface Sessions {
  open(subjectId: string): Promise<Session>;
  /** The live session with this id (its idle time restarts), or undefined. */
  find(id: string): Promise<Session | undefined>;
  remember(session: Session, requestId: string): Promise<void>;
  close(id: string): Promise<void>;
}

const keyOf = (id: string) => `lethe:portal:session:${createHash('sha256').update(id).digest('base64url')}`;

export function redisSessions(redis: Redis, now: () => number = Date.now): Sessions {
  return {
    async open(subjectId) {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      await redis
        .multi()
        .hset(keyOf(id), { subjectId, csrf, openedAt: String(now()), requestId: '' })
        .expire(keyOf(id), IDLE_SECONDS)
        .exec();
      return { id, subjectId, csrf, requestId: null };
    },
    async find(id) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const stored = await redis.hgetall(keyOf(id));
      if (!stored.subjectId || !stored.csrf) return undefined;
      const age = (now() - Number(stored.openedAt)) / 1000;
      if (!(age < LONGEST_SECONDS)) {
        await redis.del(keyOf(id));
        return undefined;
      }
      await redis.expire(keyOf(id), Math.min(IDLE_SECONDS, Math.ceil(LONGEST_SECONDS - age)));
      return { id, subjectId: stored.subjectId, csrf: stored.csrf, requestId: stored.requestId || null };
    },
    async remember(session, requestId) {
      await redis.hset(keyOf(session.id), 'requestId', requestId);
    },
    async close(id) {
      await redis.del(keyOf(id));
    },
  };
}
