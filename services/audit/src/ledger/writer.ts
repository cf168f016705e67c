import type { KeyObject } from 'node:crypto';

import type { Consumer, Kafka } from 'kafkajs';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import { createTransactionalProducer, type TransactionalProducer } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import { nextEntry, recordDigest, signCheckpoint, type ChainEntry } from './chain';
import { readTopic } from './read-topic';

export const LEDGER_TOPIC = 'lethe.audit.ledger.v1';
/** Source records per ledger transaction (its entries must fit one produce request). */
const TRANSACTION_RECORDS = 500;
/** Every domain topic (DESIGN.md section 2); task topics repeat ErasureTaskIssued, DLQs hold copies. */
export const AUDITED_TOPICS = [
  'lethe.account.events.v1',
  'lethe.account.ingest.v1',
  'lethe.consent.events.v1',
  'lethe.retention.events.v1',
  'lethe.erasure.events.v1',
  'lethe.erasure.participants.v1',
];

export interface LedgerWriterDeps {
  kafka: Kafka;
  codec: EventCodec;
  logger: Logger;
  signingKey: KeyObject;
  keyId: string;
  /** A signed checkpoint after this many entries. */
  checkpointEvery: number;
  topicName?: (logical: string) => string;
  now?: () => Date;
  /** Told of each entry before its transaction commits (indexes must be idempotent). */
  onEntry?: (entry: ChainEntry, event: LetheEvent | undefined) => Promise<void>;
}

export interface LedgerWriter {
  head(): { seq: number; entryHash: string } | null;
  stop(): Promise<void>;
}

/**
 * Appends one AuditEntry per event to the single-partition ledger. Each batch of source records
 * becomes one Kafka transaction holding its entries (and any checkpoint) and the consumer's
 * offsets, so a crash commits both or neither. At start the chain's head and the event ids it
 * holds are read back from the ledger (committed records only): a record delivered again, or an
 * event published twice by an outbox (same eventId), gets no second entry.
 */
export async function startLedgerWriter(deps: LedgerWriterDeps): Promise<LedgerWriter> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'ledger-writer' });
  const ledger = topicName(LEDGER_TOPIC);
  let head: { seq: number; entryHash: string } | null = null;
  let lastCheckpoint = 0;
  const ledgered = new Set<string>();
  await readTopic(
    deps.kafka,
    ledger,
    async (record) => {
      const { event } = await deps.codec.decode(record.value!);
      if (event.envelope.type === 'AuditEntry') {
        const data = event.data as ChainEntry;
        head = { seq: Number(data.seq), entryHash: data.entryHash };
        if (data.eventRef.eventId) ledgered.add(data.eventRef.eventId);
      } else if (event.envelope.type === 'AuditCheckpoint')
        lastCheckpoint = Number((event.data as { seq: number }).seq);
    },
    { transactional: true },
  );
  log.info({ seq: (head as { seq: number } | null)?.seq ?? 0 }, 'ledger head recovered');

  const groupId = topicName('lethe.audit');
  const producer: TransactionalProducer = await createTransactionalProducer({
    kafka: deps.kafka,
    codec: deps.codec,
    topicName,
    transactionalId: topicName('lethe.audit.ledger-writer'),
  });
  const consumer: Consumer = deps.kafka.consumer({ groupId, maxWaitTimeInMs: 500, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topics: AUDITED_TOPICS.map(topicName), fromBeginning: true });
  const envelope = () => ({
    subjectId: null,
    correlationId: 'audit-ledger',
    producer: 'audit',
    occurredAt: now().getTime(),
  });

  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, heartbeat, resolveOffset, isRunning }) => {
      // One transaction per chunk: a fetched batch can hold thousands of records, and a
      // transaction's records must fit in one produce request (message.max.bytes, 1 MiB).
      for (let from = 0; from < batch.messages.length && isRunning(); from += TRANSACTION_RECORDS) {
        const chunk = batch.messages.slice(from, from + TRANSACTION_RECORDS);
        let chainHead = head;
        let checkpointAt = lastCheckpoint;
        const chunkIds = new Set<string>();
        const records: LetheEvent[] = [];
        for (const message of chunk) {
          let event: LetheEvent | undefined;
          try {
            event = message.value ? (await deps.codec.decode(message.value)).event : undefined;
          } catch {
            event = undefined; // still ledgered, by its bytes: no record is silently dropped
          }
          const eventId = event?.envelope.eventId ?? null;
          if (eventId && (ledgered.has(eventId) || chunkIds.has(eventId))) continue;
          if (eventId) chunkIds.add(eventId);
          const entry = nextEntry(
            chainHead,
            {
              topic: batch.topic,
              partition: batch.partition,
              offset: Number(message.offset),
              eventId,
              type: event?.envelope.type ?? null,
            },
            recordDigest(message.value),
          );
          chainHead = entry;
          await deps.onEntry?.(entry, event);
          records.push(makeEvent('AuditEntry', envelope(), { ...entry, eventRef: { ...entry.eventRef } }));
          if (entry.seq - checkpointAt >= deps.checkpointEvery) {
            checkpointAt = entry.seq;
            records.push(
              makeEvent('AuditCheckpoint', envelope(), {
                seq: entry.seq,
                entryHash: entry.entryHash,
                signature: signCheckpoint(deps.signingKey, entry.seq, entry.entryHash),
                keyId: deps.keyId,
              }),
            );
          }
        }
        const last = chunk[chunk.length - 1]!;
        await producer.inTransaction(async (tx) => {
          await tx.publish(records.map((event) => ({ event, key: null })));
          await tx.commitConsumed(groupId, [
            { topic: batch.topic, partition: batch.partition, offset: last.offset },
          ]);
        });
        // Only after the commit: the chain moves on, and these events count as ledgered.
        head = chainHead;
        lastCheckpoint = checkpointAt;
        for (const id of chunkIds) ledgered.add(id);
        resolveOffset(last.offset);
        await heartbeat();
      }
    },
  });

  return {
    head: () => head,
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
