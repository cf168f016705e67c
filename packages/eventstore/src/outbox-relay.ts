import type { Collection } from 'mongodb';
import type { Message, Producer } from 'kafkajs';

import type { Logger } from '@lethe/logger';

import { toOutboxRecord, type OutboxRecord, type StreamDocument } from './stream-store';

export interface OutboxRelay {
  /** Publishes every pending outbox once and clears what was published; returns the count. */
  flush(): Promise<number>;
  /** Flushes now and then every `intervalMs`, until stop(). `wake()` flushes sooner. */
  start(intervalMs?: number): void;
  wake(): void;
  stop(): Promise<void>;
}

export interface OutboxRelayDeps {
  streams: Collection<StreamDocument<unknown>>;
  /** An idempotent producer (acks=all), connected. */
  producer: Producer;
  logger: Logger;
  batchSize?: number;
}

function toMessages(records: readonly OutboxRecord[]): { topic: string; messages: Message[] }[] {
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    byTopic.set(record.topic, [
      ...(byTopic.get(record.topic) ?? []),
      { key: record.key, value: record.value, headers: { ...record.headers } },
    ]);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Publishes pending commits' events to Kafka, then marks the commits published. A crash between
 * the two publishes those records again on the next flush: consumers dedupe on eventId.
 */
export function createOutboxRelay({
  streams,
  producer,
  logger,
  batchSize = 100,
}: OutboxRelayDeps): OutboxRelay {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let intervalMs = 200;

  async function flushOnce(): Promise<number> {
    // Oldest commit first within each stream, so a stream's events reach Kafka in order.
    const commits = await streams
      .find({ pending: true })
      .sort({ streamId: 1, version: 1 })
      .limit(batchSize)
      .toArray();
    let count = 0;
    for (const commit of commits) {
      const records = commit.outbox.map(toOutboxRecord);
      if (records.length > 0) await producer.sendBatch({ acks: -1, topicMessages: toMessages(records) });
      // Only the relay writes a commit after its insert, so this needs no compare-and-set.
      await streams.updateOne({ _id: commit._id }, { $set: { pending: false, outbox: [] } });
      count += records.length;
    }
    return count;
  }

  function flush(): Promise<number> {
    // One flush at a time: a second caller waits for the one in progress, then runs its own.
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(flushOnce);
    running = next;
    return next;
  }

  // At most one timer is pending, however wake() and finished flushes interleave.
  function schedule(delayMs: number) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      flush()
        .catch((error: unknown) => logger.error({ err: error }, 'outbox flush failed; retrying'))
        .finally(() => schedule(intervalMs));
    }, delayMs);
  }

  return {
    flush,
    start(every = 200) {
      intervalMs = every;
      stopped = false;
      schedule(0);
    },
    wake() {
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running?.catch(() => 0);
    },
  };
}
