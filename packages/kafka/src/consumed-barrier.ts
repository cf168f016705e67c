import { Partitioners, type Admin, type Kafka, type PartitionMetadata } from 'kafkajs';

import { KafkaPortError } from './errors';

export interface ConsumedBarrier {
  /**
   * Resolves once `groupId` has committed every record that is on the partition of `key` in
   * `topic` at the moment of the call. Throws a retriable KAFKA_BARRIER_TIMEOUT past `timeoutMs`.
   */
  passed(key: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface ConsumedBarrierDeps {
  kafka: Kafka;
  topic: string;
  groupId: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Orders work across two topics. A consumer group that commits only after its effect is durable
 * has applied everything up to its committed offset; so a caller that waits here has seen the
 * effect of every record written to `key`'s partition before the call, whichever consumer (or
 * instance) applied it. The erasure service waits here for the hold log before it plans a
 * request, so a hold acknowledged before a deletion was asked for always meets it.
 */
export async function createConsumedBarrier({
  kafka,
  topic,
  groupId,
}: ConsumedBarrierDeps): Promise<ConsumedBarrier> {
  const admin: Admin = kafka.admin();
  await admin.connect();
  // The producers' partitioner (kafkajs' default, Java-compatible murmur2): same key, same partition.
  const partitioner = Partitioners.DefaultPartitioner();
  let partitionMetadata: PartitionMetadata[] = [];

  async function partitionOf(key: string): Promise<number> {
    if (partitionMetadata.length === 0) {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
      partitionMetadata = metadata.topics[0]?.partitions ?? [];
      if (partitionMetadata.length === 0)
        throw new KafkaPortError('KAFKA_BARRIER_TIMEOUT', `topic ${topic} has no partitions`, true);
    }
    return partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  async function committed(partition: number): Promise<number> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
  }

  return {
    async passed(key, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const partition = await partitionOf(key);
      const high = Number(
        (await admin.fetchTopicOffsets(topic)).find((p) => p.partition === partition)?.high ?? 0,
      );
      const deadline = Date.now() + timeoutMs;
      for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 100)) {
        if (high === 0 || (await committed(partition)) >= high) return;
        if (Date.now() > deadline)
          throw new KafkaPortError(
            'KAFKA_BARRIER_TIMEOUT',
            `${groupId} has not consumed ${topic}/${partition} up to ${high} within ${timeoutMs} ms`,
            true,
          );
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    },
    async stop() {
      await admin.disconnect();
    },
  };
}
