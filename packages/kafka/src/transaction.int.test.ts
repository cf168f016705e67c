import type { Admin, Kafka } from 'kafkajs';

import {
  createEventCodec,
  createSchemaRegistry,
  loadCatalog,
  makeEvent,
  type EventCodec,
} from '@lethe/events';
import { createTestTopics, eventually, testServers, testTopicSpec, uniqueName } from '@lethe/test-harness';

import { startTransactionalProducer } from './producer';
import { createKafkaAdmin } from './admin';
import { LOCAL_LAYOUT } from './topics';
import { rawTestKafka } from './test-kafkajs';

const granted = (subjectId: string) =>
  makeEvent(
    'ConsentGranted',
    { subjectId, correlationId: uniqueName('corr'), producer: 'test', occurredAt: 1_764_000_000_000 },
    {
      purpose: 'marketing-email',
      source: 'settings',
      policyVersion: '2026-11-01',
      textHash: 'sha256:ab',
      gpc: false,
    },
  );

describe('transactions with sendOffsets against the real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  let codec: EventCodec;
  beforeAll(async () => {
    kafka = rawTestKafka();
    admin = kafka.admin();
    await admin.connect();
    codec = createEventCodec({
      registry: createSchemaRegistry(testServers().registryUrl, {
        caFile: testServers().security.LETHE_TLS_CA_FILE,
      }),
      catalog: loadCatalog(),
    });
  });
  afterAll(() => admin.disconnect());

  async function committedValues(topic: string, expected: number) {
    const consumer = kafka.consumer({ groupId: uniqueName('committed-reader'), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const keys: string[] = [];
    await consumer.run({ eachMessage: async ({ message }) => void keys.push(message.key!.toString()) });
    try {
      await eventually(
        async () => (keys.length >= expected ? true : undefined),
        20_000,
        `${expected} committed records`,
      );
      return keys;
    } finally {
      await consumer.disconnect();
    }
  }

  it('publishes and commits the consumed offset atomically; an aborted transaction leaves neither', async () => {
    const [input, output] = await createTestTopics(
      createKafkaAdmin(admin, { manage: true, layout: LOCAL_LAYOUT }),
      testTopicSpec('tx-in'),
      testTopicSpec('tx-out'),
    );
    const groupId = uniqueName('tx-group');
    const producer = await startTransactionalProducer(kafka, { codec, transactionalId: uniqueName('tx') });
    try {
      await expect(
        producer.inTransaction(async (tx) => {
          await tx.publish([{ event: granted('sub_aborted'), topic: output! }]);
          await tx.commitConsumed(groupId, [{ topic: input!, partition: 0, offset: '6' }]);
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');

      await producer.inTransaction(async (tx) => {
        await tx.publish([{ event: granted('sub_committed'), topic: output! }]);
        await tx.commitConsumed(groupId, [{ topic: input!, partition: 0, offset: '41' }]);
      });
    } finally {
      await producer.disconnect();
    }

    const offsets = await admin.fetchOffsets({ groupId, topics: [input!] });
    expect(offsets[0]?.partitions[0]?.offset).toBe('42');
    // A read_committed consumer sees the committed record only (the aborted one is skipped).
    expect(await committedValues(output!, 1)).toEqual(['sub_committed']);
  });
});
