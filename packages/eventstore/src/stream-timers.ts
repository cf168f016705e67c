import type { Collection } from 'mongodb';

import { BoundedMap } from '@lethe/bounded-map';

import { eachAtOnce } from './each-at-once';
import { isDuplicateKey } from './errors';
import { createInsertBatcher } from './insert-batcher';
import type { LoadedStream, LoadOptions } from './stream-store';

/** A stream that wants to be woken; may be early or stale, never missing (see due). */
export interface TimerDocument {
  _id: string;
  at: Date;
}

const CACHED_STREAMS = 10_000;

/**
 * When streams want waking, in a small side collection holding only what is pending. A stored
 * time may be early (due() moves it on to what the newest commit wants) but never missing.
 */
/** Due entries checked against their streams at once (each a store round trip or two). */
const DUE_CHECKED_AT_ONCE = 16;

export function createStreamTimers<State>(
  timers: Collection<TimerDocument>,
  load: (streamId: string, options?: LoadOptions) => Promise<LoadedStream<State> | undefined>,
) {
  // The wake-up time this process last stored per stream. A stored time that is early is fine,
  // so a later timer needs no write: most commits write none.
  const storedTimers = new BoundedMap<string, number>(CACHED_STREAMS);
  const inserts = createInsertBatcher(timers);

  return {
    /** Written before the commit, so a crash cannot lose a timer; a stale one is healed by due(). */
    async set(streamId: string, at: Date): Promise<void> {
      const stored = storedTimers.get(streamId);
      if (stored !== undefined && stored <= at.getTime()) return;
      // Insert first: a stream this process has not stored a timer for is most often a new
      // one, and then one round trip does (an update first took two).
      try {
        await inserts.insert({ _id: streamId, at });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        await timers.updateOne({ _id: streamId }, { $set: { at } });
      }
      storedTimers.set(streamId, at.getTime());
    },

    async due(now: Date, limit = 100): Promise<string[]> {
      const due = await timers
        .find({ at: { $lte: now } })
        .limit(limit)
        .toArray();
      const streamIds: string[] = [];
      await eachAtOnce(due, DUE_CHECKED_AT_ONCE, async (entry) => {
        // What this process last saw is enough: a stale view only costs a Tick that decides nothing.
        const head = await load(entry._id, { trustCache: true });
        const wanted = head?.timer ?? null;
        storedTimers.delete(entry._id);
        if (wanted === null) await timers.deleteOne({ _id: entry._id, at: entry.at });
        else if (wanted.getTime() > now.getTime()) {
          await timers.updateOne({ _id: entry._id, at: entry.at }, { $set: { at: wanted } });
          storedTimers.set(entry._id, wanted.getTime());
        } else streamIds.push(entry._id);
      });
      return streamIds;
    },
  };
}
