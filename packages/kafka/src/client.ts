import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';

import type { EventCodec } from '@lethe/events';
import { kafkajsLogCreator, type Logger } from '@lethe/logger';

import { createKafkaAdmin, type KafkaAdmin } from './admin';
import { createConsumedBarrier, type ConsumedBarrier } from './consumed-barrier';
import {
  runRecordConsumer,
  type ConsumerRunner,
  type EventConsumerOptions,
  type RecordConsumerOptions,
} from './consumer';
import {
  eventProducerOn,
  sendRecords,
  startTransactionalProducer,
  type EventProducer,
  type ProducedAck,
  type ProducedRecord,
  type TransactionalProducer,
} from './producer';
import type { ConsumerStatus } from './consumer-status';
import { KafkaPortError } from './errors';
import { deadLetterTopicName, LOCAL_LAYOUT, type TopicLayout, type TopicOwnership } from './topics';
import { readTopic, type ReadTopicOptions, type TopicRecord } from './read-topic';
import {
  runTransactionalConsumer,
  type TransactionalConsumer,
  type TransactionalConsumerOptions,
} from './transactional-consumer';

/** Everything that says how to reach the brokers: the one place TLS and SASL are set. */
export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** TLS to the brokers; `true` uses the system's CAs. */
  readonly tls?: boolean | { ca?: string[]; cert?: string; key?: string; rejectUnauthorized?: boolean };
  readonly sasl?: {
    readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
    readonly username: string;
    readonly password: string;
  };
  /** Whether services create their own topics, and their shape (default: managed, local layout). */
  readonly topics?: TopicOwnership;
}

/**
 * A process's connection to Kafka: one idempotent producer and one admin client shared by
 * everything the process does, and every consumer built from the same settings. Nothing of the
 * client library shows through, so it can be replaced behind this port.
 */
export interface KafkaClient {
  readonly admin: KafkaAdmin;
  /** The shape the process gives the topics it creates (LETHE_TOPIC_LAYOUT). */
  readonly topicLayout: TopicLayout;
  /** Raw records on the shared idempotent producer, in order per partition, acks=all. A plain
   * function, so it can be handed on (an outbox relay's `send`). */
  readonly send: (records: readonly ProducedRecord[]) => Promise<ProducedAck[]>;
  /** Events (Avro through the registry) on the shared producer. */
  eventProducer(codec: EventCodec, topicName?: (logical: string) => string): EventProducer;
  /** A producer of its own for Kafka transactions (one transactional id per writer). */
  transactionalProducer(options: {
    transactionalId: string;
    codec: EventCodec;
    topicName?: (logical: string) => string;
  }): Promise<TransactionalProducer>;
  /** A consumer group whose handler gets raw records; see runRecordConsumer. */
  runConsumer(options: RecordConsumerOptions): Promise<ConsumerRunner>;
  /** A consumer group whose handler gets decoded events; undecodable values are dead-lettered. */
  runEventConsumer(options: EventConsumerOptions): Promise<ConsumerRunner>;
  /** Consume, transform and produce in Kafka transactions (the audit ledger). */
  runTransactionalConsumer(options: TransactionalConsumerOptions): Promise<TransactionalConsumer>;
  consumedBarrier(options: { topic: string; groupId: string }): ConsumedBarrier;
  /** A topic from offset 0 to its end as of the call; returns the record count. */
  readTopic(
    topic: string,
    onRecord: (record: TopicRecord) => void | Promise<void>,
    options?: ReadTopicOptions,
  ): Promise<number>;
  /** Every consumer this connection runs: joined, crashed, stalled, counts per topic. */
  consumerStatuses(): ConsumerStatus[];
  /** Per group, topic and partition: records on the log its group has not committed yet. */
  consumerLag(): Promise<ConsumerLag[]>;
  /** Records on the dead-letter topic of each topic this process consumes (purged ones gone). */
  deadLetterDepths(): Promise<{ topic: string; records: number }[]>;
  /** Whether a broker answers a metadata request. */
  reachable(): Promise<boolean>;
  /** Sends that failed since start (after the client's own retries). */
  producerErrors(): number;
  /** Disconnects the shared producer and admin (consumers are stopped by their owners first). */
  close(): Promise<void>;
}

