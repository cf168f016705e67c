import type { Logger } from '@lethe/logger';

import { beforeHeld } from './pending-marks';
import { createPublishWatermark } from './publish-watermark';
import { toOutboxRecord, type CommittedOutbox, type OutboxRecord, type StreamStore } from './stream-store';

export interface OutboxRelay {
  /** Publishes every pending outbox once and marks it published; returns the record count. */
  flush(): Promise<number>;
  /** Publishes this process's new commits as they come, and sweeps up what others (or a crash)
   * left every `intervalMs`, until stop(). */
  start(intervalMs?: number): void;
  wake(): void;
  /** Whether every commit this process stored before the call is on Kafka (acks=all) within
   * `timeoutMs`: for an answer that must mean "the event is on the log", not only "it is
   * stored". False means not yet: the relay still publishes it later. */
  published(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

export interface OutboxRelayDeps {
  store: Pick<
    StreamStore<unknown>,
    'unpublished' | 'unpublishedBefore' | 'markPublished' | 'onCommitted' | 'relayAlive' | 'relayStopped'
  >;
  /** Sends on an idempotent producer (acks=all), each topic's records in the order given:
   * a KafkaClient's `send`. */
  send: (records: readonly OutboxRecord[]) => Promise<unknown>;
  logger: Logger;
  batchSize?: number;
  now?: () => Date;
}

/** A pending outbox younger than this is left to the process that wrote it (its fast path);
 * older, it is swept up unless that process's relay is still alive (pending-marks.ts). */
const SWEEP_GRACE_MS = 2_000;
/** How often a running relay says it is alive: well within RELAY_PRESUMED_DEAD_MS. */
const ALIVE_EVERY_MS = 3_000;

/**
 * Publishes the commits still marked pending, a batch at a time, except those this process has
 * in hand (its fast path sends them) and what follows them in their stream (it must not pass
 * them).
 */
async function sweepPending(
  sweep: {
    store: Pick<StreamStore<unknown>, 'unpublished'>;
    publish: (markIds: string[], records: OutboxRecord[]) => Promise<number>;
    batchSize: number;
    now: Date;
    olderThanMs: number;
    spareLiveRelays: boolean;
  },
  inHand: () => readonly CommittedOutbox[],
): Promise<number> {
  let total = 0;
  for (;;) {
    const handed = [...inHand()];
    const found = await sweep.store.unpublished(sweep.batchSize, sweep.now, {
      olderThanMs: sweep.olderThanMs,
      spareLiveRelays: sweep.spareLiveRelays,
    });
    const commits = beforeHeld(found, handed);
    total += await sweep.publish(
      commits.map((commit) => commit.markId),
      commits.flatMap((commit) => commit.outbox.map(toOutboxRecord)),
    );
    if (commits.length < sweep.batchSize) return total; // a full batch may have more behind it
  }
}

/**
 * Publishes commits' events to Kafka, then marks them published. Commits this process wrote are
 * handed over in memory and sent at once, in one produce request per flush (each stream's
 * commits in order; the idempotent producer keeps that order per partition). A sweep of the
 * pending marks publishes what a crashed or other process left. A crash between publishing and
 * marking publishes those records again: consumers dedupe on eventId.
 */
export function createOutboxRelay({
  store,
  send,
  logger,
  batchSize = 200,
  now = () => new Date(),
}: OutboxRelayDeps): OutboxRelay {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = true;
  let intervalMs = 200;
  let unsubscribe: (() => void) | undefined;
  let lastSweepAt = 0;
  let aliveTimer: NodeJS.Timeout | undefined;
  const handedOver: (CommittedOutbox & { seq: number })[] = [];
  const watermark = createPublishWatermark();

  async function publish(markIds: string[], records: OutboxRecord[]): Promise<number> {
    if (records.length > 0) await send(records);
    await store.markPublished(markIds);
    return records.length;
  }

  /**
   * The commits in hand, each after its stream's commits still pending in other processes (a
   * commit written on another process's commit must not reach Kafka before it). Those are sent
   * here too; their writer may send them again, which consumers dedupe.
   */
  async function withPredecessors(commits: readonly CommittedOutbox[]): Promise<CommittedOutbox[]> {
    const at = now();
    const earlier = await Promise.all(
      commits.map((commit) =>
        commit.afterOthers
          ? store.unpublishedBefore(commit.streamId, commit.version, at)
          : Promise.resolve([]),
      ),
    );
    const sent = new Set<string>();
    const ordered: CommittedOutbox[] = [];
    commits.forEach((commit, i) => {
      for (const before of earlier[i]!)
        if (!sent.has(before.markId)) {
          sent.add(before.markId);
          ordered.push({ ...before, records: before.outbox.map(toOutboxRecord), afterOthers: false });
        }
      if (!sent.has(commit.markId)) {
        sent.add(commit.markId);
        ordered.push(commit);
      }
    });
    return ordered;
  }

  async function flushHandedOver(): Promise<number> {
    const commits = handedOver.splice(0, handedOver.length);
    if (commits.length === 0) return 0;
    try {
      const inOrder = await withPredecessors(commits);
      const count = await publish(
        inOrder.map((commit) => commit.markId),
        inOrder.flatMap((commit) => commit.records),
      );
      watermark.settle(Math.max(...commits.map((commit) => commit.seq)));
      return count;
    } catch (error) {
      handedOver.unshift(...commits); // in order, for the next flush
      throw error;
    }
  }

  // The running relay's sweep leaves live relays' commits to them; an explicit flush sends all.
  const sweep = (olderThanMs: number) =>
    sweepPending(
      { store, publish, batchSize, now: now(), olderThanMs, spareLiveRelays: olderThanMs > 0 },
      () => handedOver,
    );

  function enqueue(run: () => Promise<number>): Promise<number> {
    // One flush at a time: a second caller waits for the one in progress, then runs its own.
    const next = (running ?? Promise.resolve(0)).catch(() => 0).then(run);
    running = next;
    return next;
  }

  // At most one timer is pending, however wake() and finished flushes interleave.
  function schedule(delayMs: number, sweepToo: boolean) {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      // Under steady load the fast path runs all the time; the sweep still gets its turn.
      const sweeping = sweepToo || now().getTime() - lastSweepAt >= intervalMs;
      if (sweeping) lastSweepAt = now().getTime();
      enqueue(async () => (await flushHandedOver()) + (sweeping ? await sweep(SWEEP_GRACE_MS) : 0))
        .catch((error: unknown) => logger.error({ err: error }, 'outbox flush failed; retrying'))
        .finally(() => schedule(intervalMs, true));
    }, delayMs);
  }

  return {
    flush: () => enqueue(async () => (await flushHandedOver()) + (await sweep(0))),
    start(every = 200) {
      intervalMs = every;
      stopped = false;
      const sayAlive = () =>
        store
          .relayAlive()
          .catch((error: unknown) => logger.warn({ err: error }, 'relay sign of life failed'));
      void sayAlive();
      aliveTimer = setInterval(sayAlive, ALIVE_EVERY_MS).unref();
      unsubscribe = store.onCommitted((commit) => {
        handedOver.push({ ...commit, seq: watermark.next() });
        schedule(0, false);
      });
      schedule(0, true);
    },
    wake() {
      schedule(0, false);
    },
    published: (timeoutMs) => watermark.published(timeoutMs),
    async stop() {
      stopped = true;
      unsubscribe?.();
      clearTimeout(timer);
      clearInterval(aliveTimer);
      await running?.catch(() => 0);
      await store.relayStopped().catch(() => undefined);
    },
  };
}
