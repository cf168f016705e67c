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
import { KafkaPortError } from './errors';
import { LOCAL_LAYOUT, type TopicLayout, type TopicOwnership } from './topics';
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
  const send = async (records: readonly ProducedRecord[]) => sendRecords(await connectedProducer(), records);
  const internals = { kafka, admin, send, logger, layout: ownership.layout };
  return {
    admin,
    topicLayout: ownership.layout,
    send,
    eventProducer: (codec, topicName = (topic) => topic) => eventProducerOn(send, codec, topicName),
    transactionalProducer: (options) => startTransactionalProducer(kafka, options),
    runConsumer: (options) => runRecordConsumer(internals, options),
    runEventConsumer: (options) =>
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
    runTransactionalConsumer: (options) => runTransactionalConsumer(kafka, options),
    consumedBarrier: ({ topic, groupId }) => createConsumedBarrier({ admin, topic, groupId }),
    readTopic: (topic, onRecord, options) => readTopic(kafka, admin, topic, onRecord, options),
    async close() {
      await Promise.all([producerConnected ? producer.disconnect() : undefined, kafkajsAdmin.disconnect()]);
    },
  };
}
