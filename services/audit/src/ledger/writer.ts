import type { KeyObject } from 'node:crypto';

import { makeEvent, type EventCodec, type LetheEvent } from '@lethe/events';
import type { ConsumedRecord, KafkaClient, OutgoingEvent, TransactionalConsumer } from '@lethe/kafka';
import type { Logger } from '@lethe/logger';

import {
  AUDITED_TOPICS,
  entryLeaf,
  hashText,
  LEDGER_TOPIC,
  MerkleFrontier,
  nextEntry,
  recordDigest,
  signCheckpoint,
  type ChainEntry,
} from '@lethe/audit-ledger';
import { BoundedMap } from '@lethe/bounded-map';

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
  /** How many of the latest ledgered event ids a second copy is recognised by (see ChainState). */
  dedupeWindow?: number;
}

/** Event ids remembered by default: a few minutes of a busy system, a few MiB of memory. */
export const DEFAULT_DEDUPE_WINDOW = 100_000;

export interface LedgerWriter {
  head(): { seq: number; entryHash: string } | null;
  /** A newer writer took over the ledger: this one has stopped for good. */
  fenced(): boolean;
  stop(): Promise<void>;
}

type Head = { seq: number; entryHash: string } | null;

/**
 * Where the chain stands: its head, its Merkle tree's right edge, the last signed seq, and the
 * latest ledgered event ids. Only the latest: an outbox publishes an event twice when it
 * restarts before marking it sent, which is soon after. An older second copy gets an entry of its
 * own, and costs nothing but that entry: it has the first one's bytes, which the verifier accepts
 * as a faithful copy (same event id, same digest) and counts once. Memory stays bounded whatever
 * the history (holding every id took 1.1 GiB at 1,000,000 events).
 */
interface ChainState {
  head: Head;
  tree: MerkleFrontier;
  lastCheckpoint: number;
  ledgered: BoundedMap<string, true>;
}

const emptyState = (dedupeWindow: number): ChainState => ({
  head: null,
  tree: MerkleFrontier.empty(),
  lastCheckpoint: 0,
  ledgered: new BoundedMap(dedupeWindow),
});

/** Reads the ledger back (committed records only) to the chain's head. */
async function readChainState(
  kafka: KafkaClient,
  codec: EventCodec,
  ledger: string,
  dedupeWindow: number,
): Promise<ChainState> {
  const state = emptyState(dedupeWindow);
  await kafka.readTopic(
    ledger,
    async (record) => {
      const { event } = await codec.decode(record.value!);
      if (event.envelope.type === 'AuditEntry') {
        const data = event.data as ChainEntry;
        state.head = { seq: Number(data.seq), entryHash: data.entryHash };
        state.tree.append(entryLeaf(data.entryHash));
        if (data.eventRef.eventId) state.ledgered.set(data.eventRef.eventId, true);
      } else if (event.envelope.type === 'AuditCheckpoint')
        state.lastCheckpoint = Number((event.data as { seq: number }).seq);
    },
    { transactional: true },
  );
  return state;
}

const ledgerEnvelope = (now: () => Date) => ({
  subjectId: null,
  correlationId: 'audit-ledger',
  producer: 'audit',
  occurredAt: now().getTime(),
});

/** A signed checkpoint over the entry `head` names, and the tree head of the entries up to it. */
function checkpointEvent(
  deps: LedgerWriterDeps,
  head: { seq: number; entryHash: string },
  tree: MerkleFrontier,
  now: () => Date,
) {
  const treeHead = { size: tree.size, rootHash: hashText(tree.root()) };
  return {
    event: makeEvent('AuditCheckpoint', ledgerEnvelope(now), {
      seq: head.seq,
      entryHash: head.entryHash,
      signature: signCheckpoint(deps.signingKey, head.seq, head.entryHash, treeHead),
      keyId: deps.keyId,
      treeSize: treeHead.size,
      rootHash: treeHead.rootHash,
    }),
    key: null,
  };
}

/**
 * The entries (and checkpoints) for one chunk of source records, from the chain state as the
 * last committed chunk left it. Skips event ids already ledgered (an outbox's second copy).
 */
