import { randomUUID } from 'node:crypto';

import type { Kafka, KafkaMessage } from 'kafkajs';

import type { KafkaAdmin } from './admin';
import { headersOf } from './headers';

export interface TopicRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: number;
}

/** A record as read: its headers are decoded when asked for (a replay rarely needs them). */
class ReadRecord implements TopicRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    private readonly message: KafkaMessage,
  ) {
    this.key = message.key;
    this.value = message.value;
    this.timestamp = Number(message.timestamp);
  }

  get headers(): Readonly<Record<string, string>> {
    return headersOf(this.message.headers);
  }
}

/** Quiet this long after the last record means the end (covers a tail of aborted transactions). */
const IDLE_END_MS = 2_000;
/** Joining a consumer group takes seconds: nothing at all for this long means nothing readable. */
const NOTHING_READABLE_MS = 30_000;

export interface ReadTopicOptions {
  /** The topic is written in transactions: read committed records only. */
  readonly transactional?: boolean;
}

/**
 * Reads a topic from offset 0 to its end as of the call, committed records only, in order per
 * partition. The end is the high watermark; a transactionally written topic ends one offset
 * early (the commit marker is not delivered), and an aborted tail is recognised by quiet.
 */
export async function readTopic(
  kafka: Kafka,
  admin: KafkaAdmin,
  topic: string,
  onRecord: (record: TopicRecord) => void | Promise<void>,
  { transactional = false }: ReadTopicOptions = {},
): Promise<number> {
  const offsets = await admin.endOffsets(topic);
  const ends = new Map(offsets.map((p) => [p.partition, p.high]));
  // A partition whose records are all deleted (retention, a purge) has nothing to wait for.
  const remaining = new Set(offsets.filter((p) => p.high > p.low).map((p) => p.partition));
  if (remaining.size === 0) return 0;
  const consumer = kafka.consumer({
    groupId: `lethe-reader-${randomUUID()}`,
    maxWaitTimeInMs: 250,
    readUncommitted: false,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let count = 0;
  let handling = 0;
  const startedAt = Date.now();
  let lastProgress = Date.now();
  let failed: unknown;
  const done = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      // A handler still at work is not quiet: it may be waiting on another read (the audit
      // verifier's records wait for the ledger to reach them).
      const quiet =
        handling === 0 &&
        (count > 0 ? Date.now() - lastProgress > IDLE_END_MS : Date.now() - startedAt > NOTHING_READABLE_MS);
      if (remaining.size === 0 || failed || quiet) {
        clearInterval(check);
        resolve();
      }
    }, 50);
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 3,
    eachBatch: async ({ batch }) => {
      const high = ends.get(batch.partition) ?? 0;
      for (const message of batch.messages) {
        const offset = Number(message.offset);
        if (offset >= high) break; // written after the call: not part of this read
        try {
          // A handler that finished synchronously is not awaited: a promise per record cost a
          // share of `lethe audit verify` over a million records.
          const pending = onRecord(new ReadRecord(topic, batch.partition, offset, message));
          if (pending) {
            handling += 1;
            await pending.finally(() => (handling -= 1));
          }
        } catch (error) {
          failed = error;
        }
        count += 1;
        lastProgress = Date.now();
        if (offset >= high - (transactional ? 2 : 1)) remaining.delete(batch.partition);
      }
    },
  });
  await done;
  await consumer.disconnect();
  if (failed instanceof Error) throw failed;
  if (failed !== undefined) throw new Error('a record handler failed with a non-Error value');
  return count;
}
