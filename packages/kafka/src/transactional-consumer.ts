import type { Kafka } from 'kafkajs';

import type { EventCodec } from '@lethe/events';

import type { ConsumedRecord, ConsumerRunner } from './consumer';
import { trackedStatus } from './consumer-status';
import { hasKafkaErrorType } from './errors';
import { headersOf } from './headers';
import { oneAtATime } from './one-at-a-time';
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
  /**
   * Runs once this writer holds the transactional id (any older holder is fenced and its open
   * transaction aborted) and before the first record is consumed: the place to read back
   * what earlier writers committed.
   */
  claimed?: () => Promise<void>;
  /** Told once if a newer writer with the same transactional id fences this one. */
  onFenced?: () => void;
}

/** The broker's answer to a writer whose transactional id a newer writer has taken. */
const isFenced = (error: unknown) => hasKafkaErrorType(error, ['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

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
  const inTurn = oneAtATime();
  // An empty transaction claims the transactional id: a writer still running with it is fenced
  // from here on, so what `claimed` reads back is final.
  await producer.inTransaction(async () => undefined);
  await options.claimed?.();

  // Fenced: a newer writer owns the chain. This one writes nothing more and says so; it does
  // not exit, or two instances would take the id from each other in turn.
  let fenced = false;
  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 500,
    readUncommitted: false,
  });
  const fence = () => {
    if (fenced) return;
    fenced = true;
    options.onFenced?.();
    setImmediate(() => void consumer.disconnect().catch(() => undefined));
  };
  const guarded = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    if (fenced) return undefined;
    try {
      return await work();
    } catch (error) {
      if (!isFenced(error)) throw error;
      fence();
      return undefined;
    }
  };
  const status = trackedStatus(consumer, groupId, options.topics, () => fenced);
  await consumer.connect();
  await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning }) => {
      for (let from = 0; from < batch.messages.length && isRunning() && !fenced; from += chunkSize) {
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
        const done = await inTurn(() =>
          guarded(async () => {
            const result = await transform({ topic: batch.topic, partition: batch.partition, records });
            await producer.inTransaction(async (tx) => {
              await tx.publish(result.events);
              await tx.commitConsumed(groupId, [
                { topic: batch.topic, partition: batch.partition, offset: last.offset },
              ]);
            });
            result.committed?.();
            for (let i = 0; i < records.length; i++) status.count(batch.topic, 'handled');
            return true;
          }),
        );
        if (!done) return; // fenced: nothing resolved, nothing committed
        resolveOffset(last.offset);
        await heartbeat();
      }
    },
  });
  return {
    status: () => status.snapshot(),
    // Fenced for good; other failures stop kafkajs' run loop, which retries the batch.
    stalled: () => fenced,
    publishAlone: (build) =>
      inTurn(async () => {
        await guarded(async () => {
          const result = build();
          if (!result || result.events.length === 0) return;
          await producer.inTransaction((tx) => tx.publish(result.events));
          result.committed?.();
        });
      }),
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