async function chunkEntries(
  deps: LedgerWriterDeps,
  state: ChainState,
  chunk: { topic: string; partition: number; records: readonly ConsumedRecord[] },
  now: () => Date,
): Promise<{
  events: OutgoingEvent[];
  head: Head;
  tree: MerkleFrontier;
  checkpointAt: number;
  eventIds: Set<string>;
}> {
  let head = state.head;
  // A copy: the state's tree moves on only once the chunk's transaction commits.
  const tree = state.tree.clone();
  let checkpointAt = state.lastCheckpoint;
  const eventIds = new Set<string>();
  const events: OutgoingEvent[] = [];
  for (const record of chunk.records) {
    let event: LetheEvent | undefined;
    try {
      event = record.value ? (await deps.codec.decode(record.value)).event : undefined;
    } catch {
      event = undefined; // still ledgered, by its bytes: no record is silently dropped
    }
    const eventId = event?.envelope.eventId ?? null;
    if (eventId && (state.ledgered.has(eventId) || eventIds.has(eventId))) continue;
    if (eventId) eventIds.add(eventId);
    const { topic, partition } = chunk;
    const ref = {
      topic,
      partition,
      offset: Number(record.offset),
      eventId,
      type: event?.envelope.type ?? null,
    };
    const entry = nextEntry(head, ref, recordDigest(record.value));
    head = entry;
    tree.append(entryLeaf(entry.entryHash));
    await deps.onEntry?.(entry, event);
    events.push({
      event: makeEvent('AuditEntry', ledgerEnvelope(now), { ...entry, eventRef: { ...entry.eventRef } }),
      key: null,
    });
    if (entry.seq - checkpointAt >= deps.checkpointEvery) {
      checkpointAt = entry.seq;
      events.push(checkpointEvent(deps, entry, tree, now));
    }
  }
  return { events, head, tree, checkpointAt, eventIds };
}

/**
 * Appends one AuditEntry per event to the single-partition ledger. Each batch of source records
 * becomes one Kafka transaction holding its entries (and any checkpoint) and the consumer's
 * offsets, so a crash commits both or neither. At start the chain's head and the event ids it
 * holds are read back from the ledger (committed records only): a record delivered again, or an
 * event published twice by an outbox (same eventId) within the dedupe window, gets no second entry.
 */
export async function startLedgerWriter(deps: LedgerWriterDeps): Promise<LedgerWriter> {
  const topicName = deps.topicName ?? ((topic: string) => topic);
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ component: 'ledger-writer' });
  const ledger = topicName(LEDGER_TOPIC);
  const dedupeWindow = deps.dedupeWindow ?? DEFAULT_DEDUPE_WINDOW;
  let state = emptyState(dedupeWindow);
  let lastEntryAt = Date.now();

  // One transaction per chunk of source records: its entries, any checkpoint, and the offsets.
  const runner: TransactionalConsumer = await deps.kafka.runTransactionalConsumer({
    groupId: topicName('lethe.audit'),
    topics: AUDITED_TOPICS.map(topicName),
    transactionalId: topicName('lethe.audit.ledger-writer'),
    codec: deps.codec,
    topicName,
    chunkSize: TRANSACTION_RECORDS,
    // Read back only once this writer holds the transactional id: an older writer is fenced by
    // then, so the head cannot move under this one and two writers never fork the chain.
    claimed: async () => {
      state = await readChainState(deps.kafka, deps.codec, ledger, dedupeWindow);
      log.info({ seq: state.head?.seq ?? 0 }, 'ledger head recovered');
    },
    onFenced: () =>
      log.error('fenced by a newer ledger writer: this one writes nothing more and reports not ready'),
    transform: async (chunk) => {
      const next = await chunkEntries(deps, state, chunk, now);
      return {
        events: next.events,
        // Only after the commit: the chain moves on, and these events count as ledgered.
        committed: () => {
          state.head = next.head;
          state.tree = next.tree;
          state.lastCheckpoint = next.checkpointAt;
          for (const id of next.eventIds) state.ledgered.set(id, true);
          if (next.events.length > 0) lastEntryAt = Date.now();
        },
      };
    },
  });

  // Entries after the last checkpoint are unsigned until checkpointEvery more arrive; when the
  // writer falls quiet, it signs what it has (between chunks, so the head is committed).
  const idleMs = deps.checkpointIdleMs ?? 0;
  const signWhenIdle = () =>
    runner.publishAlone(() => {
      const current = state.head;
      if (!current || current.seq <= state.lastCheckpoint || Date.now() - lastEntryAt < idleMs)
        return undefined;
      return {
        events: [checkpointEvent(deps, current, state.tree, now)],
        committed: () => void (state.lastCheckpoint = current.seq),
      };
    });
  const idleTimer =
    idleMs > 0
      ? setInterval(
          () =>
            void signWhenIdle().catch((error: unknown) =>
              log.error({ err: error }, 'idle checkpoint failed'),
            ),
          Math.max(100, Math.floor(idleMs / 4)),
        )
      : undefined;

  return {
    head: () => state.head,
    fenced: () => runner.stalled(),
    async stop() {
      clearInterval(idleTimer);
      await runner.stop();
    },
  };
}
