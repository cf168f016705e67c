import { createHash, randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

// The link in an inactivity notice: a random token that stands in for sign-in, for one account
// and until the expiry it warns of. The URL says nothing about whose account it is: Redis keeps
// the token's hash beside the account's opaque id, until that expiry (or until it is used).

export interface KeepLink {
  readonly subjectId: string;
  readonly expiresAt: number;
}

export interface KeepLinks {
  make(subjectId: string, expiresAt: number, now: number): Promise<string>;
  /** The account a link is for, while its expiry has not passed; undefined for any other token. */
  open(token: string, now: number): Promise<KeepLink | undefined>;
  /** Spent: the account was kept, and the link does nothing more. */
  spend(token: string): Promise<void>;
}

const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** A notice whose expiry is (nearly) past still gets a link that works for a moment. */
const MIN_LIFETIME_MS = 60 * 60 * 1000;

export function keepLinks(redis: Redis, keyPrefix = 'lethe:portal:'): KeepLinks {
  const keyOf = (token: string) => `${keyPrefix}keep:${createHash('sha256').update(token).digest('hex')}`;
  return {
    async make(subjectId, expiresAt, now) {
      const token = randomBytes(32).toString('base64url');
      const link: KeepLink = { subjectId, expiresAt };
      await redis.set(keyOf(token), JSON.stringify(link), 'PX', Math.max(expiresAt - now, MIN_LIFETIME_MS));
      return token;
    },
    async open(token, now) {
      if (!TOKEN.test(token)) return undefined;
      const stored = await redis.get(keyOf(token));
      if (!stored) return undefined;
      const link = JSON.parse(stored) as KeepLink;
      return link.expiresAt > now ? link : undefined;
    },
    async spend(token) {
      if (TOKEN.test(token)) await redis.del(keyOf(token));
    },
  };
}
