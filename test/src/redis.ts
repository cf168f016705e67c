import { Redis } from 'ioredis';

import { redisTlsOptions } from '@lethe/service-kit';

import { testServers } from './servers';

/** A connection to the real Redis. Test data lives under random subject ids, so files share it. */
export function testRedis(): Redis {
  const { redisUrl } = testServers();
  const tls = redisTlsOptions({
    LETHE_REDIS_URL: redisUrl,
    LETHE_TLS_CA_FILE: process.env.LETHE_TLS_CA_FILE,
  });
  return new Redis(redisUrl, { ...tls, lazyConnect: false, maxRetriesPerRequest: 3 });
}
