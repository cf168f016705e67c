export { resolveServers, testServers, type Servers } from './servers';
export { eventually, uniqueName } from './isolation';
export { testDatabase } from './mongo';
export { testRedis } from './redis';
export { createTestTopics, testKafka, testLogger, testTopicSpec } from './kafka';
