import { Partitioners, type PartitionMetadata } from 'kafkajs';

import type { KafkaAdmin } from './admin';
import { KafkaPortError } from './errors';

export interface ConsumedBarrier {
  /**
   * Resolves once the group has committed every record that is on the partition of `key` at the
   * moment of the call. Throws a retriable KAFKA_BARRIER_TIMEOUT past `timeoutMs`.
   */
  passed(key: string, timeoutMs?: number): Promise<void>;
  /** The same for every partition of the topic (when the key is not known). */
  passedAll(timeoutMs?: number): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/**
 * Orders work across two topics. A consumer group that commits only after its effect is durable
 * has applied everything up to its committed offset; so a caller that waits here has seen the
 * effect of every record written to `key`'s partition before the call, whichever consumer (or
 * instance) applied it. The erasure service waits here for the hold log before it plans a
 * request, so a hold acknowledged before a deletion was asked for always meets it.
 */
export function createConsumedBarrier({
  admin,
  topic,
  groupId,
}: {
  admin: KafkaAdmin;
  topic: string;
  groupId: string;
}): ConsumedBarrier {
  // The producers' partitioner (kafkajs' default, Java-compatible murmur2): same key, same
  // partition. It reads only the partition count for a keyed record.
  const partitioner = Partitioners.DefaultPartitioner();
  let partitionMetadata: PartitionMetadata[] = [];

  async function partitionOf(key: string): Promise<number> {
    if (partitionMetadata.length === 0) {
      const [description] = await admin.describeTopics([topic]);
      partitionMetadata = Array.from({ length: description?.partitions ?? 0 }, (_, partitionId) => ({
        partitionErrorCode: 0,
        partitionId,
        leader: 0,
        replicas: [],
        isr: [],
      }));
      if (partitionMetadata.length === 0)
        throw new KafkaPortError('KAFKA_BARRIER_TIMEOUT', `topic ${topic} has no partitions`, true);
    }
    return partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  /** Waits until the group's commits reach every given partition's end as of the call. */
  async function reached(ends: readonly { partition: number; high: number }[], timeoutMs: number) {
    const deadline = Date.now() + timeoutMs;
    for (let waitMs = 5; ; waitMs = Math.min(waitMs * 2, 100)) {
      const committed = await admin.committedOffsets(groupId, topic);
      const behind = ends.filter(
        ({ partition, high }) => high > 0 && (committed.get(partition) ?? -1) < high,
      );
      if (behind.length === 0) return;
      if (Date.now() > deadline)
        throw new KafkaPortError(
          'KAFKA_BARRIER_TIMEOUT',
          `${groupId} has not consumed ${topic} (${behind.map((p) => `${p.partition}@${p.high}`).join(', ')}) within ${timeoutMs} ms`,
          true,
        );
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }

  return {
    async passed(key, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const partition = await partitionOf(key);
      await reached(
        (await admin.endOffsets(topic)).filter((p) => p.partition === partition),
        timeoutMs,
      );
    },
    async passedAll(timeoutMs = DEFAULT_TIMEOUT_MS) {
      await reached(await admin.endOffsets(topic), timeoutMs);
    },
  };
}
