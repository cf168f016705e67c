import { Redis } from 'ioredis';

import { testServers } from './servers';

/** A connection to the real Redis. Test data lives under random subject ids, so files share it. */
export function testRedis(): Redis {
  return new Redis(testServers().redisUrl, { lazyConnect: false, maxRetriesPerRequest: 3 });
}
