import type { KeyObject } from 'node:crypto';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { KafkaClient, OutgoingEvent, TransactionalConsumer } from '@lethe/kafka';
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
  /** And one after this long without new entries, so the newest are signed soon (0: never). */
  checkpointIdleMs?: number;
  topicName?: (logical: string) => string;
  now?: () => Date;
  /** Told of each entry before its transaction commits (indexes must be idempotent). */
  onEntry?: (entry: ChainEntry, event: LetheEvent | undefined) => Promise<void>;
}

export interface LedgerWriter {
  head(): { seq: number; entryHash: string } | null;
  /** A newer writer took over the ledger: this one has stopped for good. */
  fenced(): boolean;
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
  // Read back only once this writer holds the transactional id: an older writer is fenced by
  // then, so the head cannot move under this one and two writers never fork the chain.
  const recoverHead = async () => {
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
  };

  const groupId = topicName('lethe.audit');
  const envelope = () => ({
    subjectId: null,
    correlationId: 'audit-ledger',
    producer: 'audit',
    occurredAt: now().getTime(),
  });

  // One transaction per chunk of source records: its entries, any checkpoint, and the offsets.
  let lastEntryAt = Date.now();
  const runner: TransactionalConsumer = await deps.kafka.runTransactionalConsumer({
    groupId,
    topics: AUDITED_TOPICS.map(topicName),
    transactionalId: topicName('lethe.audit.ledger-writer'),
    codec: deps.codec,
    topicName,
    chunkSize: TRANSACTION_RECORDS,
    claimed: recoverHead,
    onFenced: () =>
      log.error('fenced by a newer ledger writer: this one writes nothing more and reports not ready'),
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
          if (events.length > 0) lastEntryAt = Date.now();
        },
      };
    },
  });

  // Entries after the last checkpoint are unsigned until checkpointEvery more arrive; when the
  // writer falls quiet, it signs what it has (between chunks, so the head is committed).
  const idleMs = deps.checkpointIdleMs ?? 0;
  const signWhenIdle = async () => {
    await runner.publishAlone(() => {
      const current = head;
      if (!current || current.seq <= lastCheckpoint || Date.now() - lastEntryAt < idleMs) return undefined;
      const checkpoint = {
        seq: current.seq,
        entryHash: current.entryHash,
        signature: signCheckpoint(deps.signingKey, current.seq, current.entryHash),
        keyId: deps.keyId,
      };
      return {
        events: [{ event: makeEvent('AuditCheckpoint', envelope(), checkpoint), key: null }],
        committed: () => void (lastCheckpoint = current.seq),
      };
    });
  };
  const idleTimer =
    idleMs > 0
      ? setInterval(
          () => {
            signWhenIdle().catch((error: unknown) => log.error({ err: error }, 'idle checkpoint failed'));
          },
          Math.max(100, Math.floor(idleMs / 4)),
        )
      : undefined;

  return {
    head: () => head,
    fenced: () => runner.stalled(),
    async stop() {
      clearInterval(idleTimer);
      await runner.stop();
    },
  };
}
