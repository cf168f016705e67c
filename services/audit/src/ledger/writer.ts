import type { KeyObject } from 'node:crypto';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { ConsumerRunner, KafkaClient, OutgoingEvent } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import {
  AUDITED_TOPICS,
  LEDGER_TOPIC,
  nextEntry,
  recordDigest,
  signCheckpoint,
  type ChainEntry,
} from '@lethe/audit-ledger';

/** Source records per ledger transaction (its entries must fit one produce request). */
const TRANSACTION_RECORDS = 500;

export interface LedgerWriterDeps {
  kafka: KafkaClient;
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
  await deps.kafka.readTopic(
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
  const envelope = () => ({
    subjectId: null,
    correlationId: 'audit-ledger',
    producer: 'audit',
    occurredAt: now().getTime(),
  });

  // One transaction per chunk of source records: its entries, any checkpoint, and the offsets.
  const runner: ConsumerRunner = await deps.kafka.runTransactionalConsumer({
    groupId,
    topics: AUDITED_TOPICS.map(topicName),
    transactionalId: topicName('lethe.audit.ledger-writer'),
    codec: deps.codec,
    topicName,
    chunkSize: TRANSACTION_RECORDS,
    transform: async ({ topic, partition, records }) => {
      let chainHead = head;
      let checkpointAt = lastCheckpoint;
      const chunkIds = new Set<string>();
      const events: OutgoingEvent[] = [];
      for (const record of records) {
        let event: LetheEvent | undefined;
        try {
          event = record.value ? (await deps.codec.decode(record.value)).event : undefined;
        } catch {
          event = undefined; // still ledgered, by its bytes: no record is silently dropped
        }
        const eventId = event?.envelope.eventId ?? null;
        if (eventId && (ledgered.has(eventId) || chunkIds.has(eventId))) continue;
        if (eventId) chunkIds.add(eventId);
        const entry = nextEntry(
          chainHead,
          { topic, partition, offset: Number(record.offset), eventId, type: event?.envelope.type ?? null },
          recordDigest(record.value),
        );
        chainHead = entry;
        await deps.onEntry?.(entry, event);
        events.push({
          event: makeEvent('AuditEntry', envelope(), { ...entry, eventRef: { ...entry.eventRef } }),
          key: null,
        });
        if (entry.seq - checkpointAt >= deps.checkpointEvery) {
          checkpointAt = entry.seq;
          events.push({
            event: makeEvent('AuditCheckpoint', envelope(), {
              seq: entry.seq,
              entryHash: entry.entryHash,
              signature: signCheckpoint(deps.signingKey, entry.seq, entry.entryHash),
              keyId: deps.keyId,
            }),
            key: null,
          });
        }
      }
      return {
        events,
        // Only after the commit: the chain moves on, and these events count as ledgered.
        committed: () => {
          head = chainHead;
          lastCheckpoint = checkpointAt;
          for (const id of chunkIds) ledgered.add(id);
        },
      };
    },
  });

  return {
    head: () => head,
    stop: () => runner.stop(),
  };
}
