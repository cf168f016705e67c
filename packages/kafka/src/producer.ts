import type { Kafka, Message, Producer, Transaction } from 'kafkajs';
import { CompressionTypes, Partitioners } from 'kafkajs';

import { topicOf, type EventCodec, type LetheEvent } from '@lethe/events';
import { traceHeaders } from '@lethe/logger';

import { backoffMs, type RetryPolicy } from './backoff';
import { isRetriable } from './errors';

const SEND_OFFSETS_ATTEMPTS = 8;
const SEND_OFFSETS_RETRY: RetryPolicy = {
  maxAttempts: SEND_OFFSETS_ATTEMPTS,
  initialBackoffMs: 100,
  maxBackoffMs: 2000,
};

export interface OutgoingEvent {
  event: LetheEvent;
  /** Partition key: an opaque id (subjectId, participantId), never personal data. Defaults to
   * the envelope's subjectId; null spreads records over partitions. */
  key?: string | null;
  /** Defaults to the event type's topic (DESIGN.md section 2). */
  topic?: string;
}

/** A record as bytes: for what is already encoded (an outbox, a dead letter, a tombstone). */
export interface ProducedRecord {
  readonly topic: string;
  /** An opaque id (subjectId, participantId), never personal data; null spreads records. */
  readonly key: string | Buffer | null;
  /** null is a tombstone on a compacted topic. */
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface EventProducer {
  /** Publishes in order and resolves once every broker in sync has the records (acks=all). */
  publish(events: readonly OutgoingEvent[]): Promise<void>;
}

// Headers carry only ids and the type, so SREs can triage a record without decoding it.
function headersOf(event: LetheEvent): Record<string, string> {
  return { 'lethe.event-id': event.envelope.eventId, 'lethe.event-type': event.envelope.type };
}

async function toMessages(
  codec: EventCodec,
  events: readonly OutgoingEvent[],
  topicName: (logical: string) => string,
): Promise<Map<string, Message[]>> {
  const byTopic = new Map<string, Message[]>();
  for (const outgoing of events) {
    const topic = outgoing.topic ?? topicName(topicOf(outgoing.event.envelope.type));
    const key = outgoing.key === undefined ? outgoing.event.envelope.subjectId : outgoing.key;
    const message: Message = {
      key,
      value: await codec.encode(outgoing.event),
      headers: headersOf(outgoing.event),
    };
    byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
  }
  return byTopic;
}

/** Where the broker put a produced batch: the first record's offset on that partition. */
export interface ProducedAck {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

async function sendAll(
  sender: Producer | Transaction,
  byTopic: Map<string, Message[]>,
): Promise<ProducedAck[]> {
  const acks = await sender.sendBatch({
    acks: -1,
    compression: CompressionTypes.None,
    topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
  });
  return acks.map((ack) => ({
    topic: ack.topicName,
    partition: ack.partition,
    offset: ack.baseOffset ?? '-1',
  }));
}

/** Sends records in one produce request per call, each topic's records in the order given. */
export async function sendRecords(
  producer: Producer,
  records: readonly ProducedRecord[],
): Promise<ProducedAck[]> {
  if (records.length === 0) return [];
  const byTopic = new Map<string, Message[]>();
  for (const record of records) {
    const messages = byTopic.get(record.topic) ?? [];
    // A record made while a trace runs carries it, unless it carries its own (an outbox's).
    messages.push({
      key: record.key,
      value: record.value,
      headers: { ...traceHeaders(), ...record.headers },
    });
    byTopic.set(record.topic, messages);
  }
  return sendAll(producer, byTopic);
}

export function eventProducerOn(
  send: (records: readonly ProducedRecord[]) => Promise<unknown>,
  codec: EventCodec,
  topicName: (logical: string) => string,
): EventProducer {
  return {
    async publish(events) {
      if (events.length === 0) return;
      const records: ProducedRecord[] = [];
      for (const [topic, messages] of await toMessages(codec, events, topicName))
        for (const message of messages)
          records.push({
            topic,
            key: (message.key as string | null | undefined) ?? null,
            value: message.value as Buffer,
            headers: message.headers as Record<string, string>,
          });
      await send(records);
    },
  };
}

export interface ConsumedOffset {
  topic: string;
  partition: number;
  /** The offset of the record that was processed; the commit points past it. */
  offset: string;
}

export interface TransactionScope {
  publish(events: readonly OutgoingEvent[]): Promise<void>;
  /** Commits these consumed offsets for the group atomically with what was published. */
  commitConsumed(consumerGroupId: string, offsets: readonly ConsumedOffset[]): Promise<void>;
}

export interface TransactionalProducer {
  /** Runs `work` in one Kafka transaction: all of it becomes visible, or none of it. */
  inTransaction<T>(work: (tx: TransactionScope) => Promise<T>): Promise<T>;
  disconnect(): Promise<void>;
}

export async function startTransactionalProducer(
  kafka: Kafka,
  deps: { codec: EventCodec; transactionalId: string; topicName?: (logical: string) => string },
): Promise<TransactionalProducer> {
  const { codec, transactionalId, topicName = (t: string) => t } = deps;
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  return {
    async inTransaction(work) {
      const transaction = await producer.transaction();
      try {
        const result = await work({
          async publish(events) {
            if (events.length > 0) await sendAll(transaction, await toMessages(codec, events, topicName));
          },
          async commitConsumed(consumerGroupId, offsets) {
            const topics = new Map<string, { partition: number; offset: string }[]>();
            for (const { topic, partition, offset } of offsets) {
              const next = (BigInt(offset) + 1n).toString();
              topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset: next }]);
            }
            const request = {
              consumerGroupId,
              topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })),
            };
            // A group's coordinator can move, or not be loaded yet (the first offset commit of a
            // new broker creates __consumer_offsets): those answers are retriable and kafkajs
            // does not retry TxnOffsetCommit itself. Both steps are idempotent in a transaction.
            for (let attempt = 1; ; attempt += 1) {
              try {
                await transaction.sendOffsets(request);
                break;
              } catch (error) {
                if (!isRetriable(error) || attempt >= SEND_OFFSETS_ATTEMPTS) throw error;
                await new Promise((resolve) => setTimeout(resolve, backoffMs(SEND_OFFSETS_RETRY, attempt)));
              }
            }
          },
        });
        await transaction.commit();
        return result;
      } catch (error) {
        if (transaction.isActive()) await transaction.abort();
        throw error;
      }
    },
    disconnect: () => producer.disconnect(),
  };
}
