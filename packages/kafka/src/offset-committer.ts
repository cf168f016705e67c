import type { Logger } from '@lethe/logger';

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next record to read, as Kafka commits it (the handled record's offset + 1). */
  readonly offset: string;
}

export interface OffsetCommitter {
  /** The record at `offset` is handled: its partition's commit moves past it, soon. */
  handled(topic: string, partition: number, offset: string): void;
  /** Resolves once every offset handed over so far has had its commit tried. */
  flushed(): Promise<void>;
}

/**
 * Commits handled records' offsets without making the next record wait for the broker. A commit
 * after each record, awaited, was a round trip on every record of every group and, under load,
 * most of the broker's group-coordinator work (a JFR profile during `pnpm bench:signups`). Each
 * handled record raises its partition's mark, and one commit at a time carries every partition's
 * latest mark. A crash before a commit delivers those records again, which consumers must
 * tolerate anyway: their handlers are idempotent. A failed commit (a rebalance, the broker away)
 * keeps its marks for the next one, made by the next record or after `retryAfterMs`.
 */
export function offsetCommitter(
  commit: (offsets: CommittedOffset[]) => Promise<void>,
  log: Logger,
  retryAfterMs = 1_000,
): OffsetCommitter {
  const marks = new Map<string, { topic: string; partition: number; next: bigint }>();
  let draining: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;

  const raise = (topic: string, partition: number, next: bigint) => {
    const key = `${topic}/${partition}`;
    const current = marks.get(key);
    if (!current || current.next < next) marks.set(key, { topic, partition, next });
  };

  async function drain(): Promise<void> {
    while (marks.size > 0) {
      const batch = [...marks.values()];
      marks.clear();
      try {
        await commit(
          batch.map(({ topic, partition, next }) => ({ topic, partition, offset: next.toString() })),
        );
      } catch (error) {
        for (const { topic, partition, next } of batch) raise(topic, partition, next);
        log.warn({ err: error }, 'offset commit failed; kept for the next commit');
        // Tried again after a pause even if no record comes: a consumed barrier waits on it.
        retry ??= setTimeout(() => {
          retry = undefined;
          void start();
        }, retryAfterMs).unref();
        return;
      }
    }
  }

  const start = (): Promise<void> =>
    (draining ??= drain().finally(() => {
      draining = undefined;
      // A mark raised as the drain ended (after its last look) is not left waiting.
      if (marks.size > 0 && !retry) void start();
    }));

  return {
    handled(topic, partition, offset) {
      raise(topic, partition, BigInt(offset) + 1n);
      void start();
    },
    async flushed() {
      while (draining) await draining;
      if (marks.size > 0) await start();
    },
  };
}
