import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

import type { EventCodec, LetheEvent } from '@lethe/events';
import { parseTraceparent, runInTrace, startHop, TRACEPARENT_HEADER, type Logger } from '@lethe/logger';

import type { KafkaAdmin } from './admin';
import { backoffMs, DEFAULT_RETRY, type RetryPolicy } from './backoff';
import { sendToDeadLetter, type DeadLetter } from './dead-letter';
import { describeCause, isRetriable } from './errors';
import { headersOf } from './headers';
import type { ProducedRecord } from './producer';
import { deadLetterTopicSpec, type TopicLayout } from './topics';
import { offsetCommitter, type OffsetCommitter } from './offset-committer';
import { runInKeyedLanes } from './keyed-lanes';
import { trackedStatus, type ConsumerStatus, type ConsumerStatusTracker } from './consumer-status';

export { DLQ_HEADERS } from './dead-letter';

export interface ConsumedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer | null;
}

interface ConsumerOptions {
  groupId: string;
  topics: readonly string[];
  /** The consumer's own logger (the connection's otherwise). */
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  fromBeginning?: boolean;
  /** The broker holds an empty fetch this long. A stop waits for the fetch in flight, so this
   * bounds shutdown time; records that arrive are returned at once whatever it is. */
  maxWaitTimeMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Partitions handled at once (records within a partition stay in order). Lethe's topics are
   * keyed by subject, so different partitions never hold the same stream. Default 3. */
  partitionsConsumedConcurrently?: number;
  /**
   * Records of different keys handled at once within a partition, at most (keyed-lanes.ts);
   * each key's records stay in order, and an unkeyed record runs alone. Only for handlers whose
   * effects depend on no other key's. Default 1: a partition's records one at a time.
   */
  keysConsumedConcurrently?: number;
}

export interface RecordConsumerOptions extends ConsumerOptions {
  /** The effect of one record. It must be idempotent: after a crash the record comes again. */
  handle: (record: ConsumedRecord) => Promise<void>;
}

export interface EventConsumerOptions extends ConsumerOptions {
  codec: EventCodec;
  /** The effect of one event; a value that does not decode is dead-lettered at once. */
  handle: (event: LetheEvent, record: ConsumedRecord) => Promise<void>;
}

/** What a consumer needs of the process's connection. */
export interface ConsumerInternals {
  kafka: Kafka;
  admin: KafkaAdmin;
  send: (records: readonly ProducedRecord[]) => Promise<unknown>;
  logger: Logger;
  /** The shape of the dead-letter topics the consumer creates where services manage topics. */
  layout: TopicLayout;
}

export interface ConsumerRunner {
  /** Joined, crashed, stalled, and what it has handled per topic. */
  status(): ConsumerStatus;
  /** True while a record has failed retriably `maxAttempts` times and is still being retried:
   * a dependency is down, and the service should report itself not ready. */
  stalled(): boolean;
  /** Finishes the record in hand, commits what was handled, and leaves the group. */
  stop(): Promise<void>;
}

const HEARTBEAT_EVERY_MS = 3_000;

/**
 * keysConsumedConcurrently for the consumers whose records are keyed by subject and whose
 * effects are per subject (a subject's stream): 16 subjects of a partition handled at once, so
 * their store writes share commands (insert-batcher.ts) instead of queueing one by one.
 */
export const SUBJECTS_CONSUMED_CONCURRENTLY = 16;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What the per-record loop needs of its consumer. */
interface RecordLoop {
  handle: (record: ConsumedRecord) => Promise<void>;
  retry: RetryPolicy;
  sleep: (ms: number) => Promise<void>;
  log: Logger;
  /** Records (topic/partition/offset) that have failed retriably maxAttempts times. */
  stalledAt: Set<string>;
  status: ConsumerStatusTracker;
  stopping: () => boolean;
  deadLetter: (letter: Omit<DeadLetter, 'groupId'>) => Promise<void>;
  committer: OffsetCommitter;
}

// The group's session must not expire while a partition waits for a dependency: heartbeat at
// least every 3 s. A heartbeat that fails means a rebalance; the record is left uncommitted.
async function waitWithHeartbeats(
  loop: RecordLoop,
  ms: number,
  heartbeat: () => Promise<void>,
): Promise<boolean> {
  for (let left = ms; left > 0 && !loop.stopping(); left -= HEARTBEAT_EVERY_MS) {
    await loop.sleep(Math.min(left, HEARTBEAT_EVERY_MS));
    try {
      await heartbeat();
    } catch {
      return false;
    }
  }
  return !loop.stopping();
}

/** Handles one record to its end (handled, or dead-lettered); false if abandoned unfinished
 * (stopping, or the group rebalanced during a retry wait), which leaves it uncommitted. */
