export {
  exportServers,
  localPrincipalEnv,
  resolveServers,
  testKafkaConnection,
  testServers,
  type Servers,
} from './servers';
export { eventually, uniqueName } from './isolation';
export { testDatabase } from './mongo';
export { testRedis } from './redis';
export { readAllEvents, readAllRecords, type RawRecord } from './events';
export {
  createPrefixedTopics,
  createTestTopics,
  deleteTestTopicsAndGroups,
  testKafka,
  testLogger,
  testTopicSpec,
} from './kafka';
export { bearer } from './auth';
export { manualClock, DAY_MS, type ManualClock } from './clock';
export { freePort } from './ports';
export { killHard, spawnLetheProcess } from './processes';
export { privateMongo, type PrivateMongo } from './private-mongo';
export { openTestScope, readyStatus, type TestScope, type TestScopeOptions } from './scope';
export { ensureTestTaskKeys, participantBasics, signedTaskData, testTaskKeys } from './task-keys';
export { serviceUrl, testCaFile, testServiceFetch } from './https';
export { startLocalKms, type LocalKms } from './local-kms';
export { pythonWith, serversEnv } from './python';
