import type { Admin, Kafka } from 'kafkajs';

import { applyTopics, createKafka, type TopicSpec } from '@lethe/kafka';
import { createLogger, type Logger } from '@lethe/logger';

import { testServers } from './servers';
import { uniqueName } from './isolation';

/** Quiet unless LETHE_TEST_LOG_LEVEL asks: tests that provoke failures would flood the output. */
export function testLogger(name = 'test'): Logger {
  return createLogger({ name, level: process.env.LETHE_TEST_LOG_LEVEL ?? 'silent' });
}

export function testKafka(clientId = uniqueName('test-client')): Kafka {
  return createKafka({ brokers: testServers().kafkaBrokers, clientId, logger: testLogger() });
}

/** Creates a test file's own topics (unique names) and returns their names. */
export async function createTestTopics(
  admin: Admin,
  ...specs: Omit<TopicSpec, 'purpose'>[]
): Promise<string[]> {
  await applyTopics(
    admin,
    specs.map((spec) => ({ ...spec, purpose: 'test' })),
  );
  return specs.map((spec) => spec.name);
}

export function testTopicSpec(prefix: string, partitions = 1): Omit<TopicSpec, 'purpose'> {
  return { name: uniqueName(prefix), partitions, replicationFactor: 1, config: {} };
}

/** A copy of some of Lethe's topics under a test's own prefix (`<prefix>.<logical>`). */
export async function createPrefixedTopics(
  admin: Admin,
  topicName: (logical: string) => string,
  logicalTopics: readonly string[],
  partitions = 1,
): Promise<string[]> {
  return createTestTopics(
    admin,
    ...logicalTopics.map((logical) => ({
      name: topicName(logical),
      partitions,
      replicationFactor: 1,
      config: {},
    })),
  );
}
