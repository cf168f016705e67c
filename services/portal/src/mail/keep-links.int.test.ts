import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { redisUnderOwnPrefix } from '../../test/redis-prefix';

import { keepLinks } from './keep-links';

// Keep-my-account links against the real Redis: a token opens its own account until the
// expiry it warns of, says nothing of the account itself, and is spent once used.

describe('keep-my-account links', () => {
  const { prefix, redis: opened } = redisUnderOwnPrefix();
  let redis: Redis;
  beforeAll(() => {
    redis = opened();
  });

  it('opens for its own account until the expiry, and never once spent', async () => {
    const links = keepLinks(redis, prefix);
    const now = Date.now();
    const expiresAt = now + 30 * 24 * 60 * 60 * 1000;
    const token = await links.make('sub_ada', expiresAt, now);
    expect(token).not.toContain('sub_ada');
    expect(Buffer.from(token, 'base64url').toString('latin1')).not.toContain('sub_ada');
    expect(await links.open(token, now)).toEqual({ subjectId: 'sub_ada', expiresAt });
    expect(await links.open(token, expiresAt)).toBeUndefined();
    // Kept in Redis until the expiry, and by the token's hash only.
    const [key] = await redis.keys(`${prefix}keep:*`);
    expect(key).not.toContain(token);
    expect(await redis.pttl(key!)).toBeGreaterThan(29 * 24 * 60 * 60 * 1000);
    await links.spend(token);
    expect(await links.open(token, now)).toBeUndefined();
  });

  it('opens nothing for a token it did not make, or one changed', async () => {
    const links = keepLinks(redis, prefix);
    const token = await links.make('sub_bob', Date.now() + 60_000, Date.now());
    expect(await links.open(`${token.slice(0, -2)}xx`, Date.now())).toBeUndefined();
    expect(await links.open(randomBytes(32).toString('base64url'), Date.now())).toBeUndefined();
    expect(await links.open('not a token', Date.now())).toBeUndefined();
  });
});
