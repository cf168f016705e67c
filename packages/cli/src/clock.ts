import { Redis } from 'ioredis';

import { parseDuration } from '@lethe/service-kit';

import type { CliConfig } from './config';

/**
 * `lethe clock advance 400d | show | reset`: moves the shared clock that services started with
 * LETHE_CLOCK=shared-offset read, so a demo lets years of retention pass in seconds. Time only
 * moves forward for a running service; `reset` is for a fresh start.
 */
export async function clockCommand(config: CliConfig, argv: string[]): Promise<string> {
  const redis = new Redis(config.redisUrl, {
    ...config.redisOptions,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  try {
    const current = Number((await redis.get(config.clockOffsetKey)) ?? 0);
    const [action, amount] = argv;
    if (action === 'advance') {
      const ms = amount === undefined ? undefined : parseDuration(amount);
      if (ms === undefined) throw new Error('usage: lethe clock advance <N>s|m|h|d   (e.g. 400d)');
      await redis.set(config.clockOffsetKey, String(current + ms));
      return `clock: ${new Date(Date.now() + current + ms).toISOString()} (offset ${(current + ms) / 86_400_000} days)`;
    }
    if (action === 'reset') {
      await redis.del(config.clockOffsetKey);
      return 'clock: offset removed (restart services so they start from the system time)';
    }
    return `clock: ${new Date(Date.now() + current).toISOString()} (offset ${current / 86_400_000} days)`;
  } finally {
    redis.disconnect();
  }
}