function kafkajsClient(settings: KafkaSettings, logger: Logger): Kafka {
  const { tls, sasl } = settings;
  return new Kafka({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    ...(tls === undefined ? {} : { ssl: tls }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as never }),
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogCreator(logger),
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

export interface ConsumerLag {
  readonly groupId: string;
  readonly topic: string;
  readonly partition: number;
  /** The high watermark less the committed offset (the whole log when nothing is committed). */
  readonly lag: number;
}

export async function connectKafka(settings: KafkaSettings, logger: Logger): Promise<KafkaClient> {
  const kafka = kafkajsClient(settings, logger);
  // Idempotent: the broker drops the duplicates of its own retries, so a retry after a lost ack
  // cannot write a record twice; one request in flight keeps each partition in order.
  const producer: Producer = kafka.producer({
    // Java-compatible murmur2, named so that ConsumedBarrier computes the same partition.
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  const kafkajsAdmin = kafka.admin();
  await kafkajsAdmin.connect();
  // The producer connects at the first send: a read-only principal (the auditor) may not
  // initialise an idempotent producer at all, and never needs one.
  let producerConnected: Promise<void> | undefined;
  const connectedProducer = async () => {
    producerConnected ??= producer.connect().catch((error: unknown) => {
      producerConnected = undefined;
      throw error;
    });
    await producerConnected;
    return producer;
  };
  const ownership = settings.topics ?? { manage: true, layout: LOCAL_LAYOUT };
  const admin = createKafkaAdmin(kafkajsAdmin, ownership);
  let producerErrors = 0;
  const send = async (records: readonly ProducedRecord[]) => {
    try {
      return await sendRecords(await connectedProducer(), records);
    } catch (error) {
      producerErrors += 1;
      throw error;
    }
  };
  const internals = { kafka, admin, send, logger, layout: ownership.layout };
  const runners: ConsumerRunner[] = [];
  const tracked = async <T extends ConsumerRunner>(started: Promise<T>): Promise<T> => {
    const runner = await started;
    runners.push(runner);
    return runner;
  };
  return {
    admin,
    topicLayout: ownership.layout,
    send,
    eventProducer: (codec, topicName = (topic) => topic) => eventProducerOn(send, codec, topicName),
    transactionalProducer: (options) => startTransactionalProducer(kafka, options),
    runConsumer: (options) => tracked(runRecordConsumer(internals, options)),
    runEventConsumer: (options) =>
      tracked(
        runRecordConsumer(internals, {
          ...options,
          handle: async (record) => {
            if (!record.value)
              throw new KafkaPortError(
                'KAFKA_RECORD_WITHOUT_VALUE',
                'a record without a value on an event topic',
                false,
              );
            const { event } = await options.codec.decode(record.value);
            await options.handle(event, record);
          },
        }),
      ),
    runTransactionalConsumer: (options) => tracked(runTransactionalConsumer(kafka, options)),
    consumerStatuses: () => runners.map((runner) => runner.status()),
    consumerLag: () => consumerLag(admin, runners),
    deadLetterDepths: () => deadLetterDepths(admin, runners),
    producerErrors: () => producerErrors,
    reachable: async () => (await admin.brokerCount()) > 0,
    consumedBarrier: ({ topic, groupId }) => createConsumedBarrier({ admin, topic, groupId }),
    readTopic: (topic, onRecord, options) => readTopic(kafka, admin, topic, onRecord, options),
    async close() {
      await Promise.all([producerConnected ? producer.disconnect() : undefined, kafkajsAdmin.disconnect()]);
    },
  };
}

/** Lag of every group this process runs, over the topics it consumes. */
async function consumerLag(admin: KafkaAdmin, runners: readonly ConsumerRunner[]): Promise<ConsumerLag[]> {
  const lags: ConsumerLag[] = [];
  const ends = new Map<string, Map<number, { low: number; high: number }>>();
  for (const { groupId, topics } of runners.map((runner) => runner.status())) {
    for (const topic of topics) {
      let end = ends.get(topic);
      if (!end) {
        end = new Map((await admin.endOffsets(topic)).map((p) => [p.partition, p]));
        ends.set(topic, end);
      }
      const committed = await admin.committedOffsets(groupId, topic);
      for (const [partition, { low, high }] of end) {
        // Nothing committed: the group starts from the first record still on the log.
        const next = Math.max(committed.get(partition) ?? -1, low);
        lags.push({ groupId, topic, partition, lag: Math.max(0, high - next) });
      }
    }
  }
  return lags;
}

async function deadLetterDepths(
  admin: KafkaAdmin,
  runners: readonly ConsumerRunner[],
): Promise<{ topic: string; records: number }[]> {
  const topics = new Set(runners.flatMap((runner) => runner.status().topics.map(deadLetterTopicName)));
  const depths: { topic: string; records: number }[] = [];
  for (const topic of topics) {
    const partitions = await admin.endOffsets(topic).catch(() => undefined); // not made (yet)
    if (partitions)
      depths.push({ topic, records: partitions.reduce((sum, p) => sum + Math.max(0, p.high - p.low), 0) });
  }
  return depths;
}
