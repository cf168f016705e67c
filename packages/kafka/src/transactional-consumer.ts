import type { Kafka } from 'kafkajs';

import type { EventCodec } from '@lethe/events';

import type { ConsumedRecord, ConsumerRunner } from './consumer';
import { headersOf } from './headers';
import { startTransactionalProducer, type OutgoingEvent } from './producer';

export interface TransformedChunk {
  /** Published in the same transaction that commits the chunk's offsets. */
  readonly events: readonly OutgoingEvent[];
  /** Told once the transaction has committed (not if it aborted). */
  readonly committed?: () => void;
}

export interface TransactionalConsumerOptions {
  groupId: string;
  topics: readonly string[];
  transactionalId: string;
  codec: EventCodec;
  topicName?: (logical: string) => string;
  /** Source records per transaction: what it publishes must fit one produce request. */
  chunkSize: number;
  /** What a chunk of one partition's records becomes; runs before its transaction commits. */
  transform: (chunk: {
    topic: string;
    partition: number;
    records: readonly ConsumedRecord[];
  }) => Promise<TransformedChunk>;
  maxWaitTimeMs?: number;
}

export interface TransactionalConsumer extends ConsumerRunner {
  /**
   * Publishes what `build` returns in a transaction of its own, between two chunks (never
   * during one), so `build` sees the state the last committed chunk left. Nothing is sent
   * when it returns undefined.
   */
  publishAlone(build: () => TransformedChunk | undefined): Promise<void>;
}

/**
 * Consume, transform, produce: each chunk's output and the group's offsets for it are one
 * Kafka transaction, so a crash commits both or neither, and only committed records are read.
 */
export async function runTransactionalConsumer(
  kafka: Kafka,
  options: TransactionalConsumerOptions,
): Promise<TransactionalConsumer> {
  const { groupId, chunkSize, transform } = options;
  const producer = await startTransactionalProducer(kafka, options);
  // One transaction at a time on the producer: chunks and publishAlone take turns.
  let turn: Promise<unknown> = Promise.resolve();
  const inTurn = <T>(work: () => Promise<T>): Promise<T> => {
    const next = turn.catch(() => undefined).then(work);
    turn = next;
    return next;
  };
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning }) => {
      for (let from = 0; from < batch.messages.length && isRunning(); from += chunkSize) {
        const messages = batch.messages.slice(from, from + chunkSize);
        const records: ConsumedRecord[] = messages.map((message) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: message.offset,
          key: message.key,
          headers: headersOf(message.headers),
          value: message.value,
        }));
        const last = messages[messages.length - 1]!;
        await inTurn(async () => {
          const result = await transform({ topic: batch.topic, partition: batch.partition, records });
          await producer.inTransaction(async (tx) => {
            await tx.publish(result.events);
            await tx.commitConsumed(groupId, [
              { topic: batch.topic, partition: batch.partition, offset: last.offset },
            ]);
          });
          result.committed?.();
        });
        resolveOffset(last.offset);
        await heartbeat();
      }
    },
  });
  return {
    // Its failures stop kafkajs' run loop, which retries the batch; nothing is held here.
    stalled: () => false,
    publishAlone: (build) =>
      inTurn(async () => {
        const result = build();
        if (!result || result.events.length === 0) return;
        await producer.inTransaction((tx) => tx.publish(result.events));
        result.committed?.();
      }),
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
