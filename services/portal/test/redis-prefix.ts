import { randomBytes } from 'node:crypto';

import type { Redis } from 'ioredis';

import { testRedis } from '@lethe/test-harness';

/**
 * The real Redis for one test file, under a key prefix of its own that is deleted after it (the
 * portal's keys are `lethe:portal:*`; a test's are `lethe:portal:test-<random>:*`).
 */
export function redisUnderOwnPrefix(): { readonly prefix: string; readonly redis: () => Redis } {
  const prefix = `lethe:portal:test-${randomBytes(4).toString('hex')}:`;
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = testRedis();
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  });
  return {
    prefix,
    redis: () => {
      if (!redis) throw new Error('Redis is opened in beforeAll');
      return redis;
    },
  };
}
