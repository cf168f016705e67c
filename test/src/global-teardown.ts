import { connectKafka } from '@lethe/kafka';
import { createLogger } from '@lethe/logger';

import { deleteTestLeftovers } from './hygiene';
import { TEST_RUN_VARIABLE } from './isolation';
import { testKafkaConnection } from './servers';

/**
 * Runs once after all test files: deletes every topic and consumer group the run made (and those
 * of runs that died), and fails the run if any is still on the broker, naming it.
 */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env[TEST_RUN_VARIABLE];
  if (!runId) return;
  const logger = createLogger({ name: 'test-teardown', level: 'silent' });
  const kafka = await connectKafka({ ...testKafkaConnection(), clientId: 'lethe-test-teardown' }, logger);
  try {
    const { deleted, remaining } = await deleteTestLeftovers(kafka.admin, runId);
    console.log(
      `\ntest hygiene: deleted ${deleted.topics.length} topics and ${deleted.groups.length} consumer groups ` +
        `the tests made; ${remaining.topics.length + remaining.groups.length} remain`,
    );
    const left = [...remaining.topics.map((t) => `topic ${t}`), ...remaining.groups.map((g) => `group ${g}`)];
    if (left.length > 0) throw new Error(`the tests left on the broker: ${left.join(', ')}`);
  } finally {
    await kafka.close();
  }
}
