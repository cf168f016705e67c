import { connectKafka, letheTopics } from '@lethe/kafka';
import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import { createLogger } from '@lethe/logger';

import { exportServers, resolveServers } from './servers';

/**
 * Runs once before all test files: finds (or starts) the real servers, hands their addresses to
 * the workers through the environment, and applies the shared topics and schemas so that test
 * files running in parallel do not race to create them.
 */
export default async function globalSetup(): Promise<void> {
  const servers = await resolveServers();
  exportServers(servers);
  const logger = createLogger({ name: 'test-setup', level: 'warn' });
  const kafka = await connectKafka({ brokers: servers.kafkaBrokers, clientId: 'lethe-test-setup' }, logger);
  try {
    await kafka.admin.applyTopics(letheTopics());
  } finally {
    await kafka.close();
  }
  await createEventCodec({
    registry: createSchemaRegistry(servers.registryUrl),
    catalog: loadCatalog(),
  }).registerAll();
}
