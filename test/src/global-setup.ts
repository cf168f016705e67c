import { connectKafka, letheAclMatrix, letheTopics } from '@lethe/kafka';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { createLogger } from '@lethe/logger';

import { newTestRunId, TEST_RUN_VARIABLE } from './isolation';
import { exportServers, resolveServers, testKafkaConnection } from './servers';
import { ensureTestTaskKeys } from './task-keys';

/**
 * Runs once before all test files: finds (or starts) the real servers, hands their addresses to
 * the workers through the environment, and applies the shared topics and schemas so that test
 * files running in parallel do not race to create them.
 */
export default async function globalSetup(): Promise<void> {
  // Workers inherit it: every name the run makes carries it, and global teardown deletes them.
  process.env[TEST_RUN_VARIABLE] ??= newTestRunId();
  const servers = await resolveServers();
  exportServers(servers);
  ensureTestTaskKeys(process.env);
  const logger = createLogger({ name: 'test-setup', level: 'warn' });
  const kafka = await connectKafka({ ...testKafkaConnection(), clientId: 'lethe-test-setup' }, logger);
  try {
    await kafka.admin.applyTopics(letheTopics());
    // Where the brokers authorise (the local stack), the shared topics get their ACLs too, as
    // `lethe topics apply` gives them: the security tests check the matrix, not a hand-made one.
    if (servers.security.LETHE_KAFKA_SASL_USERNAME)
      await kafka.admin.applyAcls(letheAclMatrix({ servicesManageOwnTopics: true }));
  } finally {
    await kafka.close();
  }
  await createEventCodec({
    registry: createSchemaRegistry(servers.registryUrl, { caFile: servers.security.LETHE_TLS_CA_FILE }),
    catalog: loadCatalog(),
  }).registerAll();
}