async function processRecord(
  loop: RecordLoop,
  topic: string,
  partition: number,
  message: KafkaMessage,
  heartbeat: () => Promise<void>,
): Promise<boolean> {
  for (let attempts = 1; ; attempts += 1) {
    try {
      const headers = headersOf(message.headers);
      // The record's trace continues in what its handler produces and logs.
      const hop = startHop(`process ${topic}`, 'consumer', parseTraceparent(headers[TRACEPARENT_HEADER]), {
        'messaging.system': 'kafka',
        'messaging.destination.name': topic,
        'messaging.destination.partition.id': String(partition),
        'messaging.kafka.offset': Number(message.offset),
      });
      try {
        await runInTrace(hop.trace, () =>
          loop.handle({
            topic,
            partition,
            offset: message.offset,
            key: message.key,
            headers,
            value: message.value,
          }),
        );
        hop.end();
      } catch (error) {
        hop.end({ failed: describeCause(error) });
        throw error;
      }
      loop.status.count(topic, 'handled');
      break;
    } catch (error) {
      const cause = describeCause(error);
      // A retriable failure (a dependency down, a timeout) holds the partition and is retried
      // until it succeeds: a good record must not end in a dead-letter topic nobody replays.
      // Only poison, which can never succeed, is dead-lettered.
      if (isRetriable(error)) {
        if (loop.stopping()) return false; // not committed: retried after the restart
        loop.status.count(topic, 'retried');
        const waitMs = backoffMs(loop.retry, attempts);
        if (attempts === loop.retry.maxAttempts) {
          loop.stalledAt.add(`${topic}/${partition}/${message.offset}`);
          loop.log.error(
            { topic, partition, offset: message.offset, attempts, cause },
            'record still failing; holding its partition and retrying until it succeeds',
          );
        } else if (attempts < loop.retry.maxAttempts)
          loop.log.warn(
            { topic, partition, offset: message.offset, attempts, cause, waitMs },
            'record failed; retrying',
          );
        if (!(await waitWithHeartbeats(loop, waitMs, heartbeat))) return false; // rebalanced: not committed
        continue;
      }
      loop.log.error({ topic, partition, offset: message.offset, attempts, cause }, 'record dead-lettered');
      await loop.deadLetter({ topic, partition, message, error, attempts });
      loop.status.count(topic, 'deadLettered');
      break;
    }
  }
  loop.stalledAt.delete(`${topic}/${partition}/${message.offset}`);
  return true;
}

/**
 * Runs a consumer group over `topics`. Each record is handled, retried with backoff while its
 * error is retriable, or sent to `<topic>.dlq` with the cause and the attempt count; only then is
 * its offset committed, in the background (offset-committer.ts). A crash before the commit
 * re-delivers the record, so nothing is lost and handlers must be idempotent.
 */
export async function runRecordConsumer(
  { kafka, admin, send, logger, layout }: ConsumerInternals,
  deps: RecordConsumerOptions,
): Promise<ConsumerRunner> {
  const { groupId, topics, handle } = deps;
  const retry: RetryPolicy = { ...DEFAULT_RETRY, ...deps.retry };
  const sleep = deps.sleep ?? defaultSleep;
  const log = (deps.logger ?? logger).child({ component: 'consumer', groupId });

  await admin.ensureTopics(topics.map((topic) => deadLetterTopicSpec(topic, layout)));

  const consumer: Consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    maxWaitTimeInMs: deps.maxWaitTimeMs ?? 1_000,
    // A crashed member holds its partitions until its session expires: 15 s bounds how long
    // work waits for a restarted instance (kafkajs' default is 30 s).
    sessionTimeout: 15_000,
    heartbeatInterval: 3_000,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: deps.fromBeginning ?? true });

  // kafkajs drops offset commits once its stop has begun, so stop() first lets the record in
  // hand finish and commit, and only then disconnects. Records not started are left uncommitted
  // and come again after the restart.
  let stopping = false;
  const inFlight = new Set<Promise<void>>();
  /** Partitions whose record in hand has failed retriably maxAttempts times. */
  const stalledAt = new Set<string>();

  const status = trackedStatus(consumer, groupId, topics, () => stalledAt.size > 0);

  const loop: RecordLoop = {
    handle,
    retry,
    sleep,
    log,
    stalledAt,
    status,
    stopping: () => stopping,
    deadLetter: (letter) => sendToDeadLetter(send, { ...letter, groupId }),
    committer: offsetCommitter((offsets) => consumer.commitOffsets(offsets), log),
  };

  const track = async <T>(processing: Promise<T>): Promise<T> => {
    // Settles either way: a failure is kafkajs' to handle (it is thrown below), not stop()'s.
    const settled = processing.then(
      () => undefined,
      () => undefined,
    );
    inFlight.add(settled);
    try {
      return await processing;
    } finally {
      inFlight.delete(settled);
    }
  };
  const keysAtOnce = deps.keysConsumedConcurrently ?? 1;
  const partitionsConsumedConcurrently = deps.partitionsConsumedConcurrently ?? 3;

  if (keysAtOnce <= 1)
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently,
      eachMessage: async ({ topic, partition, message, heartbeat }) => {
        if (stopping) return;
        if (await track(processRecord(loop, topic, partition, message, heartbeat)))
          loop.committer.handled(topic, partition, message.offset);
      },
    });
  else
    await consumer.run({
      autoCommit: false,
      // kafkajs' position moves only past what was handled: an abandoned record is fetched again.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently,
      eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning, isStale }) => {
        const { topic, partition, messages } = batch;
        // A heartbeat that fails means the group is rebalancing: start nothing more, so this
        // member rejoins as soon as the records in hand are done (the rest are fetched again).
        // Carrying on through the batch held every member of the group waiting for it.
        let rebalancing = false;
        await track(
          runInKeyedLanes(messages, {
            limit: keysAtOnce,
            keyOf: (message) => message.key?.toString('latin1') ?? null,
            mayStart: () => !stopping && !rebalancing && isRunning() && !isStale(),
            run: async (message) => {
              const handled = await processRecord(loop, topic, partition, message, heartbeat);
              // Rate-limited by kafkajs: most calls send nothing.
              if (handled) await heartbeat().catch(() => void (rebalancing = true));
              return handled;
            },
            finishedThrough: (index) => {
              const { offset } = messages[index]!;
              resolveOffset(offset);
              loop.committer.handled(topic, partition, offset);
            },
          }),
        );
      },
    });

  return {
    status: () => status.snapshot(),
    stalled: () => stalledAt.size > 0,
    async stop() {
      stopping = true;
      await Promise.all(inFlight); // each settles either way (see track)
      await loop.committer.flushed();
      await consumer.disconnect();
    },
  };
}
