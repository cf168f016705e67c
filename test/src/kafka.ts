import { connectKafka, type KafkaAdmin, type KafkaClient, type TopicSpec } from '@lethe/kafka';
import { createLogger, type Logger } from '@lethe/logger';

import { testKafkaConnection } from './servers';
import { uniqueName } from './isolation';

/** Quiet unless LETHE_TEST_LOG_LEVEL asks: tests that provoke failures would flood the output. */
export function testLogger(name = 'test'): Logger {
  return createLogger({ name, level: process.env.LETHE_TEST_LOG_LEVEL ?? 'silent' });
}

/** A connection of the test's own (close() it in afterAll). */
export function testKafka(clientId = uniqueName('test-client')): Promise<KafkaClient> {
  return connectKafka({ ...testKafkaConnection(), clientId }, testLogger());
}

/** Creates a test file's own topics (unique names) and returns their names. */
export async function createTestTopics(
  admin: KafkaAdmin,
  ...specs: Omit<TopicSpec, 'purpose'>[]
): Promise<string[]> {
  await admin.applyTopics(specs.map((spec) => ({ ...spec, purpose: 'test' })));
  return specs.map((spec) => spec.name);
}

export function testTopicSpec(prefix: string, partitions = 1): Omit<TopicSpec, 'purpose'> {
  return { name: uniqueName(prefix), partitions, replicationFactor: 1, config: {} };
}

/** A copy of some of Lethe's topics under a test's own prefix (`<prefix>.<logical>`). */
export async function createPrefixedTopics(
  admin: KafkaAdmin,
  topicName: (logical: string) => string,
  logicalTopics: readonly string[],
  partitions = 1,
  replication: { readonly factor: number; readonly minInSync: number } = { factor: 1, minInSync: 1 },
): Promise<string[]> {
  return createTestTopics(
    admin,
    ...logicalTopics.map((logical) => ({
      name: topicName(logical),
      partitions,
      replicationFactor: replication.factor,
      config: { 'min.insync.replicas': String(replication.minInSync) },
    })),
  );
}

/** Removes what a test made on the broker: topics and consumer groups under its prefix. */
export async function deleteTestTopicsAndGroups(admin: KafkaAdmin, prefix: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
  await admin.deleteTopics(topics).catch(() => undefined);
  const groups = (await admin.listGroups()).filter((groupId) => groupId.startsWith(prefix));
  await admin.deleteGroups(groups).catch(() => undefined);
}
