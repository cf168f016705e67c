import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { openText, sealText } from '../sealing';

// An operator's console session holds the operator's own bearer token (the console acts with
// it), sealed under a portal key with the session id as associated data, so neither a copy of
// Redis nor a stolen id alone yields it. It ends when the token does, or after 30 idle minutes.

const IDLE_SECONDS = 30 * 60;

export interface OperatorSession {
  readonly id: string;
  readonly operator: string;
  readonly token: string;
  readonly csrf: string;
}

export interface OperatorSessions {
  open(operator: string, token: string, expiresAtSeconds: number): Promise<OperatorSession>;
  find(id: string): Promise<OperatorSession | undefined>;
  close(id: string): Promise<void>;
}

const keyOf = (id: string) => `lethe:portal:console:${createHash('sha256').update(id).digest('base64url')}`;

export function operatorSessions(redis: Redis, key: Buffer, now: () => number = Date.now): OperatorSessions {
  return {
    async open(operator, token, expiresAtSeconds) {
      const id = randomBytes(32).toString('base64url');
      const csrf = randomBytes(32).toString('base64url');
      await redis
        .multi()
        .hset(keyOf(id), {
          operator,
          csrf,
          token: sealText(key, token, id),
          expiresAt: String(expiresAtSeconds),
        })
        .expire(keyOf(id), IDLE_SECONDS)
        .exec();
      return { id, operator, token, csrf };
    },
    async find(id) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return undefined;
      const stored = await redis.hgetall(keyOf(id));
      if (!stored.token || !stored.csrf || !stored.operator) return undefined;
      const left = Number(stored.expiresAt) - Math.floor(now() / 1000);
      if (!(left > 0)) {
        await redis.del(keyOf(id));
        return undefined;
      }
      await redis.expire(keyOf(id), Math.min(IDLE_SECONDS, left));
      return { id, operator: stored.operator, csrf: stored.csrf, token: openText(key, stored.token, id) };
    },
    async close(id) {
      await redis.del(keyOf(id));
    },
  };
}
