import type { Logger } from '@lethe/logger';

import { eachAtOnce } from './each-at-once';
import type { StreamStore } from './stream-store';

export interface TimerSweeper {
  /** Hands every stream due now to `onDue`, in batches, until none is left. */
  readonly sweep: () => Promise<void>;
  stop(): Promise<void>;
}

export interface TimerSweeperDeps {
  store: Pick<StreamStore<unknown>, 'dueTimers'>;
  /** What a due stream gets, e.g. a Tick command; it must be idempotent (a timer can be stale). */
  onDue: (streamId: string, now: Date) => Promise<void>;
  now: () => Date;
  logger: Logger;
  /** Asked before each sweep; false skips it, and the due streams stay due for the next one. */
  ready?: () => Promise<boolean>;
  intervalMs?: number;
  batchSize?: number;
  /** Due streams woken at once: each is its own stream, so they do not conflict. */
  concurrency?: number;
}

/**
 * The scheduler of the services that keep time (erasure deadlines, retention clocks): each
 * stream stores when it next wants waking with its commit, so a restart loses no timer, and a
 * sweep every `intervalMs` wakes whatever is due. 100,000 streams due at once are swept in
 * batches within one sweep rather than one batch per interval.
 */
export function startTimerSweeper({
  store,
  onDue,
  now,
  logger,
  ready,
  intervalMs = 500,
  batchSize = 500,
  concurrency = 16,
}: TimerSweeperDeps): TimerSweeper {
  async function sweep(): Promise<void> {
    const at = now();
    for (;;) {
      const due = await store.dueTimers(at, batchSize);
      // Asked only when something is due: most sweeps find nothing and cost one query.
      if (due.length === 0 || (ready && !(await ready()))) return;
      // One at a time, 1,000 expiring clocks took 40 s to decide (pnpm bench:retention): each
      // waits on its store round trips, which others can use meanwhile.
      await eachAtOnce(due, concurrency, (streamId) => onDue(streamId, at));
      if (due.length < batchSize) return;
    }
  }
  let running = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (running) {
      await sweep().catch((error: unknown) => logger.error({ err: error }, 'timer sweep failed'));
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, intervalMs);
      });
    }
  })();
  return {
    sweep,
    async stop() {
      running = false;
      wake?.();
      await loop;
    },
  };
}
